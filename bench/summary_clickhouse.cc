#include "bench/summary_clickhouse.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "bench/workload.h"
#include "client/http_client.h"
#include "rollup/rollup.h"
#include "rollup/summary.h"
#include "storage/clickhouse/clickhouse_event_store.h"
#include "storage/clickhouse/clickhouse_http.h"
#include "storage/clickhouse/clickhouse_rows.h"
#include "storage/clickhouse/clickhouse_schema.h"
#include "support/clickhouse_cluster.h"
#include "support/vigil_process.h"

namespace vigil::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr char kDatabase[] = "summary";

double Ms(SteadyClock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// The alternative to the rollup tables the store keeps: the same cells computed at read time by
// GROUP BY over the events, in the store's plan (minute edges, hour middle); returns the tasks
// counted, or -1.
int64_t GroupByAtRead(ClickHouseHttp& ch, const std::string& db, int64_t from, int64_t to) {
  const std::string no_latency = std::to_string(kNoLatency);
  int64_t tasks = 0;
  for (const RollupPlanPart& part : PlanRollupRead(from, to)) {
    const std::string width = std::to_string(static_cast<int64_t>(part.grain));
    auto r = ch.Query(
        "SELECT intDiv(ts_ns, " + width + ") * " + width + " AS b, " + kClickHouseRollupKeys +
        ", count(), sum(status), sum(retries), sum(refusal), sum(tokens_in), sum(tokens_out), "
        "sum(collision), sum(unpriced), sum(cost_usd), sum(if(layer = 3, value, 0)), "
        "sumMap([latency_bucket], [toUInt64(1)]), sum(if(latency_bucket = " +
        no_latency + ", 0, latency_ms)), max(if(latency_bucket = " + no_latency +
        ", 0, latency_ms)) FROM " + db + ".events WHERE " +
        ClickHouseTimeCondition(part.from_ns, part.to_ns) + " GROUP BY b, " +
        kClickHouseRollupKeys);
    if (!r.ok()) {
      std::fprintf(stderr, "GROUP BY at read: %s\n", r.status().ToString().c_str());
      return -1;
    }
    for (const auto& row : ParseTabSeparated(*r)) {
      if (row.size() == 22 && row[3] == "0") tasks += std::strtoll(row[9].c_str(), nullptr, 10);
    }
  }
  return tasks;
}

}  // namespace

ClickHouseSummaryFigures MeasureClickHouseSummary(size_t total, int queries, int64_t now,
                                                  int64_t day, int64_t interval,
                                                  const std::string& work_dir,
                                                  const std::string& clickhouse_dir) {
  ClickHouseSummaryFigures f;
  testing::TempDir ch_dir(clickhouse_dir);
  auto cluster = testing::ClickHouseCluster::Start(ch_dir.path(), 1, f.error);
  if (!cluster) return f;
  const std::string url = cluster->http_url(0);
  ClickHouseStoreOptions options;
  options.endpoint.url = url;
  options.database = kDatabase;
  options.timeout = std::chrono::seconds(60);
  auto store = ClickHouseEventStore::Open(options);
  if (!store.ok()) {
    f.error = store.status().ToString();
    return f;
  }
  ClickHouseHttp ch({url, "", ""}, std::chrono::seconds(120));
  const auto load_start = SteadyClock::now();
  uint64_t request = 0;
  std::vector<Event> events;
  for (size_t loaded = 0; loaded < total; loaded += events.size()) {
    events.clear();
    request = GenerateEvents(request, std::min<size_t>(50'000, total - loaded), now - day, events,
                             interval);
    if (auto appended = (*store)->Append(events); !appended.ok()) {
      f.error = appended.status().ToString();
      return f;
    }
  }
  // Queries meet the data as a running system would, after ClickHouse has merged its parts.
  (void)ch.Query(std::string("OPTIMIZE TABLE ") + kDatabase + ".events FINAL");
  (void)ch.Query(std::string("OPTIMIZE TABLE ") + kDatabase + ".rollup_minute FINAL");
  (void)ch.Query(std::string("OPTIMIZE TABLE ") + kDatabase + ".rollup_hour FINAL");
  f.load_s = Ms(SteadyClock::now() - load_start) / 1000;
  auto cells = [&](const char* table) -> uint64_t {
    auto r = ch.Query(std::string("SELECT count() FROM ") + kDatabase + "." + table);
    return r.ok() ? std::strtoull(r->c_str(), nullptr, 10) : 0;
  };
  f.minute_cells = cells("rollup_minute");
  f.hour_cells = cells("rollup_hour");

  std::vector<double> direct, reference, group_by;
  for (int q = 0; q < queries; ++q) {
    auto t0 = SteadyClock::now();
    auto rows = (*store)->ReadRollups({TenantFilter{true, {}}, "", "", now - day, now});
    if (!rows.ok()) {
      f.error = rows.status().ToString();
      return f;
    }
    f.tasks_rollups = Summarize(*rows, now - day, now).task.count;
    direct.push_back(Ms(SteadyClock::now() - t0));

    t0 = SteadyClock::now();
    const int64_t tasks = GroupByAtRead(ch, kDatabase, now - day, now);
    group_by.push_back(Ms(SteadyClock::now() - t0));
    f.tasks_group_by = tasks < 0 ? 0 : static_cast<uint64_t>(tasks);
  }
  for (int q = 0; q < std::max(3, queries / 4); ++q) {
    auto t0 = SteadyClock::now();
    auto r = ch.Query(
        "SELECT layer, error_class, metric, count(), sum(status), sum(retries), sum(refusal), "
        "sum(tokens_in), sum(tokens_out), sum(cost_usd), sum(value), sum(collision) FROM " +
        std::string(kDatabase) + ".events WHERE " + ClickHouseTimeCondition(now - day, now) +
        " GROUP BY layer, error_class, metric");
    reference.push_back(Ms(SteadyClock::now() - t0));
    if (!r.ok()) continue;
    f.tasks_reference = 0;
    for (const auto& row : ParseTabSeparated(*r)) {
      if (row.size() == 12 && row[0] == "0")
        f.tasks_reference += std::strtoull(row[3].c_str(), nullptr, 10);
    }
  }
  store->reset();

  std::vector<double> http, series_day;
  {
    testing::VigilProcess vigil(
        work_dir,
        "auth:\n  tokens:\n    - { name: bench, token_env: VIGIL_BENCH_TOKEN, roles: [read], "
        "tenants: \"*\" }\nstorage:\n  backend: clickhouse\n  clickhouse: { url: \"" +
            url + "\", database: " + kDatabase + " }\n",
        {{"VIGIL_BENCH_TOKEN", "bench-secret"}});
    if (vigil.Start() && vigil.WaitReady(std::chrono::seconds(120))) {
      HttpClient client(vigil.base_url());
      for (int q = 0; q < queries; ++q) {
        for (auto [path, into] : {std::pair{"/v1/summary?from=-24h", &http},
                                  std::pair{"/v1/timeseries?from=-24h", &series_day}}) {
          auto t0 = SteadyClock::now();
          auto r = client.Get(path, {"Authorization: Bearer bench-secret"});
          if (r.ok() && r->status == 200) into->push_back(Ms(SteadyClock::now() - t0));
        }
      }
      vigil.Terminate();
    } else {
      f.error = "vigil serve on ClickHouse did not start:\n" + vigil.Log();
      return f;
    }
  }
  f.in_process_ms = Median(direct);
  f.group_by_ms = Median(group_by);
  f.reference_ms = Median(reference);
  f.http_ms = Median(http);
  f.series_day_ms = Median(series_day);
  return f;
}

}  // namespace vigil::bench
