#include "ingest/pricing.h"

#include <algorithm>
#include <cstdlib>

namespace vigil {
namespace {

int64_t CachedTokens(const Event& e) {
  for (const auto& [key, value] : e.attrs) {
    if (key == "cached_tokens_in") {
      char* end = nullptr;
      const long long n = std::strtoll(value.c_str(), &end, 10);
      if (end != value.c_str() && *end == '\0' && n > 0) return std::min<int64_t>(n, e.tokens_in);
    }
  }
  return 0;
}

}  // namespace

PriceTable::PriceTable(std::map<std::string, ModelPrice> prices)
    : prices_(std::make_shared<const std::map<std::string, ModelPrice>>(std::move(prices))) {}

void PriceTable::Set(std::map<std::string, ModelPrice> prices) {
  auto next = std::make_shared<const std::map<std::string, ModelPrice>>(std::move(prices));
  std::lock_guard<std::mutex> lock(mu_);
  prices_ = std::move(next);
}

double PriceTable::Cost(const ModelPrice& price, int64_t tokens_in, int64_t cached_in,
                        int64_t tokens_out) {
  const double cached_price =
      price.cached_input_per_mtok >= 0 ? price.cached_input_per_mtok : price.input_per_mtok;
  return (static_cast<double>(tokens_in - cached_in) * price.input_per_mtok +
          static_cast<double>(cached_in) * cached_price +
          static_cast<double>(tokens_out) * price.output_per_mtok) /
         1e6;
}

PricingOutcome PriceTable::Apply(std::span<Event> events) const {
  std::shared_ptr<const std::map<std::string, ModelPrice>> prices;
  {
    std::lock_guard<std::mutex> lock(mu_);
    prices = prices_;
  }
  PricingOutcome out;
  for (Event& e : events) {
    if (e.cost_usd != 0 || (e.tokens_in == 0 && e.tokens_out == 0)) continue;
    auto it = prices->find(e.model);
    if (it == prices->end()) {
      e.unpriced = true;
      e.attrs.emplace_back("vigil.cost", "unpriced");
      ++out.unpriced[e.model.empty() ? "(no model)" : e.model];
      continue;
    }
    e.cost_usd = Cost(it->second, e.tokens_in, CachedTokens(e), e.tokens_out);
    e.attrs.emplace_back("vigil.cost", "computed");
    ++out.computed;
  }
  return out;
}

void RecordPricing(const PricingOutcome& outcome, MetricsRegistry& metrics) {
  if (outcome.computed) {
    metrics
        .GetCounter("vigil_cost_computed_events_total",
                    "Events whose cost was computed from the price table at ingest.")
        .Inc(outcome.computed);
  }
  for (const auto& [model, n] : outcome.unpriced) {
    metrics
        .GetCounter("vigil_unpriced_events_total",
                    "Events with tokens but no cost whose model has no price (not counted in "
                    "cost).",
                    {{"model", model}})
        .Inc(n);
  }
}

}  // namespace vigil
