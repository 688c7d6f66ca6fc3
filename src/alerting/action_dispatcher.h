#pragma once
// ActionDispatcher: turns alert transitions into the action map's actions.
//
// On a transition to firing it runs the rule's actions (its own list, else its tier's) in
// order on a worker thread, so a slow receiver never delays rule evaluation. Each execution is
// timed and recorded (ActionRecord) and handed to the sinks (incident timeline, metrics); a
// failing action is recorded as failed and the next one still runs. Actions are idempotent per
// alert instance and firing: one rollback per firing, not one per tick. On a transition to
// resolved, a page sent for that firing gets its resolve.
//
// The use case an action targets is the rule's use_case scope or the instance's use_case group
// label; route actions without one fail with a message saying so.
// Thread-safety: OnTransition from the ticker; Records() from anywhere.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "alerting/actions.h"
#include "common/clock.h"
#include "config/alerting_config.h"
#include "metrics/metrics.h"

namespace vigil {

struct ActionRecord {
  std::string action;  // rollback | degrade | freeze_releases | notify_oncall | ticket | …
  std::string alert_id;
  std::string rule;
  uint64_t firing_id = 0;
  Tier tier = Tier::kP3;
  std::string use_case;
  int64_t started_ns = 0;
  int64_t finished_ns = 0;
  bool ok = false;
  std::string detail;
};

class ActionDispatcher {
 public:
  using Sink = std::function<void(const ActionRecord&)>;

  ActionDispatcher(RouteControl& routes, AlertNotifier* notifier, const Clock& clock,
                   MetricsRegistry* metrics = nullptr);
  ~ActionDispatcher();

  void AddSink(Sink sink);  // before Start()
  void Start();
  void Stop();  // runs what is queued, then stops

  void OnTransition(const AlertTransition& transition, const RuleSpec& rule,
                    const AlertingConfig& config);
  // Waits until every queued action ran (tests and shutdown).
  void Drain();
  std::vector<ActionRecord> Records() const;  // most recent last, at most 1000

  static std::string UseCaseOf(const AlertInstance& alert, const RuleSpec& rule);
  // The tenant an alert belongs to: the rule's tenant scope or the tenant group label; empty
  // when the rule aggregates across tenants.
  static std::string TenantOf(const AlertInstance& alert, const RuleSpec& rule);

 private:
  struct Job {
    std::string action;
    AlertInstance alert;
    RuleSpec rule;
    bool resolve = false;
  };
  void Loop();
  ActionRecord Run(const Job& job);

  RouteControl& routes_;
  AlertNotifier* notifier_;
  const Clock& clock_;
  MetricsRegistry* metrics_;
  std::vector<Sink> sinks_;
  mutable std::mutex mu_;
  std::condition_variable cv_, idle_cv_;
  std::deque<Job> queue_;
  bool busy_ = false;
  bool stop_ = false;
  std::set<std::tuple<std::string, uint64_t, std::string>> done_;  // (alert, firing, action)
  std::set<std::pair<std::string, uint64_t>> paged_;               // firings that were paged
  std::deque<ActionRecord> records_;
  std::thread worker_;
};

}  // namespace vigil
