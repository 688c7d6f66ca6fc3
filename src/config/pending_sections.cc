#include "config/pending_sections.h"

#include <set>

namespace vigil::config_internal {

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
