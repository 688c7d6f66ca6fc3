// VigilServer: the web dashboard's static files and the token introspection it needs.
#include <spdlog/spdlog.h>

#include "server/vigil_server.h"

namespace vigil {

void VigilServer::RegisterWebRoutes() {
  const std::string dir = options_.web_dir.empty() ? StaticSite::DefaultDir() : options_.web_dir;
  site_ = StaticSite::Load(dir);
  if (site_.built()) {
    spdlog::info("dashboard: {} files from {}", site_.file_count(), dir);
  } else {
    spdlog::warn("dashboard: not built (no index.html in {}); / explains how to build it", dir);
  }
  auto serve = [this](HttpRequest& req, Responder respond) {
    site_.Serve(req, std::move(respond));
  };
  for (const char* path : {"/", "/index.html", "/favicon.svg", "/assets/{file}"}) {
    router_.Add("GET", path, serve);
  }
  router_.Add("GET", "/v1/whoami", [this](HttpRequest& req, Responder respond) {
    WhoAmI(auth_, req, std::move(respond));
  });
}

}  // namespace vigil
