#include "stream/latency_sketch.h"

#include <cmath>
#include <cstring>

namespace vigil {
namespace {

const double kGamma =
    (1 + LatencySketch::kRelativeAccuracy) / (1 - LatencySketch::kRelativeAccuracy);
const double kLogGamma = std::log(kGamma);

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

bool GetVarint(std::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    v |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

void PutDouble(std::string& out, double d) {
  char buf[8];
  std::memcpy(buf, &d, 8);
  out.append(buf, 8);
}

bool GetDouble(std::string_view& in, double& d) {
  if (in.size() < 8) return false;
  std::memcpy(&d, in.data(), 8);
  in.remove_prefix(8);
  return true;
}

constexpr uint8_t kFormatVersion = 1;

}  // namespace

int32_t LatencySketch::BucketIndex(double value) {
  return static_cast<int32_t>(std::ceil(std::log(value) / kLogGamma));
}

double LatencySketch::BucketValue(int32_t index) {
  return 2 * std::pow(kGamma, index) / (kGamma + 1);
}

void LatencySketch::Add(double value, uint64_t count) {
  if (count == 0 || !std::isfinite(value) || value < 0) return;
  count_ += count;
  sum_ += value * static_cast<double>(count);
  if (value > max_) max_ = value;
  if (value < kMinValue) {
    zero_count_ += count;
    return;
  }
  Slot(BucketIndex(value)) += count;
}

void LatencySketch::AddBucketCount(int32_t index, uint64_t count) {
  if (count == 0) return;
  count_ += count;
  Slot(index) += count;
}

void LatencySketch::AddZeroCount(uint64_t count) {
  count_ += count;
  zero_count_ += count;
}

void LatencySketch::AddSumAndMax(double sum, double max) {
  sum_ += sum;
  if (max > max_) max_ = max;
}

uint64_t& LatencySketch::Slot(int32_t index) {
  if (counts_.empty()) {
    offset_ = index;
    counts_.assign(1, 0);
  } else if (index < offset_) {
    counts_.insert(counts_.begin(), static_cast<size_t>(offset_ - index), 0);
    offset_ = index;
  } else if (index >= offset_ + static_cast<int32_t>(counts_.size())) {
    counts_.resize(static_cast<size_t>(index - offset_ + 1), 0);
  }
  return counts_[static_cast<size_t>(index - offset_)];
}

void LatencySketch::Merge(const LatencySketch& other) {
  if (other.count_ == 0) return;
  for (size_t i = 0; i < other.counts_.size(); ++i) {
    if (other.counts_[i] == 0) continue;
    Slot(other.offset_ + static_cast<int32_t>(i)) += other.counts_[i];
  }
  zero_count_ += other.zero_count_;
  count_ += other.count_;
  sum_ += other.sum_;
  if (other.max_ > max_) max_ = other.max_;
}

double LatencySketch::Quantile(double q) const {
  if (count_ == 0) return 0;
  if (q < 0) q = 0;
  if (q > 1) q = 1;
  // Rank of the q-quantile among count_ values (0-based), as in the DDSketch paper.
  const double rank = q * static_cast<double>(count_ - 1);
  double seen = static_cast<double>(zero_count_);
  if (seen > rank) return 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += static_cast<double>(counts_[i]);
    if (seen > rank) {
      double v = BucketValue(offset_ + static_cast<int32_t>(i));
      return v > max_ ? max_ : v;
    }
  }
  return max_;
}

std::string LatencySketch::Serialize() const {
  std::string out;
  out += static_cast<char>(kFormatVersion);
  PutVarint(out, count_);
  PutVarint(out, zero_count_);
  PutDouble(out, sum_);
  PutDouble(out, max_);
  PutVarint(out, ZigZag(offset_));
  // Sparse runs: (gap since previous occupied bucket, count).
  uint64_t occupied = 0;
  for (uint64_t c : counts_) occupied += c != 0;
  PutVarint(out, occupied);
  int64_t previous = -1;
  for (size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    PutVarint(out, static_cast<uint64_t>(static_cast<int64_t>(i) - previous));
    PutVarint(out, counts_[i]);
    previous = static_cast<int64_t>(i);
  }
  return out;
}

Result<LatencySketch> LatencySketch::Deserialize(std::string_view in) {
  auto bad = [] { return Status::InvalidArgument("corrupt latency sketch"); };
  if (in.empty()) return LatencySketch();
  if (static_cast<uint8_t>(in.front()) != kFormatVersion) return bad();
  in.remove_prefix(1);
  LatencySketch s;
  uint64_t offset_zz, occupied;
  if (!GetVarint(in, s.count_) || !GetVarint(in, s.zero_count_) || !GetDouble(in, s.sum_) ||
      !GetDouble(in, s.max_) || !GetVarint(in, offset_zz) || !GetVarint(in, occupied)) {
    return bad();
  }
  s.offset_ = static_cast<int32_t>(UnZigZag(offset_zz));
  int64_t position = -1;
  uint64_t total = s.zero_count_;
  for (uint64_t k = 0; k < occupied; ++k) {
    uint64_t gap, count;
    if (!GetVarint(in, gap) || !GetVarint(in, count) || gap == 0 || gap > 100000) return bad();
    position += static_cast<int64_t>(gap);
    s.counts_.resize(static_cast<size_t>(position + 1), 0);
    s.counts_[static_cast<size_t>(position)] = count;
    total += count;
  }
  if (!in.empty() || total != s.count_) return bad();
  return s;
}

bool LatencySketch::operator==(const LatencySketch& other) const {
  return Serialize() == other.Serialize();
}

}  // namespace vigil
