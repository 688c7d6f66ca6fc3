#include "storage/sqlite/sqlite_rollup_writer.h"

namespace vigil {

const char SqliteEventStore::Writer::kRollupColumns[] =
    "grain_s, bucket_ns, tenant, use_case, layer, release, model, tool, error_class, metric, "
    "count, errors, retries, refusals, tokens_in, tokens_out, collisions, cost_usd, value_sum, "
    "latency, unpriced";

Result<std::unique_ptr<SqliteEventStore::Writer>> SqliteEventStore::Writer::Create(
    SqliteDb db, size_t cache_cells) {
  std::unique_ptr<Writer> writer(new Writer(std::move(db), cache_cells));
  VIGIL_RETURN_IF_ERROR(writer->Prepare());
  return writer;
}

Status SqliteEventStore::Writer::Prepare() {
  Result<SqliteStatement> insert = db_.Prepare(kInsertEventSql);
  if (!insert.ok()) return insert.status();
  insert_event_ = std::move(insert).value();
  Result<SqliteStatement> select = db_.Prepare(
      std::string("SELECT ") + kRollupColumns +
      " FROM rollups WHERE grain_s = ?1 AND bucket_ns = ?2 AND tenant = ?3 AND use_case = ?4 "
      "AND layer = ?5 AND release = ?6 AND model = ?7 AND tool = ?8 AND error_class = ?9 "
      "AND metric = ?10");
  if (!select.ok()) return select.status();
  select_cell_ = std::move(select).value();
  Result<SqliteStatement> upsert = db_.Prepare(
      std::string("INSERT OR REPLACE INTO rollups (") + kRollupColumns +
      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
      "?18, ?19, ?20, ?21)");
  if (!upsert.ok()) return upsert.status();
  upsert_cell_ = std::move(upsert).value();
  return Status::Ok();
}

void SqliteEventStore::Writer::BindCell(SqliteStatement& s, const RollupCellId& id,
                                        const RollupCell& cell) {
  s.BindInt(1, static_cast<int64_t>(id.grain) / 1'000'000'000);
  s.BindInt(2, id.bucket_ns);
  s.BindTextRef(3, id.key.tenant);
  s.BindTextRef(4, id.key.use_case);
  s.BindInt(5, static_cast<int>(id.key.layer));
  s.BindTextRef(6, id.key.release);
  s.BindTextRef(7, id.key.model);
  s.BindTextRef(8, id.key.tool);
  s.BindTextRef(9, id.key.error_class);
  s.BindTextRef(10, id.key.metric);
  s.BindInt(11, static_cast<int64_t>(cell.count));
  s.BindInt(12, static_cast<int64_t>(cell.errors));
  s.BindInt(13, static_cast<int64_t>(cell.retries));
  s.BindInt(14, static_cast<int64_t>(cell.refusals));
  s.BindInt(15, static_cast<int64_t>(cell.tokens_in));
  s.BindInt(16, static_cast<int64_t>(cell.tokens_out));
  s.BindInt(17, static_cast<int64_t>(cell.collisions));
  s.BindDouble(18, cell.cost_usd);
  s.BindDouble(19, cell.value_sum);
  s.BindInt(21, static_cast<int64_t>(cell.unpriced));
}

RollupRow SqliteEventStore::Writer::ReadCell(const SqliteStatement& s) {
  RollupRow row;
  row.grain = s.ColumnInt(0) == 3600 ? RollupGrain::kHour : RollupGrain::kMinute;
  row.bucket_ns = s.ColumnInt(1);
  row.key.tenant = s.ColumnText(2);
  row.key.use_case = s.ColumnText(3);
  row.key.layer = static_cast<Layer>(s.ColumnInt(4));
  row.key.release = s.ColumnText(5);
  row.key.model = s.ColumnText(6);
  row.key.tool = s.ColumnText(7);
  row.key.error_class = s.ColumnText(8);
  row.key.metric = s.ColumnText(9);
  RollupCell& c = row.cell;
  c.count = static_cast<uint64_t>(s.ColumnInt(10));
  c.errors = static_cast<uint64_t>(s.ColumnInt(11));
  c.retries = static_cast<uint64_t>(s.ColumnInt(12));
  c.refusals = static_cast<uint64_t>(s.ColumnInt(13));
  c.tokens_in = static_cast<uint64_t>(s.ColumnInt(14));
  c.tokens_out = static_cast<uint64_t>(s.ColumnInt(15));
  c.collisions = static_cast<uint64_t>(s.ColumnInt(16));
  c.cost_usd = s.ColumnDouble(17);
  c.value_sum = s.ColumnDouble(18);
  Result<LatencySketch> sketch = LatencySketch::Deserialize(s.ColumnBlob(19));
  if (sketch.ok()) c.latency = std::move(sketch).value();
  c.unpriced = static_cast<uint64_t>(s.ColumnInt(20));
  return row;
}

Status SqliteEventStore::Writer::Load(const RollupCellId& id, RollupCell& cell) {
  auto cached = cache_.find(id);
  if (cached != cache_.end()) {
    cell = cached->second;
    return Status::Ok();
  }
  BindCell(select_cell_, id, RollupCell{});
  Status st;
  if (select_cell_.Step(st)) cell = ReadCell(select_cell_).cell;
  select_cell_.Reset();
  return st;
}

Status SqliteEventStore::Writer::InsertEvents(std::span<const Event> events, AppendResult& result) {
  result.is_new.reserve(events.size());
  for (const Event& e : events) {
    BindEventRow(insert_event_, e, attrs_buffer_);
    Status st;
    insert_event_.Step(st);
    insert_event_.Reset();
    if (!st.ok()) return st;
    bool inserted = sqlite3_changes(db_.raw()) > 0;
    result.is_new.push_back(inserted);
    if (inserted) {
      ++result.inserted;
    } else {
      ++result.duplicates;
    }
  }
  return Status::Ok();
}

Result<AppendResult> SqliteEventStore::Writer::Append(std::span<const Event> events) {
  AppendResult result;
  VIGIL_RETURN_IF_ERROR(db_.Exec("BEGIN IMMEDIATE"));
  Status st = InsertEvents(events, result);
  RollupDelta staged;
  if (st.ok()) {
    AccumulateRollups(events, result.is_new, staged);
    for (auto& [id, delta] : staged) {
      RollupCell base;
      st = Load(id, base);
      if (!st.ok()) break;
      base.Merge(delta);
      delta = std::move(base);  // `staged` now holds the cells' new totals
      BindCell(upsert_cell_, id, delta);
      std::string sketch = delta.latency.Serialize();
      upsert_cell_.BindBlob(20, sketch);
      st = upsert_cell_.Run();
      if (!st.ok()) break;
    }
  }
  if (st.ok()) st = db_.Exec("COMMIT");
  if (!st.ok()) {
    db_.Exec("ROLLBACK");
    return st;
  }
  for (auto& [id, cell] : staged) cache_[id] = std::move(cell);
  Evict();
  return result;
}

void SqliteEventStore::Writer::Evict() {
  // Oldest minute cells go first (they are the most numerous), then the oldest hour cells.
  while (cache_.size() > cache_cells_) cache_.erase(cache_.begin());
}

}  // namespace vigil
