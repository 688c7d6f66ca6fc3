#pragma once
// YamlChecker: reads a yaml-cpp tree while collecting every shape problem with its path and line.
// Internal to the config component; the reading helpers never throw.

#include <yaml-cpp/yaml.h>

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace vigil::config_internal {

class YamlChecker {
 public:
  void Problem(const YAML::Node& node, const std::string& path, std::string message);
  std::vector<ConfigProblem> TakeProblems() { return std::move(problems_); }

  // True when `node` is a map; reports unknown keys (not in `allowed`) as problems.
  bool CheckMap(const YAML::Node& node, const std::string& path,
                std::initializer_list<std::string_view> allowed);
  bool CheckSequence(const YAML::Node& node, const std::string& path);

  // Field readers: absent → nullopt (a problem when required); wrong type → problem + nullopt.
  std::optional<std::string> String(const YAML::Node& map, const std::string& path, const char* key,
                                    bool required = false);
  std::optional<bool> Bool(const YAML::Node& map, const std::string& path, const char* key);
  std::optional<int64_t> Int(const YAML::Node& map, const std::string& path, const char* key,
                             int64_t min, int64_t max);
  std::optional<double> Number(const YAML::Node& map, const std::string& path, const char* key,
                               double min);
  std::optional<int64_t> Duration(const YAML::Node& map, const std::string& path, const char* key,
                                  bool required = false);
  // A sequence of strings; `allowed` (if non-empty) restricts the values.
  std::optional<std::vector<std::string>> StringList(
      const YAML::Node& map, const std::string& path, const char* key,
      std::initializer_list<std::string_view> allowed = {});
  // Calls `each(item, item_path)` for every element of the sequence at `key`.
  void ForEach(const YAML::Node& map, const std::string& path, const char* key,
               const std::function<void(const YAML::Node&, const std::string&)>& each);

  static std::string Join(const std::string& path, std::string_view key);

 private:
  std::vector<ConfigProblem> problems_;
};

}  // namespace vigil::config_internal
