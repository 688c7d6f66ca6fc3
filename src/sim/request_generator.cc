#include "sim/request_generator.h"

#include <algorithm>
#include <cmath>

namespace vigil {
namespace {

constexpr int64_t kMsNs = 1'000'000;

// The first fault of `kind` whose target is `target` (and, for tool faults, whose release
// matches), or null.
const SimFault* FindFault(const SimRoute& route, const std::string& kind, const std::string& target,
                          const std::string& release = "") {
  for (const SimFault& f : route.faults) {
    if (f.kind != kind || f.target != target) continue;
    if (!f.release.empty() && !release.empty() && f.release != release) continue;
    return &f;
  }
  return nullptr;
}

}  // namespace

RequestGenerator::RequestGenerator(SimulatorConfig config,
                                   std::map<std::string, ModelPrice> pricing)
    : config_(std::move(config)), pricing_(std::move(pricing)), rng_(config_.seed) {}

bool RequestGenerator::Chance(double p) {
  return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p;
}

double RequestGenerator::LogNormalMs(double median_ms, double sigma) {
  std::lognormal_distribution<double> d(std::log(std::max(median_ms, 0.001)), sigma);
  return d(rng_);
}

std::string RequestGenerator::Hex(int digits) {
  static const char kHex[] = "0123456789abcdef";
  std::string out(static_cast<size_t>(digits), '0');
  for (char& c : out) c = kHex[rng_() & 15];
  return out;
}

const SimModelProfile& RequestGenerator::Profile(const std::string& model) const {
  auto it = config_.models.find(model);
  return it == config_.models.end() ? default_profile_ : it->second;
}

RequestGenerator::CallResult RequestGenerator::CallModel(const std::string& model,
                                                         const SimRoute& route) {
  CallResult result;
  const SimModelProfile& profile = Profile(model);
  const SimFault* timeout = FindFault(route, "upstream_timeout", model);
  const SimFault* throttle = FindFault(route, "upstream_throttle", model);
  const SimFault* slow = FindFault(route, "latency", model);
  for (int attempt = 0; attempt <= config_.max_retries; ++attempt) {
    result.retries = attempt;
    if (timeout && Chance(timeout->share)) {
      // The call hangs until the client gives up.
      result.latency_ms += static_cast<double>(config_.timeout_ns) / 1e6;
      result.error_class = "timeout";
      continue;
    }
    if (throttle && Chance(throttle->share)) {
      result.latency_ms += LogNormalMs(40, 0.3);
      result.error_class = "throttled";
      continue;
    }
    double latency = LogNormalMs(profile.latency_ms, profile.sigma);
    if (slow && Chance(slow->share)) latency += slow->latency_ms;
    result.latency_ms += latency;
    if (Chance(config_.inference_error_rate)) {
      result.error_class = "upstream_5xx";
      continue;
    }
    result.error_class.clear();
    return result;
  }
  return result;  // every attempt failed
}

SimRequest RequestGenerator::Generate(const SimRoute& route, int64_t start_ns) {
  SimRequest req;
  req.start_ns = start_ns;
  const uint64_t n = ++sequence_;
  const std::string trace_id = Hex(32);
  const std::string request_id = "req-" + Hex(12);
  std::string tenant;
  if (!config_.tenants.empty()) tenant = config_.tenants[n % config_.tenants.size()];

  // Which release serves it: the canary takes its share; degraded mode swaps model and tools.
  const bool on_canary = route.canary && static_cast<int>(rng_() % 100) < route.canary_percent;
  const SimRelease& release = on_canary ? *route.canary : route.active;
  req.release = release.version;
  std::string model = release.model;
  std::vector<std::string> tools = release.tools;
  if (route.degraded) {
    model = on_canary ? (release.fallback_model.empty() ? release.model : release.fallback_model)
                      : route.degraded_model;
    if (!on_canary) tools = route.degraded_tools;
  }

  auto make = [&](Layer layer, const std::string& span) {
    Event e;
    e.trace_id = trace_id;
    e.span_id = span;
    e.request_id = request_id;
    e.tenant = tenant;
    e.use_case = route.use_case;
    e.layer = layer;
    e.release = release.version;
    return e;
  };
  double elapsed_ms = 0;
  std::string failure;

  // Model calls: one, or two for requests that act through a tool.
  const int calls = tools.size() > 1 && Chance(0.5) ? 2 : 1;
  for (int call = 0; call < calls && failure.empty(); ++call) {
    CallResult r = CallModel(model, route);
    r.latency_ms += release.extra_latency_ms;
    Event e = make(Layer::kInference, "inf-" + std::to_string(call));
    e.parent_span_id = "task";
    e.model = model;
    e.retries = r.retries;
    e.latency_ms = r.latency_ms;
    const SimModelProfile& profile = Profile(model);
    if (r.error_class.empty()) {
      std::uniform_real_distribution<double> vary(0.75, 1.25);
      e.tokens_in = static_cast<int64_t>(static_cast<double>(profile.tokens_in) * vary(rng_));
      e.tokens_out = static_cast<int64_t>(static_cast<double>(profile.tokens_out) * vary(rng_));
      auto price = pricing_.find(model);
      if (price != pricing_.end()) {
        e.cost_usd = (static_cast<double>(e.tokens_in) * price->second.input_per_mtok +
                      static_cast<double>(e.tokens_out) * price->second.output_per_mtok) /
                     1e6;
      }
      const SimFault* malformed = FindFault(route, "malformed_output", release.version);
      if ((malformed && Chance(malformed->share)) || Chance(release.malformed_output_rate)) {
        r.error_class = "malformed_output";
      } else if (Chance(config_.refusal_rate)) {
        e.refusal = true;
        r.error_class = "refusal";
      }
    }
    if (!r.error_class.empty()) {
      e.status = EventStatus::kError;
      e.error_class = r.error_class;
      failure = r.error_class;
    }
    e.ts_ns = start_ns + static_cast<int64_t>((elapsed_ms + r.latency_ms) * kMsNs);
    elapsed_ms += r.latency_ms;
    req.events.push_back(std::move(e));

    // After the first call the agent uses its tools: the first is a lookup, later ones act.
    if (call == 0 && failure.empty()) {
      for (size_t t = 0; t < tools.size() && failure.empty(); ++t) {
        const bool action = t > 0;
        if (action && !Chance(0.6)) continue;
        Event te = make(Layer::kTool, "tool-" + std::to_string(t));
        te.parent_span_id = "task";
        te.tool = tools[t];
        te.latency_ms = LogNormalMs(config_.tool_latency_ms, 0.5);
        if (action) te.idempotency_key = "idem-" + request_id + "-" + tools[t];
        const SimFault* denied =
            FindFault(route, "tool_permission_denied", tools[t], release.version);
        if (denied && Chance(denied->share)) {
          te.status = EventStatus::kError;
          te.error_class = "permission_denied";
          failure = "permission_denied";
        } else if (Chance(config_.tool_error_rate + release.tool_error_rate)) {
          te.status = EventStatus::kError;
          te.error_class = "tool_error";
          // Half of tool errors are recovered by the agent; the rest fail the task.
          if (Chance(0.5)) failure = "tool_error";
        }
        elapsed_ms += te.latency_ms;
        te.ts_ns = start_ns + static_cast<int64_t>(elapsed_ms * kMsNs);
        req.events.push_back(std::move(te));
      }
    }
  }

  Event task = make(Layer::kTask, "task");
  task.model = model;
  task.latency_ms = elapsed_ms;
  // Tokens and cost stay on the inference events that spent them: summaries add every layer's
  // cost, and the task repeating them would count them twice.
  task.ts_ns = start_ns + static_cast<int64_t>(elapsed_ms * kMsNs);
  if (!failure.empty()) {
    task.status = EventStatus::kError;
    task.error_class = failure == "refusal" ? "refusal" : failure;
  }
  req.end_ns = task.ts_ns;
  req.failed = !failure.empty();
  req.error_class = failure;
  req.events.push_back(task);

  // Business outcomes follow the task: failures hand off and complain more.
  auto business = [&](const char* metric) {
    Event b = make(Layer::kBusiness, std::string("biz-") + metric);
    b.parent_span_id = "task";
    b.metric = metric;
    b.ts_ns = req.end_ns;
    req.events.push_back(std::move(b));
  };
  if (!req.failed && Chance(config_.conversion_rate)) business("conversion");
  if (Chance(config_.handoff_rate * (req.failed ? 5 : 1))) business("handoff_to_human");
  if (Chance(config_.complaint_rate * (req.failed ? 8 : 1))) business("complaint");
  return req;
}

}  // namespace vigil
