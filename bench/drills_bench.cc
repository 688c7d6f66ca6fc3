// bench/drills: the three drill scenarios against the demo configuration (examples/vigil.yaml:
// its rules, windows and simulator settings) with the real server and the real simulator. Per
// scenario: detect / switchback / recovery (median of N runs) and their ratio to the seed's
// targets (switchback 5 min, core path recovery 15 min). Prints figures; asserts nothing.
//
//   drills_bench [--runs 5] [--scenario NAME]   (one scenario only)

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "client/http_client.h"
#include "support/vigil_process.h"

extern char** environ;

namespace vigil::bench {
namespace {

using nlohmann::json;

double Median(std::vector<double> v) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Main(int argc, char** argv) {
  int runs = 5;
  std::vector<std::string> scenarios = {"malformed-output", "tool-permission", "upstream-timeout"};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--runs")) runs = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--scenario")) scenarios = {argv[i + 1]};
  }
  std::ifstream in(VIGIL_SOURCE_DIR "/examples/vigil.yaml");
  std::stringstream config;
  config << in.rdbuf();
  testing::TempDir dir;
  const std::map<std::string, std::string> tokens = {{"VIGIL_TOKEN_ADMIN", "admin-b"},
                                                     {"VIGIL_TOKEN_OPERATE", "operate-b"},
                                                     {"VIGIL_TOKEN_READ", "read-b"},
                                                     {"VIGIL_TOKEN_INGEST", "ingest-b"}};
  testing::VigilProcess vigil(dir.File("data"), config.str(), tokens);
  if (!vigil.Start() || !vigil.WaitReady()) {
    std::fprintf(stderr, "cannot start vigil\n%s", vigil.Log().c_str());
    return 1;
  }
  std::ofstream(dir.File("demo.yaml")) << config.str();
  // The simulator, as scripts/run-demo.sh runs it.
  pid_t sim = -1;
  {
    const std::string binary = testing::VigilBinary();
    std::vector<std::string> args = {
        binary, "sim", "--config", dir.File("demo.yaml"), "--server", vigil.base_url(), "--quiet"};
    std::vector<char*> av;
    for (auto& a : args) av.push_back(a.data());
    av.push_back(nullptr);
    std::vector<std::string> env = {"VIGIL_TOKEN=ingest-b", "PATH=/usr/bin:/bin"};
    std::vector<char*> ev;
    for (auto& e : env) ev.push_back(e.data());
    ev.push_back(nullptr);
    posix_spawn(&sim, binary.c_str(), nullptr, nullptr, av.data(), ev.data());
  }
  HttpClient client(vigil.base_url());
  const std::vector<std::string> auth = {"Authorization: Bearer admin-b",
                                         "Content-Type: application/json"};
  auto get = [&](const std::string& path) {
    auto r = client.Get(path, auth);
    return r.ok() && r->status == 200 ? json::parse(r->body, nullptr, false) : json();
  };
  // Quiet before each drill: traffic flowing, nothing firing on the use case.
  auto settled = [&] {
    return testing::WaitFor(
        [&] {
          const json s = get("/v1/summary?use_case=refund-bot&from=-1m");
          if (!s.is_object() || s["task"]["count"].get<int>() < 100) return false;
          const json alerts = get("/v1/alerts?state=firing");
          // The fast rules must be quiet so the next drill sees a new firing; the SLO burn rule
          // (1 h window) may stay firing from the previous run — its old firing does not count.
          for (const json& a : alerts["alerts"]) {
            if (a["rule"] == "refund-task-errors" || a["rule"] == "upstream-timeouts") {
              return false;
            }
          }
          return true;
        },
        std::chrono::minutes(5));
  };
  std::printf(
      "drills: examples/vigil.yaml with the simulator, use case refund-bot, %d runs per "
      "scenario\n",
      runs);
  std::fflush(stdout);
  struct Figures {
    std::vector<double> detect, switchback, recovery;
    int passed = 0;
  };
  std::map<std::string, Figures> figures;
  for (const std::string& scenario : scenarios) {
    for (int run = 0; run < runs; ++run) {
      if (!settled()) {
        std::fprintf(stderr, "the use case did not settle\n");
        break;
      }
      auto started =
          client.Request("POST", "/v1/drills",
                         json{{"scenario", scenario}, {"use_case", "refund-bot"}}.dump(), auth);
      if (!started.ok() || started->status != 202) {
        std::fprintf(stderr, "POST /v1/drills: %s\n",
                     started.ok() ? started->body.c_str() : "unreachable");
        break;
      }
      const std::string id = json::parse(started->body)["id"];
      json d;
      testing::WaitFor(
          [&] {
            d = get("/v1/drills/" + id);
            return d.is_object() && d["status"] != "running";
          },
          std::chrono::minutes(20));
      Figures& f = figures[scenario];
      f.passed += d["status"] == "passed";
      f.detect.push_back(
          d["clocks"][0]["elapsed_s"].is_number() ? d["clocks"][0]["elapsed_s"].get<double>() : -1);
      f.switchback.push_back(
          d["clocks"][1]["elapsed_s"].is_number() ? d["clocks"][1]["elapsed_s"].get<double>() : -1);
      f.recovery.push_back(
          d["clocks"][2]["elapsed_s"].is_number() ? d["clocks"][2]["elapsed_s"].get<double>() : -1);
      std::printf(
          "  %-17s run %d: %-6s detect %6.1f s  switchback %6.1f s  recovery %6.1f s  "
          "(%s)\n",
          scenario.c_str(), run + 1, d.value("status", "?").c_str(), f.detect.back(),
          f.switchback.back(), f.recovery.back(), d.value("remedy_seen", "").c_str());
      std::fflush(stdout);
    }
  }
  std::printf("\n  %-17s %6s %10s %12s %10s   %s\n", "scenario", "passed", "detect", "switchback",
              "recovery", "ratio to the seed's targets (5 min, 15 min)");
  for (const auto& [scenario, f] : figures) {
    const double sw = Median(f.switchback), rec = Median(f.recovery);
    std::printf("  %-17s %3d/%-2zu %8.1f s %10.1f s %8.1f s   switchback %.3f, recovery %.3f\n",
                scenario.c_str(), f.passed, f.detect.size(), Median(f.detect), sw, rec, sw / 300.0,
                rec / 900.0);
  }
  if (sim > 0) {
    kill(sim, SIGTERM);
    waitpid(sim, nullptr, 0);
  }
  vigil.Terminate();
  return 0;
}

}  // namespace
}  // namespace vigil::bench

int main(int argc, char** argv) { return vigil::bench::Main(argc, argv); }
