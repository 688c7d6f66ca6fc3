// bench/window: events/s through the WindowAggregator on one core, and bytes per active key.
// Reference in the same run: the bare minimum per event — building its key and bumping a
// counter in a std::map — so the ratio shows what buckets and sketches cost on top.
//
//   window_bench [--events N] [--tenants T]

#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "bench/workload.h"
#include "common/clock.h"
#include "stream/window_aggregator.h"

namespace vigil::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

int Main(int argc, char** argv) {
  size_t total = 5'000'000;
  int tenants = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--events")) total = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--tenants")) tenants = std::atoi(argv[i + 1]);
  }
  // Pre-generate one minute of traffic worth of events, spread over tenants for more keys.
  std::vector<Event> events;
  GenerateEvents(0, 200'000, 1'795'880'000'000'000'000, events);
  for (size_t i = 0; i < events.size(); ++i) {
    events[i].tenant = "tenant-" + std::to_string(i * 7919 % static_cast<size_t>(tenants));
  }
  const size_t per_second = 50'000;  // events the fake clock lets through per second

  FakeClock clock(1'795'880'000'000'000'000);
  WindowAggregator windows(clock, 1'000'000);
  auto t0 = SteadyClock::now();
  size_t done = 0;
  while (done < total) {
    for (size_t off = 0; off < events.size() && done < total; off += 1000) {
      size_t n = std::min<size_t>({1000, events.size() - off, total - done});
      windows.Add(std::span<const Event>(events.data() + off, n));
      done += n;
      if (done % per_second < n) clock.Advance(1'000'000'000);
    }
  }
  double seconds = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  double rate = static_cast<double>(total) / seconds;

  // Reference: key + counter only.
  std::map<RollupKey, uint64_t> counts;
  t0 = SteadyClock::now();
  done = 0;
  while (done < total) {
    for (size_t i = 0; i < events.size() && done < total; ++i, ++done) {
      counts[RollupKey::Of(events[i])]++;
    }
  }
  double ref_seconds = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  double ref_rate = static_cast<double>(total) / ref_seconds;

  // One query over every key, as a tick of a broad rule does.
  t0 = SteadyClock::now();
  uint64_t seen = 0;
  windows.Query(
      30'000'000'000, [](const RollupKey&) { return true; },
      [&](const RollupKey&, const WindowResult& r) { seen += r.stats.count; });
  double query_ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();

  std::printf("window: %zu events, %zu active keys, fake clock advancing 1 s per %zu events\n",
              total, windows.keys(), per_second);
  std::printf("  WindowAggregator::Add           %12.0f events/s  (target >= 2,000,000)\n", rate);
  std::printf("  reference map<key, count>++     %12.0f events/s\n", ref_rate);
  std::printf("  ratio aggregator / reference    %12.2f\n", rate / ref_rate);
  std::printf(
      "  memory                          %12.0f bytes per active key (%zu buckets max)\n",
      static_cast<double>(windows.ApproximateBytes()) / static_cast<double>(windows.keys()),
      static_cast<size_t>(WindowAggregator::kFineSeconds +
                          WindowAggregator::kCoarseSeconds / WindowAggregator::kCoarseWidth));
  std::printf("  30 s query over all keys        %12.2f ms (%llu events in window)\n", query_ms,
              static_cast<unsigned long long>(seen));
  return 0;
}

}  // namespace
}  // namespace vigil::bench

int main(int argc, char** argv) { return vigil::bench::Main(argc, argv); }
