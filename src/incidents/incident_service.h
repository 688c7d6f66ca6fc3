#pragma once
// IncidentService: incidents and their timelines, kept in the StateStore (component
// "incidents").
//
// A P1 or P2 firing opens an incident for its use case, or joins the open one for that use case;
// P3 firings only ticket. Every alert firing/resolution and every action the dispatcher ran for
// a firing is appended to the timeline with its actor and timing. People open incidents by hand,
// post updates and resolve them. Clocks (from the timeline, against slo_targets): switchback —
// until the route first changed in a way that moves traffic (rollback, promote, degrade); first
// update — until the first update written by a person (Vigil's own automated update does not stop
// it); recovery — until every alert of the incident resolved and none fired again for one full
// window of its rule after the last resolution (the task error rate stayed under the
// threshold), or resolution.
//
// Thread-safety: all methods may be called from any thread (the ticker, the dispatcher's worker,
// HTTP handlers); each change is one StateStore transaction.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "alerting/action_dispatcher.h"
#include "alerting/rule_engine.h"
#include "common/clock.h"
#include "config/config.h"
#include "storage/state_store.h"

namespace vigil {

struct TimelineEntry {
  int64_t ts_ns = 0;
  std::string kind;   // opened | alert_fired | alert_resolved | action | update | resolved
  std::string actor;  // "alert:RULE", "vigil", or a token name
  std::string summary;
  std::string detail_json;  // structured detail ("{}" when none)
};

struct Incident {
  int64_t id = 0;
  std::string use_case;
  std::string tenant;    // empty: spans tenants
  std::string severity;  // P1 | P2 | P3
  std::string status;    // open | resolved
  std::string title;
  std::string opened_by;
  int64_t opened_at_ns = 0;
  int64_t resolved_at_ns = 0;
  std::vector<TimelineEntry> timeline;  // filled by Get()
};

struct RunbookStepState {
  int step = 0;  // 1-based
  std::string role;
  std::string text;
  std::string action;   // automation reference, "" for people
  int64_t done_ns = 0;  // 0: open
  std::string done_by;
};

struct IncidentClock {
  std::string name;  // switchback | first_update | recovery
  int64_t target_ns = 0;
  int64_t elapsed_ns = 0;  // to the stopping event, or to now while running
  bool stopped = false;
  bool met() const { return elapsed_ns <= target_ns; }
};

class IncidentService {
 public:
  static Result<std::unique_ptr<IncidentService>> Create(StateStore& store, const Clock& clock,
                                                         SloTargets targets,
                                                         RunbookConfig runbook = {});
  // The runbook new incidents get (an open incident keeps the steps it was opened with).
  void SetRunbook(RunbookConfig runbook);

  // Alert engine and dispatcher hooks. Returns the id of an incident this transition *opened*
  // (0 when it joined one or opened none), so the caller can post the first automated update.
  int64_t OnAlertTransition(const AlertTransition& t, const RuleSpec& rule);
  void OnAction(const ActionRecord& record);
  // The release registry changed a use case's route: joins the open incident's timeline, and
  // a change that moves traffic (rollback, promote, mode) stops its switchback clock.
  void OnRouteChange(const std::string& use_case, int64_t route_version, bool moves_traffic,
                     const std::string& action, const std::string& summary,
                     const std::string& actor);

  // The incident's runbook with each step's state; checking a step off (by a person) is
  // idempotent and recorded on the timeline. Steps with an `action` check themselves when the
  // action map ran that action successfully for the incident.
  Result<std::vector<RunbookStepState>> Runbook(int64_t id);
  Result<RunbookStepState> CheckStep(int64_t id, int step, const std::string& actor);

  // Marks an incident as a drill's: its title says so and its timeline records which drill.
  Status MarkDrill(int64_t id, const std::string& drill_id);

  Result<int64_t> Open(const std::string& use_case, const std::string& tenant,
                       const std::string& severity, const std::string& title,
                       const std::string& actor);
  Status AddUpdate(int64_t id, const std::string& text, const std::string& actor);
  // A note Vigil attaches to the timeline (similar past incidents, a gate override); does not
  // stop any clock.
  Status AddNote(int64_t id, const std::string& kind, const std::string& summary,
                 const std::string& detail_json);
  Status Resolve(int64_t id, const std::string& summary, const std::string& actor);

  Result<std::vector<Incident>> List(const std::string& status_filter);
  Result<Incident> Get(int64_t id);
  std::vector<IncidentClock> Clocks(const Incident& incident) const;
  // Open incidents whose first-update clock has passed its target and that were not reported
  // overdue before; each is returned once (and marked on its timeline).
  std::vector<Incident> TakeOverdueUpdates();

 private:
  IncidentService(StateStore& store, const Clock& clock, SloTargets targets)
      : store_(store), clock_(clock), targets_(targets) {}
  Status Append(SqliteDb& db, int64_t id, const TimelineEntry& entry);
  Result<int64_t> FindOpen(SqliteDb& db, const std::string& use_case);
  Status AttachRunbook(SqliteDb& db, int64_t id, const std::string& severity);
  Status CheckAutomatedSteps(SqliteDb& db, int64_t id, const std::string& action,
                             const std::string& actor);

  StateStore& store_;
  const Clock& clock_;
  const SloTargets targets_;
  std::mutex mu_;
  std::map<std::pair<std::string, uint64_t>, int64_t> incident_of_firing_;
  std::set<int64_t> reported_overdue_;
  std::mutex runbook_mu_;
  RunbookConfig runbook_;
};

}  // namespace vigil
