// bench/switchback: how fast a rollback reaches services. N watchers long-poll
// GET /v1/routes/bench over keep-alive connections from a separate load process (this binary
// re-executed with --load: one epoll thread); a rollback is issued; we print when 50%, 99% and
// 100% of the watchers have the new route version — at the server (publish → response
// written, from Vigil's own delivery log line) and at the clients (rollback request sent →
// response received; CLOCK_MONOTONIC is shared by both processes). Also the server's RSS and
// thread count with 10,000 idle watchers, against its RSS before they connected.
// Targets (docs/architecture.md): 10,000 notified ≤ 150 ms at the server, 200 ≤ 20 ms,
// RSS ≤ 64 MiB; the seed's target is 5 minutes. Prints figures; asserts nothing.
//
//   switchback_bench [--watchers 10000] [--small 200] [--rounds 3]

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "bench/http_load.h"
#include "client/http_client.h"
#include "support/vigil_process.h"

namespace vigil::bench {
namespace {

using nlohmann::json;

constexpr char kToken[] = "bench-token";

double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5)];
}

double Median(const std::vector<double>& v) { return Quantile(v, 0.5); }

void RaiseFileLimit() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
}

std::string ProcField(pid_t pid, const char* key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return line.substr(std::strlen(key));
  }
  return "";
}

double RssMiB(pid_t pid) { return std::atof(ProcField(pid, "VmRSS:").c_str()) / 1024.0; }

