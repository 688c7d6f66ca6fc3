// vigil drill run SCENARIO --use-case UC [--no-restore] [--timeout-detect 2m …] [--json]
// vigil drill list | show ID [--markdown] — drills from a terminal or CI (docs/drills.md).

#include <cstdio>
#include <iostream>
#include <thread>

#include "cli/api_client.h"
#include "cli/commands.h"

namespace vigil::cli {
namespace {

using nlohmann::json;

std::string Secs(const json& v) {
  if (!v.is_number()) return "—";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1fs", v.get<double>());
  return buf;
}

void PrintDrill(const json& d) {
  std::cout << "drill " << d.value("id", "") << ": " << d.value("scenario", "") << " on "
            << d.value("use_case", "") << " — " << d.value("status", "") << "\n";
  if (!d.value("message", "").empty()) std::cout << "  " << d.value("message", "") << "\n";
  std::cout << "  expected remedy: " << d.value("expected_remedy", "") << "; seen: "
            << (d.value("remedy_seen", "").empty() ? "none" : d.value("remedy_seen", "")) << "\n";
  for (const json& c : d["clocks"]) {
    std::printf("  %-11s %8s  target %8s  %s\n", c.value("name", "").c_str(),
                Secs(c["elapsed_s"]).c_str(), Secs(c["target_s"]).c_str(),
                c.value("met", false) ? "met" : "NOT MET");
  }
  if (d["incident_id"].is_number()) {
    std::cout << "  incident " << d["incident_id"].get<int64_t>()
              << ", automated first update after " << Secs(d["first_update_s"]) << "\n";
  }
}

}  // namespace

void RegisterDrills(CLI::App& app, int& exit_code) {
  CLI::App* drill = app.add_subcommand("drill", "Rollback drills: run, list, show");
  drill->require_subcommand(1);
  {
    auto client = std::make_shared<ClientFlags>();
    struct Args {
      std::string scenario, use_case, detect, switchback, recovery, kind, target;
      bool no_restore = false;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = drill->add_subcommand(
        "run", "Inject a fault and measure detection, switchback and recovery against targets");
    cmd->add_option("scenario", args->scenario,
                    "upstream-timeout | malformed-output | tool-permission | custom")
        ->required();
    cmd->add_option("--use-case", args->use_case, "Use case")->required();
    cmd->add_flag("--no-restore", args->no_restore, "Keep the remedied route afterwards");
    cmd->add_option("--timeout-detect", args->detect, "Step limit (default 2× detection target)");
    cmd->add_option("--timeout-switchback", args->switchback, "Step limit (default: target)");
    cmd->add_option("--timeout-recovery", args->recovery, "Step limit (default: target)");
    cmd->add_option("--kind", args->kind, "custom: fault kind");
    cmd->add_option("--target", args->target, "custom: fault target");
    AddClientFlags(cmd, *client);
    cmd->callback([client, args, &exit_code] {
      json body = {{"scenario", args->scenario}, {"use_case", args->use_case}};
      if (args->no_restore) body["restore"] = false;
      json timeouts = json::object();
      if (!args->detect.empty()) timeouts["detect"] = args->detect;
      if (!args->switchback.empty()) timeouts["switchback"] = args->switchback;
      if (!args->recovery.empty()) timeouts["recovery"] = args->recovery;
      if (!timeouts.empty()) body["timeouts"] = timeouts;
      if (!args->kind.empty()) body["fault"] = {{"kind", args->kind}, {"target", args->target}};
      ApiClient api(*client);
      ApiReply started = api.Post("/v1/drills", body.dump());
      if (started.exit_code != 0) {
        ApiClient::PrintError(started);
        exit_code = started.exit_code;
        return;
      }
      const std::string id = started.body.value("id", "");
      if (!client->json) std::cout << "drill " << id << " started\n";
      size_t printed = 0;
      json d = started.body;
      int failures = 0;
      for (;;) {
        ApiReply r = api.Get("/v1/drills/" + id);
        if (r.exit_code == 0) {
          d = r.body;
          failures = 0;
        } else if (r.status == 401 || r.status == 403 || r.status == 404 || ++failures > 20) {
          // The drill runs on in the server; say where to follow it.
          ApiClient::PrintError(r);
          std::cerr << "vigil: drill " << id << " keeps running on the server; follow it with "
                    << "`vigil drill show " << id << "` (a token with the read role)\n";
          exit_code = r.exit_code;
          return;
        }
        const json& steps = d["steps"];
        // One line per step as it completes, with its elapsed time.
        while (!client->json && printed < steps.size() && steps[printed]["finished"].is_string()) {
          const json& s = steps[printed];
          std::printf("  [%7s] %-10s %s  %s\n", Secs(s["elapsed_s"]).c_str(),
                      s.value("name", "").c_str(), s.value("ok", false) ? "ok  " : "FAIL",
                      s.value("detail", "").c_str());
          std::fflush(stdout);
          ++printed;
        }
        if (d.value("status", "running") != "running") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
      }
      if (client->json) {
        std::cout << d.dump(2) << "\n";
      } else {
        PrintDrill(d);
      }
      exit_code = d.value("status", "") == "passed" ? kExitOk : kExitCheckFailed;
    });
  }
  {
    auto client = std::make_shared<ClientFlags>();
    CLI::App* cmd = drill->add_subcommand("list", "Recent drills, newest first");
    AddClientFlags(cmd, *client);
    cmd->callback([client, &exit_code] {
      exit_code = PrintReply(ApiClient(*client).Get("/v1/drills"), client->json, [](const json& b) {
        for (const json& d : b["drills"]) {
          std::printf("%-18s %-9s %-17s %-16s %s\n", d.value("id", "").c_str(),
                      d.value("status", "").c_str(), d.value("scenario", "").c_str(),
                      d.value("use_case", "").c_str(), d.value("message", "").c_str());
        }
        if (b["drills"].empty()) std::cout << "no drills yet\n";
      });
    });
  }
  {
    auto client = std::make_shared<ClientFlags>();
    auto id = std::make_shared<std::string>();
    auto markdown = std::make_shared<bool>(false);
    CLI::App* cmd = drill->add_subcommand("show", "One drill: clocks, steps, incident");
    cmd->add_option("id", *id, "Drill id")->required();
    cmd->add_flag("--markdown", *markdown, "The report as Markdown");
    AddClientFlags(cmd, *client);
    cmd->callback([client, id, markdown, &exit_code] {
      ApiClient api(*client);
      if (*markdown) {
        ApiReply r = api.Get("/v1/drills/" + UrlEncode(*id) + "?format=markdown");
        if (r.exit_code != 0) {
          ApiClient::PrintError(r);
          exit_code = r.exit_code;
          return;
        }
        std::cout << r.raw;
        exit_code = kExitOk;
        return;
      }
      exit_code =
          PrintReply(api.Get("/v1/drills/" + UrlEncode(*id)), client->json, [](const json& d) {
            PrintDrill(d);
            for (const json& s : d["steps"]) {
              std::printf("  %-10s %8s %s  %s\n", s.value("name", "").c_str(),
                          Secs(s["elapsed_s"]).c_str(), s.value("ok", false) ? "ok  " : "FAIL",
                          s.value("detail", "").c_str());
            }
          });
    });
  }
}

}  // namespace vigil::cli
