// Read side of SqliteEventStore: rollups, traces, paged event listings. Each query borrows a
// reader connection (WAL: readers see the last committed state and never block the writer).

#include <algorithm>

#include "storage/sqlite/sqlite_event_store.h"
#include "storage/sqlite/sqlite_rollup_writer.h"

namespace vigil {
namespace {

// "tenant IN (?, ?, …)" for a tenant filter; empty when all tenants are allowed.
std::string TenantClause(const TenantFilter& tenants, int& next_param) {
  if (tenants.all) return "";
  std::string sql = " AND tenant IN (";
  for (size_t i = 0; i < tenants.tenants.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += "?" + std::to_string(next_param++);
  }
  return sql + ")";
}

}  // namespace

Result<int64_t> SqliteEventStore::CountEvents() {
  Result<SqliteDb> db = BorrowReader();
  if (!db.ok()) return db.status();
  Result<SqliteStatement> stmt = db->Prepare("SELECT COUNT(*) FROM events");
  if (!stmt.ok()) return stmt.status();
  Status st;
  int64_t count = 0;
  if (stmt->Step(st)) count = stmt->ColumnInt(0);
  stmt = Status::Ok();  // finalize before the connection goes back to the pool
  ReturnReader(std::move(db).value());
  if (!st.ok()) return st;
  return count;
}

Result<std::vector<RollupRow>> SqliteEventStore::ReadRollups(const RollupQuery& q) {
  if (!q.tenants.all && q.tenants.tenants.empty()) return std::vector<RollupRow>{};
  Result<SqliteDb> db = BorrowReader();
  if (!db.ok()) return db.status();
  std::vector<RollupRow> rows;
  Status st;
  for (const RollupPlanPart& part : PlanRollupRead(q.from_ns, q.to_ns, q.coarsest_grain)) {
    int param = 4;
    std::string sql = std::string("SELECT ") + Writer::kRollupColumns +
                      " FROM rollups WHERE grain_s = ?1 AND bucket_ns >= ?2 AND bucket_ns < ?3" +
                      TenantClause(q.tenants, param);
    int use_case_param = 0, release_param = 0;
    if (!q.use_case.empty()) {
      use_case_param = param++;
      sql += " AND use_case = ?" + std::to_string(use_case_param);
    }
    if (!q.release.empty()) {
      release_param = param++;
      sql += " AND release = ?" + std::to_string(release_param);
    }
    Result<SqliteStatement> stmt = db->Prepare(sql);
    if (!stmt.ok()) {
      st = stmt.status();
      break;
    }
    stmt->BindInt(1, static_cast<int64_t>(part.grain) / 1'000'000'000);
    stmt->BindInt(2, part.from_ns);
    stmt->BindInt(3, part.to_ns);
    int p = 4;
    if (!q.tenants.all) {
      for (const std::string& t : q.tenants.tenants) stmt->BindText(p++, t);
    }
    if (use_case_param) stmt->BindText(use_case_param, q.use_case);
    if (release_param) stmt->BindText(release_param, q.release);
    while (stmt->Step(st)) rows.push_back(Writer::ReadCell(*stmt));
    if (!st.ok()) break;
  }
  ReturnReader(std::move(db).value());
  if (!st.ok()) return st;
  return rows;
}

Result<std::vector<StoredEvent>> SqliteEventStore::ReadTrace(const TenantFilter& tenants,
                                                             const std::string& trace_id) {
  // The identity index leads with the tenant, so "all tenants" becomes an explicit list.
  TenantFilter filter = tenants;
  if (filter.all) {
    Result<std::vector<std::string>> known = KnownTenants();
    if (!known.ok()) return known.status();
    filter.all = false;
    filter.tenants = std::move(known).value();
  }
  std::vector<StoredEvent> out;
  if (filter.tenants.empty()) return out;
  Result<SqliteDb> db = BorrowReader();
  if (!db.ok()) return db.status();
  int param = 2;
  std::string sql = std::string("SELECT ") + kSelectEventColumns +
                    " FROM events WHERE trace_id = ?1" + TenantClause(filter, param) +
                    " ORDER BY ts, seq LIMIT 10000";
  Status st;
  {
    Result<SqliteStatement> stmt = db->Prepare(sql);
    if (!stmt.ok()) return stmt.status();
    stmt->BindText(1, trace_id);
    int p = 2;
    for (const std::string& t : filter.tenants) stmt->BindText(p++, t);
    while (stmt->Step(st)) out.push_back(ReadEventRow(*stmt));
  }
  ReturnReader(std::move(db).value());
  if (!st.ok()) return st;
  return out;
}

Result<EventPage> SqliteEventStore::ListEvents(const EventQuery& q) {
  TenantFilter filter = q.tenants;
  if (filter.all) {
    Result<std::vector<std::string>> known = KnownTenants();
    if (!known.ok()) return known.status();
    filter.all = false;
    filter.tenants = std::move(known).value();
  }
  EventPage page;
  if (filter.tenants.empty()) return page;
  int param = 3;
  std::string sql = std::string("SELECT ") + kSelectEventColumns +
                    " FROM events WHERE ts >= ?1 AND ts < ?2" + TenantClause(filter, param);
  std::vector<std::pair<int, std::string>> text_binds;
  auto add_text = [&](const std::string& column, const std::string& value) {
    if (value.empty()) return;
    text_binds.emplace_back(param, value);
    sql += " AND " + column + " = ?" + std::to_string(param++);
  };
  add_text("use_case", q.use_case);
  add_text("model", q.model);
  add_text("tool", q.tool);
  add_text("release", q.release);
  if (!q.error_class.empty()) {
    text_binds.emplace_back(param, q.error_class);
    text_binds.emplace_back(param + 1, q.error_class + "/%");
    sql += " AND (error_class = ?" + std::to_string(param) + " OR error_class LIKE ?" +
           std::to_string(param + 1) + ")";
    param += 2;
  }
  int layer_param = 0, after_ts = 0;
  if (q.layer) {
    layer_param = param++;
    sql += " AND layer = ?" + std::to_string(layer_param);
  }
  int status_param = 0;
  if (q.status) {
    status_param = param++;
    sql += " AND status = ?" + std::to_string(status_param);
  }
  if (q.after) {
    after_ts = param;
    param += 2;
    sql += " AND (ts < ?" + std::to_string(after_ts) + " OR (ts = ?" + std::to_string(after_ts) +
           " AND seq < ?" + std::to_string(after_ts + 1) + "))";
  }
  const int limit_param = param++;
  sql += " ORDER BY ts DESC, seq DESC LIMIT ?" + std::to_string(limit_param);

  Result<SqliteDb> db = BorrowReader();
  if (!db.ok()) return db.status();
  Status st;
  {
    Result<SqliteStatement> stmt = db->Prepare(sql);
    if (!stmt.ok()) return stmt.status();
    stmt->BindInt(1, q.from_ns);
    stmt->BindInt(2, q.to_ns);
    int p = 3;
    for (const std::string& t : filter.tenants) stmt->BindText(p++, t);
    for (const auto& [index, value] : text_binds) stmt->BindText(index, value);
    if (layer_param) stmt->BindInt(layer_param, static_cast<int>(*q.layer));
    if (status_param) stmt->BindInt(status_param, static_cast<int>(*q.status));
    if (after_ts) {
      stmt->BindInt(after_ts, q.after->ts_ns);
      stmt->BindInt(after_ts + 1, q.after->seq);
    }
    // One extra row tells whether another page follows.
    stmt->BindInt(limit_param, static_cast<int64_t>(q.limit) + 1);
    while (stmt->Step(st)) page.events.push_back(ReadEventRow(*stmt));
  }
  ReturnReader(std::move(db).value());
  if (!st.ok()) return st;
  if (page.events.size() > q.limit) {
    page.events.resize(q.limit);
    page.next = EventCursor{page.events.back().event.ts_ns, page.events.back().seq};
  }
  return page;
}

Result<std::vector<std::string>> SqliteEventStore::KnownTenants() {
  Result<SqliteDb> db = BorrowReader();
  if (!db.ok()) return db.status();
  std::vector<std::string> tenants;
  Status st;
  {
    // Hour cells are few; every stored event has one.
    Result<SqliteStatement> stmt =
        db->Prepare("SELECT DISTINCT tenant FROM rollups WHERE grain_s = 3600 ORDER BY tenant");
    if (!stmt.ok()) return stmt.status();
    while (stmt->Step(st)) tenants.push_back(stmt->ColumnText(0));
  }
  ReturnReader(std::move(db).value());
  if (!st.ok()) return st;
  return tenants;
}

}  // namespace vigil
