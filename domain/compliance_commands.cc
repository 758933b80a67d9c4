#include "domain/compliance_commands.h"

#include <string>
#include <vector>

#include "domain/commands.h"
#include "domain/internal/command_util.h"
#include "schemas/sealed_content.h"

namespace consilium::domain {

using internal::Drafted;

StatusOr<Committed> ComplianceCommands::ShredSubject(std::string_view actor,
                                                     std::string_view subject,
                                                     std::string_view reason) {
  RETURN_IF_ERROR(CheckDomainId("subject", subject));
  if (reason.empty())
    return InvalidArgumentError(
        "shred: --reason is required (it is kept in "
        "the KeyShredded event)");
  const std::string s(subject);
  return Single(core_->Exclusive(actor, [&](const ExclusiveTxn& t) -> Drafted {
    RETURN_IF_ERROR(t.auth().RequireAdmin(""));
    const ContentKeys& keys = t.state().content_keys();
    if (!keys.encrypted) {
      return FailedPreconditionError(
          "the ledger is not encrypted (no key store in DATA/keys): its "
          "content is plain and cannot be shredded (docs/encryption.md)");
    }
    if (keys.store == nullptr) {
      return FailedPreconditionError("shredding needs the key store; " +
                                     std::string(kKekHint));
    }
    if (uint64_t seq = t.state().ShreddedSeq(s); seq != 0) {
      return AlreadyExistsError("subject " + s +
                                " was already shredded (KeyShredded at seq " +
                                std::to_string(seq) + ")");
    }
    KeyShreddedFields f{.subject_id = s,
                        .key_id = "",
                        .reason = std::string(reason),
                        .record_ids = t.state().RecordsOfSubject(s)};
    if (!keys.store->IsShreddedSubject(s)) {
      if (!keys.store->HasKey(s)) {
        return NotFoundError("subject " + s +
                             " has no data key: nothing was sealed for it");
      }
      // The key goes first: a crash before the append leaves it destroyed
      // and the next run appends the event (the branch above skipped).
      ASSIGN_OR_RETURN(f.key_id, keys.store->Shred(s));
    }
    EventDraft d = MakeKeyShredded({std::string(t.actor()), ""}, f);
    RETURN_IF_ERROR(d.Validate());
    return Drafts(std::move(d));
  }));
}

}  // namespace consilium::domain
