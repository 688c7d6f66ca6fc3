#include "config/pending_sections.h"

#include <re2/re2.h>

#include <set>

#include "common/text.h"

namespace vigil::config_internal {

void LoadRedaction(YamlChecker& c, const YAML::Node& node, RedactionConfig& out) {
  if (!c.CheckMap(node, "redaction", {"detectors", "patterns", "action"})) return;
  out.configured = true;
  if (auto d = c.StringList(node, "redaction", "detectors",
                            {"email", "payment_card", "api_key", "phone", "iban", "ip_address"})) {
    out.detectors = *d;
  }
  if (auto action = c.String(node, "redaction", "action")) {
    if (*action != "mask") {
      c.Problem(node["action"], "redaction.action",
                "must be mask (matches are replaced by [REDACTED:name] before storage)");
    }
  }
  std::set<std::string> names(out.detectors.begin(), out.detectors.end());
  c.ForEach(node, "redaction", "patterns", [&](const YAML::Node& p, const std::string& path) {
    if (!c.CheckMap(p, path, {"name", "regex"})) return;
    std::optional<std::string> name = c.String(p, path, "name", true);
    std::optional<std::string> regex = c.String(p, path, "regex", true);
    if (!name || !regex) return;
    if (!IsIdentifierText(*name)) {
      c.Problem(p["name"], path + ".name", "must be a plain name (letters, digits, _ . -)");
      return;
    }
    if (!names.insert(*name).second) {
      c.Problem(p["name"], path + ".name", "'" + *name + "' is used twice");
      return;
    }
    re2::RE2 compiled(*regex, re2::RE2::Quiet);
    if (!compiled.ok()) {
      c.Problem(p["regex"], path + ".regex", "is not a valid RE2 expression: " + compiled.error());
      return;
    }
    out.patterns.push_back({*name, *regex});
  });
}

void LoadRunbook(YamlChecker& c, const YAML::Node& node, RunbookConfig& out) {
  if (!c.CheckMap(node, "runbook", {"P1", "P2", "P3"})) return;
  for (const auto& kv : node) {
    const std::string tier = kv.first.Scalar();
    c.ForEach(node, "runbook", tier.c_str(), [&](const YAML::Node& s, const std::string& path) {
      if (!c.CheckMap(s, path, {"role", "step", "action"})) return;
      RunbookStep step;
      if (auto v = c.String(s, path, "role", true)) {
        step.role = *v;
        if (*v != "incident_commander" && *v != "oncall" && *v != "comms" && *v != "owner") {
          c.Problem(s["role"], path + ".role",
                    "must be one of incident_commander, oncall, comms, owner");
        }
      }
      if (auto v = c.String(s, path, "step", true)) step.text = *v;
      if (auto v = c.String(s, path, "action")) {
        step.action = *v;
        static const char* kActions[] = {"rollback", "notify_oncall", "freeze_releases",
                                         "degrade",  "ticket",        "open_incident"};
        bool known = false;
        for (const char* a : kActions) known |= *v == a;
        if (!known) {
          c.Problem(s["action"], path + ".action",
                    "must be an action-map action (rollback, notify_oncall, freeze_releases, "
                    "degrade, ticket, open_incident)");
        }
      }
      out[tier].push_back(std::move(step));
    });
  }
}

}  // namespace vigil::config_internal
