// bench/detect: fault onset → P1 firing → rollback action → on-call webhook, end to end on the
// real binary. A steady stream of 500 task events/s at 2% errors; at t0 the error rate jumps to
// 40% against a P1 rule "error_rate > 0.2 over 5s" evaluated every 250 ms. The window floor —
// the time the windowed rate needs to cross the threshold at this fault size — is
// W·(0.2−0.02)/(0.4−0.02) = 0.474·W = 2.37 s; target: median ≤ floor + one tick + 0.3 s.
// Then the same fault through the stack users already run: a real Prometheus scraping Vigil's
// /metrics and evaluating an equivalent rule, and a real Alertmanager delivering to the same
// kind of webhook, both at their default intervals (scrape and evaluation 1m, group_wait 30s;
// the rule's rate window is 2m, the shortest that works with 1m scrapes): time from t0 to the
// webhook, and the ratio to Vigil's. Each of those trials takes minutes.
// Prints nothing but figures; asserts nothing.
//
//   detect_bench [--trials N] [--prometheus-trials N]   (0 skips the Prometheus comparison)

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "client/http_client.h"
#include "common/clock.h"
#include "common/time_util.h"
#include "support/vigil_process.h"
#include "support/webhook_receiver.h"

namespace vigil::bench {
namespace {

using nlohmann::json;

double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5)];
}

uint16_t FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// Runs a program with its output in `log`; killed (SIGTERM) by the destructor.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::string& log) {
    pid_ = fork();
    if (pid_ == 0) {
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      std::vector<char*> argv;
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }

 private:
  pid_t pid_ = -1;
};

bool WaitReady(const std::string& url) {
  return testing::WaitFor(
      [&] {
        HttpClient c(url);
        auto r = c.Get("/-/ready");
        return r.ok() && r->status == 200;
      },
      std::chrono::seconds(60));
}

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// The Prometheus + Alertmanager side: per trial, the use case bench-pK goes from 2% to 40%
// errors; returns t0 → webhook (s) per trial.
std::vector<double> PrometheusTrials(int trials, const std::string& vigil_url,
                                     testing::TempDir& dir, testing::WebhookReceiver& receiver,
                                     std::array<std::atomic<int>, 4>& error_per_mille) {
  std::vector<double> out;
  if (access("/usr/bin/prometheus", X_OK) != 0 ||
      access("/usr/bin/prometheus-alertmanager", X_OK) != 0) {
    std::printf("  (prometheus or prometheus-alertmanager not installed: comparison skipped)\n");
    return out;
  }
  const uint16_t prom_port = FreePort(), am_port = FreePort();
  const std::string vigil_target = vigil_url.substr(vigil_url.find("//") + 2);
  // group_by ['...']: every alert its own group, so each trial waits group_wait (30s), not the
  // group_interval of the previous trial's group.
  WriteFile(dir.File("am.yml"),
            "route: { receiver: bench, group_by: ['...'] }\n"
            "receivers:\n"
            "  - name: bench\n"
            "    webhook_configs: [ { url: \"" +
                receiver.url() + "/am\" } ]\n");
  WriteFile(dir.File("rules.yml"),
            "groups:\n"
            "  - name: bench\n"
            "    rules:\n"
            "      - alert: BenchTaskErrors\n"
            "        expr: sum by (use_case) (rate(vigil_events_total{layer=\"task\",status="
            "\"error\"}[2m])) / sum by (use_case) (rate(vigil_events_total{layer=\"task\"}[2m]))"
            " > 0.2\n"
            "        labels: { severity: critical }\n");
  WriteFile(dir.File("prometheus.yml"),
            "alerting: { alertmanagers: [ { static_configs: [ { targets: ['127.0.0.1:" +
                std::to_string(am_port) +
                "'] } ] } ] }\n"
                "rule_files: [ " +
                dir.File("rules.yml") +
                " ]\n"
                "scrape_configs: [ { job_name: vigil, static_configs: [ { targets: ['" +
                vigil_target + "'] } ] } ]\n");
  Child am(
      {"/usr/bin/prometheus-alertmanager", "--config.file=" + dir.File("am.yml"),
       "--storage.path=" + dir.File("am-data"),
       "--web.listen-address=127.0.0.1:" + std::to_string(am_port), "--cluster.listen-address="},
      dir.File("am.log"));
  Child prom({"/usr/bin/prometheus", "--config.file=" + dir.File("prometheus.yml"),
              "--storage.tsdb.path=" + dir.File("prom-data"),
              "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
             dir.File("prometheus.log"));
  if (!WaitReady("http://127.0.0.1:" + std::to_string(am_port)) ||
      !WaitReady("http://127.0.0.1:" + std::to_string(prom_port))) {
    std::printf("  (prometheus or alertmanager did not start: comparison skipped)\n");
    for (const char* log : {"am.log", "prometheus.log"}) {
      std::ifstream in(dir.File(log));
      std::string line, last;
      while (std::getline(in, line)) last = line;
      std::printf("    %s: %s\n", log, last.c_str());
    }
    return out;
  }
  std::printf("  prometheus + alertmanager started; 3 minutes of healthy traffic first\n");
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::minutes(3));
  for (int trial = 0; trial < trials && trial < 3; ++trial) {
    const std::string marker = "\"use_case\":\"bench-p" + std::to_string(trial) + "\"";
    const auto t0 = std::chrono::steady_clock::now();
    error_per_mille[static_cast<size_t>(trial) + 1] = 400;
    double seconds = -1;
    while (std::chrono::steady_clock::now() - t0 < std::chrono::minutes(10)) {
      bool fired = false;
      for (const std::string& body : receiver.Bodies()) {
        fired |= body.find(marker) != std::string::npos &&
                 body.find("\"status\":\"firing\"") != std::string::npos;
      }
      if (fired) {
        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    error_per_mille[static_cast<size_t>(trial) + 1] = 20;
    out.push_back(seconds);
    std::printf("  prometheus trial %d: t0 → alertmanager webhook %.1f s\n", trial + 1, seconds);
    std::fflush(stdout);
  }
  return out;
}

int Main(int argc, char** argv) {
  int trials = 20, prometheus_trials = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--trials")) trials = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--prometheus-trials")) prometheus_trials = std::atoi(argv[i + 1]);
  }
  const double window_s = 5, tick_s = 0.25;
  const double floor_s = window_s * (0.2 - 0.02) / (0.4 - 0.02);

  testing::TempDir dir;
  testing::WebhookReceiver receiver;
  const std::string config = R"(
