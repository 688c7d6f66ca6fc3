#pragma once
// The action map's side effects, behind small interfaces so the dispatcher never knows how
// releases or notifications are implemented (the releases and notification features plug in
// their real implementations; tests inject fakes).
//
// Contract: every method returns a Status or Result and never throws; an implementation must be
// safe to call from the dispatcher's worker thread.

#include <string>

#include "alerting/rule_engine.h"
#include "common/status.h"

namespace vigil {

// Who asked: "alert:RULE" for automated actions, a token name for people.
struct ActionRequest {
  std::string use_case;
  std::string reason;
  std::string actor;
};

// Acts on the route of a use case. Each method returns what it did, in one line for the
// action record ("refund-bot rolled back from v2 to v1 in 3.1 ms", "already on v1"), or why it
// could not. FreezeReleases with an empty use case freezes globally.
class RouteControl {
 public:
  virtual ~RouteControl() = default;
  virtual Result<std::string> Rollback(const ActionRequest& request) = 0;
  virtual Result<std::string> Degrade(const ActionRequest& request) = 0;
  virtual Result<std::string> FreezeReleases(const ActionRequest& request) = 0;
};

// Delivers on-call pages and tickets. `resolved` sends the matching resolve for a page.
class AlertNotifier {
 public:
  virtual ~AlertNotifier() = default;
  virtual Status Page(const AlertInstance& alert, const std::string& use_case, bool resolved) = 0;
  virtual Status Ticket(const AlertInstance& alert, const std::string& use_case) = 0;
};

}  // namespace vigil
