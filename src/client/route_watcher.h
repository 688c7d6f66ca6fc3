#pragma once
// RouteWatcher: keeps a service's view of its use case's route fresh — the active release, the
// canary share, the mode (normal | degraded, with the fallback model), the freeze flag and the
// drill faults — by long-polling GET /v1/routes/{use_case}?wait=…&version=N and calling back on
// every change. A rollback reaches the callback within one round trip of the server's commit.
//
// Any language can do the same in twenty lines (docs/releases.md shows the loop): GET the
// route, remember its "version", then repeat GET …?wait=30s&version=V — 200 carries a new route,
// 304 means unchanged; on errors keep the last route and retry with backoff.
//
// Contract: Start() returns at once; the callback runs on the watcher's thread, first with the
// initial route, then once per change, never concurrently. Errors never stop the loop: the last
// good route stays current, `last_error()` says what failed, retries back off up to 5 s.
// Stop() returns within ~100 ms. Thread-safety: Current()/last_error() from any thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace vigil {

// The parts of a route a service acts on; `json` is the whole document.
struct RouteView {
  std::string use_case;
  int64_t version = 0;
  std::string release;             // active release version
  std::string model;               // what to call now (the fallback model in degraded mode)
  std::vector<std::string> tools;  // tools enabled now
  std::string mode;                // normal | degraded
  bool frozen = false;
  std::string canary_release;  // empty: no canary
  std::string canary_model;
  int canary_percent = 0;
  std::string json;
};

// Parses a route document (GET /v1/routes/{use_case}); nullopt when it is not one.
std::optional<RouteView> ParseRouteView(const std::string& json);

class RouteWatcher {
 public:
  struct Options {
    std::string base_url;  // e.g. "http://127.0.0.1:7070"
    std::string token;     // a token with the read role
    std::string use_case;
    std::chrono::seconds wait{30};  // long-poll duration per request
  };
  using Callback = std::function<void(const RouteView&)>;

  RouteWatcher(Options options, Callback on_change);
  ~RouteWatcher();
  RouteWatcher(const RouteWatcher&) = delete;
  RouteWatcher& operator=(const RouteWatcher&) = delete;

  void Start();
  void Stop();
  std::optional<RouteView> Current() const;
  std::string last_error() const;
  // Blocks until the current route's version is > `version` or `timeout` passes.
  bool WaitNewerThan(int64_t version, std::chrono::milliseconds timeout) const;

 private:
  void Loop();

  Options options_;
  Callback on_change_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::optional<RouteView> current_;
  std::string last_error_;
  std::thread thread_;
};

}  // namespace vigil
