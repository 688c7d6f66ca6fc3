#pragma once
// Drafts a postmortem from an incident: the timeline (alerts with their evidence, actions with
// durations, route changes, updates, resolution, plus the first anomalous window and the
// release change that preceded it), the decision points (each automated or human act and who
// decided), the diagnosis, the signature and the five questions with what Vigil knows filled in:
// the trigger (diagnosis + release change), observability (time from the first anomalous
// window to detection, computed from the stored events), rollback (switchback and recovery vs
// targets). The guardrail and prevention questions stay open for people. Pure; thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "config/alerting_config.h"
#include "config/config.h"
#include "incidents/diagnosis.h"
#include "incidents/incident_service.h"
#include "incidents/postmortem.h"
#include "model/event.h"

namespace vigil {

// A promotion of the use case before the incident (from the audit log).
struct ReleaseChangeRef {
  int64_t at_ns = 0;
  std::string from, to, actor, detail;
};

struct DraftInputs {
  Incident incident;  // with its timeline
  std::vector<IncidentClock> clocks;
  std::optional<Diagnosis> diagnosis;
  std::vector<Event> events;  // the use case's events from before the incident to its end
  std::vector<RuleSpec> rules;
  std::vector<ReleaseChangeRef> release_changes;  // oldest first, before the incident opened
  SloTargets targets;
  std::string author;
  int64_t now_ns = 0;
};

// When the failure became visible in the stored events.
struct AnomalyStart {
  bool found = false;
  int64_t at_ns = 0;
  double rate = 0, baseline = 0, threshold = 0;
  std::string layer;
  int64_t bucket_ns = 0;
};

// The first window of the contiguous run of anomalous buckets that ends at detection. Buckets
// are as wide as ~20 events of the layer at its average rate (1 s – 60 s). A bucket is anomalous
// when its error rate on `layer` exceeds `threshold` (the firing rule's absolute error-rate
// threshold when it has one, else max(2 × baseline, baseline + 5 points)).
AnomalyStart FindAnomalyStart(const std::vector<Event>& events, Layer layer, int64_t detected_ns,
                              std::optional<double> rule_threshold);

Postmortem DraftPostmortem(const DraftInputs& in);

}  // namespace vigil
