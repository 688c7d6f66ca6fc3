#pragma once
// PriceTable: the config's `pricing` applied at ingest (native and OTLP alike). An event that
// carries tokens but no cost gets its cost computed from its model's prices and is marked
// (attrs["vigil.cost"] = "computed"); when its model has no price it is marked unpriced
// (Event::unpriced, attrs["vigil.cost"] = "unpriced") and counted — in /metrics
// (vigil_unpriced_events_total{model}) and through rollups in the summary — never guessed.
// Model names match exactly. Cached input tokens come from attrs["cached_tokens_in"].
// Thread-safety: Apply() from any thread; Set() swaps the table atomically (config reload).

#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "config/config.h"
#include "metrics/metrics.h"
#include "model/event.h"

namespace vigil {

struct PricingOutcome {
  size_t computed = 0;
  std::map<std::string, size_t> unpriced;  // model → events
};

class PriceTable {
 public:
  explicit PriceTable(std::map<std::string, ModelPrice> prices = {});
  void Set(std::map<std::string, ModelPrice> prices);
  PricingOutcome Apply(std::span<Event> events) const;
  // USD for the tokens at `price` (cached input at its own price when given).
  static double Cost(const ModelPrice& price, int64_t tokens_in, int64_t cached_in,
                     int64_t tokens_out);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const std::map<std::string, ModelPrice>> prices_;
};

// Counts an Apply() outcome: vigil_cost_computed_events_total, vigil_unpriced_events_total{model}.
void RecordPricing(const PricingOutcome& outcome, MetricsRegistry& metrics);

}  // namespace vigil
