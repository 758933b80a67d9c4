#include "api/auth.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <utility>

namespace consilium::api {

bool Principal::HasRole(std::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

StatusOr<Principal> DenyAllAuthenticator::Authenticate(
    std::string_view /*token*/) const {
  return UnauthenticatedError(
      "no token is accepted: this server has no principals yet");
}

Status AllowAllAuthorizer::Authorize(const Principal& /*principal*/,
                                     std::string_view /*route*/,
                                     const Request& /*request*/) const {
  return OkStatus();
}

StaticTokenAuthenticator::StaticTokenAuthenticator(
    std::map<std::string, Principal> tokens)
    : tokens_(std::move(tokens)) {}

StatusOr<Principal> StaticTokenAuthenticator::Authenticate(
    std::string_view token) const {
  // Every entry is compared, so the time does not tell which one matched.
  const Principal* found = nullptr;
  for (const auto& [known, principal] : tokens_) {
    if (ConstantTimeEquals(known, token)) found = &principal;
  }
  if (found == nullptr) return UnauthenticatedError("unknown bearer token");
  return *found;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

StatusOr<std::string_view> BearerToken(std::string_view authorization) {
  if (authorization.empty()) {
    return UnauthenticatedError("missing Authorization: Bearer token");
  }
  constexpr std::string_view kScheme = "bearer ";
  bool is_bearer =
      authorization.size() > kScheme.size() &&
      std::equal(kScheme.begin(), kScheme.end(), authorization.begin(),
                 [](char want, char got) {
                   return want == std::tolower(static_cast<unsigned char>(got));
                 });
  if (!is_bearer) {
    return UnauthenticatedError("Authorization must use the Bearer scheme");
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty() || token.find(' ') != std::string_view::npos) {
    return UnauthenticatedError("malformed Bearer token");
  }
  return token;
}

}  // namespace consilium::api
