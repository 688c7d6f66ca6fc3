#pragma once
// OutboxNotifier: delivers on-call pages and tickets through a durable outbox.
//
// Page()/Ticket() render the receiver's payload (payloads.h) and insert it into the `outbox`
// table of the StateStore in one transaction; they return once the message is durable. A
// worker thread POSTs due messages; a 2xx marks the message delivered, anything else schedules
// a retry with exponential backoff (1 s · 2^attempts, capped at 5 min, ±20% jitter) until the
// channel's max_age passes (then it expires, logged and counted). Messages survive restarts:
// a restarted server resumes the pending ones. Delivery is at-least-once: a crash between the
// receiver's 2xx and the commit of "delivered" re-sends it once, with the same dedup key
// (PagerDuty and Alertmanager deduplicate on it).
//
// Channels: notify_oncall → "oncall", ticket → "ticket" (alerting.notify).
// Thread-safety: Page/Ticket from the dispatcher's worker; Start/Stop from the owner.

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "alerting/actions.h"
#include "common/clock.h"
#include "config/alerting_config.h"
#include "metrics/metrics.h"
#include "storage/state_store.h"

namespace vigil {

class OutboxNotifier final : public AlertNotifier {
 public:
  using EnvLookup = std::function<const char*(const char*)>;

  static Result<std::unique_ptr<OutboxNotifier>> Create(
      StateStore& store, std::map<std::string, NotifyChannel> channels, const Clock& clock,
      MetricsRegistry* metrics, EnvLookup getenv_fn);
  ~OutboxNotifier() override;

  Status Page(const AlertInstance& alert, const std::string& use_case, bool resolved) override;
  Status Ticket(const AlertInstance& alert, const std::string& use_case) override;

  void Start();
  void Stop();

  struct Counts {
    int64_t pending = 0, delivered = 0, expired = 0;
  };
  Result<Counts> GetCounts();

 private:
  OutboxNotifier(StateStore& store, std::map<std::string, NotifyChannel> channels,
                 const Clock& clock, MetricsRegistry* metrics, EnvLookup getenv_fn)
      : store_(store),
        channels_(std::move(channels)),
        clock_(clock),
        metrics_(metrics),
        getenv_(std::move(getenv_fn)) {}
  Status Enqueue(const std::string& channel, const AlertInstance& alert,
                 const std::string& use_case, const std::string& event);
  void Loop();
  // Delivers every due message once; returns how many were attempted.
  int DeliverDue();
  int64_t Backoff(int attempts);

  StateStore& store_;
  const std::map<std::string, NotifyChannel> channels_;
  const Clock& clock_;
  MetricsRegistry* metrics_;
  EnvLookup getenv_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool kicked_ = false;
  std::thread worker_;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace vigil
