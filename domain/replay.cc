#include "domain/replay.h"

#include <utility>

#include "domain/domain_state.h"

namespace consilium::domain {
namespace {

// Decide has a case for every event type up to this one. A new type in
// schemas/events.fbs moves fb::EventBody::MAX and stops the build here: give
// it a case in Decide (Ignored is a decision too), an Effect if it changes
// state, and an On in the models that keep it; then move this line.
static_assert(fb::EventBody::MAX == fb::EventBody::DeidentificationReviewed,
              "a new fb::EventBody type: add its case to domain::Decide");

bool ValidRole(fb::Role role) {
  return role != fb::Role::Unspecified &&
         static_cast<uint8_t>(role) <= static_cast<uint8_t>(fb::Role::MAX);
}

// A token hash (present) issued to, or revoked from, a known principal.
Effect DecideToken(const Known& known, const fb::Event& e) {
  if (e.body_type() == fb::EventBody::TokenIssued) {
    const auto* b = e.body_as_TokenIssued();
    if (!known.HasPrincipal(View(b->principal_id())) ||
        b->token_sha256() == nullptr) {
      return Ignored{};
    }
    return TokenAdded{b};
  }
  const auto* b = e.body_as_TokenRevoked();
  if (!known.HasPrincipal(View(b->principal_id())) ||
      b->token_sha256() == nullptr) {
    return Ignored{};
  }
  return TokenWithdrawn{b};
}

Effect DecideRole(const Known& known, const flatbuffers::String* principal,
                  fb::Role role, const flatbuffers::String* project,
                  bool grant) {
  if (!known.HasPrincipal(View(principal)) || !ValidRole(role)) {
    return Ignored{};
  }
  return RoleChanged{View(principal), role, project, grant};
}

Effect DecideSchema(const Known& known, const fb::SchemaPublished& b) {
  // The first version published wins. Checked on the header before parsing:
  // an event whose header disagrees with its document defines nothing
  // anyway, so the outcome is the same and a republication costs no parse.
  if (known.HasSchema(View(b.schema_id()), b.version())) return Ignored{};
  const std::string_view definition = View(b.definition());
  StatusOr<schemas::TaskSchema> parsed = schemas::TaskSchema::Parse(definition);
  // The body's header fields must agree with the document; an event where
  // they do not (raw append only) defines nothing.
  if (!parsed.ok() || parsed->id() != View(b.schema_id()) ||
      parsed->version() != static_cast<int64_t>(b.version())) {
    return Ignored{};
  }
  auto schema = std::make_shared<const schemas::TaskSchema>(std::move(*parsed));
  auto descriptive = DescriptiveView(*schema, definition);
  return SchemaDefined{&b, std::move(schema), std::move(descriptive)};
}

Effect DecideRevision(const Known& known, const fb::AnnotationRevised& b) {
  const std::optional<AnnotationHead> h = known.Head(View(b.annotation_id()));
  // A stale or out-of-order revision (possible only through a raw append)
  // changes nothing.
  if (!h || h->withdrawn || b.expected_revision() != h->revision ||
      b.new_revision() != h->revision + 1) {
    return Ignored{};
  }
  return AnnotationRevised{&b, h->number};
}

Effect DecideWithdrawal(const Known& known, const fb::AnnotationWithdrawn& b) {
  const std::optional<AnnotationHead> h = known.Head(View(b.annotation_id()));
  if (!h || h->withdrawn || b.expected_revision() != h->revision) {
    return Ignored{};
  }
  return AnnotationWithdrawn{&b, h->number};
}

// Definitions: the first of an id wins.
Effect DecideDefinition(const Known& known, const fb::Event& e) {
  switch (e.body_type()) {
    case fb::EventBody::ProjectCreated: {
      const auto* b = e.body_as_ProjectCreated();
      if (known.HasProject(View(b->project_id()))) return Ignored{};
      return ProjectDefined{b};
    }
    case fb::EventBody::PrincipalRegistered: {
      const auto* b = e.body_as_PrincipalRegistered();
      if (known.HasPrincipal(View(b->principal_id()))) return Ignored{};
      return PrincipalDefined{b};
    }
    case fb::EventBody::RecordImported: {
      // Record ids are global, not per project.
      const auto* b = e.body_as_RecordImported();
      if (known.HasRecord(View(b->record_id()))) return Ignored{};
      const bool sealed =
          b->content() != nullptr &&
          b->content()->encoding() == fb::PayloadEncoding::Sealed;
      return RecordDefined{b, sealed};
    }
    case fb::EventBody::CalibrationBatchCreated: {
      const auto* b = e.body_as_CalibrationBatchCreated();
      if (known.HasBatch(View(b->project_id()), View(b->batch_id()))) {
        return Ignored{};
      }
      return BatchDefined{b};
    }
    default:
      return Ignored{};
  }
}

// The gate's events name a known record; a verdict is a release, or a
// redaction that carries its content and its hash.
Effect DecideDeid(const Known& known, const fb::Event& e) {
  if (e.body_type() == fb::EventBody::RecordQuarantined) {
    const auto* b = e.body_as_RecordQuarantined();
    if (!known.HasRecord(View(b->record_id()))) return Ignored{};
    return RecordHeld{b};
  }
  const auto* b = e.body_as_DeidentificationReviewed();
  if (!known.HasRecord(View(b->record_id()))) return Ignored{};
  if (b->outcome() == fb::DeidOutcome::Released) return RecordDeidReviewed{b};
  if (b->outcome() == fb::DeidOutcome::Redacted && b->content() != nullptr &&
      b->content_hash() != nullptr) {
    return RecordDeidReviewed{b};
  }
  return Ignored{};
}

// The adjudication engine's events are taken as appended: whether a lease
// is live, whose it is and whether a policy fits its schema are the queue's
// rules (adjudication/queue.h), applied by the model that keeps it; the
// domain state keeps none of them.
Effect DecideAdjudication(const fb::Event& e) {
  switch (e.body_type()) {
    case fb::EventBody::AdjudicationPolicySet:
      return AdjudicationPolicyDefined{e.body_as_AdjudicationPolicySet()};
    case fb::EventBody::AdjudicationClaimed:
      return AdjudicationLeaseOpened{e.body_as_AdjudicationClaimed()};
    case fb::EventBody::AdjudicationReleased: {
      const auto* b = e.body_as_AdjudicationReleased();
      return AdjudicationLeaseClosed{
          View(b->project_id()), b->lease_seq(), LeaseEnd::kReleased, 0, {}};
    }
    case fb::EventBody::AdjudicationLeaseExpired: {
      const auto* b = e.body_as_AdjudicationLeaseExpired();
      return AdjudicationLeaseClosed{View(b->project_id()),
                                     b->lease_seq(),
                                     LeaseEnd::kExpired,
                                     b->deadline_us(),
                                     {}};
    }
    case fb::EventBody::AdjudicationEscalated: {
      const auto* b = e.body_as_AdjudicationEscalated();
      return AdjudicationLeaseClosed{View(b->project_id()), b->lease_seq(),
                                     LeaseEnd::kEscalated, 0,
                                     View(b->rationale())};
    }
    default:
      return Ignored{};
  }
}

}  // namespace

Effect Decide(const Known& known, const Applied& a) {
  const fb::Event& e = a.event;
  switch (e.body_type()) {
    case fb::EventBody::ProjectCreated:
    case fb::EventBody::PrincipalRegistered:
    case fb::EventBody::RecordImported:
    case fb::EventBody::CalibrationBatchCreated:
      return DecideDefinition(known, e);
    case fb::EventBody::RoleGranted: {
      const auto* b = e.body_as_RoleGranted();
      return DecideRole(known, b->principal_id(), b->role(), b->project_id(),
                        true);
    }
    case fb::EventBody::RoleRevoked: {
      const auto* b = e.body_as_RoleRevoked();
      return DecideRole(known, b->principal_id(), b->role(), b->project_id(),
                        false);
    }
    case fb::EventBody::TokenIssued:
    case fb::EventBody::TokenRevoked:
      return DecideToken(known, e);
    case fb::EventBody::SchemaPublished:
      return DecideSchema(known, *e.body_as_SchemaPublished());
    case fb::EventBody::AssignmentCreated: {
      // Taken as appended, even for a record not imported (a raw append can
      // make one; the command handler cannot).
      const auto* b = e.body_as_AssignmentCreated();
      return AssignmentChanged{View(b->record_id()), View(b->annotator_id()),
                               true};
    }
    case fb::EventBody::AssignmentRevoked: {
      const auto* b = e.body_as_AssignmentRevoked();
      return AssignmentChanged{View(b->record_id()), View(b->annotator_id()),
                               false};
    }
    case fb::EventBody::AnnotationSubmitted: {
      const auto* b = e.body_as_AnnotationSubmitted();
      // The first submission of an id wins.
      if (known.Head(View(b->annotation_id()))) return Ignored{};
      return AnnotationOpened{b};
    }
    case fb::EventBody::AnnotationRevised:
      return DecideRevision(known, *e.body_as_AnnotationRevised());
    case fb::EventBody::AnnotationWithdrawn:
      return DecideWithdrawal(known, *e.body_as_AnnotationWithdrawn());
    case fb::EventBody::GoldAnswerRecorded:
      return GoldRecorded{e.body_as_GoldAnswerRecorded()};
    case fb::EventBody::AdjudicationDecided: {
      const auto* b = e.body_as_AdjudicationDecided();
      if (b->outcome() != fb::AdjudicationOutcome::Decided &&
          b->outcome() != fb::AdjudicationOutcome::Ambiguous) {
        return Ignored{};
      }
      return AdjudicationRecorded{b};
    }
    case fb::EventBody::AccessRecorded:
      return AccessRecorded{e.body_as_AccessRecorded()};
    case fb::EventBody::AdjudicationPolicySet:
    case fb::EventBody::AdjudicationClaimed:
    case fb::EventBody::AdjudicationReleased:
    case fb::EventBody::AdjudicationLeaseExpired:
    case fb::EventBody::AdjudicationEscalated:
      return DecideAdjudication(e);
    case fb::EventBody::NONE:
    case fb::EventBody::IndexesRepaired:
      return Ignored{};
    case fb::EventBody::SnapshotTagged:
      // Changes no state the domain or the analytics keep: tags are read by
      // dataset/snapshot_tags.h from the events (the first of a name wins).
      return Ignored{};
    case fb::EventBody::KeyShredded:
      // Taken as appended: the key is gone whatever the state says (the
      // command destroyed it before appending; docs/encryption.md).
      return SubjectShredded{e.body_as_KeyShredded()};
    case fb::EventBody::RecordQuarantined:
    case fb::EventBody::DeidentificationReviewed:
      return DecideDeid(known, e);
  }
  return Ignored{};  // a body type beyond MAX: from a newer build
}

}  // namespace consilium::domain
