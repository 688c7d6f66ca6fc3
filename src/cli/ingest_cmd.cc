// vigil ingest FILE.ndjson [--batch N] [--resume] — sends a telemetry file to POST /v1/events.
//
// Batches of non-blank lines are sent in order; 429/503 are retried after Retry-After. After
// each acknowledged batch the next line number is written to FILE.vigil-progress, so
// --resume continues after the last acknowledged line (re-sent events would be deduplicated
// anyway; resuming just avoids the work). Exit 0 when every event was accepted, 1 when some
// were rejected or the server refused, 2 on usage or connection errors.

#include <fstream>
#include <iostream>
#include <thread>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/progress.h"

namespace vigil::cli {
namespace {

struct IngestArgs {
  ClientFlags client;
  std::string file;
  size_t batch = 1000;
  bool resume = false;
};

struct Totals {
  uint64_t accepted = 0, duplicates = 0, rejected = 0;
};

enum class BatchOutcome { kAccepted, kSomeRejected, kStop };

// Sends one batch, retrying while the server asks to back off. On kStop, `stop_code` holds the
// exit code (1 refused, 2 unreachable or usage).
BatchOutcome SendBatch(ApiClient& api, const std::string& body, uint64_t first_line, Totals& totals,
                       bool json_output, int& stop_code) {
  for (int attempt = 0;; ++attempt) {
    ApiReply reply = api.Post("/v1/events", body, "application/x-ndjson");
    if ((reply.status == 429 || reply.status == 503) && attempt < 60) {
      int wait_s =
          reply.retry_after.empty() ? 1 : std::max(1, std::atoi(reply.retry_after.c_str()));
      std::this_thread::sleep_for(std::chrono::seconds(wait_s));
      continue;
    }
    if (reply.body.is_object() && reply.body.contains("accepted")) {
      totals.accepted += reply.body.value("accepted", 0ULL);
      totals.duplicates += reply.body.value("duplicates", 0ULL);
      totals.rejected += reply.body.value("rejected", 0ULL);
      if (!json_output) {
        for (const auto& e : reply.body["errors"]) {
          // NDJSON line numbers are relative to the batch; report them in the file.
          std::cerr << "line " << first_line + e.value("line", 1ULL) - 1 << ": "
                    << e.value("field", "") << ": " << e.value("message", "") << "\n";
        }
      }
      return reply.body.value("rejected", 0ULL) == 0 ? BatchOutcome::kAccepted
                                                     : BatchOutcome::kSomeRejected;
    }
    ApiClient::PrintError(reply);
    stop_code = reply.status == 0 ? kExitUsage : kExitCheckFailed;
    return BatchOutcome::kStop;
  }
}

int RunIngest(const IngestArgs& args) {
  std::ifstream in(args.file, std::ios::binary);
  if (!in) {
    std::cerr << "vigil: cannot open " << args.file << "\n";
    return kExitUsage;
  }
  in.seekg(0, std::ios::end);
  const uint64_t total_bytes = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  const std::string progress_file = args.file + ".vigil-progress";
  uint64_t skip_lines = 0;
  if (args.resume) {
    std::ifstream(progress_file) >> skip_lines;
    if (skip_lines > 0) std::cerr << "resuming after line " << skip_lines << "\n";
  }

  ApiClient api(args.client);
  ProgressBar bar("ingest", total_bytes);
  Totals totals;
  std::string line, body;
  uint64_t line_no = 0, batch_first_line = 0, bytes = 0, events = 0;
  size_t in_batch = 0;
  int exit_code = kExitOk;
  // Sends the pending batch; false when the run must stop (refused or unreachable).
  auto flush = [&]() -> bool {
    if (in_batch == 0) return true;
    int stop_code = kExitOk;
    BatchOutcome outcome =
        SendBatch(api, body, batch_first_line, totals, args.client.json, stop_code);
    if (outcome == BatchOutcome::kStop) {
      exit_code = stop_code;  // the progress file still points after the last acknowledged batch
      return false;
    }
    if (outcome == BatchOutcome::kSomeRejected) exit_code = kExitCheckFailed;
    events += in_batch;
    std::ofstream(progress_file, std::ios::trunc) << line_no << "\n";
    body.clear();
    in_batch = 0;
    bar.Update(bytes, events);
    return true;
  };
  bool stopped = false;
  while (std::getline(in, line)) {
    ++line_no;
    bytes += line.size() + 1;
    if (line_no <= skip_lines) continue;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (in_batch == 0) batch_first_line = line_no;
    body += line;
    body += '\n';
    if (++in_batch >= args.batch && !flush()) {
      stopped = true;
      break;
    }
  }
  if (!stopped) flush();
  bar.Finish(bytes, events);
  if (args.client.json) {
    std::cout << nlohmann::json{{"file", args.file},
                                {"accepted", totals.accepted},
                                {"duplicates", totals.duplicates},
                                {"rejected", totals.rejected},
                                {"last_line", line_no}}
                     .dump()
              << "\n";
  } else {
    std::cout << args.file << ": " << totals.accepted << " accepted (" << totals.duplicates
              << " already stored), " << totals.rejected << " rejected\n";
  }
  return exit_code;
}

}  // namespace

void RegisterIngest(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<IngestArgs>();
  CLI::App* cmd = app.add_subcommand("ingest", "Send an NDJSON telemetry file to the server");
  cmd->add_option("file", args->file, "NDJSON file, one event per line")->required();
  cmd->add_option("--batch", args->batch, "Events per request")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_flag("--resume", args->resume,
                "Continue after the last acknowledged line (FILE.vigil-progress)");
  AddClientFlags(cmd, args->client);
  cmd->callback([args, &exit_code] { exit_code = RunIngest(*args); });
}

}  // namespace vigil::cli
