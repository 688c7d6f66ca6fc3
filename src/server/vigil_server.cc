#include "server/vigil_server.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/time_util.h"
#include "server/api_util.h"
#include "server/diagnose_api.h"

namespace vigil {
namespace {

// Reads a "VmRSS:" style line of /proc/self/status, in bytes.
double ProcStatusBytes(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const size_t key_len = std::strlen(key);
  while (std::getline(in, line)) {
    if (line.compare(0, key_len, key) == 0) {
      return std::strtod(line.c_str() + key_len, nullptr) * 1024.0;
    }
  }
  return 0;
}

std::string ResolvePath(const std::string& data_dir, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_absolute()) return path;
  return (std::filesystem::path(data_dir) / p).string();
}

}  // namespace

Result<std::unique_ptr<VigilServer>> VigilServer::Create(Config config, ServeOptions options,
                                                         const Clock& clock) {
  Result<Authenticator> auth = Authenticator::Create(
      config.tokens, [](const char* name) { return static_cast<const char*>(std::getenv(name)); });
  if (!auth.ok()) return auth.status();
  if (!options.listen_override.empty()) config.server.listen = options.listen_override;
  std::string host;
  uint16_t port;
  VIGIL_RETURN_IF_ERROR(ParseListenAddress(config.server.listen, host, port));
  if (!config.server.otlp_listen.empty()) {
    Status otlp = ParseListenAddress(config.server.otlp_listen, host, port);
    if (!otlp.ok()) return Status::InvalidArgument("server.otlp_listen: " + otlp.message());
  }
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return Status::InvalidArgument("cannot create data directory " + options.data_dir + ": " +
                                   ec.message());
  }
  Result<std::unique_ptr<Redactor>> redactor = Redactor::Create(config.redaction);
  if (!redactor.ok()) return redactor.status();
  return std::unique_ptr<VigilServer>(new VigilServer(std::move(config), std::move(options), clock,
                                                      std::move(auth).value(),
                                                      std::move(redactor).value()));
}

VigilServer::VigilServer(Config config, ServeOptions options, const Clock& clock,
                         Authenticator auth, std::unique_ptr<Redactor> redactor)
    : config_(std::move(config)),
      options_(std::move(options)),
      clock_(clock),
      auth_(std::move(auth)),
      prices_(config_.pricing),
      redactor_(std::move(redactor)) {
  sqlite_path_ = ResolvePath(options_.data_dir, config_.storage.sqlite_path);
  IngestPipelineOptions pipeline_options;
  pipeline_options.queue_max_events = static_cast<size_t>(config_.ingest.queue_max_events);
  pipeline_options.commit_max_events = static_cast<size_t>(config_.ingest.commit_max_events);
  pipeline_ = std::make_unique<IngestPipeline>(pipeline_options, clock_, &metrics_);
  events_api_ = std::make_unique<EventsApi>(auth_, *pipeline_, clock_, config_.ingest,
                                            static_cast<size_t>(config_.server.max_body_bytes),
                                            ready_, metrics_, prices_, *redactor_);
  collisions_ = std::make_unique<CollisionDetector>(CollisionDetectorOptions{}, &metrics_);
  read_api_ =
      std::make_unique<ReadApi>(auth_, store_for_reads_, clock_, config_.use_cases, &route_hub_);
  releases_api_ = std::make_unique<ReleasesApi>(auth_, releases_ready_, audit_ready_, clock_,
                                                config_.release_control);
  routes_api_ = std::make_unique<RoutesApi>(auth_, route_hub_, ready_, metrics_);
  drills_api_ = std::make_unique<DrillsApi>(auth_, drills_ready_);
  evals_api_ = std::make_unique<EvalsApi>(auth_, evals_ready_);
  postmortems_api_ = std::make_unique<PostmortemsApi>(auth_, learning_ready_, clock_);
  releases_api_->SetGate(&learning_ready_);
  alerting_ = std::make_unique<AlertingRuntime>(config_.alerting, clock_, metrics_);
  alerts_api_ = std::make_unique<AlertsApi>(auth_, *alerting_);
  incidents_api_ =
      std::make_unique<IncidentsApi>(auth_, incidents_ready_, store_for_reads_, clock_);
  alertmanager_api_ = std::make_unique<AlertmanagerApi>(
      auth_, clock_,
      [this](const AlertTransition& t, const RuleSpec& rule) { HandleTransition(t, rule); });
  metrics_.AddCallbackGauge("process_resident_memory_bytes", "Resident set size in bytes.",
                            [] { return ProcStatusBytes("VmRSS:"); });
  metrics_.AddCallbackGauge("vigil_process_peak_resident_memory_bytes",
                            "Peak resident set size in bytes.",
                            [] { return ProcStatusBytes("VmHWM:"); });
  metrics_.AddCallbackGauge("vigil_route_watchers",
                            "Long-poll requests waiting for a route change.",
                            [this] { return static_cast<double>(route_hub_.Watchers()); });
  metrics_.AddCallbackGauge("vigil_ready", "1 when the store is open and the server is ready.",
                            [this] { return ready_.load() ? 1.0 : 0.0; });
  RegisterRoutes();
}

