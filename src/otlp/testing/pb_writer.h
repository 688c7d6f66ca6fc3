#pragma once
// Test helper: a minimal protobuf writer for building OTLP payloads field by field (unit and
// integration tests). Not used by Vigil itself.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace vigil::testing_pb {

struct Pb {
  std::string bytes;
  Pb& Varint(uint64_t v) {
    while (v >= 0x80) {
      bytes += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    bytes += static_cast<char>(v);
    return *this;
  }
  Pb& Tag(uint32_t field, uint32_t wire) { return Varint((field << 3) | wire); }
  Pb& Int(uint32_t field, uint64_t v) { return Tag(field, 0).Varint(v); }
  Pb& Fixed64(uint32_t field, uint64_t v) {
    Tag(field, 1);
    char buf[8];
    std::memcpy(buf, &v, 8);
    bytes.append(buf, 8);
    return *this;
  }
  Pb& Double(uint32_t field, double d) {
    uint64_t v;
    std::memcpy(&v, &d, 8);
    return Fixed64(field, v);
  }
  Pb& Fixed32(uint32_t field, uint32_t v) {
    Tag(field, 5);
    char buf[4];
    std::memcpy(buf, &v, 4);
    bytes.append(buf, 4);
    return *this;
  }
  Pb& Bytes(uint32_t field, std::string_view b) {
    Tag(field, 2).Varint(b.size());
    bytes.append(b);
    return *this;
  }
  Pb& Msg(uint32_t field, const Pb& m) { return Bytes(field, m.bytes); }
};

}  // namespace vigil::testing_pb
