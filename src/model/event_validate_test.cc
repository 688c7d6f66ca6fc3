#include "model/event_validate.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "model/error_class.h"

namespace vigil {
namespace {

constexpr int64_t kNow = 1'795'880'841'000'000'000;

Event TaskEvent() {
  Event e;
  e.ts_ns = kNow;
  e.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  e.span_id = "00f067aa0ba902b7";
  e.tenant = "acme";
  e.request_id = "req-1";
  e.use_case = "refund-bot";
  e.layer = Layer::kTask;
  return e;
}

std::string FieldOf(const Status& st) { return st.ok() ? "" : st.field(); }

TEST(EventValidateTest, AcceptsCompleteTaskEvent) {
  EXPECT_TRUE(ValidateEvent(TaskEvent(), true, kNow).ok());
}

TEST(EventValidateTest, TaskNeedsRequestUseCaseAndStatus) {
  Event e = TaskEvent();
  EXPECT_EQ(FieldOf(ValidateEvent(e, false, kNow)), "status");
  e.request_id.clear();
  EXPECT_EQ(FieldOf(ValidateEvent(e, true, kNow)), "request_id");
  e = TaskEvent();
  e.use_case.clear();
  EXPECT_EQ(FieldOf(ValidateEvent(e, true, kNow)), "use_case");
}

TEST(EventValidateTest, LayerSpecificRequirements) {
  Event e = TaskEvent();
  e.layer = Layer::kInference;
  EXPECT_EQ(FieldOf(ValidateEvent(e, false, kNow)), "model");
  e.model = "m-large";
  EXPECT_TRUE(ValidateEvent(e, false, kNow).ok());
  e.layer = Layer::kTool;
  EXPECT_EQ(FieldOf(ValidateEvent(e, false, kNow)), "tool");
  e.layer = Layer::kBusiness;
  EXPECT_EQ(FieldOf(ValidateEvent(e, false, kNow)), "metric");
}

TEST(EventValidateTest, IdsMustBeShortAndSafe) {
  Event e = TaskEvent();
  e.trace_id = std::string(129, 'a');
  EXPECT_EQ(FieldOf(ValidateEvent(e, true, kNow)), "trace_id");
  e.trace_id = "abc def";
  EXPECT_EQ(FieldOf(ValidateEvent(e, true, kNow)), "trace_id");
  e = TaskEvent();
  e.span_id.clear();
  EXPECT_EQ(FieldOf(ValidateEvent(e, true, kNow)), "span_id");
}

TEST(EventValidateTest, ErrorStatusNeedsAClass) {
  Event e = TaskEvent();
  e.status = EventStatus::kError;
  EXPECT_EQ(FieldOf(ValidateEvent(e, true, kNow)), "error_class");
  e.error_class = "timeout/connect";
  EXPECT_TRUE(ValidateEvent(e, true, kNow).ok());
  e.error_class = "gremlins";
  Status st = ValidateEvent(e, true, kNow);
  EXPECT_EQ(st.field(), "error_class");
  EXPECT_NE(st.message().find("permission_denied"), std::string::npos) << st.message();
}

TEST(EventValidateTest, MeasuresAreFiniteAndNonNegative) {
  Event e = TaskEvent();
  e.latency_ms = -1;
  EXPECT_EQ(FieldOf(ValidateEvent(e, true, kNow)), "latency_ms");
  e = TaskEvent();
  e.cost_usd = std::numeric_limits<double>::infinity();
  EXPECT_EQ(FieldOf(ValidateEvent(e, true, kNow)), "cost_usd");
  e = TaskEvent();
  e.retries = -2;
  EXPECT_EQ(FieldOf(ValidateEvent(e, true, kNow)), "retries");
}

TEST(EventValidateTest, TimestampWindow) {
  Event e = TaskEvent();
  e.ts_ns = kNow - 8LL * 86400 * 1'000'000'000LL;
  EXPECT_EQ(FieldOf(ValidateEvent(e, true, kNow)), "ts");
  e.ts_ns = kNow + 6LL * 60 * 1'000'000'000;
  EXPECT_EQ(FieldOf(ValidateEvent(e, true, kNow)), "ts");
  e.ts_ns = kNow + 4LL * 60 * 1'000'000'000;
  EXPECT_TRUE(ValidateEvent(e, true, kNow).ok());
}

TEST(EventValidateTest, NamesAndAttrs) {
  Event e = TaskEvent();
  e.model = "m\x01";
  EXPECT_EQ(FieldOf(ValidateEvent(e, true, kNow)), "model");
  e = TaskEvent();
  e.tenant = "\xff";
  EXPECT_EQ(FieldOf(ValidateEvent(e, true, kNow)), "tenant");
  e = TaskEvent();
  for (int i = 0; i < 33; ++i) e.attrs.emplace_back("k" + std::to_string(i), "v");
  EXPECT_EQ(FieldOf(ValidateEvent(e, true, kNow)), "attrs");
  e = TaskEvent();
  e.attrs.emplace_back("note", std::string(1025, 'x'));
  EXPECT_EQ(FieldOf(ValidateEvent(e, true, kNow)), "attrs.note");
}

TEST(ErrorClassTest, VocabularyIsClosed) {
  EXPECT_TRUE(ValidateErrorClass("none").ok());
  EXPECT_TRUE(ValidateErrorClass("idempotency_collision").ok());
  EXPECT_FALSE(ValidateErrorClass("none/x").ok());
  EXPECT_FALSE(ValidateErrorClass("timeout/").ok());
  EXPECT_EQ(ErrorClasses().size(), 13u);
  EXPECT_EQ(ErrorClassBase("timeout/read"), "timeout");
}

}  // namespace
}  // namespace vigil