VigilServer::~VigilServer() { Shutdown(); }

void VigilServer::RegisterRoutes() {
  router_.Add("GET", "/healthz", [](HttpRequest&, Responder respond) {
    HttpResponse r;
    r.body = R"({"status":"ok"})";
    respond(std::move(r));
  });
  router_.Add("GET", "/readyz", [this](HttpRequest&, Responder respond) {
    if (ready_.load()) {
      HttpResponse r;
      r.body = R"({"status":"ready"})";
      return respond(std::move(r));
    }
    std::string detail;
    {
      std::lock_guard<std::mutex> lock(mu_);
      detail = startup_detail_;
    }
    respond(ErrorResponse(503, "not_ready", detail));
  });
  router_.Add("GET", "/metrics", [this](HttpRequest&, Responder respond) {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_.RenderText();
    respond(std::move(r));
  });
  router_.Add("POST", "/v1/events", [this](HttpRequest& req, Responder respond) {
    events_api_->HandlePost(req, std::move(respond));
  });
  router_.Add("GET", "/v1/events", [this](HttpRequest& req, Responder respond) {
    read_api_->Events(req, std::move(respond));
  });
  router_.Add("GET", "/v1/summary", [this](HttpRequest& req, Responder respond) {
    read_api_->Summary(req, std::move(respond));
  });
  router_.Add("GET", "/v1/timeseries", [this](HttpRequest& req, Responder respond) {
    read_api_->Series(req, std::move(respond));
  });
  router_.Add("GET", "/v1/traces/{trace_id}", [this](HttpRequest& req, Responder respond) {
    read_api_->Trace(req, std::move(respond));
  });
  router_.Add("GET", "/v1/use_cases", [this](HttpRequest& req, Responder respond) {
    read_api_->UseCases(req, std::move(respond));
  });
  router_.Add("GET", "/v1/diagnose", [this](HttpRequest& req, Responder respond) {
    read_api_->Diagnose(req, std::move(respond));
  });
  router_.Add("GET", "/v1/alerts", [this](HttpRequest& req, Responder respond) {
    alerts_api_->Alerts(req, std::move(respond));
  });
  router_.Add("GET", "/v1/rules", [this](HttpRequest& req, Responder respond) {
    alerts_api_->Rules(req, std::move(respond));
  });
  router_.Add("POST", "/v1/alertmanager", [this](HttpRequest& req, Responder respond) {
    if (!ready_.load()) {
      return respond(ErrorResponse(503, "not_ready", "the store is still opening; retry shortly"));
    }
    alertmanager_api_->Post(req, std::move(respond));
  });
  router_.Add("POST", "/v1/admin/reload", [this](HttpRequest& req, Responder respond) {
    HttpResponse error;
    const Principal* principal = AuthorizeRequest(auth_, req, Role::kAdmin, error);
    if (principal == nullptr) return respond(std::move(error));
    std::vector<std::string> applied;
    Status st = Reload(principal->name, &applied);
    if (!st.ok()) return respond(ErrorResponse(400, "invalid_config", st.message(), "config"));
    std::string body = "{\"reloaded\":true,\"applied\":[";
    for (size_t i = 0; i < applied.size(); ++i) {
      body += (i ? ",\"" : "\"") + applied[i] + "\"";
    }
    body +=
        "],\"restart_needed_for\":[\"server\",\"storage\",\"auth\",\"ingest\","
        "\"alerting.notify\",\"redaction\"]}";
    HttpResponse r;
    r.body = body;
    respond(std::move(r));
  });
  auto releases = [this](void (ReleasesApi::*handler)(HttpRequest&, Responder)) {
    return [this, handler](HttpRequest& req, Responder respond) {
      (releases_api_.get()->*handler)(req, std::move(respond));
    };
  };
  router_.Add("GET", "/v1/releases/{use_case}", releases(&ReleasesApi::History));
  router_.Add("POST", "/v1/releases/{use_case}", releases(&ReleasesApi::Create));
  router_.Add("GET", "/v1/releases/{use_case}/rollback_check",
              releases(&ReleasesApi::RollbackCheck));
  router_.Add("POST", "/v1/releases/{use_case}/rollback", releases(&ReleasesApi::Rollback));
  router_.Add("GET", "/v1/releases/{use_case}/{version}", releases(&ReleasesApi::Show));
  router_.Add("POST", "/v1/releases/{use_case}/{version}/promote", releases(&ReleasesApi::Promote));
  router_.Add("POST", "/v1/releases/{use_case}/{version}/retire", releases(&ReleasesApi::Retire));
  router_.Add("GET", "/v1/freeze", releases(&ReleasesApi::Freezes));
  router_.Add("POST", "/v1/freeze", releases(&ReleasesApi::Freeze));
  router_.Add("DELETE", "/v1/freeze", releases(&ReleasesApi::Unfreeze));
  router_.Add("POST", "/v1/routes/{use_case}/mode", releases(&ReleasesApi::Mode));
  router_.Add("POST", "/v1/routes/{use_case}/faults", releases(&ReleasesApi::InjectFault));
  router_.Add("DELETE", "/v1/routes/{use_case}/faults/{id}", releases(&ReleasesApi::ClearFault));
  router_.Add("GET", "/v1/audit", releases(&ReleasesApi::Audit));
  router_.Add("GET", "/v1/routes", [this](HttpRequest& req, Responder respond) {
    routes_api_->List(req, std::move(respond));
  });
  router_.Add("GET", "/v1/routes/{use_case}", [this](HttpRequest& req, Responder respond) {
    routes_api_->Get(req, std::move(respond));
  });
  router_.Add("POST", "/v1/evals", [this](HttpRequest& req, Responder respond) {
    evals_api_->Post(req, std::move(respond));
  });
  router_.Add("GET", "/v1/evals", [this](HttpRequest& req, Responder respond) {
    evals_api_->List(req, std::move(respond));
  });
  router_.Add("POST", "/v1/drills", [this](HttpRequest& req, Responder respond) {
    drills_api_->Start(req, std::move(respond));
  });
  router_.Add("GET", "/v1/drills", [this](HttpRequest& req, Responder respond) {
    drills_api_->List(req, std::move(respond));
  });
  router_.Add("GET", "/v1/drills/{id}", [this](HttpRequest& req, Responder respond) {
    drills_api_->Get(req, std::move(respond));
  });
  router_.Add("GET", "/v1/incidents", [this](HttpRequest& req, Responder respond) {
    incidents_api_->List(req, std::move(respond));
  });
  router_.Add("POST", "/v1/incidents", [this](HttpRequest& req, Responder respond) {
    incidents_api_->Open(req, std::move(respond));
  });
  router_.Add("GET", "/v1/incidents/{id}", [this](HttpRequest& req, Responder respond) {
    incidents_api_->Get(req, std::move(respond));
  });
  router_.Add("POST", "/v1/incidents/{id}/updates", [this](HttpRequest& req, Responder respond) {
    incidents_api_->Update(req, std::move(respond));
  });
  router_.Add("POST", "/v1/incidents/{id}/resolve", [this](HttpRequest& req, Responder respond) {
    incidents_api_->Resolve(req, std::move(respond));
  });
  router_.Add("GET", "/v1/incidents/{id}/runbook", [this](HttpRequest& req, Responder respond) {
    incidents_api_->RunbookSteps(req, std::move(respond));
  });
  router_.Add("POST", "/v1/incidents/{id}/runbook/{step}",
              [this](HttpRequest& req, Responder respond) {
                incidents_api_->CheckStep(req, std::move(respond));
              });
  RegisterLearningRoutes();
  RegisterOtlpRoutes();
  RegisterWebRoutes();
}

