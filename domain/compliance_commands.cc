#include "domain/compliance_commands.h"

#include <algorithm>
#include <string>
#include <vector>

#include "common/aead.h"
#include "domain/commands.h"
#include "domain/internal/command_util.h"
#include "domain/internal/record_text.h"
#include "schemas/deid_events.h"
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

namespace {

// The held record `id` that `t`'s actor may review.
StatusOr<const RecordState*> HeldForReview(const ExclusiveTxn& t,
                                           const std::string& id) {
  const RecordState* r = t.state().FindRecord(id);
  if (r == nullptr) return NotFoundError("record " + id + " not found");
  RETURN_IF_ERROR(t.auth().MayReviewDeidentification(r->project));
  if (r->quarantined_seq == 0) {
    return FailedPreconditionError(
        "record " + id +
        " is not held by the de-identification gate: its detectors found "
        "nothing at import");
  }
  if (r->deid_reviewed_seq != 0) {
    return FailedPreconditionError(
        "record " + id +
        " was already reviewed (DeidentificationReviewed "
        "at seq " +
        std::to_string(r->deid_reviewed_seq) + ")");
  }
  return r;
}

Status CheckReason(std::string_view reason) {
  if (reason.empty()) {
    return InvalidArgumentError(
        "a de-identification verdict needs a reason (it is kept in the "
        "DeidentificationReviewed event)");
  }
  return OkStatus();
}

}  // namespace

StatusOr<Committed> ComplianceCommands::ReleaseRecord(
    std::string_view actor, std::string_view record_id,
    std::string_view reason) {
  RETURN_IF_ERROR(CheckDomainId("record id", record_id));
  RETURN_IF_ERROR(CheckReason(reason));
  const std::string id(record_id);
  return Single(core_->Exclusive(actor, [&](const ExclusiveTxn& t) -> Drafted {
    ASSIGN_OR_RETURN(const RecordState* r, HeldForReview(t, id));
    DeidReviewFields f{.project_id = r->project,
                       .record_id = id,
                       .outcome = fb::DeidOutcome::Released,
                       .reason = std::string(reason)};
    ASSIGN_OR_RETURN(EventDraft d,
                     MakeDeidentificationReviewed({std::string(t.actor()), ""},
                                                  f, nullptr, ""));
    RETURN_IF_ERROR(d.Validate());
    return Drafts(std::move(d));
  }));
}

StatusOr<Committed> ComplianceCommands::RedactRecord(
    std::string_view actor, std::string_view record_id,
    std::vector<PhiHitFields> spans, std::string_view reason) {
  RETURN_IF_ERROR(CheckDomainId("record id", record_id));
  RETURN_IF_ERROR(CheckReason(reason));
  if (ledger_ == nullptr) {
    return FailedPreconditionError("redaction needs the ledger to read from");
  }
  const std::string id(record_id);
  return Single(core_->Exclusive(actor, [&](const ExclusiveTxn& t) -> Drafted {
    ASSIGN_OR_RETURN(const RecordState* r, HeldForReview(t, id));
    if (r->shredded_seq != 0) {
      return FailedPreconditionError("record " + id +
                                     ": its subject's key was shredded");
    }
    ASSIGN_OR_RETURN(StoredEvent held, ledger_->Get(r->quarantined_seq));
    ASSIGN_OR_RETURN(StoredEvent imported, ledger_->Get(r->seq));
    if (spans.empty()) {
      const auto* q = held.event()->body_as_RecordQuarantined();
      if (q == nullptr) {
        return DataLossError("record " + id + ": event " +
                             std::to_string(r->quarantined_seq) +
                             " is not its RecordQuarantined");
      }
      spans = ReadPhiHits(q->report()->hits());
    }
    std::sort(spans.begin(), spans.end(),
              [](const auto& a, const auto& b) { return a.begin < b.begin; });
    const ContentKeys& keys = t.state().content_keys();
    const fb::Payload* payload = RecordContentOf(*imported.event());
    ASSIGN_OR_RETURN(std::string content,
                     OpenPayload(payload, keys, "record " + id));
    StatusOr<std::string> redacted = internal::RedactRecordText(content, spans);
    if (r->sealed) Wipe(content);
    if (!redacted.ok()) return redacted.status().WithContext("record " + id);
    DeidReviewFields f{.project_id = r->project,
                       .record_id = id,
                       .outcome = fb::DeidOutcome::Redacted,
                       .reason = std::string(reason),
                       .redactions = spans,
                       .content = std::move(*redacted)};
    StatusOr<EventDraft> d = MakeDeidentificationReviewed(
        {std::string(t.actor()), ""}, f, r->sealed ? keys.store : nullptr,
        r->subject);
    if (r->sealed) Wipe(f.content);
    if (!d.ok()) return d.status();
    RETURN_IF_ERROR(d->Validate());
    return Drafts(std::move(*d));
  }));
}

}  // namespace consilium::domain
