// The EventStore contract (src/storage/event_store_conformance.cc) on real ClickHouse servers:
// one server alone, and two servers as the shards of a Distributed table. Both servers are
// started once for this binary (it runs as one CTest test) and stopped by PID at the end.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>

#include "storage/clickhouse/clickhouse_event_store.h"
#include "storage/event_store_conformance.h"
#include "support/clickhouse_cluster.h"
#include "support/vigil_process.h"

namespace vigil {
namespace {

using testing::ClickHouseCluster;

std::unique_ptr<testing::TempDir> g_dir;
std::unique_ptr<ClickHouseCluster> g_cluster;
std::atomic<int> g_databases{0};

class ClickHouseEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    g_dir = std::make_unique<testing::TempDir>();
    std::string error;
    g_cluster = ClickHouseCluster::Start(g_dir->path(), 2, error);
    ASSERT_NE(g_cluster, nullptr) << error;
  }
  void TearDown() override {
    g_cluster.reset();
    g_dir.reset();
  }
};
const auto* const g_environment = ::testing::AddGlobalTestEnvironment(new ClickHouseEnvironment);

// Each store gets a database of its own, so every case starts empty.
ClickHouseStoreOptions Options(bool sharded) {
  ClickHouseStoreOptions o;
  o.endpoint.url = g_cluster->http_url(0);
  o.database = "conformance_" + std::to_string(getpid()) + "_" + std::to_string(++g_databases);
  if (sharded) {
    o.cluster = ClickHouseCluster::kClusterName;
    for (int i = 0; i < g_cluster->size(); ++i)
      o.shards.push_back({g_cluster->http_url(i), "", ""});
  }
  return o;
}

std::unique_ptr<EventStore> Make(bool sharded) {
  if (!g_cluster) return nullptr;
  auto store = ClickHouseEventStore::Open(Options(sharded));
  if (!store.ok()) {
    ADD_FAILURE() << store.status().ToString();
    return nullptr;
  }
  return std::move(store).value();
}

INSTANTIATE_TEST_SUITE_P(
    ClickHouse, EventStoreConformanceTest,
    ::testing::Values(StoreFactory{"single_node", [](const std::string&) { return Make(false); }},
                      StoreFactory{"two_shards", [](const std::string&) { return Make(true); }}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace vigil
