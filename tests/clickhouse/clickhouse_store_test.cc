// The EventStore contract (src/storage/event_store_conformance.cc) on real ClickHouse servers:
// one server alone, and two servers as the shards of a Distributed table. Both servers are
// started once for this binary (it runs as one CTest test) and stopped by PID at the end.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>

#include "storage/clickhouse/clickhouse_event_store.h"
#include "storage/clickhouse/clickhouse_http.h"
#include "storage/clickhouse/clickhouse_rows.h"
#include "storage/clickhouse/spool.h"
#include "storage/event_store_conformance.h"
#include "storage/query.h"
#include "support/clickhouse_cluster.h"
#include "support/vigil_process.h"

namespace vigil {
namespace {
using testing::ClickHouseCluster;
}  // namespace

namespace {

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

}  // namespace

ClickHouseCluster* SuiteCluster() { return g_cluster.get(); }

namespace {

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

Event Step(int i, const std::string& batch) {
  Event e;
  e.tenant = "acme";
  e.trace_id = batch + "-" + std::to_string(i / 4);
  e.span_id = std::to_string(i % 4);
  e.ts_ns = 1'795'878'000'000'000'000 + i * 1'000'000LL;
  e.use_case = "refund-bot";
  e.layer = static_cast<Layer>(i % 4);
  e.latency_ms = 10 + i % 90;
  return e;
}

std::vector<Event> Batch(const std::string& name, int n) {
  std::vector<Event> out;
  for (int i = 0; i < n; ++i) out.push_back(Step(i, name));
  return out;
}

// One shard stops: batches are acknowledged from the spool (the duplicate lookup over the
// Distributed table fails, so they are spooled unchecked), including a re-send of a batch that
// was stored before the outage; when the shard is back the replayer drains the spool and every
// event is stored exactly once. Then the same across a restart of the store with a full spool.
TEST(ClickHouseSpoolTest, AShardOutageIsBridgedByTheSpoolAndEveryEventIsStoredOnce) {
  ASSERT_NE(g_cluster, nullptr);
  ClickHouseStoreOptions options = Options(true);
  options.spool_dir = g_dir->File("spool-" + options.database);
  options.timeout = std::chrono::milliseconds(3000);
  auto store = ClickHouseEventStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->Append(Batch("a", 200)).ok());
  ASSERT_EQ(*(*store)->CountEvents(), 200);

  g_cluster->Stop(1);
  for (const char* name : {"b", "c", "a"}) {  // "a" again: a client re-sending during the outage
    auto appended = (*store)->Append(Batch(name, 200));
    ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  }
  SpoolStats during = (*store)->spool_stats();
  EXPECT_EQ(during.pending_batches, 3);
  EXPECT_EQ(during.spooled_batches, 3u);
  EXPECT_FALSE(during.last_error.empty());
  // Without the shard nothing can be counted; the spool keeps everything meanwhile.
  EXPECT_FALSE((*store)->CountEvents().ok());

  ASSERT_TRUE(g_cluster->Restart(1)) << g_cluster->Log(1);
  ASSERT_TRUE(testing::WaitFor([&] { return (*store)->spool_stats().pending_batches == 0; },
                               std::chrono::seconds(60)))
      << (*store)->spool_stats().last_error;
  auto count = (*store)->CountEvents();
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(*count, 600);  // a, b, c once each
  EXPECT_EQ((*store)->spool_stats().replayed_batches, 3u);

