#pragma once
// StaticSite: the web dashboard's files (built by the vigil_web target into build/web, beside
// the binary), loaded into memory at start and served at / — index.html, favicon.svg and
// assets/*. Nothing is fetched from the internet; a missing build serves a page that says how
// to build it. GET /v1/whoami (any valid token) tells the page the token's name, roles and
// tenants, so it can show what they allow.
// Thread-safety: immutable after Load(); Serve() from any thread.

#include <map>
#include <string>

#include "auth/auth.h"
#include "server/http/http_types.h"

namespace vigil {

class StaticSite {
 public:
  // Reads every file of `dir` (one level of assets/). An empty or missing dir is not an error.
  static StaticSite Load(const std::string& dir);
  // The directory `web` beside the running binary.
  static std::string DefaultDir();

  void Serve(HttpRequest& req, Responder respond) const;
  bool built() const { return files_.count("/index.html") > 0; }
  size_t file_count() const { return files_.size(); }

 private:
  struct File {
    std::string content_type;
    std::string body;
  };
  std::map<std::string, File> files_;  // by URL path
  std::string dir_;
};

void WhoAmI(const Authenticator& auth, HttpRequest& req, Responder respond);

}  // namespace vigil
