#pragma once
// Eval endpoints (docs/api.md#evals): POST /v1/evals (operate) records a CI eval run of a
// release — {suite, use_case, release, cases: [{id, passed, detail?}]} → 201 with its pass rate;
// GET /v1/evals?suite=&use_case=&release=&limit= (read) lists runs, newest first.

#include <atomic>

#include "auth/auth.h"
#include "gates/eval_store.h"
#include "server/http/http_types.h"

namespace vigil {

class EvalsApi {
 public:
  EvalsApi(const Authenticator& auth, const std::atomic<EvalStore*>& store)
      : auth_(auth), store_(store) {}
  void Post(HttpRequest& req, Responder respond);
  void List(HttpRequest& req, Responder respond);

 private:
  const Authenticator& auth_;
  const std::atomic<EvalStore*>& store_;
};

}  // namespace vigil