Status VigilServer::Start() {
  HttpServerOptions http_options;
  VIGIL_RETURN_IF_ERROR(
      ParseListenAddress(config_.server.listen, http_options.host, http_options.port));
  http_options.threads = config_.server.threads > 0
                             ? config_.server.threads
                             : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  http_options.max_body_bytes = static_cast<size_t>(config_.server.max_body_bytes);
  Counter& requests = metrics_.GetCounter("vigil_http_requests_total", "HTTP requests received.");
  http_ = std::make_unique<HttpServer>(http_options,
                                       [this, &requests](HttpRequest& req, Responder respond) {
                                         requests.Inc();
                                         router_.Dispatch(req, std::move(respond));
                                       });
  route_hub_.Start();
  Result<uint16_t> port = http_->Start();
  if (!port.ok()) return port.status();
  port_ = *port;
  const std::string address = http_options.host + ":" + std::to_string(port_);
  {
    // Written atomically (rename) so a reader never sees a partial address.
    std::string addr_file = (std::filesystem::path(options_.data_dir) / "vigil.addr").string();
    std::ofstream(addr_file + ".tmp") << address << "\n";
    std::filesystem::rename(addr_file + ".tmp", addr_file);
  }
  spdlog::info("vigil listening on http://{}", address);
  VIGIL_RETURN_IF_ERROR(StartOtlpListener());
  for (const std::string& note : config_.notes) spdlog::info("config: {}", note);
  opener_ = std::thread([this] { OpenStores(); });
  return Status::Ok();
}

