#pragma once
// Drill endpoints (docs/drills.md): POST /v1/drills (operate) starts one and answers 202 with
// its record; GET /v1/drills[?limit=] and GET /v1/drills/{id} (read; ?format=markdown for the
// report as text/markdown) show them, running ones with their progress.

#include <atomic>

#include "auth/auth.h"
#include "drills/drill_runner.h"
#include "server/http/http_types.h"

namespace vigil {

class DrillsApi {
 public:
  DrillsApi(const Authenticator& auth, const std::atomic<DrillRunner*>& runner)
      : auth_(auth), runner_(runner) {}
  void Start(HttpRequest& req, Responder respond);
  void List(HttpRequest& req, Responder respond);
  void Get(HttpRequest& req, Responder respond);

 private:
  DrillRunner* Prepare(const HttpRequest& req, Role role, Responder& respond,
                       const Principal** principal);
  const Authenticator& auth_;
  const std::atomic<DrillRunner*>& runner_;
};

}  // namespace vigil
