// bench/summary: a 24 h summary over N stored events (default 10,000,000, generated straight
// into the store), median of 20 queries, against the same figures computed by a plain SQL
// GROUP BY over the raw events; the time series the dashboard charts read; and the dashboard's
// overview first paint in headless chromium (bench/first_paint.mjs) over the same data, against
// the same page on an empty store. Then the same events on ClickHouse, side by side
// (bench/summary_clickhouse.h), unless --no-clickhouse. Prints figures; asserts nothing.
//
//   summary_bench [--events N] [--queries Q] [--loads L] [--no-first-paint] [--no-clickhouse]
//                 [--clickhouse-dir DIR]   (default /dev/shm, see bench/ingest_bench.cc)

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/summary_clickhouse.h"
#include "bench/workload.h"
#include "client/http_client.h"
#include "common/clock.h"
#include "rollup/summary.h"
#include "storage/sqlite/sqlite_event_store.h"
#include "support/node_tools.h"
#include "support/vigil_process.h"

namespace vigil::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

double Ms(SteadyClock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

const char kServeConfig[] = R"(
auth:
  tokens:
    - { name: bench, token_env: VIGIL_BENCH_TOKEN, roles: [read], tenants: "*" }
)";

// Runs bench/first_paint.mjs against a running vigil; its JSON report, or null when chromium or
// the npm packages are missing (the figure is then reported as not measured).
nlohmann::json FirstPaint(const std::string& base_url, int loads) {
  std::string error;
  const std::string node_modules = testing::PrepareNodeModules("web", error);
  if (node_modules.empty()) {
    std::fprintf(stderr, "first paint not measured: %s\n", error.c_str());
    return nullptr;
  }
  namespace fs = std::filesystem;
  const fs::path node_dir = fs::path(node_modules).parent_path();
  fs::copy_file(fs::path(VIGIL_SOURCE_DIR) / "bench" / "first_paint.mjs",
                node_dir / "first_paint.mjs", fs::copy_options::overwrite_existing);
  auto [rc, out] = testing::Shell("cd '" + node_dir.string() + "' && node first_paint.mjs " +
                                  base_url + " bench-secret " + std::to_string(loads));
  const size_t brace = out.rfind("{\"first_paint_ms\"");
  nlohmann::json report = brace == std::string::npos
                              ? nullptr
                              : nlohmann::json::parse(out.substr(brace), nullptr, false);
  if (rc != 0 || !report.is_object() || !report["errors"].empty()) {
    std::fprintf(stderr, "first paint failed (exit %d):\n%s\n", rc, out.c_str());
    return nullptr;
  }
  return report;
}

double MedianOf(const nlohmann::json& values) {
  std::vector<double> v;
  for (const auto& x : values) v.push_back(x.get<double>());
  return Median(v);
}

