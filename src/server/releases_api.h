#pragma once
// Release, freeze, mode and audit endpoints (docs/api.md#releases):
//   GET  /v1/releases/{use_case}                      history with each release's role (read)
//   GET  /v1/releases/{use_case}/{version}            one release (read)
//   GET  /v1/releases/{use_case}/rollback_check[?to=] would a rollback be allowed? (read)
//   POST /v1/releases/{use_case}                      create (role of release_control.roles.create)
//   POST /v1/releases/{use_case}/{version}/promote    {canary_percent?, reason?, override?}
//        (promote) — runs the release gate first: a failing gate answers 409 with the report,
//        unless an admin sends override: true with a reason (audited as gate.override and
//        noted on the use case's next incident)
//   POST /v1/releases/{use_case}/{version}/retire     {reason?} (retire)
//   POST /v1/releases/{use_case}/rollback             {to?, reason?} (rollback)
//   GET|POST|DELETE /v1/freeze                        {use_case?, reason, until?} (freeze)
//   POST /v1/routes/{use_case}/mode                   {mode: degraded|normal, reason?} (mode)
//   POST /v1/routes/{use_case}/faults                 {id?, kind, target, share?, params?,
//                                                      until?, drill?} (fault; actor drill:ID)
//   DELETE /v1/routes/{use_case}/faults/{id}          (fault)
//   GET  /v1/audit?from=&to=&actor=&action=&target=&limit=  (read)
// The token's name is the actor of every act. Refused acts answer 409 with the reason and
// change nothing; a token without the act's role gets 403 and changes nothing.

#include <atomic>
#include <mutex>

#include "auth/auth.h"
#include "config/config.h"
#include "release/release_registry.h"
#include "server/http/http_types.h"
#include "server/learning.h"

namespace vigil {

class ReleasesApi {
 public:
  ReleasesApi(const Authenticator& auth, const std::atomic<ReleaseRegistry*>& registry,
              const std::atomic<AuditLog*>& audit, const Clock& clock,
              ReleaseControlConfig settings)
      : auth_(auth), registry_(registry), audit_(audit), clock_(clock), settings_(settings) {}
  void SetSettings(const ReleaseControlConfig& settings);
  // The gate promotions must pass (before serving).
  void SetGate(const std::atomic<LearningLoop*>* loop) { learning_ = loop; }

  void History(HttpRequest& req, Responder respond);
  void Show(HttpRequest& req, Responder respond);
  void RollbackCheck(HttpRequest& req, Responder respond);
  void Create(HttpRequest& req, Responder respond);
  void Promote(HttpRequest& req, Responder respond);
  void Retire(HttpRequest& req, Responder respond);
  void Rollback(HttpRequest& req, Responder respond);
  void Freezes(HttpRequest& req, Responder respond);
  void Freeze(HttpRequest& req, Responder respond);
  void Unfreeze(HttpRequest& req, Responder respond);
  void Mode(HttpRequest& req, Responder respond);
  void InjectFault(HttpRequest& req, Responder respond);
  void ClearFault(HttpRequest& req, Responder respond);
  void Audit(HttpRequest& req, Responder respond);

 private:
  // Authenticates for `act` (a release_control.roles key, or "read") and checks readiness;
  // null when the request was answered.
  ReleaseRegistry* Prepare(const HttpRequest& req, const std::string& act, Responder& respond,
                           const Principal** principal);
  const Authenticator& auth_;
  const std::atomic<LearningLoop*>* learning_ = nullptr;
  const std::atomic<ReleaseRegistry*>& registry_;
  const std::atomic<AuditLog*>& audit_;
  const Clock& clock_;
  std::mutex mu_;
  ReleaseControlConfig settings_;
};

}  // namespace vigil
