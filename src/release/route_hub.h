#pragma once
// RouteHub: the current rendered route of every use case and the long-poll watchers waiting
// for it to change — what makes a rollback visible to services at once.
//
// A watcher says which route version it has; it is answered as soon as the published version
// differs (at once if it already does), or with "unchanged" at its deadline. Publishing hands
// every waiting watcher of that use case the same immutable snapshot, outside the hub's lock,
// so 10,000 watchers cost 10,000 callback calls and no copies of the route. Watchers are plain
// callbacks: the HTTP layer adapts them to held responses, so an idle watcher holds no thread.
//
// Deadlines: a timer thread answers due watchers (Start()); tests leave it off and call
// ExpireDue() with a fake time. Shutdown() answers everyone "unchanged".
// Thread-safety: all methods from any thread; callbacks run on the publishing thread, the
// timer thread or the Watch() caller, never under the hub's lock.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace vigil {

struct RouteSnapshot {
  std::string use_case;
  int64_t version = 0;
  std::string json;          // the full route document served by GET /v1/routes/{use_case}
  int64_t published_ns = 0;  // steady clock, set by the publisher (delivery measurements)
};

class RouteHub {
 public:
  // `snapshot` null: the deadline passed (or shutdown) without a change.
  using Callback = std::function<void(std::shared_ptr<const RouteSnapshot> snapshot)>;

  // Told after a publish woke watchers, with how many (after their callbacks ran).
  using PublishObserver = std::function<void(const RouteSnapshot& snapshot, size_t woken)>;

  RouteHub() = default;
  ~RouteHub();
  RouteHub(const RouteHub&) = delete;
  RouteHub& operator=(const RouteHub&) = delete;

  void SetPublishObserver(PublishObserver observer);  // before publishing starts
  void Start();                                       // the deadline timer (steady clock)
  void Shutdown();  // answers every watcher "unchanged"; stops the timer

  void Publish(std::shared_ptr<const RouteSnapshot> snapshot);
  std::shared_ptr<const RouteSnapshot> Current(const std::string& use_case) const;
  std::vector<std::string> UseCases() const;

  // `deadline` on the steady clock in nanoseconds (SteadyNowNs()).
  void Watch(const std::string& use_case, int64_t known_version, int64_t deadline_ns,
             Callback callback);
  // Answers watchers whose deadline is ≤ now_ns; returns how many.
  size_t ExpireDue(int64_t now_ns);

  size_t Watchers() const;
  static int64_t SteadyNowNs();

 private:
  struct Watcher {
    std::string use_case;
    int64_t known_version;
    int64_t deadline_ns;
    Callback callback;
  };
  void TimerLoop();

  PublishObserver observer_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, std::shared_ptr<const RouteSnapshot>> current_;
  std::unordered_map<uint64_t, Watcher> watchers_;
  std::unordered_map<std::string, std::unordered_set<uint64_t>> by_use_case_;
  std::multimap<int64_t, uint64_t> by_deadline_;  // may hold ids already answered
  uint64_t next_id_ = 1;
  bool stop_ = false;
  std::thread timer_;
};

}  // namespace vigil
