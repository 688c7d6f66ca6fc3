// vigil release list|show|create|promote|rollback|retire|check · freeze on|off|status ·
// mode degraded|normal · route show|watch · audit — release control from a terminal or CI.

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "client/route_watcher.h"
#include "config/config.h"

namespace vigil::cli {
namespace {

using nlohmann::json;

std::string Str(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "-";
}

void PrintHistory(const json& h) {
  std::cout << h.value("use_case", "") << ": active " << Str(h, "active");
  if (h["canary"].is_object()) {
    std::cout << ", canary " << Str(h["canary"], "version") << " at "
              << h["canary"].value("percent", 0) << "%";
  }
  std::cout << ", last known good " << Str(h, "last_known_good") << ", mode " << h.value("mode", "")
            << (h.value("frozen", false) ? ", FROZEN" : "") << " (route version "
            << h.value("route_version", 0) << ")\n";
  for (const auto& f : h["freezes"]) std::cout << "  " << f.value("message", "") << "\n";
  std::printf("  %-10s %-16s %-14s %-14s %-20s %s\n", "VERSION", "ROLE", "MODEL", "PROMPT",
              "CREATED", "BY");
  for (const auto& r : h["releases"]) {
    std::printf("  %-10s %-16s %-14s %-14s %-20.19s %s\n", Str(r, "version").c_str(),
                Str(r, "role").c_str(), Str(r, "model").c_str(), Str(r, "prompt").c_str(),
                Str(r, "created_at").c_str(), Str(r, "created_by").c_str());
  }
}

void PrintAct(const json& r) {
  std::cout << r.value("message", "") << (r.value("changed", false) ? "" : " (no change)");
  if (r.contains("duration_ms")) std::printf(" [%.1f ms]", r.value("duration_ms", 0.0));
  std::cout << "\n";
}

void PrintRoute(const json& r) {
  const json& e = r["effective"];
  std::cout << r.value("use_case", "") << " route v" << r.value("version", 0) << ": release "
            << Str(e, "release") << ", model " << Str(e, "model") << ", mode "
            << r.value("mode", "") << (r.value("frozen", false) ? ", FROZEN" : "");
  if (r["canary"].is_object()) {
    std::cout << ", canary " << Str(r["canary"]["release"], "version") << " at "
              << r["canary"].value("percent", 0) << "%";
  }
  std::cout << "\n";
}

// A release file: JSON, or YAML (converted to JSON); may name its use case.
Result<json> ReadReleaseFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  json doc = json::parse(text.str(), nullptr, false);
  if (doc.is_discarded()) {
    Result<std::string> converted = YamlDocumentToJson(text.str());
    if (!converted.ok()) return Status::InvalidArgument(path + ": " + converted.status().message());
    doc = json::parse(*converted, nullptr, false);
  }
  if (!doc.is_object()) return Status::InvalidArgument(path + ": must be a mapping of fields");
  return doc;
}

std::atomic<bool> g_stop_watch{false};

}  // namespace

