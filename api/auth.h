// The authentication and authorization seams of the server.
//
// A route that is not public needs `Authorization: Bearer TOKEN`. The server
// hands the token to an Authenticator (token -> principal or refusal), then
// the principal and request to an Authorizer (allowed or PermissionDenied).
// A refusal is answered 401 (with WWW-Authenticate) or 403, and reported to
// the server's DenialHook first: later the hook appends the denied-access
// event (DESIGN.md invariant 3) before the client hears the refusal.
//
// The real Authenticator, backed by the domain state's token hashes, is
// api/domain_authenticator.h (what `consilium serve` runs); the server's
// default is DenyAllAuthenticator, and tests use StaticTokenAuthenticator.
//
// Thread-safety: the server calls Authenticate and Authorize from its I/O
// threads concurrently; implementations must be thread-safe and must not
// block (no disk, no network): an in-memory lookup.
//
//   StaticTokenAuthenticator auth({{"s3cret", {"alice", {"admin"}}}});
//   StatusOr<Principal> p = auth.Authenticate("s3cret");  // alice
#ifndef CONSILIUM_API_AUTH_H_
#define CONSILIUM_API_AUTH_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace consilium::api {

struct Request;

struct Principal {
  std::string id;                  // the principal's id in the ledger
  std::vector<std::string> roles;  // "annotator", "adjudicator", ...
  bool HasRole(std::string_view role) const;
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // The principal `token` stands for, or Unauthenticated (the message says
  // why, without echoing the token). `token` is what followed "Bearer ".
  virtual StatusOr<Principal> Authenticate(std::string_view token) const = 0;
};

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // OK, or PermissionDenied saying what is missing. `route` is the matched
  // pattern ("/v1/records/{id}"); request.params holds its values.
  virtual Status Authorize(const Principal& principal, std::string_view route,
                           const Request& request) const = 0;
};

// Refuses every token: the server's authenticator when none is given.
class DenyAllAuthenticator final : public Authenticator {
 public:
  StatusOr<Principal> Authenticate(std::string_view token) const override;
};

// Allows every authenticated principal: route handlers do their own checks.
class AllowAllAuthorizer final : public Authorizer {
 public:
  Status Authorize(const Principal& principal, std::string_view route,
                   const Request& request) const override;
};

// A fixed token table, compared in constant time; for tests and local
// tooling. Tokens are kept in memory as given.
class StaticTokenAuthenticator final : public Authenticator {
 public:
  explicit StaticTokenAuthenticator(std::map<std::string, Principal> tokens);
  StatusOr<Principal> Authenticate(std::string_view token) const override;

 private:
  std::map<std::string, Principal> tokens_;
};

// True when a and b hold the same bytes. The time taken depends on the
// lengths only, never on where the bytes differ (OpenSSL CRYPTO_memcmp), so
// a token or token hash cannot be guessed byte by byte from response times.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// The token of an `Authorization: Bearer TOKEN` header value (scheme
// case-insensitive, RFC 6750), or Unauthenticated naming what is wrong.
StatusOr<std::string_view> BearerToken(std::string_view authorization);

// A refused request, as reported to the DenialHook.
struct Denial {
  std::string principal;  // empty when no principal was established
  std::string method;
  std::string path;
  std::string route;  // the matched pattern
  Status reason;      // Unauthenticated or PermissionDenied
  // The pattern's parameters ("record" -> "rec-1"): what the request named.
  std::map<std::string, std::string> params = {};
};

// Called once per refused request, on the blocking pool (it may append to
// the ledger), before the refusal is sent. A non-OK return turns the
// refusal into 503 UNAVAILABLE: a denial that cannot be recorded is not
// answered as if it had been.
using DenialHook = std::function<Status(const Denial&)>;

}  // namespace consilium::api

#endif  // CONSILIUM_API_AUTH_H_
