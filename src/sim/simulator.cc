#include "sim/simulator.h"

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <queue>
#include <random>
#include <thread>

#include "client/http_client.h"
#include "client/route_watcher.h"
#include "model/event_json.h"
#include "sim/request_generator.h"

namespace vigil {
namespace {

using nlohmann::json;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Pending {
  int64_t end_ns;
  std::string use_case;
  SimRequest request;
  bool operator>(const Pending& other) const { return end_ns > other.end_ns; }
};

}  // namespace

Simulator::Simulator(Options options, SimulatorConfig config,
                     std::map<std::string, ModelPrice> pricing)
    : options_(std::move(options)), config_(std::move(config)), pricing_(std::move(pricing)) {}

SimStats Simulator::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

Result<std::vector<std::string>> Simulator::Discover(const std::atomic<bool>& stop) {
  HttpClient client(options_.server, std::chrono::seconds(10));
  const auto deadline = std::chrono::steady_clock::now() + options_.discovery_timeout;
  std::string problem;
  while (!stop.load() && std::chrono::steady_clock::now() < deadline) {
    auto reply = client.Get("/v1/use_cases", {"Authorization: Bearer " + options_.token});
    if (reply.ok() && reply->status == 200) {
      const json body = json::parse(reply->body, nullptr, false);
      std::vector<std::string> names;
      if (body.is_object() && body.contains("use_cases")) {
        for (const json& uc : body["use_cases"]) {
          const std::string name = uc.value("name", "");
          const bool has_route = uc.contains("route") && uc["route"].is_object();
          const bool wanted = options_.use_cases.empty() ||
                              std::find(options_.use_cases.begin(), options_.use_cases.end(),
                                        name) != options_.use_cases.end();
          if (has_route && wanted) names.push_back(name);
        }
      }
      if (!names.empty()) return names;
      problem = "the server has no use case with releases to simulate";
    } else if (reply.ok() && (reply->status == 401 || reply->status == 403)) {
      return Status::PermissionDenied("GET /v1/use_cases answered " +
                                      std::to_string(reply->status) +
                                      ": the simulator needs a token with the read and ingest "
                                      "roles (VIGIL_TOKEN)");
    } else {
      problem = reply.ok() ? "GET /v1/use_cases answered " + std::to_string(reply->status)
                           : reply.status().message();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return Status::Unavailable("cannot discover use cases at " + options_.server + ": " + problem);
}

Status Simulator::Run(const std::atomic<bool>& stop, std::chrono::milliseconds duration,
                      const std::function<void(const SimStats&)>& progress) {
  Result<std::vector<std::string>> use_cases = Discover(stop);
  if (!use_cases.ok()) return use_cases.status();

  // One watcher per use case keeps its route current.
  std::map<std::string, std::unique_ptr<RouteWatcher>> watchers;
  for (const std::string& uc : *use_cases) {
    auto w = std::make_unique<RouteWatcher>(
        RouteWatcher::Options{options_.server, options_.token, uc, std::chrono::seconds(30)},
        nullptr);
    w->Start();
    watchers[uc] = std::move(w);
  }
  for (auto& [uc, w] : watchers) {
    if (!w->WaitNewerThan(-1, std::chrono::seconds(10))) {
      return Status::Unavailable("no route for " + uc + ": " + w->last_error());
    }
  }

  RequestGenerator generator(config_, pricing_);
  std::mt19937_64 arrivals(config_.seed ^ 0x5eed);
  std::map<std::string, int64_t> next_start;
  std::map<std::string, double> rate;
  const int64_t begin = NowNs();
  for (const std::string& uc : *use_cases) {
    auto it = config_.rates.find(uc);
    rate[uc] =
        (it == config_.rates.end() ? config_.default_rate : it->second) * options_.rate_scale;
    next_start[uc] = begin;
  }
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> in_flight;
  std::string batch;
  size_t batch_events = 0;
  HttpClient sender(options_.server, std::chrono::seconds(30));
  const std::vector<std::string> headers = {"Authorization: Bearer " + options_.token,
                                            "Content-Type: application/x-ndjson"};

  auto flush = [&] {
    if (batch_events == 0) return;
    for (int attempt = 0; attempt < 5; ++attempt) {
      auto reply = sender.Request("POST", "/v1/events", batch, headers);
      std::lock_guard<std::mutex> lock(mu_);
      if (reply.ok() && (reply->status == 200 || reply->status == 207 || reply->status == 400)) {
        const json body = json::parse(reply->body, nullptr, false);
        const uint64_t accepted = body.is_object() ? body.value("accepted", uint64_t{0}) : 0;
        const uint64_t rejected = body.is_object() ? body.value("rejected", uint64_t{0}) : 0;
        stats_.events_sent += accepted;
        stats_.events_rejected += rejected;
        if (rejected && body.contains("errors") && !body["errors"].empty()) {
          stats_.last_error = body["errors"][0].dump();
        }
        break;
      }
      if (reply.ok() && (reply->status == 429 || reply->status == 503)) {
        ++stats_.throttled;
        const std::string retry(reply->Header("retry-after"));
        const int seconds = retry.empty() ? 1 : std::max(1, std::atoi(retry.c_str()));
        mu_.unlock();
        std::this_thread::sleep_for(std::chrono::seconds(std::min(seconds, 5)));
        mu_.lock();
        continue;
      }
      ++stats_.batches_failed;
      stats_.last_error = reply.ok() ? "POST /v1/events answered " + std::to_string(reply->status) +
                                           ": " + reply->body.substr(0, 300)
                                     : reply.status().message();
      break;
    }
    batch.clear();
    batch_events = 0;
  };

  auto last_flush = std::chrono::steady_clock::now();
  auto last_progress = last_flush;
  std::map<std::string, SimRoute> routes;
  while (!stop.load()) {
    const int64_t now = NowNs();
    if (duration.count() > 0 && now - begin >= duration.count() * 1'000'000) break;
    // Start every request due by now, on the route as it is now.
    for (auto& [uc, next] : next_start) {
      if (rate[uc] <= 0) continue;
      auto view = watchers[uc]->Current();
      if (view) {
        auto parsed = ParseSimRoute(view->json);
        if (parsed) routes[uc] = std::move(*parsed);
      }
      auto route = routes.find(uc);
      std::exponential_distribution<double> gap(rate[uc]);
      while (next <= now) {
        if (route != routes.end()) {
          SimRequest r = generator.Generate(route->second, next);
          {
            std::lock_guard<std::mutex> lock(mu_);
            SimUseCaseStats& s = stats_.use_cases[uc];
            ++s.requests;
            ++s.releases[r.release];
            if (r.failed) {
              ++s.failed;
              ++s.failures[r.error_class];
            }
          }
          const int64_t end = r.end_ns;
          in_flight.push(Pending{end, uc, std::move(r)});
        }
        next += static_cast<int64_t>(gap(arrivals) * 1e9);
      }
    }
    // Emit the events of requests that completed.
    while (!in_flight.empty() && in_flight.top().end_ns <= now) {
      const Pending& done = in_flight.top();
      for (const Event& e : done.request.events) {
        batch += EventToWireJson(e).dump();
        batch += '\n';
        ++batch_events;
      }
      in_flight.pop();
    }
    const auto steady = std::chrono::steady_clock::now();
    if (batch_events >= options_.max_batch ||
        (batch_events > 0 && steady - last_flush >= options_.flush_interval)) {
      flush();
      last_flush = steady;
    }
    if (progress && steady - last_progress >= std::chrono::seconds(1)) {
      last_progress = steady;
      progress(Snapshot());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Requests still in flight are abandoned like a service shutting down; what completed goes.
  flush();
  for (auto& [uc, w] : watchers) w->Stop();
  return Status::Ok();
}

}  // namespace vigil
