#pragma once
// ClickHouseCluster: real ClickHouse servers (Debian's clickhouse-server, 18.16) for tests, on
// loopback ports, each from a config written to a temporary directory (root element <yandex>,
// listen_host 127.0.0.1, a `remote_servers` cluster with one shard per server). Servers are
// started as child processes, awaited until GET /ping answers, and stopped by PID — also one at a
// time, to test outages.

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace vigil::testing {

class ClickHouseCluster {
 public:
  // The cluster name in every server's remote_servers.
  static constexpr const char* kClusterName = "vigil_shards";

  // Starts `servers` servers under `dir`; nullptr with `error` set when the binary is missing or
  // a server does not answer within 60 s.
  static std::unique_ptr<ClickHouseCluster> Start(const std::string& dir, int servers,
                                                  std::string& error);
  ~ClickHouseCluster();
  ClickHouseCluster(const ClickHouseCluster&) = delete;
  ClickHouseCluster& operator=(const ClickHouseCluster&) = delete;

  int size() const { return static_cast<int>(servers_.size()); }
  // http://127.0.0.1:PORT of server i.
  std::string http_url(int i) const;
  // SIGTERM and wait (SIGKILL after 20 s); the data stays for a restart.
  void Stop(int i);
  // Starts server i again on the same ports and data; false when it does not answer.
  bool Restart(int i);
  bool running(int i) const { return servers_[static_cast<size_t>(i)].pid > 0; }
  // The server's log files, for failure messages.
  std::string Log(int i) const;

 private:
  struct Server {
    std::string dir;
    int http_port = 0;
    int tcp_port = 0;
    pid_t pid = -1;
  };
  ClickHouseCluster() = default;
  bool Launch(Server& s, std::string& error);

  std::vector<Server> servers_;
};

// Whether clickhouse-server is installed (tests that need it fail with this reason otherwise).
bool ClickHouseInstalled();

}  // namespace vigil::testing
