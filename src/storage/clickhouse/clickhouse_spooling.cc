// The ClickHouse store's spool path: batches ClickHouse could not take wait in the spool, and a
// background thread replays them in order (see the contract in clickhouse_event_store.h).
#include <spdlog/spdlog.h>

#include <cstring>
#include <set>
#include <tuple>

#include "storage/clickhouse/clickhouse_event_store.h"
#include "storage/clickhouse/clickhouse_rows.h"
#include "storage/clickhouse/clickhouse_schema.h"

namespace vigil {
namespace {
// Batch id lists can exceed the default max_query_size (256 KiB).
const char kLargeQuery[] = "max_query_size=33554432";

template <typename Strings>
std::string QuotedList(const Strings& values) {
  std::string list;
  for (const std::string& v : values) list += (list.empty() ? "" : ",") + ClickHouseQuote(v);
  return list;
}
}  // namespace

// One spooled batch: its id, time span (to look it up), whether the duplicate lookup ran, and
// the encoded rows of each destination not yet known to be stored.
struct ClickHouseEventStore::SpoolRecord {
  std::string batch_id;
  int64_t min_ts = 0, max_ts = 0;
  bool checked = false;
  std::vector<std::pair<uint32_t, std::string>> parts;  // destination → RowBinary rows

  std::string Encode() const {
    std::string out;
    auto put = [&](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); };
    auto put_string = [&](const std::string& s) {
      const uint64_t n = s.size();
      put(&n, sizeof(n));
      out += s;
    };
    put_string(batch_id);
    put(&min_ts, sizeof(min_ts));
    put(&max_ts, sizeof(max_ts));
    const uint8_t c = checked ? 1 : 0;
    put(&c, 1);
    const uint32_t count = static_cast<uint32_t>(parts.size());
    put(&count, sizeof(count));
    for (const auto& [destination, rows] : parts) {
      put(&destination, sizeof(destination));
      put_string(rows);
    }
    return out;
  }

  static Result<SpoolRecord> Decode(std::string_view in) {
    SpoolRecord r;
    size_t pos = 0;
    bool ok = true;
    auto get = [&](void* p, size_t n) {
      if (!ok || in.size() - pos < n) {
        ok = false;
        return;
      }
      std::memcpy(p, in.data() + pos, n);
      pos += n;
    };
    auto get_string = [&](std::string& s) {
      uint64_t n = 0;
      get(&n, sizeof(n));
      if (!ok || in.size() - pos < n) {
        ok = false;
        return;
      }
      s.assign(in.substr(pos, n));
      pos += n;
    };
    get_string(r.batch_id);
    get(&r.min_ts, sizeof(r.min_ts));
    get(&r.max_ts, sizeof(r.max_ts));
    uint8_t c = 0;
    get(&c, 1);
    r.checked = c != 0;
    uint32_t count = 0;
    get(&count, sizeof(count));
    for (uint32_t i = 0; ok && i < count; ++i) {
      std::pair<uint32_t, std::string> part;
      get(&part.first, sizeof(part.first));
      get_string(part.second);
      r.parts.push_back(std::move(part));
    }
    if (!ok) return Status::Internal("a spooled batch record is malformed");
    return r;
  }
};

Status ClickHouseEventStore::SpoolBatch(const std::string& batch_id, int64_t min_ts, int64_t max_ts,
                                        bool checked, const std::vector<std::string>& rows,
                                        size_t first, const Status& why) {
  SpoolRecord record{batch_id, min_ts, max_ts, checked, {}};
  for (size_t d = first; d < rows.size(); ++d) {
    if (!rows[d].empty()) record.parts.emplace_back(static_cast<uint32_t>(d), rows[d]);
  }
  Status st = spool_->Append(record.Encode());
  {
    std::lock_guard<std::mutex> lock(spool_mu_);
    last_error_ = why.message();
    if (st.ok()) ++spooled_;
  }
  if (!st.ok()) {
    return Status::ResourceExhausted(st.message() + " (ClickHouse: " + why.message() + ")");
  }
  spool_cv_.notify_all();
  return Status::Ok();
}

