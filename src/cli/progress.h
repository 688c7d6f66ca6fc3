#pragma once
// ProgressBar: a one-line progress display on stderr for long CLI runs, drawn only when stderr
// is a terminal (so logs and pipes stay clean) and at most ~10 times a second.

#include <chrono>
#include <cstdint>
#include <string>

namespace vigil::cli {

class ProgressBar {
 public:
  ProgressBar(std::string label, uint64_t total_bytes);
  void Update(uint64_t done_bytes, uint64_t items, const std::string& detail = "");
  // Draws the final state and ends the line.
  void Finish(uint64_t done_bytes, uint64_t items, const std::string& detail = "");

 private:
  void Draw(uint64_t done_bytes, uint64_t items, const std::string& detail);
  std::string label_;
  uint64_t total_;
  bool enabled_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace vigil::cli
