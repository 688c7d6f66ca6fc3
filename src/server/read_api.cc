#include "server/read_api.h"

#include <map>
#include <nlohmann/json.hpp>

#include "common/time_range.h"
#include "common/time_util.h"
#include "model/error_class.h"
#include "model/event_json.h"
#include "rollup/summary.h"
#include "server/api_util.h"
#include "server/diagnose_api.h"

namespace vigil {
namespace {

using nlohmann::json;

HttpResponse JsonResponse(const json& body) {
  HttpResponse r;
  r.body = body.dump();
  return r;
}

std::string Param(const HttpRequest& req, const char* name) {
  const std::string* v = req.Query(name);
  return v ? *v : std::string();
}

json EventJson(const StoredEvent& stored) {
  json j = EventToWireJson(stored.event);
  j["seq"] = stored.seq;
  j["time"] = FormatRfc3339(stored.event.ts_ns);
  if (stored.event.idempotency_collision) j["idempotency_collision"] = true;
  return j;
}

json Classes(const std::vector<ClassCount>& classes) {
  json out = json::array();
  for (const ClassCount& c : classes) out.push_back({{"class", c.error_class}, {"count", c.count}});
  return out;
}

json Quantiles(const LatencyQuantiles& q) {
  return {{"p50", q.p50}, {"p95", q.p95}, {"p99", q.p99}};
}

json SummaryJson(const vigil::Summary& s) {
  json metrics = json::array();
  for (const auto& m : s.business.metrics) {
    metrics.push_back({{"metric", m.name},
                       {"count", m.count},
                       {"value_sum", m.value_sum},
                       {"rate_per_task", m.rate_per_task}});
  }
  json series = json::array();
  for (const auto& p : s.cost.series) {
    series.push_back({{"time", FormatRfc3339(p.bucket_ns)},
                      {"width_s", p.width_ns / kNanosPerSecond},
                      {"usd_per_minute", p.usd_per_minute}});
  }
  return {
      {"range", {{"from", FormatRfc3339(s.from_ns)}, {"to", FormatRfc3339(s.to_ns)}}},
      {"task",
       {{"count", s.task.count},
        {"errors", s.task.errors},
        {"success_rate", s.task.success_rate},
        {"failure_classes", Classes(s.task.failure_classes)}}},
      {"inference",
       {{"count", s.inference.count},
        {"errors", s.inference.errors},
        {"latency_ms", Quantiles(s.inference.latency_ms)},
        {"tokens_in", s.inference.tokens_in},
        {"tokens_out", s.inference.tokens_out},
        {"retries", s.inference.retries},
        {"refusals", s.inference.refusals},
        {"cost_usd", s.inference.cost_usd}}},
      {"tool",
       {{"count", s.tool.count},
        {"errors", s.tool.errors},
        {"success_rate", s.tool.success_rate},
        {"latency_ms", Quantiles(s.tool.latency_ms)},
        {"error_classes", Classes(s.tool.error_classes)},
        {"idempotency_collisions", s.tool.collisions}}},
      {"business", {{"count", s.business.count}, {"metrics", metrics}}},
      {"cost",
       {{"total_usd", s.cost.total_usd},
        {"per_minute_usd", s.cost.per_minute_usd},
        {"series", series},
        {"unpriced", {{"events", s.cost.unpriced_events}, {"models", s.cost.unpriced_models}}}}},
  };
}

}  // namespace

ReadApi::ReadApi(const Authenticator& auth, const std::atomic<EventStore*>& store,
                 const Clock& clock, std::vector<UseCaseConfig> declared_use_cases,
                 const RouteHub* routes)
    : auth_(auth),
      store_(store),
      clock_(clock),
      declared_use_cases_(std::move(declared_use_cases)),
      routes_(routes) {}

bool ReadApi::Prepare(const HttpRequest& req, Responder& respond, Context& ctx) {
  HttpResponse error;
  ctx.principal = AuthorizeRequest(auth_, req, Role::kRead, error);
  if (ctx.principal == nullptr) {
    respond(std::move(error));
    return false;
  }
  ctx.store = store_.load();
  if (ctx.store == nullptr) {
    respond(ErrorResponse(503, "not_ready", "the store is still opening; retry shortly"));
    return false;
  }
  const std::string tenant = Param(req, "tenant");
  if (!tenant.empty()) {
    Status scope = Authenticator::RequireTenant(*ctx.principal, tenant);
    if (!scope.ok()) {
      respond(ErrorResponse(403, "permission_denied", scope.message(), "tenant"));
      return false;
    }
    ctx.tenants = TenantFilter{false, {tenant}};
  } else if (ctx.principal->all_tenants) {
    ctx.tenants = TenantFilter{true, {}};
  } else {
    ctx.tenants = TenantFilter{false, ctx.principal->tenants};
  }
  Result<TimeRange> range = ParseTimeRange(req.Query("from"), req.Query("to"), clock_.NowNanos());
  if (!range.ok()) {
    respond(StatusResponse(range.status()));
    return false;
  }
  ctx.range = *range;
  return true;
}

void ReadApi::Summary(HttpRequest& req, Responder respond) {
  Context ctx;
  if (!Prepare(req, respond, ctx)) return;
  RollupQuery q{ctx.tenants, Param(req, "use_case"), Param(req, "release"), ctx.range.from_ns,
                ctx.range.to_ns};
  Result<std::vector<RollupRow>> rows = ctx.store->ReadRollups(q);
  if (!rows.ok()) return respond(StatusResponse(rows.status()));
  vigil::Summary s = Summarize(*rows, ctx.range.from_ns, ctx.range.to_ns);
  json body = SummaryJson(s);
  body["filters"] = {
      {"tenant", Param(req, "tenant")}, {"use_case", q.use_case}, {"release", q.release}};
  respond(JsonResponse(body));
}

void ReadApi::Trace(HttpRequest& req, Responder respond) {
  Context ctx;
  if (!Prepare(req, respond, ctx)) return;
  const std::string trace_id(req.PathParam("trace_id"));
  Result<std::vector<StoredEvent>> events = ctx.store->ReadTrace(ctx.tenants, trace_id);
  if (!events.ok()) return respond(StatusResponse(events.status()));
  if (events->empty()) {
    return respond(ErrorResponse(404, "not_found", "no trace " + trace_id + " in scope"));
  }
  // Nest by span ids; an event whose parent is absent from the trace is a root.
  std::map<std::string, size_t> by_span;
  for (size_t i = 0; i < events->size(); ++i) by_span[(*events)[i].event.span_id] = i;
  std::vector<std::vector<size_t>> children(events->size());
  std::vector<size_t> roots;
  for (size_t i = 0; i < events->size(); ++i) {
    auto parent = by_span.find((*events)[i].event.parent_span_id);
    if ((*events)[i].event.parent_span_id.empty() || parent == by_span.end() ||
        parent->second == i) {
      roots.push_back(i);
    } else {
      children[parent->second].push_back(i);
    }
  }
  std::function<json(size_t, int)> build = [&](size_t i, int depth) {
    json node = EventJson((*events)[i]);
    json kids = json::array();
    // Depth bound guards against parent cycles in client-supplied ids.
    if (depth < 64) {
      for (size_t c : children[i]) kids.push_back(build(c, depth + 1));
    }
    node["children"] = kids;
    return node;
  };
  json spans = json::array();
  for (size_t r : roots) spans.push_back(build(r, 0));
  respond(
      JsonResponse({{"trace_id", trace_id}, {"event_count", events->size()}, {"spans", spans}}));
}

void ReadApi::Events(HttpRequest& req, Responder respond) {
  Context ctx;
  if (!Prepare(req, respond, ctx)) return;
  EventQuery q;
  q.tenants = ctx.tenants;
  q.from_ns = ctx.range.from_ns;
  q.to_ns = ctx.range.to_ns;
  q.use_case = Param(req, "use_case");
  q.model = Param(req, "model");
  q.tool = Param(req, "tool");
  q.release = Param(req, "release");
  q.error_class = Param(req, "error_class");
  if (!q.error_class.empty() && !ValidateErrorClass(q.error_class).ok()) {
    return respond(ErrorResponse(400, "invalid_field", ValidateErrorClass(q.error_class).message(),
                                 "error_class"));
  }
  const std::string layer = Param(req, "layer");
  if (!layer.empty()) {
    q.layer = ParseLayer(layer);
    if (!q.layer) {
      return respond(ErrorResponse(400, "invalid_field",
                                   "must be task, inference, tool or business", "layer"));
    }
  }
  const std::string status = Param(req, "status");
  if (!status.empty()) {
    if (status != "ok" && status != "error") {
      return respond(ErrorResponse(400, "invalid_field", "must be ok or error", "status"));
    }
    q.status = status == "ok" ? EventStatus::kOk : EventStatus::kError;
  }
  const std::string limit = Param(req, "limit");
  if (!limit.empty()) {
    bool digits = limit.size() <= 5 && limit.find_first_not_of("0123456789") == std::string::npos;
    int value = digits ? std::stoi(limit) : 0;
    if (value < 1 || value > 1000) {
      return respond(ErrorResponse(400, "invalid_field", "must be between 1 and 1000", "limit"));
    }
    q.limit = static_cast<size_t>(value);
  }
  const std::string cursor = Param(req, "cursor");
  if (!cursor.empty()) {
    q.after = EventCursor::Decode(cursor);
    if (!q.after) {
      return respond(
          ErrorResponse(400, "invalid_field", "not a cursor from a previous page", "cursor"));
    }
  }
  Result<EventPage> page = ctx.store->ListEvents(q);
  if (!page.ok()) return respond(StatusResponse(page.status()));
  json events = json::array();
  for (const StoredEvent& e : page->events) events.push_back(EventJson(e));
  json body = {{"events", events}, {"count", page->events.size()}};
  body["next_cursor"] = page->next ? json(page->next->Encode()) : json(nullptr);
  respond(JsonResponse(body));
}

void ReadApi::UseCases(HttpRequest& req, Responder respond) {
  Context ctx;
  if (!Prepare(req, respond, ctx)) return;
  Result<std::vector<RollupRow>> rows =
      ctx.store->ReadRollups({ctx.tenants, "", "", ctx.range.from_ns, ctx.range.to_ns});
  if (!rows.ok()) return respond(StatusResponse(rows.status()));
  struct Info {
    bool declared = false;
    bool critical_path = false;
    uint64_t events = 0, tasks = 0, task_errors = 0;
  };
  std::map<std::string, Info> infos;
  for (const UseCaseConfig& uc : declared_use_cases_) {
    infos[uc.name].declared = true;
    infos[uc.name].critical_path = uc.critical_path;
  }
  if (routes_ != nullptr) {
    for (const std::string& name : routes_->UseCases()) infos[name];  // created at runtime
  }
  for (const RollupRow& row : *rows) {
    if (row.key.use_case.empty()) continue;
    Info& info = infos[row.key.use_case];
    info.events += row.cell.count;
    if (row.key.layer == Layer::kTask) {
      info.tasks += row.cell.count;
      info.task_errors += row.cell.errors;
    }
  }
  json list = json::array();
  for (const auto& [name, info] : infos) {
    list.push_back({{"name", name},
                    {"declared", info.declared},
                    {"critical_path", info.critical_path},
                    {"events", info.events},
                    {"tasks", info.tasks},
                    {"task_errors", info.task_errors}});
    auto route = routes_ ? routes_->Current(name) : nullptr;
    list.back()["route"] = route ? json::parse(route->json, nullptr, false) : json(nullptr);
  }
  respond(JsonResponse(
      {{"range",
        {{"from", FormatRfc3339(ctx.range.from_ns)}, {"to", FormatRfc3339(ctx.range.to_ns)}}},
       {"use_cases", list}}));
}

}  // namespace vigil

namespace vigil {

void ReadApi::Diagnose(HttpRequest& req, Responder respond) {
  // Diagnosis looks at the recent past by default: the last 15 minutes against the hour before.
  if (req.Query("from") == nullptr) req.query.emplace_back("from", "-15m");
  Context ctx;
  if (!Prepare(req, respond, ctx)) return;
  int64_t baseline_ns = 3600LL * kNanosPerSecond;
  if (const std::string* b = req.Query("baseline")) {
    Result<int64_t> d = ParseDuration(*b);
    if (!d.ok() || *d <= 0) {
      return respond(ErrorResponse(400, "invalid_field", "a duration such as 1h", "baseline"));
    }
    baseline_ns = *d;
  }
  Result<vigil::Diagnosis> d = DiagnoseRange(*ctx.store, ctx.tenants, Param(req, "use_case"),
                                             ctx.range.from_ns, ctx.range.to_ns, baseline_ns);
  if (!d.ok()) return respond(StatusResponse(d.status()));
  HttpResponse r;
  r.body = DiagnosisJsonText(*d, ctx.range.from_ns, ctx.range.to_ns, baseline_ns);
  respond(std::move(r));
}

}  // namespace vigil
