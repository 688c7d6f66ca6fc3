#include "support/node_tools.h"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace vigil::testing {

namespace fs = std::filesystem;

std::pair<int, std::string> Shell(const std::string& command) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string PrepareNodeModules(const std::string& subdir, std::string& error) {
  const fs::path src = fs::path(VIGIL_SOURCE_DIR) / "tests" / subdir;
  const fs::path dir = fs::path(VIGIL_BINARY_DIR) / (subdir + "-node");
  fs::create_directories(dir);
  auto read = [](const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const bool current = fs::exists(dir / "node_modules") &&
                       read(src / "package-lock.json") == read(dir / "package-lock.json");
  if (!current) {
    fs::copy_file(src / "package.json", dir / "package.json", fs::copy_options::overwrite_existing);
    fs::copy_file(src / "package-lock.json", dir / "package-lock.json",
                  fs::copy_options::overwrite_existing);
    auto [rc, out] = Shell("cd '" + dir.string() + "' && npm ci --no-audit --no-fund");
    if (rc != 0) {
      error = "npm ci in " + dir.string() + " failed:\n" + out;
      return "";
    }
  }
  return (dir / "node_modules").string();
}

}  // namespace vigil::testing
