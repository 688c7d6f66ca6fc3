#pragma once
// DrillRunner: runs drills step by step (docs/drills.md) — preflight (the remedy is ready,
// there is live traffic, no real incident is open), inject the fault at t0, wait for
// detection (a P1/P2 firing on the use case), for switchback (the route changed AND ≥ 95% of the
// use case's task events in the last second run on the remedy's release or fallback model:
// traffic moved, not just a pointer), for core path recovery (the task error rate under the
// firing rule's threshold for one full window after the switch), then clear the fault and
// restore the route as it was. Times are measured from t0 against slo_targets. A step that
// times out fails the drill, which still clears and restores and says where it stopped.
//
// Results live in the StateStore (component "drills"); a running drill's progress is visible
// through Get(). One drill at a time per use case. Thread-safety: all methods from any thread;
// each drill runs on its own thread (or the caller's, with Run()).

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "drills/drill.h"
#include "drills/drill_env.h"
#include "storage/state_store.h"

namespace vigil {

class DrillRunner {
 public:
  using Sleeper = std::function<void(int64_t nanos)>;

  static Result<std::unique_ptr<DrillRunner>> Open(StateStore& store, DrillEnv& env,
                                                   const Clock& clock, SloTargets targets,
                                                   Sleeper sleep = nullptr);
  ~DrillRunner();

  // Starts a drill on its own thread; returns its initial record (status running). Unknown
  // scenario → InvalidArgument; a drill already running on the use case → FailedPrecondition.
  Result<DrillResult> Start(DrillSpec spec);
  // Runs a drill to the end on the calling thread (tests, benchmarks).
  DrillResult Run(DrillSpec spec);
  Result<DrillResult> Get(const std::string& id);
  Result<std::vector<DrillResult>> List(size_t limit);
  // Stops waiting in running drills (they fail as "stopped", clear and restore) and joins them.
  void Shutdown();

  static constexpr double kTrafficShare = 0.95;
  static constexpr int64_t kPollNs = 100'000'000;

 private:
  DrillRunner(StateStore& store, DrillEnv& env, const Clock& clock, SloTargets targets,
              Sleeper sleep);
  Status Validate(const DrillSpec& spec) const;
  std::string NewId();
  void Execute(DrillResult& result);
  // Polls `done` every kPollNs until it holds (true) or `timeout_ns` passes or shutdown.
  bool WaitUntil(const std::function<bool()>& done, int64_t timeout_ns);
  void Save(const DrillResult& result);
  void Publish(const DrillResult& result);  // the in-memory copy Get() returns while running

  StateStore& store_;
  DrillEnv& env_;
  const Clock& clock_;
  const SloTargets targets_;
  Sleeper sleep_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::map<std::string, DrillResult> running_;  // id → latest state
  std::vector<std::thread> threads_;
  uint64_t counter_ = 0;
};

}  // namespace vigil
