// vigil postmortem draft|list|show|edit|verify|export · kb search · gate check — the learning
// loop from a terminal or CI (docs/postmortems.md, docs/gates.md).

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "config/config.h"

namespace vigil::cli {
namespace {

using nlohmann::json;

void Emit(YAML::Emitter& out, const json& j) {
  if (j.is_object()) {
    out << YAML::BeginMap;
    for (const auto& [k, v] : j.items()) {
      out << YAML::Key << k << YAML::Value;
      Emit(out, v);
    }
    out << YAML::EndMap;
  } else if (j.is_array()) {
    out << YAML::BeginSeq;
    for (const json& v : j) Emit(out, v);
    out << YAML::EndSeq;
  } else if (j.is_string()) {
    // Quoted, so a value such as "42" or "yes" comes back as the same string.
    out << YAML::DoubleQuoted << j.get<std::string>();
  } else if (j.is_null()) {
    out << YAML::Null;
  } else {
    out << j.dump();
  }
}

std::string ToYaml(const json& j) {
  YAML::Emitter out;
  out.SetIndent(2);
  Emit(out, j);
  return std::string(out.c_str()) + "\n";
}

std::string ReadFile(const std::string& path, bool& ok) {
  std::stringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
    ok = true;
    return text.str();
  }
  std::ifstream in(path);
  ok = static_cast<bool>(in);
  text << in.rdbuf();
  return text.str();
}

void PrintPostmortem(const json& pm) {
  std::printf("postmortem %lld — %s [%s]\n", static_cast<long long>(pm.value("id", 0)),
              pm.value("title", "").c_str(), pm.value("status", "").c_str());
  std::printf("  incident %lld on %s, release %s\n",
              static_cast<long long>(pm.value("incident_id", 0)), pm.value("use_case", "").c_str(),
              pm.value("release", "").c_str());
  std::printf("\ntimeline:\n");
  for (const json& e : pm["timeline"]) {
    std::printf("  %-24.24s %-18s %s\n", e.value("at", "").c_str(), e.value("kind", "").c_str(),
                e.value("summary", "").c_str());
  }
  std::printf("\ndecision points:\n");
  for (const json& d : pm["decision_points"]) {
    std::printf("  %-24.24s %s by %s%s: %s\n", d.value("at", "").c_str(),
                d.value("decision", "").c_str(), d.value("decided_by", "").c_str(),
                d.value("automated", false) ? " (automated)" : "", d.value("outcome", "").c_str());
  }
  std::printf("\nquestions:\n");
  for (const json& q : pm["questions"]) {
    std::printf("  %s\n    %s\n", q.value("question", "").c_str(),
                q.value("answer", "").empty() ? "(open)" : q.value("answer", "").c_str());
  }
  std::printf("\nreinforcements:\n");
  int n = 0;
  for (const json& r : pm["reinforcements"]) {
    const json& v = r["verification"];
    std::printf("  %d. %-10s %-36s owner %-10s due %-10s %s\n", ++n, r.value("kind", "").c_str(),
                r.value("ref", "").c_str(), r.value("owner", "").c_str(),
                r.value("due", "").c_str(),
                v.value("verified", false)  ? "VERIFIED"
                : v.value("checked", false) ? "NOT VERIFIED"
                                            : "not checked");
    if (v.contains("reason")) std::printf("     %s\n", v.value("reason", "").c_str());
    if (r.value("overdue", false)) std::printf("     OVERDUE\n");
  }
  if (n == 0)
    std::printf("  (none: add them with `vigil postmortem edit %lld`)\n",
                static_cast<long long>(pm.value("id", 0)));
  const json& missing = pm["verification"]["missing_kinds"];
  if (!missing.empty()) {
    std::printf("\nnot covered yet:");
    for (const json& k : missing) std::printf(" %s", k.get<std::string>().c_str());
    std::printf("\n");
  }
}

std::string PostmortemPath(const std::string& id) { return "/v1/postmortems/" + UrlEncode(id); }

}  // namespace

