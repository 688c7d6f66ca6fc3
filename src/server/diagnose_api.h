#pragma once
// GET /v1/diagnose?use_case=&tenant=&from=&to=&baseline= (role read): cross-layer diagnosis of
// [from, to) (default the last 15 minutes) against the `baseline` duration just before `from`
// (default 1h), from rollups. Also used to attach a diagnosis to each incident.

#include <nlohmann/json_fwd.hpp>

#include "incidents/diagnosis.h"
#include "storage/event_store.h"

namespace vigil {

Result<Diagnosis> DiagnoseRange(EventStore& store, const TenantFilter& tenants,
                                const std::string& use_case, int64_t from_ns, int64_t to_ns,
                                int64_t baseline_ns);
// Renders a diagnosis as JSON text.
std::string DiagnosisJsonText(const Diagnosis& d, int64_t from_ns, int64_t to_ns,
                              int64_t baseline_ns);

}  // namespace vigil
