// bench/ingest: end-to-end ingest throughput of `vigil serve` against references measured in
// the same run: raw SQLite inserts, or with --backend clickhouse the same rows inserted straight
// into ClickHouse over HTTP (RowBinary and JSONEachRow; the faster is the reference). Prints
// figures. See docs/architecture.md and docs/clickhouse.md.
//
//   ingest_bench [--events N] [--connections C] [--batch B] [--backend sqlite|clickhouse]
//                [--clickhouse-dir DIR] [--inserts-in-flight N]
//
// ClickHouse keeps its data under --clickhouse-dir (default /dev/shm when it exists): on this
// project's build VMs ext4's inode allocator (recently_deleted) took ~40% of ClickHouse's time
// creating part files, and grew slower run after run, so on disk the figure measured the VM
// rather than Vigil. Both Vigil and the references write to the same place.

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/clickhouse_reference.h"
#include "bench/workload.h"
#include "client/http_client.h"
#include "common/clock.h"
#include "storage/sqlite/sqlite_event_store.h"
#include "support/clickhouse_cluster.h"
#include "support/vigil_process.h"

namespace vigil::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  size_t events = 2'000'000;
  int connections = 4;
  size_t batch = 1000;
  std::string backend = "sqlite";
  int inserts_in_flight = 0;  // 0: Vigil's default
  std::string clickhouse_dir = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Generates the workload in chunks; `each` receives consecutive chunks of events.
template <typename Fn>
void ForEachChunk(size_t total, size_t chunk, int64_t base_ts, Fn each) {
  uint64_t request = 0;
  size_t done = 0;
  std::vector<Event> events;
  std::vector<Event> carry;
  while (done < total) {
    events.swap(carry);
    carry.clear();
    request = GenerateEvents(request, chunk, base_ts, events);
    size_t take = std::min(chunk, total - done);
    if (events.size() > take) {
      carry.assign(std::make_move_iterator(events.begin() + static_cast<long>(take)),
                   std::make_move_iterator(events.end()));
      events.resize(take);
    }
    each(events);
    done += take;
  }
}

// Raw single-process inserts, 10,000 rows per transaction, same durability settings as the
// server (WAL, synchronous=full). Returns events/s over the timed insert work only.
double ReferenceInsert(const std::string& path, bool vigil_schema, size_t total, int64_t base_ts) {
  SqliteDb::Options options;
  options.synchronous = "full";
  auto db = SqliteDb::Open(path, options);
  if (!db.ok()) {
    std::fprintf(stderr, "reference: %s\n", db.status().ToString().c_str());
    return 0;
  }
  const char* bare_sql =
      "INSERT INTO bare VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
  if (vigil_schema) {
    if (!db->Migrate("events", SqliteEventStore::Migrations()).ok()) return 0;
  } else {
    db->Exec(
        "CREATE TABLE bare (ts INTEGER, tenant TEXT, use_case TEXT, layer INTEGER, "
        "model TEXT, tool TEXT, status INTEGER, error_class TEXT, latency_ms REAL, "
        "tokens_in INTEGER, tokens_out INTEGER, cost_usd REAL, trace_id TEXT)");
  }
  auto stmt = db->Prepare(vigil_schema ? kInsertEventSql : bare_sql);
  if (!stmt.ok()) return 0;
  std::string attrs;
  Clock::duration busy{};
  ForEachChunk(total, 10'000, base_ts, [&](std::vector<Event>& events) {
    auto start = Clock::now();
    db->Exec("BEGIN IMMEDIATE");
    for (const Event& e : events) {
      if (vigil_schema) {
        BindEventRow(*stmt, e, attrs);
      } else {
        stmt->BindInt(1, e.ts_ns);
        stmt->BindText(2, e.tenant);
        stmt->BindText(3, e.use_case);
        stmt->BindInt(4, static_cast<int>(e.layer));
        stmt->BindText(5, e.model);
        stmt->BindText(6, e.tool);
        stmt->BindInt(7, static_cast<int>(e.status));
        stmt->BindText(8, e.error_class);
        stmt->BindDouble(9, e.latency_ms);
        stmt->BindInt(10, e.tokens_in);
        stmt->BindInt(11, e.tokens_out);
        stmt->BindDouble(12, e.cost_usd);
        stmt->BindText(13, e.trace_id);
      }
      Status st;
      stmt->Step(st);
      stmt->Reset();
    }
    db->Exec("COMMIT");
    busy += Clock::now() - start;
  });
  return static_cast<double>(total) / Seconds(busy);
}

