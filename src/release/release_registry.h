#pragma once
// ReleaseRegistry: immutable releases per use case and the route pointer services follow —
// active release, canary, mode, freezes — with rollback as a pointer switch (docs/releases.md).
//
// Model: releases are never changed or deleted (database triggers refuse both); retiring marks
// one. A use case's route row holds the active and canary pointers, the mode and a route
// version that bumps on every change; activations (when each release was active, and whether a
// P1/P2 fired meanwhile) decide the last-known-good release: the newest non-retired release
// other than the active one that was active for `soak` without a P1/P2 firing (and was not
// rolled back), or that the config declares `known_good`.
//
// Every act is one StateStore transaction together with its audit entry. After the commit the
// route is rendered once and published to the RouteHub (long-poll watchers) and to the change
// listener (incident timelines). Errors: NotFound for an unknown use case or version;
// AlreadyExists for a duplicate version; FailedPrecondition (HTTP 409) for a refused act —
// frozen, retired, invalid rollback target — with a message naming the reason.
//
// Thread-safety: all methods from any thread; acts are serialized.

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "config/config.h"
#include "release/audit_log.h"
#include "release/release_types.h"
#include "release/route_hub.h"
#include "storage/state_store.h"

namespace vigil {

class ReleaseRegistry {
 public:
  using ChangeListener = std::function<void(const RouteChange&)>;

  static Result<std::unique_ptr<ReleaseRegistry>> Open(StateStore& store, AuditLog& audit,
                                                       RouteHub& hub, const Clock& clock,
                                                       ReleaseControlConfig settings);

  // Declares the config's use cases and releases: a use case new to the store gets its
  // releases and its `active: true` pointer; for a known one, releases with new versions are
  // added (never changing the active pointer — runtime changes win); a version that exists
  // with a different config is left alone and reported in `notes`. Publishes every route.
  Status Bootstrap(const std::vector<UseCaseConfig>& use_cases, std::vector<std::string>& notes);
  void SetChangeListener(ChangeListener listener);  // before acts start
  void SetSettings(const ReleaseControlConfig& settings);

  // Reads.
  std::vector<std::string> UseCases();
  Result<RouteState> Route(const std::string& use_case);
  Result<std::vector<StoredRelease>> History(const std::string& use_case);  // oldest first
  Result<StoredRelease> Get(const std::string& use_case, const std::string& version);
  std::vector<Freeze> ActiveFreezes();
  // Whether rolling back now (to `to`, else last-known-good) would be allowed; used by the
  // rollback itself, by release gates and by drills.
  Result<RollbackCheck> CheckRollbackTarget(const std::string& use_case,
                                            const std::optional<std::string>& to);
  // Whether, once `candidate` were active, a rollback would have a valid target: the
  // last-known-good as it would then be (the current active counts when it soaked cleanly).
  // For the release gate `rollback_target_valid`.
  Result<RollbackCheck> CheckRollbackAfterPromote(const std::string& use_case,
                                                  const std::string& candidate);

  // Acts. `actor` is a token name, "alert:RULE" or "drill:ID".
  // Creates a release; the first release of a new use case becomes active.
  Result<StoredRelease> Create(const std::string& use_case, ReleaseConfig config,
                               const std::string& actor);
  // Makes `version` active, or with a percent (1–99) its canary. Refused while frozen.
  Result<ActResult> Promote(const std::string& use_case, const std::string& version,
                            std::optional<int> canary_percent, const std::string& actor,
                            const std::string& reason);
  // Switches to `to` (else last-known-good) and cancels any canary. Always allowed when frozen.
  Result<ActResult> Rollback(const std::string& use_case, const std::optional<std::string>& to,
                             const std::string& actor, const std::string& reason);
  Result<ActResult> Retire(const std::string& use_case, const std::string& version,
                           const std::string& actor, const std::string& reason);
  Result<ActResult> SetMode(const std::string& use_case, RouteMode mode, const std::string& actor,
                            const std::string& reason);
  // scope "" = global. `until_ns` 0 = until lifted.
  Result<ActResult> FreezeReleases(const std::string& scope, const std::string& reason,
                                   const std::string& actor, int64_t until_ns);
  Result<ActResult> Unfreeze(const std::string& scope, const std::string& actor,
                             const std::string& reason);

  // Drill faults (docs/drills.md). The id defaults to "f<N>"; an existing id is replaced.
  // `until_ns` 0 = until cleared. Audited as fault.inject / fault.clear with `actor`.
  Result<ActResult> InjectFault(const std::string& use_case, Fault fault, const std::string& actor,
                                int64_t until_ns);
  Result<ActResult> ClearFault(const std::string& use_case, const std::string& id,
                               const std::string& actor);

  // Puts a route back as a drill found it: active, canary and mode as in `before`, and lifts
  // the freezes set on the use case (or globally) at or after `since_ns` by alerts. Not a
  // promote: freezes and gates do not apply. Audited as drill.restore by `actor`.
  Result<ActResult> RestoreRoute(const RouteState& before, int64_t since_ns,
                                 const std::string& actor);

  // A P1/P2 fired on the use case: its current activation no longer qualifies as good.
  void OnSevereFiring(const std::string& use_case, const std::string& rule);
  // Lifts expired freezes and faults (audited as actor "vigil"); call periodically.
  void Tick();

 private:
  ReleaseRegistry(StateStore& store, AuditLog& audit, RouteHub& hub, const Clock& clock,
                  ReleaseControlConfig settings)
      : store_(store), audit_(audit), hub_(hub), clock_(clock), settings_(std::move(settings)) {}

  // Reads the route of `use_case` inside a transaction (NotFound when unknown).
  Result<RouteState> LoadRoute(SqliteDb& db, const std::string& use_case);
  Status BumpRoute(SqliteDb& db, const std::string& use_case);
  // Bumps every route a freeze scope covers ("" = all) not yet in `affected`, adding them.
  Status BumpScope(SqliteDb& db, const std::string& scope, std::vector<std::string>& affected);
  Status Activate(SqliteDb& db, const std::string& use_case, const std::string& version,
                  const std::string& taint_reason);
  Result<RollbackCheck> CheckTarget(SqliteDb& db, const RouteState& route,
                                    const std::optional<std::string>& to);
  Status InsertRelease(SqliteDb& db, const std::string& use_case, const ReleaseConfig& config,
                       const std::string& actor, int64_t& seq);
  // Renders the route once and hands it to the hub; returns its version.
  Result<int64_t> PublishRoute(const std::string& use_case);
  // After a commit: render and publish the routes, tell the listener.
  void Publish(const std::vector<std::string>& use_cases, const RouteChange& change);
  Status PublishAll();
  // Deletes faults past their expiry, auditing each; adds their use cases to `affected`.
  Status ExpireFaults(SqliteDb& db, int64_t now, std::vector<std::string>& affected);

  StateStore& store_;
  AuditLog& audit_;
  RouteHub& hub_;
  const Clock& clock_;
  std::mutex mu_;  // serializes acts
  ReleaseControlConfig settings_;
  ChangeListener listener_;
};

}  // namespace vigil
