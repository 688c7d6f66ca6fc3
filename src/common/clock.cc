#include "common/clock.h"

#include <chrono>

namespace vigil {

int64_t SystemClock::NowNanos() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t SystemClock::MonotonicNanos() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

const Clock& SystemClock::Instance() {
  static const SystemClock* clock = new SystemClock();
  return *clock;
}

}  // namespace vigil
