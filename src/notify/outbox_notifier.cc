#include "notify/outbox_notifier.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "client/http_client.h"
#include "common/time_util.h"
#include "notify/payloads.h"

namespace vigil {
namespace {

using nlohmann::json;

const std::vector<Migration>& OutboxMigrations() {
  static const std::vector<Migration>* m = new std::vector<Migration>{
      {1,
       "CREATE TABLE outbox ("
       "  id INTEGER PRIMARY KEY,"
       "  channel TEXT NOT NULL,"
       "  kind TEXT NOT NULL,"
       "  event TEXT NOT NULL,"
       "  url TEXT NOT NULL,"
       "  dedup_key TEXT NOT NULL,"
       "  body TEXT NOT NULL,"
       "  headers TEXT NOT NULL,"
       "  created_ns INTEGER NOT NULL,"
       "  max_age_ns INTEGER NOT NULL,"
       "  timeout_ns INTEGER NOT NULL,"
       "  next_attempt_ns INTEGER NOT NULL,"
       "  attempts INTEGER NOT NULL DEFAULT 0,"
       "  status TEXT NOT NULL,"
       "  last_error TEXT,"
       "  delivered_ns INTEGER"
       ");"
       "CREATE INDEX outbox_due ON outbox (status, next_attempt_ns);"},
  };
  return *m;
}

struct Message {
  int64_t id;
  std::string channel, url, body, headers;
  int64_t created_ns, max_age_ns, timeout_ns;
  int attempts;
};

}  // namespace

Result<std::unique_ptr<OutboxNotifier>> OutboxNotifier::Create(
    StateStore& store, std::map<std::string, NotifyChannel> channels, const Clock& clock,
    MetricsRegistry* metrics, EnvLookup getenv_fn) {
  VIGIL_RETURN_IF_ERROR(store.Migrate("outbox", OutboxMigrations()));
  std::unique_ptr<OutboxNotifier> n(
      new OutboxNotifier(store, std::move(channels), clock, metrics, std::move(getenv_fn)));
  if (metrics != nullptr) {
    OutboxNotifier* self = n.get();
    metrics->AddCallbackGauge("vigil_outbox_pending", "Notifications waiting for delivery.",
                              [self] {
                                Result<Counts> c = self->GetCounts();
                                return c.ok() ? static_cast<double>(c->pending) : 0.0;
                              });
  }
  return n;
}

OutboxNotifier::~OutboxNotifier() { Stop(); }

Status OutboxNotifier::Page(const AlertInstance& alert, const std::string& use_case,
                            bool resolved) {
  return Enqueue("oncall", alert, use_case, resolved ? "resolve" : "trigger");
}

Status OutboxNotifier::Ticket(const AlertInstance& alert, const std::string& use_case) {
  return Enqueue("ticket", alert, use_case, "ticket");
}

Status OutboxNotifier::Enqueue(const std::string& channel_name, const AlertInstance& alert,
                               const std::string& use_case, const std::string& event) {
  auto it = channels_.find(channel_name);
  if (it == channels_.end()) {
    return Status::FailedPrecondition(
        "no \"" + channel_name + "\" receiver configured (alerting.notify." + channel_name + ")");
  }
  const NotifyChannel& ch = it->second;
  NotificationContext ctx{&alert, use_case, event, DedupKey(alert), "", clock_.NowNanos()};
  std::string body;
  if (ch.kind == "pagerduty_v2") {
    const char* key = getenv_(ch.routing_key_env.c_str());
    if (key == nullptr || *key == '\0') {
      return Status::FailedPrecondition("environment variable " + ch.routing_key_env +
                                        " (the PagerDuty routing key) is not set");
    }
    ctx.routing_key = key;
    body = PagerDutyV2Body(ctx);
  } else if (ch.kind == "alertmanager") {
    body = AlertmanagerWebhookBody(ctx, channel_name);
  } else {
    body = PlainWebhookBody(ctx);
  }
  json headers = json::array({"Content-Type: application/json"});
  for (const auto& [k, v] : ch.headers) headers.push_back(k + ": " + v);
  const int64_t now = clock_.NowNanos();
  Status st = store_.Transact([&](SqliteDb& db) {
    Result<SqliteStatement> insert = db.Prepare(
        "INSERT INTO outbox (channel, kind, event, url, dedup_key, body, headers, created_ns, "
        "max_age_ns, timeout_ns, next_attempt_ns, status) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')");
    if (!insert.ok()) return insert.status();
    insert->BindText(1, channel_name);
    insert->BindText(2, ch.kind);
    insert->BindText(3, event);
    insert->BindText(4, ch.url);
    insert->BindText(5, ctx.dedup_key);
    insert->BindText(6, body);
    std::string header_text = headers.dump();
    insert->BindText(7, header_text);
    insert->BindInt(8, now);
    insert->BindInt(9, ch.max_age_ns);
    insert->BindInt(10, ch.timeout_ns);
    insert->BindInt(11, now);
    return insert->Run();
  });
  if (!st.ok()) return st;
  {
    std::lock_guard<std::mutex> lock(mu_);
    kicked_ = true;
  }
  cv_.notify_one();
  return Status::Ok();
}

void OutboxNotifier::Start() {
  if (!worker_.joinable()) worker_ = std::thread([this] { Loop(); });
}

void OutboxNotifier::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

int64_t OutboxNotifier::Backoff(int attempts) {
  const double base = std::min(300.0, std::pow(2.0, std::min(attempts, 10)));  // seconds
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  return static_cast<int64_t>(base * jitter(rng_) * 1e9);
}

void OutboxNotifier::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_ || kicked_; });
    if (stop_) break;
    kicked_ = false;
    lock.unlock();
    DeliverDue();
    lock.lock();
  }
}

