#pragma once
// Loads use_cases[].releases (the bootstrap releases of a use case) and the release_control
// section (internal to the config component).

#include <yaml-cpp/yaml.h>

#include <string>

#include "config/config.h"
#include "config/yaml_checker.h"

namespace vigil::config_internal {

// Fills uc.releases and uc.active_version; reports duplicate versions, more than one
// `active: true`, and releases without one.
void LoadReleases(YamlChecker& c, const YAML::Node& use_case, const std::string& path,
                  UseCaseConfig& uc);
void LoadReleaseControl(YamlChecker& c, const YAML::Node& node, ReleaseControlConfig& out);
void LoadSimulator(YamlChecker& c, const YAML::Node& node, SimulatorConfig& out);

// The JSON text of a YAML mapping (scalars typed: true/false, numbers, null, else strings).
// Reports a problem unless `node` is a mapping.
std::string YamlMapToJson(YamlChecker& c, const YAML::Node& node, const std::string& path);
std::string NodeToJsonText(const YAML::Node& node);

}  // namespace vigil::config_internal
