#include "drills/drill_json.h"

#include "common/time_util.h"
#include "release/release_json.h"

namespace vigil {
namespace {

using nlohmann::json;

json Seconds(int64_t ns) { return ns < 0 ? json(nullptr) : json(static_cast<double>(ns) / 1e9); }
int64_t FromSeconds(const json& j) {
  return j.is_number() ? static_cast<int64_t>(j.get<double>() * 1e9) : -1;
}
json Time(int64_t ns) { return ns > 0 ? json(FormatRfc3339(ns)) : json(nullptr); }
int64_t FromTime(const json& j) {
  if (!j.is_string()) return 0;
  Result<int64_t> t = ParseRfc3339(j.get<std::string>());
  return t.ok() ? *t : 0;
}

}  // namespace

json DrillResultToJson(const DrillResult& r) {
  json steps = json::array();
  for (const DrillStep& s : r.steps) {
    steps.push_back({{"name", s.name},
                     {"started", Time(s.started_ns)},
                     {"finished", Time(s.finished_ns)},
                     {"elapsed_s", Seconds(s.finished_ns ? s.finished_ns - s.started_ns : -1)},
                     {"ok", s.ok},
                     {"detail", s.detail}});
  }
  json clocks = json::array();
  for (const DrillClock& c : r.clocks) {
    clocks.push_back({{"name", c.name},
                      {"elapsed_s", Seconds(c.elapsed_ns)},
                      {"target_s", Seconds(c.target_ns)},
                      {"met", c.met()}});
  }
  json fault = r.fault.kind.empty() ? json(nullptr) : FaultToJson(r.fault);
  return {{"id", r.id},
          {"scenario", r.spec.scenario},
          {"use_case", r.spec.use_case},
          {"restore", r.spec.restore},
          {"requested_by", r.spec.actor},
          {"status", r.status},
          {"message", r.message},
          {"started", Time(r.started_ns)},
          {"finished", Time(r.finished_ns)},
          {"injected", Time(r.injected_ns)},
          {"fault", fault},
          {"expected_remedy", r.expected_remedy},
          {"remedy_seen", r.remedy_seen},
          {"detected_by", r.detected_by},
          {"clocks", clocks},
          {"first_update_s", Seconds(r.first_update_ns)},
          {"incident_id", r.incident_id ? json(r.incident_id) : json(nullptr)},
          {"steps", steps}};
}

Result<DrillResult> DrillResultFromJson(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return Status::Internal("stored drill does not parse");
  DrillResult r;
  r.id = j.value("id", "");
  r.spec.scenario = j.value("scenario", "");
  r.spec.use_case = j.value("use_case", "");
  r.spec.restore = j.value("restore", true);
  r.spec.actor = j.value("requested_by", "");
  r.status = j.value("status", "");
  r.message = j.value("message", "");
  r.started_ns = FromTime(j["started"]);
  r.finished_ns = FromTime(j["finished"]);
  r.injected_ns = FromTime(j["injected"]);
  if (j["fault"].is_object()) {
    const json& f = j["fault"];
    r.fault.id = f.value("id", "");
    r.fault.kind = f.value("kind", "");
    r.fault.target = f.value("target", "");
    r.fault.share = f.value("share", 1.0);
    r.fault.params_json = f.contains("params") ? f["params"].dump() : "{}";
  }
  r.expected_remedy = j.value("expected_remedy", "");
  r.remedy_seen = j.value("remedy_seen", "");
  r.detected_by = j.value("detected_by", "");
  for (const json& c : j["clocks"]) {
    r.clocks.push_back(
        {c.value("name", ""), FromSeconds(c["elapsed_s"]), FromSeconds(c["target_s"])});
  }
  r.first_update_ns = FromSeconds(j["first_update_s"]);
  r.incident_id = j["incident_id"].is_number() ? j["incident_id"].get<int64_t>() : 0;
  for (const json& s : j["steps"]) {
    r.steps.push_back({s.value("name", ""), FromTime(s["started"]), FromTime(s["finished"]),
                       s.value("ok", false), s.value("detail", "")});
  }
  return r;
}

Result<DrillSpec> DrillSpecFromJson(const json& body) {
  if (!body.is_object()) return Status::InvalidArgument("the body must be a JSON object");
  for (const auto& [key, v] : body.items()) {
    if (key != "scenario" && key != "use_case" && key != "fault" && key != "restore" &&
        key != "timeouts" && key != "min_task_rate") {
      return Status::InvalidArgument(
          "unknown key (allowed: scenario, use_case, fault, restore, timeouts, min_task_rate)",
          key);
    }
  }
  DrillSpec spec;
  if (!body.contains("scenario") || !body["scenario"].is_string()) {
    return Status::InvalidArgument("is required", "scenario");
  }
  spec.scenario = body["scenario"];
  if (!body.contains("use_case") || !body["use_case"].is_string()) {
    return Status::InvalidArgument("is required", "use_case");
  }
  spec.use_case = body["use_case"];
  if (body.contains("fault")) {
    Result<Fault> fault = FaultFromJson(body["fault"]);
    if (!fault.ok()) {
      return Status::InvalidArgument(fault.status().message(), "fault." + fault.status().field());
    }
    spec.custom = *fault;
  }
  if (body.contains("restore")) {
    if (!body["restore"].is_boolean())
      return Status::InvalidArgument("must be true or false", "restore");
    spec.restore = body["restore"];
  }
  if (body.contains("min_task_rate")) {
    if (!body["min_task_rate"].is_number()) {
      return Status::InvalidArgument("must be a number", "min_task_rate");
    }
    spec.min_task_rate = body["min_task_rate"];
  }
  if (body.contains("timeouts")) {
    const json& t = body["timeouts"];
    if (!t.is_object()) return Status::InvalidArgument("must be an object", "timeouts");
    for (const auto& [key, v] : t.items()) {
      int64_t* field = key == "detect"       ? &spec.detect_timeout_ns
                       : key == "switchback" ? &spec.switchback_timeout_ns
                       : key == "recovery"   ? &spec.recovery_timeout_ns
                                             : nullptr;
      if (!field) {
        return Status::InvalidArgument("unknown step (detect, switchback, recovery)",
                                       "timeouts." + key);
      }
      Result<int64_t> d = v.is_string() ? ParseDuration(v.get<std::string>())
                                        : Result<int64_t>(Status::InvalidArgument(""));
      if (!d.ok() || *d <= 0) {
        return Status::InvalidArgument("must be a duration such as 90s", "timeouts." + key);
      }
      *field = *d;
    }
  }
  return spec;
}

std::string DrillToMarkdown(const DrillResult& r) {
  std::string out = "# Drill " + r.id + ": " + r.spec.scenario + " on " + r.spec.use_case + " — " +
                    r.status + "\n\n";
  out += r.message + "\n\n";
  if (!r.fault.kind.empty()) {
    out += "- Fault: `" + r.fault.kind + "` on `" + r.fault.target + "`, injected " +
           (r.injected_ns ? FormatRfc3339(r.injected_ns) : std::string("never")) + "\n";
  }
  out += "- Expected remedy: " + r.expected_remedy +
         "; seen: " + (r.remedy_seen.empty() ? "none" : r.remedy_seen) + "\n";
  if (!r.detected_by.empty()) out += "- Detected by: " + r.detected_by + "\n";
  if (r.incident_id) out += "- Incident: #" + std::to_string(r.incident_id) + "\n";
  if (r.first_update_ns >= 0) {
    out += "- Automated first update after " + FormatElapsed(r.first_update_ns) + "\n";
  }
  out += "\n| clock | elapsed | target | met |\n|---|---|---|---|\n";
  for (const DrillClock& c : r.clocks) {
    out += "| " + c.name + " | " +
           (c.elapsed_ns >= 0 ? FormatElapsed(c.elapsed_ns) : std::string("—")) + " | " +
           FormatDuration(c.target_ns) + " | " + (c.met() ? "yes" : "no") + " |\n";
  }
  out += "\n| step | took | ok | detail |\n|---|---|---|---|\n";
  for (const DrillStep& s : r.steps) {
    out += "| " + s.name + " | " +
           (s.finished_ns ? FormatElapsed(s.finished_ns - s.started_ns) : std::string("…")) +
           " | " + (s.ok ? "yes" : "no") + " | " + s.detail + " |\n";
  }
  return out;
}

}  // namespace vigil
