// vigil — operations control plane for LLM-agent services. See README.md.

#include <spdlog/spdlog.h>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Vigil: observe, alert with actions, roll back and learn for LLM-agent services",
               "vigil"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("vigil 0.1.0"));
  int exit_code = vigil::cli::kExitOk;
  vigil::cli::RegisterServe(app, exit_code);
  vigil::cli::RegisterConfig(app, exit_code);
  vigil::cli::RegisterIngest(app, exit_code);
  vigil::cli::RegisterRead(app, exit_code);
  vigil::cli::RegisterAlerting(app, exit_code);
  vigil::cli::RegisterReleases(app, exit_code);
  vigil::cli::RegisterSim(app, exit_code);
  vigil::cli::RegisterDrills(app, exit_code);
  vigil::cli::RegisterEvals(app, exit_code);
  vigil::cli::RegisterPostmortems(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return vigil::cli::kExitUsage;
  }
  return exit_code;
}
