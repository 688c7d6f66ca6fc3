#include "server/drills_api.h"

#include "drills/drill_json.h"
#include "server/api_util.h"
#include "server/json_body.h"

namespace vigil {

DrillRunner* DrillsApi::Prepare(const HttpRequest& req, Role role, Responder& respond,
                                const Principal** principal) {
  HttpResponse error;
  *principal = AuthorizeRequest(auth_, req, role, error);
  if (*principal == nullptr) {
    respond(std::move(error));
    return nullptr;
  }
  DrillRunner* runner = runner_.load();
  if (runner == nullptr) {
    respond(ErrorResponse(503, "not_ready", "the store is still opening; retry shortly"));
  }
  return runner;
}

void DrillsApi::Start(HttpRequest& req, Responder respond) {
  const Principal* p;
  DrillRunner* runner = Prepare(req, Role::kOperate, respond, &p);
  if (!runner) return;
  Result<nlohmann::json> body = JsonObjectBody(req);
  if (!body.ok()) return respond(StatusResponse(body.status()));
  Result<DrillSpec> spec = DrillSpecFromJson(*body);
  if (!spec.ok()) return respond(StatusResponse(spec.status()));
  spec->actor = p->name;
  Result<DrillResult> started = runner->Start(*spec);
  if (!started.ok()) return respond(StatusResponse(started.status()));
  HttpResponse r;
  r.status = 202;
  r.headers = {{"Location", "/v1/drills/" + started->id}};
  r.body = DrillResultToJson(*started).dump();
  respond(std::move(r));
}

void DrillsApi::List(HttpRequest& req, Responder respond) {
  const Principal* p;
  DrillRunner* runner = Prepare(req, Role::kRead, respond, &p);
  if (!runner) return;
  size_t limit = 50;
  if (const std::string* v = req.Query("limit")) {
    char* end = nullptr;
    long long n = std::strtoll(v->c_str(), &end, 10);
    if (v->empty() || *end != '\0' || n < 1 || n > 1000) {
      return respond(ErrorResponse(400, "invalid_field", "must be 1 to 1000", "limit"));
    }
    limit = static_cast<size_t>(n);
  }
  Result<std::vector<DrillResult>> list = runner->List(limit);
  if (!list.ok()) return respond(StatusResponse(list.status()));
  nlohmann::json out = nlohmann::json::array();
  for (const DrillResult& d : *list) out.push_back(DrillResultToJson(d));
  HttpResponse r;
  r.body = nlohmann::json{{"drills", out}}.dump();
  respond(std::move(r));
}

void DrillsApi::Get(HttpRequest& req, Responder respond) {
  const Principal* p;
  DrillRunner* runner = Prepare(req, Role::kRead, respond, &p);
  if (!runner) return;
  Result<DrillResult> drill = runner->Get(std::string(req.PathParam("id")));
  if (!drill.ok()) return respond(StatusResponse(drill.status()));
  HttpResponse r;
  const std::string* format = req.Query("format");
  if (format && *format == "markdown") {
    r.content_type = "text/markdown; charset=utf-8";
    r.body = DrillToMarkdown(*drill);
  } else {
    r.body = DrillResultToJson(*drill).dump();
  }
  respond(std::move(r));
}

}  // namespace vigil
