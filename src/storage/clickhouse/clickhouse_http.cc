#include "storage/clickhouse/clickhouse_http.h"

#include "client/http_client.h"
#include "common/gzip.h"
#include "common/text.h"

namespace vigil {

ClickHouseHttp::ClickHouseHttp(ClickHouseEndpoint endpoint, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout) {}

ClickHouseHttp::~ClickHouseHttp() = default;

std::unique_ptr<HttpClient> ClickHouseHttp::Borrow() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<HttpClient> c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  return std::make_unique<HttpClient>(endpoint_.url, timeout_);
}

void ClickHouseHttp::Return(std::unique_ptr<HttpClient> client) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(client));
}

Result<std::string> ClickHouseHttp::Send(const std::string& query_params, std::string_view body,
                                         const std::vector<std::string>& headers) {
  std::string path = "/?" + query_params;
  if (!endpoint_.user.empty()) path += "&user=" + UrlEncode(endpoint_.user);
  if (!endpoint_.password.empty()) path += "&password=" + UrlEncode(endpoint_.password);
  std::unique_ptr<HttpClient> client = Borrow();
  Result<ClientResponse> r = client->Request("POST", path, body, headers);
  if (!r.ok()) {
    // A broken connection is not returned to the pool.
    return Status::Unavailable("clickhouse at " + endpoint_.url + ": " + r.status().message());
  }
  Return(std::move(client));
  if (r->status != 200) {
    std::string first = r->body.substr(0, r->body.find('\n'));
    if (first.size() > 600) first.resize(600);
    return Status::Unavailable("clickhouse at " + endpoint_.url + " answered HTTP " +
                               std::to_string(r->status) + ": " + first);
  }
  return std::move(r->body);
}

Result<std::string> ClickHouseHttp::Query(std::string_view sql, const std::string& settings) {
  // 64-bit integers unquoted in JSON formats.
  return Send(
      "output_format_json_quote_64bit_integers=0" + (settings.empty() ? "" : "&" + settings), sql,
      {"Content-Type: text/plain; charset=utf-8"});
}

Result<std::string> ClickHouseHttp::Insert(const std::string& insert_sql, std::string_view rows) {
  const std::string compressed = GzipCompress(rows, 1);
  return Send("query=" + UrlEncode(insert_sql), compressed,
              {"Content-Encoding: gzip", "Content-Type: application/octet-stream"});
}

std::string ClickHouseQuote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    switch (c) {
      case '\'':
        out += "\\'";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\0':
        out += "\\0";
        break;
      default:
        out += c;
    }
  }
  out += '\'';
  return out;
}

}  // namespace vigil
