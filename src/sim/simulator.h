#pragma once
// Simulator: drives agent traffic against a Vigil server the way real services would
// (docs/simulator.md). It discovers the use cases (GET /v1/use_cases), follows each route with
// a RouteWatcher (long-poll), starts requests as a Poisson process at each use case's rate,
// emits each request's events when the request completes, and sends them to /v1/events in
// NDJSON batches (429/503 → retried after Retry-After; other failures counted, not retried).
//
// Contract: Run() returns when `stop` becomes true or `duration` passes (0: until stopped),
// after flushing what completed. Needs a token with the `ingest` and `read` roles.
// Thread-safety: Run() on one thread; Snapshot() from any.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "common/status.h"
#include "config/config.h"

namespace vigil {

struct SimUseCaseStats {
  uint64_t requests = 0;
  uint64_t failed = 0;
  std::map<std::string, uint64_t> failures;  // task error class → count
  std::map<std::string, uint64_t> releases;  // serving release → requests
};

struct SimStats {
  uint64_t events_sent = 0;      // acknowledged by the server
  uint64_t events_rejected = 0;  // refused per event (validation)
  uint64_t batches_failed = 0;   // transport or HTTP failures (events dropped)
  uint64_t throttled = 0;        // 429/503 answers (retried)
  std::map<std::string, SimUseCaseStats> use_cases;
  std::string last_error;
};

class Simulator {
 public:
  struct Options {
    std::string server = "http://127.0.0.1:7070";
    std::string token;
    double rate_scale = 1.0;             // multiplies every use case's rate
    std::vector<std::string> use_cases;  // empty: every use case with a route
    std::chrono::milliseconds flush_interval{200};
    size_t max_batch = 2000;
    std::chrono::seconds discovery_timeout{60};
  };

  Simulator(Options options, SimulatorConfig config, std::map<std::string, ModelPrice> pricing);

  // `progress` is called about once a second with the stats so far.
  Status Run(const std::atomic<bool>& stop, std::chrono::milliseconds duration,
             const std::function<void(const SimStats&)>& progress = nullptr);
  SimStats Snapshot() const;

 private:
  Result<std::vector<std::string>> Discover(const std::atomic<bool>& stop);

  Options options_;
  SimulatorConfig config_;
  std::map<std::string, ModelPrice> pricing_;
  mutable std::mutex mu_;
  SimStats stats_;
};

}  // namespace vigil
