#include "auth/auth.h"

#include <openssl/evp.h>

#include <algorithm>

namespace vigil {

bool Principal::Has(Role role) const {
  return (roles & static_cast<uint8_t>(Role::kAdmin)) != 0 ||
         (roles & static_cast<uint8_t>(role)) != 0;
}

bool Principal::CanAccessTenant(std::string_view tenant) const {
  return all_tenants || std::find(tenants.begin(), tenants.end(), tenant) != tenants.end();
}

std::string Principal::SingleTenant() const {
  return (!all_tenants && tenants.size() == 1) ? tenants[0] : std::string();
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

Result<Authenticator> Authenticator::Create(const std::vector<TokenConfig>& tokens,
                                            const EnvLookup& getenv_fn) {
  Authenticator auth;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const TokenConfig& t = tokens[i];
    const std::string path = "auth.tokens[" + std::to_string(i) + "]";
    std::string digest = t.token_sha256;
    if (!t.token_env.empty()) {
      const char* secret = getenv_fn(t.token_env.c_str());
      if (secret == nullptr || *secret == '\0') {
        return Status::InvalidArgument(
            "environment variable " + t.token_env + " is not set (token \"" + t.name + "\")",
            path + ".token_env");
      }
      digest = Sha256Hex(secret);
    }
    Principal p{t.name, t.roles, t.all_tenants, t.tenants};
    if (!auth.by_digest_.emplace(digest, std::move(p)).second) {
      return Status::InvalidArgument(
          "token \"" + t.name + "\" has the same secret as another token", path);
    }
  }
  return auth;
}

Result<const Principal*> Authenticator::Authenticate(std::string_view authorization) const {
  if (authorization.empty()) {
    return Status::Unauthenticated("missing Authorization header (expected \"Bearer TOKEN\")");
  }
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !std::equal(kScheme.begin(), kScheme.end(), authorization.begin(), [](char a, char b) {
        return a == std::tolower(static_cast<unsigned char>(b));
      })) {
    return Status::Unauthenticated("Authorization header must use the Bearer scheme");
  }
  std::string_view secret = authorization.substr(kScheme.size());
  while (!secret.empty() && secret.front() == ' ') secret.remove_prefix(1);
  while (!secret.empty() && secret.back() == ' ') secret.remove_suffix(1);
  auto it = by_digest_.find(Sha256Hex(secret));
  if (it == by_digest_.end()) return Status::Unauthenticated("invalid token");
  return &it->second;
}

Status Authenticator::Require(const Principal& principal, Role role) {
  if (principal.Has(role)) return Status::Ok();
  return Status::PermissionDenied("token \"" + principal.name + "\" lacks the \"" + RoleName(role) +
                                  "\" role");
}

Status Authenticator::RequireTenant(const Principal& principal, std::string_view tenant) {
  if (principal.CanAccessTenant(tenant)) return Status::Ok();
  return Status::PermissionDenied("token \"" + principal.name + "\" may not access tenant \"" +
                                  std::string(tenant) + "\"");
}

}  // namespace vigil
