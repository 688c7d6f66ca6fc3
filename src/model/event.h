#pragma once
// Event: one step of one agent request — the unit of telemetry Vigil ingests, stores and
// aggregates. See docs/api.md for the wire form.
//
// Identity is (tenant, trace_id, span_id): a re-sent event with the same identity is a duplicate.
// Numeric "measure" fields are ≥ 0; absent optional strings are empty.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil {

enum class Layer : uint8_t { kTask = 0, kInference = 1, kTool = 2, kBusiness = 3 };
inline constexpr int kLayerCount = 4;

std::string_view LayerName(Layer layer);
std::optional<Layer> ParseLayer(std::string_view name);

enum class EventStatus : uint8_t { kOk = 0, kError = 1 };

struct Event {
  int64_t ts_ns = 0;  // unix nanoseconds
  std::string trace_id;
  std::string span_id;
  std::string parent_span_id;
  std::string request_id;
  std::string tenant;
  std::string use_case;
  Layer layer = Layer::kTask;
  std::string release;
  std::string model;
  std::string tool;
  EventStatus status = EventStatus::kOk;
  std::string error_class = "none";  // "class" or "class/detail"
  double latency_ms = 0;
  int64_t tokens_in = 0;
  int64_t tokens_out = 0;
  double cost_usd = 0;
  int64_t retries = 0;
  bool refusal = false;
  std::string idempotency_key;
  std::string metric;  // business layer
  double value = 1;    // business layer
  std::vector<std::pair<std::string, std::string>> attrs;
  // Derived at ingest, not sent by clients: the tool call reused an idempotency key of another
  // request, or reported error_class idempotency_collision.
  bool idempotency_collision = false;
  // Derived at ingest from the price table: the event carried tokens but no cost and its model
  // has no price (counted, never guessed). A computed cost is marked in attrs (vigil.cost).
  bool unpriced = false;
};

}  // namespace vigil
