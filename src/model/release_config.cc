#include "model/release_config.h"

namespace vigil {

std::vector<std::string> ReleaseCompletenessProblems(const ReleaseConfig& c) {
  std::vector<std::string> problems;
  if (c.version.empty()) problems.push_back("version is empty");
  if (c.model.empty()) problems.push_back("model is empty");
  if (c.prompt.empty() && c.prompt_body.empty()) problems.push_back("no prompt reference or body");
  for (const ToolSpec& t : c.tools) {
    if (t.name.empty()) problems.push_back("a tool has no name");
  }
  for (const MigrationRef& m : c.migrations) {
    if (m.id.empty()) problems.push_back("a migration has no id");
  }
  return problems;
}

}  // namespace vigil
