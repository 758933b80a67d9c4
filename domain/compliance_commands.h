// ComplianceCommands: what encryption at rest adds to the write side
// (docs/encryption.md): crypto-shredding a subject. Checks, the key's
// destruction and the KeyShredded draft; WriteCore orders and appends.
//
// Thread-safety: every method may be called from any thread concurrently.
//
//   ComplianceCommands compliance(&handler->core());
//   auto c = compliance.ShredSubject("admin", "patient-17", "erasure request");
#ifndef CONSILIUM_DOMAIN_COMPLIANCE_COMMANDS_H_
#define CONSILIUM_DOMAIN_COMPLIANCE_COMMANDS_H_

#include <string_view>

#include "common/status.h"
#include "domain/write_core.h"

namespace consilium::domain {

class ComplianceCommands {
 public:
  // `core` is not owned and must outlive this object. Its state's content
  // keys (DomainState::content_keys) are the ledger's key store.
  explicit ComplianceCommands(WriteCore* core) : core_(core) {}

  // Destroys `subject`'s data key (KeyStore::Shred) and appends KeyShredded
  // naming it and the records sealed under it. Afterwards their content is
  // unreadable everywhere, while the events, the chain and the proofs stay.
  // Actor: global admin (PermissionDenied). InvalidArgument for a bad
  // subject id or an empty reason; FailedPrecondition when the ledger is not
  // encrypted or no key-encryption key was given; NotFound when nothing was
  // ever sealed for the subject; AlreadyExists when a KeyShredded for it is
  // in the ledger. A key destroyed by a run that crashed before its append
  // is completed: the event is appended (key_id then empty).
  StatusOr<Committed> ShredSubject(std::string_view actor,
                                   std::string_view subject,
                                   std::string_view reason);

 private:
  WriteCore* core_;
};

}  // namespace consilium::domain

#endif  // CONSILIUM_DOMAIN_COMPLIANCE_COMMANDS_H_
