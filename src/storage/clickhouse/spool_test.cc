#include "storage/clickhouse/spool.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace vigil {
namespace {

namespace fs = std::filesystem;

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-spool-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::unique_ptr<Spool> OpenSpool(int64_t max_bytes = 1 << 20, int64_t segment = 1 << 20) {
    auto s = Spool::Open(dir_, max_bytes, segment);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  std::vector<std::string> Segments() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (e.path().extension() == ".spool") out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::string dir_;
};

TEST_F(SpoolTest, RecordsComeBackInOrderAndSurviveReopen) {
  {
    auto spool = OpenSpool();
    ASSERT_TRUE(spool->Append("first").ok());
    ASSERT_TRUE(spool->Append("second").ok());
    ASSERT_TRUE(spool->Append("third").ok());
    EXPECT_EQ(spool->Front(), "first");
    ASSERT_TRUE(spool->Consume().ok());
    EXPECT_EQ(spool->pending_records(), 2);
  }
  auto reopened = OpenSpool();  // as after a kill -9: the consumed record stays consumed
  EXPECT_EQ(reopened->pending_records(), 2);
  EXPECT_EQ(reopened->Front(), "second");
  ASSERT_TRUE(reopened->Consume().ok());
  EXPECT_EQ(reopened->Front(), "third");
  ASSERT_TRUE(reopened->Consume().ok());
  EXPECT_FALSE(reopened->Front().has_value());
  EXPECT_EQ(reopened->pending_bytes(), 0);
  EXPECT_FALSE(reopened->Consume().ok());
}

TEST_F(SpoolTest, ATornRecordAtTheEndIsCutOffAndTheRestKept) {
  {
    auto spool = OpenSpool();
    ASSERT_TRUE(spool->Append("kept-1").ok());
    ASSERT_TRUE(spool->Append("kept-2").ok());
  }
  // A crash in the middle of the third write: its header and half its payload reached the disk.
  const std::string segment = Segments().back();
  const auto intact = fs::file_size(segment);
  {
    std::ofstream out(segment, std::ios::app | std::ios::binary);
    const uint32_t header[3] = {0x31505356, 100, 12345};
    out.write(reinterpret_cast<const char*>(header), sizeof(header));
    out << "only part of it";
  }
  auto spool = OpenSpool();
  EXPECT_EQ(spool->pending_records(), 2);
  EXPECT_EQ(fs::file_size(segment), intact);
  ASSERT_TRUE(spool->Append("after").ok());
  std::vector<std::string> seen;
  while (auto r = spool->Front()) {
    seen.push_back(*r);
    ASSERT_TRUE(spool->Consume().ok());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"kept-1", "kept-2", "after"}));
}

TEST_F(SpoolTest, DamageBeforeTheEndIsAnErrorNotASilentLoss) {
  {
    auto spool = OpenSpool(1 << 20, 64);  // tiny segments: one record each
    ASSERT_TRUE(spool->Append(std::string(40, 'a')).ok());
    ASSERT_TRUE(spool->Append(std::string(40, 'b')).ok());
  }
  const auto segments = Segments();
  ASSERT_EQ(segments.size(), 2u);
  {
    std::fstream f(segments[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f << "X";  // a flipped payload byte: the CRC no longer matches
  }
  auto reopened = Spool::Open(dir_, 1 << 20, 64);
  ASSERT_FALSE(reopened.ok());
  EXPECT_NE(reopened.status().message().find(segments[0]), std::string::npos);
  EXPECT_NE(reopened.status().message().find("offset 0"), std::string::npos);
}

TEST_F(SpoolTest, FullSpoolRefusesWithAClearErrorAndKeepsWhatItHas) {
  auto spool = OpenSpool(100);
  ASSERT_TRUE(spool->Append(std::string(50, 'x')).ok());
  Status full = spool->Append(std::string(50, 'y'));
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.code(), Status::Code::kResourceExhausted);
  EXPECT_NE(full.message().find("full"), std::string::npos);
  EXPECT_EQ(spool->pending_records(), 1);
  ASSERT_TRUE(spool->Consume().ok());
  EXPECT_TRUE(spool->Append(std::string(50, 'y')).ok());  // room again once replayed
}

TEST_F(SpoolTest, ConsumedSegmentsAreDeleted) {
  auto spool = OpenSpool(1 << 20, 64);
  for (char c : std::string("abcd")) ASSERT_TRUE(spool->Append(std::string(40, c)).ok());
  EXPECT_EQ(Segments().size(), 4u);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(spool->Consume().ok());
  EXPECT_EQ(Segments().size(), 1u);
  EXPECT_EQ(spool->Front(), std::string(40, 'd'));
  spool.reset();
  auto reopened = OpenSpool(1 << 20, 64);
  EXPECT_EQ(reopened->pending_records(), 1);
}

TEST_F(SpoolTest, GroupsAreReadAndConsumedTogetherAcrossSegments) {
  auto spool = OpenSpool(1 << 20, 64);  // one record per segment
  for (char c : std::string("abcde")) ASSERT_TRUE(spool->Append(std::string(40, c)).ok());
  auto group = spool->FrontMany(3, 1 << 20);
  ASSERT_EQ(group.size(), 3u);
  EXPECT_EQ(group[2], std::string(40, 'c'));
  EXPECT_EQ(spool->FrontMany(10, 90).size(), 2u);  // the byte budget stops the group
  ASSERT_TRUE(spool->Consume(group.size()).ok());
  EXPECT_EQ(spool->pending_records(), 2);
  EXPECT_EQ(Segments().size(), 2u);
  spool.reset();
  auto reopened = OpenSpool(1 << 20, 64);
  EXPECT_EQ(reopened->Front(), std::string(40, 'd'));
  EXPECT_FALSE(reopened->Consume(3).ok());  // more than it holds
  ASSERT_TRUE(reopened->Consume(2).ok());
  EXPECT_FALSE(reopened->Front().has_value());
}

}  // namespace
}  // namespace vigil
