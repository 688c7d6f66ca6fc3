#pragma once
// Loads and validates the `alerting` section into AlertingConfig (internal to the config
// component): rules with their scope, signal, window, threshold and timing; the action map.

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "config/alerting_config.h"
#include "config/yaml_checker.h"

namespace vigil::config_internal {

void LoadAlerting(YamlChecker& c, const YAML::Node& node, AlertingConfig& out,
                  std::vector<std::string>& notes);

}  // namespace vigil::config_internal
