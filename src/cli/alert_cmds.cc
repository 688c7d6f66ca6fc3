// vigil alerts | incident list|show|open|update|resolve | diagnose — the alerting side of the
// API for people at a terminal (tables and timelines) or scripts (--json).

#include <cstdio>
#include <iostream>

#include "cli/api_client.h"
#include "cli/commands.h"

namespace vigil::cli {
namespace {

using nlohmann::json;

void PrintAlerts(const json& body) {
  std::printf("%-4s %-9s %-40s %12s  %-14s %s\n", "TIER", "STATE", "ALERT", "VALUE", "THRESHOLD",
              "SINCE");
  for (const auto& a : body["alerts"]) {
    const json& ev = a["evidence"];
    std::printf("%-4s %-9s %-40s %12.4g  %-14s %s\n", a.value("tier", "").c_str(),
                a.value("state", "").c_str(), a.value("id", "").c_str(), ev.value("value", 0.0),
                ev.value("threshold", "").c_str(),
                a["fired_at"].is_string() ? a.value("fired_at", "").c_str()
                                          : a.value("active_since", "").c_str());
  }
  if (body["alerts"].empty()) std::cout << "no pending or firing alerts\n";
}

void PrintIncident(const json& i) {
  std::cout << "incident " << i.value("id", 0) << " [" << i.value("severity", "") << ", "
            << i.value("status", "") << "] " << i.value("title", "") << "\n"
            << "  use case " << i.value("use_case", "") << ", opened " << i.value("opened_at", "")
            << " by " << i.value("opened_by", "") << "\n";
  if (i.contains("clocks")) {
    std::cout << "  clocks:";
    for (const auto& c : i["clocks"]) {
      std::printf(
          "  %s %.0fs/%s%s", c.value("name", "").c_str(), c.value("elapsed_s", 0.0),
          c.value("target", "").c_str(),
          c.value("stopped", false) ? (c.value("met", false) ? " met" : " MISSED") : " running");
    }
    std::cout << "\n";
  }
  if (i.contains("diagnosis")) {
    std::cout << "  diagnosis: " << i["diagnosis"].value("summary", "") << "\n";
  }
  if (i.contains("runbook") && !i["runbook"].empty()) {
    std::cout << "  runbook:\n";
    for (const auto& st : i["runbook"]) {
      std::printf(
          "    [%s] %d. %-18s %s%s\n", st.value("done", false) ? "x" : " ", st.value("step", 0),
          st.value("role", "").c_str(), st.value("text", "").c_str(),
          st.value("done", false) ? ("  (" + st["done_by"].get<std::string>() + ")").c_str() : "");
    }
  }
  if (i.contains("timeline")) {
    std::cout << "  timeline:\n";
    for (const auto& e : i["timeline"]) {
      std::printf("    %s  %-14s %-28s %s\n", e.value("time", "").c_str(),
                  e.value("kind", "").c_str(), e.value("actor", "").c_str(),
                  e.value("summary", "").c_str());
    }
  }
}

}  // namespace

void RegisterAlerting(CLI::App& app, int& exit_code) {
  {
    auto client = std::make_shared<ClientFlags>();
    auto state = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand("alerts", "Pending, firing and recently resolved alerts");
    cmd->add_option("--state", *state, "pending | firing | resolved");
    AddClientFlags(cmd, *client);
    cmd->callback([client, state, &exit_code] {
      std::string path = "/v1/alerts";
      AddQuery(path, "state", *state);
      exit_code = PrintReply(ApiClient(*client).Get(path), client->json, PrintAlerts);
    });
  }
  {
    auto client = std::make_shared<ClientFlags>();
    struct Args {
      std::string use_case, tenant, from, to, baseline;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = app.add_subcommand(
        "diagnose", "Which layer, class, model or tool explains a failure spike");
    cmd->add_option("--use-case", args->use_case, "Use case");
    cmd->add_option("--tenant", args->tenant, "Tenant");
    cmd->add_option("--from", args->from, "Start (default -15m)");
    cmd->add_option("--to", args->to, "End (default now)");
    cmd->add_option("--baseline", args->baseline, "Baseline before --from (default 1h)");
    AddClientFlags(cmd, *client);
    cmd->callback([client, args, &exit_code] {
      std::string path = "/v1/diagnose";
      AddQuery(path, "use_case", args->use_case);
      AddQuery(path, "tenant", args->tenant);
      AddQuery(path, "from", args->from);
      AddQuery(path, "to", args->to);
      AddQuery(path, "baseline", args->baseline);
      exit_code = PrintReply(ApiClient(*client).Get(path), client->json, [](const json& d) {
        std::cout << d.value("summary", "") << "\n";
        for (const auto& f : d["findings"]) {
          std::printf("  %-6s %-12s %-24s %-20s excess %6.0f  share %5.1f%%\n",
                      f.value("layer", "").c_str(), f.value("dimension", "").c_str(),
                      f.value("value", "").c_str(), f.value("error_class", "").c_str(),
                      f.value("excess", 0.0), f.value("share_of_excess", 0.0) * 100);
        }
      });
    });
  }
  CLI::App* incident =
      app.add_subcommand("incident", "Incidents: list, show, open, update, resolve, step");
  incident->require_subcommand(1);
  {
    auto client = std::make_shared<ClientFlags>();
    auto status = std::make_shared<std::string>();
    CLI::App* cmd = incident->add_subcommand("list", "List incidents");
    cmd->add_option("--status", *status, "open | resolved");
    AddClientFlags(cmd, *client);
    cmd->callback([client, status, &exit_code] {
      std::string path = "/v1/incidents";
      AddQuery(path, "status", *status);
      exit_code = PrintReply(ApiClient(*client).Get(path), client->json, [](const json& body) {
        for (const auto& i : body["incidents"]) PrintIncident(i);
        if (body["incidents"].empty()) std::cout << "no incidents\n";
      });
    });
  }
  {
    auto client = std::make_shared<ClientFlags>();
    auto id = std::make_shared<int64_t>(0);
    CLI::App* cmd = incident->add_subcommand("show", "An incident with its timeline and clocks");
    cmd->add_option("id", *id, "Incident id")->required();
    AddClientFlags(cmd, *client);
    cmd->callback([client, id, &exit_code] {
      exit_code = PrintReply(ApiClient(*client).Get("/v1/incidents/" + std::to_string(*id)),
                             client->json, PrintIncident);
    });
  }
  {
    auto client = std::make_shared<ClientFlags>();
    struct Args {
      std::string use_case, title, severity = "P2", tenant;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = incident->add_subcommand("open", "Open an incident by hand");
    cmd->add_option("--use-case", args->use_case, "Use case")->required();
    cmd->add_option("--title", args->title, "What is happening")->required();
    cmd->add_option("--severity", args->severity, "P1 | P2 | P3")->capture_default_str();
    cmd->add_option("--tenant", args->tenant, "Tenant");
    AddClientFlags(cmd, *client);
    cmd->callback([client, args, &exit_code] {
      json body = {
          {"use_case", args->use_case}, {"title", args->title}, {"severity", args->severity}};
      if (!args->tenant.empty()) body["tenant"] = args->tenant;
      exit_code = PrintReply(
          ApiClient(*client).Post("/v1/incidents", body.dump()), client->json,
          [](const json& r) { std::cout << "opened incident " << r.value("id", 0) << "\n"; });
    });
  }
  {
    auto client = std::make_shared<ClientFlags>();
    auto id = std::make_shared<int64_t>(0);
    auto step = std::make_shared<int>(0);
    CLI::App* cmd = incident->add_subcommand("step", "Check off a runbook step of an incident");
    cmd->add_option("id", *id, "Incident id")->required();
    cmd->add_option("step", *step, "Step number (see incident show)")->required();
    AddClientFlags(cmd, *client);
    cmd->callback([client, id, step, &exit_code] {
      exit_code = PrintReply(
          ApiClient(*client).Post(
              "/v1/incidents/" + std::to_string(*id) + "/runbook/" + std::to_string(*step), "{}"),
          client->json, [](const json& s) {
            std::cout << "step " << s.value("step", 0) << " done by "
                      << s["done_by"].get<std::string>() << ": " << s.value("text", "") << "\n";
          });
    });
  }
  for (const char* verb : {"update", "resolve"}) {
    auto client = std::make_shared<ClientFlags>();
    auto id = std::make_shared<int64_t>(0);
    auto text = std::make_shared<std::string>();
    const bool update = std::string(verb) == "update";
    CLI::App* cmd = incident->add_subcommand(
        verb, update ? "Post an update to an incident" : "Resolve an incident");
    cmd->add_option("id", *id, "Incident id")->required();
    cmd->add_option(update ? "text" : "--summary", *text, update ? "The update" : "What fixed it")
        ->required(update);
    AddClientFlags(cmd, *client);
    cmd->callback([client, id, text, update, &exit_code] {
      json body = update ? json{{"text", *text}} : json{{"summary", *text}};
      std::string path =
          "/v1/incidents/" + std::to_string(*id) + (update ? "/updates" : "/resolve");
      exit_code =
          PrintReply(ApiClient(*client).Post(path, body.dump()), client->json,
                     [update](const json&) { std::cout << (update ? "posted\n" : "resolved\n"); });
    });
  }
}

}  // namespace vigil::cli
