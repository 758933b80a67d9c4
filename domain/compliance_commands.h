// ComplianceCommands: what encryption at rest adds to the write side
// (docs/encryption.md): crypto-shredding a subject; and the
// de-identification review (docs/deid.md): releasing or redacting a record
// the import gate holds. Checks, the key's
// destruction and the KeyShredded draft; WriteCore orders and appends.
//
// Thread-safety: every method may be called from any thread concurrently.
//
//   ComplianceCommands compliance(&handler->core());
//   auto c = compliance.ShredSubject("admin", "patient-17", "erasure request");
#ifndef CONSILIUM_DOMAIN_COMPLIANCE_COMMANDS_H_
#define CONSILIUM_DOMAIN_COMPLIANCE_COMMANDS_H_

#include <string_view>
#include <vector>

#include "common/status.h"
#include "domain/write_core.h"
#include "schemas/deid_events.h"

namespace consilium::domain {

class ComplianceCommands {
 public:
  // `core` is not owned and must outlive this object. Its state's content
  // keys (DomainState::content_keys) are the ledger's key store.
  // `ledger` (not owned; the core's) is where a redaction reads the content
  // it redacts; without it RedactRecord is FailedPrecondition.
  explicit ComplianceCommands(WriteCore* core, const Ledger* ledger = nullptr)
      : core_(core), ledger_(ledger) {}

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

  // The de-identification review (docs/deid.md, "Review"): the verdict on a
  // record the gate holds. Release: every hit was a false positive; the
  // imported content is served as it is. Redact: `spans` of the record's
  // text (empty: every hit of its quarantine report) are replaced by
  // "[TYPE]" tokens, and the redacted content, sealed like the import's,
  // replaces it everywhere. Actor: an admin or privacy officer of the
  // record's project (PermissionDenied). NotFound for an unknown record;
  // FailedPrecondition when the record is not held (never quarantined, or
  // already reviewed: the message names the verdict's event) or its content
  // cannot be read (shredded, no key); InvalidArgument for an empty reason
  // or a bad span (RedactRecordText).
  StatusOr<Committed> ReleaseRecord(std::string_view actor,
                                    std::string_view record_id,
                                    std::string_view reason);
  StatusOr<Committed> RedactRecord(std::string_view actor,
                                   std::string_view record_id,
                                   std::vector<PhiHitFields> spans,
                                   std::string_view reason);

 private:
  WriteCore* core_;
  const Ledger* ledger_;
};

}  // namespace consilium::domain

#endif  // CONSILIUM_DOMAIN_COMPLIANCE_COMMANDS_H_
