#include "ingest/pricing.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

Event Call(const std::string& model, int64_t in, int64_t out, double cost = 0) {
  Event e;
  e.layer = Layer::kInference;
  e.model = model;
  e.tokens_in = in;
  e.tokens_out = out;
  e.cost_usd = cost;
  return e;
}

std::string CostMark(const Event& e) {
  for (const auto& [k, v] : e.attrs) {
    if (k == "vigil.cost") return v;
  }
  return "";
}

TEST(PriceTableTest, ComputesMarksAndCountsWithoutGuessing) {
  PriceTable table({{"m-large", {3.0, 15.0, 0.3}}, {"m-small", {0.25, 1.25, -1}}});
  std::vector<Event> events = {Call("m-large", 1'000'000, 100'000),  // 3 + 1.5
                               Call("m-small", 2'000'000, 0),        // 0.5
                               Call("m-large", 10, 10, 0.42),        // client's cost stands
                               Call("m-large-2025-06", 100, 10),     // not in the table
                               Call("", 5, 5),                       // no model
                               Call("m-small", 0, 0)};               // nothing to price
  events[0].attrs.emplace_back("cached_tokens_in", "500000");        // half the input was cached
  PricingOutcome out = table.Apply(events);
  EXPECT_NEAR(events[0].cost_usd, (500'000 * 3.0 + 500'000 * 0.3 + 100'000 * 15.0) / 1e6, 1e-12);
  EXPECT_EQ(CostMark(events[0]), "computed");
  EXPECT_NEAR(events[1].cost_usd, 0.5, 1e-12);  // no cached price: input price
  EXPECT_EQ(events[2].cost_usd, 0.42);
  EXPECT_EQ(CostMark(events[2]), "");
  EXPECT_TRUE(events[3].unpriced);
  EXPECT_EQ(events[3].cost_usd, 0);
  EXPECT_EQ(CostMark(events[3]), "unpriced");
  EXPECT_TRUE(events[4].unpriced);
  EXPECT_FALSE(events[5].unpriced);
  EXPECT_EQ(out.computed, 2u);
  EXPECT_EQ(out.unpriced,
            (std::map<std::string, size_t>{{"(no model)", 1}, {"m-large-2025-06", 1}}));

  // A reload adds the model; events from then on are priced.
  table.Set({{"m-large-2025-06", {3.0, 15.0, -1}}});
  std::vector<Event> later = {Call("m-large-2025-06", 1'000'000, 0)};
  EXPECT_EQ(table.Apply(later).computed, 1u);
  EXPECT_NEAR(later[0].cost_usd, 3.0, 1e-12);
}

}  // namespace
}  // namespace vigil
