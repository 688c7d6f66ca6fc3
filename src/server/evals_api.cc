#include "server/evals_api.h"

#include "common/time_util.h"
#include "server/api_util.h"
#include "server/json_body.h"

namespace vigil {
namespace {

using nlohmann::json;

json RunJson(const EvalRun& r, bool with_cases) {
  json out = {{"id", r.id},
              {"suite", r.suite},
              {"use_case", r.use_case},
              {"release", r.release},
              {"passed", r.passed()},
              {"total", r.cases.size()},
              {"pass_rate", r.pass_rate()},
              {"created_at", FormatRfc3339(r.created_ns)},
              {"posted_by", r.actor}};
  if (with_cases) {
    json cases = json::array();
    for (const EvalCase& c : r.cases) {
      json j = {{"id", c.id}, {"passed", c.passed}};
      if (!c.detail.empty()) j["detail"] = c.detail;
      cases.push_back(std::move(j));
    }
    out["cases"] = cases;
  }
  return out;
}

}  // namespace

void EvalsApi::Post(HttpRequest& req, Responder respond) {
  HttpResponse error;
  const Principal* p = AuthorizeRequest(auth_, req, Role::kOperate, error);
  if (p == nullptr) return respond(std::move(error));
  EvalStore* store = store_.load();
  if (store == nullptr) {
    return respond(ErrorResponse(503, "not_ready", "the store is still opening; retry shortly"));
  }
  Result<json> body = JsonObjectBody(req);
  if (!body.ok()) return respond(StatusResponse(body.status()));
  EvalRun run;
  for (const char* field : {"suite", "use_case", "release"}) {
    Result<std::string> v = JsonStringField(*body, field, true, 256);
    if (!v.ok()) return respond(StatusResponse(v.status()));
    (field[0] == 's' ? run.suite : field[0] == 'u' ? run.use_case : run.release) = *v;
  }
  if (!body->contains("cases") || !(*body)["cases"].is_array()) {
    return respond(StatusResponse(Status::InvalidArgument("must be a list", "cases")));
  }
  const json& cases = (*body)["cases"];
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string path = "cases[" + std::to_string(i) + "]";
    const json& c = cases[i];
    if (!c.is_object() || !c.contains("id") || !c["id"].is_string()) {
      return respond(StatusResponse(Status::InvalidArgument("is required", path + ".id")));
    }
    if (!c.contains("passed") || !c["passed"].is_boolean()) {
      return respond(
          StatusResponse(Status::InvalidArgument("must be true or false", path + ".passed")));
    }
    run.cases.push_back({c["id"].get<std::string>(), c["passed"].get<bool>(),
                         c.contains("detail") && c["detail"].is_string()
                             ? c["detail"].get<std::string>()
                             : std::string()});
  }
  Result<EvalRun> recorded = store->Record(std::move(run), p->name);
  if (!recorded.ok()) return respond(StatusResponse(recorded.status()));
  HttpResponse r;
  r.status = 201;
  r.body = RunJson(*recorded, false).dump();
  respond(std::move(r));
}

void EvalsApi::List(HttpRequest& req, Responder respond) {
  HttpResponse error;
  if (AuthorizeRequest(auth_, req, Role::kRead, error) == nullptr) {
    return respond(std::move(error));
  }
  EvalStore* store = store_.load();
  if (store == nullptr) {
    return respond(ErrorResponse(503, "not_ready", "the store is still opening; retry shortly"));
  }
  EvalQuery q;
  if (const std::string* v = req.Query("suite")) q.suite = *v;
  if (const std::string* v = req.Query("use_case")) q.use_case = *v;
  if (const std::string* v = req.Query("release")) q.release = *v;
  if (const std::string* v = req.Query("limit")) {
    char* end = nullptr;
    long long n = std::strtoll(v->c_str(), &end, 10);
    if (v->empty() || *end != '\0' || n < 1 || n > 1000) {
      return respond(ErrorResponse(400, "invalid_field", "must be 1 to 1000", "limit"));
    }
    q.limit = static_cast<size_t>(n);
  }
  Result<std::vector<EvalRun>> runs = store->List(q);
  if (!runs.ok()) return respond(StatusResponse(runs.status()));
  json list = json::array();
  for (const EvalRun& r : *runs) list.push_back(RunJson(r, true));
  HttpResponse r;
  r.body = json{{"runs", list}}.dump();
  respond(std::move(r));
}

}  // namespace vigil
