#include "storage/sqlite/sqlite_event_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "storage/memory_event_store.h"
#include "storage/state_store.h"

namespace vigil {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/vigil-store-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

Event MakeEvent(const std::string& trace, const std::string& span, const std::string& tenant) {
  Event e;
  e.ts_ns = 1'795'880'841'000'000'000;
  e.trace_id = trace;
  e.span_id = span;
  e.tenant = tenant;
  e.request_id = "r-" + trace;
  e.use_case = "refund-bot";
  e.attrs = {{"region", "eu\"west"}};
  return e;
}

template <typename Store>
void ExpectDedupContract(Store& store) {
  std::vector<Event> batch = {MakeEvent("t1", "s1", "acme"), MakeEvent("t1", "s2", "acme"),
                              MakeEvent("t1", "s1", "acme"),     // duplicate inside the batch
                              MakeEvent("t1", "s1", "globex")};  // other tenant: distinct
  Result<AppendResult> first = store.Append(batch);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->inserted, 3u);
  EXPECT_EQ(first->duplicates, 1u);
  EXPECT_EQ(first->is_new, (std::vector<bool>{true, true, false, true}));

  Result<AppendResult> again = store.Append(batch);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->inserted, 0u);
  EXPECT_EQ(again->duplicates, 4u);
  EXPECT_EQ(*store.CountEvents(), 3);
}

TEST(SqliteEventStoreTest, DeduplicatesOnIdentity) {
  TempDir dir;
  auto store = SqliteEventStore::Open(dir.File("v.db"), {});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ExpectDedupContract(**store);
}

TEST(MemoryEventStoreTest, SameDedupContractAsSqlite) {
  MemoryEventStore store;
  ExpectDedupContract(store);
}

TEST(MemoryEventStoreTest, InjectedFailureStoresNothing) {
  MemoryEventStore store;
  store.FailNextAppends(1);
  std::vector<Event> batch = {MakeEvent("t", "s", "acme")};
  EXPECT_EQ(store.Append(batch).status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(*store.CountEvents(), 0);
  EXPECT_TRUE(store.Append(batch).ok());
}

TEST(SqliteEventStoreTest, DataSurvivesReopenAndMigrationsRunOnce) {
  TempDir dir;
  {
    auto store = SqliteEventStore::Open(dir.File("v.db"), {});
    ASSERT_TRUE(store.ok());
    std::vector<Event> batch = {MakeEvent("a", "1", "acme")};
    ASSERT_TRUE((*store)->Append(batch).ok());
  }
  auto reopened = SqliteEventStore::Open(dir.File("v.db"), {});
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(*(*reopened)->CountEvents(), 1);
  auto db = SqliteDb::Open(dir.File("v.db"));
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*db->SchemaVersion("events"), 3);
  // Attributes are stored as valid JSON.
  auto stmt = db->Prepare("SELECT json_extract(attrs, '$.region') FROM events");
  ASSERT_TRUE(stmt.ok());
  Status st;
  ASSERT_TRUE(stmt->Step(st));
  EXPECT_EQ(stmt->ColumnText(0), "eu\"west");
}

TEST(SqliteEventStoreTest, LockedDatabaseIsUnavailableAndLosesNothing) {
  TempDir dir;
  SqliteEventStore::Options options;
  options.busy_timeout_ms = 50;
  auto store = SqliteEventStore::Open(dir.File("v.db"), options);
  ASSERT_TRUE(store.ok());
  auto other = SqliteDb::Open(dir.File("v.db"));
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(other->Exec("BEGIN EXCLUSIVE").ok());
  std::vector<Event> batch = {MakeEvent("a", "1", "acme")};
  EXPECT_EQ((*store)->Append(batch).status().code(), Status::Code::kUnavailable);
  ASSERT_TRUE(other->Exec("COMMIT").ok());
  Result<AppendResult> retry = (*store)->Append(batch);
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_EQ(retry->inserted, 1u);
}

TEST(StateStoreTest, TransactionsCommitOrRollBack) {
  TempDir dir;
  auto state = StateStore::Open(dir.File("v.db"), {});
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  ASSERT_TRUE((*state)->PutMeta("instance_id", "abc").ok());
  EXPECT_EQ(*(*state)->GetMeta("instance_id"), "abc");
  Status failed = (*state)->Transact([](SqliteDb& db) {
    VIGIL_RETURN_IF_ERROR(db.Exec("UPDATE meta SET value = 'changed'"));
    return Status::FailedPrecondition("abort");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(*(*state)->GetMeta("instance_id"), "abc");
  EXPECT_EQ((*state)->GetMeta("missing").status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace vigil
