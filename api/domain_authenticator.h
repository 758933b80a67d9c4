// DomainAuthenticator: bearer tokens checked against the domain state, the
// tokens `consilium user add` / `user token` issued (docs/server.md,
// "Authentication").
//
// The presented token is hashed (SHA-256, as AdminCommands stores it), the
// hash looked up in the state's token index and confirmed with
// ConstantTimeEquals; the lookup's timing depends on the hash only, which
// the client does not control. Unknown, revoked (TokenRevoked) and expired
// tokens are Unauthenticated; the message never contains the token. Every call
// reads the current state (WriteCore::Read), so a role granted or revoked
// applies to the next request, on open connections too.
//
// The Principal's roles: "admin" for a global role, "annotator@p1" for a
// role in project p1 (RoleName, then '@' and the project id), sorted. A
// principal with no role left still authenticates, with no roles: the
// Authorizer and the handlers refuse what needs one.
//
// Thread-safety: Authenticate may be called from any thread concurrently;
// it takes the state lock for one hash lookup, never touches the ledger.
//
//   DomainAuthenticator auth(&handler->core(), SystemClock());
//   StatusOr<Principal> p = auth.Authenticate("csl_...");
#ifndef CONSILIUM_API_DOMAIN_AUTHENTICATOR_H_
#define CONSILIUM_API_DOMAIN_AUTHENTICATOR_H_

#include <string_view>

#include "api/auth.h"
#include "common/clock.h"
#include "common/status.h"
#include "domain/write_core.h"

namespace consilium::api {

class DomainAuthenticator final : public Authenticator {
 public:
  // `core` and `clock` are not owned and must outlive this object; `clock`
  // decides expiry.
  DomainAuthenticator(const domain::WriteCore* core, const Clock* clock)
      : core_(core), clock_(clock) {}

  StatusOr<Principal> Authenticate(std::string_view token) const override;

 private:
  const domain::WriteCore* core_;
  const Clock* clock_;
};

}  // namespace consilium::api

#endif  // CONSILIUM_API_DOMAIN_AUTHENTICATOR_H_
