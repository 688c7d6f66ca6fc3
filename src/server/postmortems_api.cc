#include "server/postmortems_api.h"

#include <nlohmann/json.hpp>

#include "common/time_util.h"
#include "incidents/postmortem_json.h"
#include "server/api_util.h"
#include "server/json_body.h"

namespace vigil {
namespace {

using nlohmann::json;

HttpResponse Reply(const json& body, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump();
  return r;
}

Result<int64_t> PostmortemId(const HttpRequest& req) {
  std::string text(req.PathParam("id"));
  if (text.empty() || text.size() > 18 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return Status::NotFound("no postmortem " + text);
  }
  return std::stoll(text);
}

std::string QueryOr(const HttpRequest& req, const char* name) {
  const std::string* v = req.Query(name);
  return v ? *v : std::string();
}

json Brief(const Postmortem& pm, int64_t now) {
  size_t verified = 0;
  for (const Reinforcement& r : pm.reinforcements) verified += r.verification.verified;
  return {{"id", pm.id},
          {"incident_id", pm.incident_id},
          {"use_case", pm.use_case},
          {"title", pm.title},
          {"status", pm.Complete() ? "complete" : "draft"},
          {"reinforcements", pm.reinforcements.size()},
          {"verified", verified},
          {"overdue", pm.Overdue(now).size()},
          {"missing_kinds", pm.MissingKinds()},
          {"updated_at", pm.updated_ns ? FormatRfc3339(pm.updated_ns) : ""}};
}

}  // namespace

json GateReportJson(const GateReport& report) {
  json checks = json::array();
  for (const GateCheckResult& c : report.checks) {
    checks.push_back({{"check", c.check},
                      {"name", c.name},
                      {"result", c.skipped  ? "skipped"
                                 : c.passed ? "pass"
                                            : "fail"},
                      {"reason", c.reason}});
  }
  return {{"use_case", report.use_case},
          {"release", report.release},
          {"configured", report.configured},
          {"for_canary", report.for_canary},
          {"passed", report.passed()},
          {"failed", report.FailedChecks()},
          {"evaluated_at", FormatRfc3339(report.evaluated_ns)},
          {"checks", checks}};
}

LearningLoop* PostmortemsApi::Prepare(const HttpRequest& req, Role role, Responder& respond,
                                      const Principal** principal) {
  HttpResponse error;
  const Principal* p = AuthorizeRequest(auth_, req, role, error);
  if (p == nullptr) {
    respond(std::move(error));
    return nullptr;
  }
  LearningLoop* loop = loop_.load();
  if (loop == nullptr) {
    respond(ErrorResponse(503, "not_ready", "the store is still opening; retry shortly"));
    return nullptr;
  }
  if (principal) *principal = p;
  return loop;
}

void PostmortemsApi::Create(HttpRequest& req, Responder respond) {
  const Principal* p;
  LearningLoop* loop = Prepare(req, Role::kOperate, respond, &p);
  if (!loop) return;
  Result<json> body = JsonObjectBody(req);
  if (!body.ok()) return respond(StatusResponse(body.status()));
  if (!body->contains("incident_id") || !(*body)["incident_id"].is_number_integer()) {
    return respond(
        StatusResponse(Status::InvalidArgument("is required (an integer)", "incident_id")));
  }
  Result<Postmortem> pm = loop->Draft((*body)["incident_id"].get<int64_t>(), p->name);
  if (!pm.ok()) return respond(StatusResponse(pm.status()));
  respond(Reply(PostmortemToJson(*pm, clock_.NowNanos()), 201));
}

void PostmortemsApi::List(HttpRequest& req, Responder respond) {
  LearningLoop* loop = Prepare(req, Role::kRead, respond);
  if (!loop) return;
  const std::string status = QueryOr(req, "status");
  if (!status.empty() && status != "draft" && status != "complete") {
    return respond(StatusResponse(Status::InvalidArgument("must be draft or complete", "status")));
  }
  Result<std::vector<Postmortem>> list = loop->postmortems().List(QueryOr(req, "use_case"), status);
  if (!list.ok()) return respond(StatusResponse(list.status()));
  const int64_t now = clock_.NowNanos();
  json out = json::array();
  for (const Postmortem& pm : *list) out.push_back(Brief(pm, now));
  respond(Reply({{"postmortems", out}}));
}

void PostmortemsApi::Get(HttpRequest& req, Responder respond) {
  LearningLoop* loop = Prepare(req, Role::kRead, respond);
  if (!loop) return;
  Result<int64_t> id = PostmortemId(req);
  if (!id.ok()) return respond(StatusResponse(id.status()));
  Result<Postmortem> pm = loop->postmortems().Get(*id);
  if (!pm.ok()) return respond(StatusResponse(pm.status()));
  const std::string format = QueryOr(req, "format");
  if (format == "md" || format == "markdown") {
    HttpResponse r;
    r.content_type = "text/markdown; charset=utf-8";
    r.body = PostmortemToMarkdown(*pm, clock_.NowNanos());
    return respond(std::move(r));
  }
  if (!format.empty() && format != "json") {
    return respond(StatusResponse(Status::InvalidArgument("must be json or md", "format")));
  }
  respond(Reply(PostmortemToJson(*pm, clock_.NowNanos())));
}

void PostmortemsApi::Edit(HttpRequest& req, Responder respond) {
  LearningLoop* loop = Prepare(req, Role::kOperate, respond);
  if (!loop) return;
  Result<int64_t> id = PostmortemId(req);
  if (!id.ok()) return respond(StatusResponse(id.status()));
  Result<json> body = JsonObjectBody(req);
  if (!body.ok()) return respond(StatusResponse(body.status()));
  Result<Postmortem> pm = loop->postmortems().Get(*id);
  if (!pm.ok()) return respond(StatusResponse(pm.status()));
  Status st = ApplyPostmortemEdit(*body, *pm);
  if (!st.ok()) return respond(StatusResponse(st));
  Result<Postmortem> saved = loop->postmortems().Save(std::move(*pm));
  if (!saved.ok()) return respond(StatusResponse(saved.status()));
  respond(Reply(PostmortemToJson(*saved, clock_.NowNanos())));
}

void PostmortemsApi::Verify(HttpRequest& req, Responder respond) {
  LearningLoop* loop = Prepare(req, Role::kOperate, respond);
  if (!loop) return;
  Result<int64_t> id = PostmortemId(req);
  if (!id.ok()) return respond(StatusResponse(id.status()));
  Result<Postmortem> pm = loop->Verify(*id);
  if (!pm.ok()) return respond(StatusResponse(pm.status()));
  respond(Reply(PostmortemToJson(*pm, clock_.NowNanos())));
}

void PostmortemsApi::Search(HttpRequest& req, Responder respond) {
  LearningLoop* loop = Prepare(req, Role::kRead, respond);
  if (!loop) return;
  const std::string q = QueryOr(req, "q");
  size_t limit = 10;
  const std::string limit_text = QueryOr(req, "limit");
  if (!limit_text.empty()) {
    if (limit_text.size() > 4 || limit_text.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(limit_text) == 0 || std::stoul(limit_text) > 100) {
      return respond(StatusResponse(Status::InvalidArgument("must be 1–100", "limit")));
    }
    limit = std::stoul(limit_text);
  }
  Result<std::vector<KbHit>> hits = loop->kb().Search(q, limit);
  if (!hits.ok()) return respond(StatusResponse(hits.status()));
  json out = json::array();
  for (const KbHit& h : *hits) {
    out.push_back({{"postmortem_id", h.postmortem_id},
                   {"incident_id", h.incident_id},
                   {"use_case", h.use_case},
                   {"title", h.title},
                   {"status", h.status},
                   {"score", h.score},
                   {"snippet", h.snippet},
                   {"prevention_rules", h.prevention_rules}});
  }
  respond(Reply({{"query", q}, {"hits", out}}));
}

void PostmortemsApi::GateCheck(HttpRequest& req, Responder respond) {
  LearningLoop* loop = Prepare(req, Role::kRead, respond);
  if (!loop) return;
  Result<json> body = JsonObjectBody(req);
  if (!body.ok()) return respond(StatusResponse(body.status()));
  Result<std::string> use_case = JsonStringField(*body, "use_case", true, 256);
  if (!use_case.ok()) return respond(StatusResponse(use_case.status()));
  Result<std::string> release = JsonStringField(*body, "release", true, 256);
  if (!release.ok()) return respond(StatusResponse(release.status()));
  bool canary = false;
  if (body->contains("canary")) {
    if (!(*body)["canary"].is_boolean()) {
      return respond(StatusResponse(Status::InvalidArgument("must be true or false", "canary")));
    }
    canary = (*body)["canary"].get<bool>();
  }
  Result<GateReport> report = loop->CheckGate(*use_case, *release, canary);
  if (!report.ok()) return respond(StatusResponse(report.status()));
  respond(Reply(GateReportJson(*report)));
}

void PostmortemsApi::GateTemplate(HttpRequest& req, Responder respond) {
  LearningLoop* loop = Prepare(req, Role::kRead, respond);
  if (!loop) return;
  const GatesConfig gates = loop->gates();
  const std::string use_case = QueryOr(req, "use_case");
  json checks = json::array();
  for (const GateCheckSpec& s : use_case.empty() ? gates.release : gates.ForUseCase(use_case)) {
    checks.push_back(s.Describe());
  }
  json per = json::object();
  for (const auto& [uc, list] : gates.use_cases) {
    json l = json::array();
    for (const GateCheckSpec& s : list) l.push_back(s.Describe());
    per[uc] = l;
  }
  respond(Reply({{"configured", gates.configured},
                 {"use_case", use_case},
                 {"checks", checks},
                 {"use_case_additions", per}}));
}

}  // namespace vigil
