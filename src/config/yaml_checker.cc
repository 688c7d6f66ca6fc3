#include "config/yaml_checker.h"

#include <cmath>

#include "common/time_util.h"

namespace vigil::config_internal {
namespace {

std::string AllowedList(std::initializer_list<std::string_view> allowed) {
  std::string out;
  for (std::string_view a : allowed) {
    if (!out.empty()) out += ", ";
    out += a;
  }
  return out;
}

}  // namespace

std::string YamlChecker::Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

void YamlChecker::Problem(const YAML::Node& node, const std::string& path, std::string message) {
  int line = 0;
  if (node.IsDefined()) line = node.Mark().line + 1;
  problems_.push_back({path.empty() ? "(root)" : path, line, std::move(message)});
}

bool YamlChecker::CheckMap(const YAML::Node& node, const std::string& path,
                           std::initializer_list<std::string_view> allowed) {
  if (!node.IsMap()) {
    Problem(node, path, "must be a mapping");
    return false;
  }
  for (const auto& kv : node) {
    std::string key = kv.first.Scalar();
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (!known) {
      Problem(kv.first, Join(path, key),
              "unknown key (allowed here: " + AllowedList(allowed) + ")");
    }
  }
  return true;
}

bool YamlChecker::CheckSequence(const YAML::Node& node, const std::string& path) {
  if (!node.IsSequence()) {
    Problem(node, path, "must be a list");
    return false;
  }
  return true;
}

std::optional<std::string> YamlChecker::String(const YAML::Node& map, const std::string& path,
                                               const char* key, bool required) {
  YAML::Node node = map[key];
  std::string p = Join(path, key);
  if (!node.IsDefined() || node.IsNull()) {
    if (required) Problem(map, p, "required");
    return std::nullopt;
  }
  if (!node.IsScalar()) {
    Problem(node, p, "must be a string");
    return std::nullopt;
  }
  if (required && node.Scalar().empty()) {
    Problem(node, p, "must not be empty");
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<bool> YamlChecker::Bool(const YAML::Node& map, const std::string& path,
                                      const char* key) {
  YAML::Node node = map[key];
  if (!node.IsDefined() || node.IsNull()) return std::nullopt;
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
    Problem(node, Join(path, key), "must be true or false");
    return std::nullopt;
  }
  return value;
}

std::optional<int64_t> YamlChecker::Int(const YAML::Node& map, const std::string& path,
                                        const char* key, int64_t min, int64_t max) {
  YAML::Node node = map[key];
  if (!node.IsDefined() || node.IsNull()) return std::nullopt;
  int64_t value = 0;
  if (!node.IsScalar() || !YAML::convert<int64_t>::decode(node, value)) {
    Problem(node, Join(path, key), "must be an integer");
    return std::nullopt;
  }
  if (value < min || value > max) {
    Problem(node, Join(path, key),
            "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return value;
}

std::optional<double> YamlChecker::Number(const YAML::Node& map, const std::string& path,
                                          const char* key, double min) {
  YAML::Node node = map[key];
  if (!node.IsDefined() || node.IsNull()) return std::nullopt;
  double value = 0;
  if (!node.IsScalar() || !YAML::convert<double>::decode(node, value) || !std::isfinite(value)) {
    Problem(node, Join(path, key), "must be a number");
    return std::nullopt;
  }
  if (value < min) {
    Problem(node, Join(path, key), "must be ≥ " + std::to_string(min));
    return std::nullopt;
  }
  return value;
}

std::optional<int64_t> YamlChecker::Duration(const YAML::Node& map, const std::string& path,
                                             const char* key, bool required) {
  std::optional<std::string> text = String(map, path, key, required);
  if (!text) return std::nullopt;
  Result<int64_t> d = ParseDuration(*text);
  if (!d.ok()) {
    Problem(map[key], Join(path, key), d.status().message());
    return std::nullopt;
  }
  return *d;
}

std::optional<std::vector<std::string>> YamlChecker::StringList(
    const YAML::Node& map, const std::string& path, const char* key,
    std::initializer_list<std::string_view> allowed) {
  YAML::Node node = map[key];
  if (!node.IsDefined() || node.IsNull()) return std::nullopt;
  std::string p = Join(path, key);
  if (!CheckSequence(node, p)) return std::nullopt;
  std::vector<std::string> out;
  bool good = true;
  for (size_t i = 0; i < node.size(); ++i) {
    std::string item_path = p + "[" + std::to_string(i) + "]";
    if (!node[i].IsScalar()) {
      Problem(node[i], item_path, "must be a string");
      good = false;
      continue;
    }
    const std::string& value = node[i].Scalar();
    if (allowed.size() > 0) {
      bool known = false;
      for (std::string_view a : allowed) known = known || a == value;
      if (!known) {
        Problem(node[i], item_path,
                "unknown value \"" + value + "\" (expected one of " + AllowedList(allowed) + ")");
        good = false;
        continue;
      }
    }
    out.push_back(value);
  }
  if (!good) return std::nullopt;
  return out;
}

void YamlChecker::ForEach(const YAML::Node& map, const std::string& path, const char* key,
                          const std::function<void(const YAML::Node&, const std::string&)>& each) {
  YAML::Node node = map[key];
  if (!node.IsDefined() || node.IsNull()) return;
  std::string p = Join(path, key);
  if (!CheckSequence(node, p)) return;
  for (size_t i = 0; i < node.size(); ++i) each(node[i], p + "[" + std::to_string(i) + "]");
}

}  // namespace vigil::config_internal
