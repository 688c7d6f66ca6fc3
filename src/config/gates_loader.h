#pragma once
// Loader of the `gates` section (docs/gates.md): the base template `release` and per-use-case
// additions under `use_cases`, each a list of check names or one-key maps {check: argument}.
// A use case may add checks or make a base check stricter, never weaker: a weaker version of a
// base check is a problem naming both.

#include <yaml-cpp/yaml.h>

#include "config/config.h"
#include "config/yaml_checker.h"

namespace vigil::config_internal {

void LoadGates(YamlChecker& c, const YAML::Node& node, GatesConfig& out);

}  // namespace vigil::config_internal
