#pragma once
// Postmortem documents as JSON (API, storage), the editable subset (PUT /v1/postmortems/{id}, the
// YAML people edit with `vigil postmortem edit`) and Markdown (export).
//
// The editable fields are title, summary, questions[].answer (by key), guardrail_failures and
// reinforcements [{kind, ref, description, owner, due}]; the timeline, decision points and the
// computed answers come from the incident. A reinforcement whose kind or ref changes loses its
// verification. Errors name the field ("reinforcements[1].due").

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "incidents/postmortem.h"

namespace vigil {

nlohmann::json PostmortemToJson(const Postmortem& pm, int64_t now_ns);
Result<Postmortem> PostmortemFromJson(const nlohmann::json& doc);  // as written by ToJson
// Applies an edit (a JSON object with any of the editable fields) to `pm`.
Status ApplyPostmortemEdit(const nlohmann::json& edit, Postmortem& pm);
// The editable fields of `pm`, as ApplyPostmortemEdit() takes them.
nlohmann::json PostmortemEditable(const Postmortem& pm);
std::string PostmortemToMarkdown(const Postmortem& pm, int64_t now_ns);

}  // namespace vigil