void RegisterPostmortems(CLI::App& app, int& exit_code) {
  CLI::App* pm = app.add_subcommand(
      "postmortem", "Postmortems: draft from an incident, edit, verify, export, list, show");
  pm->require_subcommand(1);
  {
    auto client = std::make_shared<ClientFlags>();
    auto incident = std::make_shared<int64_t>(0);
    CLI::App* cmd = pm->add_subcommand("draft", "Draft a postmortem from an incident");
    cmd->add_option("incident", *incident, "Incident id")->required();
    AddClientFlags(cmd, *client);
    cmd->callback([client, incident, &exit_code] {
      exit_code = PrintReply(
          ApiClient(*client).Post("/v1/postmortems", json{{"incident_id", *incident}}.dump()),
          client->json, PrintPostmortem);
    });
  }
  {
    auto client = std::make_shared<ClientFlags>();
    auto filters = std::make_shared<std::pair<std::string, std::string>>();
    CLI::App* cmd = pm->add_subcommand("list", "Postmortems with their verification status");
    cmd->add_option("--use-case", filters->first, "Use case");
    cmd->add_option("--status", filters->second, "draft or complete");
    AddClientFlags(cmd, *client);
    cmd->callback([client, filters, &exit_code] {
      std::string path = "/v1/postmortems";
      AddQuery(path, "use_case", filters->first);
      AddQuery(path, "status", filters->second);
      exit_code = PrintReply(ApiClient(*client).Get(path), client->json, [](const json& r) {
        std::printf("%-5s %-9s %-9s %-16s %-9s %s\n", "ID", "INCIDENT", "STATUS", "USE CASE",
                    "VERIFIED", "TITLE");
        for (const json& p : r["postmortems"]) {
          std::printf(
              "%-5lld %-9lld %-9s %-16s %zu/%-7zu %s%s\n", static_cast<long long>(p.value("id", 0)),
              static_cast<long long>(p.value("incident_id", 0)), p.value("status", "").c_str(),
              p.value("use_case", "").c_str(), p.value("verified", size_t{0}),
              p.value("reinforcements", size_t{0}), p.value("title", "").c_str(),
              p.value("overdue", 0) > 0 ? "  (overdue actions)" : "");
        }
      });
    });
  }
  {
    auto client = std::make_shared<ClientFlags>();
    auto id = std::make_shared<std::string>();
    CLI::App* cmd = pm->add_subcommand("show", "One postmortem");
    cmd->add_option("id", *id, "Postmortem id")->required();
    AddClientFlags(cmd, *client);
    cmd->callback([client, id, &exit_code] {
      exit_code =
          PrintReply(ApiClient(*client).Get(PostmortemPath(*id)), client->json, PrintPostmortem);
    });
  }
  {
    auto client = std::make_shared<ClientFlags>();
    auto id = std::make_shared<std::string>();
    CLI::App* cmd = pm->add_subcommand(
        "verify", "Verify every reinforcement; exit 0 only when the postmortem is complete");
    cmd->add_option("id", *id, "Postmortem id")->required();
    AddClientFlags(cmd, *client);
    cmd->callback([client, id, &exit_code] {
      ApiReply reply = ApiClient(*client).Post(PostmortemPath(*id) + "/verify", "{}");
      exit_code = PrintReply(reply, client->json, PrintPostmortem);
      if (exit_code == 0 && reply.body.value("status", "") != "complete") {
        exit_code = kExitCheckFailed;
      }
    });
  }
  {
    auto client = std::make_shared<ClientFlags>();
    struct Args {
      std::string id, format = "md";
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = pm->add_subcommand("export", "Print a postmortem as Markdown, JSON or YAML");
    cmd->add_option("id", args->id, "Postmortem id")->required();
    cmd->add_option("--format", args->format, "md | json | yaml (the editable fields)")
        ->check(CLI::IsMember({"md", "json", "yaml"}));
    AddClientFlags(cmd, *client);
    cmd->callback([client, args, &exit_code] {
      ApiClient api(*client);
      if (args->format == "md") {
        ApiReply reply = api.Get(PostmortemPath(args->id) + "?format=md");
        if (reply.exit_code != 0) {
          ApiClient::PrintError(reply);
          exit_code = reply.exit_code;
          return;
        }
        std::cout << reply.raw;
        return;
      }
      ApiReply reply = api.Get(PostmortemPath(args->id));
      if (reply.exit_code != 0) {
        ApiClient::PrintError(reply);
        exit_code = reply.exit_code;
        return;
      }
      if (args->format == "json") {
        std::cout << reply.body.dump(2) << "\n";
        return;
      }
      json editable = {{"title", reply.body["title"]},
                       {"summary", reply.body["summary"]},
                       {"questions", json::array()},
                       {"guardrail_failures", reply.body["guardrail_failures"]},
                       {"reinforcements", json::array()}};
      for (const json& q : reply.body["questions"]) {
        editable["questions"].push_back(
            {{"key", q["key"]}, {"question", q["question"]}, {"answer", q["answer"]}});
      }
      for (const json& r : reply.body["reinforcements"]) {
        editable["reinforcements"].push_back({{"kind", r["kind"]},
                                              {"ref", r["ref"]},
                                              {"description", r["description"]},
                                              {"owner", r["owner"]},
                                              {"due", r["due"]}});
      }
      std::cout << ToYaml(editable);
    });
  }
  {
    auto client = std::make_shared<ClientFlags>();
    struct Args {
      std::string id, file;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = pm->add_subcommand(
        "edit",
        "Edit title, summary, answers, guardrail failures and reinforcements as YAML in "
        "$EDITOR (or apply --file)");
    cmd->add_option("id", args->id, "Postmortem id")->required();
    cmd->add_option("--file", args->file,
                    "Apply this YAML or JSON file (as `export --format yaml` prints) without "
                    "an editor; '-' for standard input");
    AddClientFlags(cmd, *client);
    cmd->callback([client, args, &exit_code] {
      ApiClient api(*client);
      std::string text;
      if (!args->file.empty()) {
        bool ok = false;
        text = ReadFile(args->file, ok);
        if (!ok) {
          std::cerr << "vigil: cannot read " << args->file << "\n";
          exit_code = kExitUsage;
          return;
        }
      } else {
        ApiReply current = api.Get(PostmortemPath(args->id));
        if (current.exit_code != 0) {
          ApiClient::PrintError(current);
          exit_code = current.exit_code;
          return;
        }
        json editable = {{"title", current.body["title"]},
                         {"summary", current.body["summary"]},
                         {"questions", json::array()},
                         {"guardrail_failures", current.body["guardrail_failures"]},
                         {"reinforcements", json::array()}};
        for (const json& q : current.body["questions"]) {
          editable["questions"].push_back({{"key", q["key"]}, {"answer", q["answer"]}});
        }
        for (const json& r : current.body["reinforcements"]) {
          editable["reinforcements"].push_back({{"kind", r["kind"]},
                                                {"ref", r["ref"]},
                                                {"description", r["description"]},
                                                {"owner", r["owner"]},
                                                {"due", r["due"]}});
        }
        const std::string path =
            (std::filesystem::temp_directory_path() /
             ("vigil-postmortem-" + args->id + "-" + std::to_string(getpid()) + ".yaml"))
                .string();
        {
          std::ofstream out(path);
          out << "# Postmortem " << args->id
              << ": edit and save. Reinforcement kinds: alert_rule (a rule name), gate (a gate "
                 "check), test (a drill scenario or an eval case). Due: YYYY-MM-DD.\n"
              << ToYaml(editable);
        }
        const char* editor = std::getenv("VISUAL") ? std::getenv("VISUAL") : std::getenv("EDITOR");
        const std::string command = std::string(editor ? editor : "vi") + " '" + path + "'";
        if (std::system(command.c_str()) != 0) {
          std::cerr << "vigil: the editor failed; nothing changed (your text is in " << path
                    << ")\n";
          exit_code = kExitUsage;
          return;
        }
        bool ok = false;
        text = ReadFile(path, ok);
        std::filesystem::remove(path);
      }
      Result<std::string> body = YamlDocumentToJson(text);
      if (!body.ok()) {
        std::cerr << "vigil: not valid YAML: " << body.status().message() << "\n";
        exit_code = kExitUsage;
        return;
      }
      json edit = json::parse(*body, nullptr, false);
      if (edit.is_object()) {
        // The question texts are shown for reference; only the answers are editable.
        if (edit.contains("questions") && edit["questions"].is_array()) {
          for (json& q : edit["questions"]) {
            if (q.is_object()) q.erase("question");
          }
        }
      }
      exit_code = PrintReply(api.Send("PUT", PostmortemPath(args->id), edit.dump()), client->json,
                             PrintPostmortem);
    });
  }

  CLI::App* kb = app.add_subcommand("kb", "Knowledge base of past failures: search");
  kb->require_subcommand(1);
  {
    auto client = std::make_shared<ClientFlags>();
    auto query = std::make_shared<std::string>();
    CLI::App* cmd = kb->add_subcommand("search", "Search postmortems by words, best first");
    cmd->add_option("query", *query, "Words, e.g. \"permission denied refund\"")->required();
    AddClientFlags(cmd, *client);
    cmd->callback([client, query, &exit_code] {
      exit_code = PrintReply(
          ApiClient(*client).Get("/v1/kb/search?q=" + UrlEncode(*query)), client->json,
          [](const json& r) {
            if (r["hits"].empty()) std::printf("no postmortem matches\n");
            for (const json& h : r["hits"]) {
              std::printf("postmortem %lld (incident %lld, %s, %s) score %.3g — %s\n  %s\n",
                          static_cast<long long>(h.value("postmortem_id", 0)),
                          static_cast<long long>(h.value("incident_id", 0)),
                          h.value("use_case", "").c_str(), h.value("status", "").c_str(),
                          h.value("score", 0.0), h.value("title", "").c_str(),
                          h.value("snippet", "").c_str());
              for (const json& rule : h["prevention_rules"]) {
                std::printf("  prevention: %s\n", rule.get<std::string>().c_str());
              }
            }
          });
    });
  }

  CLI::App* gate = app.add_subcommand("gate", "Release gates: check (for CI)");
  gate->require_subcommand(1);
  {
    auto client = std::make_shared<ClientFlags>();
    struct Args {
      std::string use_case, release;
      bool canary = false;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = gate->add_subcommand(
        "check", "Run the gate template for a release; exit 0 pass, 1 fail, 2 error");
    cmd->add_option("--use-case", args->use_case, "Use case")->required();
    cmd->add_option("--release", args->release, "Candidate release version")->required();
    cmd->add_flag("--canary", args->canary, "Check for a canary promotion (skips canary_healthy)");
    AddClientFlags(cmd, *client);
    cmd->callback([client, args, &exit_code] {
      ApiReply reply = ApiClient(*client).Post(
          "/v1/gates/check",
          json{{"use_case", args->use_case}, {"release", args->release}, {"canary", args->canary}}
              .dump());
      if (reply.exit_code != 0) {
        ApiClient::PrintError(reply);
        exit_code = kExitUsage;  // an error, not a verdict
        return;
      }
      if (client->json) {
        std::cout << reply.body.dump(2) << "\n";
      } else {
        const json& r = reply.body;
        if (!r.value("configured", false)) {
          std::printf("no gates configured: nothing to check\n");
        }
        int width = 10;
        for (const json& c : r["checks"]) {
          width = std::max(width, static_cast<int>(c.value("check", "").size()));
        }
        for (const json& c : r["checks"]) {
          std::printf("%-5s %-*s  %s\n",
                      c.value("result", "") == "pass"   ? "PASS"
                      : c.value("result", "") == "fail" ? "FAIL"
                                                        : "SKIP",
                      width, c.value("check", "").c_str(), c.value("reason", "").c_str());
        }
        std::printf("gate %s for %s %s\n", r.value("passed", false) ? "PASSED" : "FAILED",
                    args->use_case.c_str(), args->release.c_str());
      }
      exit_code = reply.body.value("passed", false) ? kExitOk : kExitCheckFailed;
    });
  }
}

}  // namespace vigil::cli