int Main(int argc, char** argv) {
  size_t total = 10'000'000;
  int queries = 20;
  int loads = 5;
  bool first_paint = true;
  bool clickhouse = true;
  std::string clickhouse_dir = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--no-first-paint")) first_paint = false;
    if (!std::strcmp(argv[i], "--no-clickhouse")) clickhouse = false;
    if (i + 1 >= argc) continue;
    if (!std::strcmp(argv[i], "--events")) total = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--queries")) queries = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--loads")) loads = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--clickhouse-dir")) clickhouse_dir = argv[i + 1];
  }
  testing::TempDir dir;
  const std::string data = dir.File("data");
  std::filesystem::create_directories(data);
  const int64_t now = SystemClock::Instance().NowNanos();
  const int64_t day = 24LL * 3600 * 1'000'000'000;
  // Spread the requests evenly over the last 24 hours, up to now (the overview's live range
  // must hold data): a first pass counts the requests the loading pass will generate.
  uint64_t requests = 0;
  {
    std::vector<Event> scratch;
    for (size_t produced = 0; produced < total; produced += scratch.size()) {
      scratch.clear();
      requests =
          GenerateEvents(requests, std::min<size_t>(50'000, total - produced), 0, scratch, 1);
    }
  }
  const int64_t interval = day / static_cast<int64_t>(requests);

  std::printf("summary: %zu events over 24 h, generated straight into the store\n", total);
  std::fflush(stdout);
  auto load_start = SteadyClock::now();
  {
    SqliteEventStore::Options options;
    options.synchronous = "normal";  // loading speed only; the queries don't depend on it
    auto store = SqliteEventStore::Open(data + "/vigil.db", options);
    if (!store.ok()) {
      std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
      return 1;
    }
    uint64_t request = 0;
    size_t loaded = 0;
    std::vector<Event> events;
    while (loaded < total) {
      events.clear();
      request = GenerateEvents(request, std::min<size_t>(50'000, total - loaded), now - day, events,
                               interval);
      if (!(*store)->Append(events).ok()) return 1;
      loaded += events.size();
    }
    std::printf("  loaded in %.1f s\n", Ms(SteadyClock::now() - load_start) / 1000);
  }

  // In-process: rollup read + Summarize.
  auto store = SqliteEventStore::Open(data + "/vigil.db", {});
  if (!store.ok()) return 1;
  std::vector<double> direct;
  Summary last;
  for (int q = 0; q < queries; ++q) {
    auto t0 = SteadyClock::now();
    auto rows = (*store)->ReadRollups({TenantFilter{true, {}}, "", "", now - day, now});
    last = Summarize(*rows, now - day, now);
    direct.push_back(Ms(SteadyClock::now() - t0));
  }

  // Reference: the same counts and sums by GROUP BY over raw events (no quantiles at all).
  std::vector<double> reference;
  uint64_t reference_tasks = 0;
  {
    auto db = SqliteDb::Open(data + "/vigil.db");
    const char* sql =
        "SELECT layer, error_class, metric, COUNT(*), SUM(status), SUM(retries), SUM(refusal), "
        "SUM(tokens_in), SUM(tokens_out), SUM(cost_usd), SUM(value), SUM(collision) "
        "FROM events WHERE ts >= ?1 AND ts < ?2 GROUP BY layer, error_class, metric";
    for (int q = 0; q < std::max(3, queries / 4); ++q) {
      auto t0 = SteadyClock::now();
      auto stmt = db->Prepare(sql);
      stmt->BindInt(1, now - day);
      stmt->BindInt(2, now);
      Status st;
      reference_tasks = 0;
      while (stmt->Step(st)) {
        if (stmt->ColumnInt(0) == 0) reference_tasks += static_cast<uint64_t>(stmt->ColumnInt(3));
      }
      reference.push_back(Ms(SteadyClock::now() - t0));
    }
  }

  // End to end: GET /v1/summary?from=-24h on `vigil serve` over the same data, the dashboard's
  // time series, and the overview's first paint in a browser.
  std::vector<double> http, series_live, series_day, series_week;
  nlohmann::json paint = nullptr, paint_empty = nullptr;
  {
    testing::VigilProcess vigil(data, kServeConfig, {{"VIGIL_BENCH_TOKEN", "bench-secret"}});
    if (vigil.Start() && vigil.WaitReady()) {
      HttpClient client(vigil.base_url());
      auto timed = [&](const char* path, std::vector<double>& into) {
        auto t0 = SteadyClock::now();
        auto r = client.Get(path, {"Authorization: Bearer bench-secret"});
        if (r.ok() && r->status == 200) into.push_back(Ms(SteadyClock::now() - t0));
      };
      for (int q = 0; q < queries; ++q) {
        timed("/v1/summary?from=-24h", http);
        timed("/v1/timeseries?from=-15m", series_live);
        timed("/v1/timeseries?from=-24h", series_day);
        timed("/v1/timeseries?from=-7d", series_week);
      }
      if (auto live = client.Get("/v1/summary?from=-15m", {"Authorization: Bearer bench-secret"});
          live.ok() && live->status == 200) {
        std::printf("  the live 15 minutes hold %lld tasks\n",
                    nlohmann::json::parse(live->body)["task"]["count"].get<long long>());
      }
      if (first_paint) paint = FirstPaint(vigil.base_url(), loads);
      vigil.Terminate();
    }
  }
  if (first_paint) {  // reference: the same page, same machine, same run, nothing stored
    testing::VigilProcess empty(dir.File("empty"), kServeConfig,
                                {{"VIGIL_BENCH_TOKEN", "bench-secret"}});
    if (empty.Start() && empty.WaitReady()) paint_empty = FirstPaint(empty.base_url(), loads);
  }

  double d = Median(direct), ref = Median(reference), h = Median(http);
  std::printf("  tasks counted: rollups %llu, GROUP BY %llu (%s)\n",
              static_cast<unsigned long long>(last.task.count),
              static_cast<unsigned long long>(reference_tasks),
              last.task.count == reference_tasks ? "equal" : "DIFFERENT");
  std::printf("  summary from rollups (in process), median of %d: %8.1f ms  (target <= 100 ms)\n",
              queries, d);
  std::printf("  GET /v1/summary?from=-24h over HTTP, median:     %8.1f ms\n", h);
  std::printf("  reference GROUP BY over raw events, median:      %8.1f ms\n", ref);
  std::printf("  speed-up vs reference = %.0fx\n", d > 0 ? ref / d : 0);
  std::printf(
      "  GET /v1/timeseries median: 15 min (1m steps) %.1f ms, 24 h (15m steps from minute "
      "rollups) %.1f ms, 7 d (1h steps) %.1f ms\n",
      Median(series_live), Median(series_day), Median(series_week));
  if (paint.is_object() && paint_empty.is_object()) {
    const double fp = MedianOf(paint["first_paint_ms"]),
                 fp0 = MedianOf(paint_empty["first_paint_ms"]);
    std::printf(
        "  dashboard overview first paint (live 15 min, %s tasks shown), median of %d "
        "loads: %7.1f ms  (target <= 1000 ms)\n",
        paint["tasks_shown"].get<std::string>().c_str(), loads, fp);
    std::printf("  reference: the same page on an empty store, median:              %7.1f ms\n",
                fp0);
    std::printf("  ratio first paint %zu events / empty = %.2f\n", total, fp0 > 0 ? fp / fp0 : 0);
    std::printf("  range switch in the page: to 24 h %.1f ms, to 7 d %.1f ms\n",
                paint["range_ms"]["-24h"].get<double>(), paint["range_ms"]["-7d"].get<double>());
  } else if (first_paint) {
    std::printf("  dashboard first paint: not measured (see the error above)\n");
  }
  std::printf("  peak RSS of this process = %.1f MiB\n", testing::PeakRssMiB());
  if (!clickhouse) return 0;

  std::printf(
      "ClickHouse: the same %zu events through ClickHouseEventStore, one ClickHouse 18.16 "
      "server (data in %s)\n",
      total, clickhouse_dir.c_str());
  std::fflush(stdout);
  const ClickHouseSummaryFigures c = MeasureClickHouseSummary(
      total, queries, now, day, interval, dir.File("clickhouse-vigil"), clickhouse_dir);
  if (!c.error.empty()) {
    std::printf("  not measured: %s\n", c.error.c_str());
    return 1;
  }
  std::printf(
      "  loaded in %.1f s (rollup cells kept by the materialized views: %llu minute, "
      "%llu hour)\n",
      c.load_s, static_cast<unsigned long long>(c.minute_cells),
      static_cast<unsigned long long>(c.hour_cells));
  std::printf("  tasks counted: rollup tables %llu, GROUP BY at read %llu, reference %llu (%s)\n",
              static_cast<unsigned long long>(c.tasks_rollups),
              static_cast<unsigned long long>(c.tasks_group_by),
              static_cast<unsigned long long>(c.tasks_reference),
              c.tasks_rollups == c.tasks_group_by && c.tasks_group_by == c.tasks_reference &&
                      c.tasks_rollups == last.task.count
                  ? "equal, and equal to SQLite's"
                  : "DIFFERENT");
  std::printf("  24 h summary, side by side (median of %d)          SQLite    ClickHouse\n",
              queries);
  std::printf("    in process (rollup cells + Summarize)       %9.1f ms  %9.1f ms\n", d,
              c.in_process_ms);
  std::printf("    GET /v1/summary?from=-24h over HTTP         %9.1f ms  %9.1f ms\n", h, c.http_ms);
  std::printf("    GET /v1/timeseries?from=-24h                %9.1f ms  %9.1f ms\n",
              Median(series_day), c.series_day_ms);
  std::printf("    reference GROUP BY over raw events          %9.1f ms  %9.1f ms\n", ref,
              c.reference_ms);
  std::printf(
      "  ClickHouse alternative, the same cells by GROUP BY over the events at read time: "
      "%.1f ms  (rollup tables / GROUP BY at read = %.2f)\n",
      c.group_by_ms, c.group_by_ms > 0 ? c.in_process_ms / c.group_by_ms : 0);
  return 0;
}

}  // namespace
}  // namespace vigil::bench

int main(int argc, char** argv) { return vigil::bench::Main(argc, argv); }