void VigilServer::OpenStores() {
  if (!OpenStateAndEventStores()) return;
  if (shutting_down_.load()) return;
  Result<int64_t> count = event_store_->CountEvents();
  store_writer_ = std::make_unique<StoreWriter>(*event_store_);
  // The detector marks collisions before the store writes events and rollups.
  pipeline_->AddSubscriber(collisions_.get(), /*gates_ack=*/false);
  pipeline_->AddSubscriber(store_writer_.get(), /*gates_ack=*/true);
  // Windows see stored events only, after the commit decided which were duplicates.
  pipeline_->AddSubscriber(alerting_->window_feed(), /*gates_ack=*/false);
  store_for_reads_.store(event_store_.get());
  Result<std::unique_ptr<IncidentService>> incidents =
      IncidentService::Create(*state_store_, clock_, config_.slo_targets, config_.runbook);
  if (!incidents.ok()) {
    Fail(Status::Internal("cannot prepare incidents: " + incidents.status().message()));
    return;
  }
  incidents_ = std::move(incidents).value();
  Result<std::unique_ptr<OutboxNotifier>> notifier = OutboxNotifier::Create(
      *state_store_, config_.alerting.channels, clock_, &metrics_,
      [](const char* name) { return static_cast<const char*>(std::getenv(name)); });
  if (!notifier.ok()) {
    Fail(
        Status::Internal("cannot prepare the notification outbox: " + notifier.status().message()));
    return;
  }
  notifier_ = std::move(notifier).value();
  if (!OpenReleases()) return;
  dispatcher_ =
      std::make_unique<ActionDispatcher>(*route_control_, notifier_.get(), clock_, &metrics_);
  incidents_ready_.store(incidents_.get());
  // The incident is opened before the actions run, so their records join its timeline.
  dispatcher_->AddSink([this](const ActionRecord& r) { incidents_->OnAction(r); });
  alerting_->AddListener([this](const AlertTransition& t) {
    for (const RuleSpec& rule : alerting_->engine().Rules()) {
      if (rule.name == t.alert.rule) HandleTransition(t, rule);
    }
  });
  // An incident without a person's update past incident_update re-notifies on-call, once.
  alerting_->AddTickHook([this, last = int64_t{0}]() mutable {
    const int64_t now = clock_.NowNanos();
    if (now - last < 5 * kNanosPerSecond) return;
    last = now;
    for (const Incident& incident : incidents_->TakeOverdueUpdates()) {
      AlertInstance reminder;
      reminder.id = "incident-" + std::to_string(incident.id) + "-update-overdue";
      reminder.rule = "incident_update";
      reminder.tier = incident.severity == "P1" ? Tier::kP1 : Tier::kP2;
      reminder.firing_id = 1;
      reminder.fired_at_ns = now;
      reminder.evidence.threshold = "no update by a person on incident " +
                                    std::to_string(incident.id) + " (" + incident.title + ")";
      Status st = notifier_->Page(reminder, incident.use_case, false);
      spdlog::warn("incident {}: update overdue; re-notify: {}", incident.id,
                   st.ok() ? "queued" : st.message());
    }
  });
  // Expired freezes lift on their own (watchers see it).
  alerting_->AddTickHook([this, last = int64_t{0}]() mutable {
    const int64_t now = clock_.NowNanos();
    if (now - last < kNanosPerSecond) return;
    last = now;
    releases_->Tick();
  });
  alerting_->SetRollupReader([this](int64_t from, int64_t to) {
    Result<std::vector<RollupRow>> rows =
        event_store_->ReadRollups({TenantFilter{true, {}}, "", "", from, to});
    return rows.ok() ? std::move(rows).value() : std::vector<RollupRow>{};
  });
  drill_env_ = std::make_unique<ServerDrillEnv>(*releases_, *alerting_, *incidents_);
  Result<std::unique_ptr<DrillRunner>> drills =
      DrillRunner::Open(*state_store_, *drill_env_, clock_, config_.slo_targets);
  if (!drills.ok()) {
    Fail(Status::Internal("cannot prepare drills: " + drills.status().message()));
    return;
  }
  drills_ = std::move(drills).value();
  drills_ready_.store(drills_.get());
  Result<std::unique_ptr<EvalStore>> evals = EvalStore::Open(*state_store_, clock_);
  if (!evals.ok()) {
    Fail(Status::Internal("cannot prepare evals: " + evals.status().message()));
    return;
  }
  evals_ = std::move(evals).value();
  evals_ready_.store(evals_.get());
  if (!OpenLearning()) return;
  dispatcher_->Start();
  notifier_->Start();
  pipeline_->Start();
  alerting_->Start();
  ready_.store(true);
  if (config_.storage.backend == "clickhouse") {
    spdlog::info("store ready: events in ClickHouse ({} events), state in {}",
                 count.ok() ? *count : -1, sqlite_path_);
  } else {
    spdlog::info("store ready: {} ({} events, synchronous={})", sqlite_path_,
                 count.ok() ? *count : -1, config_.storage.synchronous);
  }
}

