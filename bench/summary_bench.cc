// bench/summary: a 24 h summary over N stored events (default 10,000,000, generated straight
// into the store), median of 20 queries, against the same figures computed by a plain SQL
// GROUP BY over the raw events. Prints figures; asserts nothing.
//
//   summary_bench [--events N] [--queries Q]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bench/workload.h"
#include "client/http_client.h"
#include "common/clock.h"
#include "rollup/summary.h"
#include "storage/sqlite/sqlite_event_store.h"
#include "support/vigil_process.h"

namespace vigil::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

double Ms(SteadyClock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int Main(int argc, char** argv) {
  size_t total = 10'000'000;
  int queries = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--events")) total = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--queries")) queries = std::atoi(argv[i + 1]);
  }
  testing::TempDir dir;
  const std::string data = dir.File("data");
  std::filesystem::create_directories(data);
  const int64_t now = SystemClock::Instance().NowNanos();
  const int64_t day = 24LL * 3600 * 1'000'000'000;
  // ~3 events per request: spread the requests evenly over the last 24 hours.
  const int64_t interval = day / static_cast<int64_t>(total / 3 + 1);

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

  // End to end: GET /v1/summary?from=-24h on `vigil serve` over the same data.
  std::vector<double> http;
  {
    const char* config = R"(
auth:
  tokens:
    - { name: bench, token_env: VIGIL_BENCH_TOKEN, roles: [read], tenants: "*" }
)";
    testing::VigilProcess vigil(data, config, {{"VIGIL_BENCH_TOKEN", "bench-secret"}});
    if (vigil.Start() && vigil.WaitReady()) {
      HttpClient client(vigil.base_url());
      for (int q = 0; q < queries; ++q) {
        auto t0 = SteadyClock::now();
        auto r = client.Get("/v1/summary?from=-24h", {"Authorization: Bearer bench-secret"});
        if (r.ok() && r->status == 200) http.push_back(Ms(SteadyClock::now() - t0));
      }
      vigil.Terminate();
    }
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
  std::printf("  peak RSS of this process = %.1f MiB\n", testing::PeakRssMiB());
  return 0;
}

}  // namespace
}  // namespace vigil::bench

int main(int argc, char** argv) { return vigil::bench::Main(argc, argv); }
