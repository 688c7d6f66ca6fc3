#include "alerting/action_dispatcher.h"

#include <spdlog/spdlog.h>

namespace vigil {

ActionDispatcher::ActionDispatcher(RouteControl& routes, AlertNotifier* notifier,
                                   const Clock& clock, MetricsRegistry* metrics)
    : routes_(routes), notifier_(notifier), clock_(clock), metrics_(metrics) {}

ActionDispatcher::~ActionDispatcher() { Stop(); }

void ActionDispatcher::AddSink(Sink sink) { sinks_.push_back(std::move(sink)); }

void ActionDispatcher::Start() {
  if (!worker_.joinable()) worker_ = std::thread([this] { Loop(); });
}

void ActionDispatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

std::string ActionDispatcher::UseCaseOf(const AlertInstance& alert, const RuleSpec& rule) {
  if (!rule.use_case.empty()) return rule.use_case;
  for (const auto& [k, v] : alert.labels) {
    if (k == "use_case") return v;
  }
  return "";
}

std::string ActionDispatcher::TenantOf(const AlertInstance& alert, const RuleSpec& rule) {
  if (!rule.tenant.empty()) return rule.tenant;
  for (const auto& [k, v] : alert.labels) {
    if (k == "tenant") return v;
  }
  return "";
}

void ActionDispatcher::OnTransition(const AlertTransition& t, const RuleSpec& rule,
                                    const AlertingConfig& config) {
  std::lock_guard<std::mutex> lock(mu_);
  if (t.alert.state == AlertState::kFiring) {
    std::vector<std::string> actions = rule.actions;
    if (actions.empty()) {
      auto it = config.action_map.find(rule.tier);
      if (it != config.action_map.end()) actions = it->second;
    }
    for (const std::string& action : actions) {
      if (!done_.insert({t.alert.id, t.alert.firing_id, action}).second) continue;
      queue_.push_back({action, t.alert, rule, false});
    }
  } else if (t.alert.state == AlertState::kResolved &&
             paged_.count({t.alert.id, t.alert.firing_id})) {
    queue_.push_back({"resolve_page", t.alert, rule, true});
  }
  cv_.notify_one();
}

void ActionDispatcher::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

std::vector<ActionRecord> ActionDispatcher::Records() const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::vector<ActionRecord>(records_.begin(), records_.end());
}

ActionRecord ActionDispatcher::Run(const Job& job) {
  ActionRecord rec;
  rec.action = job.action;
  rec.alert_id = job.alert.id;
  rec.rule = job.rule.name;
  rec.firing_id = job.alert.firing_id;
  rec.tier = job.rule.tier;
  rec.use_case = UseCaseOf(job.alert, job.rule);
  rec.started_ns = clock_.NowNanos();
  const int64_t start = clock_.MonotonicNanos();
  ActionRequest request{rec.use_case,
                        "alert " + job.alert.id + " (" + TierName(job.rule.tier) +
                            "): " + job.alert.evidence.threshold + ", value " +
                            std::to_string(job.alert.evidence.value),
                        "alert:" + job.rule.name};
  Status st;
  std::string done = "done";
  auto route_act = [&](Result<std::string> r) {
    st = r.ok() ? Status::Ok() : r.status();
    if (r.ok()) done = *r;
  };
  if (job.action == "rollback" && rec.use_case.empty()) {
    // Nothing to roll back to without a use case: stop further change everywhere instead.
    route_act(routes_.FreezeReleases(request));
    if (st.ok()) done = "no use case in scope, so nothing to roll back: " + done;
  } else if (job.action == "degrade" && rec.use_case.empty()) {
    st = Status::FailedPrecondition(
        "degrade needs a use case: scope the rule with use_case or group it by use_case");
  } else if (job.action == "rollback") {
    route_act(routes_.Rollback(request));
  } else if (job.action == "degrade") {
    route_act(routes_.Degrade(request));
  } else if (job.action == "freeze_releases") {
    route_act(routes_.FreezeReleases(request));
  } else if (job.action == "notify_oncall" || job.action == "resolve_page") {
    st = notifier_ ? notifier_->Page(job.alert, rec.use_case, job.resolve)
                   : Status::FailedPrecondition("no on-call receiver configured (alerting.notify)");
    if (st.ok() && !job.resolve) {
      std::lock_guard<std::mutex> lock(mu_);
      paged_.insert({job.alert.id, job.alert.firing_id});
    }
  } else if (job.action == "ticket") {
    st = notifier_ ? notifier_->Ticket(job.alert, rec.use_case)
                   : Status::FailedPrecondition("no ticket receiver configured (alerting.notify)");
  } else if (job.action == "open_incident") {
    st = Status::Ok();  // the incident sink opens it
  } else {
    st = Status::InvalidArgument("unknown action " + job.action);
  }
  rec.finished_ns = rec.started_ns + (clock_.MonotonicNanos() - start);
  rec.ok = st.ok();
  rec.detail = st.ok() ? done : st.message();
  return rec;
}

void ActionDispatcher::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) break;  // stopping, drained
    Job job = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    ActionRecord rec = Run(job);
    if (rec.ok) {
      spdlog::info("action {} for {} (firing {}): {}", rec.action, rec.alert_id, rec.firing_id,
                   rec.detail);
    } else {
      spdlog::warn("action {} for {} (firing {}) FAILED: {}", rec.action, rec.alert_id,
                   rec.firing_id, rec.detail);
    }
    if (metrics_ != nullptr) {
      const Labels labels = {{"action", rec.action}, {"outcome", rec.ok ? "ok" : "failed"}};
      metrics_->GetCounter("vigil_actions_total", "Actions run by the action map.", labels).Inc();
      metrics_
          ->GetHistogram("vigil_action_seconds", "Duration of one action.", DefaultLatencyBuckets(),
                         {{"action", rec.action}})
          .Observe(static_cast<double>(rec.finished_ns - rec.started_ns) / 1e9);
    }
    for (const Sink& sink : sinks_) sink(rec);
    lock.lock();
    records_.push_back(rec);
    if (records_.size() > 1000) records_.pop_front();
    busy_ = false;
    if (queue_.empty()) idle_cv_.notify_all();
  }
  busy_ = false;
  idle_cv_.notify_all();
}

}  // namespace vigil
