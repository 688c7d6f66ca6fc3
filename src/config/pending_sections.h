#pragma once
// Shape checks for config sections whose features land in later issues (redaction): they
// validate keys, types and enumerations so a config written today stays valid, and add one note
// per section saying it is not active yet. Also the runbook loader (a small section).

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "config/config.h"
#include "config/yaml_checker.h"

namespace vigil::config_internal {

void CheckRedaction(YamlChecker& c, const YAML::Node& node, std::vector<std::string>& notes);
void LoadRunbook(YamlChecker& c, const YAML::Node& node, RunbookConfig& out);

}  // namespace vigil::config_internal
