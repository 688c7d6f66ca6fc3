#include "server/releases_api.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "common/time_range.h"
#include "common/time_util.h"
#include "release/release_json.h"
#include "server/api_util.h"
#include "server/json_body.h"
#include "server/postmortems_api.h"

namespace vigil {
namespace {

using nlohmann::json;

HttpResponse JsonReply(const json& body, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump();
  return r;
}

json ActJson(const ActResult& r) {
  json out = {{"changed", r.changed}, {"message", r.message}};
  if (!r.from.empty()) out["from"] = r.from;
  if (!r.to.empty()) out["to"] = r.to;
  if (r.route_version) out["route_version"] = r.route_version;
  if (r.duration_ns) out["duration_ms"] = static_cast<double>(r.duration_ns) / 1e6;
  return out;
}

// The answer to an act: its result, or the refusal as an error.
void RespondAct(Responder& respond, const Result<ActResult>& result) {
  if (!result.ok()) return respond(StatusResponse(result.status()));
  respond(JsonReply(ActJson(*result)));
}

Role RoleFromName(const std::string& name) {
  if (name == "read") return Role::kRead;
  if (name == "admin") return Role::kAdmin;
  return Role::kOperate;
}

std::string UseCaseParam(const HttpRequest& req) { return std::string(req.PathParam("use_case")); }

// `until` as RFC 3339 / unix ms, or a duration from now ("2h").
Result<int64_t> ParseUntil(const std::string& text, int64_t now) {
  if (text.empty()) return int64_t{0};
  Result<int64_t> duration = ParseDuration(text);
  if (duration.ok()) return now + *duration;
  Result<int64_t> at = ParseTimePoint(text, now, "until");
  if (!at.ok()) {
    return Status::InvalidArgument("must be a time (RFC 3339) or a duration such as 2h", "until");
  }
  return *at;
}

}  // namespace

void ReleasesApi::SetSettings(const ReleaseControlConfig& settings) {
  std::lock_guard<std::mutex> lock(mu_);
  settings_ = settings;
}

ReleaseRegistry* ReleasesApi::Prepare(const HttpRequest& req, const std::string& act,
                                      Responder& respond, const Principal** principal) {
  Role role = Role::kRead;
  if (act != "read") {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = settings_.roles.find(act);
    role = RoleFromName(it == settings_.roles.end() ? "operate" : it->second);
  }
  HttpResponse error;
  *principal = AuthorizeRequest(auth_, req, role, error);
  if (*principal == nullptr) {
    respond(std::move(error));
    return nullptr;
  }
  ReleaseRegistry* registry = registry_.load();
  if (registry == nullptr) {
    respond(ErrorResponse(503, "not_ready", "the store is still opening; retry shortly"));
  }
  return registry;
}

void ReleasesApi::History(HttpRequest& req, Responder respond) {
  const Principal* p;
  ReleaseRegistry* registry = Prepare(req, "read", respond, &p);
  if (!registry) return;
  const std::string uc = UseCaseParam(req);
  Result<std::vector<StoredRelease>> history = registry->History(uc);
  if (!history.ok()) return respond(StatusResponse(history.status()));
  Result<RouteState> route = registry->Route(uc);
  if (!route.ok()) return respond(StatusResponse(route.status()));
  json releases = json::array();
  for (const StoredRelease& r : *history) {
    releases.push_back(StoredReleaseToJson(r, ReleaseRole(*route, r)));
  }
  json freezes = json::array();
  for (const vigil::Freeze& f : route->freezes) freezes.push_back(FreezeToJson(f));
  respond(JsonReply(
      {{"use_case", uc},
       {"route_version", route->version},
       {"active", route->active ? json(route->active->config.version) : json()},
       {"canary", route->canary ? json{{"version", route->canary->config.version},
                                       {"percent", route->canary_percent}}
                                : json()},
       {"last_known_good", route->last_known_good.empty() ? json() : json(route->last_known_good)},
       {"mode", RouteModeName(route->mode)},
       {"frozen", route->frozen()},
       {"freezes", freezes},
       {"releases", releases}}));
}

void ReleasesApi::Show(HttpRequest& req, Responder respond) {
  const Principal* p;
  ReleaseRegistry* registry = Prepare(req, "read", respond, &p);
  if (!registry) return;
  const std::string uc = UseCaseParam(req);
  Result<StoredRelease> release = registry->Get(uc, std::string(req.PathParam("version")));
  if (!release.ok()) return respond(StatusResponse(release.status()));
  Result<RouteState> route = registry->Route(uc);
  respond(JsonReply(
      StoredReleaseToJson(*release, route.ok() ? ReleaseRole(*route, *release) : std::string())));
}

void ReleasesApi::RollbackCheck(HttpRequest& req, Responder respond) {
  const Principal* p;
  ReleaseRegistry* registry = Prepare(req, "read", respond, &p);
  if (!registry) return;
  std::optional<std::string> to;
  if (const std::string* t = req.Query("to"); t && !t->empty()) to = *t;
  Result<vigil::RollbackCheck> check = registry->CheckRollbackTarget(UseCaseParam(req), to);
  if (!check.ok()) return respond(StatusResponse(check.status()));
  respond(JsonReply({{"use_case", check->use_case},
                     {"from", check->from},
                     {"to", check->to.empty() ? json() : json(check->to)},
                     {"ok", check->ok()},
                     {"problems", check->problems}}));
}

void ReleasesApi::Create(HttpRequest& req, Responder respond) {
  const Principal* p;
  ReleaseRegistry* registry = Prepare(req, "create", respond, &p);
  if (!registry) return;
  Result<json> body = JsonObjectBody(req);
  if (!body.ok()) return respond(StatusResponse(body.status()));
  Result<ReleaseConfig> config = ReleaseFromJson(*body);
  if (!config.ok()) return respond(StatusResponse(config.status()));
  Result<StoredRelease> created = registry->Create(UseCaseParam(req), *config, p->name);
  if (!created.ok()) return respond(StatusResponse(created.status()));
  Result<RouteState> route = registry->Route(UseCaseParam(req));
  respond(JsonReply(
      StoredReleaseToJson(*created, route.ok() ? ReleaseRole(*route, *created) : std::string()),
      201));
}

void ReleasesApi::Promote(HttpRequest& req, Responder respond) {
  const Principal* p;
  ReleaseRegistry* registry = Prepare(req, "promote", respond, &p);
  if (!registry) return;
  Result<json> body = JsonObjectBody(req, /*empty_ok=*/true);
  if (!body.ok()) return respond(StatusResponse(body.status()));
  std::optional<int> percent;
  if (body->contains("canary_percent") && !(*body)["canary_percent"].is_null()) {
    const json& v = (*body)["canary_percent"];
    if (!v.is_number_integer()) {
      return respond(StatusResponse(
          Status::InvalidArgument("must be an integer from 1 to 99", "canary_percent")));
    }
    percent = v.get<int>();
  }
  Result<std::string> reason = JsonStringField(*body, "reason", false);
  if (!reason.ok()) return respond(StatusResponse(reason.status()));
  bool override_gate = false;
  if (body->contains("override")) {
    if (!(*body)["override"].is_boolean()) {
      return respond(StatusResponse(Status::InvalidArgument("must be true or false", "override")));
    }
    override_gate = (*body)["override"].get<bool>();
  }
  const std::string use_case = UseCaseParam(req);
  const std::string version(req.PathParam("version"));
  LearningLoop* gate = learning_ ? learning_->load() : nullptr;
  if (gate == nullptr && learning_ != nullptr) {
    return respond(ErrorResponse(503, "not_ready", "the store is still opening; retry shortly"));
  }
  std::optional<GateReport> overridden;
  if (gate != nullptr) {
    Result<GateReport> report = gate->CheckGate(use_case, version, percent.has_value());
    if (!report.ok()) return respond(StatusResponse(report.status()));
    if (!report->passed()) {
      std::string failed;
      for (const std::string& c : report->FailedChecks())
        failed += (failed.empty() ? "" : "; ") + c;
      if (!override_gate) {
        json error = {{"code", "gate_failed"},
                      {"message", "the release gate refused " + use_case + " " + version + ": " +
                                      failed + " (an admin may override with a reason)"}};
        return respond(JsonReply({{"error", error}, {"gate", GateReportJson(*report)}}, 409));
      }
      if (!p->Has(Role::kAdmin)) {
        return respond(
            ErrorResponse(403, "forbidden", "overriding a failing gate needs the admin role"));
      }
      if (reason->empty()) {
        return respond(StatusResponse(
            Status::InvalidArgument("is required to override a failing gate", "reason")));
      }
      overridden = *report;
    }
  }
  Result<ActResult> result = registry->Promote(
      use_case, version, percent, p->name, overridden ? "gate overridden: " + *reason : *reason);
  if (result.ok() && overridden) {
    Status st = gate->RecordOverride(*overridden, p->name, *reason);
    if (!st.ok())
      spdlog::error("gate override of {} {} not recorded: {}", use_case, version, st.ToString());
  }
  RespondAct(respond, result);
}

void ReleasesApi::Retire(HttpRequest& req, Responder respond) {
  const Principal* p;
  ReleaseRegistry* registry = Prepare(req, "retire", respond, &p);
  if (!registry) return;
  Result<json> body = JsonObjectBody(req, true);
  if (!body.ok()) return respond(StatusResponse(body.status()));
  Result<std::string> reason = JsonStringField(*body, "reason", false);
  if (!reason.ok()) return respond(StatusResponse(reason.status()));
  Result<ActResult> result =
      registry->Retire(UseCaseParam(req), std::string(req.PathParam("version")), p->name, *reason);
  RespondAct(respond, result);
}

void ReleasesApi::Rollback(HttpRequest& req, Responder respond) {
  const Principal* p;
  ReleaseRegistry* registry = Prepare(req, "rollback", respond, &p);
  if (!registry) return;
  Result<json> body = JsonObjectBody(req, true);
  if (!body.ok()) return respond(StatusResponse(body.status()));
  Result<std::string> to = JsonStringField(*body, "to", false, 256);
  Result<std::string> reason = JsonStringField(*body, "reason", false);
  if (!to.ok()) return respond(StatusResponse(to.status()));
  if (!reason.ok()) return respond(StatusResponse(reason.status()));
  Result<ActResult> result = registry->Rollback(
      UseCaseParam(req), to->empty() ? std::nullopt : std::optional(*to), p->name, *reason);
  RespondAct(respond, result);
}

void ReleasesApi::Freezes(HttpRequest& req, Responder respond) {
  const Principal* p;
  ReleaseRegistry* registry = Prepare(req, "read", respond, &p);
  if (!registry) return;
  json list = json::array();
  for (const vigil::Freeze& f : registry->ActiveFreezes()) list.push_back(FreezeToJson(f));
  respond(JsonReply({{"freezes", list}}));
}

void ReleasesApi::Freeze(HttpRequest& req, Responder respond) {
  const Principal* p;
  ReleaseRegistry* registry = Prepare(req, "freeze", respond, &p);
  if (!registry) return;
  Result<json> body = JsonObjectBody(req, true);
  if (!body.ok()) return respond(StatusResponse(body.status()));
  Result<std::string> use_case = JsonStringField(*body, "use_case", false, 256);
  Result<std::string> reason = JsonStringField(*body, "reason", true);
  Result<std::string> until_text = JsonStringField(*body, "until", false, 64);
  for (const auto* r : {&use_case, &reason, &until_text}) {
    if (!r->ok()) return respond(StatusResponse(r->status()));
  }
  Result<int64_t> until = ParseUntil(*until_text, clock_.NowNanos());
  if (!until.ok()) return respond(StatusResponse(until.status()));
  Result<ActResult> result = registry->FreezeReleases(*use_case, *reason, p->name, *until);
  RespondAct(respond, result);
}

void ReleasesApi::Unfreeze(HttpRequest& req, Responder respond) {
  const Principal* p;
  ReleaseRegistry* registry = Prepare(req, "freeze", respond, &p);
  if (!registry) return;
  Result<json> body = JsonObjectBody(req, true);
  if (!body.ok()) return respond(StatusResponse(body.status()));
  Result<std::string> use_case = JsonStringField(*body, "use_case", false, 256);
  Result<std::string> reason = JsonStringField(*body, "reason", false);
  if (!use_case.ok()) return respond(StatusResponse(use_case.status()));
  if (!reason.ok()) return respond(StatusResponse(reason.status()));
  std::string scope = *use_case;
  if (const std::string* q = req.Query("use_case"); q && scope.empty()) scope = *q;
  Result<ActResult> result = registry->Unfreeze(scope, p->name, *reason);
  RespondAct(respond, result);
}

void ReleasesApi::Mode(HttpRequest& req, Responder respond) {
  const Principal* p;
  ReleaseRegistry* registry = Prepare(req, "mode", respond, &p);
  if (!registry) return;
  Result<json> body = JsonObjectBody(req);
  if (!body.ok()) return respond(StatusResponse(body.status()));
  Result<std::string> mode = JsonStringField(*body, "mode", true, 16);
  Result<std::string> reason = JsonStringField(*body, "reason", false);
  if (!mode.ok()) return respond(StatusResponse(mode.status()));
  if (!reason.ok()) return respond(StatusResponse(reason.status()));
  if (*mode != "degraded" && *mode != "normal") {
    return respond(StatusResponse(Status::InvalidArgument("must be degraded or normal", "mode")));
  }
  Result<ActResult> result = registry->SetMode(
      UseCaseParam(req), *mode == "degraded" ? RouteMode::kDegraded : RouteMode::kNormal, p->name,
      *reason);
  RespondAct(respond, result);
}

void ReleasesApi::InjectFault(HttpRequest& req, Responder respond) {
  const Principal* p;
  ReleaseRegistry* registry = Prepare(req, "fault", respond, &p);
  if (!registry) return;
  Result<json> body = JsonObjectBody(req);
  if (!body.ok()) return respond(StatusResponse(body.status()));
  Result<Fault> fault = FaultFromJson(*body);
  if (!fault.ok()) return respond(StatusResponse(fault.status()));
  Result<std::string> until_text = JsonStringField(*body, "until", false, 64);
  Result<std::string> drill = JsonStringField(*body, "drill", false, 128);
  if (!until_text.ok()) return respond(StatusResponse(until_text.status()));
  if (!drill.ok()) return respond(StatusResponse(drill.status()));
  Result<int64_t> until = ParseUntil(*until_text, clock_.NowNanos());
  if (!until.ok()) return respond(StatusResponse(until.status()));
  // A drill's faults are its acts: the audit names the drill (the token is in the detail).
  const std::string actor = drill->empty() ? p->name : "drill:" + *drill;
  Result<ActResult> result = registry->InjectFault(UseCaseParam(req), *fault, actor, *until);
  if (!result.ok()) return respond(StatusResponse(result.status()));
  Result<RouteState> route = registry->Route(UseCaseParam(req));
  json out = ActJson(*result);
  out["fault_id"] = result->to;
  if (route.ok()) {
    for (const Fault& f : route->faults) {
      if (f.id == result->to) out["fault"] = FaultToJson(f);
    }
  }
  respond(JsonReply(out, 201));
}

void ReleasesApi::ClearFault(HttpRequest& req, Responder respond) {
  const Principal* p;
  ReleaseRegistry* registry = Prepare(req, "fault", respond, &p);
  if (!registry) return;
  std::string actor = p->name;
  if (const std::string* drill = req.Query("drill"); drill && !drill->empty()) {
    actor = "drill:" + *drill;
  }
  Result<ActResult> result =
      registry->ClearFault(UseCaseParam(req), std::string(req.PathParam("id")), actor);
  RespondAct(respond, result);
}

void ReleasesApi::Audit(HttpRequest& req, Responder respond) {
  const Principal* p;
  if (!Prepare(req, "read", respond, &p)) return;
  AuditLog* audit = audit_.load();
  const int64_t now = clock_.NowNanos();
  AuditQuery q;
  q.from_ns = 0;
  q.to_ns = INT64_MAX;
  if (const std::string* from = req.Query("from")) {
    Result<int64_t> t = ParseTimePoint(*from, now, "from");
    if (!t.ok()) return respond(StatusResponse(t.status()));
    q.from_ns = *t;
  }
  if (const std::string* to = req.Query("to")) {
    Result<int64_t> t = ParseTimePoint(*to, now, "to");
    if (!t.ok()) return respond(StatusResponse(t.status()));
    q.to_ns = *t;
  }
  if (const std::string* v = req.Query("actor")) q.actor = *v;
  if (const std::string* v = req.Query("action")) q.action_prefix = *v;
  if (const std::string* v = req.Query("target")) q.target_prefix = *v;
  if (const std::string* v = req.Query("limit")) {
    char* end = nullptr;
    long long limit = std::strtoll(v->c_str(), &end, 10);
    if (v->empty() || *end != '\0' || limit < 1 || limit > 10000) {
      return respond(StatusResponse(Status::InvalidArgument("must be 1 to 10000", "limit")));
    }
    q.limit = limit;
  }
  Result<std::vector<AuditEntry>> entries = audit->List(q);
  if (!entries.ok()) return respond(StatusResponse(entries.status()));
  json list = json::array();
  for (const AuditEntry& e : *entries) {
    list.push_back({{"id", e.id},
                    {"time", FormatRfc3339(e.ts_ns)},
                    {"actor", e.actor},
                    {"action", e.action},
                    {"target", e.target},
                    {"before", json::parse(e.before_json, nullptr, false)},
                    {"after", json::parse(e.after_json, nullptr, false)},
                    {"detail", e.detail}});
  }
  respond(JsonReply({{"entries", list}}));
}

}  // namespace vigil
