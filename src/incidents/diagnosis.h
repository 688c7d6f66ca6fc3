#pragma once
// Cross-layer diagnosis: which layer, error class, model, tool, release or tenant explains a
// failure spike. Compares an incident window with a baseline window, both from rollups.
//
// For every (dimension, value) — e.g. tool=issue_refund with class permission_denied — the
// errors in the window are compared with what the baseline's error rate for that value predicts
// at the window's volume: excess = errors − baseline_rate × count (≥ 0), lift = rate / baseline
// rate. Findings below the task layer rank first (causes before symptoms), then by excess; share =
// excess ÷ the excess of task failures (capped at 1), i.e. how much of the task-level spike the
// value accounts for. Per layer the error rates now and before say which layers are healthy. The
// summary sentence reads like "inference healthy (0.4% errors); tool issue_refund permission_denied
// explains 91% of the excess task failures since release v7". Pure function; thread-safe.

#include <string>
#include <vector>

#include "rollup/rollup.h"

namespace vigil {

struct LayerHealth {
  std::string layer;
  uint64_t count = 0, errors = 0;
  double error_rate = 0, baseline_rate = 0;
  bool healthy = true;
};

struct Finding {
  std::string dimension;  // layer | error_class | model | tool | release | tenant
  std::string value;
  std::string layer;        // where the errors were counted
  std::string error_class;  // the dominant class for this value
  uint64_t errors = 0, count = 0;
  double expected = 0, excess = 0, share = 0, lift = 0;
};

struct Diagnosis {
  uint64_t task_count = 0, task_errors = 0;
  double task_error_rate = 0, baseline_task_error_rate = 0, task_excess = 0;
  std::vector<LayerHealth> layers;
  std::vector<Finding> findings;  // ranked, at most 10
  std::string summary;
};

Diagnosis Diagnose(const std::vector<RollupRow>& window, const std::vector<RollupRow>& baseline);

}  // namespace vigil
