// The EventStore contract's cases (see event_store_conformance.h).

#include "storage/event_store_conformance.h"

#include <unistd.h>

#include <filesystem>
#include <set>

namespace vigil {

void EventStoreConformanceTest::SetUp() {
  char tmpl[] = "/tmp/vigil-conf-XXXXXX";
  dir_ = mkdtemp(tmpl);
  store_ = GetParam().make(dir_);
  ASSERT_NE(store_, nullptr);
}

void EventStoreConformanceTest::TearDown() {
  store_.reset();
  std::filesystem::remove_all(dir_);
}

void EventStoreConformanceTest::Put(std::vector<Event> events) {
  auto r = store_->Append(events);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

namespace {

constexpr int64_t kHour0 = 1'795'878'000'000'000'000;  // an hour start

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

// Identity, not content, makes a duplicate: a client re-sending an event re-stamped a moment
// later (an exporter rebuilding its batch) does not store it twice.
TEST_P(EventStoreConformanceTest, AResentEventWithAShiftedTimestampIsADuplicate) {
  Put({E("acme", "re", "1", kHour0), E("acme", "re", "2", kHour0 + 5)});
  auto again = store_->Append(std::vector<Event>{E("acme", "re", "2", kHour0 + 1'500'000'000LL),
                                                 E("acme", "re", "3", kHour0 + 1'500'000'000LL)});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->duplicates, 1u);
  EXPECT_EQ(again->inserted, 1u);
  EXPECT_EQ(again->is_new, (std::vector<bool>{false, true}));
  EXPECT_EQ(store_->ReadTrace(Only("acme"), "re")->size(), 3u);
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

// Every rollup counter and the latency sketch must equal what the events add up to, at minute
// and at hour grain, whatever computes them (a transaction-time rollup table or a GROUP BY).
TEST_P(EventStoreConformanceTest, RollupCellsEqualWhatTheEventsAddUpTo) {
  std::vector<Event> batch;
  for (int i = 0; i < 300; ++i) {
    Event e = E("acme", "cells" + std::to_string(i / 3), std::to_string(i % 3),
                kHour0 + (i % 90) * 40'000'000'000LL, static_cast<Layer>(i % 4));
    e.latency_ms = i % 17 == 0 ? 0 : 3.5 * (i % 50) + 0.25;
    e.tokens_in = i * 10;
    e.tokens_out = i;
    e.cost_usd = 0.001 * (i % 7);
    e.retries = i % 3;
    e.refusal = i % 11 == 0;
    e.idempotency_collision = i % 13 == 0;
    e.unpriced = i % 19 == 0;
    if (i % 5 == 0) {
      e.status = EventStatus::kError;
      e.error_class = i % 2 ? "timeout/upstream" : "permission_denied";
    }
    if (e.layer == Layer::kBusiness) {
      e.metric = i % 2 ? "conversion" : "complaint";
      e.value = i;
    }
    e.model = e.layer == Layer::kInference ? "m-large" : "";
    e.tool = e.layer == Layer::kTool ? "issue_refund" : "";
    batch.push_back(e);
  }
  Put(batch);
  RollupDelta expected;
  AccumulateRollups(batch, expected);
  for (RollupGrain grain : {RollupGrain::kMinute, RollupGrain::kHour}) {
    RollupQuery q{All(), "", "", kHour0, kHour0 + kHourNs};
    q.coarsest_grain = grain;
    auto rows = store_->ReadRollups(q);
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    size_t expected_cells = 0;
    for (const auto& [id, cell] : expected) expected_cells += id.grain == grain;
    EXPECT_EQ(rows->size(), expected_cells);
    for (const RollupRow& row : *rows) {
      EXPECT_EQ(row.grain, grain);
      auto it = expected.find({grain, row.bucket_ns, row.key});
      ASSERT_NE(it, expected.end()) << "unexpected cell at " << row.bucket_ns;
      const RollupCell& want = it->second;
      const RollupCell& got = row.cell;
      EXPECT_EQ(got.count, want.count);
      EXPECT_EQ(got.errors, want.errors);
      EXPECT_EQ(got.retries, want.retries);
      EXPECT_EQ(got.refusals, want.refusals);
      EXPECT_EQ(got.tokens_in, want.tokens_in);
      EXPECT_EQ(got.tokens_out, want.tokens_out);
      EXPECT_EQ(got.collisions, want.collisions);
      EXPECT_EQ(got.unpriced, want.unpriced);
      EXPECT_NEAR(got.cost_usd, want.cost_usd, 1e-9);
      EXPECT_NEAR(got.value_sum, want.value_sum, 1e-9);
      EXPECT_EQ(got.latency.count(), want.latency.count());
      EXPECT_NEAR(got.latency.sum(), want.latency.sum(), 1e-6);
      EXPECT_DOUBLE_EQ(got.latency.max(), want.latency.max());
      for (double quantile : {0.0, 0.5, 0.95, 0.99, 1.0}) {
        EXPECT_DOUBLE_EQ(got.latency.Quantile(quantile), want.latency.Quantile(quantile));
      }
    }
  }
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

}  // namespace
}  // namespace vigil