int OutboxNotifier::DeliverDue() {
  std::vector<Message> due;
  const int64_t now = clock_.NowNanos();
  Status st = store_.Read([&](SqliteDb& db) {
    Result<SqliteStatement> stmt = db.Prepare(
        "SELECT id, channel, url, body, headers, created_ns, max_age_ns, timeout_ns, attempts "
        "FROM outbox WHERE status = 'pending' AND next_attempt_ns <= ? ORDER BY id LIMIT 20");
    if (!stmt.ok()) return stmt.status();
    stmt->BindInt(1, now);
    Status step;
    while (stmt->Step(step)) {
      due.push_back({stmt->ColumnInt(0), stmt->ColumnText(1), stmt->ColumnText(2),
                     stmt->ColumnText(3), stmt->ColumnText(4), stmt->ColumnInt(5),
                     stmt->ColumnInt(6), stmt->ColumnInt(7), static_cast<int>(stmt->ColumnInt(8))});
    }
    return step;
  });
  if (!st.ok()) {
    spdlog::warn("outbox: {}", st.ToString());
    return 0;
  }
  for (const Message& m : due) {
    std::vector<std::string> headers;
    json h = json::parse(m.headers, nullptr, false);
    if (h.is_array()) {
      for (const auto& line : h) headers.push_back(line.get<std::string>());
    }
    HttpClient client(m.url, std::chrono::milliseconds(m.timeout_ns / 1'000'000));
    Result<ClientResponse> r = client.Request("POST", "", m.body, headers);
    const bool ok = r.ok() && r->status >= 200 && r->status < 300;
    const std::string error =
        ok ? "" : (r.ok() ? "HTTP " + std::to_string(r->status) : r.status().message());
    const int64_t after = clock_.NowNanos();
    std::string outcome;
    Status update = store_.Transact([&](SqliteDb& db) {
      Result<SqliteStatement> stmt = db.Prepare(
          "UPDATE outbox SET status = ?, attempts = attempts + 1, next_attempt_ns = ?, "
          "last_error = ?, delivered_ns = ? WHERE id = ?");
      if (!stmt.ok()) return stmt.status();
      if (ok) {
        outcome = "delivered";
        stmt->BindText(1, "delivered");
        stmt->BindInt(2, after);
        stmt->BindNull(3);
        stmt->BindInt(4, after);
      } else {
        outcome = after - m.created_ns > m.max_age_ns ? "expired" : "retry";
        stmt->BindText(1, outcome == "expired" ? "expired" : "pending");
        stmt->BindInt(2, after + Backoff(m.attempts));
        stmt->BindText(3, error);
        stmt->BindNull(4);
      }
      stmt->BindInt(5, m.id);
      return stmt->Run();
    });
    if (!update.ok()) spdlog::warn("outbox: {}", update.ToString());
    if (outcome == "expired") {
      spdlog::error("outbox: giving up on message {} to {} after {} attempts: {}", m.id, m.channel,
                    m.attempts + 1, error);
    } else if (outcome == "retry" && m.attempts == 0) {
      spdlog::warn("outbox: delivery to {} ({}) failed, will retry: {}", m.channel, m.url, error);
    }
    if (metrics_ != nullptr) {
      metrics_
          ->GetCounter("vigil_notifications_total", "Notification delivery attempts by outcome.",
                       {{"channel", m.channel}, {"outcome", outcome}})
          .Inc();
    }
  }
  return static_cast<int>(due.size());
}

Result<OutboxNotifier::Counts> OutboxNotifier::GetCounts() {
  Counts c;
  Status st = store_.Read([&](SqliteDb& db) {
    Result<SqliteStatement> stmt =
        db.Prepare("SELECT status, COUNT(*) FROM outbox GROUP BY status");
    if (!stmt.ok()) return stmt.status();
    Status step;
    while (stmt->Step(step)) {
      std::string s = stmt->ColumnText(0);
      int64_t n = stmt->ColumnInt(1);
      if (s == "pending") c.pending = n;
      if (s == "delivered") c.delivered = n;
      if (s == "expired") c.expired = n;
    }
    return step;
  });
  if (!st.ok()) return st;
  return c;
}

}  // namespace vigil
