#include "incidents/postmortem_drafter.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "common/time_util.h"

namespace vigil {
namespace {

using nlohmann::json;

std::string Pct(double rate) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.1f%%", rate * 100);
  return buf;
}

std::string BaseClass(const std::string& error_class) {
  return error_class.substr(0, error_class.find('/'));
}

// The values of a field among error events, most frequent first (at most 3).
template <typename Field>
std::vector<std::string> TopValues(const std::vector<Event>& events, int64_t from, int64_t to,
                                   Field field) {
  std::map<std::string, int> counts;
  for (const Event& e : events) {
    if (e.ts_ns < from || e.ts_ns > to || e.status != EventStatus::kError) continue;
    std::string v = field(e);
    if (!v.empty() && v != "none") ++counts[v];
  }
  std::vector<std::pair<int, std::string>> ranked;
  for (const auto& [v, n] : counts) ranked.push_back({-n, v});
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < ranked.size() && i < 3; ++i) out.push_back(ranked[i].second);
  return out;
}

// The release most task events ran on in [from, to].
std::string DominantRelease(const std::vector<Event>& events, int64_t from, int64_t to) {
  std::map<std::string, int> counts;
  for (const Event& e : events) {
    if (e.ts_ns >= from && e.ts_ns <= to && e.layer == Layer::kTask &&
        e.status == EventStatus::kError && !e.release.empty()) {
      ++counts[e.release];
    }
  }
  std::string best;
  int most = 0;
  for (const auto& [release, n] : counts) {
    if (n > most) most = n, best = release;
  }
  return best;
}

const RuleSpec* FindRule(const std::vector<RuleSpec>& rules, const std::string& name) {
  for (const RuleSpec& r : rules) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

std::string RuleOf(const std::string& actor) {
  return actor.rfind("alert:", 0) == 0 ? actor.substr(6) : std::string();
}

}  // namespace

AnomalyStart FindAnomalyStart(const std::vector<Event>& events, Layer layer, int64_t detected_ns,
                              std::optional<double> rule_threshold) {
  AnomalyStart out;
  out.layer = std::string(LayerName(layer));
  int64_t first = INT64_MAX;
  uint64_t total = 0;
  for (const Event& e : events) {
    if (e.layer != layer || e.ts_ns > detected_ns) continue;
    first = std::min(first, e.ts_ns);
    ++total;
  }
  if (total == 0) return out;
  // Buckets wide enough to hold ~20 events at the average rate: 1 s for busy use cases, up to
  // a minute for quiet ones (a 1 s bucket of 3 events is noise, not a signal).
  const double seconds = std::max(1.0, static_cast<double>(detected_ns - first) / 1e9);
  const double per_second = static_cast<double>(total) / seconds;
  const int64_t width =
      std::clamp<int64_t>(static_cast<int64_t>(std::ceil(20.0 / std::max(per_second, 1e-3))), 1,
                          60) *
      kNanosPerSecond;
  out.bucket_ns = width;
  std::map<int64_t, std::pair<uint64_t, uint64_t>> buckets;  // index → (count, errors)
  for (const Event& e : events) {
    if (e.layer != layer || e.ts_ns > detected_ns) continue;
    auto& b = buckets[e.ts_ns / width];
    ++b.first;
    b.second += e.status == EventStatus::kError;
  }
  auto rate_of = [](const std::pair<uint64_t, uint64_t>& b) {
    return b.first == 0 ? 0.0 : static_cast<double>(b.second) / static_cast<double>(b.first);
  };
  // Baseline from the oldest half of the history (before any plausible anomaly).
  const int64_t detect_bucket = detected_ns / width;
  const int64_t first_bucket = first / width;
  const int64_t half = (first_bucket + detect_bucket) / 2;
  uint64_t base_count = 0, base_errors = 0;
  for (const auto& [bucket, b] : buckets) {
    if (bucket >= half) break;
    base_count += b.first;
    base_errors += b.second;
  }
  out.baseline =
      base_count ? static_cast<double>(base_errors) / static_cast<double>(base_count) : 0;
  out.threshold =
      rule_threshold ? *rule_threshold : std::max(2 * out.baseline, out.baseline + 0.05);
  // Walk back from detection while buckets are anomalous.
  int64_t start = -1;
  for (int64_t bucket = detect_bucket; bucket >= first_bucket; --bucket) {
    auto it = buckets.find(bucket);
    const bool anomalous = it != buckets.end() && rate_of(it->second) > out.threshold;
    if (!anomalous) {
      if (bucket == detect_bucket) continue;  // detection may come early in its bucket
      break;
    }
    start = bucket;
    out.rate = rate_of(it->second);
  }
  if (start < 0) return out;
  out.found = true;
  out.at_ns = std::max(start * width, first);
  return out;
}

