#pragma once
// AlertingRuntime: the live part of alerting inside `vigil serve` — the WindowAggregator fed by
// the ingest pipeline, the RuleEngine, and the ticker thread that evaluates the rules every
// `alerting.evaluation_interval` and hands each transition to the listeners (the action
// dispatcher, incidents — later — and the log).
//
// Thread-safety: Start/Stop/Reload from the controlling thread; listeners run on the ticker.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "alerting/rule_engine.h"
#include "config/alerting_config.h"
#include "ingest/ingest_pipeline.h"
#include "metrics/metrics.h"
#include "stream/window_aggregator.h"

namespace vigil {

class AlertingRuntime {
 public:
  using Listener = std::function<void(const AlertTransition&)>;

  AlertingRuntime(const AlertingConfig& config, const Clock& clock, MetricsRegistry& metrics);
  ~AlertingRuntime();

  // The ingest subscriber that feeds the windows (register after the store writer).
  IngestSubscriber* window_feed();
  void AddListener(Listener listener);
  // Called after every evaluation tick (on the ticker thread), e.g. for incident timers.
  void AddTickHook(std::function<void()> hook);
  // Burn-rate windows beyond the live windows read rollups through this (before Start()).
  void SetRollupReader(RuleEngine::RollupReader reader) {
    engine_.SetRollupReader(std::move(reader));
  }
  void Start();
  void Stop();
  // Replaces the rules; window and alert state of unchanged rules survive.
  void Reload(const AlertingConfig& config);

  const RuleEngine& engine() const { return engine_; }
  const WindowAggregator& windows() const { return windows_; }
  AlertingConfig config() const;

 private:
  class Feed;
  void Loop();
  void Tick();

  const Clock& clock_;
  MetricsRegistry& metrics_;
  mutable std::mutex config_mu_;
  AlertingConfig config_;
  WindowAggregator windows_;
  RuleEngine engine_;
  std::unique_ptr<Feed> feed_;
  std::vector<Listener> listeners_;
  std::vector<std::function<void()>> tick_hooks_;
  Histogram& eval_seconds_;
  std::thread ticker_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  int64_t last_expiry_ns_ = 0;
};

}  // namespace vigil
