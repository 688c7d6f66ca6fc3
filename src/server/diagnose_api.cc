#include "server/diagnose_api.h"

#include <nlohmann/json.hpp>

#include "common/time_util.h"

namespace vigil {

Result<Diagnosis> DiagnoseRange(EventStore& store, const TenantFilter& tenants,
                                const std::string& use_case, int64_t from_ns, int64_t to_ns,
                                int64_t baseline_ns) {
  Result<std::vector<RollupRow>> window =
      store.ReadRollups({tenants, use_case, "", from_ns, to_ns});
  if (!window.ok()) return window.status();
  Result<std::vector<RollupRow>> before =
      store.ReadRollups({tenants, use_case, "", from_ns - baseline_ns, from_ns});
  if (!before.ok()) return before.status();
  return Diagnose(*window, *before);
}

std::string DiagnosisJsonText(const Diagnosis& d, int64_t from_ns, int64_t to_ns,
                              int64_t baseline_ns) {
  using nlohmann::json;
  json layers = json::array();
  for (const LayerHealth& h : d.layers) {
    layers.push_back({{"layer", h.layer},
                      {"count", h.count},
                      {"errors", h.errors},
                      {"error_rate", h.error_rate},
                      {"baseline_error_rate", h.baseline_rate},
                      {"healthy", h.healthy}});
  }
  json findings = json::array();
  for (const Finding& f : d.findings) {
    findings.push_back({{"dimension", f.dimension},
                        {"value", f.value},
                        {"layer", f.layer},
                        {"error_class", f.error_class},
                        {"errors", f.errors},
                        {"count", f.count},
                        {"expected", f.expected},
                        {"excess", f.excess},
                        {"share_of_excess", f.share},
                        {"lift", f.lift}});
  }
  return json{{"window", {{"from", FormatRfc3339(from_ns)}, {"to", FormatRfc3339(to_ns)}}},
              {"baseline",
               {{"from", FormatRfc3339(from_ns - baseline_ns)}, {"to", FormatRfc3339(from_ns)}}},
              {"task",
               {{"count", d.task_count},
                {"errors", d.task_errors},
                {"error_rate", d.task_error_rate},
                {"baseline_error_rate", d.baseline_task_error_rate},
                {"excess_failures", d.task_excess}}},
              {"layers", layers},
              {"findings", findings},
              {"summary", d.summary}}
      .dump();
}

}  // namespace vigil
