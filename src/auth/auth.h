#pragma once
// Authentication and authorization of API callers by Bearer token.
//
// Tokens come from the config (auth.tokens): each names its secret (an environment variable, or
// the SHA-256 of the secret), a set of roles and a tenant scope. Only SHA-256 digests are kept
// in memory. Roles: ingest (write telemetry), read, operate (read + act), admin (everything).
// No role implies another, except admin which implies all.
//
// Contract: Authenticate() returns Unauthenticated for a missing, malformed or unknown token;
// Require()/RequireTenant() return PermissionDenied naming the missing role or the foreign
// tenant. Thread-safety: immutable after Create(); safe to share.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/config.h"

namespace vigil {

struct Principal {
  std::string name;
  uint8_t roles = 0;
  bool all_tenants = false;
  std::vector<std::string> tenants;

  bool Has(Role role) const;
  bool CanAccessTenant(std::string_view tenant) const;
  // The tenant events default to: set only when the scope is exactly one tenant.
  std::string SingleTenant() const;
};

class Authenticator {
 public:
  using EnvLookup = std::function<const char*(const char*)>;

  // Fails (naming the YAML path) when a token_env variable is unset or empty, or two tokens
  // share a secret.
  static Result<Authenticator> Create(const std::vector<TokenConfig>& tokens,
                                      const EnvLookup& getenv_fn);

  // `authorization` is the raw header value, e.g. "Bearer abc".
  Result<const Principal*> Authenticate(std::string_view authorization) const;

  static Status Require(const Principal& principal, Role role);
  static Status RequireTenant(const Principal& principal, std::string_view tenant);

  size_t size() const { return by_digest_.size(); }

 private:
  std::map<std::string, Principal> by_digest_;  // hex SHA-256 of the secret → principal
};

std::string Sha256Hex(std::string_view data);

}  // namespace vigil
