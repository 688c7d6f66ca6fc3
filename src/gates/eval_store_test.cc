#include "gates/eval_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace vigil {
namespace {

class EvalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-eval-XXXXXX";
    dir_ = mkdtemp(tmpl);
    store_ = std::move(StateStore::Open(dir_ + "/v.db", {})).value();
    evals_ = std::move(EvalStore::Open(*store_, clock_)).value();
  }
  void TearDown() override {
    evals_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  static EvalRun Run(const std::string& release, int passed, int total) {
    EvalRun r{0, "refund-evals", "refund-bot", release, {}, 0, ""};
    for (int i = 0; i < total; ++i) {
      r.cases.push_back({"case-" + std::to_string(i), i < passed, ""});
    }
    return r;
  }
  std::string dir_;
  FakeClock clock_;
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<EvalStore> evals_;
};

TEST_F(EvalStoreTest, RecordsAndFindsTheLatestRunOfARelease) {
  ASSERT_TRUE(evals_->Record(Run("v3", 8, 10), "ci").ok());
  clock_.Advance(1'000'000'000);
  auto second = evals_->Record(Run("v3", 19, 20), "ci");
  ASSERT_TRUE(second.ok());
  EXPECT_DOUBLE_EQ(second->pass_rate(), 0.95);
  ASSERT_TRUE(evals_->Record(Run("v2", 1, 10), "ci").ok());
  auto latest = evals_->Latest("refund-evals", "refund-bot", "v3");
  ASSERT_TRUE(latest.ok());
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->id, second->id);
  EXPECT_EQ((*latest)->cases.size(), 20u);
  EXPECT_EQ((*latest)->actor, "ci");
  EXPECT_FALSE(evals_->Latest("other", "refund-bot", "v3")->has_value());
  EXPECT_EQ(evals_->List({"", "refund-bot", "", 50})->size(), 3u);
  // Recorded runs are never changed.
  Status st =
      store_->Transact([](SqliteDb& db) { return db.Exec("UPDATE eval_runs SET passed = 0"); });
  EXPECT_FALSE(st.ok());
}

TEST_F(EvalStoreTest, BadRunsNameTheField) {
  EvalRun empty = Run("v3", 0, 0);
  EXPECT_EQ(evals_->Record(empty, "ci").status().field(), "cases");
  EvalRun dup = Run("v3", 1, 2);
  dup.cases[1].id = dup.cases[0].id;
  EXPECT_EQ(evals_->Record(dup, "ci").status().field(), "cases[1].id");
  EvalRun no_release = Run("", 1, 1);
  EXPECT_EQ(evals_->Record(no_release, "ci").status().field(), "release");
}

}  // namespace
}  // namespace vigil
