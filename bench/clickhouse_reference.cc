#include "bench/clickhouse_reference.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>
#include <vector>

#include "bench/workload.h"
#include "common/text.h"
#include "model/error_class.h"
#include "storage/clickhouse/clickhouse_event_store.h"
#include "storage/clickhouse/clickhouse_rows.h"

namespace vigil::bench {
namespace {

std::string DateTimeText(int64_t ts_ns, bool date_only) {
  const time_t seconds = static_cast<time_t>(ts_ns / 1'000'000'000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[32];
  std::strftime(buf, sizeof(buf), date_only ? "%Y-%m-%d" : "%Y-%m-%d %H:%M:%S", &utc);
  return buf;
}

// One JSONEachRow line with every column of Vigil's events table.
void AppendJsonRow(std::string& out, const Event& e, int64_t seq) {
  auto str = [&](const char* name, std::string_view v) {
    out += "\"";
    out += name;
    out += "\":\"";
    AppendJsonEscaped(out, v);
    out += "\",";
  };
  auto num = [&](const char* name, const std::string& v) {
    out += "\"";
    out += name;
    out += "\":" + v + ",";
  };
  out += "{";
  str("day", DateTimeText(e.ts_ns, true));
  str("ts", DateTimeText(e.ts_ns, false));
  num("ts_ns", std::to_string(e.ts_ns));
  num("seq", std::to_string(seq));
  str("batch_id", "reference");
  num("identity", std::to_string(EventIdentityHash(e)));
  str("tenant", e.tenant);
  str("trace_id", e.trace_id);
  str("span_id", e.span_id);
  str("parent_span_id", e.parent_span_id);
  str("request_id", e.request_id);
  str("use_case", e.use_case);
  num("layer", std::to_string(static_cast<int>(e.layer)));
  str("release", e.release);
  str("model", e.model);
  str("tool", e.tool);
  num("status", std::to_string(static_cast<int>(e.status)));
  str("error_class", e.error_class);
  str("error_base", ErrorClassBase(e.error_class));
  num("latency_ms", std::to_string(e.latency_ms));
  num("latency_bucket", std::to_string(LatencyBucketOf(e)));
  num("tokens_in", std::to_string(e.tokens_in));
  num("tokens_out", std::to_string(e.tokens_out));
  num("cost_usd", std::to_string(e.cost_usd));
  num("retries", std::to_string(e.retries));
  num("refusal", e.refusal ? "1" : "0");
  str("idempotency_key", e.idempotency_key);
  str("metric", e.metric);
  num("value", std::to_string(e.value));
  str("attrs", "");
  num("collision", e.idempotency_collision ? "1" : "0");
  out += "\"unpriced\":";
  out += e.unpriced ? "1" : "0";
  out += "}\n";
}

}  // namespace

double ClickHouseReferenceInsert(const std::string& url, const std::string& database,
                                 const std::string& format, size_t total, size_t batch,
                                 int connections, int64_t base_ts, bool rollup_views) {
  ClickHouseStoreOptions options;  // creates the tables with Vigil's schema
  options.endpoint.url = url;
  options.database = database;
  auto schema = ClickHouseEventStore::Open(options);
  if (!schema.ok()) {
    std::fprintf(stderr, "reference: %s\n", schema.status().ToString().c_str());
    return 0;
  }
  ClickHouseHttp http({url, "", ""}, std::chrono::seconds(60));
  if (!rollup_views) {
    for (const char* view : {".rollup_minute_view", ".rollup_hour_view"}) {
      if (auto r = http.Query("DROP TABLE " + database + view); !r.ok()) {
        std::fprintf(stderr, "reference: %s\n", r.status().ToString().c_str());
        return 0;
      }
    }
  }
  // Encoded before the clock starts: the reference measures ClickHouse, not the encoder.
  std::vector<std::string> bodies;
  uint64_t request = 0;
  int64_t seq = 0;
  for (size_t done = 0; done < total;) {
    std::vector<Event> events;
    request = GenerateEvents(request, std::min(batch, total - done), base_ts, events);
    events.resize(std::min(events.size(), total - done));
    std::string body;
    for (const Event& e : events) {
      if (format == "RowBinary") {
        EncodeEventRow(body, e, ++seq, "reference");
      } else {
        AppendJsonRow(body, e, ++seq);
      }
    }
    bodies.push_back(std::move(body));
    done += events.size();
  }
  const std::string sql = "INSERT INTO " + database + ".events FORMAT " + format;
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < bodies.size(); i = next++) {
        auto r = http.Insert(sql, bodies[i]);  // gzip level 1, as Vigil sends
        if (!r.ok() && !failed.exchange(true)) {
          std::fprintf(stderr, "reference %s: %s\n", format.c_str(), r.status().ToString().c_str());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return failed ? 0 : static_cast<double>(total) / seconds;
}

int64_t ClickHouseCount(const std::string& url, const std::string& database) {
  ClickHouseHttp http({url, "", ""}, std::chrono::seconds(60));
  auto r = http.Query("SELECT count() FROM " + database + ".events");
  return r.ok() ? std::atoll(r->c_str()) : -1;
}

}  // namespace vigil::bench
