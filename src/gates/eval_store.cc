#include "gates/eval_store.h"

#include <nlohmann/json.hpp>
#include <set>

namespace vigil {
namespace {

using nlohmann::json;

const std::vector<Migration>& EvalMigrations() {
  static const std::vector<Migration>* m = new std::vector<Migration>{
      {1,
       "CREATE TABLE eval_runs ("
       "  id INTEGER PRIMARY KEY,"
       "  suite TEXT NOT NULL,"
       "  use_case TEXT NOT NULL,"
       "  release TEXT NOT NULL,"
       "  passed INTEGER NOT NULL,"
       "  total INTEGER NOT NULL,"
       "  cases TEXT NOT NULL,"
       "  created_ns INTEGER NOT NULL,"
       "  actor TEXT NOT NULL"
       ");"
       "CREATE INDEX eval_runs_by_release ON eval_runs (use_case, release, suite, id);"
       "CREATE TRIGGER eval_runs_immutable BEFORE UPDATE ON eval_runs "
       "BEGIN SELECT RAISE(ABORT, 'eval runs are immutable'); END;"},
  };
  return *m;
}

EvalRun ReadRun(const SqliteStatement& s) {
  EvalRun r;
  r.id = s.ColumnInt(0);
  r.suite = s.ColumnText(1);
  r.use_case = s.ColumnText(2);
  r.release = s.ColumnText(3);
  json cases = json::parse(s.ColumnText(4), nullptr, false);
  if (cases.is_array()) {
    for (const json& c : cases) {
      r.cases.push_back({c.value("id", ""), c.value("passed", false), c.value("detail", "")});
    }
  }
  r.created_ns = s.ColumnInt(5);
  r.actor = s.ColumnText(6);
  return r;
}

constexpr char kColumns[] = "id, suite, use_case, release, cases, created_ns, actor";

}  // namespace

size_t EvalRun::passed() const {
  size_t n = 0;
  for (const EvalCase& c : cases) n += c.passed;
  return n;
}

double EvalRun::pass_rate() const {
  return cases.empty() ? 0 : static_cast<double>(passed()) / static_cast<double>(cases.size());
}

Result<std::unique_ptr<EvalStore>> EvalStore::Open(StateStore& store, const Clock& clock) {
  VIGIL_RETURN_IF_ERROR(store.Migrate("evals", EvalMigrations()));
  return std::unique_ptr<EvalStore>(new EvalStore(store, clock));
}

Result<EvalRun> EvalStore::Record(EvalRun run, const std::string& actor) {
  if (run.suite.empty()) return Status::InvalidArgument("is required", "suite");
  if (run.use_case.empty()) return Status::InvalidArgument("is required", "use_case");
  if (run.release.empty()) return Status::InvalidArgument("is required", "release");
  if (run.cases.empty() || run.cases.size() > 10000) {
    return Status::InvalidArgument("must hold 1 to 10000 cases", "cases");
  }
  std::set<std::string> ids;
  json cases = json::array();
  for (size_t i = 0; i < run.cases.size(); ++i) {
    const EvalCase& c = run.cases[i];
    const std::string field = "cases[" + std::to_string(i) + "].id";
    if (c.id.empty()) return Status::InvalidArgument("is required", field);
    if (!ids.insert(c.id).second) {
      return Status::InvalidArgument("duplicate case \"" + c.id + "\"", field);
    }
    json j = {{"id", c.id}, {"passed", c.passed}};
    if (!c.detail.empty()) j["detail"] = c.detail;
    cases.push_back(std::move(j));
  }
  run.created_ns = clock_.NowNanos();
  run.actor = actor;
  Status st = store_.Transact([&](SqliteDb& db) -> Status {
    Result<SqliteStatement> insert = db.Prepare(
        "INSERT INTO eval_runs (suite, use_case, release, passed, total, cases, created_ns, "
        "actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!insert.ok()) return insert.status();
    insert->BindText(1, run.suite);
    insert->BindText(2, run.use_case);
    insert->BindText(3, run.release);
    insert->BindInt(4, static_cast<int64_t>(run.passed()));
    insert->BindInt(5, static_cast<int64_t>(run.cases.size()));
    insert->BindText(6, cases.dump());
    insert->BindInt(7, run.created_ns);
    insert->BindText(8, actor);
    VIGIL_RETURN_IF_ERROR(insert->Run());
    run.id = sqlite3_last_insert_rowid(db.raw());
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return run;
}

Result<std::vector<EvalRun>> EvalStore::List(const EvalQuery& q) {
  std::vector<EvalRun> out;
  Status st = store_.Read([&](SqliteDb& db) -> Status {
    Result<SqliteStatement> stmt = db.Prepare(
        std::string("SELECT ") + kColumns +
        " FROM eval_runs WHERE (?1 = '' OR suite = ?1) AND (?2 = '' OR use_case = ?2) AND "
        "(?3 = '' OR release = ?3) ORDER BY id DESC LIMIT ?4");
    if (!stmt.ok()) return stmt.status();
    stmt->BindText(1, q.suite);
    stmt->BindText(2, q.use_case);
    stmt->BindText(3, q.release);
    stmt->BindInt(4, static_cast<int64_t>(q.limit));
    Status step;
    while (stmt->Step(step)) out.push_back(ReadRun(*stmt));
    return step;
  });
  if (!st.ok()) return st;
  return out;
}

Result<std::optional<EvalRun>> EvalStore::Latest(const std::string& suite,
                                                 const std::string& use_case,
                                                 const std::string& release) {
  Result<std::vector<EvalRun>> runs = List({suite, use_case, release, 1});
  if (!runs.ok()) return runs.status();
  if (runs->empty()) return std::optional<EvalRun>();
  return std::optional<EvalRun>(std::move(runs->front()));
}

}  // namespace vigil
