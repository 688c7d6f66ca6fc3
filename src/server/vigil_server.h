#pragma once
// VigilServer: wires the configured components into one running process — HTTP API, auth,
// SQLite stores, the ingest pipeline — and owns their lifetimes.
//
// Startup: Start() binds the listener first (so /healthz and /readyz answer at once, 503 until
// ready), writes the bound address to DATA/vigil.addr, then opens and migrates the stores on a
// background thread (retrying while another process holds the database lock) and turns ready.
// Shutdown(): stops accepting, drains the ingest queue (every accepted batch is committed and
// answered), then stops the HTTP threads.
// Thread-safety: Start/Shutdown/WaitForFatal from the controlling thread.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "alerting/action_dispatcher.h"
#include "auth/auth.h"
#include "common/clock.h"
#include "config/config.h"
#include "incidents/incident_service.h"
#include "ingest/collision_detector.h"
#include "ingest/ingest_pipeline.h"
#include "metrics/metrics.h"
#include "notify/outbox_notifier.h"
#include "release/audit_log.h"
#include "release/release_registry.h"
#include "release/release_route_control.h"
#include "release/route_hub.h"
#include "server/alerting_runtime.h"
#include "server/alertmanager_api.h"
#include "server/alerts_api.h"
#include "server/drill_env_impl.h"
#include "server/drills_api.h"
#include "server/evals_api.h"
#include "server/events_api.h"
#include "server/http/http_server.h"
#include "server/incidents_api.h"
#include "server/learning.h"
#include "server/otlp_api.h"
#include "server/postmortems_api.h"
#include "server/read_api.h"
#include "server/releases_api.h"
#include "server/router.h"
#include "server/routes_api.h"
#include "server/static_site.h"
#include "storage/sqlite/sqlite_event_store.h"
#include "storage/state_store.h"

namespace vigil {

struct ServeOptions {
  std::string config_path;  // re-read by Reload()
  std::string data_dir = "data";
  std::string listen_override;  // --listen
  std::string web_dir;          // --web-dir; empty: `web` beside the binary
};

class VigilServer {
 public:
  // Validates what can be checked before binding (auth secrets, listen address, data dir).
  static Result<std::unique_ptr<VigilServer>> Create(Config config, ServeOptions options,
                                                     const Clock& clock);
  ~VigilServer();

  Status Start();
  void Shutdown();
  // Re-reads the config file and applies what can change while running (alerting rules, action
  // map, evaluation interval, release_control, new use cases and releases); windows and alert
  // state of unchanged rules survive. A file with problems changes nothing: the problems are
  // returned (as InvalidArgument) and logged. Audited with `actor`.
  Status Reload(const std::string& actor, std::vector<std::string>* applied = nullptr);
  // Blocks until a fatal error (e.g. the store cannot be opened) or `stop` becomes true;
  // returns the fatal error or Ok.
  Status Wait(const std::atomic<bool>& stop);

  uint16_t port() const { return port_; }
  uint16_t otlp_port() const { return otlp_port_; }  // 0 without server.otlp_listen
  bool ready() const { return ready_.load(); }
  std::string sqlite_path() const { return sqlite_path_; }

 private:
  VigilServer(Config config, ServeOptions options, const Clock& clock, Authenticator auth,
              std::unique_ptr<Redactor> redactor);
  void RegisterRoutes();
  // Postmortem, knowledge-base and gate routes; the learning loop (vigil_server_learning.cc).
  void RegisterLearningRoutes();
  bool OpenLearning();
  // POST /v1/traces on the main router, and the optional OTLP listener (vigil_server_otlp.cc).
  void RegisterOtlpRoutes();
  // The dashboard's files at / and GET /v1/whoami (vigil_server_web.cc).
  void RegisterWebRoutes();
  Status StartOtlpListener();
  void OpenStores();
  // The SQLite state store and the event store of config_.storage (vigil_server_storage.cc),
  // waiting while the file is locked or ClickHouse does not answer; false when shutting down or
  // after Fail().
  bool OpenStateAndEventStores();
  void SetStartupDetail(std::string detail);
  std::string ResolveDataPath(const std::string& path) const;
  // Audit log, release registry (bootstrapped from the config) and its wiring; false on failure.
  bool OpenReleases();
  void Fail(Status status);
  // One alert transition into incidents and the action map (rules and external alerts alike).
  void HandleTransition(const AlertTransition& t, const RuleSpec& rule);

  Config config_;
  ServeOptions options_;
  const Clock& clock_;
  Authenticator auth_;
  std::string sqlite_path_;
  MetricsRegistry metrics_;
  Router router_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<EventStore> event_store_;
  std::unique_ptr<StateStore> state_store_;
  std::unique_ptr<StoreWriter> store_writer_;
  std::unique_ptr<CollisionDetector> collisions_;
  std::unique_ptr<ReadApi> read_api_;
  std::unique_ptr<AlertingRuntime> alerting_;
  std::unique_ptr<AlertsApi> alerts_api_;
  RouteHub route_hub_;
  std::unique_ptr<AuditLog> audit_;
  std::atomic<AuditLog*> audit_ready_{nullptr};
  std::unique_ptr<ReleaseRegistry> releases_;
  std::atomic<ReleaseRegistry*> releases_ready_{nullptr};
  std::unique_ptr<ReleaseRouteControl> route_control_;
  std::unique_ptr<ReleasesApi> releases_api_;
  std::unique_ptr<RoutesApi> routes_api_;
  std::unique_ptr<ServerDrillEnv> drill_env_;
  std::unique_ptr<DrillRunner> drills_;
  std::atomic<DrillRunner*> drills_ready_{nullptr};
  std::unique_ptr<DrillsApi> drills_api_;
  std::unique_ptr<EvalStore> evals_;
  std::atomic<EvalStore*> evals_ready_{nullptr};
  std::unique_ptr<EvalsApi> evals_api_;
  std::unique_ptr<LearningLoop> learning_;
  std::atomic<LearningLoop*> learning_ready_{nullptr};
  std::unique_ptr<PostmortemsApi> postmortems_api_;
  std::unique_ptr<OutboxNotifier> notifier_;
  std::unique_ptr<ActionDispatcher> dispatcher_;
  std::unique_ptr<IncidentService> incidents_;
  std::atomic<IncidentService*> incidents_ready_{nullptr};
  std::unique_ptr<IncidentsApi> incidents_api_;
  std::unique_ptr<AlertmanagerApi> alertmanager_api_;
  std::atomic<EventStore*> store_for_reads_{nullptr};
  std::unique_ptr<IngestPipeline> pipeline_;
  PriceTable prices_;
  StaticSite site_;
  std::unique_ptr<Redactor> redactor_;
  std::unique_ptr<EventsApi> events_api_;
  std::unique_ptr<OtlpApi> otlp_api_;
  Router otlp_router_;
  std::unique_ptr<HttpServer> otlp_http_;
  uint16_t otlp_port_ = 0;
  std::thread opener_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> shutting_down_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  Status fatal_;
  std::string startup_detail_ = "opening the store";
  uint16_t port_ = 0;
};

}  // namespace vigil
