#include "common/gzip.h"

#include <zlib.h>

#include <algorithm>

namespace vigil {

Result<std::string> GunzipBounded(std::string_view input, size_t max_output_bytes,
                                  size_t spare_capacity) {
  z_stream zs{};
  // 16 + MAX_WBITS: expect a gzip header rather than raw zlib.
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return Status::Internal("inflateInit2 failed");
  std::string out;
  out.reserve(std::min(max_output_bytes, input.size() * 4 + 1024) + spare_capacity);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  zs.avail_in = static_cast<uInt>(input.size());
  char chunk[64 * 1024];
  Status result;
  for (;;) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof(chunk);
    int rc = inflate(&zs, Z_NO_FLUSH);
    size_t produced = sizeof(chunk) - zs.avail_out;
    if (out.size() + produced > max_output_bytes) {
      result = Status::ResourceExhausted("decompressed body exceeds the limit of " +
                                         std::to_string(max_output_bytes) + " bytes");
      break;
    }
    out.append(chunk, produced);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      // Another gzip member follows.
      if (inflateReset(&zs) != Z_OK) {
        result = Status::InvalidArgument("invalid gzip body");
        break;
      }
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      result = Status::InvalidArgument("truncated gzip body");
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      result = Status::InvalidArgument(std::string("invalid gzip body: ") +
                                       (zs.msg ? zs.msg : "corrupt data"));
      break;
    }
  }
  inflateEnd(&zs);
  if (!result.ok()) return result;
  if (out.capacity() < out.size() + spare_capacity) out.reserve(out.size() + spare_capacity);
  return out;
}

std::string GzipCompress(std::string_view input, int level) {
  z_stream zs{};
  deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out;
  out.resize(deflateBound(&zs, input.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  zs.avail_in = static_cast<uInt>(input.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace vigil
