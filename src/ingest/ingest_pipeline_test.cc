#include "ingest/ingest_pipeline.h"

#include <gtest/gtest.h>

#include <future>

#include "storage/memory_event_store.h"

namespace vigil {
namespace {

std::vector<Event> Batch(const std::string& trace, int n) {
  std::vector<Event> out;
  for (int i = 0; i < n; ++i) {
    Event e;
    e.tenant = "acme";
    e.trace_id = trace;
    e.span_id = std::to_string(i);
    out.push_back(e);
  }
  return out;
}

// Holds every group until released, to fill the queue deterministically.
class GateSubscriber final : public IngestSubscriber {
 public:
  std::string_view Name() const override { return "gate"; }
  Status OnGroup(IngestGroup& group) override {
    entered_.set_value_once();
    release_.wait();
    seen_new += static_cast<size_t>(std::count(group.is_new.begin(), group.is_new.end(), true));
    return Status::Ok();
  }
  struct Once {
    std::promise<void> p;
    std::atomic<bool> set{false};
    void set_value_once() {
      if (!set.exchange(true)) p.set_value();
    }
  };
  Once entered_;
  std::shared_future<void> release_;
  size_t seen_new = 0;
};

Result<BatchOutcome> SubmitAndWait(IngestPipeline& pipeline, std::vector<Event> events) {
  std::promise<Result<BatchOutcome>> done;
  auto fut = done.get_future();
  Status st =
      pipeline.Submit(std::move(events), [&](const Result<BatchOutcome>& r) { done.set_value(r); });
  if (!st.ok()) return st;
  return fut.get();
}

TEST(IngestPipelineTest, AcknowledgesAfterStoreAndReportsDuplicates) {
  FakeClock clock;
  MemoryEventStore store;
  StoreWriter writer(store);
  IngestPipeline pipeline({}, clock);
  pipeline.AddSubscriber(&writer, true);
  pipeline.Start();
  Result<BatchOutcome> first = SubmitAndWait(pipeline, Batch("t", 10));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->stored, 10u);
  EXPECT_EQ(*store.CountEvents(), 10);
  Result<BatchOutcome> again = SubmitAndWait(pipeline, Batch("t", 10));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->stored, 0u);
  EXPECT_EQ(again->duplicates, 10u);
  EXPECT_EQ(pipeline.Stats().stored_events, 10u);
  EXPECT_EQ(pipeline.Stats().duplicate_events, 10u);
}

TEST(IngestPipelineTest, StoreFailureFailsTheBatchAndLaterSubscribersSkipIt) {
  FakeClock clock;
  MemoryEventStore store;
  StoreWriter writer(store);
  GateSubscriber after;
  std::promise<void> release;
  after.release_ = release.get_future().share();
  release.set_value();
  IngestPipeline pipeline({}, clock);
  pipeline.AddSubscriber(&writer, true);
  pipeline.AddSubscriber(&after, false);
  pipeline.Start();
  store.FailNextAppends(1);
  Result<BatchOutcome> failed = SubmitAndWait(pipeline, Batch("t", 3));
  EXPECT_EQ(failed.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(after.seen_new, 0u);
  Result<BatchOutcome> ok = SubmitAndWait(pipeline, Batch("t", 3));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(after.seen_new, 3u);
}

TEST(IngestPipelineTest, FullQueueRefusesAndGroupCommitsTheRest) {
  FakeClock clock;
  MemoryEventStore store;
  StoreWriter writer(store);
  GateSubscriber gate;
  std::promise<void> release;
  gate.release_ = release.get_future().share();
  IngestPipelineOptions options;
  options.queue_max_events = 10;
  IngestPipeline pipeline(options, clock);
  pipeline.AddSubscriber(&gate, true);  // holds the first group inside the writer
  pipeline.AddSubscriber(&writer, true);
  pipeline.Start();

  std::atomic<int> acked{0};
  auto count = [&](const Result<BatchOutcome>& r) {
    if (r.ok()) acked++;
  };
  ASSERT_TRUE(pipeline.Submit(Batch("a", 4), count).ok());
  gate.entered_.p.get_future().wait();  // the writer now holds batch a
  ASSERT_TRUE(pipeline.Submit(Batch("b", 4), count).ok());
  Status full = pipeline.Submit(Batch("c", 4), count);
  EXPECT_EQ(full.code(), Status::Code::kResourceExhausted);
  EXPECT_EQ(pipeline.Stats().pending_events, 8u);
  EXPECT_EQ(pipeline.Stats().rejected_full, 1u);
  release.set_value();
  pipeline.Stop();  // drains
  EXPECT_EQ(acked.load(), 2);
  EXPECT_EQ(*store.CountEvents(), 8);
  EXPECT_EQ(pipeline.Stats().pending_events, 0u);
}

TEST(IngestPipelineTest, RefusesAfterStop) {
  FakeClock clock;
  IngestPipeline pipeline({}, clock);
  pipeline.Start();
  pipeline.Stop();
  EXPECT_EQ(pipeline.Submit(Batch("a", 1), nullptr).code(), Status::Code::kUnavailable);
}

}  // namespace
}  // namespace vigil
