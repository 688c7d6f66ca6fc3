#include "ingest/collision_detector.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

constexpr int64_t kT0 = 1'795'880'841'000'000'000;
constexpr int64_t kHourNs = 3600LL * 1'000'000'000;

Event Tool(const std::string& request, const std::string& key, int64_t ts,
           const std::string& tool = "issue_refund", const std::string& tenant = "acme") {
  Event e;
  e.tenant = tenant;
  e.layer = Layer::kTool;
  e.tool = tool;
  e.request_id = request;
  e.idempotency_key = key;
  e.ts_ns = ts;
  return e;
}

std::vector<bool> Feed(CollisionDetector& d, std::vector<Event> events) {
  IngestGroup g;
  g.events = std::move(events);
  g.is_new.assign(g.events.size(), true);
  EXPECT_TRUE(d.OnGroup(g).ok());
  std::vector<bool> out;
  for (const Event& e : g.events) out.push_back(e.idempotency_collision);
  return out;
}

TEST(CollisionDetectorTest, SameKeyDifferentRequestCollides) {
  CollisionDetector d({});
  EXPECT_EQ(Feed(d, {Tool("r1", "k1", kT0), Tool("r1", "k1", kT0 + 1)}),
            (std::vector<bool>{false, false}));  // a retry inside one request is fine
  EXPECT_EQ(Feed(d, {Tool("r2", "k1", kT0 + kHourNs)}), std::vector<bool>{true});
  EXPECT_EQ(d.GetStats().collisions, 1u);
}

TEST(CollisionDetectorTest, KeysAreScopedByTenantAndTool) {
  CollisionDetector d({});
  EXPECT_EQ(Feed(d, {Tool("r1", "k", kT0), Tool("r2", "k", kT0, "lookup_order"),
                     Tool("r3", "k", kT0, "issue_refund", "globex")}),
            (std::vector<bool>{false, false, false}));
}

TEST(CollisionDetectorTest, OutsideTheWindowIsNotACollision) {
  CollisionDetector d({});
  Feed(d, {Tool("r1", "k", kT0)});
  EXPECT_EQ(Feed(d, {Tool("r2", "k", kT0 + 25 * kHourNs)}), std::vector<bool>{false});
  // The key now belongs to r2.
  EXPECT_EQ(Feed(d, {Tool("r3", "k", kT0 + 26 * kHourNs)}), std::vector<bool>{true});
}

TEST(CollisionDetectorTest, ReportedCollisionsCountToo) {
  CollisionDetector d({});
  Event e = Tool("r1", "", kT0);
  e.status = EventStatus::kError;
  e.error_class = "idempotency_collision/refund_api";
  EXPECT_EQ(Feed(d, {e}), std::vector<bool>{true});
}

TEST(CollisionDetectorTest, MemoryIsCappedAndEvictionsCounted) {
  CollisionDetectorOptions options;
  options.max_keys = 100;
  CollisionDetector d(options);
  std::vector<Event> events;
  for (int i = 0; i < 1000; ++i)
    events.push_back(Tool("r" + std::to_string(i), "k" + std::to_string(i), kT0));
  Feed(d, events);
  EXPECT_EQ(d.GetStats().keys, 100u);
  EXPECT_EQ(d.GetStats().evicted, 900u);
  // A recent key is still remembered; an evicted one is not.
  EXPECT_EQ(Feed(d, {Tool("x", "k999", kT0 + 1)}), std::vector<bool>{true});
  EXPECT_EQ(Feed(d, {Tool("x", "k0", kT0 + 1)}), std::vector<bool>{false});
}

TEST(CollisionDetectorTest, ExpiredKeysAreDropped) {
  CollisionDetector d({});
  Feed(d, {Tool("r1", "old", kT0)});
  Feed(d, {Tool("r2", "new", kT0 + 30 * kHourNs)});
  EXPECT_EQ(d.GetStats().keys, 1u);
}

}  // namespace
}  // namespace vigil
