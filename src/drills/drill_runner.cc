#include "drills/drill_runner.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "common/time_util.h"
#include "drills/drill_json.h"

namespace vigil {
namespace {

const std::vector<Migration>& DrillMigrations() {
  static const std::vector<Migration>* m = new std::vector<Migration>{
      {1,
       "CREATE TABLE drills ("
       "  id TEXT PRIMARY KEY,"
       "  use_case TEXT NOT NULL,"
       "  scenario TEXT NOT NULL,"
       "  status TEXT NOT NULL,"
       "  started_ns INTEGER NOT NULL,"
       "  finished_ns INTEGER NOT NULL,"
       "  result TEXT NOT NULL"
       ");"
       "CREATE INDEX drills_started ON drills (started_ns);"},
  };
  return *m;
}

std::string Ms(int64_t ns) { return FormatElapsed(std::max<int64_t>(ns, 0)); }

double Share(const std::map<std::string, double>& by, const std::string& key, double total) {
  auto it = by.find(key);
  return total > 0 && it != by.end() ? it->second / total : 0;
}

}  // namespace

Result<std::unique_ptr<DrillRunner>> DrillRunner::Open(StateStore& store, DrillEnv& env,
                                                       const Clock& clock, SloTargets targets,
                                                       Sleeper sleep) {
  VIGIL_RETURN_IF_ERROR(store.Migrate("drills", DrillMigrations()));
  if (!sleep) {
    sleep = [](int64_t ns) { std::this_thread::sleep_for(std::chrono::nanoseconds(ns)); };
  }
  return std::unique_ptr<DrillRunner>(
      new DrillRunner(store, env, clock, targets, std::move(sleep)));
}

DrillRunner::DrillRunner(StateStore& store, DrillEnv& env, const Clock& clock, SloTargets targets,
                         Sleeper sleep)
    : store_(store), env_(env), clock_(clock), targets_(targets), sleep_(std::move(sleep)) {}

DrillRunner::~DrillRunner() { Shutdown(); }

void DrillRunner::Shutdown() {
  stopping_ = true;
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    threads.swap(threads_);
  }
  for (std::thread& t : threads) {
    if (t.joinable()) t.join();
  }
}

Status DrillRunner::Validate(const DrillSpec& spec) const {
  static const char* kScenarios[] = {"upstream-timeout", "malformed-output", "tool-permission",
                                     "custom"};
  if (std::none_of(std::begin(kScenarios), std::end(kScenarios),
                   [&](const char* s) { return spec.scenario == s; })) {
    return Status::InvalidArgument(
        "unknown scenario \"" + spec.scenario +
            "\" (upstream-timeout, malformed-output, tool-permission, custom)",
        "scenario");
  }
  if (spec.use_case.empty()) return Status::InvalidArgument("is required", "use_case");
  if (spec.scenario == "custom") {
    if (std::string problem = CheckFaultKind(spec.custom.kind); !problem.empty()) {
      return Status::InvalidArgument(problem, "fault.kind");
    }
    if (spec.custom.target.empty()) return Status::InvalidArgument("is required", "fault.target");
  }
  return Status::Ok();
}

std::string DrillRunner::NewId() {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = clock_.NowNanos();
  return "d" + std::to_string(now / 1'000'000'000) + "-" + std::to_string(++counter_);
}

Result<DrillResult> DrillRunner::Start(DrillSpec spec) {
  VIGIL_RETURN_IF_ERROR(Validate(spec));
  DrillResult result;
  result.id = NewId();
  result.spec = spec;
  result.started_ns = clock_.NowNanos();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, r] : running_) {
      if (r.spec.use_case == spec.use_case) {
        return Status::FailedPrecondition("drill " + id + " is already running on " +
                                          spec.use_case);
      }
    }
    running_[result.id] = result;
    threads_.emplace_back([this, result]() mutable { Execute(result); });
  }
  return result;
}

DrillResult DrillRunner::Run(DrillSpec spec) {
  DrillResult result;
  result.spec = spec;
  result.started_ns = clock_.NowNanos();
  Status valid = Validate(spec);
  result.id = NewId();
  if (!valid.ok()) {
    result.status = "failed";
    result.message = valid.ToString();
    result.finished_ns = result.started_ns;
    return result;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_[result.id] = result;
  }
  Execute(result);
  return result;
}

bool DrillRunner::WaitUntil(const std::function<bool()>& done, int64_t timeout_ns) {
  const int64_t deadline = clock_.NowNanos() + timeout_ns;
  while (!stopping_.load()) {
    if (done()) return true;
    if (clock_.NowNanos() >= deadline) return false;
    sleep_(kPollNs);
  }
  return false;
}

