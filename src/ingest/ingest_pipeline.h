#pragma once
// IngestPipeline: takes validated event batches from request handlers, group-commits them on a
// single writer thread, and fans each committed group out to subscribers.
//
// Data flow:  Submit(batch) → bounded queue → writer thread takes every queued batch (up to
// commit_max_events) → subscribers in registration order → each batch's callback.
//
// Contract:
//  - Submit() never blocks. When the events accepted but not yet committed would exceed
//    queue_max_events it returns ResourceExhausted and the callback is never called (HTTP 429).
//    A batch larger than the whole queue is still taken when the queue is empty.
//  - A subscriber registered with `gates_ack = true` (the store writer) must succeed before any
//    callback reports success: "acknowledged means durable". If it fails, every batch of the
//    group gets its error and later subscribers do not see the group.
//  - Subscribers see events in commit order, on the writer thread; IngestGroup::is_new tells
//    which events were stored for the first time (later subscribers should skip duplicates).
//  - Stop() stops accepting, drains what is queued, then joins the writer.
// Thread-safety: Submit(), Stats() and Stop() may be called from any thread.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "metrics/metrics.h"
#include "model/event.h"
#include "storage/event_store.h"

namespace vigil {

struct IngestGroup {
  std::vector<Event> events;
  std::vector<bool> is_new;  // filled by the store writer; all true before it runs
};

class IngestSubscriber {
 public:
  virtual ~IngestSubscriber() = default;
  virtual std::string_view Name() const = 0;
  virtual Status OnGroup(IngestGroup& group) = 0;
};

// The first subscriber: appends each group to the EventStore and marks duplicates.
class StoreWriter final : public IngestSubscriber {
 public:
  explicit StoreWriter(EventStore& store) : store_(store) {}
  std::string_view Name() const override { return "store"; }
  Status OnGroup(IngestGroup& group) override;

 private:
  EventStore& store_;
};

struct BatchOutcome {
  size_t stored = 0;      // new events now durable
  size_t duplicates = 0;  // already stored before (or earlier in the same group)
};

struct IngestPipelineOptions {
  size_t queue_max_events = 200'000;
  size_t commit_max_events = 20'000;
};

struct IngestStats {
  size_t pending_events = 0;  // queued + being committed
  uint64_t committed_groups = 0;
  uint64_t stored_events = 0;
  uint64_t duplicate_events = 0;
  uint64_t rejected_full = 0;  // batches refused with ResourceExhausted
};

class IngestPipeline {
 public:
  using Callback = std::function<void(const Result<BatchOutcome>&)>;

  IngestPipeline(IngestPipelineOptions options, const Clock& clock,
                 MetricsRegistry* metrics = nullptr);
  ~IngestPipeline();

  // Registration happens before Start().
  void AddSubscriber(IngestSubscriber* subscriber, bool gates_ack);
  void Start();
  void Stop();

  Status Submit(std::vector<Event> events, Callback done);
  IngestStats Stats() const;

 private:
  struct Pending {
    std::vector<Event> events;
    Callback done;
  };
  struct Sub {
    IngestSubscriber* subscriber;
    bool gates_ack;
  };

  void WriterLoop();
  void CommitGroup(std::vector<Pending>& group);

  const IngestPipelineOptions options_;
  const Clock& clock_;
  std::vector<Sub> subscribers_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  size_t pending_events_ = 0;
  bool stopping_ = false;
  IngestStats stats_;
  std::thread writer_;

  Histogram* commit_seconds_ = nullptr;
  Counter* group_events_ = nullptr;
  Counter* subscriber_errors_ = nullptr;
};

}  // namespace vigil
