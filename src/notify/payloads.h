#pragma once
// Wire formats of outgoing notifications: PagerDuty Events API v2, the Alertmanager webhook
// (version 4) shape, and Vigil's plain JSON webhook. Pure functions; documented in
// docs/notifications.md.

#include <string>

#include "alerting/rule_engine.h"

namespace vigil {

struct NotificationContext {
  const AlertInstance* alert = nullptr;
  std::string use_case;
  std::string event;      // trigger | resolve | ticket
  std::string dedup_key;  // "vigil:ALERT_ID:FIRING_ID"
  std::string routing_key;
  int64_t now_ns = 0;
};

// P1 → critical, P2 → error, P3 → warning.
const char* PagerDutySeverity(Tier tier);
std::string DedupKey(const AlertInstance& alert);

std::string PagerDutyV2Body(const NotificationContext& ctx);
std::string AlertmanagerWebhookBody(const NotificationContext& ctx, const std::string& receiver);
std::string PlainWebhookBody(const NotificationContext& ctx);

}  // namespace vigil