void DrillRunner::Publish(const DrillResult& result) {
  std::lock_guard<std::mutex> lock(mu_);
  if (result.status == "running") {
    running_[result.id] = result;
  } else {
    running_.erase(result.id);
  }
}

void DrillRunner::Save(const DrillResult& result) {
  Status st = store_.Transact([&](SqliteDb& db) -> Status {
    Result<SqliteStatement> stmt = db.Prepare(
        "INSERT OR REPLACE INTO drills (id, use_case, scenario, status, started_ns, finished_ns, "
        "result) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!stmt.ok()) return stmt.status();
    stmt->BindText(1, result.id);
    stmt->BindText(2, result.spec.use_case);
    stmt->BindText(3, result.spec.scenario);
    stmt->BindText(4, result.status);
    stmt->BindInt(5, result.started_ns);
    stmt->BindInt(6, result.finished_ns);
    stmt->BindText(7, DrillResultToJson(result).dump());
    return stmt->Run();
  });
  if (!st.ok()) spdlog::error("drills: saving {} failed: {}", result.id, st.ToString());
}

void DrillRunner::Execute(DrillResult& r) {
  const DrillSpec& spec = r.spec;
  const std::string actor = "drill:" + r.id;
  const std::string& uc = spec.use_case;
  auto begin_step = [&](const std::string& name) {
    r.steps.push_back({name, clock_.NowNanos(), 0, false, ""});
    Publish(r);
  };
  auto end_step = [&](bool ok, const std::string& detail) {
    r.steps.back().finished_ns = clock_.NowNanos();
    r.steps.back().ok = ok;
    r.steps.back().detail = detail;
    Publish(r);
  };
  auto finish = [&](const std::string& status, const std::string& message) {
    r.status = status;
    r.message = message;
    r.finished_ns = clock_.NowNanos();
    Save(r);
    Publish(r);
    spdlog::info("drill {} ({} on {}): {} — {}", r.id, spec.scenario, uc, status, message);
  };
  r.clocks = {{"detect", -1, targets_.detection_ns},
              {"switchback", -1, targets_.switchback_ns},
              {"recovery", -1, targets_.core_path_recovery_ns}};
  Save(r);

  // ---- preflight ----
  begin_step("preflight");
  Result<RouteState> before = env_.Route(uc);
  if (!before.ok() || !before->active) {
    end_step(false, before.ok() ? "no active release" : before.status().message());
    return finish("failed", "preflight: " + r.steps.back().detail);
  }
  const StoredRelease& active = *before->active;
  std::string expect_release, expect_model;
  Fault& fault = r.fault;
  if (spec.scenario == "upstream-timeout") {
    const std::string& fallback = active.config.fallback_model;
    if (fallback.empty() || fallback == active.config.model) {
      end_step(false, "degrade not ready: release " + active.config.version +
                          " has no fallback model other than " + active.config.model);
      return finish("failed", r.steps.back().detail);
    }
    fault.kind = "upstream_timeout";
    fault.target = active.config.model;
    expect_model = fallback;
    r.expected_remedy = "degrade to " + fallback;
  } else if (spec.scenario == "malformed-output" || spec.scenario == "tool-permission") {
    Result<RollbackCheck> check = env_.CheckRollback(uc);
    if (!check.ok() || !check->ok()) {
      std::string why = check.ok() ? "" : check.status().message();
      if (check.ok()) {
        for (const std::string& p : check->problems) why += (why.empty() ? "" : "; ") + p;
      }
      end_step(false, "rollback not ready: " + why);
      return finish("failed", r.steps.back().detail);
    }
    expect_release = check->to;
    r.expected_remedy = "rollback to " + check->to;
    if (spec.scenario == "malformed-output") {
      fault.kind = "malformed_output";
      fault.target = active.config.version;
    } else {
      Result<StoredRelease> target = env_.Release(uc, check->to);
      std::string added;
      for (const ToolSpec& t : active.config.tools) {
        bool in_target = false;
        if (target.ok()) {
          for (const ToolSpec& x : target->config.tools) in_target |= x.name == t.name;
        }
        if (!in_target) {
          added = t.name;
          break;
        }
      }
      if (added.empty()) {
        end_step(false, "release " + active.config.version + " adds no tool over " + check->to +
                            ": nothing for tool-permission to break");
        return finish("failed", r.steps.back().detail);
      }
      fault.kind = "tool_permission_denied";
      fault.target = added;
      fault.params_json = nlohmann::json{{"release", active.config.version}}.dump();
    }
  } else {
    fault = spec.custom;
    r.expected_remedy = "a route change";
  }
  if (int64_t incident = env_.OpenIncident(uc); incident != 0) {
    end_step(false, "incident " + std::to_string(incident) + " is open on " + uc +
                        ": drills wait until real incidents are resolved");
    return finish("aborted", r.steps.back().detail);
  }
  const TrafficSample baseline = env_.Traffic(uc, 10'000'000'000);
  const double rate = baseline.tasks / 10.0;
  if (rate < spec.min_task_rate) {
    char buf[160];
    std::snprintf(buf, sizeof(buf), "no live traffic on %s (%.1f tasks/s over 10s; need >= %.1f)",
                  uc.c_str(), rate, spec.min_task_rate);
    end_step(false, buf);
    return finish("aborted", buf);
  }
  const double baseline_error_rate = baseline.tasks > 0 ? baseline.errors / baseline.tasks : 0;
  {
    char ready[160];
    std::snprintf(ready, sizeof(ready), "remedy %s ready; %.1f tasks/s", r.expected_remedy.c_str(),
                  rate);
    end_step(true, ready);
  }

  // ---- inject ----
  begin_step("inject");
  const int64_t detect_timeout =
      spec.detect_timeout_ns ? spec.detect_timeout_ns : 2 * targets_.detection_ns;
  const int64_t switch_timeout =
      spec.switchback_timeout_ns ? spec.switchback_timeout_ns : targets_.switchback_ns;
  const int64_t recover_timeout =
      spec.recovery_timeout_ns ? spec.recovery_timeout_ns : targets_.core_path_recovery_ns;
  r.injected_ns = clock_.NowNanos();
  const int64_t t0 = r.injected_ns;
  // The fault expires on its own even if this process dies mid-drill.
  Result<std::string> fault_id = env_.InjectFault(
      uc, fault, actor, t0 + detect_timeout + switch_timeout + recover_timeout + 60'000'000'000);
  if (!fault_id.ok()) {
    end_step(false, fault_id.status().message());
    return finish("failed", "inject: " + fault_id.status().message());
  }
  fault.id = *fault_id;
  Result<RouteState> injected = env_.Route(uc);
  const int64_t version_after_inject = injected.ok() ? injected->version : before->version;
  end_step(true, fault.kind + " on " + fault.target);

  auto cleanup = [&](bool restore) {
    begin_step("clear");
    Status cleared = env_.ClearFault(uc, fault.id, actor);
    end_step(cleared.ok(), cleared.ok() ? "fault " + fault.id + " cleared" : cleared.message());
    if (restore) {
      begin_step("restore");
      Status restored = env_.Restore(*before, t0, actor);
      end_step(restored.ok(), restored.ok() ? "route restored to " + active.config.version + " (" +
                                                  RouteModeName(before->mode) + ")"
                                            : restored.message());
    }
    if (r.incident_id) {
      r.first_update_ns = env_.FirstAutomatedUpdate(r.incident_id);
      if (r.first_update_ns > 0) r.first_update_ns -= t0;
      env_.CloseIncident(r.incident_id, "drill " + r.id + " finished: " + r.message, actor);
    }
  };
  auto fail = [&](const std::string& message) {
    r.message = message;
    cleanup(spec.restore);
    finish(stopping_.load() ? "failed" : "failed",
           stopping_.load() ? "stopped: " + message : message);
  };

  // ---- detect ----
  begin_step("detect");
  std::optional<DrillFiring> firing;
  if (!WaitUntil([&] { return (firing = env_.FiringSince(uc, t0)).has_value(); }, detect_timeout)) {
    end_step(false, "no P1/P2 fired on " + uc + " within " + FormatDuration(detect_timeout));
    return fail("detect: no P1/P2 alert fired within " + FormatDuration(detect_timeout) +
                ": no rule covers this failure — a gap to close with an alert rule");
  }
  r.clocks[0].elapsed_ns = std::max<int64_t>(firing->fired_ns - t0, 0);
  r.detected_by = firing->rule + " (" + firing->tier + ")";
  r.incident_id = env_.OpenIncident(uc);
  if (r.incident_id) env_.TagIncident(r.incident_id, r.id);
  end_step(true, r.detected_by + " fired after " + Ms(r.clocks[0].elapsed_ns));

  // ---- switchback: the route changed and the traffic follows it ----
  begin_step("switchback");
  bool route_changed = false;
  auto traffic_moved = [&] {
    Result<RouteState> now = env_.Route(uc);
    if (!now.ok() || now->version <= version_after_inject || !now->active) return false;
    const bool degraded = now->mode == RouteMode::kDegraded;
    const std::string active_now = now->active->config.version;
    if (active_now == active.config.version && !degraded) return false;
    route_changed = true;
    r.remedy_seen =
        degraded ? "degrade to " + now->active->config.fallback_model : "rollback to " + active_now;
    const TrafficSample s = env_.Traffic(uc, 1'000'000'000);
    if (s.tasks <= 0) return false;
    const double share = degraded ? Share(s.by_model, now->active->config.fallback_model, s.tasks)
                                  : Share(s.by_release, active_now, s.tasks);
    return share >= kTrafficShare;
  };
  if (!WaitUntil(traffic_moved, switch_timeout)) {
    const std::string why =
        route_changed ? "the route changed (" + r.remedy_seen +
                            ") but traffic did not follow within " + FormatDuration(switch_timeout)
                      : "the route never changed within " + FormatDuration(switch_timeout) +
                            ": the action map did not act (expected " + r.expected_remedy + ")";
    end_step(false, why);
    return fail("switchback: " + why);
  }
  const int64_t t_switch = clock_.NowNanos();
  r.clocks[1].elapsed_ns = t_switch - t0;
  end_step(true, r.remedy_seen + "; traffic moved after " + Ms(r.clocks[1].elapsed_ns));

  // ---- core path recovery ----
  begin_step("recovery");
  double threshold = firing->threshold;
  int64_t window = firing->window_ns;
  if (threshold <= 0 || window <= 0) {
    // The rule that fired is not an error-rate rule: recovery means back near the baseline.
    threshold = std::max(0.05, 2 * baseline_error_rate);
    window = 30'000'000'000;
  }
  double last_rate = 1;
  auto recovered = [&] {
    if (clock_.NowNanos() - t_switch < window) return false;
    const TrafficSample s = env_.Traffic(uc, window);
    if (s.tasks <= 0) return false;
    last_rate = s.errors / s.tasks;
    return last_rate < threshold;
  };
  if (!WaitUntil(recovered, recover_timeout)) {
    char buf[256];
    std::snprintf(buf, sizeof(buf),
                  "task error rate still %.1f%% (threshold %.1f%% over %s) %s after the switch; "
                  "%s did not restore the path (expected %s)",
                  last_rate * 100, threshold * 100, FormatDuration(window).c_str(),
                  FormatDuration(recover_timeout).c_str(), r.remedy_seen.c_str(),
                  r.expected_remedy.c_str());
    end_step(false, buf);
    return fail(std::string("recovery: ") + buf);
  }
  r.clocks[2].elapsed_ns = clock_.NowNanos() - t0;
  end_step(true,
           "task errors under threshold for a full window after " + Ms(r.clocks[2].elapsed_ns));

  bool all_met = true;
  std::string verdict;
  for (const DrillClock& c : r.clocks) {
    all_met &= c.met();
    verdict += (verdict.empty() ? "" : ", ") + c.name + " " + Ms(c.elapsed_ns) + " (target " +
               FormatDuration(c.target_ns) + (c.met() ? ", met)" : ", MISSED)");
  }
  r.message = verdict;
  cleanup(spec.restore);
  finish(all_met ? "passed" : "failed", verdict);
}

Result<DrillResult> DrillRunner::Get(const std::string& id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = running_.find(id);
    if (it != running_.end()) return it->second;
  }
  Result<DrillResult> out = Status::NotFound("no drill " + id);
  Status st = store_.Read([&](SqliteDb& db) -> Status {
    Result<SqliteStatement> stmt = db.Prepare("SELECT result FROM drills WHERE id = ?");
    if (!stmt.ok()) return stmt.status();
    stmt->BindText(1, id);
    Status step;
    if (stmt->Step(step)) out = DrillResultFromJson(stmt->ColumnText(0));
    return step;
  });
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<DrillResult>> DrillRunner::List(size_t limit) {
  std::vector<DrillResult> out;
  Status st = store_.Read([&](SqliteDb& db) -> Status {
    Result<SqliteStatement> stmt =
        db.Prepare("SELECT id, result FROM drills ORDER BY started_ns DESC LIMIT ?");
    if (!stmt.ok()) return stmt.status();
    stmt->BindInt(1, static_cast<int64_t>(limit));
    Status step;
    while (stmt->Step(step)) {
      Result<DrillResult> r = DrillResultFromJson(stmt->ColumnText(1));
      if (r.ok()) out.push_back(std::move(*r));
    }
    return step;
  });
  if (!st.ok()) return st;
  std::lock_guard<std::mutex> lock(mu_);
  for (DrillResult& r : out) {
    auto it = running_.find(r.id);
    if (it != running_.end()) r = it->second;
  }
  return out;
}

}  // namespace vigil
