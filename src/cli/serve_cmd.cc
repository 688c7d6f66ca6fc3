// vigil serve --config FILE [--listen HOST:PORT] [--data DIR] [--web-dir DIR]

#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "common/clock.h"
#include "config/config.h"
#include "server/vigil_server.h"

namespace vigil::cli {
namespace {

struct ServeArgs {
  std::string config_path;
  std::string listen;
  std::string data_dir = "data";
  std::string web_dir;
};

int RunServe(const ServeArgs& args) {
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  LoadedConfig loaded = LoadConfigFromFile(args.config_path);
  if (!loaded.ok()) {
    for (const ConfigProblem& p : loaded.problems) {
      std::cerr << args.config_path << ": " << p.ToString() << "\n";
    }
    std::cerr << "vigil: configuration has problems; see `vigil config check " << args.config_path
              << "`\n";
    return kExitUsage;
  }
  // Signals are taken by a dedicated thread with sigwait, so every other thread (HTTP, writer)
  // inherits the blocked mask and shutdown runs as ordinary code, not in a signal handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  ServeOptions options;
  options.config_path = args.config_path;
  options.data_dir = args.data_dir;
  options.listen_override = args.listen;
  options.web_dir = args.web_dir;
  Result<std::unique_ptr<VigilServer>> server =
      VigilServer::Create(std::move(loaded.config), options, SystemClock::Instance());
  if (!server.ok()) {
    std::cerr << "vigil: " << server.status().ToString() << "\n";
    return kExitUsage;
  }
  Status started = (*server)->Start();
  if (!started.ok()) {
    std::cerr << "vigil: " << started.ToString() << "\n";
    return kExitUsage;
  }
  std::atomic<bool> stop{false};
  std::thread signal_waiter([&] {
    for (;;) {
      int sig = 0;
      sigwait(&signals, &sig);
      if (sig == SIGHUP) {
        // Reload in place; a config with problems changes nothing (Reload logs why).
        Status st = (*server)->Reload("signal:SIGHUP");
        if (!st.ok()) spdlog::warn("SIGHUP: {}", st.message());
        continue;
      }
      spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
      stop.store(true);
      return;
    }
  });
  Status fatal = (*server)->Wait(stop);
  (*server)->Shutdown();
  if (!stop.load()) {
    // Wake the signal thread so it can be joined.
    pthread_kill(signal_waiter.native_handle(), SIGTERM);
  }
  signal_waiter.join();
  return fatal.ok() ? kExitOk : kExitCheckFailed;
}

}  // namespace

void RegisterServe(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* serve = app.add_subcommand("serve", "Run the Vigil server");
  serve->add_option("--config,-c", args->config_path, "YAML configuration file")->required();
  serve->add_option("--listen", args->listen,
                    "HOST:PORT to listen on (overrides server.listen; port 0 picks a free one)");
  serve
      ->add_option("--data", args->data_dir,
                   "Data directory; relative paths in the config resolve against it")
      ->capture_default_str();
  serve->add_option("--web-dir", args->web_dir,
                    "Dashboard files (default: `web` beside the binary, built by cmake)");
  serve->callback([args, &exit_code] { exit_code = RunServe(*args); });
}

}  // namespace vigil::cli
