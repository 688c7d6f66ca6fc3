#include "support/vigil_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "client/http_client.h"

namespace vigil::testing {

std::string VigilBinary() { return VIGIL_BINARY_PATH; }

pid_t SpawnSimulator(const std::string& config, const std::string& server, const std::string& token,
                     const std::string& log) {
  const std::string binary = VigilBinary();
  std::vector<std::string> args = {binary,     "sim",  "--config", config,
                                   "--server", server, "--quiet"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = {"VIGIL_TOKEN=" + token, "PATH=/usr/bin:/bin"};
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

void StopProcess(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
}

double PeakRssMiB(int pid) {
  std::ifstream in(pid == 0 ? std::string("/proc/self/status")
                            : "/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  }
  return 0;
}

TempDir::TempDir(const std::string& base) {
  std::string tmpl = base + "/vigil-it-XXXXXX";
  if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

namespace {

// With VIGIL_TEST_CLICKHOUSE_URL set (tests/clickhouse/run_on_clickhouse), every vigil these tests
// start keeps its events in ClickHouse, each in a database of its own; configs that choose their
// storage themselves are left alone.
std::string WithTestStorage(const std::string& yaml, const std::string& data_dir) {
  const char* url = std::getenv("VIGIL_TEST_CLICKHOUSE_URL");
  if (url == nullptr || *url == '\0' || yaml.find("\nstorage:") != std::string::npos ||
      yaml.rfind("storage:", 0) == 0) {
    return yaml;
  }
  static int databases = 0;
  const std::string database = "it_" + std::to_string(getpid()) + "_" + std::to_string(++databases);
  return yaml + "\nstorage:\n  backend: clickhouse\n  clickhouse: { url: \"" + url +
         "\", database: " + database + ", spool_dir: \"" + data_dir + "/spool\" }\n";
}

}  // namespace

VigilProcess::VigilProcess(std::string data_dir, std::string config_yaml,
                           std::map<std::string, std::string> env)
    : data_dir_(std::move(data_dir)), env_(std::move(env)) {
  std::filesystem::create_directories(data_dir_);
  config_path_ = data_dir_ + "/../vigil-test.yaml";
  config_text_ = WithTestStorage(config_yaml, data_dir_);
  std::ofstream(config_path_) << config_text_;
}

VigilProcess::~VigilProcess() {
  if (pid_ > 0) Kill9();
}

bool VigilProcess::Start() {
  std::error_code ec;
  std::filesystem::remove(data_dir_ + "/vigil.addr", ec);
  std::string log_path = data_dir_ + "/../vigil.log";
  pid_ = fork();
  if (pid_ == 0) {
    for (const auto& [k, v] : env_) setenv(k.c_str(), v.c_str(), 1);
    FILE* log = fopen(log_path.c_str(), "a");
    if (log) {
      dup2(fileno(log), STDOUT_FILENO);
      dup2(fileno(log), STDERR_FILENO);
    }
    std::string binary = VigilBinary();
    execl(binary.c_str(), binary.c_str(), "serve", "--config", config_path_.c_str(), "--listen",
          "127.0.0.1:0", "--data", data_dir_.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string addr;
  bool bound = WaitFor([&] {
    std::ifstream in(data_dir_ + "/vigil.addr");
    return static_cast<bool>(std::getline(in, addr)) && !addr.empty();
  });
  if (!bound) return false;
  base_url_ = "http://" + addr;
  return true;
}

bool VigilProcess::WaitReady(std::chrono::milliseconds timeout) {
  HttpClient client(base_url_, std::chrono::seconds(5));
  return WaitFor(
      [&] {
        auto r = client.Get("/readyz");
        return r.ok() && r->status == 200;
      },
      timeout);
}

void VigilProcess::RewriteConfig(const std::string& yaml) {
  // The same storage as at start (a reload never moves the store).
  const size_t storage = config_text_.find("\nstorage:\n  backend: clickhouse");
  const std::string text =
      storage != std::string::npos && yaml.find("storage:") == std::string::npos
          ? yaml + config_text_.substr(storage)
          : yaml;
  std::ofstream(config_path_ + ".tmp") << text;
  std::filesystem::rename(config_path_ + ".tmp", config_path_);
}

void VigilProcess::SendSignal(int signal) {
  if (pid_ > 0) kill(pid_, signal);
}

void VigilProcess::Kill9() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int VigilProcess::Terminate() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string VigilProcess::Log() const {
  std::ifstream in(data_dir_ + "/../vigil.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace vigil::testing
