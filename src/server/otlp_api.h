#pragma once
// POST /v1/traces — OTLP/HTTP trace export (docs/otlp.md), on the main listener and on the
// optional OTLP listener (server.otlp_listen).
//
// Content-Type application/x-protobuf or application/json (the reply uses the same);
// Content-Encoding gzip or identity. Auth as /v1/events: a Bearer token with the ingest role;
// the tenant is the token's when it has one, else vigil.tenant. Spans are mapped to events
// (otlp/otlp_mapping.h) and go through the same pipeline as native events (validation, store,
// windows, alerting); span ids are the identity, so an exporter's retry is stored once.
// Replies: 200 (with partialSuccess {rejectedSpans, errorMessage} naming the first reasons when
// some spans were rejected); 400 undecodable body (not retryable); 401/403; 413 past the size
// limit; 415; 429 queue full and 503 not ready or store failing, both with Retry-After. Error
// bodies are google.rpc.Status in the request's content type.

#include <atomic>

#include "auth/auth.h"
#include "common/clock.h"
#include "config/config.h"
#include "ingest/ingest_pipeline.h"
#include "ingest/pricing.h"
#include "metrics/metrics.h"
#include "redact/redactor.h"
#include "server/http/http_types.h"

namespace vigil {

class OtlpApi {
 public:
  OtlpApi(const Authenticator& auth, IngestPipeline& pipeline, const Clock& clock,
          const IngestConfig& config, size_t max_body_bytes, const std::atomic<bool>& ready,
          MetricsRegistry& metrics, const PriceTable& prices, const Redactor& redactor);
  void HandlePost(HttpRequest& req, Responder respond);

  static constexpr size_t kReasonsInMessage = 3;

 private:
  const Authenticator& auth_;
  IngestPipeline& pipeline_;
  const Clock& clock_;
  const IngestConfig config_;
  const size_t max_body_bytes_;
  const std::atomic<bool>& ready_;
  MetricsRegistry& metrics_;
  const PriceTable& prices_;
  const Redactor& redactor_;
  Counter& spans_accepted_;
  Counter& spans_rejected_;
  Counter& stored_;
  Counter& duplicates_;
  Counter& throttled_;
};

}  // namespace vigil
