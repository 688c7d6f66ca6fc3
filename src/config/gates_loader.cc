#include "config/gates_loader.h"

#include <set>

#include "common/time_util.h"

namespace vigil {

std::string GateCheckSpec::Key() const {
  return name == "eval_pass_rate" ? name + ":" + suite : name;
}

std::string GateCheckSpec::Describe() const {
  char buf[64];
  if (name == "drill_passed_within") return name + ": " + FormatDuration(within_ns);
  if (name == "postmortem_actions_overdue") return name + ": " + std::to_string(max_overdue);
  if (name == "eval_pass_rate") {
    snprintf(buf, sizeof buf, "%g", min_pass_rate);
    return name + ": {suite: " + suite + ", min: " + buf + "}";
  }
  if (name == "canary_healthy") {
    snprintf(buf, sizeof buf, "%g", max_error_rate_ratio);
    return name + ": {max_error_rate_ratio: " + buf +
           ", min_samples: " + std::to_string(min_samples) + "}";
  }
  return name;
}

bool GateCheckSpec::AtLeastAsStrictAs(const GateCheckSpec& other) const {
  if (name == "drill_passed_within") return within_ns <= other.within_ns;
  if (name == "postmortem_actions_overdue") return max_overdue <= other.max_overdue;
  if (name == "eval_pass_rate") return min_pass_rate >= other.min_pass_rate;
  if (name == "canary_healthy") {
    return max_error_rate_ratio <= other.max_error_rate_ratio && min_samples >= other.min_samples;
  }
  return true;  // checks without arguments are all alike
}

std::vector<GateCheckSpec> GatesConfig::ForUseCase(const std::string& use_case) const {
  std::vector<GateCheckSpec> out = release;
  auto it = use_cases.find(use_case);
  if (it == use_cases.end()) return out;
  for (const GateCheckSpec& extra : it->second) {
    bool replaced = false;
    for (GateCheckSpec& base : out) {
      if (base.Key() == extra.Key()) {
        if (extra.AtLeastAsStrictAs(base)) base = extra;
        replaced = true;
      }
    }
    if (!replaced) out.push_back(extra);
  }
  return out;
}

namespace config_internal {
namespace {

const std::set<std::string>& CheckNames() {
  static const std::set<std::string> names = {"no_active_freeze",    "rollback_target_valid",
                                              "drill_passed_within", "postmortem_actions_overdue",
                                              "eval_pass_rate",      "no_open_incident",
                                              "canary_healthy"};
  return names;
}

std::string NamesList() {
  std::string out;
  for (const std::string& n : CheckNames()) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::optional<GateCheckSpec> LoadCheck(YamlChecker& c, const YAML::Node& g,
                                       const std::string& path) {
  GateCheckSpec spec;
  if (g.IsScalar()) {
    spec.name = g.Scalar();
    if (!CheckNames().contains(spec.name)) {
      c.Problem(g, path, "unknown gate check '" + spec.name + "' (known: " + NamesList() + ")");
      return std::nullopt;
    }
    if (spec.name == "drill_passed_within" || spec.name == "postmortem_actions_overdue" ||
        spec.name == "eval_pass_rate") {
      c.Problem(g, path, spec.name + " needs an argument, e.g. {" + spec.name + ": …}");
      return std::nullopt;
    }
    if (spec.name == "canary_healthy") {  // documented defaults
      spec.max_error_rate_ratio = 1.2;
      spec.min_samples = 100;
    }
    return spec;
  }
  if (!g.IsMap() || g.size() != 1) {
    c.Problem(g, path, "must be a check name or a one-key mapping {check: argument}");
    return std::nullopt;
  }
  spec.name = g.begin()->first.Scalar();
  const YAML::Node arg = g.begin()->second;
  const std::string arg_path = path + "." + spec.name;
  if (!CheckNames().contains(spec.name)) {
    c.Problem(g, path, "unknown gate check '" + spec.name + "' (known: " + NamesList() + ")");
    return std::nullopt;
  }
  if (spec.name == "drill_passed_within") {
    std::optional<int64_t> d = c.Duration(g, path, "drill_passed_within", true);
    if (!d) return std::nullopt;
    if (*d <= 0) {
      c.Problem(arg, arg_path, "must be a positive duration such as 14d");
      return std::nullopt;
    }
    spec.within_ns = *d;
  } else if (spec.name == "postmortem_actions_overdue") {
    std::optional<int64_t> n = c.Int(g, path, "postmortem_actions_overdue", 0, 1'000'000);
    if (!n) return std::nullopt;
    spec.max_overdue = *n;
  } else if (spec.name == "eval_pass_rate") {
    if (!c.CheckMap(arg, arg_path, {"suite", "min"})) return std::nullopt;
    std::optional<std::string> suite = c.String(arg, arg_path, "suite", true);
    std::optional<double> min = c.Number(arg, arg_path, "min", 0);
    if (!suite || !min) {
      if (suite && !min && !arg["min"]) c.Problem(arg, arg_path + ".min", "is required");
      return std::nullopt;
    }
    if (*min > 1) {
      c.Problem(arg["min"], arg_path + ".min", "is a pass rate between 0 and 1");
      return std::nullopt;
    }
    spec.suite = *suite;
    spec.min_pass_rate = *min;
  } else if (spec.name == "canary_healthy") {
    spec.max_error_rate_ratio = 1.2;
    spec.min_samples = 100;
    if (arg.IsNull()) return spec;
    if (!c.CheckMap(arg, arg_path, {"max_error_rate_ratio", "min_samples"})) return std::nullopt;
    if (auto r = c.Number(arg, arg_path, "max_error_rate_ratio", 0)) {
      if (*r < 1) {
        c.Problem(arg["max_error_rate_ratio"], arg_path + ".max_error_rate_ratio",
                  "must be ≥ 1 (canary error rate ÷ active error rate)");
        return std::nullopt;
      }
      spec.max_error_rate_ratio = *r;
    }
    if (auto n = c.Int(arg, arg_path, "min_samples", 1, 100'000'000)) spec.min_samples = *n;
  } else if (!arg.IsNull()) {
    c.Problem(arg, arg_path, spec.name + " takes no argument; write it as a plain name");
    return std::nullopt;
  }
  return spec;
}

std::vector<GateCheckSpec> LoadList(YamlChecker& c, const YAML::Node& map, const std::string& path,
                                    const char* key) {
  std::vector<GateCheckSpec> out;
  std::set<std::string> seen;
  c.ForEach(map, path, key, [&](const YAML::Node& g, const std::string& item_path) {
    std::optional<GateCheckSpec> spec = LoadCheck(c, g, item_path);
    if (!spec) return;
    if (!seen.insert(spec->Key()).second) {
      c.Problem(g, item_path, spec->Key() + " appears twice");
      return;
    }
    out.push_back(*spec);
  });
  return out;
}

}  // namespace

void LoadGates(YamlChecker& c, const YAML::Node& node, GatesConfig& out) {
  if (!c.CheckMap(node, "gates", {"release", "use_cases"})) return;
  out.configured = true;
  out.release = LoadList(c, node, "gates", "release");
  const YAML::Node per = node["use_cases"];
  if (!per) return;
  if (!per.IsMap()) {
    c.Problem(per, "gates.use_cases", "must be a mapping of use case → list of checks");
    return;
  }
  for (const auto& kv : per) {
    const std::string use_case = kv.first.Scalar();
    const std::string path = "gates.use_cases";
    std::vector<GateCheckSpec> extra = LoadList(c, per, path, use_case.c_str());
    for (const GateCheckSpec& e : extra) {
      for (const GateCheckSpec& base : out.release) {
        if (base.Key() == e.Key() && !e.AtLeastAsStrictAs(base)) {
          c.Problem(kv.second, path + "." + use_case,
                    "'" + e.Describe() + "' weakens the base template's '" + base.Describe() +
                        "'; a use case may only add checks or make them stricter");
        }
      }
    }
    out.use_cases[use_case] = std::move(extra);
  }
}

}  // namespace config_internal
}  // namespace vigil
