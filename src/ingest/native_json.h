#pragma once
// Decoding of Vigil's native event batches (POST /v1/events): NDJSON or a JSON array of event
// objects, parsed with simdjson's On-Demand API, each event validated (model/event_validate.h).
//
// Contract: DecodeEventBatch never throws. It returns a non-ok Status only when the body as a
// whole cannot be read (an array that is not well-formed JSON); the message names the byte
// offset. Otherwise every document is either an accepted Event or an EventError naming its
// 0-based index in the batch, its 1-based line (NDJSON; 0 for arrays) and the field. A bad
// document never prevents its neighbours from being accepted.
// `body` must have at least kBodyPadding bytes of spare capacity past size() — the decoder
// reserves it (one copy) otherwise. Thread-safety: reentrant; no shared state.

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/event.h"
#include "model/event_validate.h"

namespace vigil {

inline constexpr size_t kBodyPadding = 64;  // == SIMDJSON_PADDING (checked in the .cc)

enum class BatchFormat { kNdjson, kJson };

struct EventError {
  size_t index = 0;
  size_t line = 0;  // 0 when not applicable
  std::string field;
  std::string message;
};

struct DecodeContext {
  int64_t now_ns = 0;  // server time: default ts, and the validity window
  EventLimits limits;
  std::string default_tenant;  // used when an event has no tenant; empty: tenant required
};

struct DecodedBatch {
  std::vector<Event> events;
  std::vector<size_t> event_index;  // position in the batch of each accepted event
  std::vector<EventError> errors;
  size_t documents = 0;  // events + errors
};

Result<DecodedBatch> DecodeEventBatch(std::string& body, BatchFormat format,
                                      const DecodeContext& context);

}  // namespace vigil
