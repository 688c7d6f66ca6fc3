#include "stream/latency_sketch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace vigil {
namespace {

double ExactQuantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
}

TEST(LatencySketchTest, QuantilesWithinOnePercentOfExact) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> latency(std::log(800.0), 0.9);
  std::vector<double> values;
  LatencySketch sketch;
  for (int i = 0; i < 100000; ++i) {
    double v = latency(rng);
    values.push_back(v);
    sketch.Add(v);
  }
  for (double q : {0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999}) {
    double exact = ExactQuantile(values, q);
    EXPECT_NEAR(sketch.Quantile(q), exact, exact * LatencySketch::kRelativeAccuracy) << "q=" << q;
  }
  EXPECT_EQ(sketch.count(), 100000u);
}

TEST(LatencySketchTest, MergeEqualsOneSketchOfAllValues) {
  LatencySketch a, b, all;
  for (int i = 1; i <= 1000; ++i) {
    double v = i * 1.7;
    (i % 3 == 0 ? a : b).Add(v);
    all.Add(v);
  }
  a.Merge(b);
  EXPECT_EQ(a, all);
  EXPECT_DOUBLE_EQ(a.Quantile(0.5), all.Quantile(0.5));
  EXPECT_DOUBLE_EQ(a.sum(), all.sum());
}

TEST(LatencySketchTest, SerializeRoundTripIsCompact) {
  LatencySketch s;
  for (int i = 0; i < 5000; ++i) s.Add(10 + (i % 997) * 3.1);
  s.Add(0);  // zero bucket
  std::string bytes = s.Serialize();
  EXPECT_LT(bytes.size(), 1500u);
  Result<LatencySketch> back = LatencySketch::Deserialize(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, s);
  EXPECT_DOUBLE_EQ(back->Quantile(0.99), s.Quantile(0.99));
  EXPECT_FALSE(LatencySketch::Deserialize(bytes.substr(0, bytes.size() - 2)).ok());
  EXPECT_FALSE(LatencySketch::Deserialize("\x07garbage").ok());
}

TEST(LatencySketchTest, EdgeCases) {
  LatencySketch s;
  EXPECT_EQ(s.Quantile(0.5), 0);
  s.Add(0);
  s.Add(0);
  s.Add(100);
  EXPECT_EQ(s.Quantile(0), 0);
  EXPECT_EQ(s.Quantile(0.5), 0);
  EXPECT_NEAR(s.Quantile(1), 100, 1);
  EXPECT_LE(s.Quantile(1), 100);  // never above the largest value seen
  s.Add(-1);
  s.Add(std::nan(""));
  EXPECT_EQ(s.count(), 3u);
}

}  // namespace
}  // namespace vigil
