#include "server/routes_api.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/time_util.h"
#include "server/api_util.h"

namespace vigil {
namespace {

std::string ETag(int64_t version) { return "\"" + std::to_string(version) + "\""; }

HttpResponse RouteResponse(const RouteSnapshot& snap) {
  HttpResponse r;
  r.body = snap.json;
  r.headers = {{"ETag", ETag(snap.version)}, {"Cache-Control", "no-cache"}};
  return r;
}

HttpResponse NotModified(int64_t version) {
  HttpResponse r;
  r.status = 304;
  r.content_type.clear();
  r.headers = {{"ETag", ETag(version)}, {"Cache-Control", "no-cache"}};
  return r;
}

// The version in an If-None-Match value: "7", W/"7" or a list of them (first one wins); -1
// when absent or not one of ours.
int64_t IfNoneMatchVersion(std::string_view header) {
  size_t open = header.find('"');
  if (open == std::string_view::npos) return -1;
  size_t close = header.find('"', open + 1);
  if (close == std::string_view::npos || close == open + 1) return -1;
  int64_t v = 0;
  for (char c : header.substr(open + 1, close - open - 1)) {
    if (c < '0' || c > '9' || v > INT64_MAX / 10) return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string DeliveryKey(const RouteSnapshot& s) {
  return s.use_case + "@" + std::to_string(s.version);
}

}  // namespace

RoutesApi::RoutesApi(const Authenticator& auth, RouteHub& hub, const std::atomic<bool>& ready,
                     MetricsRegistry& metrics)
    : auth_(auth),
      hub_(hub),
      ready_(ready),
      delivery_seconds_(
          metrics.GetHistogram("vigil_route_delivery_seconds",
                               "From a route change to a waiting watcher's response being written.",
                               {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}, {})) {
  hub_.SetPublishObserver(
      [this](const RouteSnapshot& snapshot, size_t woken) { OnWoken(snapshot, woken); });
}

std::shared_ptr<const std::string> RoutesApi::Serialized(
    const std::shared_ptr<const RouteSnapshot>& snapshot) {
  std::lock_guard<std::mutex> lock(serialized_mu_);
  if (serialized_for_ != snapshot) {
    serialized_for_ = snapshot;
    serialized_ = std::make_shared<const std::string>(SerializeHttp11(RouteResponse(*snapshot)));
  }
  return serialized_;
}

void RoutesApi::OnWoken(const RouteSnapshot& snapshot, size_t woken) {
  std::lock_guard<std::mutex> lock(mu_);
  // Forget deliveries that never completed (a watcher answered outside a publish).
  for (auto it = deliveries_.begin(); it != deliveries_.end();) {
    const bool stale = snapshot.published_ns - it->second.published_ns > 300LL * 1'000'000'000;
    it = stale ? deliveries_.erase(it) : std::next(it);
  }
  const std::string key = DeliveryKey(snapshot);
  Delivery& d = deliveries_[key];
  d.published_ns = snapshot.published_ns;
  d.expected = woken;
  FinishIfComplete(key);
}

void RoutesApi::OnWritten(const RouteSnapshot& snapshot) {
  const int64_t latency = RouteHub::SteadyNowNs() - snapshot.published_ns;
  delivery_seconds_.Observe(static_cast<double>(latency) / 1e9);
  std::lock_guard<std::mutex> lock(mu_);
  const std::string key = DeliveryKey(snapshot);
  if (deliveries_.size() > 256 && !deliveries_.count(key)) return;  // bounded; metrics still count
  Delivery& d = deliveries_[key];
  d.published_ns = snapshot.published_ns;
  d.latencies_ns.push_back(latency);
  FinishIfComplete(key);
}

void RoutesApi::FinishIfComplete(const std::string& key) {
  auto it = deliveries_.find(key);
  if (it == deliveries_.end()) return;
  Delivery& d = it->second;
  if (d.expected == 0 || d.latencies_ns.size() < d.expected) return;
  std::sort(d.latencies_ns.begin(), d.latencies_ns.end());
  auto at = [&](double q) {
    size_t i = static_cast<size_t>(q * static_cast<double>(d.latencies_ns.size() - 1) + 0.5);
    return static_cast<double>(d.latencies_ns[i]) / 1e6;
  };
  spdlog::info(
      "route {} delivered to {} watchers: 50% in {:.1f} ms, 99% in {:.1f} ms, all in {:.1f} ms",
      key, d.latencies_ns.size(), at(0.5), at(0.99), at(1.0));
  deliveries_.erase(it);
}

void RoutesApi::List(HttpRequest& req, Responder respond) {
  HttpResponse error;
  if (AuthorizeRequest(auth_, req, Role::kRead, error) == nullptr) return respond(std::move(error));
  if (!ready_.load()) {
    return respond(ErrorResponse(503, "not_ready", "the store is still opening; retry shortly"));
  }
  std::string body = "{\"routes\":[";
  bool first = true;
  for (const std::string& uc : hub_.UseCases()) {
    auto snap = hub_.Current(uc);
    if (!snap) continue;
    body += (first ? "" : ",") + snap->json;
    first = false;
  }
  body += "]}";
  HttpResponse r;
  r.body = std::move(body);
  respond(std::move(r));
}

void RoutesApi::Get(HttpRequest& req, Responder respond) {
  HttpResponse error;
  if (AuthorizeRequest(auth_, req, Role::kRead, error) == nullptr) return respond(std::move(error));
  if (!ready_.load()) {
    return respond(ErrorResponse(503, "not_ready", "the store is still opening; retry shortly"));
  }
  const std::string use_case(req.PathParam("use_case"));
  auto snap = hub_.Current(use_case);
  if (!snap) {
    return respond(
        ErrorResponse(404, "not_found", "unknown use case \"" + use_case + "\" (no releases)"));
  }
  int64_t known = IfNoneMatchVersion(req.Header("if-none-match"));
  if (const std::string* v = req.Query("version")) {
    char* end = nullptr;
    long long parsed = std::strtoll(v->c_str(), &end, 10);
    if (v->empty() || *end != '\0' || parsed < 0) {
      return respond(
          ErrorResponse(400, "invalid_field", "must be a route version (integer ≥ 0)", "version"));
    }
    known = parsed;
  }
  const std::string* wait = req.Query("wait");
  if (wait == nullptr || known < 0) {
    if (known == snap->version) return respond(NotModified(snap->version));
    return respond(RouteResponse(*snap));
  }
  Result<int64_t> wait_ns = ParseDuration(*wait);
  if (!wait_ns.ok() || *wait_ns < 0 || *wait_ns > kMaxWaitNs) {
    return respond(ErrorResponse(400, "invalid_field", "must be a duration from 0s to 5m", "wait"));
  }
  const int64_t registered_ns = RouteHub::SteadyNowNs();
  hub_.Watch(use_case, known, registered_ns + *wait_ns,
             [this, respond = std::move(respond), known,
              registered_ns](std::shared_ptr<const RouteSnapshot> s) {
               if (!s) return respond(NotModified(known));
               HttpResponse r;
               r.preserialized = Serialized(s);
               // Only a watcher that was waiting when the change was published counts as a
               // delivery (one that was behind is answered at once, from an older snapshot).
               if (s->published_ns >= registered_ns) {
                 r.on_written = [this, s](bool) { OnWritten(*s); };
               }
               respond(std::move(r));
             });
}

}  // namespace vigil
