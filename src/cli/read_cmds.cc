// vigil summary | trace ID | events — read commands over the HTTP API, printed for people
// (tables, an indented tree) or as the server's JSON with --json.

#include <cstdio>
#include <iostream>
#include <sstream>

#include "cli/api_client.h"
#include "cli/commands.h"

namespace vigil::cli {
namespace {

using nlohmann::json;

struct RangeFlags {
  std::string tenant, use_case, release, from, to;
};

void AddRangeFlags(CLI::App* cmd, RangeFlags& f) {
  cmd->add_option("--tenant", f.tenant, "Tenant (default: every tenant the token may read)");
  cmd->add_option("--use-case", f.use_case, "Use case");
  cmd->add_option("--release", f.release, "Release version");
  cmd->add_option("--from", f.from, "Start: RFC 3339, unix ms, -15m, now (default -1h)");
  cmd->add_option("--to", f.to, "End (default now)");
}

void AddRangeQuery(std::string& path, const RangeFlags& f) {
  AddQuery(path, "tenant", f.tenant);
  AddQuery(path, "use_case", f.use_case);
  AddQuery(path, "release", f.release);
  AddQuery(path, "from", f.from);
  AddQuery(path, "to", f.to);
}

std::string Fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

std::string Classes(const json& list) {
  std::string out;
  for (const auto& c : list) {
    if (!out.empty()) out += ", ";
    out += c.value("class", "") + " " + std::to_string(c.value("count", 0ULL));
  }
  return out.empty() ? "-" : out;
}

std::string Latency(const json& q) {
  return Fmt("%.0f", q.value("p50", 0.0)) + " / " + Fmt("%.0f", q.value("p95", 0.0)) + " / " +
         Fmt("%.0f", q.value("p99", 0.0)) + " ms";
}

void PrintSummary(const json& raw) {
  // Layers without events print "-" rather than zeros that read like measurements.
  json s = raw;
  for (const char* layer : {"task", "inference", "tool"}) {
    if (s[layer].value("count", 0ULL) == 0) s[layer]["empty"] = true;
  }
  const json& task = s["task"];
  const json& inf = s["inference"];
  const json& tool = s["tool"];
  const json& biz = s["business"];
  std::cout << "Summary " << s["range"].value("from", "") << " .. " << s["range"].value("to", "")
            << "\n\n";
  std::printf("%-10s %10s  %s\n", "LAYER", "COUNT", "FIGURES");
  auto empty = [&](const json& layer, const char* name) {
    if (!layer.value("empty", false)) return false;
    std::printf("%-10s %10d  -\n", name, 0);
    return true;
  };
  if (!empty(task, "task"))
    std::printf("%-10s %10llu  success %s; failures: %s\n", "task",
                static_cast<unsigned long long>(task.value("count", 0ULL)),
                Fmt("%.2f%%", task.value("success_rate", 0.0) * 100).c_str(),
                Classes(task["failure_classes"]).c_str());
  if (!empty(inf, "inference"))
    std::printf(
        "%-10s %10llu  latency p50/p95/p99 %s; tokens %llu in / %llu out; retries %llu; "
        "refusals %llu; cost $%s\n",
        "inference", static_cast<unsigned long long>(inf.value("count", 0ULL)),
        Latency(inf["latency_ms"]).c_str(),
        static_cast<unsigned long long>(inf.value("tokens_in", 0ULL)),
        static_cast<unsigned long long>(inf.value("tokens_out", 0ULL)),
        static_cast<unsigned long long>(inf.value("retries", 0ULL)),
        static_cast<unsigned long long>(inf.value("refusals", 0ULL)),
        Fmt("%.4f", inf.value("cost_usd", 0.0)).c_str());
  if (!empty(tool, "tool"))
    std::printf(
        "%-10s %10llu  success %s; latency p50/p95/p99 %s; errors: %s; idempotency "
        "collisions %llu\n",
        "tool", static_cast<unsigned long long>(tool.value("count", 0ULL)),
        Fmt("%.2f%%", tool.value("success_rate", 0.0) * 100).c_str(),
        Latency(tool["latency_ms"]).c_str(), Classes(tool["error_classes"]).c_str(),
        static_cast<unsigned long long>(tool.value("idempotency_collisions", 0ULL)));
  std::string metrics;
  for (const auto& m : biz["metrics"]) {
    if (!metrics.empty()) metrics += "; ";
    metrics += m.value("metric", "") + " " + std::to_string(m.value("count", 0ULL)) + " (" +
               Fmt("%.1f%%", m.value("rate_per_task", 0.0) * 100) + " of tasks, sum " +
               Fmt("%g", m.value("value_sum", 0.0)) + ")";
  }
  std::printf("%-10s %10llu  %s\n", "business",
              static_cast<unsigned long long>(biz.value("count", 0ULL)),
              metrics.empty() ? "-" : metrics.c_str());
  std::printf("\ncost: $%s total, $%s per minute\n",
              Fmt("%.4f", s["cost"].value("total_usd", 0.0)).c_str(),
              Fmt("%.5f", s["cost"].value("per_minute_usd", 0.0)).c_str());
  const json& unpriced = s["cost"]["unpriced"];
  if (unpriced.is_object() && unpriced.value("events", 0ULL) > 0) {
    std::string models;
    for (const json& m : unpriced["models"])
      models += (models.empty() ? "" : ", ") + m.get<std::string>();
    std::printf(
        "      %llu event(s) with tokens but no price, not counted in cost: %s "
        "(add them under pricing:)\n",
        static_cast<unsigned long long>(unpriced.value("events", 0ULL)), models.c_str());
  }
}

void PrintSpan(const json& span, int depth) {
  std::string indent(static_cast<size_t>(depth) * 2, ' ');
  std::string what = span.value("layer", "");
  for (const char* key : {"use_case", "model", "tool", "metric"}) {
    if (span.contains(key)) what += " " + span.value(key, "");
  }
  std::cout << indent << (depth ? "└ " : "") << span.value("span_id", "") << "  " << what << "  "
            << span.value("status", "")
            << (span.value("error_class", "none") != "none" ? " " + span.value("error_class", "")
                                                            : "")
            << "  " << Fmt("%.0f ms", span.value("latency_ms", 0.0))
            << (span.value("idempotency_collision", false) ? "  [collision]" : "") << "\n";
  for (const auto& child : span["children"]) PrintSpan(child, depth + 1);
}

void PrintEvents(const json& page) {
  std::printf("%-24s %-10s %-9s %-16s %-18s %-6s %-22s %8s\n", "TIME", "TENANT", "LAYER",
              "USE CASE", "MODEL/TOOL", "STATUS", "ERROR", "LATENCY");
  for (const auto& e : page["events"]) {
    std::string what = e.contains("model")  ? e.value("model", "")
                       : e.contains("tool") ? e.value("tool", "")
                                            : e.value("metric", "");
    std::printf("%-24s %-10s %-9s %-16s %-18s %-6s %-22s %8s\n", e.value("time", "").c_str(),
                e.value("tenant", "").c_str(), e.value("layer", "").c_str(),
                e.value("use_case", "").c_str(), what.c_str(), e.value("status", "").c_str(),
                e.value("error_class", "").c_str(),
                Fmt("%.0fms", e.value("latency_ms", 0.0)).c_str());
  }
  if (!page["next_cursor"].is_null()) {
    std::cout << "more: --cursor " << page.value("next_cursor", "") << "\n";
  }
}

// Shared tail of every read command: errors, --json, or the human form.

}  // namespace

void RegisterRead(CLI::App& app, int& exit_code) {
  {
    auto client = std::make_shared<ClientFlags>();
    auto range = std::make_shared<RangeFlags>();
    CLI::App* cmd =
        app.add_subcommand("summary", "Four-layer summary (task, inference, tool, business)");
    AddRangeFlags(cmd, *range);
    AddClientFlags(cmd, *client);
    cmd->callback([client, range, &exit_code] {
      std::string path = "/v1/summary";
      AddRangeQuery(path, *range);
      exit_code = PrintReply(ApiClient(*client).Get(path), client->json, PrintSummary);
    });
  }
  {
    auto client = std::make_shared<ClientFlags>();
    auto trace = std::make_shared<std::string>();
    auto tenant = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand("trace", "One trace as an indented tree of spans");
    cmd->add_option("trace_id", *trace, "Trace id")->required();
    cmd->add_option("--tenant", *tenant, "Tenant");
    AddClientFlags(cmd, *client);
    cmd->callback([client, trace, tenant, &exit_code] {
      std::string path = "/v1/traces/" + UrlEncode(*trace);
      AddQuery(path, "tenant", *tenant);
      exit_code = PrintReply(ApiClient(*client).Get(path), client->json, [](const json& t) {
        std::cout << "trace " << t.value("trace_id", "") << " (" << t.value("event_count", 0)
                  << " events)\n";
        for (const auto& span : t["spans"]) PrintSpan(span, 0);
      });
    });
  }
  {
    auto client = std::make_shared<ClientFlags>();
    auto range = std::make_shared<RangeFlags>();
    struct Filters {
      std::string layer, error_class, model, tool, cursor;
      int limit = 50;
    };
    auto filters = std::make_shared<Filters>();
    CLI::App* cmd = app.add_subcommand("events", "Recent events, newest first");
    AddRangeFlags(cmd, *range);
    cmd->add_option("--layer", filters->layer, "task | inference | tool | business");
    cmd->add_option("--error-class", filters->error_class, "Error class (or class/detail)");
    cmd->add_option("--model", filters->model, "Model");
    cmd->add_option("--tool", filters->tool, "Tool");
    cmd->add_option("--limit", filters->limit, "Events per page (1-1000)")->capture_default_str();
    cmd->add_option("--cursor", filters->cursor, "Continue from a previous page");
    AddClientFlags(cmd, *client);
    cmd->callback([client, range, filters, &exit_code] {
      std::string path = "/v1/events";
      AddRangeQuery(path, *range);
      AddQuery(path, "layer", filters->layer);
      AddQuery(path, "error_class", filters->error_class);
      AddQuery(path, "model", filters->model);
      AddQuery(path, "tool", filters->tool);
      AddQuery(path, "limit", std::to_string(filters->limit));
      AddQuery(path, "cursor", filters->cursor);
      exit_code = PrintReply(ApiClient(*client).Get(path), client->json, PrintEvents);
    });
  }
}

}  // namespace vigil::cli
