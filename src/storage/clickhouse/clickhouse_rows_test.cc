#include "storage/clickhouse/clickhouse_rows.h"

#include <gtest/gtest.h>

#include "storage/clickhouse/clickhouse_http.h"
#include "stream/latency_sketch.h"

namespace vigil {
namespace {

Event Sample() {
  Event e;
  e.ts_ns = 1'795'878'000'123'456'789;
  e.tenant = "acme";
  e.trace_id = "trace\twith tab";
  e.span_id = "s1";
  e.parent_span_id = "root";
  e.request_id = "r-1";
  e.use_case = "refund-bot";
  e.layer = Layer::kTool;
  e.release = "v2";
  e.tool = "issue_refund";
  e.status = EventStatus::kError;
  e.error_class = "permission_denied/refund_api";
  e.latency_ms = 40.5;
  e.tokens_in = 12;
  e.cost_usd = 0.25;
  e.retries = 2;
  e.idempotency_key = "refund-77";
  e.attrs = {{"channel", "web"}, {"note", "line\nbreak"}};
  e.idempotency_collision = true;
  e.unpriced = true;
  return e;
}

TEST(ClickHouseRowsTest, RowBinaryRoundTripsEveryField) {
  std::string rows;
  EncodeEventRow(rows, Sample(), 41, "batch-a");
  Event second = Sample();
  second.span_id = "s2";
  second.layer = Layer::kBusiness;
  second.metric = "conversion";
  second.value = 99.5;
  EncodeEventRow(rows, second, 42, "batch-a");
  auto decoded = DecodeEventRows(rows);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->size(), 2u);
  const Event& e = (*decoded)[0].event;
  const Event want = Sample();
  EXPECT_EQ((*decoded)[0].seq, 41);
  EXPECT_EQ((*decoded)[0].batch_id, "batch-a");
  EXPECT_EQ(e.ts_ns, want.ts_ns);
  EXPECT_EQ(e.trace_id, want.trace_id);
  EXPECT_EQ(e.error_class, want.error_class);
  EXPECT_EQ(e.layer, Layer::kTool);
  EXPECT_EQ(e.status, EventStatus::kError);
  EXPECT_DOUBLE_EQ(e.latency_ms, 40.5);
  EXPECT_EQ(e.retries, 2);
  EXPECT_EQ(e.attrs, want.attrs);
  EXPECT_TRUE(e.idempotency_collision);
  EXPECT_TRUE(e.unpriced);
  EXPECT_EQ((*decoded)[1].event.metric, "conversion");
  EXPECT_DOUBLE_EQ((*decoded)[1].event.value, 99.5);
  // A cut-off row is refused, not half-read.
  EXPECT_FALSE(DecodeEventRows(std::string_view(rows).substr(0, rows.size() - 3)).ok());
}

TEST(ClickHouseRowsTest, TabSeparatedEscapesAreUndone) {
  auto rows = ParseTabSeparated("a\\tb\tc\\\\d\te\\nf\n\t\tlast\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"a\tb", "c\\d", "e\nf"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"", "", "last"}));
  EXPECT_TRUE(ParseTabSeparated("").empty());
}

TEST(ClickHouseRowsTest, LatencyBucketsMatchTheSketchAndMarkWhatHasNone) {
  Event e = Sample();
  EXPECT_EQ(LatencyBucketOf(e), LatencySketch::IndexOf(40.5));
  e.latency_ms = 0;
  EXPECT_EQ(LatencyBucketOf(e), kZeroLatency);
  e.layer = Layer::kBusiness;
  EXPECT_EQ(LatencyBucketOf(e), kNoLatency);
}

TEST(ClickHouseRowsTest, IdentityHashSeparatesItsParts) {
  Event a = Sample(), b = Sample();
  a.trace_id = "ab";
  a.span_id = "c";
  b.trace_id = "a";
  b.span_id = "bc";
  EXPECT_NE(EventIdentityHash(a), EventIdentityHash(b));
  EXPECT_EQ(EventIdentityHash(a), EventIdentityHash(a));
}

TEST(ClickHouseRowsTest, QuotingKeepsLiteralsIntact) {
  EXPECT_EQ(ClickHouseQuote("it's a\\b"), "'it\\'s a\\\\b'");
}

}  // namespace
}  // namespace vigil
