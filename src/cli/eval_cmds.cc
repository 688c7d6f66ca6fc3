// vigil eval post FILE | list — CI eval runs of a release (docs/api.md#evals).

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/api_client.h"
#include "cli/commands.h"

namespace vigil::cli {

using nlohmann::json;

void RegisterEvals(CLI::App& app, int& exit_code) {
  CLI::App* eval = app.add_subcommand("eval", "Eval runs of releases: post (CI), list");
  eval->require_subcommand(1);
  {
    auto client = std::make_shared<ClientFlags>();
    auto file = std::make_shared<std::string>();
    CLI::App* cmd = eval->add_subcommand(
        "post", "Post an eval run: a JSON file {suite, use_case, release, cases:[{id, passed}]}");
    cmd->add_option("file", *file, "Eval run file ('-' for standard input)")->required();
    AddClientFlags(cmd, *client);
    cmd->callback([client, file, &exit_code] {
      std::stringstream text;
      if (*file == "-") {
        text << std::cin.rdbuf();
      } else {
        std::ifstream in(*file);
        if (!in) {
          std::cerr << "vigil: cannot read " << *file << "\n";
          exit_code = kExitUsage;
          return;
        }
        text << in.rdbuf();
      }
      exit_code = PrintReply(
          ApiClient(*client).Post("/v1/evals", text.str()), client->json, [](const json& r) {
            std::printf("eval run %lld: %s on %s %s — %zu/%zu passed (%.1f%%)\n",
                        static_cast<long long>(r.value("id", 0)), r.value("suite", "").c_str(),
                        r.value("use_case", "").c_str(), r.value("release", "").c_str(),
                        r.value("passed", size_t{0}), r.value("total", size_t{0}),
                        r.value("pass_rate", 0.0) * 100);
          });
    });
  }
  {
    auto client = std::make_shared<ClientFlags>();
    struct Args {
      std::string suite, use_case, release;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = eval->add_subcommand("list", "Eval runs, newest first");
    cmd->add_option("--suite", args->suite, "Suite");
    cmd->add_option("--use-case", args->use_case, "Use case");
    cmd->add_option("--release", args->release, "Release version");
    AddClientFlags(cmd, *client);
    cmd->callback([client, args, &exit_code] {
      std::string path = "/v1/evals";
      AddQuery(path, "suite", args->suite);
      AddQuery(path, "use_case", args->use_case);
      AddQuery(path, "release", args->release);
      exit_code = PrintReply(ApiClient(*client).Get(path), client->json, [](const json& b) {
        for (const json& r : b["runs"]) {
          std::printf("%-6lld %-20s %-16s %-8s %4zu/%-4zu %5.1f%%  %s by %s\n",
                      static_cast<long long>(r.value("id", 0)), r.value("suite", "").c_str(),
                      r.value("use_case", "").c_str(), r.value("release", "").c_str(),
                      r.value("passed", size_t{0}), r.value("total", size_t{0}),
                      r.value("pass_rate", 0.0) * 100, r.value("created_at", "").c_str(),
                      r.value("posted_by", "").c_str());
        }
        if (b["runs"].empty()) std::cout << "no eval runs\n";
      });
    });
  }
}

}  // namespace vigil::cli
