// vigil sim --config FILE [--server URL] [--duration 60s] [--rate-scale X] [--use-case U]…
// [--seed N] [--json] — agent traffic that behaves like real services (docs/simulator.md).

#include <signal.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "common/time_util.h"
#include "config/config.h"
#include "sim/simulator.h"

namespace vigil::cli {
namespace {

struct SimArgs {
  std::string config_path;
  std::string duration = "0s";
  double rate_scale = 1;
  std::vector<std::string> use_cases;
  int64_t seed = -1;
  bool json = false;
  bool quiet = false;
  ClientFlags client;
};

nlohmann::json StatsJson(const SimStats& s, double seconds) {
  nlohmann::json ucs = nlohmann::json::object();
  for (const auto& [name, u] : s.use_cases) {
    ucs[name] = {{"requests", u.requests},
                 {"failed", u.failed},
                 {"rate", seconds > 0 ? static_cast<double>(u.requests) / seconds : 0},
                 {"failures", u.failures},
                 {"releases", u.releases}};
  }
  return {{"seconds", seconds},
          {"events_sent", s.events_sent},
          {"events_rejected", s.events_rejected},
          {"batches_failed", s.batches_failed},
          {"throttled", s.throttled},
          {"use_cases", ucs},
          {"last_error", s.last_error}};
}

std::string ProgressLine(const SimStats& s, double seconds) {
  std::string line = "sim " + std::to_string(static_cast<int>(seconds)) + "s:";
  for (const auto& [name, u] : s.use_cases) {
    char buf[200];
    std::snprintf(
        buf, sizeof(buf), " %s %.1f req/s (%.1f%% failed)", name.c_str(),
        seconds > 0 ? static_cast<double>(u.requests) / seconds : 0.0,
        u.requests ? 100.0 * static_cast<double>(u.failed) / static_cast<double>(u.requests) : 0.0);
    line += buf;
  }
  line += "; " + std::to_string(s.events_sent) + " events sent";
  if (s.events_rejected) line += ", " + std::to_string(s.events_rejected) + " rejected";
  if (s.batches_failed) line += ", " + std::to_string(s.batches_failed) + " batches failed";
  return line;
}

std::atomic<bool> g_stop{false};

int RunSim(const SimArgs& args) {
  LoadedConfig loaded = LoadConfigFromFile(args.config_path);
  if (!loaded.ok()) {
    for (const ConfigProblem& p : loaded.problems) {
      std::cerr << args.config_path << ": " << p.ToString() << "\n";
    }
    return kExitUsage;
  }
  Result<int64_t> duration = ParseDuration(args.duration);
  if (!duration.ok()) {
    std::cerr << "vigil: --duration: " << duration.status().message() << "\n";
    return kExitUsage;
  }
  const std::string token = ApiClient::TokenFromEnv();
  if (token.empty()) {
    std::cerr << "vigil: set VIGIL_TOKEN to a token with the ingest and read roles\n";
    return kExitUsage;
  }
  SimulatorConfig config = loaded.config.simulator;
  if (args.seed >= 0) config.seed = static_cast<uint64_t>(args.seed);
  Simulator::Options options;
  options.server = args.client.server;
  options.token = token;
  options.rate_scale = args.rate_scale;
  options.use_cases = args.use_cases;
  Simulator sim(options, config, loaded.config.pricing);
  signal(SIGINT, [](int) { g_stop = true; });
  signal(SIGTERM, [](int) { g_stop = true; });
  signal(SIGPIPE, SIG_IGN);
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  int64_t last_printed = 0;
  Status st =
      sim.Run(g_stop, std::chrono::milliseconds(*duration / 1'000'000), [&](const SimStats& s) {
        const double secs = elapsed();
        if (args.json || args.quiet || secs - last_printed < 10) return;
        last_printed = static_cast<int64_t>(secs);
        std::cerr << ProgressLine(s, secs) << std::endl;
      });
  const SimStats stats = sim.Snapshot();
  if (!st.ok()) {
    std::cerr << "vigil: " << st.message() << "\n";
    return kExitUsage;
  }
  if (args.json) {
    std::cout << StatsJson(stats, elapsed()).dump(2) << "\n";
  } else {
    std::cerr << ProgressLine(stats, elapsed()) << "\n";
    if (!stats.last_error.empty()) std::cerr << "  last error: " << stats.last_error << "\n";
  }
  return stats.batches_failed || stats.events_rejected ? kExitCheckFailed : kExitOk;
}

}  // namespace

void RegisterSim(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<SimArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sim", "Simulated agent services: traffic that follows its routes (and drill faults)");
  cmd->add_option("--config", args->config_path, "Config file (simulator, pricing)")->required();
  cmd->add_option("--duration", args->duration, "Stop after this long (default: until Ctrl-C)");
  cmd->add_option("--rate-scale", args->rate_scale, "Multiply every use case's rate")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--use-case", args->use_cases, "Only these use cases (repeatable)");
  cmd->add_option("--seed", args->seed, "Random seed (default: simulator.seed)");
  cmd->add_flag("--quiet", args->quiet, "No progress lines");
  AddClientFlags(cmd, args->client);
  cmd->callback([args, &exit_code] {
    args->json = args->client.json;
    exit_code = RunSim(*args);
  });
}

}  // namespace vigil::cli
