#include "release/route_hub.h"

#include <chrono>

namespace vigil {

RouteHub::~RouteHub() { Shutdown(); }

int64_t RouteHub::SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void RouteHub::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (timer_.joinable()) return;
  stop_ = false;
  timer_ = std::thread([this] { TimerLoop(); });
}

void RouteHub::Shutdown() {
  std::vector<Callback> pending;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    for (auto& [id, w] : watchers_) pending.push_back(std::move(w.callback));
    watchers_.clear();
    by_use_case_.clear();
    by_deadline_.clear();
  }
  cv_.notify_all();
  if (timer_.joinable() && timer_.get_id() != std::this_thread::get_id()) timer_.join();
  for (Callback& cb : pending) cb(nullptr);
}

void RouteHub::Publish(std::shared_ptr<const RouteSnapshot> snapshot) {
  std::vector<Callback> wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    current_[snapshot->use_case] = snapshot;
    auto it = by_use_case_.find(snapshot->use_case);
    if (it != by_use_case_.end()) {
      wake.reserve(it->second.size());
      for (auto id_it = it->second.begin(); id_it != it->second.end();) {
        auto w = watchers_.find(*id_it);
        if (w != watchers_.end() && w->second.known_version == snapshot->version) {
          ++id_it;  // a re-publish of what this watcher has: keep waiting
          continue;
        }
        if (w != watchers_.end()) {
          wake.push_back(std::move(w->second.callback));
          watchers_.erase(w);
        }
        id_it = it->second.erase(id_it);
      }
    }
  }
  for (Callback& cb : wake) cb(snapshot);
  if (observer_ && !wake.empty()) observer_(*snapshot, wake.size());
}

void RouteHub::SetPublishObserver(PublishObserver observer) { observer_ = std::move(observer); }

std::shared_ptr<const RouteSnapshot> RouteHub::Current(const std::string& use_case) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = current_.find(use_case);
  return it == current_.end() ? nullptr : it->second;
}

std::vector<std::string> RouteHub::UseCases() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, snap] : current_) out.push_back(name);
  return out;
}

void RouteHub::Watch(const std::string& use_case, int64_t known_version, int64_t deadline_ns,
                     Callback callback) {
  std::shared_ptr<const RouteSnapshot> now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = current_.find(use_case);
    if (it != current_.end() && it->second->version != known_version) {
      now = it->second;
    } else if (!stop_) {
      const uint64_t id = next_id_++;
      const bool earliest = by_deadline_.empty() || deadline_ns < by_deadline_.begin()->first;
      watchers_.emplace(id, Watcher{use_case, known_version, deadline_ns, std::move(callback)});
      by_use_case_[use_case].insert(id);
      by_deadline_.emplace(deadline_ns, id);
      if (earliest) cv_.notify_all();
      return;
    }
  }
  callback(now);  // changed already, or shutting down (null)
}

size_t RouteHub::ExpireDue(int64_t now_ns) {
  std::vector<Callback> due;
  {
    std::lock_guard<std::mutex> lock(mu_);
    while (!by_deadline_.empty() && by_deadline_.begin()->first <= now_ns) {
      const uint64_t id = by_deadline_.begin()->second;
      by_deadline_.erase(by_deadline_.begin());
      auto w = watchers_.find(id);
      if (w == watchers_.end()) continue;  // answered by a publish
      by_use_case_[w->second.use_case].erase(id);
      due.push_back(std::move(w->second.callback));
      watchers_.erase(w);
    }
  }
  for (Callback& cb : due) cb(nullptr);
  return due.size();
}

size_t RouteHub::Watchers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return watchers_.size();
}

void RouteHub::TimerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    if (by_deadline_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const int64_t next = by_deadline_.begin()->first;
    const int64_t now = SteadyNowNs();
    if (next > now) {
      cv_.wait_for(lock, std::chrono::nanoseconds(next - now));
      continue;
    }
    lock.unlock();
    ExpireDue(SteadyNowNs());
    lock.lock();
  }
}

}  // namespace vigil
