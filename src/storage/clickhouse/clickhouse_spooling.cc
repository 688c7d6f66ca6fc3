// The ClickHouse store's spool path: batches ClickHouse could not take wait in the spool, and a
// background thread replays them in order (see the contract in clickhouse_event_store.h).
#include <spdlog/spdlog.h>

#include <cstring>

#include "storage/clickhouse/clickhouse_event_store.h"
#include "storage/clickhouse/clickhouse_rows.h"

namespace vigil {

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

Status ClickHouseEventStore::ReplayFront(const std::string& payload) {
  Result<SpoolRecord> record = SpoolRecord::Decode(payload);
  if (!record.ok()) return record.status();
  for (auto& [destination, rows] : record->parts) {
    // The first attempt may have been stored before a timeout: ask before sending again.
    Result<bool> present = PresentIn(destination, record->batch_id, record->min_ts, record->max_ts);
    if (!present.ok()) return present.status();
    if (*present) continue;
    std::string to_send = rows;
    if (!record->checked) {  // spooled without the duplicate lookup: do it now
      Result<std::vector<EncodedRow>> decoded = DecodeEventRows(rows);
      if (!decoded.ok()) return decoded.status();
      std::vector<Event> events;
      for (const EncodedRow& row : *decoded) events.push_back(row.event);
      Result<std::vector<bool>> stored = AlreadyStored(events);
      if (!stored.ok()) return stored.status();
      to_send.clear();
      for (size_t i = 0; i < decoded->size(); ++i) {
        if (!(*stored)[i]) EncodeEventRow(to_send, events[i], (*decoded)[i].seq, record->batch_id);
      }
      if (to_send.empty()) continue;
    }
    Result<std::string> r = InsertInto(destination, to_send);
    if (!r.ok()) return r.status();
  }
  return Status::Ok();
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
    std::optional<std::string> front = spool_->Front();
    if (!front) continue;
    Status st = ReplayFront(*front);
    if (st.ok()) st = spool_->Consume();
    if (st.ok()) {
      backoff = std::chrono::milliseconds(100);
      std::lock_guard<std::mutex> lock(spool_mu_);
      ++replayed_;
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
