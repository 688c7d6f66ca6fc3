#pragma once
// VigilProcess: runs the real `vigil serve` binary for integration tests — a fresh temporary
// data directory, a config written by the test, token environment variables, a free loopback
// port (--listen 127.0.0.1:0; the bound address is read back from DATA/vigil.addr).
//
// Polling helpers wait for conditions with generous deadlines; nothing here sleeps for a fixed
// time as an assertion.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>

namespace vigil::testing {

class TempDir {
 public:
  // A fresh directory under `base`, removed with everything in it on destruction.
  explicit TempDir(const std::string& base = "/tmp");
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
bool WaitFor(const std::function<bool()>& condition,
             std::chrono::milliseconds timeout = std::chrono::seconds(30));

class VigilProcess {
 public:
  // `data_dir` is created if needed; the config text is written beside it.
  VigilProcess(std::string data_dir, std::string config_yaml,
               std::map<std::string, std::string> env);
  ~VigilProcess();

  // Starts the binary and waits until it has bound its port (not until ready).
  bool Start();
  // Waits until GET /readyz answers 200.
  bool WaitReady(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  void Kill9();
  // Replaces the config file (the running process sees it on reload).
  void RewriteConfig(const std::string& yaml);
  void SendSignal(int signal);
  // SIGTERM and wait; returns the exit status (or -1).
  int Terminate();

  const std::string& base_url() const { return base_url_; }
  pid_t pid() const { return pid_; }
  std::string sqlite_path() const { return data_dir_ + "/vigil.db"; }
  std::string Log() const;

 private:
  std::string data_dir_;
  std::string config_path_;
  std::string config_text_;
  std::map<std::string, std::string> env_;
  pid_t pid_ = -1;
  std::string base_url_;
};

std::string VigilBinary();

// Starts `vigil sim --config CONFIG --server SERVER --quiet` with VIGIL_TOKEN=token, stderr to
// `log`; returns its pid (-1 on failure). Stop it with StopProcess().
pid_t SpawnSimulator(const std::string& config, const std::string& server, const std::string& token,
                     const std::string& log);
// SIGTERM and wait; a pid ≤ 0 is ignored.
void StopProcess(pid_t pid);

// Peak resident set size of a process (VmHWM) in MiB; 0 when unreadable. pid 0: this process.
double PeakRssMiB(int pid = 0);

}  // namespace vigil::testing
