#include "support/clickhouse_cluster.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "client/http_client.h"

namespace vigil::testing {
namespace {

namespace fs = std::filesystem;
constexpr const char* kServerBinary = "/usr/sbin/clickhouse-server";  // Debian's path

// A port the kernel considers free right now (bound to 0, read back, closed). ClickHouse cannot
// report a port it chose itself, and its shards must know each other's ports in advance.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

const char kUsers[] = R"(<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
  </interval></default></quotas>
</yandex>
)";

}  // namespace

bool ClickHouseInstalled() { return access(kServerBinary, X_OK) == 0; }

std::unique_ptr<ClickHouseCluster> ClickHouseCluster::Start(const std::string& dir, int servers,
                                                            std::string& error) {
  if (!ClickHouseInstalled()) {
    error = std::string(kServerBinary) +
            " is not installed (scripts/install-deps.sh installs clickhouse-server)";
    return nullptr;
  }
  std::unique_ptr<ClickHouseCluster> cluster(new ClickHouseCluster());
  for (int i = 0; i < servers; ++i) {
    Server s;
    s.dir = dir + "/clickhouse-" + std::to_string(i);
    s.http_port = FreePort();
    s.tcp_port = FreePort();
    fs::create_directories(s.dir);
    cluster->servers_.push_back(s);
  }
  std::ostringstream shards;
  for (const Server& s : cluster->servers_) {
    shards << "      <shard><replica><host>127.0.0.1</host><port>" << s.tcp_port
           << "</port></replica></shard>\n";
  }
  for (Server& s : cluster->servers_) {
    std::ofstream(s.dir + "/users.xml") << kUsers;
    std::ofstream(s.dir + "/config.xml")
        << "<?xml version=\"1.0\"?>\n<yandex>\n"
        << "  <logger><level>warning</level><log>" << s.dir << "/server.log</log><errorlog>"
        << s.dir << "/server.err.log</errorlog><size>10M</size><count>1</count></logger>\n"
        << "  <listen_host>127.0.0.1</listen_host>\n"
        << "  <http_port>" << s.http_port << "</http_port>\n"
        << "  <tcp_port>" << s.tcp_port << "</tcp_port>\n"
        << "  <path>" << s.dir << "/data/</path>\n"
        << "  <tmp_path>" << s.dir << "/tmp/</tmp_path>\n"
        << "  <user_files_path>" << s.dir << "/user_files/</user_files_path>\n"
        << "  <users_config>" << s.dir << "/users.xml</users_config>\n"
        << "  <default_profile>default</default_profile>\n"
        << "  <default_database>default</default_database>\n"
        << "  <mark_cache_size>134217728</mark_cache_size>\n"
        << "  <uncompressed_cache_size>134217728</uncompressed_cache_size>\n"
        << "  <remote_servers>\n    <" << kClusterName << ">\n"
        << shards.str() << "    </" << kClusterName << ">\n  </remote_servers>\n"
        << "</yandex>\n";
  }
  for (Server& s : cluster->servers_) {
    if (!cluster->Launch(s, error)) return nullptr;
  }
  return cluster;
}

bool ClickHouseCluster::Launch(Server& s, std::string& error) {
  const std::string config = "--config-file=" + s.dir + "/config.xml";
  std::vector<std::string> args = {kServerBinary, config};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = {"PATH=/usr/bin:/bin", "TZ=UTC"};
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string out = s.dir + "/stdout.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  const int rc = posix_spawn(&s.pid, kServerBinary, &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    s.pid = -1;
    error = "cannot start clickhouse-server: " + std::string(strerror(rc));
    return false;
  }
  HttpClient client("http://127.0.0.1:" + std::to_string(s.http_port),
                    std::chrono::milliseconds(2000));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = client.Get("/ping");
    if (r.ok() && r->status == 200) return true;
    int status = 0;
    if (waitpid(s.pid, &status, WNOHANG) == s.pid) {
      s.pid = -1;
      error = "clickhouse-server exited at start:\n" + Log(static_cast<int>(&s - servers_.data()));
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  error = "clickhouse-server did not answer /ping within 60 s";
  return false;
}

std::string ClickHouseCluster::http_url(int i) const {
  return "http://127.0.0.1:" + std::to_string(servers_[static_cast<size_t>(i)].http_port);
}

void ClickHouseCluster::Stop(int i) {
  Server& s = servers_[static_cast<size_t>(i)];
  if (s.pid <= 0) return;
  kill(s.pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int status = 0;
  while (waitpid(s.pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(s.pid, SIGKILL);
      waitpid(s.pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  s.pid = -1;
}

bool ClickHouseCluster::Restart(int i) {
  Stop(i);
  std::string error;
  return Launch(servers_[static_cast<size_t>(i)], error);
}

std::string ClickHouseCluster::Log(int i) const {
  const Server& s = servers_[static_cast<size_t>(i)];
  std::string text;
  for (const char* name : {"/stdout.log", "/server.err.log"}) {
    std::ifstream in(s.dir + name);
    std::stringstream buf;
    buf << in.rdbuf();
    text += buf.str();
  }
  return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
}

ClickHouseCluster::~ClickHouseCluster() {
  for (int i = 0; i < size(); ++i) Stop(i);
}

}  // namespace vigil::testing
