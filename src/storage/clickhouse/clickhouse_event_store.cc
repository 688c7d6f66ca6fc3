#include "storage/clickhouse/clickhouse_event_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <functional>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "storage/clickhouse/clickhouse_rows.h"
#include "storage/clickhouse/clickhouse_schema.h"

namespace vigil {
namespace {

// Identity lookups send one number per event; the default max_query_size (256 KiB) is too
// small for a 20,000-event batch.
const char kLargeQuery[] = "max_query_size=33554432";
constexpr size_t kIdentitiesPerLookup = 20'000;
// Each INSERT is a part ClickHouse must merge later: below this many rows a group goes as one
// block (bench/ingest on 2 cores: four 1,000-row parts in flight were 30% slower than one
// 4,000-row part — merges took a third of the CPU).
constexpr size_t kMinRowsPerInsert = 5'000;

size_t ShardOf(const std::string& trace_id, size_t shards) {
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : trace_id) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return static_cast<size_t>(h % shards);
}

std::vector<std::pair<int32_t, uint64_t>> ParseSumMap(const std::string& text) {
  // "([i1,i2,…],[c1,c2,…])"
  std::vector<std::pair<int32_t, uint64_t>> out;
  const size_t mid = text.find("],[");
  if (text.size() < 7 || mid == std::string::npos) return out;
  std::vector<int64_t> keys, counts;
  auto numbers = [](const std::string& list, std::vector<int64_t>& into) {
    const char* p = list.c_str();
    while (*p) {
      char* end = nullptr;
      const long long v = std::strtoll(p, &end, 10);
      if (end == p) {
        ++p;
        continue;
      }
      into.push_back(v);
      p = end;
    }
  };
  numbers(text.substr(2, mid - 2), keys);
  numbers(text.substr(mid + 3, text.size() - mid - 5), counts);
  for (size_t i = 0; i < keys.size() && i < counts.size(); ++i) {
    out.emplace_back(static_cast<int32_t>(keys[i]), static_cast<uint64_t>(counts[i]));
  }
  return out;
}

}  // namespace

ClickHouseEventStore::ClickHouseEventStore(ClickHouseStoreOptions options)
    : options_(std::move(options)),
      main_(options_.endpoint, options_.timeout),
      identity_cache_(options_.dedup_cache_bytes, options_.dedup_window_ns) {
  for (const ClickHouseEndpoint& shard : options_.shards) {
    shards_.push_back(std::make_unique<ClickHouseHttp>(shard, options_.timeout));
  }
  std::random_device random;
  instance_ = std::to_string(random()) + std::to_string(random());
}

