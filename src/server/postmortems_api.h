#pragma once
// Postmortem, knowledge-base and gate endpoints (docs/api.md#postmortems, #gates):
//   POST /v1/postmortems                 {incident_id} → 201, the draft (operate)
//   GET  /v1/postmortems?use_case=&status=draft|complete   list (read)
//   GET  /v1/postmortems/{id}[?format=md]                  one, JSON or Markdown (read)
//   PUT  /v1/postmortems/{id}            the editable fields (operate)
//   POST /v1/postmortems/{id}/verify     verifies every reinforcement → the document (operate)
//   GET  /v1/kb/search?q=&limit=         ranked hits with snippets (read)
//   POST /v1/gates/check                 {use_case, release, canary?} → the gate report (read)
//   GET  /v1/gates?use_case=             the gate template (effective for a use case) (read)
// 503 until the stores are open.

#include <atomic>
#include <nlohmann/json_fwd.hpp>

#include "auth/auth.h"
#include "server/http/http_types.h"
#include "server/learning.h"

namespace vigil {

nlohmann::json GateReportJson(const GateReport& report);

class PostmortemsApi {
 public:
  PostmortemsApi(const Authenticator& auth, const std::atomic<LearningLoop*>& loop,
                 const Clock& clock)
      : auth_(auth), loop_(loop), clock_(clock) {}
  void Create(HttpRequest& req, Responder respond);
  void List(HttpRequest& req, Responder respond);
  void Get(HttpRequest& req, Responder respond);
  void Edit(HttpRequest& req, Responder respond);
  void Verify(HttpRequest& req, Responder respond);
  void Search(HttpRequest& req, Responder respond);
  void GateCheck(HttpRequest& req, Responder respond);
  void GateTemplate(HttpRequest& req, Responder respond);

 private:
  LearningLoop* Prepare(const HttpRequest& req, Role role, Responder& respond,
                        const Principal** principal = nullptr);
  const Authenticator& auth_;
  const std::atomic<LearningLoop*>& loop_;
  const Clock& clock_;
};

}  // namespace vigil
