#pragma once
// The wire form of an event (docs/api.md#events) as POST /v1/events accepts it: what clients
// such as the simulator send, and the base of what GET /v1/events returns.

#include <nlohmann/json.hpp>

#include "model/event.h"

namespace vigil {

// Optional fields are left out when empty or zero; `ts` is unix nanoseconds.
nlohmann::json EventToWireJson(const Event& event);

}  // namespace vigil
