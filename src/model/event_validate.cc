#include "model/event_validate.h"

#include <cmath>
#include <string>

#include "common/text.h"
#include "common/time_util.h"
#include "model/error_class.h"

namespace vigil {
namespace {

Status CheckId(std::string_view value, const char* field, bool required,
               const EventLimits& limits) {
  if (value.empty()) {
    return required ? Status::InvalidArgument("required", field) : Status::Ok();
  }
  if (value.size() > limits.max_id_bytes) {
    return Status::InvalidArgument("longer than " + std::to_string(limits.max_id_bytes) + " bytes",
                                   field);
  }
  if (!IsIdentifierText(value)) {
    return Status::InvalidArgument("may contain only [A-Za-z0-9._:-]", field);
  }
  return Status::Ok();
}

Status CheckName(std::string_view value, const char* field, bool required, size_t max_bytes) {
  if (value.empty()) {
    return required ? Status::InvalidArgument("required", field) : Status::Ok();
  }
  if (value.size() > max_bytes) {
    return Status::InvalidArgument("longer than " + std::to_string(max_bytes) + " bytes", field);
  }
  if (!IsValidUtf8(value)) return Status::InvalidArgument("not valid UTF-8", field);
  if (!HasNoControlChars(value)) {
    return Status::InvalidArgument("must not contain control characters", field);
  }
  return Status::Ok();
}

Status CheckMeasure(double value, const char* field) {
  if (!std::isfinite(value)) return Status::InvalidArgument("must be a finite number", field);
  if (value < 0) return Status::InvalidArgument("must be ≥ 0", field);
  return Status::Ok();
}

}  // namespace

Status ValidateEvent(const Event& e, bool status_given, int64_t now_ns, const EventLimits& limits) {
  VIGIL_RETURN_IF_ERROR(CheckId(e.trace_id, "trace_id", true, limits));
  VIGIL_RETURN_IF_ERROR(CheckId(e.span_id, "span_id", true, limits));
  VIGIL_RETURN_IF_ERROR(CheckId(e.parent_span_id, "parent_span_id", false, limits));
  VIGIL_RETURN_IF_ERROR(CheckName(e.tenant, "tenant", true, limits.max_name_bytes));

  const bool is_task = e.layer == Layer::kTask;
  VIGIL_RETURN_IF_ERROR(CheckName(e.request_id, "request_id", is_task, limits.max_name_bytes));
  VIGIL_RETURN_IF_ERROR(CheckName(e.use_case, "use_case", is_task, limits.max_name_bytes));
  if (is_task && !status_given) return Status::InvalidArgument("required", "status");
  VIGIL_RETURN_IF_ERROR(CheckName(e.release, "release", false, limits.max_name_bytes));
  VIGIL_RETURN_IF_ERROR(
      CheckName(e.model, "model", e.layer == Layer::kInference, limits.max_name_bytes));
  VIGIL_RETURN_IF_ERROR(CheckName(e.tool, "tool", e.layer == Layer::kTool, limits.max_name_bytes));
  VIGIL_RETURN_IF_ERROR(
      CheckName(e.metric, "metric", e.layer == Layer::kBusiness, limits.max_name_bytes));
  VIGIL_RETURN_IF_ERROR(
      CheckName(e.idempotency_key, "idempotency_key", false, limits.max_string_bytes));

  Status ec = ValidateErrorClass(e.error_class);
  if (!ec.ok()) return Status::InvalidArgument(ec.message(), "error_class");
  if (e.status == EventStatus::kError && ErrorClassBase(e.error_class) == "none") {
    return Status::InvalidArgument("status \"error\" needs an error_class other than \"none\"",
                                   "error_class");
  }

  VIGIL_RETURN_IF_ERROR(CheckMeasure(e.latency_ms, "latency_ms"));
  VIGIL_RETURN_IF_ERROR(CheckMeasure(e.cost_usd, "cost_usd"));
  if (e.tokens_in < 0) return Status::InvalidArgument("must be ≥ 0", "tokens_in");
  if (e.tokens_out < 0) return Status::InvalidArgument("must be ≥ 0", "tokens_out");
  if (e.retries < 0) return Status::InvalidArgument("must be ≥ 0", "retries");
  if (!std::isfinite(e.value)) return Status::InvalidArgument("must be a finite number", "value");

  if (e.ts_ns < now_ns - limits.max_age_ns) {
    return Status::InvalidArgument("timestamp " + FormatRfc3339(e.ts_ns) +
                                       " is older than the accepted " +
                                       FormatDuration(limits.max_age_ns),
                                   "ts");
  }
  if (e.ts_ns > now_ns + limits.max_future_ns) {
    return Status::InvalidArgument("timestamp " + FormatRfc3339(e.ts_ns) + " is more than " +
                                       FormatDuration(limits.max_future_ns) + " in the future",
                                   "ts");
  }

  if (e.attrs.size() > limits.max_attrs) {
    return Status::InvalidArgument("at most " + std::to_string(limits.max_attrs) + " attributes",
                                   "attrs");
  }
  for (const auto& [key, value] : e.attrs) {
    std::string field = "attrs." + key;
    if (key.empty()) return Status::InvalidArgument("empty attribute name", "attrs");
    VIGIL_RETURN_IF_ERROR(CheckName(key, "attrs", true, limits.max_name_bytes));
    Status st = CheckName(value, "", false, limits.max_string_bytes);
    if (!st.ok()) return Status::InvalidArgument(st.message(), field);
  }
  return Status::Ok();
}

}  // namespace vigil
