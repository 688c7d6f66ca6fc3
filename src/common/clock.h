#pragma once
// Clock: the single source of time for engine code, so tests can drive time by hand.
//
// Contract: NowNanos() returns wall-clock unix time in nanoseconds (used for event timestamps and
// windows); MonotonicNanos() never goes backwards (used for latencies and timeouts).
// SystemClock is thread-safe. FakeClock is thread-safe; time moves only when a test calls
// Advance() or Set().

#include <atomic>
#include <cstdint>

namespace vigil {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowNanos() const = 0;
  virtual int64_t MonotonicNanos() const = 0;
  int64_t NowMillis() const { return NowNanos() / 1'000'000; }
};

class SystemClock final : public Clock {
 public:
  int64_t NowNanos() const override;
  int64_t MonotonicNanos() const override;
  // A process-wide instance; never destroyed.
  static const Clock& Instance();
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_nanos = 1'700'000'000'000'000'000) : now_(start_nanos) {}
  int64_t NowNanos() const override { return now_.load(); }
  int64_t MonotonicNanos() const override { return now_.load(); }
  void Advance(int64_t nanos) { now_.fetch_add(nanos); }
  void Set(int64_t nanos) { now_.store(nanos); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace vigil
