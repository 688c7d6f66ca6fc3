#include "incidents/postmortem_store.h"

#include <nlohmann/json.hpp>

#include "incidents/kb.h"
#include "incidents/postmortem_json.h"

namespace vigil {
namespace {

using nlohmann::json;

std::vector<Migration> Migrations() {
  return {
      {1,
       "CREATE TABLE postmortems ("
       "  id INTEGER PRIMARY KEY,"
       "  incident_id INTEGER NOT NULL UNIQUE,"
       "  use_case TEXT NOT NULL,"
       "  status TEXT NOT NULL,"
       "  created_ns INTEGER NOT NULL,"
       "  updated_ns INTEGER NOT NULL,"
       "  doc TEXT NOT NULL"
       ");"
       "CREATE INDEX postmortems_by_use_case ON postmortems (use_case, id);"},
      {2, kb::Schema()},
  };
}

Result<Postmortem> Decode(const std::string& text, int64_t id) {
  json doc = json::parse(text, nullptr, false);
  Result<Postmortem> pm = PostmortemFromJson(doc);
  if (!pm.ok()) return Status::Internal("postmortem " + std::to_string(id) + " is unreadable");
  pm->id = id;
  return pm;
}

Status Write(SqliteDb& db, const Postmortem& pm, int64_t now) {
  Result<SqliteStatement> s =
      db.Prepare("UPDATE postmortems SET status = ?, updated_ns = ?, doc = ? WHERE id = ?");
  if (!s.ok()) return s.status();
  s->BindText(1, pm.Complete() ? "complete" : "draft");
  s->BindInt(2, now);
  s->BindText(3, PostmortemToJson(pm, now).dump());
  s->BindInt(4, pm.id);
  VIGIL_RETURN_IF_ERROR(s->Run());
  return kb::Index(db, pm);
}

}  // namespace

Result<std::unique_ptr<PostmortemStore>> PostmortemStore::Open(StateStore& store,
                                                               const Clock& clock) {
  VIGIL_RETURN_IF_ERROR(store.Migrate("postmortems", Migrations()));
  return std::unique_ptr<PostmortemStore>(new PostmortemStore(store, clock));
}

Result<Postmortem> PostmortemStore::Create(Postmortem draft) {
  const int64_t now = clock_.NowNanos();
  draft.created_ns = draft.updated_ns = now;
  Status st = store_.Transact([&](SqliteDb& db) -> Status {
    Result<SqliteStatement> existing =
        db.Prepare("SELECT id FROM postmortems WHERE incident_id = ?");
    if (!existing.ok()) return existing.status();
    existing->BindInt(1, draft.incident_id);
    Status step;
    if (existing->Step(step)) {
      return Status::AlreadyExists("incident " + std::to_string(draft.incident_id) +
                                   " already has postmortem " +
                                   std::to_string(existing->ColumnInt(0)));
    }
    VIGIL_RETURN_IF_ERROR(step);
    Result<SqliteStatement> ins = db.Prepare(
        "INSERT INTO postmortems (incident_id, use_case, status, created_ns, updated_ns, doc) "
        "VALUES (?, ?, 'draft', ?, ?, '{}')");
    if (!ins.ok()) return ins.status();
    ins->BindInt(1, draft.incident_id);
    ins->BindText(2, draft.use_case);
    ins->BindInt(3, now);
    ins->BindInt(4, now);
    VIGIL_RETURN_IF_ERROR(ins->Run());
    draft.id = sqlite3_last_insert_rowid(db.raw());
    return Write(db, draft, now);
  });
  if (!st.ok()) return st;
  return draft;
}

Result<Postmortem> PostmortemStore::Get(int64_t id) {
  Result<Postmortem> out = Status::NotFound("postmortem " + std::to_string(id));
  Status st = store_.Read([&](SqliteDb& db) -> Status {
    Result<SqliteStatement> s = db.Prepare("SELECT doc FROM postmortems WHERE id = ?");
    if (!s.ok()) return s.status();
    s->BindInt(1, id);
    Status step;
    if (s->Step(step)) out = Decode(s->ColumnText(0), id);
    return step;
  });
  if (!st.ok()) return st;
  return out;
}

Result<std::optional<Postmortem>> PostmortemStore::ForIncident(int64_t incident_id) {
  int64_t id = 0;
  Status st = store_.Read([&](SqliteDb& db) -> Status {
    Result<SqliteStatement> s = db.Prepare("SELECT id FROM postmortems WHERE incident_id = ?");
    if (!s.ok()) return s.status();
    s->BindInt(1, incident_id);
    Status step;
    if (s->Step(step)) id = s->ColumnInt(0);
    return step;
  });
  if (!st.ok()) return st;
  if (id == 0) return std::optional<Postmortem>();
  Result<Postmortem> pm = Get(id);
  if (!pm.ok()) return pm.status();
  return std::optional<Postmortem>(std::move(*pm));
}

Result<std::vector<Postmortem>> PostmortemStore::List(const std::string& use_case,
                                                      const std::string& status, size_t limit) {
  std::vector<Postmortem> out;
  Status st = store_.Read([&](SqliteDb& db) -> Status {
    Result<SqliteStatement> s = db.Prepare(
        "SELECT id, doc FROM postmortems WHERE (? = '' OR use_case = ?) AND (? = '' OR status = ?) "
        "ORDER BY id DESC LIMIT ?");
    if (!s.ok()) return s.status();
    s->BindText(1, use_case);
    s->BindText(2, use_case);
    s->BindText(3, status);
    s->BindText(4, status);
    s->BindInt(5, static_cast<int64_t>(limit));
    Status step;
    while (s->Step(step)) {
      Result<Postmortem> pm = Decode(s->ColumnText(1), s->ColumnInt(0));
      if (!pm.ok()) return pm.status();
      out.push_back(std::move(*pm));
    }
    return step;
  });
  if (!st.ok()) return st;
  return out;
}

Result<Postmortem> PostmortemStore::Save(Postmortem pm) {
  const int64_t now = clock_.NowNanos();
  Status st = store_.Transact([&](SqliteDb& db) -> Status {
    Result<SqliteStatement> s = db.Prepare("SELECT created_ns FROM postmortems WHERE id = ?");
    if (!s.ok()) return s.status();
    s->BindInt(1, pm.id);
    Status step;
    if (!s->Step(step)) {
      VIGIL_RETURN_IF_ERROR(step);
      return Status::NotFound("postmortem " + std::to_string(pm.id));
    }
    pm.created_ns = s->ColumnInt(0);
    pm.updated_ns = now;
    return Write(db, pm, now);
  });
  if (!st.ok()) return st;
  pm.status = pm.Complete() ? "complete" : "draft";
  return pm;
}

Result<std::vector<OverdueAction>> PostmortemStore::Overdue(const std::string& use_case) {
  Result<std::vector<Postmortem>> all = List(use_case, "draft", 10'000);
  if (!all.ok()) return all.status();
  const int64_t now = clock_.NowNanos();
  std::vector<OverdueAction> out;
  for (const Postmortem& pm : *all) {
    for (size_t i : pm.Overdue(now)) out.push_back({pm.id, i, pm.reinforcements[i]});
  }
  return out;
}

}  // namespace vigil
