#pragma once
// The events table's row forms: RowBinary for inserts (ClickHouse's compact binary input:
// little-endian numbers, LEB128-length strings, Date as days and DateTime as seconds since the
// epoch), and TabSeparated for reading rows back (with its backslash escapes).
//
// The column list, in table order, is kEventColumns; EncodeEventRow() writes exactly those.
// Derived columns: `day` (UTC day, the partition), `ts` (seconds), `error_base` (the rollup key's
// base class), `latency_bucket` (the LatencySketch bucket, or kNoLatency / kZeroLatency) and
// `identity` (a 64-bit hash of tenant, trace_id and span_id for duplicate lookups).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/event.h"
#include "storage/query.h"

namespace vigil {

inline constexpr int32_t kNoLatency = INT32_MIN;        // business outcomes
inline constexpr int32_t kZeroLatency = INT32_MIN + 1;  // below LatencySketch::kMinValue

// "name Type, …" for CREATE TABLE, and the bare names for SELECT.
extern const char kEventColumnsDdl[];
extern const char kEventSelectColumns[];

uint64_t EventIdentityHash(const Event& e);
int32_t LatencyBucketOf(const Event& e);

void EncodeEventRow(std::string& out, const Event& e, int64_t seq, std::string_view batch_id);

// Reads rows written by EncodeEventRow() back (for the spool's replay, which re-checks identities
// before sending); InvalidArgument when the bytes are not whole rows.
struct EncodedRow {
  Event event;
  int64_t seq = 0;
  std::string batch_id;
};
Result<std::vector<EncodedRow>> DecodeEventRows(std::string_view rows);

// `day` and `ts_ns` bounds for [from, to): the day bounds let ClickHouse skip whole partitions.
std::string ClickHouseTimeCondition(int64_t from_ns, int64_t to_ns_exclusive);
// The UTC day of `ts_ns` as a quoted Date literal, '2026-11-29'.
std::string ClickHouseDayLiteral(int64_t ts_ns);

// Splits TabSeparated output into rows of unescaped fields.
std::vector<std::vector<std::string>> ParseTabSeparated(std::string_view text);
// A row selected with kEventSelectColumns.
Result<StoredEvent> DecodeEventRow(const std::vector<std::string>& fields);

}  // namespace vigil
