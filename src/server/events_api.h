#pragma once
// POST /v1/events — native telemetry ingest (docs/api.md#post-v1events).
//
// Flow: authenticate (ingest role) → readiness → content type / encoding → decode + validate
// (ingest/native_json.h) → tenant scope → IngestPipeline → reply after the group commit.
// Reply: {"accepted":N,"duplicates":D,"rejected":M,"errors":[…]}; 200 when anything was
// accepted, 400 when nothing was. 413/415/429/503 as documented.

#include <atomic>
#include <functional>

#include "auth/auth.h"
#include "common/clock.h"
#include "config/config.h"
#include "ingest/ingest_pipeline.h"
#include "ingest/pricing.h"
#include "metrics/metrics.h"
#include "redact/redactor.h"
#include "server/http/http_types.h"

namespace vigil {

class EventsApi {
 public:
  EventsApi(const Authenticator& auth, IngestPipeline& pipeline, const Clock& clock,
            const IngestConfig& config, size_t max_body_bytes, const std::atomic<bool>& ready,
            MetricsRegistry& metrics, const PriceTable& prices, const Redactor& redactor);

  void HandlePost(HttpRequest& req, Responder respond);

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
  Counter& accepted_;
  Counter& duplicates_;
  Counter& rejected_;
  Counter& throttled_;
};

}  // namespace vigil