std::string VigilServer::ResolveDataPath(const std::string& path) const {
  return ResolvePath(options_.data_dir, path);
}

bool VigilServer::OpenReleases() {
  Result<std::unique_ptr<AuditLog>> audit = AuditLog::Open(*state_store_, clock_);
  if (!audit.ok()) {
    Fail(Status::Internal("cannot prepare the audit log: " + audit.status().message()));
    return false;
  }
  audit_ = std::move(audit).value();
  Result<std::unique_ptr<ReleaseRegistry>> registry =
      ReleaseRegistry::Open(*state_store_, *audit_, route_hub_, clock_, config_.release_control);
  if (!registry.ok()) {
    Fail(Status::Internal("cannot prepare releases: " + registry.status().message()));
    return false;
  }
  releases_ = std::move(registry).value();
  std::vector<std::string> notes;
  Status st = releases_->Bootstrap(config_.use_cases, notes);
  if (!st.ok()) {
    Fail(Status::Internal("cannot declare the config's releases: " + st.message()));
    return false;
  }
  for (const std::string& note : notes) spdlog::warn("releases: {}", note);
  releases_->SetChangeListener([this](const RouteChange& c) {
    metrics_
        .GetCounter("vigil_route_changes_total", "Route changes published, by act.",
                    {{"action", c.action}})
        .Inc();
    if (incidents_) {
      incidents_->OnRouteChange(c.use_case, c.version, c.moves_traffic, c.action, c.summary,
                                c.actor);
    }
  });
  route_control_ = std::make_unique<ReleaseRouteControl>(*releases_, clock_);
  audit_ready_.store(audit_.get());
  releases_ready_.store(releases_.get());
  return true;
}