// Replays a group of spooled batches with one presence query and one INSERT per destination:
// a backlog drains at insert speed rather than one round trip per original request.
Status ClickHouseEventStore::ReplayGroup(const std::vector<std::string>& payloads) {
  std::vector<SpoolRecord> records;
  for (const std::string& p : payloads) {
    Result<SpoolRecord> r = SpoolRecord::Decode(p);
    if (!r.ok()) return r.status();
    records.push_back(std::move(r).value());
  }
  const size_t destinations = std::max<size_t>(1, shards_.size());
  for (size_t d = 0; d < destinations; ++d) {
    int64_t min_ts = INT64_MAX, max_ts = INT64_MIN;
    std::vector<std::pair<const SpoolRecord*, const std::string*>> parts;
    for (const SpoolRecord& r : records) {
      for (const auto& [destination, rows] : r.parts) {
        if (destination != d) continue;
        parts.emplace_back(&r, &rows);
        min_ts = std::min(min_ts, r.min_ts);
        max_ts = std::max(max_ts, r.max_ts);
      }
    }
    if (parts.empty()) continue;
    // A first attempt may have been stored before a timeout (or before a crash): ask.
    std::vector<std::string> ids;
    for (const auto& [record, rows] : parts) ids.push_back(record->batch_id);
    Result<std::set<std::string>> present = PresentBatches(d, ids, min_ts, max_ts);
    if (!present.ok()) return present.status();
    if (!present->empty()) {
      Status repaired = RepairRollups(d, *present, min_ts, max_ts);
      if (!repaired.ok()) return repaired;
    }
    // Rows to send; batches spooled without the duplicate lookup get it now, together.
    std::vector<EncodedRow> unchecked;
    std::string to_send;
    for (const auto& [record, rows] : parts) {
      if (present->count(record->batch_id)) continue;
      if (record->checked) {
        to_send += *rows;
        continue;
      }
      Result<std::vector<EncodedRow>> decoded = DecodeEventRows(*rows);
      if (!decoded.ok()) return decoded.status();
      for (EncodedRow& row : *decoded) unchecked.push_back(std::move(row));
    }
    if (!unchecked.empty()) {
      std::vector<Event> events;
      for (const EncodedRow& row : unchecked) events.push_back(row.event);
      Result<std::vector<bool>> stored = AlreadyStored(events);
      if (!stored.ok()) return stored.status();
      std::set<std::tuple<std::string, std::string, std::string>> seen;
      for (size_t i = 0; i < unchecked.size(); ++i) {
        const Event& e = unchecked[i].event;
        if ((*stored)[i] || !seen.emplace(e.tenant, e.trace_id, e.span_id).second) continue;
        EncodeEventRow(to_send, e, unchecked[i].seq, unchecked[i].batch_id);
      }
    }
    if (to_send.empty()) continue;
    Result<std::string> r = InsertInto(d, to_send);
    if (!r.ok()) return r.status();
  }
  return Status::Ok();
}

