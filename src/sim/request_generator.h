#pragma once
// RequestGenerator: one simulated agent request as the telemetry a real service would emit —
// a task event, its inference events (model calls with retries), tool events (lookups and
// actions with idempotency keys) and business outcomes, sharing trace and request ids — served
// by the route as a real service would: canary share, degraded mode's fallback model and tools,
// the release's simulated defects and the route's drill faults. Deterministic for a seed.
//
// Latencies are log-normal per model (simulator.models), tokens vary ±25% around the model's
// means, cost follows `pricing`. A request's events carry its completion time: the caller emits
// them then (a timed-out call is only known when the client gives up).
// Thread-safety: one generator per thread.

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "config/config.h"
#include "model/event.h"
#include "sim/sim_route.h"

namespace vigil {

struct SimRequest {
  int64_t start_ns = 0;
  int64_t end_ns = 0;  // when the client knows the outcome
  bool failed = false;
  std::string error_class;  // of the task, when failed
  std::string release;      // the release that served it
  std::vector<Event> events;
};

class RequestGenerator {
 public:
  RequestGenerator(SimulatorConfig config, std::map<std::string, ModelPrice> pricing);

  SimRequest Generate(const SimRoute& route, int64_t start_ns);

 private:
  struct CallResult {
    double latency_ms = 0;
    int retries = 0;
    std::string error_class;  // empty: ok
  };
  CallResult CallModel(const std::string& model, const SimRoute& route);
  const SimModelProfile& Profile(const std::string& model) const;
  bool Chance(double p);
  double LogNormalMs(double median_ms, double sigma);
  std::string Hex(int digits);

  SimulatorConfig config_;
  std::map<std::string, ModelPrice> pricing_;
  SimModelProfile default_profile_;
  std::mt19937_64 rng_;
  uint64_t sequence_ = 0;
};

}  // namespace vigil
