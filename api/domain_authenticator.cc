#include "api/domain_authenticator.h"

#include <algorithm>
#include <string>
#include <utility>

#include "common/hash.h"
#include "domain/domain_state.h"
#include "schemas/event.h"

namespace consilium::api {
namespace {

std::string_view Bytes(const Hash256& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

std::string RoleString(const domain::RoleGrant& grant) {
  std::string s(RoleName(grant.role));
  if (!grant.project.empty()) s += "@" + grant.project;
  return s;
}

}  // namespace

StatusOr<Principal> DomainAuthenticator::Authenticate(
    std::string_view token) const {
  const Hash256 sha256 = Sha256(token);
  const int64_t now_us = clock_->NowMicros();
  return core_->Read([&](const domain::DomainState& s) -> StatusOr<Principal> {
    const domain::PrincipalState* owner = s.FindTokenOwner(sha256);
    if (owner == nullptr) return UnauthenticatedError("unknown bearer token");
    const domain::TokenState* match = nullptr;
    for (const domain::TokenState& t : owner->tokens) {
      if (ConstantTimeEquals(Bytes(t.sha256), Bytes(sha256))) match = &t;
    }
    if (match == nullptr) return UnauthenticatedError("unknown bearer token");
    if (match->revoked_seq != 0) {
      return UnauthenticatedError("bearer token revoked");
    }
    if (match->expires_at_us <= now_us) {
      return UnauthenticatedError("bearer token expired");
    }
    Principal p{.id = owner->id, .roles = {}};
    for (const domain::RoleGrant& g : owner->roles) {
      p.roles.push_back(RoleString(g));
    }
    std::sort(p.roles.begin(), p.roles.end());
    return p;
  });
}

}  // namespace consilium::api
