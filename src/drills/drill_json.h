#pragma once
// JSON and Markdown forms of drills (GET /v1/drills, `vigil drill show --markdown`).

#include <nlohmann/json.hpp>

#include "drills/drill.h"

namespace vigil {

nlohmann::json DrillResultToJson(const DrillResult& result);
Result<DrillResult> DrillResultFromJson(const std::string& text);
// POST /v1/drills: {scenario, use_case, fault?, restore?, timeouts?: {detect, switchback,
// recovery}, min_task_rate?}; errors name the field.
Result<DrillSpec> DrillSpecFromJson(const nlohmann::json& body);

}  // namespace vigil