void RegisterReleases(CLI::App& app, int& exit_code) {
  CLI::App* release = app.add_subcommand("release",
                                         "Releases: list, show, create, promote, "
                                         "rollback, retire, check");
  release->require_subcommand(1);
  {
    auto client = std::make_shared<ClientFlags>();
    auto uc = std::make_shared<std::string>();
    CLI::App* cmd = release->add_subcommand("list",
                                            "Release history of a use case (all routes "
                                            "without one)");
    cmd->add_option("use_case", *uc, "Use case");
    AddClientFlags(cmd, *client);
    cmd->callback([client, uc, &exit_code] {
      if (uc->empty()) {
        exit_code =
            PrintReply(ApiClient(*client).Get("/v1/routes"), client->json, [](const json& b) {
              for (const auto& r : b["routes"]) PrintRoute(r);
            });
        return;
      }
      exit_code = PrintReply(ApiClient(*client).Get("/v1/releases/" + UrlEncode(*uc)), client->json,
                             PrintHistory);
    });
  }
  {
    auto client = std::make_shared<ClientFlags>();
    auto uc = std::make_shared<std::string>();
    auto version = std::make_shared<std::string>();
    CLI::App* cmd = release->add_subcommand("show", "One release's full config");
    cmd->add_option("use_case", *uc, "Use case")->required();
    cmd->add_option("version", *version, "Version")->required();
    AddClientFlags(cmd, *client);
    cmd->callback([client, uc, version, &exit_code] {
      exit_code = PrintReply(
          ApiClient(*client).Get("/v1/releases/" + UrlEncode(*uc) + "/" + UrlEncode(*version)),
          client->json, [](const json& r) { std::cout << r.dump(2) << "\n"; });
    });
  }
  {
    auto client = std::make_shared<ClientFlags>();
    auto file = std::make_shared<std::string>();
    auto uc = std::make_shared<std::string>();
    CLI::App* cmd = release->add_subcommand(
        "create", "Create a release from a JSON or YAML file (immutable once created)");
    cmd->add_option("file", *file, "Release file (version, model, prompt, tools, …)")->required();
    cmd->add_option("--use-case", *uc, "Use case (else the file's use_case field)");
    AddClientFlags(cmd, *client);
    cmd->callback([client, file, uc, &exit_code] {
      Result<json> doc = ReadReleaseFile(*file);
      if (!doc.ok()) {
        std::cerr << "vigil: " << doc.status().message() << "\n";
        exit_code = kExitUsage;
        return;
      }
      std::string use_case = *uc;
      if (doc->contains("use_case")) {
        if (use_case.empty() && (*doc)["use_case"].is_string()) use_case = (*doc)["use_case"];
        doc->erase("use_case");
      }
      if (use_case.empty()) {
        std::cerr << "vigil: name the use case with --use-case or a use_case field\n";
        exit_code = kExitUsage;
        return;
      }
      exit_code =
          PrintReply(ApiClient(*client).Post("/v1/releases/" + UrlEncode(use_case), doc->dump()),
                     client->json, [use_case](const json& r) {
                       std::cout << "created " << use_case << " " << Str(r, "version") << " ("
                                 << Str(r, "role") << ")\n";
                     });
    });
  }
  {
    auto client = std::make_shared<ClientFlags>();
    struct Args {
      std::string use_case, version, reason;
      int canary = 0;
      bool override_gate = false;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = release->add_subcommand(
        "promote", "Make a release active (or its canary) once the release gate passes");
    cmd->add_option("use_case", args->use_case, "Use case")->required();
    cmd->add_option("version", args->version, "Version")->required();
    cmd->add_option("--canary", args->canary, "Canary share in percent (1-99)")
        ->check(CLI::Range(1, 99));
    cmd->add_option("--reason", args->reason, "Why (required with --override)");
    cmd->add_flag("--override", args->override_gate,
                  "Promote past a failing gate (admin token; audited and noted on the next "
                  "incident)");
    AddClientFlags(cmd, *client);
    cmd->callback([client, args, &exit_code] {
      json body = json::object();
      if (args->canary) body["canary_percent"] = args->canary;
      if (!args->reason.empty()) body["reason"] = args->reason;
      if (args->override_gate) body["override"] = true;
      ApiReply reply = ApiClient(*client).Post(
          "/v1/releases/" + UrlEncode(args->use_case) + "/" + UrlEncode(args->version) + "/promote",
          body.dump());
      exit_code = PrintReply(reply, client->json, PrintAct);
      if (reply.status == 409 && reply.body.contains("gate")) {
        for (const json& c : reply.body["gate"]["checks"]) {
          if (c.value("result", "") != "fail") continue;
          std::cerr << "  FAIL " << c.value("check", "") << ": " << c.value("reason", "") << "\n";
        }
      }
    });
  }
  {
    auto client = std::make_shared<ClientFlags>();
    struct Args {
      std::string use_case, to, reason;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = release->add_subcommand(
        "rollback", "Switch to the last-known-good release (or --to) now; cancels a canary");
    cmd->add_option("use_case", args->use_case, "Use case")->required();
    cmd->add_option("--to", args->to, "Target version (default: last known good)");
    cmd->add_option("--reason", args->reason, "Why");
    AddClientFlags(cmd, *client);
    cmd->callback([client, args, &exit_code] {
      json body = json::object();
      if (!args->to.empty()) body["to"] = args->to;
      if (!args->reason.empty()) body["reason"] = args->reason;
      exit_code =
          PrintReply(ApiClient(*client).Post(
                         "/v1/releases/" + UrlEncode(args->use_case) + "/rollback", body.dump()),
                     client->json, PrintAct);
    });
  }
  {
    auto client = std::make_shared<ClientFlags>();
    struct Args {
      std::string use_case, version, reason;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = release->add_subcommand("retire", "Mark a release retired (kept, readable)");
    cmd->add_option("use_case", args->use_case, "Use case")->required();
    cmd->add_option("version", args->version, "Version")->required();
    cmd->add_option("--reason", args->reason, "Why");
    AddClientFlags(cmd, *client);
    cmd->callback([client, args, &exit_code] {
      exit_code = PrintReply(ApiClient(*client).Post("/v1/releases/" + UrlEncode(args->use_case) +
                                                         "/" + UrlEncode(args->version) + "/retire",
                                                     json{{"reason", args->reason}}.dump()),
                             client->json, PrintAct);
    });
  }
  {
    auto client = std::make_shared<ClientFlags>();
    struct Args {
      std::string use_case, to;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = release->add_subcommand(
        "check", "Would a rollback be allowed now? Exit 1 when not (for CI gates and drills)");
    cmd->add_option("use_case", args->use_case, "Use case")->required();
    cmd->add_option("--to", args->to, "Target version (default: last known good)");
    AddClientFlags(cmd, *client);
    cmd->callback([client, args, &exit_code] {
      std::string path = "/v1/releases/" + UrlEncode(args->use_case) + "/rollback_check";
      AddQuery(path, "to", args->to);
      ApiReply reply = ApiClient(*client).Get(path);
      exit_code = PrintReply(reply, client->json, [](const json& c) {
        std::cout << "rollback " << c.value("from", "") << " → " << Str(c, "to") << ": "
                  << (c.value("ok", false) ? "allowed" : "REFUSED") << "\n";
        for (const auto& p : c["problems"]) std::cout << "  - " << p.get<std::string>() << "\n";
      });
      if (exit_code == 0 && !reply.body.value("ok", false)) exit_code = kExitCheckFailed;
    });
  }

  CLI::App* freeze = app.add_subcommand("freeze", "Release freeze: on, off, status");
  freeze->require_subcommand(1);
  for (const char* verb : {"on", "off"}) {
    auto client = std::make_shared<ClientFlags>();
    struct Args {
      std::string use_case, reason, until;
    };
    auto args = std::make_shared<Args>();
    const bool on = std::string(verb) == "on";
    CLI::App* cmd = freeze->add_subcommand(
        verb, on ? "Refuse promotions and new canaries (rollback and degrade stay allowed)"
                 : "Lift a freeze (operate or admin token)");
    cmd->add_option("--use-case", args->use_case, "One use case (default: global)");
    auto* reason = cmd->add_option("--reason", args->reason, "Why");
    if (on) {
      reason->required();
      cmd->add_option("--until", args->until, "Expiry: a time or a duration such as 2h");
    }
    AddClientFlags(cmd, *client);
    cmd->callback([client, args, on, &exit_code] {
      json body = {{"reason", args->reason}};
      if (!args->use_case.empty()) body["use_case"] = args->use_case;
      if (!args->until.empty()) body["until"] = args->until;
      exit_code =
          PrintReply(ApiClient(*client).Send(on ? "POST" : "DELETE", "/v1/freeze", body.dump()),
                     client->json, PrintAct);
    });
  }
  {
    auto client = std::make_shared<ClientFlags>();
    CLI::App* cmd = freeze->add_subcommand("status", "Freezes in force");
    AddClientFlags(cmd, *client);
    cmd->callback([client, &exit_code] {
      exit_code = PrintReply(ApiClient(*client).Get("/v1/freeze"), client->json, [](const json& b) {
        for (const auto& f : b["freezes"]) {
          std::cout << f.value("message", "") << "\n";
        }
        if (b["freezes"].empty()) std::cout << "no freeze in force\n";
      });
    });
  }

  {
    auto client = std::make_shared<ClientFlags>();
    struct Args {
      std::string mode, use_case, reason;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = app.add_subcommand(
        "mode", "Degraded mode (fallback model, degraded params) or back to normal");
    cmd->add_option("mode", args->mode, "degraded | normal")
        ->required()
        ->check(CLI::IsMember({"degraded", "normal"}));
    cmd->add_option("--use-case", args->use_case, "Use case")->required();
    cmd->add_option("--reason", args->reason, "Why");
    AddClientFlags(cmd, *client);
    cmd->callback([client, args, &exit_code] {
      exit_code = PrintReply(
          ApiClient(*client).Post("/v1/routes/" + UrlEncode(args->use_case) + "/mode",
                                  json{{"mode", args->mode}, {"reason", args->reason}}.dump()),
          client->json, PrintAct);
    });
  }

  CLI::App* route = app.add_subcommand("route", "What services read: show, watch");
  route->require_subcommand(1);
  {
    auto client = std::make_shared<ClientFlags>();
    auto uc = std::make_shared<std::string>();
    CLI::App* cmd = route->add_subcommand("show", "The current route of a use case");
    cmd->add_option("use_case", *uc, "Use case")->required();
    AddClientFlags(cmd, *client);
    cmd->callback([client, uc, &exit_code] {
      exit_code = PrintReply(ApiClient(*client).Get("/v1/routes/" + UrlEncode(*uc)), client->json,
                             PrintRoute);
    });
  }
  {
    auto client = std::make_shared<ClientFlags>();
    auto uc = std::make_shared<std::string>();
    CLI::App* cmd = route->add_subcommand(
        "watch", "Print each change of a route as it happens (long-poll; Ctrl-C stops)");
    cmd->add_option("use_case", *uc, "Use case")->required();
    AddClientFlags(cmd, *client);
    cmd->callback([client, uc, &exit_code] {
      const bool as_json = client->json;
      RouteWatcher watcher({client->server, ApiClient::TokenFromEnv(), *uc},
                           [as_json](const RouteView& v) {
                             if (as_json) {
                               std::cout << json::parse(v.json).dump() << std::endl;
                             } else {
                               PrintRoute(json::parse(v.json));
                               std::cout.flush();
                             }
                           });
      std::signal(SIGINT, [](int) { g_stop_watch = true; });
      std::signal(SIGTERM, [](int) { g_stop_watch = true; });
      watcher.Start();
      std::string reported;
      while (!g_stop_watch.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        std::string error = watcher.last_error();
        if (!error.empty() && error != reported) std::cerr << "vigil: " << error << "\n";
        reported = error;
      }
      watcher.Stop();
      exit_code = kExitOk;
    });
  }

  {
    auto client = std::make_shared<ClientFlags>();
    struct Args {
      std::string actor, action, target, from, to, limit;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = app.add_subcommand("audit", "The audit log: every act, who, when, what");
    cmd->add_option("--actor", args->actor, "Exact actor (token name, alert:RULE, …)");
    cmd->add_option("--action", args->action, "Action prefix (release., freeze., mode.set, …)");
    cmd->add_option("--target", args->target, "Target prefix (a use case)");
    cmd->add_option("--from", args->from, "Start");
    cmd->add_option("--to", args->to, "End");
    cmd->add_option("--limit", args->limit, "At most this many (default 200)");
    AddClientFlags(cmd, *client);
    cmd->callback([client, args, &exit_code] {
      std::string path = "/v1/audit";
      AddQuery(path, "actor", args->actor);
      AddQuery(path, "action", args->action);
      AddQuery(path, "target", args->target);
      AddQuery(path, "from", args->from);
      AddQuery(path, "to", args->to);
      AddQuery(path, "limit", args->limit);
      exit_code = PrintReply(ApiClient(*client).Get(path), client->json, [](const json& b) {
        for (const auto& e : b["entries"]) {
          std::printf("%-24.23s %-22s %-18s %-26s %s\n", Str(e, "time").c_str(),
                      Str(e, "actor").c_str(), Str(e, "action").c_str(), Str(e, "target").c_str(),
                      Str(e, "detail").c_str());
        }
        if (b["entries"].empty()) std::cout << "no entries\n";
      });
    });
  }
}

}  // namespace vigil::cli
