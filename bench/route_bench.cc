// bench/route: requests/s of GET /v1/routes/{use_case} answered 304 (If-None-Match with the
// current ETag) over 64 keep-alive connections — what thousands of services polling their
// route cost — against GET /healthz through the same server, connections and load process in
// the same run (the reference: the cheapest request Vigil answers). The load runs in a
// separate process (this binary re-executed with --load: one epoll thread). Prints figures;
// asserts nothing.
//
//   route_bench [--connections 64] [--seconds 5]

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "bench/http_load.h"
#include "client/http_client.h"
#include "support/vigil_process.h"

namespace vigil::bench {
namespace {

constexpr char kToken[] = "bench-token";

// One phase: every connection keeps one request in flight for `seconds`; prints
// "rate NAME REQUESTS_PER_S EXPECTED_STATUS_SHARE".
void Phase(HttpLoad& load, const char* name, const std::string& request, int expected_status,
           double seconds) {
  uint64_t answered = 0, expected = 0;
  bool stopping = false;
  size_t in_flight = load.size();
  for (size_t i = 0; i < load.size(); ++i) load.Send(i, request);
  const int64_t start = HttpLoad::NowNs();
  const int64_t end = start + static_cast<int64_t>(seconds * 1e9);
  load.RunUntil([&] { return stopping && in_flight == 0; },
                static_cast<int64_t>(seconds * 1000) + 30000,
                [&](size_t conn, int status, std::string_view, int64_t at) {
                  if (!stopping && at < end) {
                    ++answered;
                    expected += status == expected_status;
                    load.Send(conn, request);
                    return;
                  }
                  stopping = true;
                  --in_flight;
                });
  const double elapsed = static_cast<double>(end - start) / 1e9;
  std::printf("rate %s %.0f %.4f\n", name, static_cast<double>(answered) / elapsed,
              answered ? static_cast<double>(expected) / static_cast<double>(answered) : 0.0);
  std::fflush(stdout);
}

int LoadMain(uint16_t port, size_t connections, double seconds) {
  HttpClient client("http://127.0.0.1:" + std::to_string(port));
  auto route = client.Get("/v1/routes/bench", {std::string("Authorization: Bearer ") + kToken});
  if (!route.ok() || route->status != 200) return 1;
  const std::string etag(route->Header("etag"));
  HttpLoad load("127.0.0.1", port);
  if (!load.Open(connections)) {
    std::fprintf(stderr, "load: %s\n", load.error().c_str());
    return 1;
  }
  Phase(load, "healthz", "GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n", 200, seconds);
  Phase(load, "route304",
        "GET /v1/routes/bench HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer " +
            std::string(kToken) + "\r\nIf-None-Match: " + etag + "\r\n\r\n",
        304, seconds);
  return 0;
}

int Main(int argc, char** argv) {
  if (argc >= 5 && !std::strcmp(argv[1], "--load")) {
    return LoadMain(static_cast<uint16_t>(std::atoi(argv[2])),
                    static_cast<size_t>(std::atoll(argv[3])), std::atof(argv[4]));
  }
  size_t connections = 64;
  double seconds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--connections")) connections = std::atoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
  }
  testing::TempDir dir;
  const std::string config = R"(
auth:
  tokens:
    - { name: bench, token_env: BENCH_TOKEN, roles: [read], tenants: "*" }
use_cases:
  - name: bench
    releases:
      - { version: v1, model: m-large, prompt: bench@1, known_good: true }
      - { version: v2, model: m-large, prompt: bench@2, active: true }
)";
  testing::VigilProcess vigil(dir.File("data"), config, {{"BENCH_TOKEN", kToken}});
  if (!vigil.Start() || !vigil.WaitReady()) {
    std::fprintf(stderr, "cannot start vigil\n%s", vigil.Log().c_str());
    return 1;
  }
  const std::string port = vigil.base_url().substr(vigil.base_url().rfind(':') + 1);
  int fds[2];
  if (pipe(fds) != 0) return 1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    const std::string c = std::to_string(connections), s = std::to_string(seconds);
    execl("/proc/self/exe", "route_bench", "--load", port.c_str(), c.c_str(), s.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  FILE* out = fdopen(fds[0], "r");
  char line[256], name[64];
  double healthz = 0, route = 0, share_healthz = 0, share_route = 0;
  while (std::fgets(line, sizeof(line), out)) {
    double rate = 0, share = 0;
    if (std::sscanf(line, "rate %63s %lf %lf", name, &rate, &share) != 3) continue;
    if (!std::strcmp(name, "healthz")) healthz = rate, share_healthz = share;
    if (!std::strcmp(name, "route304")) route = rate, share_route = share;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  std::printf("route: %zu keep-alive connections, one request in flight each, %.0f s per phase\n",
              connections, seconds);
  std::printf("  reference GET /healthz                        %9.0f requests/s  (%.1f%% 200)\n",
              healthz, share_healthz * 100);
  std::printf("  GET /v1/routes/bench + If-None-Match → 304     %9.0f requests/s  (%.1f%% 304)\n",
              route, share_route * 100);
  std::printf("  ratio route / healthz = %.2f  (the route path adds auth and a hub lookup)\n",
              healthz > 0 ? route / healthz : 0.0);
  vigil.Terminate();
  return 0;
}

}  // namespace
}  // namespace vigil::bench

int main(int argc, char** argv) { return vigil::bench::Main(argc, argv); }
