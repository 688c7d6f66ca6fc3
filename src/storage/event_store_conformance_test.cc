// The read/write contract every EventStore implementation must meet, run against the SQLite
// store and the in-memory fake alike.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <set>

#include "storage/memory_event_store.h"
#include "storage/sqlite/sqlite_event_store.h"

namespace vigil {
namespace {

constexpr int64_t kHour0 = 1'795'878'000'000'000'000;  // an hour start

struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<EventStore>(const std::string& dir)> make;
};

// Keeps test names readable in CTest ("…/sqlite" rather than a byte dump).
void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

class EventStoreConformanceTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-conf-XXXXXX";
    dir_ = mkdtemp(tmpl);
    store_ = GetParam().make(dir_);
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Put(std::vector<Event> events) {
    auto r = store_->Append(events);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  std::string dir_;
  std::unique_ptr<EventStore> store_;
};

Event E(const std::string& tenant, const std::string& trace, const std::string& span, int64_t ts,
        Layer layer = Layer::kTask) {
  Event e;
  e.tenant = tenant;
  e.trace_id = trace;
  e.span_id = span;
  e.ts_ns = ts;
  e.layer = layer;
  e.use_case = "refund-bot";
  e.request_id = "r-" + trace;
  e.latency_ms = 100;
  return e;
}

TenantFilter Only(const std::string& t) { return TenantFilter{false, {t}}; }
TenantFilter All() { return TenantFilter{true, {}}; }

TEST_P(EventStoreConformanceTest, RollupsCountNewEventsOnceAndRespectTenants) {
  std::vector<Event> batch;
  for (int i = 0; i < 10; ++i) batch.push_back(E("acme", "t", std::to_string(i), kHour0 + i));
  batch.push_back(E("globex", "t", "0", kHour0));
  Put(batch);
  Put(batch);  // duplicates change nothing
  RollupQuery q{Only("acme"), "", "", kHour0, kHour0 + kHourNs};
  auto rows = store_->ReadRollups(q);
  ASSERT_TRUE(rows.ok());
  uint64_t count = 0;
  for (const RollupRow& r : *rows) {
    EXPECT_EQ(r.key.tenant, "acme");
    count += r.cell.count;
  }
  EXPECT_EQ(count, 10u);
  q.tenants = All();
  count = 0;
  auto all_rows = store_->ReadRollups(q);
  for (const RollupRow& r : *all_rows) count += r.cell.count;
  EXPECT_EQ(count, 11u);
  EXPECT_EQ(*store_->KnownTenants(), (std::vector<std::string>{"acme", "globex"}));
}

TEST_P(EventStoreConformanceTest, TraceInTimeOrderWithinTenant) {
  Put({E("acme", "tr", "c", kHour0 + 30), E("acme", "tr", "a", kHour0 + 10),
       E("acme", "tr", "b", kHour0 + 20), E("globex", "tr", "x", kHour0)});
  auto trace = store_->ReadTrace(Only("acme"), "tr");
  ASSERT_TRUE(trace.ok());
  ASSERT_EQ(trace->size(), 3u);
  EXPECT_EQ((*trace)[0].event.span_id, "a");
  EXPECT_EQ((*trace)[2].event.span_id, "c");
  EXPECT_EQ(store_->ReadTrace(All(), "tr")->size(), 4u);
  EXPECT_TRUE(store_->ReadTrace(Only("initech"), "tr")->empty());
}

TEST_P(EventStoreConformanceTest, PagingIsStableUnderConcurrentInserts) {
  std::vector<Event> batch;
  for (int i = 0; i < 25; ++i) batch.push_back(E("acme", "p", std::to_string(i), kHour0 + i));
  Put(batch);
  EventQuery q;
  q.tenants = Only("acme");
  q.from_ns = kHour0;
  q.to_ns = kHour0 + kHourNs;
  q.limit = 10;
  std::vector<std::string> seen;
  auto page = store_->ListEvents(q);
  ASSERT_TRUE(page.ok());
  for (const auto& e : page->events) seen.push_back(e.event.span_id);
  EXPECT_EQ(seen.front(), "24");  // newest first
  // New events arrive between pages, newer and older than the cursor.
  Put({E("acme", "p", "new-newer", kHour0 + 1000), E("acme", "p", "new-older", kHour0 + 5)});
  while (page->next) {
    q.after = page->next;
    page = store_->ListEvents(q);
    ASSERT_TRUE(page.ok());
    for (const auto& e : page->events) seen.push_back(e.event.span_id);
  }
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "no event twice";
  for (int i = 0; i < 25; ++i) EXPECT_TRUE(unique.count(std::to_string(i))) << i;
  EXPECT_FALSE(unique.count("new-newer"));  // newer than the first page: not in later pages
  EXPECT_TRUE(unique.count("new-older"));   // older than the cursor: still listed once
}

TEST_P(EventStoreConformanceTest, ListFiltersByFieldsAndErrorClassBase) {
  Event a = E("acme", "f", "1", kHour0, Layer::kTool);
  a.tool = "issue_refund";
  a.status = EventStatus::kError;
  a.error_class = "permission_denied/refund_api";
  Event b = E("acme", "f", "2", kHour0 + 1, Layer::kTool);
  b.tool = "lookup_order";
  Put({a, b, E("acme", "f", "3", kHour0 + 2)});
  EventQuery q;
  q.tenants = Only("acme");
  q.from_ns = kHour0;
  q.to_ns = kHour0 + kHourNs;
  q.error_class = "permission_denied";
  auto page = store_->ListEvents(q);
  ASSERT_EQ(page->events.size(), 1u);
  EXPECT_EQ(page->events[0].event.span_id, "1");
  q.error_class.clear();
  q.layer = Layer::kTool;
  EXPECT_EQ(store_->ListEvents(q)->events.size(), 2u);
  q.status = EventStatus::kError;  // failures only
  ASSERT_EQ(store_->ListEvents(q)->events.size(), 1u);
  EXPECT_EQ(store_->ListEvents(q)->events[0].event.span_id, "1");
  q.status = EventStatus::kOk;
  q.tool = "lookup_order";
  EXPECT_EQ(store_->ListEvents(q)->events.size(), 1u);
  q.tenants = Only("globex");
  EXPECT_TRUE(store_->ListEvents(q)->events.empty());
}

TEST_P(EventStoreConformanceTest, StoredEventsRoundTrip) {
  Event e = E("acme", "rt", "1", kHour0, Layer::kBusiness);
  e.metric = "conversion";
  e.value = 42.5;
  e.attrs = {{"channel", "web"}};
  e.idempotency_collision = true;
  Put({e});
  auto trace = store_->ReadTrace(Only("acme"), "rt");
  ASSERT_EQ(trace->size(), 1u);
  const Event& back = (*trace)[0].event;
  EXPECT_EQ(back.metric, "conversion");
  EXPECT_DOUBLE_EQ(back.value, 42.5);
  EXPECT_EQ(back.attrs, e.attrs);
  EXPECT_TRUE(back.idempotency_collision);
  EXPECT_GT((*trace)[0].seq, 0);
}

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
