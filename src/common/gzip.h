#pragma once
// gzip decoding for request bodies (Content-Encoding: gzip), bounded so a small compressed body
// cannot expand without limit ("zip bomb").
//
// Contract: returns the decompressed bytes with at least `spare_capacity` bytes of reserved
// capacity past size(); ResourceExhausted when the output would exceed `max_output_bytes`;
// InvalidArgument when the input is not a valid gzip stream. Concatenated gzip members are
// decoded in sequence, as HTTP clients may produce them.

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vigil {

Result<std::string> GunzipBounded(std::string_view input, size_t max_output_bytes,
                                  size_t spare_capacity);
// Compresses with gzip framing; used by clients, tests and benchmarks.
std::string GzipCompress(std::string_view input, int level = 6);

}  // namespace vigil
