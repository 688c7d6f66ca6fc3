#pragma once
// ClickHouseHttp: statements and inserts over ClickHouse's HTTP interface (port 8123 by default),
// as ClickHouse 18.16 and current releases both accept them.
//
// Contract:
//  - Query() sends the statement as the POST body and returns the response body (TabSeparated
//    unless the statement names a FORMAT). Insert() puts the INSERT statement in the URL and the
//    encoded rows, gzip-compressed (Content-Encoding: gzip), in the body: ClickHouse parses the
//    whole body into one block, so a failed insert stores nothing of it.
//  - Failures come back as Unavailable: transport errors ("connection refused", timeouts) and
//    every non-200 reply, with ClickHouse's own message (its first line, "Code: N, …").
//  - User and password travel as URL parameters (the one form every version accepts).
//  - Thread-safe: a pool of keep-alive connections, one per concurrent caller.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vigil {

class HttpClient;

struct ClickHouseEndpoint {
  std::string url;  // http://host:port
  std::string user;
  std::string password;
};

class ClickHouseHttp {
 public:
  ClickHouseHttp(ClickHouseEndpoint endpoint, std::chrono::milliseconds timeout);
  ~ClickHouseHttp();

  // `settings`: extra URL parameters, e.g. "max_query_size=16777216".
  Result<std::string> Query(std::string_view sql, const std::string& settings = "");
  Result<std::string> Insert(const std::string& insert_sql, std::string_view rows);

  const std::string& url() const { return endpoint_.url; }

 private:
  std::unique_ptr<HttpClient> Borrow();
  void Return(std::unique_ptr<HttpClient> client);
  Result<std::string> Send(const std::string& query_params, std::string_view body,
                           const std::vector<std::string>& headers);

  ClickHouseEndpoint endpoint_;
  std::chrono::milliseconds timeout_;
  std::mutex mu_;
  std::vector<std::unique_ptr<HttpClient>> idle_;
};

// Quotes a string literal for ClickHouse SQL ('…' with backslash escapes).
std::string ClickHouseQuote(std::string_view text);

}  // namespace vigil