auth:
  tokens:
    - { name: bench, token_env: BENCH_TOKEN, roles: [admin], tenants: "*" }
use_cases:
  - name: bench
    critical_path: true
    releases:
      - { version: v1, model: m-large, prompt: bench@1, known_good: true }
      - { version: v2, model: m-large, prompt: bench@2, active: true }
alerting:
  evaluation_interval: 250ms
  notify:
    oncall: { kind: webhook, url: ")" +
                             receiver.url() + R"(/page" }
  rules:
    - { name: fault, tier: P1, use_case: bench, layer: task, signal: error_rate, window: 5s,
        threshold: "> 0.2", min_samples: 50 }
)";
  testing::VigilProcess vigil(dir.File("data"), config, {{"BENCH_TOKEN", "b"}});
  if (!vigil.Start() || !vigil.WaitReady()) {
    std::fprintf(stderr, "cannot start vigil\n%s", vigil.Log().c_str());
    return 1;
  }
  const std::vector<std::string> auth = {"Authorization: Bearer b"};

  // bench (Vigil's rule) and bench-p0..2 (one per Prometheus trial; traffic once that starts).
  std::array<std::atomic<int>, 4> error_per_mille;
  for (auto& e : error_per_mille) e = 20;
  std::atomic<bool> prometheus_phase{false};
  std::atomic<bool> stop{false};
  std::thread traffic([&] {
    HttpClient c(vigil.base_url());
    std::vector<std::string> headers = {"Content-Type: application/x-ndjson",
                                        "Authorization: Bearer b"};
    auto next = std::chrono::steady_clock::now();
    for (uint64_t b = 0; !stop.load(); ++b) {
      std::string body;
      for (size_t uc = 0; uc < (prometheus_phase.load() ? 4u : 1u); ++uc) {
        const std::string name = uc == 0 ? "bench" : "bench-p" + std::to_string(uc - 1);
        for (int i = 0; i < 25; ++i) {  // 25 events every 50 ms = 500/s per use case
          bool error = static_cast<int>((b * 25 + static_cast<uint64_t>(i)) * 7 % 1000) <
                       error_per_mille[uc].load();
          body += R"({"tenant":"acme","trace_id":"t)" + std::to_string(b) + "-" + name +
                  R"(","span_id":")" + std::to_string(i) + R"(","request_id":"r","use_case":")" +
                  name + R"(","layer":"task","status":")" +
                  (error ? R"(error","error_class":"timeout")" : R"(ok")") + "}\n";
        }
      }
      c.Request("POST", "/v1/events", body, headers);
      next += std::chrono::milliseconds(50);
      std::this_thread::sleep_until(next);
    }
  });

  HttpClient client(vigil.base_url());
  auto alert_state = [&]() -> json {
    auto r = client.Get("/v1/alerts", auth);
    if (!r.ok() || r->status != 200) {
      std::fprintf(stderr, "GET /v1/alerts: %s\n",
                   r.ok() ? r->body.c_str() : r.status().ToString().c_str());
      return json::object();
    }
    const json body = json::parse(r->body);  // named: a temporary would dangle in the loop
    for (const auto& a : body["alerts"]) {
      if (a["rule"] == "fault") return a;
    }
    return json::object();
  };
  std::vector<double> to_firing, to_rollback, to_webhook;
  std::this_thread::sleep_for(std::chrono::seconds(6));  // a full healthy window first
  for (int trial = 0; trial < trials; ++trial) {
    const size_t pages_before = receiver.Bodies().size();
    const int64_t t0 = SystemClock::Instance().NowNanos();
    error_per_mille[0] = 400;
    // The webhook arrives after rollback (P1 actions run in order): poll the receiver closely.
    double webhook_s = -1;
    while (SystemClock::Instance().NowNanos() - t0 < 30LL * kNanosPerSecond) {
      if (receiver.Bodies().size() > pages_before) {
        webhook_s = static_cast<double>(SystemClock::Instance().NowNanos() - t0) / 1e9;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    json alert = alert_state();
    double firing_s = -1, rollback_s = -1;
    if (alert.contains("fired_at") && alert["fired_at"].is_string()) {
      firing_s =
          static_cast<double>(*ParseRfc3339(alert["fired_at"].get<std::string>()) - t0) / 1e9;
    }
    auto incidents = client.Get("/v1/incidents?status=open", auth);
    if (incidents.ok() && incidents->status == 200) {
      json list = json::parse(incidents->body);
      if (!list["incidents"].empty()) {
        auto one = client.Get(
            "/v1/incidents/" + std::to_string(list["incidents"][0]["id"].get<int>()), auth);
        const json incident = json::parse(one->body);
        for (const auto& e : incident["timeline"]) {
          if (e["kind"] == "action" && e["detail"]["action"] == "rollback" &&
              e["detail"]["alert_id"] == "fault" &&
              e["detail"]["firing_id"] == alert.value("firing_id", 0)) {
            rollback_s =
                static_cast<double>(*ParseRfc3339(e["detail"]["started"].get<std::string>()) - t0) /
                    1e9 +
                e["detail"]["duration_ms"].get<double>() / 1000;
          }
        }
        // Resolve it so the next trial opens a fresh incident.
        client.Request(
            "POST",
            "/v1/incidents/" + std::to_string(list["incidents"][0]["id"].get<int>()) + "/resolve",
            "{}", auth);
      }
    }
    to_firing.push_back(firing_s);
    to_rollback.push_back(rollback_s);
    to_webhook.push_back(webhook_s);
    std::printf("  trial %2d: firing %.2f s, rollback done %.2f s, webhook %.2f s\n", trial + 1,
                firing_s, rollback_s, webhook_s);
    std::fflush(stdout);
    // Heal and wait until the alert has resolved before the next trial.
    error_per_mille[0] = 20;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (alert_state().value("state", "") == "firing" &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    // Back to the starting point: lift the P1's freeze and make v2 active again.
    client.Request("DELETE", "/v1/freeze", R"({"use_case":"bench","reason":"bench reset"})", auth);
    client.Request("POST", "/v1/releases/bench/v2/promote", "{}", auth);
    std::this_thread::sleep_for(std::chrono::seconds(6));  // a clean window again
  }
  std::vector<double> prometheus;
  if (prometheus_trials > 0) {
    prometheus_phase = true;
    prometheus =
        PrometheusTrials(prometheus_trials, vigil.base_url(), dir, receiver, error_per_mille);
  }
  stop = true;
  traffic.join();
  std::printf(
      "detect: 500 events/s, fault 2%% → 40%% errors, rule error_rate > 0.2 over 5s, tick 250ms, "
      "%d trials\n",
      trials);
  std::printf(
      "  window floor                     %6.2f s   (target median <= floor + tick + 0.3 s = %.2f "
      "s)\n",
      floor_s, floor_s + tick_s + 0.3);
  std::printf("  t0 → P1 firing            median %6.2f s   p95 %6.2f s\n",
              Quantile(to_firing, 0.5), Quantile(to_firing, 0.95));
  std::printf("  t0 → rollback action done median %6.2f s   p95 %6.2f s\n",
              Quantile(to_rollback, 0.5), Quantile(to_rollback, 0.95));
  std::printf("  t0 → on-call webhook      median %6.2f s   p95 %6.2f s\n",
              Quantile(to_webhook, 0.5), Quantile(to_webhook, 0.95));
  std::printf("  firing median − floor            %6.2f s\n", Quantile(to_firing, 0.5) - floor_s);
  if (!prometheus.empty()) {
    const double vigil_webhook = Quantile(to_webhook, 0.5);
    const double prom_webhook = Quantile(prometheus, 0.5);
    std::printf(
        "  Prometheus 1m scrape/eval + Alertmanager (group_wait 30s), rate over 2m, %zu "
        "trials:\n",
        prometheus.size());
    std::printf("  t0 → alertmanager webhook median %6.1f s   max %6.1f s\n", prom_webhook,
                Quantile(prometheus, 1.0));
    std::printf("  ratio prometheus / vigil (webhook medians) = %.1f\n",
                vigil_webhook > 0 ? prom_webhook / vigil_webhook : 0.0);
  }
  vigil.Terminate();
  return 0;
}

}  // namespace
}  // namespace vigil::bench

int main(int argc, char** argv) { return vigil::bench::Main(argc, argv); }
