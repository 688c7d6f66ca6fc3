#pragma once
// Maps OTLP spans to Vigil events, one span → one event (docs/otlp.md has the table):
//   layer      gen_ai.operation.name: chat | text_completion | generate_content | embeddings →
//              inference; execute_tool → tool; invoke_agent | invoke_workflow → task;
//              vigil.business.metric → business; vigil.layer overrides; a root span → task
//   use case   vigil.use_case (span, then resource), else the resource's service.name
//   tenant     the token's tenant when it has one, else vigil.tenant (span, then resource)
//   release    vigil.release, else service.version
//   model      gen_ai.response.model, else gen_ai.request.model;  tool: gen_ai.tool.name
//   tokens     gen_ai.usage.input_tokens / output_tokens (or prompt_tokens / completion_tokens)
//   status     error when the span status is ERROR or error.type is set; error_class from
//              vigil.error_class, else error.type mapped to the vocabulary (timeouts, 429,
//              5xx, 401/403, …) with the raw value kept as "class/detail"
//   refusal    gen_ai.response.finish_reasons contains content_filter
//   ts         the span's end; latency_ms = end − start; ids as hex
//   vigil.*    request_id (default: the one a span of the same trace in the export carries,
//              else the trace id), cost_usd, retries, idempotency_key,
//              business.value
// Every mapped event is validated like a native one; a span that cannot be mapped or fails
// validation is rejected with a reason naming the span and the field. Pure; thread-safe.

#include <string>
#include <vector>

#include "model/event.h"
#include "model/event_validate.h"
#include "otlp/otlp_types.h"

namespace vigil {

struct OtlpMapContext {
  int64_t now_ns = 0;
  EventLimits limits;
  std::string token_tenant;  // the token's single tenant; "" when it spans tenants
};

struct OtlpMapped {
  std::vector<Event> events;
  // Per event: the span's text that is not stored (every string attribute, span event names and
  // attributes, the status message), for redaction to scan.
  std::vector<std::string> free_text;
  std::vector<std::string> rejections;  // one reason per rejected span
  size_t spans = 0;
  // Set when a span names a tenant the token may not write: the whole request is refused.
  std::string foreign_tenant;
};

OtlpMapped MapOtlpToEvents(const OtlpTraceRequest& request, const OtlpMapContext& context);

// error.type (or an HTTP status) → an error_class of the vocabulary, "class/detail" when the
// raw value says more than the class.
std::string MapErrorType(const std::string& raw, Layer layer);

}  // namespace vigil
