#pragma once
// The vigil command line: one function per command group registers its subcommands on the
// CLI11 app. Exit codes everywhere: 0 ok, 1 a check failed, 2 usage, configuration or
// connection error.

#include <CLI/CLI.hpp>

namespace vigil::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitCheckFailed = 1;
inline constexpr int kExitUsage = 2;

// Each returns after registering; the command runs from its callback and stores its exit code.
void RegisterServe(CLI::App& app, int& exit_code);
void RegisterConfig(CLI::App& app, int& exit_code);
void RegisterIngest(CLI::App& app, int& exit_code);
void RegisterRead(CLI::App& app, int& exit_code);         // summary, trace, events
void RegisterAlerting(CLI::App& app, int& exit_code);     // alerts, incident …, diagnose
void RegisterReleases(CLI::App& app, int& exit_code);     // release …, freeze, mode, route, audit
void RegisterSim(CLI::App& app, int& exit_code);          // sim
void RegisterDrills(CLI::App& app, int& exit_code);       // drill run|list|show
void RegisterEvals(CLI::App& app, int& exit_code);        // eval post|list
void RegisterPostmortems(CLI::App& app, int& exit_code);  // postmortem …, kb search, gate check

}  // namespace vigil::cli