struct ServerResult {
  double events_per_s = 0;
  double p50_ms = 0, p99_ms = 0;
  double peak_rss_mib = 0;
  size_t acknowledged = 0, throttled = 0, failed = 0;
  int64_t stored = 0;
};

// `storage_yaml`: the config's storage section (empty: SQLite in the data directory).
ServerResult ServerIngest(const Args& args, const std::string& dir, int64_t base_ts,
                          const std::string& storage_yaml = "") {
  ServerResult result;
  std::vector<std::string> batches;
  batches.reserve(args.events / args.batch + 1);
  ForEachChunk(args.events, args.batch, base_ts, [&](std::vector<Event>& events) {
    std::string body;
    body.reserve(events.size() * 400);
    for (const Event& e : events) AppendNdjson(e, body);
    batches.push_back(std::move(body));
  });

  const std::string config = R"(
auth:
  tokens:
    - { name: bench, token_env: VIGIL_BENCH_TOKEN, roles: [ingest], tenants: [acme] }
)" + storage_yaml;
  testing::VigilProcess vigil(dir + "/server", config, {{"VIGIL_BENCH_TOKEN", "bench-secret"}});
  if (!vigil.Start() || !vigil.WaitReady()) {
    std::fprintf(stderr, "could not start vigil:\n%s\n", vigil.Log().c_str());
    return result;
  }
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::vector<double> latencies;
  latencies.reserve(batches.size());
  std::atomic<size_t> acked{0}, throttled{0}, failed{0};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < args.connections; ++c) {
    threads.emplace_back([&] {
      HttpClient client(vigil.base_url(), std::chrono::seconds(60));
      std::vector<double> mine;
      const std::vector<std::string> headers = {"Content-Type: application/x-ndjson",
                                                "Authorization: Bearer bench-secret"};
      for (size_t i = next++; i < batches.size(); i = next++) {
        for (;;) {
          auto t0 = Clock::now();
          auto r = client.Request("POST", "/v1/events", batches[i], headers);
          if (r.ok() && r->status == 429) {
            throttled++;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            continue;
          }
          mine.push_back(Seconds(Clock::now() - t0) * 1000);
          if (r.ok() && r->status == 200) {
            acked += std::count(batches[i].begin(), batches[i].end(), '\n');
          } else {
            failed++;
          }
          break;
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  double elapsed = Seconds(Clock::now() - start);
  std::sort(latencies.begin(), latencies.end());
  if (!latencies.empty()) {
    result.p50_ms = latencies[latencies.size() / 2];
    result.p99_ms = latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)];
  }
  result.acknowledged = acked.load();
  result.throttled = throttled.load();
  result.failed = failed.load();
  result.events_per_s = static_cast<double>(result.acknowledged) / elapsed;
  result.peak_rss_mib = testing::PeakRssMiB(vigil.pid());
  vigil.Terminate();
  auto db = SqliteDb::Open(dir + "/server/vigil.db");
  if (db.ok() && storage_yaml.empty()) {
    auto stmt = db->Prepare("SELECT COUNT(*) FROM events");
    Status st;
    if (stmt.ok() && stmt->Step(st)) result.stored = stmt->ColumnInt(0);
  }
  return result;
}

// --backend clickhouse: vigil acknowledging into ClickHouse (every ack is in ClickHouse or the
// spool) against the same rows inserted straight into ClickHouse, on one server started here.
int ClickHouseMain(const Args& args, const testing::TempDir& dir) {
  std::string error;
  testing::TempDir clickhouse_dir(args.clickhouse_dir);
  auto cluster = testing::ClickHouseCluster::Start(clickhouse_dir.path(), 1, error);
  if (!cluster) {
    std::fprintf(stderr, "cannot start ClickHouse: %s\n", error.c_str());
    return 1;
  }
  const std::string url = cluster->http_url(0);
  const int64_t base_ts = SystemClock::Instance().NowNanos() - 3'600LL * 1'000'000'000;
  std::printf(
      "ingest --backend clickhouse: %zu events (task/inference/tool/business mix), NDJSON batches "
      "of %zu, %d keep-alive connections, one ClickHouse 18.16 server on loopback (data in %s)\n",
      args.events, args.batch, args.connections, args.clickhouse_dir.c_str());
  std::fflush(stdout);
  ServerResult server = ServerIngest(
      args, dir.path(), base_ts,
      "storage:\n  backend: clickhouse\n  clickhouse: { url: \"" + url + "\", database: bench" +
          (args.inserts_in_flight > 0
               ? ", inserts_in_flight: " + std::to_string(args.inserts_in_flight)
               : std::string()) +
          " }\n");
  server.stored = ClickHouseCount(url, "bench");
  const double row_binary = ClickHouseReferenceInsert(
      url, "ref_rowbinary", "RowBinary", args.events, args.batch, args.connections, base_ts);
  const double json_rows = ClickHouseReferenceInsert(url, "ref_json", "JSONEachRow", args.events,
                                                     args.batch, args.connections, base_ts);
  const double reference = std::max(row_binary, json_rows);
  const double bare = ClickHouseReferenceInsert(url, "ref_bare", "RowBinary", args.events,
                                                args.batch, args.connections, base_ts, false);
  std::printf(
      "  vigil POST /v1/events → ClickHouse:            %10.0f events/s  "
      "(batch p50 %.1f ms, p99 %.1f ms; %zu acked, %lld in ClickHouse, %zu throttled retries, "
      "%zu failed)\n",
      server.events_per_s, server.p50_ms, server.p99_ms, server.acknowledged,
      static_cast<long long>(server.stored), server.throttled, server.failed);
  std::printf("  reference: straight INSERT … FORMAT RowBinary:   %10.0f events/s\n", row_binary);
  std::printf("  reference: straight INSERT … FORMAT JSONEachRow: %10.0f events/s\n", json_rows);
  std::printf("  format ratio    RowBinary / JSONEachRow = %.2f\n",
              json_rows > 0 ? row_binary / json_rows : 0);
  std::printf("  pipeline ratio  vigil / faster reference = %.2f   (target >= 0.90)\n",
              reference > 0 ? server.events_per_s / reference : 0);
  std::printf(
      "  for scale: straight RowBinary into the events table alone (no rollup views): "
      "%.0f events/s; vigil / that = %.2f\n",
      bare, bare > 0 ? server.events_per_s / bare : 0);
  std::printf("  peak server RSS                          = %.1f MiB\n", server.peak_rss_mib);
  return server.failed == 0 && server.acknowledged == args.events ? 0 : 1;
}

int Main(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--events")) args.events = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--connections")) args.connections = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--batch")) args.batch = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--backend")) args.backend = argv[i + 1];
    if (!std::strcmp(argv[i], "--clickhouse-dir")) args.clickhouse_dir = argv[i + 1];
    if (!std::strcmp(argv[i], "--inserts-in-flight")) {
      args.inserts_in_flight = std::atoi(argv[i + 1]);
    }
  }
  testing::TempDir dir;
  if (args.backend == "clickhouse") return ClickHouseMain(args, dir);
  const int64_t base_ts = SystemClock::Instance().NowNanos() - 3'600LL * 1'000'000'000;
  std::printf(
      "ingest: %zu events (task/inference/tool/business mix), NDJSON batches of %zu, "
      "%d keep-alive connections, synchronous=full\n",
      args.events, args.batch, args.connections);
  std::fflush(stdout);

  ServerResult server = ServerIngest(args, dir.path(), base_ts);
  double ref_schema = ReferenceInsert(dir.File("ref-schema.db"), true, args.events, base_ts);
  double ref_bare = ReferenceInsert(dir.File("ref-bare.db"), false, args.events, base_ts);

  std::printf(
      "  vigil POST /v1/events, acknowledged = durable: %10.0f events/s  "
      "(batch p50 %.1f ms, p99 %.1f ms; %zu acked, %lld stored, %zu throttled retries, "
      "%zu failed)\n",
      server.events_per_s, server.p50_ms, server.p99_ms, server.acknowledged,
      static_cast<long long>(server.stored), server.throttled, server.failed);
  std::printf("  reference (a) raw insert, Vigil's schema:     %10.0f events/s\n", ref_schema);
  std::printf("  reference (b) raw insert, bare 13-col table:  %10.0f events/s\n", ref_bare);
  std::printf("  pipeline ratio  vigil / (a) = %.2f   (target >= 0.70)\n",
              ref_schema > 0 ? server.events_per_s / ref_schema : 0);
  std::printf("  schema ratio    (a) / (b)   = %.2f   (goal   >= 0.30)\n",
              ref_bare > 0 ? ref_schema / ref_bare : 0);
  std::printf("  peak server RSS             = %.1f MiB (budget <= 300 MiB)\n",
              server.peak_rss_mib);
  return server.failed == 0 && server.acknowledged == args.events ? 0 : 1;
}

}  // namespace
}  // namespace vigil::bench

int main(int argc, char** argv) { return vigil::bench::Main(argc, argv); }
