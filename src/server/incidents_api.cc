#include "server/incidents_api.h"

#include <nlohmann/json.hpp>

#include "common/time_util.h"
#include "server/api_util.h"
#include "server/diagnose_api.h"
#include "server/json_body.h"

namespace vigil {
namespace {

using nlohmann::json;

json Time(int64_t ns) { return ns > 0 ? json(FormatRfc3339(ns)) : json(nullptr); }

json RunbookJson(const std::vector<RunbookStepState>& steps) {
  json out = json::array();
  for (const RunbookStepState& s : steps) {
    out.push_back({{"step", s.step},
                   {"role", s.role},
                   {"text", s.text},
                   {"action", s.action.empty() ? json(nullptr) : json(s.action)},
                   {"done", s.done_ns != 0},
                   {"done_at", Time(s.done_ns)},
                   {"done_by", s.done_by.empty() ? json(nullptr) : json(s.done_by)}});
  }
  return out;
}

json IncidentJson(const Incident& i) {
  return {{"id", i.id},
          {"use_case", i.use_case},
          {"tenant", i.tenant},
          {"severity", i.severity},
          {"status", i.status},
          {"title", i.title},
          {"opened_by", i.opened_by},
          {"opened_at", Time(i.opened_at_ns)},
          {"resolved_at", Time(i.resolved_at_ns)}};
}

bool Visible(const Principal& p, const Incident& i) {
  return p.all_tenants || (!i.tenant.empty() && p.CanAccessTenant(i.tenant));
}

Result<int64_t> IncidentId(const HttpRequest& req) {
  std::string text(req.PathParam("id"));
  if (text.empty() || text.size() > 18 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return Status::NotFound("no incident " + text);
  }
  return std::stoll(text);
}

}  // namespace

IncidentService* IncidentsApi::Prepare(const HttpRequest& req, Role role, Responder& respond,
                                       const Principal** principal) {
  HttpResponse error;
  *principal = AuthorizeRequest(auth_, req, role, error);
  if (*principal == nullptr) {
    respond(std::move(error));
    return nullptr;
  }
  IncidentService* service = service_.load();
  if (service == nullptr) {
    respond(ErrorResponse(503, "not_ready", "the store is still opening; retry shortly"));
    return nullptr;
  }
  return service;
}

Result<Incident> IncidentsApi::Find(const HttpRequest& req, Role role, Responder& respond,
                                    const Principal** principal, IncidentService** service) {
  *service = Prepare(req, role, respond, principal);
  if (*service == nullptr) return Status::Unavailable("answered");
  Result<int64_t> id = IncidentId(req);
  if (!id.ok()) {
    respond(StatusResponse(id.status()));
    return id.status();
  }
  Result<Incident> incident = (*service)->Get(*id);
  if (!incident.ok() || !Visible(**principal, *incident)) {
    // Another tenant's incident is as absent as a missing one.
    respond(ErrorResponse(404, "not_found", "no incident " + std::to_string(*id)));
    return Status::NotFound("no incident");
  }
  return incident;
}

void IncidentsApi::List(HttpRequest& req, Responder respond) {
  const Principal* p;
  IncidentService* service = Prepare(req, Role::kRead, respond, &p);
  if (service == nullptr) return;
  const std::string* status = req.Query("status");
  if (status && *status != "open" && *status != "resolved") {
    return respond(ErrorResponse(400, "invalid_field", "must be open or resolved", "status"));
  }
  Result<std::vector<Incident>> list = service->List(status ? *status : "");
  if (!list.ok()) return respond(StatusResponse(list.status()));
  json out = json::array();
  for (const Incident& i : *list) {
    if (Visible(*p, i)) out.push_back(IncidentJson(i));
  }
  HttpResponse r;
  r.body = json{{"incidents", out}}.dump();
  respond(std::move(r));
}

void IncidentsApi::Get(HttpRequest& req, Responder respond) {
  const Principal* p;
  IncidentService* service;
  Result<Incident> incident = Find(req, Role::kRead, respond, &p, &service);
  if (!incident.ok()) return;
  json body = IncidentJson(*incident);
  json timeline = json::array();
  for (const TimelineEntry& e : incident->timeline) {
    json detail = json::parse(e.detail_json, nullptr, false);
    timeline.push_back({{"time", FormatRfc3339(e.ts_ns)},
                        {"kind", e.kind},
                        {"actor", e.actor},
                        {"summary", e.summary},
                        {"detail", detail.is_discarded() ? json::object() : detail}});
  }
  json clocks = json::array();
  for (const IncidentClock& c : service->Clocks(*incident)) {
    clocks.push_back({{"name", c.name},
                      {"target", FormatDuration(c.target_ns)},
                      {"elapsed_s", static_cast<double>(c.elapsed_ns) / 1e9},
                      {"stopped", c.stopped},
                      {"met", c.met()}});
  }
  body["timeline"] = timeline;
  body["clocks"] = clocks;
  if (auto runbook = service->Runbook(incident->id); runbook.ok()) {
    body["runbook"] = RunbookJson(*runbook);
  }
  // The diagnosis of the incident's window (from 10 minutes before it opened) against the hour
  // before, within the incident's tenant.
  if (EventStore* store = store_.load()) {
    const int64_t from = incident->opened_at_ns - 600LL * kNanosPerSecond;
    const int64_t to = incident->resolved_at_ns ? incident->resolved_at_ns : clock_.NowNanos();
    TenantFilter tenants =
        incident->tenant.empty() ? TenantFilter{true, {}} : TenantFilter{false, {incident->tenant}};
    Result<Diagnosis> d =
        DiagnoseRange(*store, tenants, incident->use_case, from, to, 3600LL * kNanosPerSecond);
    if (d.ok())
      body["diagnosis"] = json::parse(DiagnosisJsonText(*d, from, to, 3600LL * kNanosPerSecond));
  }
  HttpResponse r;
  r.body = body.dump();
  respond(std::move(r));
}

void IncidentsApi::Open(HttpRequest& req, Responder respond) {
  const Principal* p;
  IncidentService* service = Prepare(req, Role::kOperate, respond, &p);
  if (service == nullptr) return;
  Result<json> body = JsonObjectBody(req);
  if (!body.ok()) return respond(StatusResponse(body.status()));
  Result<std::string> use_case = JsonStringField(*body, "use_case", true, 256);
  Result<std::string> title = JsonStringField(*body, "title", true);
  Result<std::string> severity = JsonStringField(*body, "severity", false, 2);
  Result<std::string> tenant = JsonStringField(*body, "tenant", false, 256);
  for (const Status* st :
       {&use_case.status(), &title.status(), &severity.status(), &tenant.status()}) {
    if (!st->ok()) return respond(StatusResponse(*st));
  }
  std::string sev = severity->empty() ? "P2" : *severity;
  if (sev != "P1" && sev != "P2" && sev != "P3") {
    return respond(ErrorResponse(400, "invalid_field", "must be P1, P2 or P3", "severity"));
  }
  std::string scope = *tenant;
  if (scope.empty()) scope = p->SingleTenant();
  if (!scope.empty() && !p->CanAccessTenant(scope)) {
    return respond(StatusResponse(Authenticator::RequireTenant(*p, scope)));
  }
  Result<int64_t> id = service->Open(*use_case, scope, sev, *title, p->name);
  if (!id.ok()) return respond(StatusResponse(id.status()));
  if (opened_hook_) opened_hook_(*id, *use_case);
  HttpResponse r;
  r.status = 201;
  r.body = json{{"id", *id}}.dump();
  r.headers.emplace_back("Location", "/v1/incidents/" + std::to_string(*id));
  respond(std::move(r));
}

void IncidentsApi::Update(HttpRequest& req, Responder respond) {
  const Principal* p;
  IncidentService* service;
  Result<Incident> incident = Find(req, Role::kOperate, respond, &p, &service);
  if (!incident.ok()) return;
  const int64_t* id = &incident->id;
  Result<json> body = JsonObjectBody(req);
  if (!body.ok()) return respond(StatusResponse(body.status()));
  Result<std::string> text = JsonStringField(*body, "text", true);
  if (!text.ok()) return respond(StatusResponse(text.status()));
  Status st = service->AddUpdate(*id, *text, p->name);
  if (!st.ok()) return respond(StatusResponse(st));
  HttpResponse r;
  r.status = 201;
  r.body = R"({"ok":true})";
  respond(std::move(r));
}

void IncidentsApi::Resolve(HttpRequest& req, Responder respond) {
  const Principal* p;
  IncidentService* service;
  Result<Incident> incident = Find(req, Role::kOperate, respond, &p, &service);
  if (!incident.ok()) return;
  const int64_t* id = &incident->id;
  json body = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return respond(ErrorResponse(400, "invalid_field", "the body must be a JSON object", "body"));
  }
  Result<std::string> summary = JsonStringField(body, "summary", false);
  if (!summary.ok()) return respond(StatusResponse(summary.status()));
  Status st = service->Resolve(*id, *summary, p->name);
  if (!st.ok()) return respond(StatusResponse(st));
  HttpResponse r;
  r.body = R"({"ok":true})";
  respond(std::move(r));
}

