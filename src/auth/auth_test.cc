#include "auth/auth.h"

#include <gtest/gtest.h>

#include <cstring>

namespace vigil {
namespace {

const char* FakeEnv(const char* name) {
  if (std::strcmp(name, "ACME_TOKEN") == 0) return "acme-secret";
  if (std::strcmp(name, "ADMIN_TOKEN") == 0) return "admin-secret";
  return nullptr;
}

std::vector<TokenConfig> Tokens() {
  TokenConfig acme{"acme-ingest", "ACME_TOKEN", "", static_cast<uint8_t>(Role::kIngest),
                   false,         {"acme"}};
  TokenConfig admin{"admin", "ADMIN_TOKEN", "", static_cast<uint8_t>(Role::kAdmin), true, {}};
  TokenConfig reader{
      "reader",          "", Sha256Hex("reader-secret"), static_cast<uint8_t>(Role::kRead), false,
      {"acme", "globex"}};
  return {acme, admin, reader};
}

TEST(AuthTest, AuthenticatesByBearerToken) {
  auto auth = Authenticator::Create(Tokens(), FakeEnv);
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  auto p = auth->Authenticate("Bearer acme-secret");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->name, "acme-ingest");
  EXPECT_EQ((*p)->SingleTenant(), "acme");
  auto r = auth->Authenticate("bearer  reader-secret ");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->name, "reader");
  EXPECT_EQ((*r)->SingleTenant(), "");
}

TEST(AuthTest, RejectsMissingMalformedAndUnknown) {
  auto auth = Authenticator::Create(Tokens(), FakeEnv);
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->Authenticate("").status().code(), Status::Code::kUnauthenticated);
  EXPECT_EQ(auth->Authenticate("Basic YWxhZGRpbg==").status().code(),
            Status::Code::kUnauthenticated);
  EXPECT_EQ(auth->Authenticate("Bearer wrong").status().code(), Status::Code::kUnauthenticated);
}

TEST(AuthTest, RolesDoNotImplyEachOtherExceptAdmin) {
  auto auth = Authenticator::Create(Tokens(), FakeEnv);
  const Principal* acme = *auth->Authenticate("Bearer acme-secret");
  const Principal* admin = *auth->Authenticate("Bearer admin-secret");
  EXPECT_TRUE(Authenticator::Require(*acme, Role::kIngest).ok());
  Status st = Authenticator::Require(*acme, Role::kRead);
  EXPECT_EQ(st.code(), Status::Code::kPermissionDenied);
  EXPECT_NE(st.message().find("\"read\""), std::string::npos);
  for (Role r : {Role::kIngest, Role::kRead, Role::kOperate, Role::kAdmin}) {
    EXPECT_TRUE(Authenticator::Require(*admin, r).ok());
  }
}

TEST(AuthTest, TenantScope) {
  auto auth = Authenticator::Create(Tokens(), FakeEnv);
  const Principal* acme = *auth->Authenticate("Bearer acme-secret");
  EXPECT_TRUE(Authenticator::RequireTenant(*acme, "acme").ok());
  Status st = Authenticator::RequireTenant(*acme, "globex");
  EXPECT_EQ(st.code(), Status::Code::kPermissionDenied);
  EXPECT_NE(st.message().find("globex"), std::string::npos);
  const Principal* admin = *auth->Authenticate("Bearer admin-secret");
  EXPECT_TRUE(Authenticator::RequireTenant(*admin, "anyone").ok());
}

TEST(AuthTest, MissingEnvironmentVariableNamesThePath) {
  std::vector<TokenConfig> tokens = Tokens();
  tokens[1].token_env = "UNSET_TOKEN";
  auto auth = Authenticator::Create(tokens, FakeEnv);
  ASSERT_FALSE(auth.ok());
  EXPECT_EQ(auth.status().field(), "auth.tokens[1].token_env");
}

}  // namespace
}  // namespace vigil