Status VigilServer::Reload(const std::string& actor, std::vector<std::string>* applied) {
  if (options_.config_path.empty()) return Status::FailedPrecondition("no config file to reload");
  LoadedConfig loaded = LoadConfigFromFile(options_.config_path);
  if (!loaded.ok()) {
    std::string problems;
    for (const ConfigProblem& p : loaded.problems) {
      spdlog::warn("reload refused: {}: {}", options_.config_path, p.ToString());
      if (!problems.empty()) problems += "; ";
      problems += p.ToString();
    }
    return Status::InvalidArgument(std::to_string(loaded.problems.size()) +
                                   " problem(s), nothing changed: " + problems);
  }
  alerting_->Reload(loaded.config.alerting);
  std::vector<std::string> done = {
      "alerting.rules (" + std::to_string(loaded.config.alerting.rules.size()) + ")",
      "alerting.action_map", "alerting.evaluation_interval", "release_control"};
  releases_api_->SetSettings(loaded.config.release_control);
  prices_.Set(loaded.config.pricing);
  done.push_back("pricing");
  if (incidents_) {
    incidents_->SetRunbook(loaded.config.runbook);
    done.push_back("runbook");
  }
  if (LearningLoop* learning = learning_ready_.load()) {
    learning->SetGates(loaded.config.gates);
    done.push_back("gates");
  }
  if (ReleaseRegistry* registry = releases_ready_.load()) {
    registry->SetSettings(loaded.config.release_control);
    std::vector<std::string> notes;
    Status st = registry->Bootstrap(loaded.config.use_cases, notes);
    for (const std::string& note : notes) spdlog::warn("releases: {}", note);
    if (st.ok()) {
      done.push_back("use_cases (new use cases and release versions)");
    } else {
      spdlog::error("reload: declaring releases failed: {}", st.ToString());
    }
  }
  if (AuditLog* audit = audit_ready_.load()) {
    Status st =
        audit->Record({0, 0, actor, "config.reload", options_.config_path, "null",
                       "{\"rules\":" + std::to_string(loaded.config.alerting.rules.size()) + "}",
                       "applied: alerting, release_control, runbook, gates, new releases"});
    if (!st.ok()) spdlog::error("audit: {}", st.ToString());
  }
  spdlog::info("config reloaded from {}: {} rules", options_.config_path,
               loaded.config.alerting.rules.size());
  if (applied != nullptr) *applied = done;
  return Status::Ok();
}

void VigilServer::HandleTransition(const AlertTransition& t, const RuleSpec& rule) {
  if (incidents_ == nullptr || dispatcher_ == nullptr) return;  // not ready yet
  if (t.alert.state == AlertState::kFiring && (rule.tier == Tier::kP1 || rule.tier == Tier::kP2)) {
    // Before any rollback: the release active while this fired does not count as good.
    releases_->OnSevereFiring(ActionDispatcher::UseCaseOf(t.alert, rule), rule.name);
  }
  const int64_t opened = incidents_->OnAlertTransition(t, rule);
  dispatcher_->OnTransition(t, rule, alerting_->config());
  if (opened != 0) {
    // Vigil's first update, at once: what it knows. (A person's update still stops the clock.)
    const int64_t now = clock_.NowNanos();
    const std::string use_case = ActionDispatcher::UseCaseOf(t.alert, rule);
    Result<Diagnosis> d =
        DiagnoseRange(*event_store_, TenantFilter{true, {}}, use_case,
                      now - 600LL * kNanosPerSecond, now, 3600LL * kNanosPerSecond);
    std::string text = "Automated: " + t.alert.id + " fired at " +
                       std::to_string(t.alert.evidence.value) + " (" + t.alert.evidence.threshold +
                       "); running " + std::string(TierName(rule.tier)) + " actions.";
    if (d.ok() && !d->summary.empty()) text += " Diagnosis: " + d->summary + ".";
    if (learning_) text += learning_->OnIncidentOpened(opened, use_case, d.ok() ? &*d : nullptr);
    Status st = incidents_->AddUpdate(opened, text, "vigil");
    if (!st.ok()) spdlog::warn("incidents: {}", st.ToString());
  }
}

void VigilServer::Fail(Status status) {
  spdlog::error("{}", status.ToString());
  {
    std::lock_guard<std::mutex> lock(mu_);
    fatal_ = status;
    startup_detail_ = status.message();
  }
  cv_.notify_all();
}

Status VigilServer::Wait(const std::atomic<bool>& stop) {
  std::unique_lock<std::mutex> lock(mu_);
  while (fatal_.ok() && !stop.load()) {
    cv_.wait_for(lock, std::chrono::milliseconds(100));
  }
  return fatal_;
}

void VigilServer::Shutdown() {
  if (shutting_down_.exchange(true)) return;
  if (opener_.joinable()) opener_.join();
  // Refuse new batches and commit what was accepted; the replies go out while HTTP still runs.
  if (drills_) drills_->Shutdown();  // running drills clear their faults and restore
  if (pipeline_) pipeline_->Stop();
  if (alerting_) alerting_->Stop();
  if (dispatcher_) dispatcher_->Stop();
  if (notifier_) notifier_->Stop();
  route_hub_.Shutdown();  // answers long-poll watchers so the HTTP drain does not wait on them
  if (otlp_http_) otlp_http_->Stop(std::chrono::milliseconds(5000));
  if (http_) http_->Stop(std::chrono::milliseconds(5000));
  std::error_code ec;
  std::filesystem::remove(std::filesystem::path(options_.data_dir) / "vigil.addr", ec);
  spdlog::info("vigil stopped");
}

}  // namespace vigil
