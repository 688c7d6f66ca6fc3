#include "ingest/ingest_pipeline.h"

#include <spdlog/spdlog.h>

namespace vigil {

Status StoreWriter::OnGroup(IngestGroup& group) {
  Result<AppendResult> appended = store_.Append(group.events);
  if (!appended.ok()) return appended.status();
  group.is_new = std::move(appended->is_new);
  return Status::Ok();
}

IngestPipeline::IngestPipeline(IngestPipelineOptions options, const Clock& clock,
                               MetricsRegistry* metrics)
    : options_(options), clock_(clock) {
  if (metrics != nullptr) {
    commit_seconds_ = &metrics->GetHistogram("vigil_ingest_commit_seconds",
                                             "Time to commit one group of batches to the store.",
                                             DefaultLatencyBuckets());
    group_events_ = &metrics->GetCounter("vigil_ingest_committed_events_total",
                                         "Events passed through group commits (incl. duplicates).");
    subscriber_errors_ = &metrics->GetCounter("vigil_ingest_subscriber_errors_total",
                                              "Errors returned by non-durable ingest subscribers.");
    metrics->AddCallbackGauge("vigil_ingest_pending_events",
                              "Events accepted but not yet committed.",
                              [this] { return static_cast<double>(Stats().pending_events); });
  }
}

IngestPipeline::~IngestPipeline() { Stop(); }

void IngestPipeline::AddSubscriber(IngestSubscriber* subscriber, bool gates_ack) {
  subscribers_.push_back({subscriber, gates_ack});
}

void IngestPipeline::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (writer_.joinable()) return;
  stopping_ = false;
  writer_ = std::thread([this] { WriterLoop(); });
}

void IngestPipeline::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

Status IngestPipeline::Submit(std::vector<Event> events, Callback done) {
  const size_t n = events.size();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return Status::Unavailable("the server is shutting down");
    if (!writer_.joinable()) return Status::Unavailable("the ingest pipeline is not running");
    if (pending_events_ > 0 && pending_events_ + n > options_.queue_max_events) {
      stats_.rejected_full++;
      return Status::ResourceExhausted("the ingest queue is full (" +
                                       std::to_string(pending_events_) +
                                       " events waiting to be committed)");
    }
    pending_events_ += n;
    queue_.push_back({std::move(events), std::move(done)});
  }
  cv_.notify_one();
  return Status::Ok();
}

IngestStats IngestPipeline::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  IngestStats s = stats_;
  s.pending_events = pending_events_;
  return s;
}

void IngestPipeline::WriterLoop() {
  for (;;) {
    std::vector<Pending> group;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      size_t events = 0;
      // Group commit: everything queued, bounded by commit_max_events (always ≥ one batch).
      while (!queue_.empty() && (group.empty() || events + queue_.front().events.size() <=
                                                      options_.commit_max_events)) {
        events += queue_.front().events.size();
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    CommitGroup(group);
  }
}

void IngestPipeline::CommitGroup(std::vector<Pending>& group) {
  const int64_t start = clock_.MonotonicNanos();
  IngestGroup merged;
  size_t total = 0;
  for (const Pending& p : group) total += p.events.size();
  merged.events.reserve(total);
  for (Pending& p : group) {
    for (Event& e : p.events) merged.events.push_back(std::move(e));
  }
  merged.is_new.assign(total, true);

  Status failure;
  for (const Sub& sub : subscribers_) {
    Status st = sub.subscriber->OnGroup(merged);
    if (st.ok()) continue;
    if (sub.gates_ack) {
      failure = st;
      spdlog::warn("ingest: subscriber {} failed a group of {} events: {}", sub.subscriber->Name(),
                   total, st.ToString());
      break;
    }
    if (subscriber_errors_) subscriber_errors_->Inc();
    spdlog::warn("ingest: subscriber {} failed: {}", sub.subscriber->Name(), st.ToString());
  }
  if (commit_seconds_) {
    commit_seconds_->Observe(static_cast<double>(clock_.MonotonicNanos() - start) / 1e9);
  }
  if (group_events_) group_events_->Inc(total);

  // Per-batch outcomes before releasing queue space, so a caller never sees its reply after a
  // later batch's.
  size_t offset = 0, stored_total = 0;
  std::vector<Result<BatchOutcome>> outcomes;
  outcomes.reserve(group.size());
  for (const Pending& p : group) {
    if (!failure.ok()) {
      outcomes.emplace_back(failure);
      continue;
    }
    BatchOutcome outcome;
    for (size_t i = 0; i < p.events.size(); ++i) {
      if (merged.is_new[offset + i]) {
        ++outcome.stored;
      } else {
        ++outcome.duplicates;
      }
    }
    stored_total += outcome.stored;
    offset += p.events.size();
    outcomes.emplace_back(outcome);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_events_ -= total;
    if (failure.ok()) {
      stats_.committed_groups++;
      stats_.stored_events += stored_total;
      stats_.duplicate_events += total - stored_total;
    }
  }
  for (size_t i = 0; i < group.size(); ++i) {
    if (group[i].done) group[i].done(outcomes[i]);
  }
}

}  // namespace vigil