Result<std::unique_ptr<ClickHouseEventStore>> ClickHouseEventStore::Open(
    ClickHouseStoreOptions options) {
  if (!options.cluster.empty() && options.shards.empty()) {
    return Status::InvalidArgument("a cluster needs the HTTP URL of each shard",
                                   "storage.clickhouse.shards");
  }
  std::unique_ptr<ClickHouseEventStore> store(new ClickHouseEventStore(std::move(options)));
  const ClickHouseStoreOptions& o = store->options_;
  if (o.cluster.empty()) {
    Status st = MigrateClickHouseServer(store->main_, o.database, "events", "");
    if (!st.ok()) return st;
  } else {
    Status st = CheckClickHouseCluster(store->main_, o.cluster, store->shards_.size());
    if (!st.ok()) return st;
    for (auto& shard : store->shards_) {
      st = MigrateClickHouseServer(*shard, o.database, "events_local", o.cluster);
      if (!st.ok()) return st;
    }
  }
  // seq: arrival order, unique. Microseconds of the wall clock, bumped past the last one handed
  // out, so numbers keep growing across restarts (and past spooled batches) without a lookup;
  // the stored maximum guards against a clock that went back.
  Result<std::string> max_seq =
      store->main_.Query("SELECT max(seq) FROM " + o.database + ".events");
  if (!max_seq.ok()) return max_seq.status();
  store->last_seq_ = std::strtoll(max_seq->c_str(), nullptr, 10);
  Result<int64_t> floor = store->StoredHorizon();
  if (!floor.ok()) return floor.status();
  store->identity_cache_.SetFloor(*floor);
  if (!o.spool_dir.empty()) {
    Result<std::unique_ptr<Spool>> spool = Spool::Open(o.spool_dir, o.spool_max_bytes);
    if (!spool.ok()) return spool.status();
    store->spool_ = std::move(spool).value();
    if (store->spool_->pending_records() > 0) {
      // An earlier run's batches are not in ClickHouse yet, and the cache has not seen them:
      // every lookup goes to ClickHouse until the replayer has drained them.
      store->identity_cache_.SetFloor(INT64_MAX);
      store->cache_floor_after_drain_ = true;
    }
    ClickHouseEventStore* self = store.get();
    store->replayer_ = std::thread([self] { self->ReplayLoop(); });
  }
  if (o.retention_days > 0) {
    ClickHouseEventStore* self = store.get();
    store->retention_ = std::thread([self] {
      std::unique_lock<std::mutex> lock(self->spool_mu_);
      while (!self->stopping_) {
        lock.unlock();
        const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
        Result<std::vector<std::string>> dropped =
            self->DropDaysBefore(now - self->options_.retention_days * 86400LL * 1'000'000'000);
        if (!dropped.ok()) {
          spdlog::warn("retention: {}", dropped.status().message());
        } else if (!dropped->empty()) {
          spdlog::info("retention: dropped {} day(s) of events, the oldest {}", dropped->size(),
                       dropped->front());
        }
        lock.lock();
        self->spool_cv_.wait_for(lock, std::chrono::hours(1), [self] { return self->stopping_; });
      }
    });
  }
  return store;
}

Result<std::vector<std::string>> ClickHouseEventStore::DropDaysBefore(int64_t cutoff_ns) {
  // The first day to keep: the UTC day holding the cutoff.
  const std::string keep_from = ClickHouseDayLiteral(cutoff_ns);
  std::set<std::string> dropped;
  const bool local = !shards_.empty();
  // The rollup cells go with their events: a summary never counts what the events no longer hold.
  std::vector<std::string> tables = {LocalEventsTable()};
  for (const ClickHouseRollupGrain& grain : kClickHouseRollupGrains) {
    tables.push_back(ClickHouseRollupTable(grain.name, local));
  }
  for (size_t d = 0; d < std::max<size_t>(1, shards_.size()); ++d) {
    ClickHouseHttp& server = ServerOf(d);
    for (const std::string& table : tables) {
      Result<std::string> parts = server.Query(
          "SELECT DISTINCT partition FROM system.parts WHERE active AND database = " +
          ClickHouseQuote(options_.database) + " AND table = " + ClickHouseQuote(table) +
          " AND partition < " + keep_from + " ORDER BY partition");
      if (!parts.ok()) return parts.status();
      for (auto& row : ParseTabSeparated(*parts)) {
        if (row.empty() || row[0].size() != 10) continue;
        Result<std::string> r = server.Query("ALTER TABLE " + options_.database + "." + table +
                                             " DROP PARTITION '" + row[0] + "'");
        if (!r.ok()) return r.status();
        dropped.insert(row[0]);
      }
    }
  }
  return std::vector<std::string>(dropped.begin(), dropped.end());
}

ClickHouseEventStore::~ClickHouseEventStore() {
  {
    std::lock_guard<std::mutex> lock(spool_mu_);
    stopping_ = true;
  }
  spool_cv_.notify_all();
  if (replayer_.joinable()) replayer_.join();
  if (retention_.joinable()) retention_.join();
}

Result<int64_t> ClickHouseEventStore::StoredHorizon() {
  Result<std::string> r =
      main_.Query("SELECT count(), max(ts_ns) FROM " + options_.database + ".events");
  if (!r.ok()) return r.status();
  auto rows = ParseTabSeparated(*r);
  if (rows.empty() || rows[0].size() != 2) {
    return Status::Internal("unexpected answer to the horizon query: " + *r);
  }
  if (std::strtoll(rows[0][0].c_str(), nullptr, 10) == 0) return INT64_MIN;
  return std::strtoll(rows[0][1].c_str(), nullptr, 10) + 1;
}

void ClickHouseEventStore::LowerCacheFloorAfterDrain() {
  Result<int64_t> floor = StoredHorizon();
  if (!floor.ok()) return;  // tried again after the next replayed group
  std::lock_guard<std::mutex> lock(append_mu_);
  identity_cache_.SetFloor(*floor);
  cache_floor_after_drain_ = false;
  spdlog::info(
      "spool: the earlier run's batches are in ClickHouse; duplicate lookups use the "
      "identity cache again");
}

int64_t ClickHouseEventStore::NextSeq() {
  const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  last_seq_ = std::max(last_seq_ + 1, now_us);
  return last_seq_;
}

Result<std::vector<bool>> ClickHouseEventStore::AlreadyStored(std::span<const Event> events) {
  std::vector<bool> stored(events.size(), false);
  if (events.empty()) return stored;
  int64_t min_ts = events[0].ts_ns, max_ts = events[0].ts_ns;
  std::set<uint64_t> hashes;
  for (const Event& e : events) {
    min_ts = std::min(min_ts, e.ts_ns);
    max_ts = std::max(max_ts, e.ts_ns);
    hashes.insert(EventIdentityHash(e));
  }
  // In chunks: ClickHouse refuses a query whose syntax tree exceeds max_ast_elements (50,000 by
  // default), and a replayed group can hold far more identities than that.
  const std::string prefix = "SELECT tenant, trace_id, span_id FROM " + options_.database +
                             ".events WHERE " +
                             ClickHouseTimeCondition(min_ts - options_.dedup_window_ns,
                                                     max_ts + 1 + options_.dedup_window_ns) +
                             " AND identity IN (";
  std::set<std::tuple<std::string, std::string, std::string>> found;
  auto it = hashes.begin();
  while (it != hashes.end()) {
    std::string sql = prefix;
    for (size_t n = 0; it != hashes.end() && n < kIdentitiesPerLookup; ++it, ++n) {
      if (n) sql += ',';
      sql += std::to_string(*it);
    }
    sql += ")";
    Result<std::string> r = main_.Query(sql, kLargeQuery);
    if (!r.ok()) return r.status();
    for (auto& row : ParseTabSeparated(*r)) {
      if (row.size() == 3) found.emplace(row[0], row[1], row[2]);
    }
  }
  if (found.empty()) return stored;
  for (size_t i = 0; i < events.size(); ++i) {
    stored[i] = found.count({events[i].tenant, events[i].trace_id, events[i].span_id}) > 0;
  }
  return stored;
}

Result<AppendResult> ClickHouseEventStore::Append(std::span<const Event> events) {
  std::lock_guard<std::mutex> lock(append_mu_);
  AppendResult result;
  result.is_new.assign(events.size(), true);
  std::set<std::tuple<std::string_view, std::string_view, std::string_view>> in_batch;
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    if (!in_batch.emplace(e.tenant, e.trace_id, e.span_id).second) result.is_new[i] = false;
  }
  // While older batches wait in the spool, new ones queue behind them.
  bool spooling = spool_ && spool_->pending_records() > 0;
  bool checked = false;
  Status why = Status::Unavailable("older batches are still spooled");
  std::vector<uint64_t> identities(events.size());
  for (size_t i = 0; i < events.size(); ++i) identities[i] = EventIdentityHash(events[i]);
  if (!spooling) {
    // ClickHouse is asked only about events the cache cannot rule out.
    std::vector<size_t> ask;
    for (size_t i = 0; i < events.size(); ++i) {
      if (result.is_new[i] && identity_cache_.Check(identities[i], events[i].ts_ns) !=
                                  IdentityCache::Answer::kNotStored) {
        ask.push_back(i);
      }
    }
    std::vector<Event> asked;
    asked.reserve(ask.size());
    for (size_t i : ask) asked.push_back(events[i]);
    Result<std::vector<bool>> stored = AlreadyStored(asked);
    if (stored.ok()) {
      checked = true;
      for (size_t k = 0; k < ask.size(); ++k) {
        if ((*stored)[k]) result.is_new[ask[k]] = false;
      }
    } else if (spool_) {
      spooling = true;
      why = stored.status();
    } else {
      return stored.status();
    }
  }
  // The group is cut into sub-batches (each with its own batch_id, one block per destination)
  // that are inserted concurrently: ClickHouse parses and writes one INSERT on one thread, so a
  // single block in flight leaves the other cores idle.
  const size_t destinations = shards_.empty() ? 1 : shards_.size();
  const size_t sub_count = std::clamp<size_t>(events.size() / kMinRowsPerInsert, 1,
                                              std::max<size_t>(1, options_.inserts_in_flight));
  std::vector<SubBatch> subs(sub_count);
  for (SubBatch& sub : subs) {
    sub.batch_id = instance_ + "-" + std::to_string(++batch_counter_);
    sub.rows.resize(destinations);
  }
  for (size_t i = 0; i < events.size(); ++i) {
    if (!result.is_new[i]) {
      ++result.duplicates;
      continue;
    }
    // Added before the insert: a failed or in-doubt one leaves a stale entry, which only costs a
    // ClickHouse lookup when the identity comes back.
    identity_cache_.Add(identities[i], events[i].ts_ns);
    SubBatch& sub = subs[i * sub_count / events.size()];
    const size_t d = destinations == 1 ? 0 : ShardOf(events[i].trace_id, destinations);
    EncodeEventRow(sub.rows[d], events[i], NextSeq(), sub.batch_id);
    sub.min_ts = std::min(sub.min_ts, events[i].ts_ns);
    sub.max_ts = std::max(sub.max_ts, events[i].ts_ns);
    ++result.inserted;
  }
  if (result.inserted == 0) return result;
  if (spooling) {
    for (const SubBatch& sub : subs) {
      if (sub.min_ts > sub.max_ts) continue;  // every event of this part was a duplicate
      Status st = SpoolBatch(sub.batch_id, sub.min_ts, sub.max_ts, checked, sub.rows, 0, why);
      if (!st.ok()) return st;
    }
    return result;
  }
  Status st = InsertConcurrently(subs, checked);
  if (!st.ok()) return st;
  return result;
}

