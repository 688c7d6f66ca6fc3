#pragma once
// LatencySketch: a mergeable quantile sketch with relative-error guarantees, following
// DDSketch (Masson, Rim & Lee, "DDSketch: A Fast and Fully-Mergeable Quantile Sketch with
// Relative-Error Guarantees", VLDB 2019).
//
// Values are mapped to logarithmic buckets: bucket i holds (γ^(i−1), γ^i] with
// γ = (1+α)/(1−α); a quantile is answered with the bucket's representative 2γ^i/(γ+1), which is
// within a relative error α of the true value. Here α = 1%. Values below kMinValue (1 µs when
// the unit is ms) are counted in a zero bucket. Merging adds bucket counts, so merged sketches
// answer exactly as one sketch fed all the values would.
//
// Memory: one counter per occupied bucket between the smallest and largest seen
// (≈ 350 buckets for 10 ms … 10 s). Serialize() writes a compact varint form for storage.
// Thread-safety: none; a value type.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vigil {

class LatencySketch {
 public:
  static constexpr double kRelativeAccuracy = 0.01;
  static constexpr double kMinValue = 1e-3;

  void Add(double value, uint64_t count = 1);
  void Merge(const LatencySketch& other);
  // q in [0, 1]; 0 when empty.
  double Quantile(double q) const;
  uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  double sum() const { return sum_; }
  double max() const { return max_; }

  // Bulk insertion for compact per-second sketches (window_aggregator.h): the bucket index of a
  // value ≥ kMinValue, and adding pre-bucketed counts with their sum and max.
  static int32_t IndexOf(double value) { return BucketIndex(value); }
  void AddBucketCount(int32_t index, uint64_t count);
  void AddZeroCount(uint64_t count);
  void AddSumAndMax(double sum, double max);

  std::string Serialize() const;
  static Result<LatencySketch> Deserialize(std::string_view bytes);

  bool operator==(const LatencySketch& other) const;

 private:
  static int32_t BucketIndex(double value);
  static double BucketValue(int32_t index);
  // The counter of bucket `index`, growing the dense range as needed.
  uint64_t& Slot(int32_t index);

  int32_t offset_ = 0;            // bucket index of counts_[0]
  std::vector<uint64_t> counts_;  // dense between the lowest and highest occupied bucket
  uint64_t zero_count_ = 0;
  uint64_t count_ = 0;
  double sum_ = 0;
  double max_ = 0;
};

}  // namespace vigil
