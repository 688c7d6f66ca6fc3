#pragma once
// The parts of an OTLP trace export (ExportTraceServiceRequest, opentelemetry-proto
// trace/v1, common/v1, resource/v1) that Vigil reads, decoded from protobuf or from the OTLP
// JSON mapping into the same plain values. Ids are lower-case hex; times are unix nanoseconds.

#include <cstdint>
#include <string>
#include <vector>

namespace vigil {

struct OtlpKeyValue;

// AnyValue: exactly one of the variants (kind says which); kEmpty when no value was set.
struct OtlpValue {
  enum class Kind : uint8_t { kEmpty, kString, kBool, kInt, kDouble, kArray, kKvList, kBytes };
  Kind kind = Kind::kEmpty;
  std::string str;  // kString; kBytes (raw bytes)
  bool boolean = false;
  int64_t integer = 0;
  double number = 0;
  std::vector<OtlpValue> array;
  std::vector<OtlpKeyValue> kvlist;
  // The value as text for a Vigil field: strings as they are, numbers and booleans printed,
  // arrays and lists as JSON, bytes as hex.
  std::string ToText() const;
};

struct OtlpKeyValue {
  std::string key;
  OtlpValue value;
};

struct OtlpSpanEvent {
  uint64_t time_ns = 0;
  std::string name;
  std::vector<OtlpKeyValue> attributes;
};

struct OtlpSpan {
  std::string trace_id, span_id, parent_span_id;  // hex; parent empty for a root
  std::string name;
  int kind = 0;  // SpanKind
  uint64_t start_ns = 0, end_ns = 0;
  std::vector<OtlpKeyValue> attributes;
  std::vector<OtlpSpanEvent> events;
  int status_code = 0;  // 0 unset, 1 ok, 2 error
  std::string status_message;
};

struct OtlpScopeSpans {
  std::string scope_name, scope_version;
  std::vector<OtlpSpan> spans;
};

struct OtlpResourceSpans {
  std::vector<OtlpKeyValue> resource_attributes;
  std::vector<OtlpScopeSpans> scopes;
};

struct OtlpTraceRequest {
  std::vector<OtlpResourceSpans> resources;
  size_t SpanCount() const;
};

// The attribute named `key`, or null.
const OtlpValue* FindAttribute(const std::vector<OtlpKeyValue>& attributes, std::string_view key);

}  // namespace vigil
