#pragma once
// Decoder of OTLP/HTTP JSON trace exports: the protobuf JSON mapping as OTLP specifies it —
// lowerCamelCase keys (the proto field names are accepted too), trace and span ids as hex,
// 64-bit integers as strings or numbers, enums as integers (or their names), AnyValue variants
// (`stringValue`, `boolValue`, `intValue`, `doubleValue`, `arrayValue`, `kvlistValue`,
// `bytesValue` in base64). Unknown fields are ignored.
//
// Errors (InvalidArgument, → HTTP 400) name the path: "resourceSpans[0].scopeSpans[0].spans[3]
// .startTimeUnixNano: must be an integer". Pure; thread-safe.

#include <string_view>

#include "common/status.h"
#include "otlp/otlp_types.h"

namespace vigil {

Result<OtlpTraceRequest> DecodeOtlpJson(std::string_view text);

// ExportTraceServiceResponse as JSON: "{}" or {"partialSuccess":{"rejectedSpans":"N",
// "errorMessage":"…"}}.
std::string EncodeOtlpJsonResponse(int64_t rejected_spans, const std::string& error_message);

}  // namespace vigil