Status ClickHouseEventStore::InsertConcurrently(std::vector<SubBatch>& subs, bool checked) {
  struct Job {
    SubBatch* sub;
    size_t destination;
    Status outcome;
  };
  std::vector<Job> jobs;
  for (SubBatch& sub : subs) {
    for (size_t d = 0; d < sub.rows.size(); ++d) {
      if (!sub.rows[d].empty()) jobs.push_back({&sub, d, Status::Ok()});
    }
  }
  auto run = [this](Job& job) {
    Result<std::string> r = InsertInto(job.destination, job.sub->rows[job.destination]);
    if (!r.ok()) job.outcome = r.status();
  };
  std::vector<std::thread> helpers;
  for (size_t j = 1; j < jobs.size(); ++j) helpers.emplace_back(run, std::ref(jobs[j]));
  if (!jobs.empty()) run(jobs[0]);
  for (std::thread& t : helpers) t.join();

  Status first_error = Status::Ok();
  for (const Job& job : jobs) {
    if (job.outcome.ok()) {
      job.sub->rows[job.destination].clear();  // stored: nothing left to spool for it
    } else {
      job.sub->failed = true;
      if (first_error.ok()) first_error = job.outcome;
    }
  }
  if (first_error.ok()) return first_error;
  if (!spool_) return first_error;
  // The failed destinations are in doubt (a timeout may still have stored them): the replayer
  // asks before sending them again.
  for (const SubBatch& sub : subs) {
    if (!sub.failed) continue;
    Status st = SpoolBatch(sub.batch_id, sub.min_ts, sub.max_ts, checked, sub.rows, 0, first_error);
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

Result<std::string> ClickHouseEventStore::InsertInto(size_t d, const std::string& rows) {
  return ServerOf(d).Insert(
      "INSERT INTO " + options_.database + "." + LocalEventsTable() + " FORMAT RowBinary", rows);
}

Result<int64_t> ClickHouseEventStore::CountEvents() {
  Result<std::string> r = main_.Query("SELECT count() FROM " + options_.database + ".events");
  if (!r.ok()) return r.status();
  return static_cast<int64_t>(std::strtoll(r->c_str(), nullptr, 10));
}

std::string ClickHouseEventStore::TenantCondition(const TenantFilter& tenants) const {
  if (tenants.all) return "";
  std::string in = " AND tenant IN (";
  for (size_t i = 0; i < tenants.tenants.size(); ++i) {
    if (i) in += ',';
    in += ClickHouseQuote(tenants.tenants[i]);
  }
  return in + ")";
}

Result<std::vector<RollupRow>> ClickHouseEventStore::ReadRollups(const RollupQuery& q) {
  std::vector<RollupRow> rows;
  if (!q.tenants.all && q.tenants.tenants.empty()) return rows;
  std::string filters = TenantCondition(q.tenants);
  if (!q.use_case.empty()) filters += " AND use_case = " + ClickHouseQuote(q.use_case);
  if (!q.release.empty()) filters += " AND release = " + ClickHouseQuote(q.release);
  for (const RollupPlanPart& part : PlanRollupRead(q.from_ns, q.to_ns, q.coarsest_grain)) {
    // Cells kept by the materialized views (schema v2): aggregate states merged at read.
    const std::string table =
        ClickHouseRollupTable(part.grain == RollupGrain::kMinute ? "minute" : "hour", false);
    const std::string sql =
        "SELECT bucket_ns, " + std::string(kClickHouseRollupKeys) +
        ", countMerge(n), sumMerge(errors), sumMerge(retries), sumMerge(refusals), "
        "sumMerge(tokens_in), sumMerge(tokens_out), sumMerge(collisions), sumMerge(unpriced), "
        "sumMerge(cost), sumMerge(value_sum), sumMapMerge(latency), sumMerge(latency_sum), "
        "maxMerge(latency_max) FROM " +
        options_.database + "." + table + " WHERE " +
        ClickHouseRollupBucketCondition(part.from_ns, part.to_ns) + filters +
        " GROUP BY bucket_ns, " + kClickHouseRollupKeys;
    Result<std::string> r = main_.Query(sql);
    if (!r.ok()) return r.status();
    for (const auto& f : ParseTabSeparated(*r)) {
      if (f.size() != 22) return Status::Internal("clickhouse: unexpected rollup row");
      auto u64 = [](const std::string& s) { return std::strtoull(s.c_str(), nullptr, 10); };
      RollupRow row;
      row.bucket_ns = std::strtoll(f[0].c_str(), nullptr, 10);
      row.grain = part.grain;
      row.key = {f[1], f[2], static_cast<Layer>(u64(f[3])), f[4], f[5], f[6], f[7], f[8]};
      RollupCell& c = row.cell;
      c.count = u64(f[9]);
      c.errors = u64(f[10]);
      c.retries = u64(f[11]);
      c.refusals = u64(f[12]);
      c.tokens_in = u64(f[13]);
      c.tokens_out = u64(f[14]);
      c.collisions = u64(f[15]);
      c.unpriced = u64(f[16]);
      c.cost_usd = std::strtod(f[17].c_str(), nullptr);
      c.value_sum = std::strtod(f[18].c_str(), nullptr);
      bool any_latency = false;
      for (const auto& [index, n] : ParseSumMap(f[19])) {
        if (index == kNoLatency) continue;
        any_latency = true;
        if (index == kZeroLatency) {
          c.latency.AddZeroCount(n);
        } else {
          c.latency.AddBucketCount(index, n);
        }
      }
      if (any_latency) {
        c.latency.AddSumAndMax(std::strtod(f[20].c_str(), nullptr),
                               std::strtod(f[21].c_str(), nullptr));
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

Result<std::vector<StoredEvent>> ClickHouseEventStore::ReadTrace(const TenantFilter& tenants,
                                                                 const std::string& trace_id) {
  std::vector<StoredEvent> out;
  if (!tenants.all && tenants.tenants.empty()) return out;
  Result<std::string> r =
      main_.Query(std::string("SELECT ") + kEventSelectColumns + " FROM " + options_.database +
                  ".events WHERE trace_id = " + ClickHouseQuote(trace_id) +
                  TenantCondition(tenants) + " ORDER BY ts_ns, seq");
  if (!r.ok()) return r.status();
  for (const auto& fields : ParseTabSeparated(*r)) {
    Result<StoredEvent> e = DecodeEventRow(fields);
    if (!e.ok()) return e.status();
    out.push_back(std::move(e).value());
  }
  return out;
}

Result<EventPage> ClickHouseEventStore::ListEvents(const EventQuery& q) {
  EventPage page;
  if (!q.tenants.all && q.tenants.tenants.empty()) return page;
  std::string where = ClickHouseTimeCondition(q.from_ns, q.to_ns) + TenantCondition(q.tenants);
  auto equals = [&](const char* column, const std::string& value) {
    if (!value.empty()) where += std::string(" AND ") + column + " = " + ClickHouseQuote(value);
  };
  equals("use_case", q.use_case);
  equals("model", q.model);
  equals("tool", q.tool);
  equals("release", q.release);
  if (!q.error_class.empty()) {
    const std::string v = ClickHouseQuote(q.error_class);
    where += " AND (error_class = " + v + " OR error_base = " + v + ")";
  }
  if (q.layer) where += " AND layer = " + std::to_string(static_cast<int>(*q.layer));
  if (q.status) where += " AND status = " + std::to_string(static_cast<int>(*q.status));
  if (q.after) {
    const std::string ts = std::to_string(q.after->ts_ns);
    where += " AND (ts_ns < " + ts + " OR (ts_ns = " + ts + " AND seq < " +
             std::to_string(q.after->seq) + "))";
  }
  Result<std::string> r =
      main_.Query(std::string("SELECT ") + kEventSelectColumns + " FROM " + options_.database +
                  ".events WHERE " + where + " ORDER BY ts_ns DESC, seq DESC LIMIT " +
                  std::to_string(q.limit + 1));
  if (!r.ok()) return r.status();
  for (const auto& fields : ParseTabSeparated(*r)) {
    Result<StoredEvent> e = DecodeEventRow(fields);
    if (!e.ok()) return e.status();
    page.events.push_back(std::move(e).value());
  }
  if (page.events.size() > q.limit) {
    page.events.resize(q.limit);
    page.next = EventCursor{page.events.back().event.ts_ns, page.events.back().seq};
  }
  return page;
}

Result<std::vector<std::string>> ClickHouseEventStore::KnownTenants() {
  Result<std::string> r =
      main_.Query("SELECT DISTINCT tenant FROM " + options_.database + ".events ORDER BY tenant");
  if (!r.ok()) return r.status();
  std::vector<std::string> tenants;
  for (auto& row : ParseTabSeparated(*r)) {
    if (!row.empty()) tenants.push_back(row[0]);
  }
  return tenants;
}

}  // namespace vigil
