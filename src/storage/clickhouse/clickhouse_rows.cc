#include "storage/clickhouse/clickhouse_rows.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

#include "common/text.h"
#include "model/error_class.h"
#include "stream/latency_sketch.h"

namespace vigil {

const char kEventColumnsDdl[] =
    "day Date, ts DateTime, ts_ns Int64, seq Int64, batch_id String, identity UInt64, "
    "tenant String, trace_id String, span_id String, parent_span_id String, request_id String, "
    "use_case String, layer UInt8, release String, model String, tool String, status UInt8, "
    "error_class String, error_base String, latency_ms Float64, latency_bucket Int32, "
    "tokens_in Int64, tokens_out Int64, cost_usd Float64, retries Int64, refusal UInt8, "
    "idempotency_key String, metric String, value Float64, attrs String, collision UInt8, "
    "unpriced UInt8";

const char kEventSelectColumns[] =
    "seq, tenant, trace_id, span_id, ts_ns, parent_span_id, request_id, use_case, layer, "
    "release, model, tool, status, error_class, latency_ms, tokens_in, tokens_out, cost_usd, "
    "retries, refusal, idempotency_key, metric, value, attrs, collision, unpriced";

namespace {

template <typename T>
void PutLe(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));  // x86-64 and aarch64 are little-endian
  out.append(bytes, sizeof(T));
}

void PutString(std::string& out, std::string_view s) {
  uint64_t n = s.size();
  while (n >= 0x80) {
    out += static_cast<char>((n & 0x7f) | 0x80);
    n >>= 7;
  }
  out += static_cast<char>(n);
  out.append(s);
}

// FNV-1a over the identity's parts with separators; only a pre-filter (matches are confirmed
// by comparing the strings themselves).
uint64_t Fnv(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  h ^= 0xff;
  h *= 1099511628211ULL;
  return h;
}

}  // namespace

uint64_t EventIdentityHash(const Event& e) {
  return Fnv(Fnv(Fnv(14695981039346656037ULL, e.tenant), e.trace_id), e.span_id);
}

int32_t LatencyBucketOf(const Event& e) {
  if (!HasLatency(e) || !std::isfinite(e.latency_ms) || e.latency_ms < 0) return kNoLatency;
  if (e.latency_ms < LatencySketch::kMinValue) return kZeroLatency;
  return LatencySketch::IndexOf(e.latency_ms);
}

void EncodeEventRow(std::string& out, const Event& e, int64_t seq, std::string_view batch_id) {
  const int64_t ts_ns = std::max<int64_t>(e.ts_ns, 0);
  const int64_t seconds = ts_ns / 1'000'000'000;
  PutLe<uint16_t>(out, static_cast<uint16_t>(seconds / 86400));
  PutLe<uint32_t>(out, static_cast<uint32_t>(seconds));
  PutLe<int64_t>(out, e.ts_ns);
  PutLe<int64_t>(out, seq);
  PutString(out, batch_id);
  PutLe<uint64_t>(out, EventIdentityHash(e));
  PutString(out, e.tenant);
  PutString(out, e.trace_id);
  PutString(out, e.span_id);
  PutString(out, e.parent_span_id);
  PutString(out, e.request_id);
  PutString(out, e.use_case);
  PutLe<uint8_t>(out, static_cast<uint8_t>(e.layer));
  PutString(out, e.release);
  PutString(out, e.model);
  PutString(out, e.tool);
  PutLe<uint8_t>(out, static_cast<uint8_t>(e.status));
  PutString(out, e.error_class);
  PutString(out, ErrorClassBase(e.error_class));
  PutLe<double>(out, e.latency_ms);
  PutLe<int32_t>(out, LatencyBucketOf(e));
  PutLe<int64_t>(out, e.tokens_in);
  PutLe<int64_t>(out, e.tokens_out);
  PutLe<double>(out, e.cost_usd);
  PutLe<int64_t>(out, e.retries);
  PutLe<uint8_t>(out, e.refusal ? 1 : 0);
  PutString(out, e.idempotency_key);
  PutString(out, e.metric);
  PutLe<double>(out, e.value);
  std::string attrs;
  if (!e.attrs.empty()) AppendJsonStringObject(attrs, e.attrs);
  PutString(out, attrs);
  PutLe<uint8_t>(out, e.idempotency_collision ? 1 : 0);
  PutLe<uint8_t>(out, e.unpriced ? 1 : 0);
}

namespace {

// Reads the RowBinary forms EncodeEventRow writes; every read checks the remaining length.
class RowReader {
 public:
  explicit RowReader(std::string_view bytes) : bytes_(bytes) {}
  bool done() const { return pos_ == bytes_.size(); }
  bool ok() const { return ok_; }
  template <typename T>
  T Le() {
    T value{};
    if (!Need(sizeof(T))) return value;
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }
  std::string String() {
    uint64_t n = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!Need(1)) return {};
      const uint8_t b = static_cast<uint8_t>(bytes_[pos_++]);
      n |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    if (!Need(n)) return {};
    std::string out(bytes_.substr(pos_, n));
    pos_ += n;
    return out;
  }

