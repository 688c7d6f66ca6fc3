#include "storage/sqlite/sqlite_event_store.h"

#include <nlohmann/json.hpp>

#include "common/text.h"
#include "storage/sqlite/sqlite_rollup_writer.h"

namespace vigil {

const char kInsertEventSql[] =
    "INSERT INTO events (tenant, trace_id, span_id, ts, parent_span_id, request_id, use_case, "
    "layer, release, model, tool, status, error_class, latency_ms, tokens_in, tokens_out, "
    "cost_usd, retries, refusal, idempotency_key, metric, value, attrs, collision) VALUES "
    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
    "?20, ?21, ?22, ?23, ?24) ON CONFLICT (tenant, trace_id, span_id) DO NOTHING";

const char kSelectEventColumns[] =
    "seq, tenant, trace_id, span_id, ts, parent_span_id, request_id, use_case, layer, release, "
    "model, tool, status, error_class, latency_ms, tokens_in, tokens_out, cost_usd, retries, "
    "refusal, idempotency_key, metric, value, attrs, collision";

const std::vector<Migration>& SqliteEventStore::Migrations() {
  static const std::vector<Migration>* migrations = new std::vector<Migration>{
      {1,
       "CREATE TABLE events ("
       "  seq INTEGER PRIMARY KEY,"
       "  tenant TEXT NOT NULL,"
       "  trace_id TEXT NOT NULL,"
       "  span_id TEXT NOT NULL,"
       "  ts INTEGER NOT NULL,"
       "  parent_span_id TEXT,"
       "  request_id TEXT,"
       "  use_case TEXT,"
       "  layer INTEGER NOT NULL,"
       "  release TEXT,"
       "  model TEXT,"
       "  tool TEXT,"
       "  status INTEGER NOT NULL,"
       "  error_class TEXT NOT NULL,"
       "  latency_ms REAL NOT NULL,"
       "  tokens_in INTEGER NOT NULL,"
       "  tokens_out INTEGER NOT NULL,"
       "  cost_usd REAL NOT NULL,"
       "  retries INTEGER NOT NULL,"
       "  refusal INTEGER NOT NULL,"
       "  idempotency_key TEXT,"
       "  metric TEXT,"
       "  value REAL,"
       "  attrs TEXT"
       ");"
       "CREATE UNIQUE INDEX events_identity ON events (tenant, trace_id, span_id);"
       "CREATE INDEX events_by_use_case_time ON events (tenant, use_case, ts);"},
      {2,
       "ALTER TABLE events ADD COLUMN collision INTEGER NOT NULL DEFAULT 0;"
       "DROP INDEX events_by_use_case_time;"
       "CREATE INDEX events_by_time ON events (tenant, ts, seq);"
       "CREATE TABLE rollups ("
       "  grain_s INTEGER NOT NULL,"
       "  bucket_ns INTEGER NOT NULL,"
       "  tenant TEXT NOT NULL,"
       "  use_case TEXT NOT NULL,"
       "  layer INTEGER NOT NULL,"
       "  release TEXT NOT NULL,"
       "  model TEXT NOT NULL,"
       "  tool TEXT NOT NULL,"
       "  error_class TEXT NOT NULL,"
       "  metric TEXT NOT NULL,"
       "  count INTEGER NOT NULL,"
       "  errors INTEGER NOT NULL,"
       "  retries INTEGER NOT NULL,"
       "  refusals INTEGER NOT NULL,"
       "  tokens_in INTEGER NOT NULL,"
       "  tokens_out INTEGER NOT NULL,"
       "  collisions INTEGER NOT NULL,"
       "  cost_usd REAL NOT NULL,"
       "  value_sum REAL NOT NULL,"
       "  latency BLOB,"
       "  PRIMARY KEY (grain_s, bucket_ns, tenant, use_case, layer, release, model, tool,"
       "               error_class, metric)"
       ") WITHOUT ROWID;"},
      {3, "ALTER TABLE rollups ADD COLUMN unpriced INTEGER NOT NULL DEFAULT 0;"},
  };
  return *migrations;
}

void BindEventRow(SqliteStatement& stmt, const Event& e, std::string& attrs_buffer) {
  stmt.BindTextRef(1, e.tenant);
  stmt.BindTextRef(2, e.trace_id);
  stmt.BindTextRef(3, e.span_id);
  stmt.BindInt(4, e.ts_ns);
  stmt.BindTextRef(5, e.parent_span_id, true);
  stmt.BindTextRef(6, e.request_id, true);
  stmt.BindTextRef(7, e.use_case, true);
  stmt.BindInt(8, static_cast<int>(e.layer));
  stmt.BindTextRef(9, e.release, true);
  stmt.BindTextRef(10, e.model, true);
  stmt.BindTextRef(11, e.tool, true);
  stmt.BindInt(12, static_cast<int>(e.status));
  stmt.BindTextRef(13, e.error_class);
  stmt.BindDouble(14, e.latency_ms);
  stmt.BindInt(15, e.tokens_in);
  stmt.BindInt(16, e.tokens_out);
  stmt.BindDouble(17, e.cost_usd);
  stmt.BindInt(18, e.retries);
  stmt.BindInt(19, e.refusal ? 1 : 0);
  stmt.BindTextRef(20, e.idempotency_key, true);
  stmt.BindTextRef(21, e.metric, true);
  if (e.layer == Layer::kBusiness) {
    stmt.BindDouble(22, e.value);
  } else {
    stmt.BindNull(22);
  }
  if (e.attrs.empty()) {
    stmt.BindNull(23);
  } else {
    // Attributes are kept as a JSON object so SQLite's JSON functions can read them.
    attrs_buffer.clear();
    AppendJsonStringObject(attrs_buffer, e.attrs);
    // Bound without a copy: the buffer outlives the step of this row.
    stmt.BindTextRef(23, attrs_buffer);
  }
  stmt.BindInt(24, e.idempotency_collision ? 1 : 0);
}

StoredEvent ReadEventRow(const SqliteStatement& s) {
  StoredEvent out;
  Event& e = out.event;
  out.seq = s.ColumnInt(0);
  e.tenant = s.ColumnText(1);
  e.trace_id = s.ColumnText(2);
  e.span_id = s.ColumnText(3);
  e.ts_ns = s.ColumnInt(4);
  e.parent_span_id = s.ColumnText(5);
  e.request_id = s.ColumnText(6);
  e.use_case = s.ColumnText(7);
  e.layer = static_cast<Layer>(s.ColumnInt(8));
  e.release = s.ColumnText(9);
  e.model = s.ColumnText(10);
  e.tool = s.ColumnText(11);
  e.status = static_cast<EventStatus>(s.ColumnInt(12));
  e.error_class = s.ColumnText(13);
  e.latency_ms = s.ColumnDouble(14);
  e.tokens_in = s.ColumnInt(15);
  e.tokens_out = s.ColumnInt(16);
  e.cost_usd = s.ColumnDouble(17);
  e.retries = s.ColumnInt(18);
  e.refusal = s.ColumnInt(19) != 0;
  e.idempotency_key = s.ColumnText(20);
  e.metric = s.ColumnText(21);
  e.value = s.ColumnIsNull(22) ? 1 : s.ColumnDouble(22);
  if (!s.ColumnIsNull(23)) {
    nlohmann::json attrs = nlohmann::json::parse(s.ColumnText(23), nullptr, false);
    if (attrs.is_object()) {
      for (auto it = attrs.begin(); it != attrs.end(); ++it) {
        if (it.value().is_string()) e.attrs.emplace_back(it.key(), it.value().get<std::string>());
      }
    }
  }
  e.idempotency_collision = s.ColumnInt(24) != 0;
  return out;
}

Result<std::unique_ptr<SqliteEventStore>> SqliteEventStore::Open(const std::string& path,
                                                                 const Options& options) {
  SqliteDb::Options db_options;
  db_options.synchronous = options.synchronous;
  db_options.busy_timeout_ms = options.busy_timeout_ms;
  Result<SqliteDb> db = SqliteDb::Open(path, db_options);
  if (!db.ok()) return db.status();
  VIGIL_RETURN_IF_ERROR(db->Migrate("events", Migrations()));
  Result<std::unique_ptr<Writer>> writer =
      Writer::Create(std::move(db).value(), options.rollup_cache_cells);
  if (!writer.ok()) return writer.status();
  return std::unique_ptr<SqliteEventStore>(
      new SqliteEventStore(path, options, std::move(writer).value()));
}

SqliteEventStore::SqliteEventStore(std::string path, Options options,
                                   std::unique_ptr<Writer> writer)
    : path_(std::move(path)), options_(std::move(options)), writer_(std::move(writer)) {}

SqliteEventStore::~SqliteEventStore() = default;

Result<AppendResult> SqliteEventStore::Append(std::span<const Event> events) {
  std::lock_guard<std::mutex> lock(write_mu_);
  return writer_->Append(events);
}

Result<SqliteDb> SqliteEventStore::BorrowReader() {
  {
    std::lock_guard<std::mutex> lock(readers_mu_);
    if (!readers_.empty()) {
      SqliteDb db = std::move(readers_.back());
      readers_.pop_back();
      return db;
    }
  }
  SqliteDb::Options options;
  options.read_only = true;
  options.synchronous = options_.synchronous;
  options.cache_kib = 16384;
  return SqliteDb::Open(path_, options);
}

void SqliteEventStore::ReturnReader(SqliteDb db) {
  std::lock_guard<std::mutex> lock(readers_mu_);
  if (readers_.size() < 8) readers_.push_back(std::move(db));
}

}  // namespace vigil
