#include "config/pending_sections.h"

#include <set>

namespace vigil::config_internal {
namespace {

#define VIGIL_TIERS \
  { "P1", "P2", "P3" }
#define VIGIL_ACTIONS \
  { "rollback", "notify_oncall", "freeze_releases", "degrade", "ticket", "open_incident" }

void CheckTierKeyedMap(YamlChecker& c, const YAML::Node& node, const std::string& path) {
  if (!c.CheckMap(node, path, VIGIL_TIERS)) return;
}

void CheckRule(YamlChecker& c, const YAML::Node& r, const std::string& path) {
  if (!c.CheckMap(
          r, path,
          {"name",      "description", "tier",  "tenant",          "use_case", "layer",  "model",
           "tool",      "release",     "where", "group_by",        "signal",   "metric", "window",
           "threshold", "min_samples", "for",   "keep_firing_for", "slo",      "runbook"})) {
    return;
  }
  c.String(r, path, "name", true);
  if (auto tier = c.String(r, path, "tier", true)) {
    if (*tier != "P1" && *tier != "P2" && *tier != "P3") {
      c.Problem(r["tier"], path + ".tier", "must be P1, P2 or P3");
    }
  }
  if (auto layer = c.String(r, path, "layer")) {
    if (*layer != "task" && *layer != "inference" && *layer != "tool" && *layer != "business") {
      c.Problem(r["layer"], path + ".layer", "must be task, inference, tool or business");
    }
  }
  bool has_slo = r["slo"].IsDefined();
  if (auto signal = c.String(r, path, "signal", !has_slo)) {
    static const std::set<std::string> kSignals = {
        "error_rate",  "count",     "rate",        "latency_p50",   "latency_p95",
        "latency_p99", "cost_rate", "tokens_rate", "business_rate", "collisions"};
    if (!kSignals.count(*signal)) {
      c.Problem(r["signal"], path + ".signal",
                "unknown signal (expected error_rate, count, rate, latency_p50|p95|p99, "
                "cost_rate, tokens_rate, business_rate or collisions)");
    }
  }
  c.Duration(r, path, "window", !has_slo);
  c.String(r, path, "threshold", !has_slo);
  c.Int(r, path, "min_samples", 0, 1'000'000'000);
  c.Duration(r, path, "for");
  c.Duration(r, path, "keep_firing_for");
  c.StringList(r, path, "group_by",
               {"tenant", "use_case", "layer", "release", "model", "tool", "error_class"});
  YAML::Node where = r["where"];
  if (where.IsDefined()) c.CheckMap(where, path + ".where", {"error_class", "status", "metric"});
  YAML::Node slo = r["slo"];
  if (slo.IsDefined() && c.CheckMap(slo, path + ".slo", {"objective", "page", "ticket"})) {
    c.Number(slo, path + ".slo", "objective", 0);
  }
}

}  // namespace

void CheckReleasesShape(YamlChecker& c, const YAML::Node& use_case, const std::string& path) {
  c.ForEach(use_case, path, "releases", [&](const YAML::Node& r, const std::string& rp) {
    if (!c.CheckMap(r, rp,
                    {"version", "model", "prompt", "prompt_body", "tools", "fallback_model",
                     "params", "migrations", "known_good", "active", "sim", "description"})) {
      return;
    }
    c.String(r, rp, "version", true);
    c.String(r, rp, "model", true);
    c.String(r, rp, "prompt");
    c.String(r, rp, "fallback_model");
    c.Bool(r, rp, "known_good");
    c.Bool(r, rp, "active");
    YAML::Node tools = r["tools"];
    if (tools.IsDefined()) c.CheckSequence(tools, rp + ".tools");
  });
}

void CheckSloTargets(YamlChecker& c, const YAML::Node& node, std::vector<std::string>& notes) {
  if (!c.CheckMap(node, "slo_targets",
                  {"switchback", "core_path_recovery", "incident_update", "detection"})) {
    return;
  }
  for (const char* key : {"switchback", "core_path_recovery", "incident_update", "detection"}) {
    c.Duration(node, "slo_targets", key);
  }
  notes.push_back("slo_targets: checked; incidents and drills are not built yet");
}

void CheckAlerting(YamlChecker& c, const YAML::Node& node, std::vector<std::string>& notes) {
  if (!c.CheckMap(node, "alerting",
                  {"evaluation_interval", "action_map", "notify", "rules", "max_keys"})) {
    return;
  }
  c.Duration(node, "alerting", "evaluation_interval");
  c.Int(node, "alerting", "max_keys", 1, 100'000'000);
  YAML::Node map = node["action_map"];
  if (map.IsDefined()) {
    CheckTierKeyedMap(c, map, "alerting.action_map");
    if (map.IsMap()) {
      for (const auto& kv : map) {
        c.StringList(map, "alerting.action_map", kv.first.Scalar().c_str(), VIGIL_ACTIONS);
      }
    }
  }
  YAML::Node notify = node["notify"];
  if (notify.IsDefined() && notify.IsMap()) {
    for (const auto& kv : notify) {
      std::string p = "alerting.notify." + kv.first.Scalar();
      if (!c.CheckMap(kv.second, p,
                      {"kind", "url", "routing_key_env", "headers", "timeout", "severity"})) {
        continue;
      }
      if (auto kind = c.String(kv.second, p, "kind", true)) {
        if (*kind != "pagerduty_v2" && *kind != "alertmanager" && *kind != "webhook") {
          c.Problem(kv.second["kind"], p + ".kind",
                    "must be pagerduty_v2, alertmanager or webhook");
        }
      }
      c.String(kv.second, p, "url", true);
      c.Duration(kv.second, p, "timeout");
    }
  } else if (notify.IsDefined()) {
    c.Problem(notify, "alerting.notify", "must be a mapping of channel name to settings");
  }
  c.ForEach(node, "alerting", "rules",
            [&](const YAML::Node& r, const std::string& p) { CheckRule(c, r, p); });
  notes.push_back("alerting: checked; rule evaluation is not built yet");
}

void CheckRedaction(YamlChecker& c, const YAML::Node& node, std::vector<std::string>& notes) {
  if (!c.CheckMap(node, "redaction", {"detectors", "patterns", "action"})) return;
  c.StringList(node, "redaction", "detectors",
               {"email", "payment_card", "api_key", "phone", "iban", "ip_address"});
  c.ForEach(node, "redaction", "patterns", [&](const YAML::Node& p, const std::string& path) {
    if (!c.CheckMap(p, path, {"name", "regex"})) return;
    c.String(p, path, "name", true);
    c.String(p, path, "regex", true);
  });
  notes.push_back("redaction: checked; redaction is not built yet");
}

void CheckGates(YamlChecker& c, const YAML::Node& node, std::vector<std::string>& notes) {
  if (!c.CheckMap(node, "gates", {"release"})) return;
  c.ForEach(node, "gates", "release", [&](const YAML::Node& g, const std::string& path) {
    if (g.IsScalar()) return;
    if (!g.IsMap() || g.size() != 1) {
      c.Problem(g, path, "must be a check name or a one-key mapping {check: argument}");
    }
  });
  notes.push_back("gates: checked; release gates are not built yet");
}

void CheckRunbook(YamlChecker& c, const YAML::Node& node, std::vector<std::string>& notes) {
  if (!c.CheckMap(node, "runbook", VIGIL_TIERS)) return;
  for (const auto& kv : node) {
    std::string tier = kv.first.Scalar();
    c.ForEach(node, "runbook", tier.c_str(), [&](const YAML::Node& s, const std::string& path) {
      if (!c.CheckMap(s, path, {"role", "step"})) return;
      c.String(s, path, "role", true);
      c.String(s, path, "step", true);
    });
  }
  notes.push_back("runbook: checked; runbooks are not built yet");
}

}  // namespace vigil::config_internal