  // A spool that still holds batches when the store closes (as when vigil is killed) is replayed
  // by the next store on the same directory.
  g_cluster->Stop(1);
  ASSERT_TRUE((*store)->Append(Batch("d", 200)).ok());
  store->reset();
  ASSERT_TRUE(g_cluster->Restart(1)) << g_cluster->Log(1);
  auto reopened = ClickHouseEventStore::Open(options);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  ASSERT_TRUE(testing::WaitFor([&] { return (*reopened)->spool_stats().pending_batches == 0; },
                               std::chrono::seconds(60)));
  EXPECT_EQ(*(*reopened)->CountEvents(), 800);
  // Reads agree with what was sent: every trace of batch d has its four steps.
  auto trace = (*reopened)->ReadTrace(TenantFilter{true, {}}, "d-7");
  ASSERT_TRUE(trace.ok());
  EXPECT_EQ(trace->size(), 4u);
}

// A batch larger than one identity lookup (ClickHouse caps a query's syntax tree at 50,000
// elements): the lookup goes in chunks and a re-send is still recognized in full.
TEST(ClickHouseStoreTest, ABatchBiggerThanOneLookupIsDeduplicatedInFull) {
  ASSERT_NE(g_cluster, nullptr);
  auto store = ClickHouseEventStore::Open(Options(false));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const std::vector<Event> big = Batch("big", 60'000);
  auto first = (*store)->Append(big);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->inserted, 60'000u);
  auto again = (*store)->Append(big);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->duplicates, 60'000u);
  EXPECT_EQ(*(*store)->CountEvents(), 60'000);
}

// The identity cache knows only what its own process stored: a store opened later (vigil
// restarted) still recognizes re-sends of events stored before it — directly, or left in the
// spool by the earlier run and replayed after the restart.
TEST(ClickHouseStoreTest, ReSendsAfterARestartAreRecognized) {
  ASSERT_NE(g_cluster, nullptr);
  ClickHouseStoreOptions options = Options(false);
  options.spool_dir = g_dir->File("spool-" + options.database);
  options.timeout = std::chrono::milliseconds(3000);
  {
    auto first = ClickHouseEventStore::Open(options);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    auto stored = (*first)->Append(Batch("r", 3000));
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
    EXPECT_EQ(stored->inserted, 3000u);
    g_cluster->Stop(0);
    auto spooled = (*first)->Append(Batch("s", 3000));
    ASSERT_TRUE(spooled.ok()) << spooled.status().ToString();
    EXPECT_GT((*first)->spool_stats().pending_batches, 0);
  }
  ASSERT_TRUE(g_cluster->Restart(0)) << g_cluster->Log(0);
  auto second = ClickHouseEventStore::Open(options);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  // Whether these meet the earlier run's spool still pending or already replayed, each event
  // ends up stored once.
  ASSERT_TRUE((*second)->Append(Batch("s", 3000)).ok());
  ASSERT_TRUE(testing::WaitFor([&] { return (*second)->spool_stats().pending_batches == 0; },
                               std::chrono::seconds(60)));
  EXPECT_EQ(*(*second)->CountEvents(), 6000);
  for (const char* name : {"r", "s"}) {
    auto again = (*second)->Append(Batch(name, 3000));
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(again->duplicates, 3000u) << name;
    EXPECT_EQ(again->inserted, 0u) << name;
  }
  auto fresh = (*second)->Append(Batch("t", 3000));
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->inserted, 3000u);
  EXPECT_EQ(*(*second)->CountEvents(), 9000);
}

// ClickHouse writes a materialized view's rows after the table's: a server stopped mid-INSERT can
// keep a batch's events without their rollup cells. That state is made by hand here — a spooled
// batch's rows inserted while the views are detached — and the replayer, finding the batch
// stored, adds the missing cells: the rollups count every stored event once.
TEST(ClickHouseStoreTest, RollupCellsAStopMidInsertLeftOutAreRepaired) {
  ASSERT_NE(g_cluster, nullptr);
  ClickHouseStoreOptions options = Options(false);
  options.spool_dir = g_dir->File("spool-" + options.database);
  options.timeout = std::chrono::milliseconds(3000);
  {
    auto store = ClickHouseEventStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->Append(Batch("kept", 100)).ok());
    g_cluster->Stop(0);
    ASSERT_TRUE((*store)->Append(Batch("torn", 100)).ok());
    ASSERT_EQ((*store)->spool_stats().pending_batches, 1);
  }
  // The spooled record (the store's format): batch id, time span, checked, then per destination
  // its RowBinary rows.
  std::string batch_id, rows;
  {
    auto spool = Spool::Open(options.spool_dir, options.spool_max_bytes);
    ASSERT_TRUE(spool.ok()) << spool.status().ToString();
    std::optional<std::string> record = (*spool)->Front();
    ASSERT_TRUE(record.has_value());
    size_t pos = 0;
    auto take = [&](size_t n) {
      std::string out = record->substr(pos, n);
      pos += n;
      return out;
    };
    auto length = [&] {
      uint64_t n = 0;
      std::memcpy(&n, take(sizeof(n)).data(), sizeof(n));
      return static_cast<size_t>(n);
    };
    batch_id = take(length());
    take(8 + 8 + 1 + 4 + 4);  // min_ts, max_ts, checked, part count, destination
    rows = take(length());
    ASSERT_FALSE(rows.empty());
  }
  ASSERT_TRUE(g_cluster->Restart(0)) << g_cluster->Log(0);
  ClickHouseHttp ch({g_cluster->http_url(0), "", ""}, std::chrono::seconds(10));
  const std::string db = options.database;
  for (const char* view : {".rollup_minute_view", ".rollup_hour_view"}) {
    ASSERT_TRUE(ch.Query("DETACH TABLE " + db + view).ok());
  }
  auto inserted = ch.Insert("INSERT INTO " + db + ".events FORMAT RowBinary", rows);
  ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
  for (const char* view : {".rollup_minute_view", ".rollup_hour_view"}) {
    ASSERT_TRUE(ch.Query("ATTACH TABLE " + db + view).ok());
  }

  auto store = ClickHouseEventStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE(testing::WaitFor([&] { return (*store)->spool_stats().pending_batches == 0; },
                               std::chrono::seconds(60)));
  EXPECT_EQ(*(*store)->CountEvents(), 200) << "the torn batch is not sent again";
  const int64_t at = Step(0, "x").ts_ns;
  for (int64_t width : {60LL * 1'000'000'000, 3600LL * 1'000'000'000}) {
    RollupQuery q{TenantFilter{true, {}}, "", "", at / width * width, at / width * width + width};
    q.coarsest_grain = width == 60LL * 1'000'000'000 ? RollupGrain::kMinute : RollupGrain::kHour;
    auto cells = (*store)->ReadRollups(q);
    ASSERT_TRUE(cells.ok()) << cells.status().ToString();
    uint64_t counted = 0;
    for (const RollupRow& row : *cells) counted += row.cell.count;
    EXPECT_EQ(counted, 200u) << "cells of " << width << " ns; batch " << batch_id;
  }
}

// A database made by a vigil with schema v1 (events only) is migrated to v2 by the next start:
// the rollup cells of the events already stored are built from them, and new events join them.
TEST(ClickHouseStoreTest, UpgradingFromSchemaOneBuildsTheRollupsOfStoredEvents) {
  ASSERT_NE(g_cluster, nullptr);
  ClickHouseStoreOptions options = Options(false);
  const std::string db = options.database;
  ClickHouseHttp ch({g_cluster->http_url(0), "", ""}, std::chrono::seconds(10));
  for (const std::string& sql :
       {"CREATE DATABASE " + db,
        "CREATE TABLE " + db +
            ".vigil_schema (version UInt32, applied_at DateTime) ENGINE = TinyLog",
        "INSERT INTO " + db + ".vigil_schema VALUES (1, now())",
        "CREATE TABLE " + db + ".events (" + kEventColumnsDdl +
            ") ENGINE = MergeTree() PARTITION BY day ORDER BY (tenant, ts_ns, seq)"}) {
    auto r = ch.Query(sql);
    ASSERT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  }
  std::string rows;
  int64_t seq = 0;
  for (const Event& e : Batch("old", 400)) EncodeEventRow(rows, e, ++seq, "v1-batch");
  ASSERT_TRUE(ch.Insert("INSERT INTO " + db + ".events FORMAT RowBinary", rows).ok());

  auto store = ClickHouseEventStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto version = ch.Query("SELECT max(version) FROM " + db + ".vigil_schema");
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, "2\n");
  auto again = (*store)->Append(Batch("old", 400));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->duplicates, 400u) << "the v1 events are known";
  ASSERT_TRUE((*store)->Append(Batch("new", 100)).ok());
  const int64_t at = Step(0, "x").ts_ns;
  RollupQuery q{TenantFilter{true, {}}, "", "", at - 3'600'000'000'000, at + 3'600'000'000'000};
  auto cells = (*store)->ReadRollups(q);
  ASSERT_TRUE(cells.ok()) << cells.status().ToString();
  uint64_t counted = 0;
  for (const RollupRow& row : *cells) counted += row.cell.count;
  EXPECT_EQ(counted, 500u);
}

