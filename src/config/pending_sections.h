#pragma once
// Loaders of two small sections: redaction (detectors and user patterns, each regex compiled
// with RE2 so a bad one is a config problem naming it) and the runbook.

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "config/config.h"
#include "config/yaml_checker.h"

namespace vigil::config_internal {

void LoadRedaction(YamlChecker& c, const YAML::Node& node, RedactionConfig& out);
void LoadRunbook(YamlChecker& c, const YAML::Node& node, RunbookConfig& out);

}  // namespace vigil::config_internal
