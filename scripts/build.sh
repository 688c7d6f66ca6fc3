#!/usr/bin/env bash
# Configures and builds Vigil in build/ (RelWithDebInfo, warnings as errors).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_WERROR=ON >/dev/null
cmake --build build -j "$JOBS"
