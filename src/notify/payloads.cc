#include "notify/payloads.h"

#include <nlohmann/json.hpp>

#include "common/time_util.h"

namespace vigil {
namespace {

using nlohmann::json;

std::string Summary(const NotificationContext& ctx) {
  const AlertInstance& a = *ctx.alert;
  char value[64];
  std::snprintf(value, sizeof(value), "%.4g", a.evidence.value);
  return std::string("[") + TierName(a.tier) + "] " + a.id +
         (ctx.use_case.empty() ? "" : " on " + ctx.use_case) + ": " + value + " " +
         a.evidence.threshold + " over " + FormatDuration(a.evidence.window_ns);
}

json Details(const AlertInstance& a) {
  json top = json::array();
  for (const auto& [k, v] : a.evidence.top_keys) top.push_back({{"key", k}, {"contribution", v}});
  return {{"rule", a.rule},
          {"tier", TierName(a.tier)},
          {"value", a.evidence.value},
          {"threshold", a.evidence.threshold},
          {"window", FormatDuration(a.evidence.window_ns)},
          {"samples", a.evidence.samples},
          {"top_keys", top}};
}

}  // namespace

const char* PagerDutySeverity(Tier tier) {
  switch (tier) {
    case Tier::kP1:
      return "critical";
    case Tier::kP2:
      return "error";
    case Tier::kP3:
      return "warning";
  }
  return "warning";
}

std::string DedupKey(const AlertInstance& alert) {
  return "vigil:" + alert.id + ":" + std::to_string(alert.firing_id);
}

std::string PagerDutyV2Body(const NotificationContext& ctx) {
  json body = {{"routing_key", ctx.routing_key},
               {"event_action", ctx.event == "resolve" ? "resolve" : "trigger"},
               {"dedup_key", ctx.dedup_key}};
  if (ctx.event != "resolve") {
    body["client"] = "Vigil";
    body["payload"] = {{"summary", Summary(ctx)},
                       {"source", "vigil"},
                       {"severity", PagerDutySeverity(ctx.alert->tier)},
                       {"timestamp", FormatRfc3339(ctx.now_ns)},
                       {"component", ctx.use_case},
                       {"group", ctx.alert->rule},
                       {"class", ctx.alert->evidence.threshold},
                       {"custom_details", Details(*ctx.alert)}};
  }
  return body.dump();
}

std::string AlertmanagerWebhookBody(const NotificationContext& ctx, const std::string& receiver) {
  const AlertInstance& a = *ctx.alert;
  const bool resolved = ctx.event == "resolve";
  json labels = {
      {"alertname", a.rule}, {"tier", TierName(a.tier)}, {"severity", PagerDutySeverity(a.tier)}};
  if (!ctx.use_case.empty()) labels["use_case"] = ctx.use_case;
  for (const auto& [k, v] : a.labels) labels[k] = v;
  json annotations = {{"summary", Summary(ctx)}, {"evidence", Details(a).dump()}};
  json alert = {{"status", resolved ? "resolved" : "firing"},
                {"labels", labels},
                {"annotations", annotations},
                {"startsAt", FormatRfc3339(a.fired_at_ns ? a.fired_at_ns : ctx.now_ns)},
                {"endsAt", resolved ? FormatRfc3339(ctx.now_ns) : "0001-01-01T00:00:00Z"},
                {"generatorURL", ""},
                {"fingerprint", ctx.dedup_key}};
  return json{{"version", "4"},         {"groupKey", ctx.dedup_key},
              {"truncatedAlerts", 0},   {"status", resolved ? "resolved" : "firing"},
              {"receiver", receiver},   {"groupLabels", {{"alertname", a.rule}}},
              {"commonLabels", labels}, {"commonAnnotations", annotations},
              {"externalURL", ""},      {"alerts", json::array({alert})}}
      .dump();
}

std::string PlainWebhookBody(const NotificationContext& ctx) {
  return json{{"event", ctx.event},           {"dedup_key", ctx.dedup_key},
              {"summary", Summary(ctx)},      {"use_case", ctx.use_case},
              {"alert", Details(*ctx.alert)}, {"time", FormatRfc3339(ctx.now_ns)}}
      .dump();
}

}  // namespace vigil
