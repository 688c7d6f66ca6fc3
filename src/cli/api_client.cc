#include "cli/api_client.h"

#include <cstdlib>
#include <iostream>

#include "cli/commands.h"

namespace vigil::cli {

void AddClientFlags(CLI::App* cmd, ClientFlags& flags) {
  if (const char* env = std::getenv("VIGIL_SERVER"); env && *env) flags.server = env;
  cmd->add_option("--server", flags.server, "Vigil server URL (env VIGIL_SERVER)")
      ->capture_default_str();
  cmd->add_flag("--json", flags.json, "Print the server's JSON reply");
}

ApiClient::ApiClient(const ClientFlags& flags)
    : server_(flags.server),
      http_(std::make_unique<HttpClient>(flags.server, std::chrono::seconds(60))) {
  if (std::string token = TokenFromEnv(); !token.empty()) {
    auth_header_ = "Authorization: Bearer " + token;
  }
}

std::string ApiClient::TokenFromEnv() {
  const char* token = std::getenv("VIGIL_TOKEN");
  return token ? token : "";
}

ApiReply ApiClient::Finish(const Result<ClientResponse>& response) {
  ApiReply reply;
  if (!response.ok()) {
    reply.exit_code = kExitUsage;
    reply.raw = response.status().message();
    return reply;
  }
  reply.status = response->status;
  reply.raw = response->body;
  reply.retry_after = std::string(response->Header("retry-after"));
  reply.body = nlohmann::json::parse(response->body, nullptr, false);
  if (reply.body.is_discarded()) reply.body = nullptr;
  if (reply.status >= 200 && reply.status < 300) {
    reply.exit_code = kExitOk;
  } else if (reply.status == 400) {
    reply.exit_code = kExitUsage;
  } else {
    reply.exit_code = kExitCheckFailed;
  }
  return reply;
}

ApiReply ApiClient::Get(const std::string& path_and_query) {
  std::vector<std::string> headers;
  if (!auth_header_.empty()) headers.push_back(auth_header_);
  return Finish(http_->Get(path_and_query, headers));
}

ApiReply ApiClient::Post(const std::string& path, const std::string& body,
                         const std::string& content_type) {
  return Send("POST", path, body, content_type);
}

ApiReply ApiClient::Send(const std::string& method, const std::string& path,
                         const std::string& body, const std::string& content_type) {
  std::vector<std::string> headers = {"Content-Type: " + content_type};
  if (!auth_header_.empty()) headers.push_back(auth_header_);
  return Finish(http_->Request(method, path, body, headers));
}

void ApiClient::PrintError(const ApiReply& reply) {
  if (reply.status == 0) {
    std::cerr << "vigil: cannot reach the server: " << reply.raw << "\n";
    return;
  }
  std::cerr << "vigil: HTTP " << reply.status;
  if (reply.body.is_object() && reply.body.contains("error")) {
    const auto& e = reply.body["error"];
    std::cerr << " " << e.value("code", "");
    if (e.contains("field")) std::cerr << " (" << e.value("field", "") << ")";
    std::cerr << ": " << e.value("message", "");
  } else if (!reply.raw.empty()) {
    std::cerr << ": " << reply.raw.substr(0, 500);
  }
  if (reply.status == 401) std::cerr << "\n  (set VIGIL_TOKEN to a token from the server's config)";
  std::cerr << "\n";
}

void AddQuery(std::string& path, const char* name, const std::string& value) {
  if (value.empty()) return;
  path += (path.find('?') == std::string::npos ? "?" : "&");
  path += std::string(name) + "=" + UrlEncode(value);
}

}  // namespace vigil::cli