// Retention drops whole UTC days older than the cutoff, on every shard, and nothing newer.
TEST(ClickHouseRetentionTest, DaysBeforeTheCutoffAreDroppedOnEveryShard) {
  ASSERT_NE(g_cluster, nullptr);
  auto store = ClickHouseEventStore::Open(Options(true));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  constexpr int64_t kDay = 86400LL * 1'000'000'000;
  const int64_t day0 = 1'795'824'000'000'000'000;  // 2026-11-28T00:00:00Z
  std::vector<Event> events;
  for (int age = 0; age < 5; ++age) {
    for (int i = 0; i < 40; ++i) {  // 40 traces a day: both shards hold every day
      Event e = Step(i, "day" + std::to_string(age));
      e.ts_ns = day0 - age * kDay + i * 1'000'000'000LL;
      events.push_back(e);
    }
  }
  ASSERT_TRUE((*store)->Append(events).ok());
  ASSERT_EQ(*(*store)->CountEvents(), 200);
  // Keep two days: 2026-11-27 and 2026-11-28 (the cutoff falls inside 11-27).
  auto dropped = (*store)->DropDaysBefore(day0 - kDay + 3600LL * 1'000'000'000);
  ASSERT_TRUE(dropped.ok()) << dropped.status().ToString();
  EXPECT_EQ(*dropped, (std::vector<std::string>{"2026-11-24", "2026-11-25", "2026-11-26"}));
  EXPECT_EQ(*(*store)->CountEvents(), 80);
  auto again = (*store)->DropDaysBefore(day0 - kDay + 3600LL * 1'000'000'000);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
}

}  // namespace
}  // namespace vigil
