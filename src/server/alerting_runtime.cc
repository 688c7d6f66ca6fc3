#include "server/alerting_runtime.h"

#include <spdlog/spdlog.h>

#include <map>
#include <set>
#include <tuple>

#include "common/time_util.h"

namespace vigil {

// Feeds the windows, and counts stored events by use case, layer and status for /metrics so an
// external Prometheus can compute the same error rates. At most kMaxUseCaseLabels use cases get
// their own series; the rest are counted under use_case="_other" (cardinality stays bounded).
class AlertingRuntime::Feed final : public IngestSubscriber {
 public:
  static constexpr size_t kMaxUseCaseLabels = 200;
  Feed(WindowAggregator& windows, MetricsRegistry& metrics)
      : windows_(windows), metrics_(metrics) {}
  std::string_view Name() const override { return "windows"; }
  Status OnGroup(IngestGroup& group) override {
    windows_.Add(group.events, group.is_new);
    std::map<std::tuple<std::string, Layer, EventStatus>, uint64_t> counts;
    for (size_t i = 0; i < group.events.size(); ++i) {
      if (i < group.is_new.size() && !group.is_new[i]) continue;
      const Event& e = group.events[i];
      counts[{e.use_case, e.layer, e.status}]++;
    }
    for (const auto& [key, n] : counts) {
      std::string use_case = std::get<0>(key);
      if (!use_cases_.count(use_case)) {
        if (use_cases_.size() < kMaxUseCaseLabels) {
          use_cases_.insert(use_case);
        } else {
          use_case = "_other";
        }
      }
      metrics_
          .GetCounter("vigil_events_total", "Stored events by use case, layer and status.",
                      {{"use_case", use_case},
                       {"layer", std::string(LayerName(std::get<1>(key)))},
                       {"status", std::get<2>(key) == EventStatus::kOk ? "ok" : "error"}})
          .Inc(n);
    }
    return Status::Ok();
  }

 private:
  WindowAggregator& windows_;
  MetricsRegistry& metrics_;
  std::set<std::string> use_cases_;  // writer thread only
};

AlertingRuntime::AlertingRuntime(const AlertingConfig& config, const Clock& clock,
                                 MetricsRegistry& metrics)
    : clock_(clock),
      metrics_(metrics),
      config_(config),
      windows_(clock, config.max_keys),
      engine_(windows_, clock),
      feed_(std::make_unique<Feed>(windows_, metrics)),
      eval_seconds_(metrics.GetHistogram("vigil_rule_evaluation_seconds",
                                         "Time to evaluate every rule once.",
                                         DefaultLatencyBuckets())) {
  engine_.SetRules(config.rules);
  metrics.AddCallbackGauge("vigil_window_keys", "Keys held by the live windows.",
                           [this] { return static_cast<double>(windows_.keys()); });
  metrics.AddCallbackGauge("vigil_window_dropped_events",
                           "Events not windowed because the key cap was reached.",
                           [this] { return static_cast<double>(windows_.dropped_events()); });
}

AlertingRuntime::~AlertingRuntime() { Stop(); }

IngestSubscriber* AlertingRuntime::window_feed() { return feed_.get(); }

void AlertingRuntime::AddListener(Listener listener) { listeners_.push_back(std::move(listener)); }

void AlertingRuntime::AddTickHook(std::function<void()> hook) {
  tick_hooks_.push_back(std::move(hook));
}

AlertingConfig AlertingRuntime::config() const {
  std::lock_guard<std::mutex> lock(config_mu_);
  return config_;
}

void AlertingRuntime::Start() {
  if (ticker_.joinable()) return;
  ticker_ = std::thread([this] { Loop(); });
}

void AlertingRuntime::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

void AlertingRuntime::Reload(const AlertingConfig& config) {
  {
    std::lock_guard<std::mutex> lock(config_mu_);
    config_ = config;
  }
  engine_.SetRules(config.rules);
}

void AlertingRuntime::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    int64_t interval;
    {
      std::lock_guard<std::mutex> config_lock(config_mu_);
      interval = config_.evaluation_interval_ns;
    }
    cv_.wait_for(lock, std::chrono::nanoseconds(interval));
    if (stop_) break;
    lock.unlock();
    Tick();
    lock.lock();
  }
}

void AlertingRuntime::Tick() {
  const int64_t start = clock_.MonotonicNanos();
  std::vector<AlertTransition> transitions = engine_.Evaluate();
  eval_seconds_.Observe(static_cast<double>(clock_.MonotonicNanos() - start) / 1e9);
  for (const AlertTransition& t : transitions) {
    const AlertInstance& a = t.alert;
    metrics_
        .GetCounter("vigil_alert_transitions_total", "Alert state changes.",
                    {{"tier", TierName(a.tier)}, {"to", AlertStateName(a.state)}})
        .Inc();
    spdlog::info("alert {} {} {} → {}: value {:.4g} (threshold {}, window {}, {} samples)",
                 TierName(a.tier), a.id, AlertStateName(t.from), AlertStateName(a.state),
                 a.evidence.value, a.evidence.threshold, FormatDuration(a.evidence.window_ns),
                 a.evidence.samples);
    for (const Listener& listener : listeners_) listener(t);
  }
  // Per tier and state, for dashboards and external alerting on Vigil itself.
  std::map<std::pair<Tier, AlertState>, int> counts;
  for (Tier tier : {Tier::kP1, Tier::kP2, Tier::kP3}) {
    for (AlertState s : {AlertState::kPending, AlertState::kFiring}) counts[{tier, s}] = 0;
  }
  for (const AlertInstance& a : engine_.Alerts()) counts[{a.tier, a.state}]++;
  for (const auto& [key, n] : counts) {
    if (key.second != AlertState::kPending && key.second != AlertState::kFiring) continue;
    metrics_
        .GetGauge("vigil_alerts", "Alert instances by tier and state.",
                  {{"tier", TierName(key.first)}, {"state", AlertStateName(key.second)}})
        .Set(n);
  }
  for (const auto& hook : tick_hooks_) hook();
  const int64_t now = clock_.NowNanos();
  if (now - last_expiry_ns_ > 60 * kNanosPerSecond) {
    windows_.ExpireIdle();
    last_expiry_ns_ = now;
  }
}

}  // namespace vigil
