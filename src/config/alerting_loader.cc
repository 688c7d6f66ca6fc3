#include "config/alerting_loader.h"

#include <set>

#include "common/time_util.h"

namespace vigil::config_internal {
namespace {

#define VIGIL_ACTION_NAMES \
  { "rollback", "notify_oncall", "freeze_releases", "degrade", "ticket", "open_incident" }

constexpr int64_t kMaxWindowNs = 3600LL * 1'000'000'000;  // the live windows keep one hour

void LoadRule(YamlChecker& c, const YAML::Node& r, const std::string& path, RuleSpec& rule,
              bool& skip) {
  skip = false;
  if (!c.CheckMap(
          r, path,
          {"name",   "description", "tier",      "tenant",      "use_case", "layer",
           "model",  "tool",        "release",   "where",       "group_by", "signal",
           "metric", "window",      "threshold", "min_samples", "for",      "keep_firing_for",
           "slo",    "actions",     "runbook"})) {
    skip = true;
    return;
  }
  if (auto v = c.String(r, path, "name", true)) rule.name = *v;
  if (auto v = c.String(r, path, "description")) rule.description = *v;
  if (auto tier = c.String(r, path, "tier", true)) {
    if (*tier == "P1")
      rule.tier = Tier::kP1;
    else if (*tier == "P2")
      rule.tier = Tier::kP2;
    else if (*tier == "P3")
      rule.tier = Tier::kP3;
    else
      c.Problem(r["tier"], path + ".tier", "must be P1, P2 or P3");
  }
  for (auto [key, field] : {std::pair{"tenant", &rule.tenant},
                            {"use_case", &rule.use_case},
                            {"model", &rule.model},
                            {"tool", &rule.tool},
                            {"release", &rule.release},
                            {"metric", &rule.metric}}) {
    if (auto v = c.String(r, path, key)) *field = *v;
  }
  if (auto layer = c.String(r, path, "layer")) {
    rule.layer = ParseLayer(*layer);
    if (!rule.layer) {
      c.Problem(r["layer"], path + ".layer", "must be task, inference, tool or business");
    }
  }
  YAML::Node where = r["where"];
  if (where.IsDefined() && c.CheckMap(where, path + ".where", {"error_class", "metric"})) {
    if (auto v = c.String(where, path + ".where", "error_class")) rule.where_error_class = *v;
    if (auto v = c.String(where, path + ".where", "metric")) rule.metric = *v;
  }
  if (auto g = c.StringList(
          r, path, "group_by",
          {"tenant", "use_case", "layer", "release", "model", "tool", "error_class"})) {
    rule.group_by = *g;
  }
  if (auto a = c.StringList(r, path, "actions", VIGIL_ACTION_NAMES)) rule.actions = *a;
  if (auto v = c.Int(r, path, "min_samples", 0, 1'000'000'000)) {
    rule.min_samples = static_cast<uint64_t>(*v);
  }
  if (auto v = c.Duration(r, path, "for")) rule.for_ns = *v;
  if (auto v = c.Duration(r, path, "keep_firing_for")) rule.keep_firing_for_ns = *v;

  if (r["slo"].IsDefined()) {
    YAML::Node slo = r["slo"];
    const std::string sp = path + ".slo";
    if (!c.CheckMap(slo, sp, {"objective", "page", "ticket"})) {
      skip = true;
      return;
    }
    SloSpec spec;
    if (auto o = c.Number(slo, sp, "objective", 0)) {
      if (*o <= 0 || *o >= 1) {
        c.Problem(slo["objective"], sp + ".objective", "must be between 0 and 1 (e.g. 0.99)");
      }
      spec.objective = *o;
    } else {
      c.Problem(slo, sp + ".objective", "required");
    }
    for (const char* key : {"page", "ticket"}) {
      c.ForEach(slo, sp, key, [&](const YAML::Node& w, const std::string& wp) {
        if (!w.IsSequence() || w.size() != 3) {
          c.Problem(w, wp, "must be [long window, short window, burn factor], e.g. [1h, 5m, 14.4]");
          return;
        }
        BurnWindow bw;
        Result<int64_t> l = ParseDuration(w[0].Scalar());
        Result<int64_t> sh = ParseDuration(w[1].Scalar());
        double factor = 0;
        if (!l.ok() || !sh.ok() || *sh >= *l) {
          c.Problem(w, wp,
                    "windows must be durations with the short one shorter than the long one");
          return;
        }
        if (*l > 24LL * 3600 * 1'000'000'000) {
          c.Problem(w, wp, "the long window can be at most 24h");
          return;
        }
        if (!YAML::convert<double>::decode(w[2], factor) || factor <= 0) {
          c.Problem(w[2], wp + "[2]", "the burn factor must be a positive number");
          return;
        }
        bw.long_ns = *l;
        bw.short_ns = *sh;
        bw.factor = factor;
        spec.windows.push_back(bw);
      });
    }
    if (spec.windows.empty())
      c.Problem(slo, sp + ".page", "list at least one [long, short, factor]");
    rule.slo = spec;
    rule.signal = Signal::kErrorRate;
    if (!rule.layer) rule.layer = Layer::kTask;
    return;
  }

  if (auto signal = c.String(r, path, "signal", true)) {
    auto parsed = ParseSignal(*signal);
    if (!parsed) {
      c.Problem(r["signal"], path + ".signal",
                "unknown signal (expected error_rate, count, rate, latency_p50|p95|p99, "
                "cost_rate, tokens_rate, business_rate or collisions)");
    } else {
      rule.signal = *parsed;
    }
  }
  if (auto w = c.Duration(r, path, "window", true)) {
    if (*w < 1'000'000'000 || *w > kMaxWindowNs) {
      c.Problem(r["window"], path + ".window", "must be between 1s and 1h");
    } else {
      rule.window_ns = *w;
    }
  }
  if (auto text = c.String(r, path, "threshold", true)) {
    Result<Threshold> t = ParseThreshold(*text);
    if (!t.ok()) {
      c.Problem(r["threshold"], path + ".threshold", t.status().message());
    } else {
      rule.threshold = *t;
      const bool above = t->op == Threshold::Op::kGt || t->op == Threshold::Op::kGe;
      if (!t->relative && rule.signal == Signal::kErrorRate &&
          ((t->op == Threshold::Op::kGt && t->value >= 1) || t->value > 1)) {
        c.Problem(r["threshold"], path + ".threshold",
                  "can never hold: error_rate is a fraction between 0 and 1");
      } else if (!t->relative && !above && t->value <= 0 &&
                 !(t->op == Threshold::Op::kLe && t->value == 0)) {
        c.Problem(r["threshold"], path + ".threshold",
                  "can never hold: signals are never negative");
      } else if (t->relative && t->baseline_ns > kMaxWindowNs) {
        c.Problem(r["threshold"], path + ".threshold",
                  "the baseline can be at most 1h (the live windows keep 2h)");
      }
    }
  }
  if (rule.signal == Signal::kBusinessRate && rule.metric.empty()) {
    c.Problem(r, path + ".metric", "business_rate needs the business metric (metric: …)");
  }
}

}  // namespace

void LoadAlerting(YamlChecker& c, const YAML::Node& node, AlertingConfig& out,
                  std::vector<std::string>& /*notes*/) {
  if (!c.CheckMap(node, "alerting",
                  {"evaluation_interval", "action_map", "notify", "rules", "max_keys"})) {
    return;
  }
  if (auto v = c.Duration(node, "alerting", "evaluation_interval")) {
    if (*v < 10'000'000 || *v > 60'000'000'000) {
      c.Problem(node["evaluation_interval"], "alerting.evaluation_interval",
                "must be between 10ms and 60s");
    } else {
      out.evaluation_interval_ns = *v;
    }
  }
  if (auto v = c.Int(node, "alerting", "max_keys", 1, 100'000'000)) {
    out.max_keys = static_cast<size_t>(*v);
  }
  YAML::Node map = node["action_map"];
  if (map.IsDefined() && c.CheckMap(map, "alerting.action_map", {"P1", "P2", "P3"})) {
    for (const auto& kv : map) {
      const std::string tier = kv.first.Scalar();
      if (auto actions =
              c.StringList(map, "alerting.action_map", tier.c_str(), VIGIL_ACTION_NAMES)) {
        Tier t = tier == "P1" ? Tier::kP1 : tier == "P2" ? Tier::kP2 : Tier::kP3;
        out.action_map[t] = *actions;
      }
    }
  }
  YAML::Node notify = node["notify"];
  if (notify.IsDefined() && notify.IsMap()) {
    for (const auto& kv : notify) {
      NotifyChannel ch;
      ch.name = kv.first.Scalar();
      std::string p = "alerting.notify." + ch.name;
      if (!c.CheckMap(kv.second, p,
                      {"kind", "url", "routing_key_env", "headers", "timeout", "max_age"})) {
        continue;
      }
      if (auto kind = c.String(kv.second, p, "kind", true)) {
        if (*kind != "pagerduty_v2" && *kind != "alertmanager" && *kind != "webhook") {
          c.Problem(kv.second["kind"], p + ".kind",
                    "must be pagerduty_v2, alertmanager or webhook");
        }
        ch.kind = *kind;
      }
      if (auto url = c.String(kv.second, p, "url", true)) {
        if (url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0) {
          c.Problem(kv.second["url"], p + ".url", "must be an http:// or https:// URL");
        }
        ch.url = *url;
      }
      if (auto v = c.String(kv.second, p, "routing_key_env")) ch.routing_key_env = *v;
      if (ch.kind == "pagerduty_v2" && ch.routing_key_env.empty()) {
        c.Problem(kv.second, p + ".routing_key_env", "pagerduty_v2 needs routing_key_env");
      }
      YAML::Node headers = kv.second["headers"];
      if (headers.IsDefined() && !headers.IsMap()) {
        c.Problem(headers, p + ".headers", "must be a mapping of header name to value");
      } else if (headers.IsDefined()) {
        for (const auto& h : headers) ch.headers[h.first.Scalar()] = h.second.Scalar();
      }
      if (auto v = c.Duration(kv.second, p, "timeout")) ch.timeout_ns = *v;
      if (auto v = c.Duration(kv.second, p, "max_age")) ch.max_age_ns = *v;
      out.channels[ch.name] = ch;
    }
  } else if (notify.IsDefined()) {
    c.Problem(notify, "alerting.notify", "must be a mapping of channel name to settings");
  }
  std::set<std::string> names;
  c.ForEach(node, "alerting", "rules", [&](const YAML::Node& r, const std::string& path) {
    RuleSpec rule;
    bool skip = false;
    LoadRule(c, r, path, rule, skip);
    if (!rule.name.empty() && !names.insert(rule.name).second) {
      c.Problem(r["name"], path + ".name", "duplicate rule name");
    }
    if (!skip) out.rules.push_back(std::move(rule));
  });
}

}  // namespace vigil::config_internal
