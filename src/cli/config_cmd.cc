// vigil config check FILE [--json] · config reload (the running server re-reads its file)

#include <iostream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "common/text.h"
#include "config/config.h"

namespace vigil::cli {

void RegisterConfig(CLI::App& app, int& exit_code) {
  CLI::App* config = app.add_subcommand("config", "Work with configuration files");
  config->require_subcommand(1);
  CLI::App* check = config->add_subcommand(
      "check",
      "Check a configuration file; prints every problem with its YAML path (exit 1 on any)");
  auto file = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  check->add_option("file", *file, "YAML configuration file")->required();
  check->add_flag("--json", *json, "Print the result as JSON");
  check->callback([file, json, &exit_code] {
    LoadedConfig loaded = LoadConfigFromFile(*file);
    if (*json) {
      std::string out = "{\"file\":\"";
      AppendJsonEscaped(out, *file);
      out += "\",\"ok\":" + std::string(loaded.ok() ? "true" : "false") + ",\"problems\":[";
      for (size_t i = 0; i < loaded.problems.size(); ++i) {
        const ConfigProblem& p = loaded.problems[i];
        if (i > 0) out += ",";
        out += "{\"path\":\"";
        AppendJsonEscaped(out, p.path);
        out += "\",\"line\":" + std::to_string(p.line) + ",\"message\":\"";
        AppendJsonEscaped(out, p.message);
        out += "\"}";
      }
      out += "],\"notes\":[";
      for (size_t i = 0; i < loaded.config.notes.size(); ++i) {
        if (i > 0) out += ",";
        out += "\"";
        AppendJsonEscaped(out, loaded.config.notes[i]);
        out += "\"";
      }
      out += "]}";
      std::cout << out << "\n";
    } else if (loaded.ok()) {
      std::cout << *file << ": OK\n";
      for (const std::string& note : loaded.config.notes) std::cout << "  note: " << note << "\n";
    } else {
      for (const ConfigProblem& p : loaded.problems) {
        std::cerr << *file << ":" << (p.line > 0 ? std::to_string(p.line) + ":" : "") << " "
                  << p.path << ": " << p.message << "\n";
      }
      std::cerr << loaded.problems.size() << " problem(s) in " << *file << "\n";
    }
    exit_code = loaded.ok() ? kExitOk : kExitCheckFailed;
  });

  auto client = std::make_shared<ClientFlags>();
  CLI::App* reload = config->add_subcommand(
      "reload",
      "Make the running server re-read its config file (admin; a file with problems changes "
      "nothing and its problems are printed)");
  AddClientFlags(reload, *client);
  reload->callback([client, &exit_code] {
    exit_code = PrintReply(ApiClient(*client).Post("/v1/admin/reload", "{}"), client->json,
                           [](const nlohmann::json& r) {
                             std::cout << "reloaded; applied:";
                             for (const auto& a : r["applied"]) {
                               std::cout << "\n  " << a.get<std::string>();
                             }
                             std::cout << "\n";
                           });
  });
}

}  // namespace vigil::cli
