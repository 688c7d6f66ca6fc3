#include "storage/sqlite/sqlite_event_store.h"

#include "common/text.h"

namespace vigil {

const char kInsertEventSql[] =
    "INSERT INTO events (tenant, trace_id, span_id, ts, parent_span_id, request_id, use_case, "
    "layer, release, model, tool, status, error_class, latency_ms, tokens_in, tokens_out, "
    "cost_usd, retries, refusal, idempotency_key, metric, value, attrs) VALUES "
    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
    "?20, ?21, ?22, ?23) ON CONFLICT (tenant, trace_id, span_id) DO NOTHING";

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
  };
  return *migrations;
}

void BindEventRow(SqliteStatement& stmt, const Event& e, std::string& attrs_buffer) {
  stmt.BindText(1, e.tenant);
  stmt.BindText(2, e.trace_id);
  stmt.BindText(3, e.span_id);
  stmt.BindInt(4, e.ts_ns);
  stmt.BindText(5, e.parent_span_id, true);
  stmt.BindText(6, e.request_id, true);
  stmt.BindText(7, e.use_case, true);
  stmt.BindInt(8, static_cast<int>(e.layer));
  stmt.BindText(9, e.release, true);
  stmt.BindText(10, e.model, true);
  stmt.BindText(11, e.tool, true);
  stmt.BindInt(12, static_cast<int>(e.status));
  stmt.BindText(13, e.error_class);
  stmt.BindDouble(14, e.latency_ms);
  stmt.BindInt(15, e.tokens_in);
  stmt.BindInt(16, e.tokens_out);
  stmt.BindDouble(17, e.cost_usd);
  stmt.BindInt(18, e.retries);
  stmt.BindInt(19, e.refusal ? 1 : 0);
  stmt.BindText(20, e.idempotency_key, true);
  stmt.BindText(21, e.metric, true);
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
    // SQLITE_TRANSIENT semantics are not needed: the buffer outlives the step of this row.
    stmt.BindText(23, attrs_buffer);
  }
}

Result<std::unique_ptr<SqliteEventStore>> SqliteEventStore::Open(const std::string& path,
                                                                 const Options& options) {
  SqliteDb::Options db_options;
  db_options.synchronous = options.synchronous;
  db_options.busy_timeout_ms = options.busy_timeout_ms;
  Result<SqliteDb> db = SqliteDb::Open(path, db_options);
  if (!db.ok()) return db.status();
  VIGIL_RETURN_IF_ERROR(db->Migrate("events", Migrations()));
  Result<SqliteStatement> insert = db->Prepare(kInsertEventSql);
  if (!insert.ok()) return insert.status();
  return std::unique_ptr<SqliteEventStore>(
      new SqliteEventStore(std::move(db).value(), std::move(insert).value()));
}

Result<AppendResult> SqliteEventStore::Append(std::span<const Event> events) {
  std::lock_guard<std::mutex> lock(mu_);
  AppendResult result;
  result.is_new.reserve(events.size());
  VIGIL_RETURN_IF_ERROR(db_.Exec("BEGIN IMMEDIATE"));
  for (const Event& e : events) {
    BindEventRow(insert_, e, attrs_buffer_);
    Status st;
    insert_.Step(st);
    insert_.Reset();
    if (!st.ok()) {
      db_.Exec("ROLLBACK");
      return st;
    }
    bool inserted = sqlite3_changes(db_.raw()) > 0;
    result.is_new.push_back(inserted);
    if (inserted) {
      ++result.inserted;
    } else {
      ++result.duplicates;
    }
  }
  Status commit = db_.Exec("COMMIT");
  if (!commit.ok()) {
    db_.Exec("ROLLBACK");
    return commit;
  }
  return result;
}

Result<int64_t> SqliteEventStore::CountEvents() {
  std::lock_guard<std::mutex> lock(mu_);
  Result<SqliteStatement> stmt = db_.Prepare("SELECT COUNT(*) FROM events");
  if (!stmt.ok()) return stmt.status();
  Status st;
  int64_t count = 0;
  if (stmt->Step(st)) count = stmt->ColumnInt(0);
  if (!st.ok()) return st;
  return count;
}

}  // namespace vigil
