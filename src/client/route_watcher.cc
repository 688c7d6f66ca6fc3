#include "client/route_watcher.h"

#include <nlohmann/json.hpp>

#include "client/http_client.h"

namespace vigil {

std::optional<RouteView> ParseRouteView(const std::string& text) {
  using nlohmann::json;
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object() || !doc.contains("version") || !doc["version"].is_number_integer()) {
    return std::nullopt;
  }
  RouteView v;
  v.json = text;
  v.version = doc["version"].get<int64_t>();
  v.use_case = doc.value("use_case", "");
  v.mode = doc.value("mode", "normal");
  v.frozen = doc.value("frozen", false);
  if (doc.contains("effective") && doc["effective"].is_object()) {
    const json& e = doc["effective"];
    v.release = e.value("release", "");
    v.model = e.value("model", "");
    if (e.contains("tools") && e["tools"].is_array()) {
      for (const json& t : e["tools"]) {
        if (t.is_string()) v.tools.push_back(t.get<std::string>());
      }
    }
  }
  if (doc.contains("canary") && doc["canary"].is_object()) {
    const json& c = doc["canary"];
    v.canary_percent = c.value("percent", 0);
    if (c.contains("release") && c["release"].is_object()) {
      v.canary_release = c["release"].value("version", "");
      v.canary_model = c["release"].value("model", "");
    }
  }
  return v;
}

RouteWatcher::RouteWatcher(Options options, Callback on_change)
    : options_(std::move(options)), on_change_(std::move(on_change)) {}

RouteWatcher::~RouteWatcher() { Stop(); }

void RouteWatcher::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void RouteWatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::optional<RouteView> RouteWatcher::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

std::string RouteWatcher::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

bool RouteWatcher::WaitNewerThan(int64_t version, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout,
                      [&] { return current_.has_value() && current_->version > version; });
}

void RouteWatcher::Loop() {
  HttpClient client(options_.base_url, options_.wait + std::chrono::seconds(15));
  client.set_abort_flag(&stop_);
  const std::vector<std::string> headers = {"Authorization: Bearer " + options_.token};
  const std::string path = "/v1/routes/" + options_.use_case;
  std::chrono::milliseconds backoff(100);
  while (!stop_.load()) {
    std::optional<int64_t> known;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (current_) known = current_->version;
    }
    const std::string target = known ? path + "?wait=" + std::to_string(options_.wait.count()) +
                                           "s&version=" + std::to_string(*known)
                                     : path;
    Result<ClientResponse> reply = client.Get(target, headers);
    if (stop_.load()) break;
    std::string error;
    if (!reply.ok()) {
      error = reply.status().message();
    } else if (reply->status == 200) {
      std::optional<RouteView> view = ParseRouteView(reply->body);
      if (!view) {
        error = "the server's route for " + options_.use_case + " is not a route document";
      } else {
        {
          std::lock_guard<std::mutex> lock(mu_);
          current_ = *view;
          last_error_.clear();
        }
        cv_.notify_all();
        if (on_change_) on_change_(*view);
        backoff = std::chrono::milliseconds(100);
        continue;
      }
    } else if (reply->status == 304) {
      backoff = std::chrono::milliseconds(100);
      continue;
    } else {
      error = "GET " + path + " answered " + std::to_string(reply->status) + ": " +
              reply->body.substr(0, 200);
    }
    {
      std::unique_lock<std::mutex> lock(mu_);
      last_error_ = error;
      cv_.wait_for(lock, backoff, [this] { return stop_.load(); });
    }
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

}  // namespace vigil
