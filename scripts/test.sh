#!/usr/bin/env bash
# Quick start command (2): installs dependencies, builds, and runs every test —
#   1. the full build (unit, integration against the real binary, benchmark smoke run);
#   2. an ASan+UBSan build running the unit tests and the integration tests (which then start
#      the sanitized `vigil` binary, so server code paths are checked too).
# .ci/run calls exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc)

./scripts/install-deps.sh
./scripts/build.sh
(cd build && ctest --output-on-failure -j "$JOBS" --timeout 300)

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVIGIL_SANITIZE=ON \
  -DVIGIL_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j "$JOBS"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j "$JOBS" -L unit --timeout 300)
# Leak checking is off for the servers: most tests end them with SIGKILL. Memory errors and
# undefined behaviour still abort them and fail the test.
(cd build-asan && ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j "$JOBS" -L integration --timeout 300)
echo "all tests passed"
