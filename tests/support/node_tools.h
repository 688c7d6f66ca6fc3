#pragma once
// Node.js helpers for tests that drive real JavaScript clients (the OpenTelemetry SDK, the
// dashboard in chromium): npm packages installed once per lock file into the build tree, and
// running a command with its output captured.

#include <string>
#include <utility>

namespace vigil::testing {

// `npm ci` of tests/<subdir>/package.json (+ lock) into BUILD/<subdir>-node when the lock
// changed; returns that node_modules path, or "" with `error` set.
std::string PrepareNodeModules(const std::string& subdir, std::string& error);

// Runs `command` through the shell; returns its exit status and stdout+stderr.
std::pair<int, std::string> Shell(const std::string& command);

}  // namespace vigil::testing
