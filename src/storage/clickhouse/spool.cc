#include "storage/clickhouse/spool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

namespace vigil {
namespace {

namespace fs = std::filesystem;
constexpr uint32_t kMagic = 0x31505356;  // "VSP1"
constexpr int64_t kHeaderBytes = 12;

std::string SegmentName(uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "seg-%012llu.spool", static_cast<unsigned long long>(n));
  return buf;
}

uint32_t Crc(std::string_view bytes) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

Status Errno(const std::string& what) {
  return Status::Internal(what + ": " + std::strerror(errno));
}

Status FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return Errno("cannot open " + dir);
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Errno("cannot fsync " + dir);
}

bool ReadAt(int fd, int64_t offset, void* out, size_t n) {
  return ::pread(fd, out, n, offset) == static_cast<ssize_t>(n);
}

}  // namespace

Result<std::unique_ptr<Spool>> Spool::Open(const std::string& dir, int64_t max_bytes,
                                           int64_t segment_bytes) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::Internal("cannot create the spool directory " + dir + ": " + ec.message());
  std::unique_ptr<Spool> spool(new Spool(dir, max_bytes, segment_bytes));
  Status st = spool->Load();
  if (!st.ok()) return st;
  return spool;
}

Spool::~Spool() {
  if (writer_fd_ >= 0) ::close(writer_fd_);
}

Status Spool::Load() {
  uint64_t cursor_segment = 0;
  int64_t cursor_offset = 0;
  {
    std::ifstream cursor(dir_ + "/cursor");
    cursor >> cursor_segment >> cursor_offset;
  }
  std::vector<uint64_t> numbers;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("seg-", 0) == 0 && name.size() > 10 &&
        name.compare(name.size() - 6, 6, ".spool") == 0) {
      numbers.push_back(std::strtoull(name.c_str() + 4, nullptr, 10));
    }
  }
  std::sort(numbers.begin(), numbers.end());
  for (size_t i = 0; i < numbers.size(); ++i) {
    const uint64_t n = numbers[i];
    if (n < cursor_segment) {  // consumed before a crash, not yet deleted
      fs::remove(dir_ + "/" + SegmentName(n));
      continue;
    }
    Segment s;
    s.number = n;
    s.path = dir_ + "/" + SegmentName(n);
    Status st = ScanSegment(s, n == cursor_segment ? cursor_offset : 0, i + 1 == numbers.size());
    if (!st.ok()) return st;
    segments_.push_back(std::move(s));
  }
  if (segments_.empty()) {
    Segment s;
    s.number = std::max<uint64_t>(cursor_segment, 1);
    s.path = dir_ + "/" + SegmentName(s.number);
    segments_.push_back(std::move(s));
  }
  return OpenWriter();
}

Status Spool::ScanSegment(Segment& s, int64_t skip_to, bool newest) {
  int fd = ::open(s.path.c_str(), O_RDONLY);
  if (fd < 0) return Errno("cannot open " + s.path);
  struct stat st {};
  ::fstat(fd, &st);
  const int64_t file_size = st.st_size;
  int64_t offset = 0;
  Status result = Status::Ok();
  while (offset < file_size) {
    uint32_t header[3];
    std::string payload;
    bool whole = offset + kHeaderBytes <= file_size && ReadAt(fd, offset, header, sizeof(header)) &&
                 header[0] == kMagic && offset + kHeaderBytes + header[1] <= file_size;
    if (whole) {
      payload.resize(header[1]);
      whole = ReadAt(fd, offset + kHeaderBytes, payload.data(), payload.size()) &&
              Crc(payload) == header[2];
    }
    if (!whole) {
      if (!newest) {
        result = Status::Internal("spool record damaged in " + s.path + " at offset " +
                                  std::to_string(offset) + "; move the file aside to continue");
      } else if (::truncate(s.path.c_str(), offset) != 0) {  // torn, never acknowledged
        result = Errno("cannot truncate " + s.path);
      }
      break;
    }
    if (offset >= skip_to) {
      s.record_starts.push_back(offset);
      pending_bytes_ += kHeaderBytes + static_cast<int64_t>(payload.size());
      ++pending_records_;
    }
    offset += kHeaderBytes + static_cast<int64_t>(payload.size());
  }
  s.size = offset;
  ::close(fd);
  return result;
}