Postmortem DraftPostmortem(const DraftInputs& in) {
  const Incident& inc = in.incident;
  Postmortem pm;
  pm.incident_id = inc.id;
  pm.use_case = inc.use_case;
  pm.author = in.author;
  pm.title = inc.title;
  pm.incident_opened_ns = inc.opened_at_ns;

  // Detection: the first firing on the timeline; the firing rule decides what "anomalous" means.
  pm.detected_ns = inc.opened_at_ns;
  std::string first_rule;
  for (const TimelineEntry& e : inc.timeline) {
    if (e.kind == "alert_fired") {
      pm.detected_ns = e.ts_ns;
      first_rule = RuleOf(e.actor);
      break;
    }
  }
  const RuleSpec* rule = FindRule(in.rules, first_rule);
  std::optional<double> abs_threshold;
  Layer layer = Layer::kTask;
  if (rule) {
    if (rule->layer) layer = *rule->layer;
    // Burn-rate rules have no per-window threshold: the baseline decides what is anomalous.
    if (!rule->slo && rule->signal == Signal::kErrorRate && !rule->threshold.relative) {
      abs_threshold = rule->threshold.value;
    }
  }
  const AnomalyStart anomaly = FindAnomalyStart(in.events, layer, pm.detected_ns, abs_threshold);

  pm.incident_end_ns = inc.resolved_at_ns ? inc.resolved_at_ns : in.now_ns;
  for (const IncidentClock& c : in.clocks) {
    if (c.name == "recovery" && c.stopped) pm.incident_end_ns = inc.opened_at_ns + c.elapsed_ns;
  }

  // Signature, from the failing events from the anomaly (or detection) to the end.
  const int64_t sig_from = anomaly.found ? anomaly.at_ns : pm.detected_ns - 30 * kNanosPerSecond;
  Signature& sig = pm.signature;
  sig.use_case = inc.use_case;
  sig.layers = TopValues(in.events, sig_from, pm.incident_end_ns,
                         [](const Event& e) { return std::string(LayerName(e.layer)); });
  sig.error_classes = TopValues(in.events, sig_from, pm.incident_end_ns,
                                [](const Event& e) { return BaseClass(e.error_class); });
  sig.models =
      TopValues(in.events, sig_from, pm.incident_end_ns, [](const Event& e) { return e.model; });
  sig.tools =
      TopValues(in.events, sig_from, pm.incident_end_ns, [](const Event& e) { return e.tool; });
  pm.release = DominantRelease(in.events, sig_from, pm.detected_ns);
  const ReleaseChangeRef* change = nullptr;
  for (const ReleaseChangeRef& c : in.release_changes) {
    if (c.at_ns <= inc.opened_at_ns && (pm.release.empty() || c.to == pm.release)) change = &c;
  }
  if (change) {
    sig.release_change = change->from.empty() ? change->to : change->from + " → " + change->to;
    if (pm.release.empty()) pm.release = change->to;
  }
  if (in.diagnosis) pm.diagnosis = in.diagnosis->summary;

  // Timeline.
  if (change) {
    pm.timeline.push_back({change->at_ns, "release_change", change->actor,
                           (change->from.empty() ? "first active release " : "promoted ") +
                               sig.release_change +
                               (change->detail.empty() ? "" : " (" + change->detail + ")")});
  }
  if (anomaly.found) {
    pm.timeline.push_back({anomaly.at_ns, "first_anomaly", "vigil",
                           "first anomalous " + FormatDuration(anomaly.bucket_ns) +
                               " window: " + anomaly.layer + " error rate " + Pct(anomaly.rate) +
                               " (baseline " + Pct(anomaly.baseline) + ")"});
  }
  for (const TimelineEntry& e : inc.timeline) {
    std::string summary = e.summary;
    json d = json::parse(e.detail_json, nullptr, false);
    if (e.kind == "action" && d.is_object() && d.contains("duration_ms") &&
        summary.find(" in ") == std::string::npos) {
      summary +=
          " (" + FormatElapsed(static_cast<int64_t>(d.value("duration_ms", 0.0) * 1e6)) + ")";
    }
    if (e.kind == "alert_fired" && d.is_object() && d.contains("top_keys") &&
        d["top_keys"].is_array() && !d["top_keys"].empty()) {
      summary += "; top: " + d["top_keys"][0].value("key", "");
    }
    pm.timeline.push_back({e.ts_ns, e.kind, e.actor, summary});
  }
  std::stable_sort(
      pm.timeline.begin(), pm.timeline.end(),
      [](const PostmortemEntry& a, const PostmortemEntry& b) { return a.at_ns < b.at_ns; });

  // Decision points: every act, automated or human.
  for (const TimelineEntry& e : inc.timeline) {
    const bool by_alert = e.actor.rfind("alert:", 0) == 0;
    const bool by_vigil = by_alert || e.actor == "vigil" || e.actor.rfind("drill:", 0) == 0;
    if (e.kind == "action") {
      json d = json::parse(e.detail_json, nullptr, false);
      const std::string action = d.is_object() ? d.value("action", "") : "";
      pm.decision_points.push_back(
          {e.ts_ns,
           "vigil action map (" + inc.severity + " → " + action + "), rule " + RuleOf(e.actor),
           true, action, e.summary});
    } else if (e.kind == "route_changed" && !by_vigil) {
      pm.decision_points.push_back({e.ts_ns, e.actor, false, "change the route", e.summary});
    } else if (e.kind == "resolved" || (e.kind == "update" && !by_vigil) || e.kind == "runbook") {
      if (e.kind == "update" || e.kind == "runbook") {
        if (by_vigil) continue;
      }
      pm.decision_points.push_back({e.ts_ns, e.actor, by_vigil,
                                    e.kind == "resolved" ? "resolve the incident"
                                    : e.kind == "update" ? "post an update"
                                                         : "check off a runbook step",
                                    e.summary});
    }
  }

  // The five questions.
  for (const auto& [key, question] : PostmortemQuestions()) {
    PostmortemQuestion q{key, question, "", true};
    if (key == "trigger") {
      std::string a;
      if (change) {
        a += "Release " + change->to +
             (change->from.empty() ? " became active" : " was promoted from " + change->from) +
             " at " + FormatRfc3339(change->at_ns) +
             " by " + change->actor + ", " + FormatElapsed(inc.opened_at_ns - change->at_ns) +
             " before the incident opened. ";
      }
      if (!pm.diagnosis.empty()) a += "Diagnosis: " + pm.diagnosis + ".";
      q.answer = a;
      q.open = pm.diagnosis.empty() && !change;
    } else if (key == "guardrail") {
      q.answer = change ? "Open. Facts: " + change->to + " reached production via a promotion by " +
                              change->actor +
                              (change->detail.empty() ? "" : " (" + change->detail + ")") +
                              "; name the gate check that should have refused it."
                        : "Open: name the gate check that should have blocked this change.";
    } else if (key == "observability") {
      if (anomaly.found) {
        q.answer = "The first anomalous " + FormatDuration(anomaly.bucket_ns) +
                   " window began at " + FormatRfc3339(anomaly.at_ns) + " (" + anomaly.layer +
                   " error rate " + Pct(anomaly.rate) + " vs baseline " + Pct(anomaly.baseline) +
                   "); " + (first_rule.empty() ? "detection" : "rule " + first_rule) +
                   " fired at " + FormatRfc3339(pm.detected_ns) + ", " +
                   FormatElapsed(pm.detected_ns - anomaly.at_ns) + " later (detection target " +
                   FormatElapsed(in.targets.detection_ns) + ").";
        if (rule && rule->slo) {
          q.answer += " A burn-rate rule fires once the error budget burns fast over both windows"
                      " of a pair; its shortest window and min_samples bound how early.";
        } else if (rule) {
          q.answer +=
              " The rule's window (" + FormatDuration(rule->window_ns) + ")" +
              (rule->for_ns ? ", its for (" + FormatDuration(rule->for_ns) + ")" : "") +
              (rule->min_samples ? " and min_samples " + std::to_string(rule->min_samples) : "") +
              " bound how early it could fire.";
        }
        q.open = false;
      } else {
        q.answer = "No anomalous window before detection stood out in the stored " +
                   std::string(LayerName(layer)) + " events; say what signal would have shown it.";
      }
    } else if (key == "rollback") {
      std::string a;
      for (const IncidentClock& c : in.clocks) {
        if (c.name == "first_update") continue;
        a += (a.empty() ? "" : "; ") +
             std::string(c.name == "switchback" ? "Switchback" : "Core path recovery") +
             (c.stopped ? " took " : " still running after ") + FormatElapsed(c.elapsed_ns) +
             " (target " + FormatElapsed(c.target_ns) +
             (c.stopped ? (c.met() ? ", met" : ", MISSED") : "") + ")";
      }
      for (const DecisionPoint& d : pm.decision_points) {
        if (d.decision == "rollback" || d.decision == "degrade") {
          a += ". It was " + std::string(d.automated ? "automated" : "manual") + ": " + d.outcome;
          break;
        }
      }
      q.answer = a.empty() ? a : a + ".";
      q.open = a.empty();
    }
    pm.questions.push_back(std::move(q));
  }
  pm.summary = inc.title + ": " +
               (pm.diagnosis.empty() ? std::string("see the timeline") : pm.diagnosis) + ".";
  return pm;
}

}  // namespace vigil
