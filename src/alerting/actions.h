#pragma once
// The action map's side effects, behind small interfaces so the dispatcher never knows how
// releases or notifications are implemented (the releases and notification features plug in
// their real implementations; tests inject fakes).
//
// Contract: every method returns a Status and never throws; an implementation must be safe to
// call from the dispatcher's worker thread.

#include <mutex>
#include <string>
#include <vector>

#include "alerting/rule_engine.h"
#include "common/status.h"

namespace vigil {

// Who asked: "alert:RULE" for automated actions, a token name for people.
struct ActionRequest {
  std::string use_case;
  std::string reason;
  std::string actor;
};

class RouteControl {
 public:
  virtual ~RouteControl() = default;
  virtual Status Rollback(const ActionRequest& request) = 0;
  virtual Status Degrade(const ActionRequest& request) = 0;
  virtual Status FreezeReleases(const ActionRequest& request) = 0;
};

// Until release management exists: records each request and reports it as not applied.
class RecordingRouteControl final : public RouteControl {
 public:
  Status Rollback(const ActionRequest& r) override { return Record("rollback", r); }
  Status Degrade(const ActionRequest& r) override { return Record("degrade", r); }
  Status FreezeReleases(const ActionRequest& r) override { return Record("freeze_releases", r); }
  std::vector<std::pair<std::string, ActionRequest>> Requests() const;

 private:
  Status Record(const char* what, const ActionRequest& r);
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, ActionRequest>> requests_;
};

// Delivers on-call pages and tickets. `resolved` sends the matching resolve for a page.
class AlertNotifier {
 public:
  virtual ~AlertNotifier() = default;
  virtual Status Page(const AlertInstance& alert, const std::string& use_case, bool resolved) = 0;
  virtual Status Ticket(const AlertInstance& alert, const std::string& use_case) = 0;
};

}  // namespace vigil
