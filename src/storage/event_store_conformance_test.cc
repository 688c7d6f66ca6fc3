// SQLite and the in-memory fake against the EventStore contract (event_store_conformance.cc),
// and SQLite-specific rollup durability.

#include "storage/event_store_conformance.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "storage/memory_event_store.h"
#include "storage/sqlite/sqlite_event_store.h"

namespace vigil {
namespace {

constexpr int64_t kHour0 = 1'795'878'000'000'000'000;  // an hour start

Event E(const std::string& tenant, const std::string& trace, const std::string& span, int64_t ts) {
  Event e;
  e.tenant = tenant;
  e.trace_id = trace;
  e.span_id = span;
  e.ts_ns = ts;
  e.use_case = "refund-bot";
  e.latency_ms = 100;
  return e;
}

TenantFilter All() { return TenantFilter{true, {}}; }

INSTANTIATE_TEST_SUITE_P(
    Stores, EventStoreConformanceTest,
    ::testing::Values(StoreFactory{"sqlite",
                                   [](const std::string& dir) -> std::unique_ptr<EventStore> {
                                     auto s = SqliteEventStore::Open(dir + "/v.db", {});
                                     return s.ok() ? std::move(s).value() : nullptr;
                                   }},
                      StoreFactory{"memory",
                                   [](const std::string&) -> std::unique_ptr<EventStore> {
                                     return std::make_unique<MemoryEventStore>();
                                   }}),
    [](const auto& info) { return info.param.name; });

TEST(SqliteRollupTest, RollupsSurviveReopenAndFailedCommitsLeaveNoTrace) {
  char tmpl[] = "/tmp/vigil-roll-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  SqliteEventStore::Options options;
  options.busy_timeout_ms = 50;
  auto count_for = [&](EventStore& store) {
    uint64_t n = 0;
    auto rows = store.ReadRollups({All(), "", "", kHour0, kHour0 + kHourNs});
    for (const RollupRow& r : *rows) n += r.cell.count;
    return n;
  };
  {
    auto store = SqliteEventStore::Open(dir + "/v.db", options);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Append(std::vector<Event>{E("acme", "a", "1", kHour0)}).ok());
    // Another process holds the lock: the append fails and must not be counted later.
    auto locker = SqliteDb::Open(dir + "/v.db");
    ASSERT_TRUE(locker->Exec("BEGIN EXCLUSIVE").ok());
    EXPECT_FALSE((*store)->Append(std::vector<Event>{E("acme", "a", "2", kHour0)}).ok());
    ASSERT_TRUE(locker->Exec("COMMIT").ok());
    ASSERT_TRUE((*store)->Append(std::vector<Event>{E("acme", "a", "3", kHour0)}).ok());
    EXPECT_EQ(count_for(**store), 2u);
  }
  auto reopened = SqliteEventStore::Open(dir + "/v.db", options);
  ASSERT_TRUE(reopened.ok());
  ASSERT_TRUE((*reopened)->Append(std::vector<Event>{E("acme", "a", "4", kHour0)}).ok());
  EXPECT_EQ(count_for(**reopened), 3u);  // continued from the stored cell, not from zero
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vigil
