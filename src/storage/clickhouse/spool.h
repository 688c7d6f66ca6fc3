#pragma once
// Spool: a durable local queue of insert batches that could not reach ClickHouse, replayed in
// order when it answers again.
//
// Contract:
//  - Append() writes one record — [magic][length][CRC-32][payload] — to the current segment file
//    and fdatasync()s it before returning: an acknowledged batch survives a crash or kill -9.
//    Segments roll over at segment_bytes (default kSegmentBytes); the directory is fsync'd when a
//    segment is created.
//  - ResourceExhausted when the spool would exceed its byte cap (nothing is written).
//  - Front() returns the oldest record not yet consumed; Consume() marks it done (the position
//    is kept in a cursor file, fsync'd; a fully consumed segment is deleted).
//  - Open() scans every segment and checks every record: a torn record at the end of the newest
//    segment (a crash during a write that was never acknowledged) is cut off; a damaged record
//    anywhere else is an error naming the file and offset (nothing acknowledged is dropped
//    silently).
//  - Thread-safe.

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vigil {

class Spool {
 public:
  static constexpr int64_t kSegmentBytes = 64LL << 20;

  static Result<std::unique_ptr<Spool>> Open(const std::string& dir, int64_t max_bytes,
                                             int64_t segment_bytes = kSegmentBytes);
  ~Spool();

  Status Append(std::string_view payload);
  // The oldest pending record, or nullopt when the spool is empty.
  std::optional<std::string> Front();
  // Up to `max_records` oldest pending records, stopping before `max_bytes` (at least one).
  std::vector<std::string> FrontMany(size_t max_records, int64_t max_bytes);
  Status Consume() { return Consume(1); }
  // Marks the `n` oldest pending records done, with one cursor write.
  Status Consume(size_t n);

  int64_t pending_records() const;
  int64_t pending_bytes() const;
  const std::string& dir() const { return dir_; }

 private:
  struct Segment {
    uint64_t number = 0;
    std::string path;
    int64_t size = 0;                   // bytes of complete records
    std::deque<int64_t> record_starts;  // offsets of pending records
  };
  Spool(std::string dir, int64_t max_bytes, int64_t segment_bytes)
      : dir_(std::move(dir)), max_bytes_(max_bytes), segment_bytes_(segment_bytes) {}
  Status Load();
  Status ScanSegment(Segment& segment, int64_t skip_to, bool newest);
  Status OpenWriter();
  Status SaveCursor(uint64_t segment, int64_t offset);

  const std::string dir_;
  const int64_t max_bytes_;
  const int64_t segment_bytes_;
  mutable std::mutex mu_;
  std::deque<Segment> segments_;  // oldest first; the last one is written to
  int writer_fd_ = -1;
  int64_t pending_bytes_ = 0;
  int64_t pending_records_ = 0;
};

}  // namespace vigil
