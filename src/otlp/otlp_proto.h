#pragma once
// Decoder of OTLP/HTTP protobuf trace exports (ExportTraceServiceRequest), written by hand from
// the protobuf wire format and the opentelemetry-proto field numbers — no generated code, no
// libprotobuf (docs/architecture.md says why). Unknown fields are skipped, as protobuf requires;
// deprecated `instrumentation_library_spans` (field 1000) is read like scope_spans.
//
// Errors (InvalidArgument, → HTTP 400): truncated input, a bad varint, a length past the end,
// wire types that do not match a known field, nesting deeper than 32 (AnyValue recursion),
// strings that are not UTF-8, ids of the wrong length. Pure; thread-safe.
// Also the encoder of the reply (ExportTraceServiceResponse with partial_success).

#include <string>
#include <string_view>

#include "common/status.h"
#include "otlp/otlp_types.h"

namespace vigil {

Result<OtlpTraceRequest> DecodeOtlpProto(std::string_view bytes);

// ExportTraceServiceResponse: empty when nothing was rejected, else partial_success
// {rejected_spans, error_message}.
std::string EncodeOtlpProtoResponse(int64_t rejected_spans, const std::string& error_message);

}  // namespace vigil