Status ClickHouseEventStore::RepairRollups(size_t d, const std::set<std::string>& batch_ids,
                                           int64_t min_ts, int64_t max_ts) {
  const bool local = !shards_.empty();
  ClickHouseHttp& server = ServerOf(d);
  const std::string events = options_.database + "." + LocalEventsTable();
  const std::string in = QuotedList(batch_ids);
  for (const auto& [grain, width] : kClickHouseRollupGrains) {
    const int64_t from = min_ts / width * width - (min_ts < 0 ? width : 0);
    const int64_t to = max_ts / width * width + width;
    const std::string rollup = options_.database + "." + ClickHouseRollupTable(grain, local);
    Result<std::string> stored = server.Query(
        "SELECT batch_id IN (" + in + ") AS in_doubt, batch_id, count() FROM " + events +
            " WHERE " + ClickHouseTimeCondition(from, to) + " GROUP BY in_doubt, batch_id",
        kLargeQuery);
    if (!stored.ok()) return stored.status();
    Result<std::string> cells = server.Query("SELECT countMerge(n) FROM " + rollup + " WHERE " +
                                             ClickHouseRollupBucketCondition(from, to));
    if (!cells.ok()) return cells.status();
    int64_t total = 0, in_doubt_total = 0;
    std::vector<std::pair<std::string, int64_t>> in_doubt;
    for (const auto& row : ParseTabSeparated(*stored)) {
      if (row.size() != 3) continue;
      const int64_t n = std::strtoll(row[2].c_str(), nullptr, 10);
      total += n;
      if (row[0] == "1") {
        in_doubt.emplace_back(row[1], n);
        in_doubt_total += n;
      }
    }
    const int64_t missing = total - std::strtoll(cells->c_str(), nullptr, 10);
    if (missing == 0) continue;
    // Which in-doubt batches account for exactly what the cells lack: all of them, or one.
    std::string repair;
    if (missing == in_doubt_total) repair = in;
    for (const auto& [id, n] : in_doubt) {
      if (repair.empty() && n == missing) repair = ClickHouseQuote(id);
    }
    if (repair.empty()) {
      spdlog::warn("rollups: {} cells of {} lack {} events that no in-doubt batch explains", grain,
                   ClickHouseDayLiteral(from), missing);
      continue;
    }
    Result<std::string> r =
        server.Query("INSERT INTO " + rollup + " " +
                         ClickHouseRollupStateSelect(events, width,
                                                     ClickHouseTimeCondition(from, to) +
                                                         " AND batch_id IN (" + repair + ")"),
                     kLargeQuery);
    if (!r.ok()) return r.status();
    spdlog::warn(
        "rollups: {} events were stored without their {} cells (ClickHouse stopped "
        "mid-insert); the cells were added from the stored events",
        missing, grain);
  }
  return Status::Ok();
}

Result<std::set<std::string>> ClickHouseEventStore::PresentBatches(
    size_t d, const std::vector<std::string>& batch_ids, int64_t min_ts_ns, int64_t max_ts_ns) {
  Result<std::string> r = ServerOf(d).Query("SELECT DISTINCT batch_id FROM " + options_.database +
                                                "." + LocalEventsTable() + " WHERE " +
                                                ClickHouseTimeCondition(min_ts_ns, max_ts_ns + 1) +
                                                " AND batch_id IN (" + QuotedList(batch_ids) + ")",
                                            kLargeQuery);
  if (!r.ok()) return r.status();
  std::set<std::string> present;
  for (auto& row : ParseTabSeparated(*r)) {
    if (!row.empty()) present.insert(row[0]);
  }
  return present;
}

void ClickHouseEventStore::ReplayLoop() {
  auto backoff = std::chrono::milliseconds(100);
  while (true) {
    {
      std::unique_lock<std::mutex> lock(spool_mu_);
      spool_cv_.wait_for(lock, std::chrono::seconds(1),
                         [&] { return stopping_ || spool_->pending_records() > 0; });
      if (stopping_) return;
    }
    // Up to ~8 MiB of encoded rows (some 40,000 events) per round.
    std::vector<std::string> group = spool_->FrontMany(4096, 8LL << 20);
    if (group.empty()) continue;
    Status st = ReplayGroup(group);
    if (st.ok()) st = spool_->Consume(group.size());
    if (st.ok()) {
      backoff = std::chrono::milliseconds(100);
      {
        std::lock_guard<std::mutex> lock(spool_mu_);
        replayed_ += group.size();
      }
      if (cache_floor_after_drain_ && spool_->pending_records() == 0) LowerCacheFloorAfterDrain();
      continue;
    }
    {
      std::unique_lock<std::mutex> lock(spool_mu_);
      if (last_error_ != st.message()) {
        spdlog::warn("spool: {} batches wait for ClickHouse: {}", spool_->pending_records(),
                     st.message());
      }
      last_error_ = st.message();
      spool_cv_.wait_for(lock, backoff, [&] { return stopping_; });
      if (stopping_) return;
    }
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

SpoolStats ClickHouseEventStore::spool_stats() const {
  SpoolStats s;
  if (!spool_) return s;
  s.pending_batches = spool_->pending_records();
  s.pending_bytes = spool_->pending_bytes();
  std::lock_guard<std::mutex> lock(spool_mu_);
  s.spooled_batches = spooled_;
  s.replayed_batches = replayed_;
  s.last_error = last_error_;
  return s;
}

}  // namespace vigil