Status Spool::OpenWriter() {
  if (writer_fd_ >= 0) ::close(writer_fd_);
  const Segment& last = segments_.back();
  const bool created = !fs::exists(last.path);
  writer_fd_ = ::open(last.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (writer_fd_ < 0) return Errno("cannot open " + last.path);
  return created ? FsyncDir(dir_) : Status::Ok();
}

Status Spool::Append(std::string_view payload) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t record = kHeaderBytes + static_cast<int64_t>(payload.size());
  if (pending_bytes_ + record > max_bytes_) {
    return Status::ResourceExhausted(
        "the spool at " + dir_ + " is full (" + std::to_string(pending_bytes_) + " of " +
        std::to_string(max_bytes_) + " bytes) while ClickHouse is unavailable");
  }
  if (segments_.back().size > 0 && segments_.back().size + record > segment_bytes_) {
    Segment next;
    next.number = segments_.back().number + 1;
    next.path = dir_ + "/" + SegmentName(next.number);
    segments_.push_back(std::move(next));
    Status st = OpenWriter();
    if (!st.ok()) return st;
  }
  const uint32_t header[3] = {kMagic, static_cast<uint32_t>(payload.size()), Crc(payload)};
  std::string bytes(reinterpret_cast<const char*>(header), sizeof(header));
  bytes.append(payload);
  Segment& seg = segments_.back();
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(writer_fd_, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      // A partial record is cut off so the next append starts on a record boundary.
      Status st = Errno("cannot write to " + seg.path);
      if (::ftruncate(writer_fd_, seg.size) != 0) return Errno("cannot truncate " + seg.path);
      return st;
    }
    written += static_cast<size_t>(n);
  }
  if (::fdatasync(writer_fd_) != 0) return Errno("cannot fdatasync " + seg.path);
  seg.record_starts.push_back(seg.size);
  seg.size += record;
  pending_bytes_ += record;
  ++pending_records_;
  return Status::Ok();
}

std::optional<std::string> Spool::Front() {
  std::vector<std::string> one = FrontMany(1, INT64_MAX);
  if (one.empty()) return std::nullopt;
  return std::move(one.front());
}

std::vector<std::string> Spool::FrontMany(size_t max_records, int64_t max_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  int64_t bytes = 0;
  for (const Segment& s : segments_) {
    if (s.record_starts.empty()) continue;
    int fd = ::open(s.path.c_str(), O_RDONLY);
    if (fd < 0) return out;
    for (int64_t start : s.record_starts) {
      uint32_t header[3];
      if (out.size() >= max_records || !ReadAt(fd, start, header, sizeof(header))) break;
      if (!out.empty() && bytes + header[1] > max_bytes) break;
      std::string payload(header[1], '\0');
      if (!ReadAt(fd, start + kHeaderBytes, payload.data(), payload.size())) break;
      bytes += header[1];
      out.push_back(std::move(payload));
    }
    ::close(fd);
    if (out.size() >= max_records || bytes >= max_bytes) break;
  }
  return out;
}

Status Spool::Consume(size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  if (n == 0) return Status::Ok();
  if (static_cast<int64_t>(n) > pending_records_) {
    return Status::FailedPrecondition("the spool holds fewer records than consumed");
  }
  uint64_t cursor_segment = 0;
  int64_t cursor_offset = 0;
  while (n > 0) {
    Segment& s = segments_.front();
    if (s.record_starts.empty()) {  // only the writing segment can be empty here
      cursor_segment = s.number;
      cursor_offset = s.size;
      break;
    }
    const int64_t start = s.record_starts.front();
    s.record_starts.pop_front();
    const int64_t next = s.record_starts.empty() ? s.size : s.record_starts.front();
    pending_bytes_ -= next - start;
    --pending_records_;
    --n;
    cursor_segment = s.number;
    cursor_offset = next;
    if (s.record_starts.empty() && segments_.size() > 1) {
      fs::remove(s.path);
      segments_.pop_front();
      cursor_segment = segments_.front().number;
      cursor_offset = 0;
    }
  }
  return SaveCursor(cursor_segment, cursor_offset);
}

Status Spool::SaveCursor(uint64_t segment, int64_t offset) {
  const std::string tmp = dir_ + "/cursor.tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot write " + tmp);
  const std::string text = std::to_string(segment) + " " + std::to_string(offset) + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fdatasync(fd) == 0;
  ::close(fd);
  if (!ok) return Errno("cannot write " + tmp);
  if (::rename(tmp.c_str(), (dir_ + "/cursor").c_str()) != 0) return Errno("cannot rename " + tmp);
  return FsyncDir(dir_);
}

int64_t Spool::pending_records() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_records_;
}

int64_t Spool::pending_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_bytes_;
}

}  // namespace vigil
