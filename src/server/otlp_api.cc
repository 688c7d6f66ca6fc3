#include "server/otlp_api.h"

#include <memory>

#include "common/text.h"
#include "common/gzip.h"
#include "otlp/otlp_json.h"
#include "otlp/otlp_mapping.h"
#include "otlp/otlp_proto.h"
#include "server/api_util.h"

namespace vigil {
namespace {

enum class Wire { kProto, kJson };

// google.rpc.Status codes for the HTTP statuses OTLP uses.
int RpcCode(int http_status) {
  switch (http_status) {
    case 400:
      return 3;  // INVALID_ARGUMENT
    case 401:
      return 16;  // UNAUTHENTICATED
    case 403:
      return 7;  // PERMISSION_DENIED
    case 413:
      return 11;  // OUT_OF_RANGE
    case 415:
      return 3;
    case 429:
      return 8;  // RESOURCE_EXHAUSTED
    default:
      return 14;  // UNAVAILABLE
  }
}

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

HttpResponse Error(Wire wire, int http_status, const std::string& message) {
  HttpResponse r;
  r.status = http_status;
  const int code = RpcCode(http_status);
  if (wire == Wire::kProto) {
    r.content_type = "application/x-protobuf";
    PutVarint(r.body, (1 << 3) | 0);
    PutVarint(r.body, static_cast<uint64_t>(code));
    PutVarint(r.body, (2 << 3) | 2);
    PutVarint(r.body, message.size());
    r.body += message;
  } else {
    r.body = "{\"code\":" + std::to_string(code) + ",\"message\":\"";
    AppendJsonEscaped(r.body, message);
    r.body += "\"}";
  }
  if (http_status == 429 || http_status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

// An error reply from the shared helpers, re-encoded for OTLP clients.
HttpResponse Reencode(Wire wire, const HttpResponse& generic) {
  std::string message = generic.body;
  const size_t at = generic.body.find("\"message\":\"");
  if (at != std::string::npos) {
    const size_t start = at + 11;
    const size_t end = generic.body.find('"', start);
    message =
        generic.body.substr(start, end == std::string::npos ? std::string::npos : end - start);
  }
  HttpResponse r = Error(wire, generic.status, message);
  for (const auto& h : generic.headers) {
    if (AsciiLower(h.first) == "www-authenticate") r.headers.push_back(h);
  }
  return r;
}

}  // namespace

OtlpApi::OtlpApi(const Authenticator& auth, IngestPipeline& pipeline, const Clock& clock,
                 const IngestConfig& config, size_t max_body_bytes, const std::atomic<bool>& ready,
                 MetricsRegistry& metrics, const PriceTable& prices, const Redactor& redactor)
    : auth_(auth),
      pipeline_(pipeline),
      clock_(clock),
      config_(config),
      max_body_bytes_(max_body_bytes),
      ready_(ready),
      metrics_(metrics),
      prices_(prices),
      redactor_(redactor),
      spans_accepted_(metrics.GetCounter("vigil_otlp_spans_total", "OTLP spans received by result.",
                                         {{"result", "accepted"}})),
      spans_rejected_(metrics.GetCounter("vigil_otlp_spans_total", "OTLP spans received by result.",
                                         {{"result", "rejected"}})),
      stored_(metrics.GetCounter("vigil_ingest_events_total", "Events received by result.",
                                 {{"result", "stored"}})),
      duplicates_(metrics.GetCounter("vigil_ingest_events_total", "Events received by result.",
                                     {{"result", "duplicate"}})),
      throttled_(metrics.GetCounter("vigil_ingest_throttled_requests_total",
                                    "Ingest requests answered 429 because the queue was full.")) {}

void OtlpApi::HandlePost(HttpRequest& req, Responder respond) {
  const std::string media = MediaType(req.Header("content-type"));
  Wire wire;
  if (media == "application/x-protobuf" || media == "application/protobuf") {
    wire = Wire::kProto;
  } else if (media == "application/json") {
    wire = Wire::kJson;
  } else {
    return respond(Error(Wire::kJson, 415,
                         "Content-Type must be application/x-protobuf or application/json, got \"" +
                             std::string(req.Header("content-type")) + "\""));
  }
  HttpResponse auth_error;
  const Principal* principal = AuthorizeRequest(auth_, req, Role::kIngest, auth_error);
  if (principal == nullptr) return respond(Reencode(wire, auth_error));
  if (!ready_.load()) {
    return respond(Error(wire, 503, "the store is still opening; retry shortly"));
  }

  std::string inflated;
  std::string_view body = req.body;
  const std::string encoding = AsciiLower(req.Header("content-encoding"));
  if (encoding == "gzip" || encoding == "x-gzip") {
    Result<std::string> out = GunzipBounded(req.body, max_body_bytes_, 0);
    if (!out.ok()) {
      const bool too_big = out.status().code() == Status::Code::kResourceExhausted;
      return respond(Error(wire, too_big ? 413 : 400, out.status().message()));
    }
    inflated = std::move(out).value();
    body = inflated;
  } else if (!encoding.empty() && encoding != "identity") {
    return respond(
        Error(wire, 415, "Content-Encoding must be gzip or identity, got \"" + encoding + "\""));
  }

  Result<OtlpTraceRequest> decoded =
      wire == Wire::kProto ? DecodeOtlpProto(body) : DecodeOtlpJson(body);
  if (!decoded.ok()) return respond(Error(wire, 400, decoded.status().message()));

  OtlpMapContext ctx;
  ctx.now_ns = clock_.NowNanos();
  ctx.limits.max_age_ns = config_.max_event_age_ns;
  ctx.limits.max_future_ns = config_.max_event_future_ns;
  ctx.token_tenant = principal->SingleTenant();
  OtlpMapped mapped = MapOtlpToEvents(*decoded, ctx);
  if (!mapped.foreign_tenant.empty()) {
    return respond(
        Error(wire, 403, "this token may not write tenant \"" + mapped.foreign_tenant + "\""));
  }
  // A token for several (not all) tenants may write only those it names.
  for (const Event& e : mapped.events) {
    Status scope = Authenticator::RequireTenant(*principal, e.tenant);
    if (!scope.ok()) return respond(Error(wire, 403, scope.message()));
  }
  // Sensitive data is masked before anything is stored or echoed back; text that is not stored
  // (span events, message content) is scanned so it still counts.
  if (redactor_.active()) {
    std::vector<std::vector<std::string>> unstored(mapped.events.size());
    for (size_t i = 0; i < mapped.free_text.size() && i < unstored.size(); ++i) {
      redactor_.Mask(mapped.free_text[i], unstored[i]);
    }
    RecordRedaction(redactor_.Apply(mapped.events, &unstored), metrics_);
    for (std::string& reason : mapped.rejections) {
      std::vector<std::string> fired;
      redactor_.Mask(reason, fired);
    }
  }
  spans_rejected_.Inc(mapped.rejections.size());
  std::string message;
  for (size_t i = 0; i < mapped.rejections.size() && i < kReasonsInMessage; ++i) {
    message += (i ? "; " : "") + mapped.rejections[i];
  }
  if (mapped.rejections.size() > kReasonsInMessage) {
    message += " (and " + std::to_string(mapped.rejections.size() - kReasonsInMessage) + " more)";
  }
  const int64_t rejected = static_cast<int64_t>(mapped.rejections.size());
  auto reply = [wire, rejected, message]() {
    HttpResponse r;
    if (wire == Wire::kProto) {
      r.content_type = "application/x-protobuf";
      r.body = EncodeOtlpProtoResponse(rejected, message);
    } else {
      r.body = EncodeOtlpJsonResponse(rejected, message);
    }
    return r;
  };
  if (mapped.events.empty()) return respond(reply());

  RecordPricing(prices_.Apply(mapped.events), metrics_);
  const size_t accepted = mapped.events.size();
  auto shared_respond = std::make_shared<Responder>(std::move(respond));
  Status submitted = pipeline_.Submit(
      std::move(mapped.events),
      [this, wire, accepted, reply, shared_respond](const Result<BatchOutcome>& outcome) {
        if (!outcome.ok()) {
          (*shared_respond)(
              Error(wire, 503, "spans were not stored: " + outcome.status().message()));
          return;
        }
        spans_accepted_.Inc(accepted);
        stored_.Inc(outcome->stored);
        duplicates_.Inc(outcome->duplicates);
        (*shared_respond)(reply());
      });
  if (!submitted.ok()) {
    if (submitted.code() == Status::Code::kResourceExhausted) {
      throttled_.Inc();
      return (*shared_respond)(Error(wire, 429, submitted.message()));
    }
    (*shared_respond)(Error(wire, 503, submitted.message()));
  }
}

}  // namespace vigil