// ---- the load process ------------------------------------------------------------------------
// Keeps every watcher parked: re-polls after each change reached all of them. For each new route
// version it prints "got VERSION COUNT P50_NS P99_NS MAX_NS" (absolute receive times) once all
// watchers have it; "ready VERSION" once the first polls are sent. Exits after `changes` versions.
int LoadMain(uint16_t port, size_t watchers, int changes) {
  HttpClient client("http://127.0.0.1:" + std::to_string(port));
  auto route = client.Get("/v1/routes/bench", {std::string("Authorization: Bearer ") + kToken});
  if (!route.ok() || route->status != 200) {
    std::fprintf(stderr, "load: cannot read the route\n");
    return 1;
  }
  int64_t version = json::parse(route->body)["version"].get<int64_t>();
  HttpLoad load("127.0.0.1", port);
  if (!load.Open(watchers)) {
    std::fprintf(stderr, "load: %s\n", load.error().c_str());
    return 1;
  }
  auto request = [](int64_t v) {
    return "GET /v1/routes/bench?wait=120s&version=" + std::to_string(v) +
           " HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer " + kToken + "\r\n\r\n";
  };
  for (size_t i = 0; i < watchers; ++i) load.Send(i, request(version));
  std::printf("ready %lld\n", static_cast<long long>(version));
  std::fflush(stdout);
  std::map<int64_t, std::vector<int64_t>> received;  // version → receive times
  int finished = 0;
  std::vector<int64_t> known(watchers, version);
  // A watcher that got the new version re-polls only once all have it, so the figures measure
  // the fan-out of one change, not the fan-out mixed with thousands of new polls arriving.
  auto on = [&](size_t conn, int status, std::string_view body, int64_t at) {
    if (status != 200) {  // 304 at the long-poll timeout: poll again at once
      load.Send(conn, request(known[conn]));
      return;
    }
    // A field scan, not a JSON parse: the load process must stay cheap next to the server.
    // The route's own "version" is its last key (keys are sorted; releases nest "version"
    // strings earlier in the document).
    const size_t pos = body.rfind("\"version\":");
    const int64_t v = pos == std::string_view::npos
                          ? known[conn]
                          : std::strtoll(body.data() + pos + 10, nullptr, 10);
    known[conn] = v;
    auto& times = received[v];
    times.push_back(at);
    if (times.size() < watchers) return;
    std::sort(times.begin(), times.end());
    std::printf("got %lld %zu %lld %lld %lld\n", static_cast<long long>(v), times.size(),
                static_cast<long long>(times[watchers / 2]),
                static_cast<long long>(times[watchers * 99 / 100]),
                static_cast<long long>(times.back()));
    std::fflush(stdout);
    ++finished;
    for (size_t i = 0; i < watchers; ++i) load.Send(i, request(known[i]));
  };
  const bool done = load.RunUntil([&] { return finished >= changes; }, 600'000, on);
  if (!done) std::fprintf(stderr, "load: timed out (%zu connections closed)\n", load.closed());
  return done ? 0 : 1;
}

// ---- the driver ------------------------------------------------------------------------------
struct LoadProcess {
  pid_t pid = -1;
  FILE* out = nullptr;
};

LoadProcess SpawnLoad(uint16_t port, size_t watchers, int changes) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    const std::string p = std::to_string(port), w = std::to_string(watchers),
                      c = std::to_string(changes);
    execl("/proc/self/exe", "switchback_bench", "--load", p.c_str(), w.c_str(), c.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  return {pid, fdopen(fds[0], "r")};
}

struct Round {
  double server_p50 = -1, server_p99 = -1, server_all = -1;
  double client_p50 = -1, client_p99 = -1, client_all = -1;
};

// Finds "route bench@V delivered to N watchers: 50% in A ms, 99% in B ms, all in C ms".
bool ServerFigures(const std::string& log, int64_t version, Round& r) {
  const std::regex re("route bench@" + std::to_string(version) +
                      " delivered to \\d+ watchers: 50% in ([0-9.]+) ms, 99% in ([0-9.]+) ms, "
                      "all in ([0-9.]+) ms");
  std::smatch m;
  if (!std::regex_search(log, m, re)) return false;
  r.server_p50 = std::stod(m[1]);
  r.server_p99 = std::stod(m[2]);
  r.server_all = std::stod(m[3]);
  return true;
}

bool WaitWatchers(HttpClient& client, size_t n) {
  return testing::WaitFor(
      [&] {
        auto m = client.Get("/metrics");
        if (!m.ok()) return false;
        size_t at = m->body.find("\nvigil_route_watchers ");
        return at != std::string::npos &&
               std::strtoull(m->body.c_str() + at + 22, nullptr, 10) >= n;
      },
      std::chrono::seconds(120));
}

std::vector<Round> Scenario(testing::VigilProcess& vigil, uint16_t port, size_t watchers,
                            int rounds, double* idle_rss, std::string* threads) {
  HttpClient client(vigil.base_url());
  const std::vector<std::string> auth = {std::string("Authorization: Bearer ") + kToken,
                                         "Content-Type: application/json"};
  // Each round changes the route twice: the measured rollback, then a promote back to v2.
  LoadProcess load = SpawnLoad(port, watchers, rounds * 2);
  char line[256];
  std::vector<Round> out;
  if (!load.out || !std::fgets(line, sizeof(line), load.out)) {
    std::fprintf(stderr, "the load process did not start\n");
    return out;
  }
  for (int round = 0; round < rounds; ++round) {
    if (!WaitWatchers(client, watchers)) {
      std::fprintf(stderr, "watchers did not all arrive\n");
      break;
    }
    if (round == 0 && idle_rss) {
      *idle_rss = RssMiB(vigil.pid());
      *threads = ProcField(vigil.pid(), "Threads:");
    }
    const int64_t t0 = HttpLoad::NowNs();
    auto rb = client.Request("POST", "/v1/releases/bench/rollback", R"({"reason":"bench"})", auth);
    if (!rb.ok() || rb->status != 200) {
      std::fprintf(stderr, "rollback failed: %s\n", rb.ok() ? rb->body.c_str() : "unreachable");
      break;
    }
    const int64_t version = json::parse(rb->body)["route_version"].get<int64_t>();
    Round r;
    long long v = 0, p50 = 0, p99 = 0, last = 0;
    size_t count = 0;
    if (!std::fgets(line, sizeof(line), load.out) ||
        std::sscanf(line, "got %lld %zu %lld %lld %lld", &v, &count, &p50, &p99, &last) != 5) {
      std::fprintf(stderr, "the load process stopped\n");
      break;
    }
    r.client_p50 = static_cast<double>(p50 - t0) / 1e6;
    r.client_p99 = static_cast<double>(p99 - t0) / 1e6;
    r.client_all = static_cast<double>(last - t0) / 1e6;
    testing::WaitFor([&] { return ServerFigures(vigil.Log(), version, r); },
                     std::chrono::seconds(10));
    out.push_back(r);
    std::printf(
        "    round %d: server 50%% %.1f ms, 99%% %.1f ms, all %.1f ms; clients 50%% %.1f "
        "ms, 99%% %.1f ms, all %.1f ms\n",
        round + 1, r.server_p50, r.server_p99, r.server_all, r.client_p50, r.client_p99,
        r.client_all);
    std::fflush(stdout);
    // Back to v2 for the next round (watchers see that change too).
    if (!WaitWatchers(client, watchers)) break;
    client.Request("POST", "/v1/releases/bench/v2/promote", "{}", auth);
    if (!std::fgets(line, sizeof(line), load.out)) break;
  }
  int status = 0;
  waitpid(load.pid, &status, 0);
  std::fclose(load.out);
  return out;
}

void PrintScenario(const char* label, const std::vector<Round>& rounds, double target_ms) {
  auto col = [&](double Round::*field) {
    std::vector<double> v;
    for (const Round& r : rounds) v.push_back(r.*field);
    return Median(v);
  };
  std::printf("  %s (median of %zu rounds)\n", label, rounds.size());
  std::printf(
      "    at the server (publish → written):  50%% %7.1f ms   99%% %7.1f ms   100%% "
      "%7.1f ms   target 100%% <= %.0f ms → %.2f of target\n",
      col(&Round::server_p50), col(&Round::server_p99), col(&Round::server_all), target_ms,
      col(&Round::server_all) / target_ms);
  std::printf(
      "    at the clients (request → received): 50%% %7.1f ms   99%% %7.1f ms   100%% "
      "%7.1f ms   (seed target 5 min: %.5f of it)\n",
      col(&Round::client_p50), col(&Round::client_p99), col(&Round::client_all),
      col(&Round::client_all) / 300000.0);
}

int Main(int argc, char** argv) {
  if (argc >= 5 && !std::strcmp(argv[1], "--load")) {
    return LoadMain(static_cast<uint16_t>(std::atoi(argv[2])),
                    static_cast<size_t>(std::atoll(argv[3])), std::atoi(argv[4]));
  }
  size_t watchers = 10000, small = 200;
  int rounds = 3, threads_opt = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--watchers"))
      watchers = static_cast<size_t>(std::atoll(argv[i + 1]));
    if (!std::strcmp(argv[i], "--small")) small = static_cast<size_t>(std::atoll(argv[i + 1]));
    if (!std::strcmp(argv[i], "--rounds")) rounds = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--server-threads")) threads_opt = std::atoi(argv[i + 1]);
  }
  RaiseFileLimit();  // the server inherits it
  testing::TempDir dir;
  const std::string config = "server: { threads: " + std::to_string(threads_opt) + R"( }
auth:
  tokens:
    - { name: bench, token_env: BENCH_TOKEN, roles: [admin], tenants: "*" }
use_cases:
  - name: bench
    critical_path: true
    releases:
      - { version: v1, model: m-large, prompt: bench@1, fallback_model: m-small, known_good: true,
          tools: [lookup_order] }
      - { version: v2, model: m-large, prompt: bench@2, fallback_model: m-small, active: true,
          tools: [lookup_order, issue_refund], params: { temperature: 0.2, max_tokens: 1024 } }
)";
  testing::VigilProcess vigil(dir.File("data"), config, {{"BENCH_TOKEN", kToken}});
  if (!vigil.Start() || !vigil.WaitReady()) {
    std::fprintf(stderr, "cannot start vigil\n%s", vigil.Log().c_str());
    return 1;
  }
  const uint16_t port = static_cast<uint16_t>(
      std::atoi(vigil.base_url().substr(vigil.base_url().rfind(':') + 1).c_str()));
  const double base_rss = RssMiB(vigil.pid());
  std::printf(
      "switchback: watchers long-poll GET /v1/routes/bench (keep-alive, one epoll load "
      "process); rollback v2 → v1\n");
  std::vector<Round> small_rounds = Scenario(vigil, port, small, rounds, nullptr, nullptr);
  double idle_rss = 0;
  std::string threads;
  std::vector<Round> large_rounds = Scenario(vigil, port, watchers, rounds, &idle_rss, &threads);
  PrintScenario((std::to_string(small) + " watchers").c_str(), small_rounds, 20);
  PrintScenario((std::to_string(watchers) + " watchers").c_str(), large_rounds, 150);
  std::printf(
      "  server RSS: %.1f MiB before watchers, %.1f MiB with %zu idle watchers "
      "(target <= 64 MiB → %.2f of target); threads:%s\n",
      base_rss, idle_rss, watchers, idle_rss / 64.0, threads.c_str());
  vigil.Terminate();
  return 0;
}

}  // namespace
}  // namespace vigil::bench

int main(int argc, char** argv) { return vigil::bench::Main(argc, argv); }