void IncidentsApi::RunbookSteps(HttpRequest& req, Responder respond) {
  const Principal* p;
  IncidentService* service;
  Result<Incident> incident = Find(req, Role::kRead, respond, &p, &service);
  if (!incident.ok()) return;
  Result<std::vector<RunbookStepState>> steps = service->Runbook(incident->id);
  if (!steps.ok()) return respond(StatusResponse(steps.status()));
  HttpResponse r;
  r.body = json{{"incident", incident->id},
                {"severity", incident->severity},
                {"steps", RunbookJson(*steps)}}
               .dump();
  respond(std::move(r));
}

void IncidentsApi::CheckStep(HttpRequest& req, Responder respond) {
  const Principal* p;
  IncidentService* service;
  Result<Incident> incident = Find(req, Role::kOperate, respond, &p, &service);
  if (!incident.ok()) return;
  const std::string text(req.PathParam("step"));
  if (text.empty() || text.size() > 4 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return respond(ErrorResponse(404, "not_found", "no runbook step " + text));
  }
  Result<RunbookStepState> step = service->CheckStep(incident->id, std::stoi(text), p->name);
  if (!step.ok()) return respond(StatusResponse(step.status()));
  HttpResponse r;
  r.body = RunbookJson({*step})[0].dump();
  respond(std::move(r));
}

}  // namespace vigil