 private:
  bool Need(uint64_t n) {
    if (!ok_ || bytes_.size() - pos_ < n) ok_ = false;
    return ok_;
  }
  std::string_view bytes_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace

Result<std::vector<EncodedRow>> DecodeEventRows(std::string_view rows) {
  std::vector<EncodedRow> out;
  RowReader r(rows);
  while (!r.done() && r.ok()) {
    EncodedRow row;
    Event& e = row.event;
    r.Le<uint16_t>();  // day
    r.Le<uint32_t>();  // ts
    e.ts_ns = r.Le<int64_t>();
    row.seq = r.Le<int64_t>();
    row.batch_id = r.String();
    r.Le<uint64_t>();  // identity
    e.tenant = r.String();
    e.trace_id = r.String();
    e.span_id = r.String();
    e.parent_span_id = r.String();
    e.request_id = r.String();
    e.use_case = r.String();
    e.layer = static_cast<Layer>(r.Le<uint8_t>());
    e.release = r.String();
    e.model = r.String();
    e.tool = r.String();
    e.status = static_cast<EventStatus>(r.Le<uint8_t>());
    e.error_class = r.String();
    r.String();  // error_base
    e.latency_ms = r.Le<double>();
    r.Le<int32_t>();  // latency_bucket
    e.tokens_in = r.Le<int64_t>();
    e.tokens_out = r.Le<int64_t>();
    e.cost_usd = r.Le<double>();
    e.retries = r.Le<int64_t>();
    e.refusal = r.Le<uint8_t>() != 0;
    e.idempotency_key = r.String();
    e.metric = r.String();
    e.value = r.Le<double>();
    const std::string attrs = r.String();
    if (!attrs.empty()) {
      nlohmann::json j = nlohmann::json::parse(attrs, nullptr, false);
      if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it) {
          if (it.value().is_string()) e.attrs.emplace_back(it.key(), it.value().get<std::string>());
        }
      }
    }
    e.idempotency_collision = r.Le<uint8_t>() != 0;
    e.unpriced = r.Le<uint8_t>() != 0;
    if (r.ok()) out.push_back(std::move(row));
  }
  if (!r.ok()) return Status::InvalidArgument("truncated RowBinary event rows");
  return out;
}

std::string ClickHouseDayLiteral(int64_t ts_ns) {
  const time_t seconds = static_cast<time_t>(std::max<int64_t>(ts_ns, 0) / 1'000'000'000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[16];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d", &utc);
  return std::string("'") + buf + "'";
}

// `day` bounds let ClickHouse skip whole partitions before it looks at ts_ns.
std::string ClickHouseTimeCondition(int64_t from_ns, int64_t to_ns_exclusive) {
  return "day >= " + ClickHouseDayLiteral(from_ns) +
         " AND day <= " + ClickHouseDayLiteral(to_ns_exclusive - 1) +
         " AND ts_ns >= " + std::to_string(from_ns) + " AND ts_ns < " +
         std::to_string(to_ns_exclusive);
}

std::vector<std::vector<std::string>> ParseTabSeparated(std::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      const char n = text[++i];
      switch (n) {
        case 't':
          field += '\t';
          break;
        case 'n':
          field += '\n';
          break;
        case 'r':
          field += '\r';
          break;
        case 'b':
          field += '\b';
          break;
        case 'f':
          field += '\f';
          break;
        case '0':
          field += '\0';
          break;
        default:
          field += n;  // \\ \' and anything else: the character itself
      }
      any = true;
    } else if (c == '\t') {
      row.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (any) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<StoredEvent> DecodeEventRow(const std::vector<std::string>& f) {
  if (f.size() != 26) {
    return Status::Internal("clickhouse: an event row has " + std::to_string(f.size()) +
                            " fields, expected 26");
  }
  auto i64 = [](const std::string& s) { return std::strtoll(s.c_str(), nullptr, 10); };
  auto dbl = [](const std::string& s) { return std::strtod(s.c_str(), nullptr); };
  StoredEvent out;
  Event& e = out.event;
  out.seq = i64(f[0]);
  e.tenant = f[1];
  e.trace_id = f[2];
  e.span_id = f[3];
  e.ts_ns = i64(f[4]);
  e.parent_span_id = f[5];
  e.request_id = f[6];
  e.use_case = f[7];
  e.layer = static_cast<Layer>(i64(f[8]));
  e.release = f[9];
  e.model = f[10];
  e.tool = f[11];
  e.status = static_cast<EventStatus>(i64(f[12]));
  e.error_class = f[13];
  e.latency_ms = dbl(f[14]);
  e.tokens_in = i64(f[15]);
  e.tokens_out = i64(f[16]);
  e.cost_usd = dbl(f[17]);
  e.retries = i64(f[18]);
  e.refusal = f[19] == "1";
  e.idempotency_key = f[20];
  e.metric = f[21];
  e.value = dbl(f[22]);
  if (!f[23].empty()) {
    nlohmann::json attrs = nlohmann::json::parse(f[23], nullptr, false);
    if (attrs.is_object()) {
      for (auto it = attrs.begin(); it != attrs.end(); ++it) {
        if (it.value().is_string()) e.attrs.emplace_back(it.key(), it.value().get<std::string>());
      }
    }
  }
  e.idempotency_collision = f[24] == "1";
  e.unpriced = f[25] == "1";
  return out;
}

}  // namespace vigil
