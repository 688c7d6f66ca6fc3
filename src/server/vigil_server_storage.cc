// Opening the stores: the SQLite file (control-plane state, and events with backend sqlite) and,
// with backend clickhouse, the ClickHouse event store.
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <thread>

#include "server/vigil_server.h"
#include "storage/clickhouse/clickhouse_event_store.h"
#include "storage/sqlite/sqlite_event_store.h"

namespace vigil {
namespace {

ClickHouseEndpoint Endpoint(const ClickHouseConfig& c, const std::string& url) {
  ClickHouseEndpoint e;
  e.url = url;
  if (!c.user_env.empty()) {
    if (const char* v = std::getenv(c.user_env.c_str())) e.user = v;
  }
  if (!c.password_env.empty()) {
    if (const char* v = std::getenv(c.password_env.c_str())) e.password = v;
  }
  return e;
}

}  // namespace

void VigilServer::SetStartupDetail(std::string detail) {
  std::lock_guard<std::mutex> lock(mu_);
  startup_detail_ = std::move(detail);
}

bool VigilServer::OpenStateAndEventStores() {
  const bool sqlite_events = config_.storage.backend == "sqlite";
  SqliteEventStore::Options store_options;
  store_options.synchronous = config_.storage.synchronous;
  SqliteDb::Options state_options;
  state_options.synchronous = config_.storage.synchronous;
  // The SQLite file first: another vigil holding it means this one must wait, not start.
  for (int attempt = 0; !shutting_down_.load(); ++attempt) {
    Status st = Status::Ok();
    if (sqlite_events) {
      Result<std::unique_ptr<SqliteEventStore>> store =
          SqliteEventStore::Open(sqlite_path_, store_options);
      if (store.ok()) {
        event_store_ = std::move(store).value();
      } else {
        st = store.status();
      }
    }
    if (st.ok()) {
      Result<std::unique_ptr<StateStore>> state = StateStore::Open(sqlite_path_, state_options);
      if (state.ok()) {
        state_store_ = std::move(state).value();
        break;
      }
      st = state.status();
      event_store_.reset();
    }
    if (st.code() != Status::Code::kUnavailable) {
      Fail(Status::Internal("cannot open the store at " + sqlite_path_ + ": " + st.message()));
      return false;
    }
    SetStartupDetail("waiting for the database lock on " + sqlite_path_);
    if (attempt % 10 == 0) {
      spdlog::warn("store: {} is locked by another process; retrying", sqlite_path_);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (shutting_down_.load()) return false;
  if (sqlite_events) return true;

  const ClickHouseConfig& ch = config_.storage.clickhouse;
  ClickHouseStoreOptions options;
  options.endpoint = Endpoint(ch, ch.url);
  options.database = ch.database;
  options.cluster = ch.cluster;
  for (const std::string& url : ch.shards) options.shards.push_back(Endpoint(ch, url));
  options.timeout = std::chrono::milliseconds(ch.timeout_ns / 1'000'000);
  options.dedup_window_ns = ch.dedup_window_ns;
  options.spool_dir = ResolveDataPath(ch.spool_dir);
  options.spool_max_bytes = ch.spool_max_bytes;
  options.retention_days = ch.retention_days;
  options.inserts_in_flight = ch.inserts_in_flight;
  options.dedup_cache_bytes = static_cast<size_t>(ch.dedup_cache_bytes);
  for (int attempt = 0; !shutting_down_.load(); ++attempt) {
    Result<std::unique_ptr<ClickHouseEventStore>> store = ClickHouseEventStore::Open(options);
    if (store.ok()) {
      ClickHouseEventStore* clickhouse = store->get();
      spdlog::info("store: events in ClickHouse at {} (database {}{}), spool {}", ch.url,
                   ch.database, ch.cluster.empty() ? "" : ", cluster " + ch.cluster,
                   options.spool_dir);
      metrics_.AddCallbackGauge(
          "vigil_spool_pending_batches", "Insert batches waiting in the spool for ClickHouse.",
          [clickhouse] { return static_cast<double>(clickhouse->spool_stats().pending_batches); });
      metrics_.AddCallbackGauge(
          "vigil_spool_pending_bytes", "Bytes waiting in the spool.",
          [clickhouse] { return static_cast<double>(clickhouse->spool_stats().pending_bytes); });
      metrics_.AddCallbackGauge(
          "vigil_spool_batches_spooled",
          "Batches spooled since start (ClickHouse down, slow or refusing).",
          [clickhouse] { return static_cast<double>(clickhouse->spool_stats().spooled_batches); });
      event_store_ = std::move(store).value();
      return true;
    }
    if (store.status().code() != Status::Code::kUnavailable) {
      Fail(
          Status::Internal("cannot use ClickHouse at " + ch.url + ": " + store.status().message()));
      return false;
    }
    SetStartupDetail("waiting for ClickHouse: " + store.status().message());
    if (attempt % 10 == 0) spdlog::warn("store: {}; retrying", store.status().message());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return false;
}

}  // namespace vigil
