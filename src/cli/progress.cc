#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace vigil::cli {

ProgressBar::ProgressBar(std::string label, uint64_t total_bytes)
    : label_(std::move(label)),
      total_(total_bytes),
      enabled_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {}

void ProgressBar::Update(uint64_t done_bytes, uint64_t items, const std::string& detail) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw(done_bytes, items, detail);
}

void ProgressBar::Draw(uint64_t done_bytes, uint64_t items, const std::string& detail) {
  constexpr int kWidth = 30;
  double fraction = total_ ? static_cast<double>(done_bytes) / static_cast<double>(total_) : 1;
  if (fraction > 1) fraction = 1;
  int filled = static_cast<int>(fraction * kWidth);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = seconds > 0 ? static_cast<double>(items) / seconds : 0;
  std::fprintf(stderr, "\r%s [%.*s%*s] %3.0f%%  %llu events  %.0f/s  %s\033[K", label_.c_str(),
               filled, "##############################", kWidth - filled, "", fraction * 100,
               static_cast<unsigned long long>(items), rate, detail.c_str());
  std::fflush(stderr);
}

void ProgressBar::Finish(uint64_t done_bytes, uint64_t items, const std::string& detail) {
  if (!enabled_) return;
  Draw(done_bytes, items, detail);
  std::fprintf(stderr, "\n");
}

}  // namespace vigil::cli
