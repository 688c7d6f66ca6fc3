#include "server/static_site.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "server/api_util.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

std::string ContentType(const fs::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".json") return "application/json";
  return "application/octet-stream";
}

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string StaticSite::DefaultDir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "web";
  return (exe.parent_path() / "web").string();
}

StaticSite StaticSite::Load(const std::string& dir) {
  StaticSite site;
  site.dir_ = dir;
  std::error_code ec;
  for (const char* sub : {"", "assets"}) {
    const fs::path base = fs::path(dir) / sub;
    if (!fs::is_directory(base, ec)) continue;
    for (const fs::directory_entry& entry : fs::directory_iterator(base, ec)) {
      if (!entry.is_regular_file()) continue;
      const std::string url = std::string("/") + (*sub ? std::string(sub) + "/" : "") +
                              entry.path().filename().string();
      site.files_[url] = {ContentType(entry.path()), Read(entry.path())};
    }
  }
  return site;
}

void StaticSite::Serve(HttpRequest& req, Responder respond) const {
  std::string path = req.path == "/" ? "/index.html" : req.path;
  auto it = files_.find(path);
  if (it == files_.end()) {
    if (path == "/index.html") {
      HttpResponse r;
      r.content_type = "text/html; charset=utf-8";
      r.body =
          "<!doctype html><title>Vigil</title><link rel=icon href=data:,><p>The dashboard is not "
          "built (looked in " +
          dir_ +
          "). Build it with <code>cmake --build build</code> (target <code>vigil_web</code>, "
          "needs Node.js and npm); the API works without it.</p>";
      return respond(std::move(r));
    }
    return respond(ErrorResponse(404, "not_found", "no such file: " + req.path));
  }
  HttpResponse r;
  r.content_type = it->second.content_type;
  r.body = it->second.body;
  // The page always asks for the current build; assets are small.
  r.headers.emplace_back("Cache-Control", "no-cache");
  respond(std::move(r));
}

void WhoAmI(const Authenticator& auth, HttpRequest& req, Responder respond) {
  Result<const Principal*> p = auth.Authenticate(req.Header("authorization"));
  if (!p.ok()) return respond(StatusResponse(p.status()));
  nlohmann::json roles = nlohmann::json::array();
  const std::pair<Role, const char*> names[] = {{Role::kIngest, "ingest"},
                                                {Role::kRead, "read"},
                                                {Role::kOperate, "operate"},
                                                {Role::kAdmin, "admin"}};
  for (const auto& [role, name] : names) {
    if ((*p)->roles & static_cast<uint8_t>(role)) roles.push_back(name);
  }
  HttpResponse r;
  r.body = nlohmann::json{{"name", (*p)->name},
                          {"roles", roles},
                          {"all_tenants", (*p)->all_tenants},
                          {"tenants", (*p)->tenants}}
               .dump();
  respond(std::move(r));
}

}  // namespace vigil
