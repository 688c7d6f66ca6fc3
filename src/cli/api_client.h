#pragma once
// ApiClient: what CLI commands use to talk to a Vigil server — base URL from --server, bearer
// token from VIGIL_TOKEN, JSON replies, and the mapping of outcomes to exit codes
// (0 ok; 1 refused or failed: 401/403/404/409/5xx; 2 usage or connection: bad parameter (400),
// server unreachable).

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "client/http_client.h"
#include "common/text.h"  // UrlEncode

namespace vigil::cli {

struct ClientFlags {
  std::string server = "http://127.0.0.1:7070";
  bool json = false;
};

// Adds --server and --json to a subcommand.
void AddClientFlags(CLI::App* cmd, ClientFlags& flags);

struct ApiReply {
  int exit_code = 0;    // per the mapping above
  int status = 0;       // HTTP status, 0 when unreachable
  nlohmann::json body;  // parsed reply (null when not JSON)
  std::string raw;
  std::string retry_after;  // header, for 429/503
};

class ApiClient {
 public:
  explicit ApiClient(const ClientFlags& flags);
  ApiReply Get(const std::string& path_and_query);
  ApiReply Post(const std::string& path, const std::string& body,
                const std::string& content_type = "application/json");
  ApiReply Send(const std::string& method, const std::string& path, const std::string& body,
                const std::string& content_type = "application/json");
  const std::string& server() const { return server_; }
  // The bearer token from VIGIL_TOKEN ("" when unset).
  static std::string TokenFromEnv();

  // Prints a failed reply's error message to stderr ("vigil: 403 permission_denied: …").
  static void PrintError(const ApiReply& reply);

 private:
  ApiReply Finish(const Result<ClientResponse>& response);
  std::string server_;
  std::unique_ptr<HttpClient> http_;
  std::string auth_header_;
};

// The shared tail of a command: on failure prints the error and returns its exit code; with
// --json prints the server's reply; otherwise calls `print` with it.
template <typename Print>
int PrintReply(const ApiReply& reply, bool json_output, Print print) {
  if (reply.exit_code != 0) {
    ApiClient::PrintError(reply);
    return reply.exit_code;
  }
  if (json_output) {
    std::cout << reply.body.dump(2) << "\n";
  } else {
    print(reply.body);
  }
  return 0;
}

// Appends "&name=value" (or "?name=value") when value is non-empty.
void AddQuery(std::string& path, const char* name, const std::string& value);

}  // namespace vigil::cli
