#include "server/router.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

HttpResponse Call(const Router& router, const std::string& method, const std::string& path,
                  HttpRequest* seen = nullptr) {
  HttpRequest req;
  req.method = method;
  req.path = path;
  HttpResponse out;
  router.Dispatch(req, [&](HttpResponse r) { out = std::move(r); });
  if (seen) *seen = req;
  return out;
}

TEST(RouterTest, MatchesLiteralsAndPlaceholders) {
  Router router;
  router.Add("GET", "/v1/releases/{use_case}", [](HttpRequest& req, Responder respond) {
    HttpResponse r;
    r.body = std::string(req.PathParam("use_case"));
    respond(std::move(r));
  });
  router.Add("POST", "/v1/releases/{use_case}/{version}/promote",
             [](HttpRequest& req, Responder respond) {
               HttpResponse r;
               r.body = std::string(req.PathParam("version"));
               respond(std::move(r));
             });
  EXPECT_EQ(Call(router, "GET", "/v1/releases/refund-bot").body, "refund-bot");
  EXPECT_EQ(Call(router, "HEAD", "/v1/releases/refund-bot").status, 200);
  EXPECT_EQ(Call(router, "POST", "/v1/releases/refund-bot/v2/promote").body, "v2");
  EXPECT_EQ(Call(router, "GET", "/v1/releases").status, 404);
  HttpResponse wrong = Call(router, "DELETE", "/v1/releases/x");
  EXPECT_EQ(wrong.status, 405);
  ASSERT_EQ(wrong.headers.size(), 1u);
  EXPECT_EQ(wrong.headers[0].second, "GET");
}

TEST(QueryStringTest, DecodesPairs) {
  auto q = ParseQueryString("from=-15m&use_case=refund%20bot&flag&x=a+b");
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"from", "-15m"}));
  EXPECT_EQ(q[1].second, "refund bot");
  EXPECT_EQ(q[2].first, "flag");
  EXPECT_EQ(q[3].second, "a b");
}

}  // namespace
}  // namespace vigil
