#include "rollup/rollup.h"

#include "model/error_class.h"

namespace vigil {

RollupKey RollupKey::Of(const Event& e) {
  RollupKey k;
  k.tenant = e.tenant;
  k.use_case = e.use_case;
  k.layer = e.layer;
  k.release = e.release;
  k.model = e.model;
  k.tool = e.tool;
  k.error_class = std::string(ErrorClassBase(e.error_class));
  k.metric = e.metric;
  return k;
}

void EventCounters::Add(const Event& e) {
  ++count;
  if (e.status == EventStatus::kError) ++errors;
  retries += static_cast<uint64_t>(e.retries);
  if (e.refusal) ++refusals;
  tokens_in += static_cast<uint64_t>(e.tokens_in);
  tokens_out += static_cast<uint64_t>(e.tokens_out);
  if (e.idempotency_collision) ++collisions;
  if (e.unpriced) ++unpriced;
  cost_usd += e.cost_usd;
  if (e.layer == Layer::kBusiness) value_sum += e.value;
}

void EventCounters::Merge(const EventCounters& o) {
  count += o.count;
  errors += o.errors;
  retries += o.retries;
  refusals += o.refusals;
  tokens_in += o.tokens_in;
  tokens_out += o.tokens_out;
  collisions += o.collisions;
  unpriced += o.unpriced;
  cost_usd += o.cost_usd;
  value_sum += o.value_sum;
}

void RollupCell::Add(const Event& e) {
  EventCounters::Add(e);
  if (HasLatency(e)) latency.Add(e.latency_ms);
}

void RollupCell::Merge(const RollupCell& o) {
  EventCounters::Merge(o);
  latency.Merge(o.latency);
}

bool RollupCell::operator==(const RollupCell& o) const {
  return static_cast<const EventCounters&>(*this) == static_cast<const EventCounters&>(o) &&
         latency == o.latency;
}

int64_t BucketStart(RollupGrain grain, int64_t ts_ns) {
  const int64_t width = static_cast<int64_t>(grain);
  int64_t start = ts_ns - ts_ns % width;
  if (ts_ns < 0 && ts_ns % width != 0) start -= width;
  return start;
}

void AccumulateRollups(std::span<const Event> events, RollupDelta& delta) {
  for (const Event& e : events) {
    RollupKey key = RollupKey::Of(e);
    delta[{RollupGrain::kMinute, BucketStart(RollupGrain::kMinute, e.ts_ns), key}].Add(e);
    delta[{RollupGrain::kHour, BucketStart(RollupGrain::kHour, e.ts_ns), std::move(key)}].Add(e);
  }
}

void AccumulateRollups(std::span<const Event> events, const std::vector<bool>& is_new,
                       RollupDelta& delta) {
  for (size_t i = 0; i < events.size(); ++i) {
    if (i < is_new.size() && !is_new[i]) continue;
    AccumulateRollups(events.subspan(i, 1), delta);
  }
}

std::vector<RollupPlanPart> PlanRollupRead(int64_t from_ns, int64_t to_ns, RollupGrain coarsest) {
  std::vector<RollupPlanPart> parts;
  int64_t from = BucketStart(RollupGrain::kMinute, from_ns);
  int64_t to = BucketStart(RollupGrain::kMinute, to_ns);
  if (to < to_ns) to += kMinuteNs;  // widen to whole minutes
  if (from >= to) return parts;
  int64_t first_hour = BucketStart(RollupGrain::kHour, from);
  if (first_hour < from) first_hour += kHourNs;
  int64_t last_hour = BucketStart(RollupGrain::kHour, to);  // exclusive end of whole hours
  if (first_hour >= last_hour || coarsest == RollupGrain::kMinute) {
    parts.push_back({RollupGrain::kMinute, from, to});
    return parts;
  }
  if (from < first_hour) parts.push_back({RollupGrain::kMinute, from, first_hour});
  parts.push_back({RollupGrain::kHour, first_hour, last_hour});
  if (last_hour < to) parts.push_back({RollupGrain::kMinute, last_hour, to});
  return parts;
}

}  // namespace vigil
