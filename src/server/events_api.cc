#include "server/events_api.h"

#include <memory>

#include "common/text.h"
#include "common/gzip.h"
#include "ingest/native_json.h"
#include "server/api_util.h"

namespace vigil {
namespace {

constexpr size_t kMaxReportedErrors = 100;

std::string ReplyBody(size_t accepted, size_t duplicates, const std::vector<EventError>& errors) {
  std::string body = "{\"accepted\":" + std::to_string(accepted) +
                     ",\"duplicates\":" + std::to_string(duplicates) +
                     ",\"rejected\":" + std::to_string(errors.size()) + ",\"errors\":[";
  for (size_t i = 0; i < errors.size() && i < kMaxReportedErrors; ++i) {
    const EventError& e = errors[i];
    if (i > 0) body += ",";
    body += "{\"index\":" + std::to_string(e.index);
    if (e.line > 0) body += ",\"line\":" + std::to_string(e.line);
    body += ",\"field\":\"";
    AppendJsonEscaped(body, e.field);
    body += "\",\"message\":\"";
    AppendJsonEscaped(body, e.message);
    body += "\"}";
  }
  body += "]";
  if (errors.size() > kMaxReportedErrors) body += ",\"errors_truncated\":true";
  body += "}";
  return body;
}

}  // namespace

EventsApi::EventsApi(const Authenticator& auth, IngestPipeline& pipeline, const Clock& clock,
                     const IngestConfig& config, size_t max_body_bytes,
                     const std::atomic<bool>& ready, MetricsRegistry& metrics,
                     const PriceTable& prices, const Redactor& redactor)
    : auth_(auth),
      pipeline_(pipeline),
      clock_(clock),
      config_(config),
      max_body_bytes_(max_body_bytes),
      ready_(ready),
      metrics_(metrics),
      prices_(prices),
      redactor_(redactor),
      accepted_(metrics.GetCounter("vigil_ingest_events_total", "Events received by result.",
                                   {{"result", "stored"}})),
      duplicates_(metrics.GetCounter("vigil_ingest_events_total", "Events received by result.",
                                     {{"result", "duplicate"}})),
      rejected_(metrics.GetCounter("vigil_ingest_events_total", "Events received by result.",
                                   {{"result", "rejected"}})),
      throttled_(metrics.GetCounter("vigil_ingest_throttled_requests_total",
                                    "Ingest requests answered 429 because the queue was full.")) {}

void EventsApi::HandlePost(HttpRequest& req, Responder respond) {
  HttpResponse error;
  const Principal* principal = AuthorizeRequest(auth_, req, Role::kIngest, error);
  if (principal == nullptr) return respond(std::move(error));
  if (!ready_.load()) {
    return respond(ErrorResponse(503, "not_ready", "the store is still opening; retry shortly"));
  }

  const std::string media = MediaType(req.Header("content-type"));
  BatchFormat format;
  if (media == "application/x-ndjson" || media == "application/ndjson" ||
      media == "application/jsonl" || media == "application/x-jsonlines") {
    format = BatchFormat::kNdjson;
  } else if (media == "application/json") {
    format = BatchFormat::kJson;
  } else {
    return respond(
        ErrorResponse(415, "unsupported_media_type",
                      "Content-Type must be application/x-ndjson or application/json, got \"" +
                          std::string(req.Header("content-type")) + "\""));
  }

  std::string decoded;
  std::string* body = &req.body;
  const std::string encoding = AsciiLower(req.Header("content-encoding"));
  if (encoding == "gzip" || encoding == "x-gzip") {
    Result<std::string> inflated = GunzipBounded(req.body, max_body_bytes_, kBodyPadding);
    if (!inflated.ok()) {
      if (inflated.status().code() == Status::Code::kResourceExhausted) {
        return respond(ErrorResponse(413, "payload_too_large", inflated.status().message()));
      }
      return respond(ErrorResponse(400, "invalid_body", inflated.status().message()));
    }
    decoded = std::move(inflated).value();
    body = &decoded;
  } else if (!encoding.empty() && encoding != "identity") {
    return respond(
        ErrorResponse(415, "unsupported_encoding",
                      "Content-Encoding must be gzip or identity, got \"" + encoding + "\""));
  }

  DecodeContext ctx;
  ctx.now_ns = clock_.NowNanos();
  ctx.limits.max_age_ns = config_.max_event_age_ns;
  ctx.limits.max_future_ns = config_.max_event_future_ns;
  ctx.default_tenant = principal->SingleTenant();
  Result<DecodedBatch> batch = DecodeEventBatch(*body, format, ctx);
  if (!batch.ok()) {
    return respond(ErrorResponse(400, "invalid_json", batch.status().message()));
  }
  if (batch->documents == 0) {
    return respond(ErrorResponse(400, "empty_batch", "the body holds no events", "body"));
  }
  // A foreign tenant is an authorization failure, not a data error: refuse the whole request.
  for (size_t i = 0; i < batch->events.size(); ++i) {
    Status scope = Authenticator::RequireTenant(*principal, batch->events[i].tenant);
    if (!scope.ok()) {
      return respond(ErrorResponse(
          403, "permission_denied",
          scope.message() + " (event " + std::to_string(batch->event_index[i]) + ")", "tenant"));
    }
  }
  rejected_.Inc(batch->errors.size());
  if (batch->events.empty()) {
    HttpResponse r;
    r.status = 400;
    r.body = ReplyBody(0, 0, batch->errors);
    return respond(std::move(r));
  }

  // Sensitive data is masked before anything is stored or echoed back.
  RecordRedaction(redactor_.Apply(batch->events), metrics_);
  for (EventError& e : batch->errors) {
    std::vector<std::string> fired;
    redactor_.Mask(e.message, fired);
  }
  RecordPricing(prices_.Apply(batch->events), metrics_);
  auto errors = std::make_shared<std::vector<EventError>>(std::move(batch->errors));
  const size_t valid = batch->events.size();
  auto shared_respond = std::make_shared<Responder>(std::move(respond));
  Status submitted = pipeline_.Submit(
      std::move(batch->events),
      [this, errors, valid, shared_respond](const Result<BatchOutcome>& outcome) {
        if (!outcome.ok()) {
          (*shared_respond)(ErrorResponse(503, "store_unavailable",
                                          "events were not stored: " + outcome.status().message()));
          return;
        }
        accepted_.Inc(outcome->stored);
        duplicates_.Inc(outcome->duplicates);
        HttpResponse r;
        r.body = ReplyBody(valid, outcome->duplicates, *errors);
        (*shared_respond)(std::move(r));
      });
  if (!submitted.ok()) {
    if (submitted.code() == Status::Code::kResourceExhausted) {
      throttled_.Inc();
      return (*shared_respond)(ErrorResponse(429, "queue_full", submitted.message()));
    }
    (*shared_respond)(StatusResponse(submitted));
  }
}

}  // namespace vigil
