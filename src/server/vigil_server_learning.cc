// VigilServer: the learning loop's part — postmortems, knowledge base, gates.
#include <spdlog/spdlog.h>

#include "server/vigil_server.h"

namespace vigil {

bool VigilServer::OpenLearning() {
  Result<std::unique_ptr<LearningLoop>> learning =
      LearningLoop::Open({*state_store_, *event_store_, *releases_, *audit_, *alerting_,
                          *incidents_, *drills_, *evals_},
                         clock_, config_.gates, config_.slo_targets);
  if (!learning.ok()) {
    Fail(Status::Internal("cannot prepare postmortems and gates: " + learning.status().message()));
    return false;
  }
  learning_ = std::move(learning).value();
  learning_ready_.store(learning_.get());
  incidents_api_->SetOpenedHook([this](int64_t id, const std::string& use_case) {
    learning_->OnIncidentOpened(id, use_case, nullptr);
  });
  if (!config_.gates.configured) {
    spdlog::info("gates: no gates section; promotions are not gated");
  }
  return true;
}

void VigilServer::RegisterLearningRoutes() {
  auto route = [this](void (PostmortemsApi::*method)(HttpRequest&, Responder)) {
    return [this, method](HttpRequest& req, Responder respond) {
      (postmortems_api_.get()->*method)(req, std::move(respond));
    };
  };
  router_.Add("POST", "/v1/postmortems", route(&PostmortemsApi::Create));
  router_.Add("GET", "/v1/postmortems", route(&PostmortemsApi::List));
  router_.Add("GET", "/v1/postmortems/{id}", route(&PostmortemsApi::Get));
  router_.Add("PUT", "/v1/postmortems/{id}", route(&PostmortemsApi::Edit));
  router_.Add("POST", "/v1/postmortems/{id}/verify", route(&PostmortemsApi::Verify));
  router_.Add("GET", "/v1/kb/search", route(&PostmortemsApi::Search));
  router_.Add("POST", "/v1/gates/check", route(&PostmortemsApi::GateCheck));
  router_.Add("GET", "/v1/gates", route(&PostmortemsApi::GateTemplate));
}

}  // namespace vigil
