// VigilServer: OpenTelemetry in — POST /v1/traces on the main listener and, when
// server.otlp_listen is set (conventionally 127.0.0.1:4318), on a listener of its own that
// serves only the OTLP path and /healthz, so an exporter's default endpoint works unchanged.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "server/vigil_server.h"

namespace vigil {

void VigilServer::RegisterOtlpRoutes() {
  otlp_api_ = std::make_unique<OtlpApi>(auth_, *pipeline_, clock_, config_.ingest,
                                        static_cast<size_t>(config_.server.max_body_bytes), ready_,
                                        metrics_, prices_, *redactor_);
  auto traces = [this](HttpRequest& req, Responder respond) {
    otlp_api_->HandlePost(req, std::move(respond));
  };
  router_.Add("POST", "/v1/traces", traces);
  otlp_router_.Add("POST", "/v1/traces", traces);
  otlp_router_.Add("GET", "/healthz", [](HttpRequest&, Responder respond) {
    HttpResponse r;
    r.body = "{\"status\":\"ok\"}";
    respond(std::move(r));
  });
}

Status VigilServer::StartOtlpListener() {
  if (config_.server.otlp_listen.empty()) return Status::Ok();
  HttpServerOptions options;
  VIGIL_RETURN_IF_ERROR(ParseListenAddress(config_.server.otlp_listen, options.host, options.port));
  options.threads = 1;  // decoding is cheap; the pipeline does the work
  options.max_body_bytes = static_cast<size_t>(config_.server.max_body_bytes);
  otlp_http_ = std::make_unique<HttpServer>(options, [this](HttpRequest& req, Responder respond) {
    otlp_router_.Dispatch(req, std::move(respond));
  });
  Result<uint16_t> port = otlp_http_->Start();
  if (!port.ok()) {
    return Status::Unavailable("cannot listen for OTLP on " + config_.server.otlp_listen + ": " +
                               port.status().message());
  }
  otlp_port_ = *port;
  const std::string address = options.host + ":" + std::to_string(otlp_port_);
  const std::string file = (std::filesystem::path(options_.data_dir) / "vigil-otlp.addr").string();
  std::ofstream(file + ".tmp") << address << "\n";
  std::filesystem::rename(file + ".tmp", file);
  spdlog::info("OTLP/HTTP listening on http://{}/v1/traces", address);
  return Status::Ok();
}

}  // namespace vigil
