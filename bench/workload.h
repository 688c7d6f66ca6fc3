#pragma once
// Deterministic generator of a realistic agent workload for benchmarks: each request is a task
// event, 1–3 inference calls, 0–2 tool calls and sometimes a business outcome, sharing trace and
// request ids. The same (seed, index) always yields the same events.

#include <cstdint>
#include <string>
#include <vector>

#include "model/event.h"

namespace vigil::bench {

// Appends events of consecutive requests until `out` holds at least `count` events; returns
// the next request number to continue from.
// Request r starts at base_ts_ns + r * request_interval_ns.
uint64_t GenerateEvents(uint64_t first_request, size_t count, int64_t base_ts_ns,
                        std::vector<Event>& out, int64_t request_interval_ns = 1'000'000);

// Renders events as NDJSON in the wire form of POST /v1/events.
void AppendNdjson(const Event& e, std::string& out);

}  // namespace vigil::bench
