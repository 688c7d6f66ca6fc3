#include "release/release_json.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

using nlohmann::json;

TEST(ReleaseJson, ParsesAFullReleaseAndHashesTheBody) {
  auto parsed = ReleaseFromJson(json::parse(R"({
    "version": "v3", "model": "m-large", "prompt": "refund@4", "prompt_body": "You refund.",
    "tools": ["lookup_order", {"name": "issue_refund", "permissions": ["refunds:write"]}],
    "fallback_model": "m-small", "params": {"temperature": 0.2},
    "degraded": {"disable_tools": true}, "migrations": [{"id": "m1", "reversible": false}]})"));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->tools.size(), 2u);
  EXPECT_EQ(parsed->tools[1].permissions, std::vector<std::string>{"refunds:write"});
  EXPECT_EQ(parsed->prompt_hash.rfind("sha256:", 0), 0u);
  EXPECT_FALSE(parsed->migrations[0].reversible);
  // Round trip.
  auto again = ReleaseFromJson(ReleaseConfigToJson(*parsed));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(ReleaseConfigToJson(*again), ReleaseConfigToJson(*parsed));
}

TEST(ReleaseJson, BadBodiesNameTheField) {
  struct Case {
    const char* body;
    const char* field;
  } cases[] = {
      {R"({"model": "m"})", "version"},
      {R"({"version": "v1", "prompt": "p"})", "model"},
      {R"({"version": "v1", "model": "m", "prompt": "p", "tools": [{"nme": "x"}]})",
       "tools[0].nme"},
      {R"({"version": "v1", "model": "m", "prompt": "p", "migrations": [{"id": "a"}]})",
       "migrations[0].reversible"},
      {R"({"version": "v1", "model": "m", "prompt": "p", "params": [1]})", "params"},
      {R"({"version": "v1", "model": "m", "prompt": "p", "colour": "red"})", "colour"},
      {R"({"version": "v1", "model": "m"})", "prompt"},
      {R"({"version": "v1", "model": "m", "prompt_body": "x", "prompt_hash": "sha256:00"})",
       "prompt_hash"},
  };
  for (const Case& c : cases) {
    auto parsed = ReleaseFromJson(json::parse(c.body));
    ASSERT_FALSE(parsed.ok()) << c.body;
    EXPECT_EQ(parsed.status().field(), c.field) << c.body << " → " << parsed.status().ToString();
  }
}

}  // namespace
}  // namespace vigil
