// One replay: the single statement of how each committed event changes state
// (docs/commands.md, "Replay"; docs/design/write-side.md, section 2).
//
// Every state built from the ledger (the write side's DomainState, the read
// side's AnalyticsState) applies an event in two halves:
//
//   Decide(known, e)  whether the event takes effect, and which: the rules,
//                     here and nowhere else. The first definition of an id
//                     wins; an event about an unknown principal or annotation
//                     is ignored; a published schema's header must match its
//                     document; a revision names the current revision and
//                     makes current+1; a withdrawal names the current one; a
//                     gold answer or adjudication decision replaces the last.
//   model.On(e, effect)  what a state keeps of an accepted effect. Only
//                     accepted effects reach a model (never Ignored).
//
// Since both states ask the same Decide, and each answers the annotation
// questions (Known::Head) from its own table, which holds exactly the
// annotations Decide accepted, both accept exactly the same annotation
// events, by construction.
//
// Decide is pure, total and never fails: events reach the ledger through the
// command handler (fully validated) or through `consilium append`
// (structurally validated only), and whatever a raw append makes
// inconsistent is resolved by the rules above. It parses a newly published
// schema version once (the effect carries the parsed schema and its
// descriptive view to the model, which keeps them instead of parsing again);
// for every other event it parses and allocates nothing itself.
//
// A new fb::EventBody type does not compile until Decide has a case for it
// (a static_assert in replay.cc names the last type Decide knows).
//
// Thread-safety: Decide is reentrant; Known and Model implementations are
// the caller's, called on the caller's thread.
//
//   Effect effect = Decide(known, Applied{seq, timestamp_us, *event});
//   if (!std::holds_alternative<Ignored>(effect)) model.On(applied, effect);
#ifndef CONSILIUM_DOMAIN_REPLAY_H_
#define CONSILIUM_DOMAIN_REPLAY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>

#include "schemas/event.h"
#include "schemas/task_schema.h"

namespace consilium::domain {

// One committed event with its stamp (the stamp may come from the ledger's
// report rather than from `event`: the command handler applies its drafts).
struct Applied {
  uint64_t seq = 0;
  int64_t timestamp_us = 0;
  const fb::Event& event;
};

// The current head of an annotation in the state that asks.
struct AnnotationHead {
  uint32_t revision = 0;
  bool withdrawn = false;
  // The asking state's own number for the annotation, handed back in the
  // effect so that its model does not look the id up twice.
  uint32_t number = 0;
};

// What Decide asks of the state it decides for. A state answers for the
// kinds it keeps; for a kind it does not keep (AnalyticsState keeps no
// projects) it answers "unknown" and ignores the resulting effect.
class Known {
 public:
  virtual ~Known() = default;
  virtual bool HasProject(std::string_view id) const = 0;
  virtual bool HasPrincipal(std::string_view id) const = 0;
  virtual bool HasSchema(std::string_view id, uint32_t version) const = 0;
  virtual bool HasRecord(std::string_view id) const = 0;
  virtual bool HasBatch(std::string_view project,
                        std::string_view id) const = 0;
  // The annotation `id`, or nullopt when the state has not accepted one.
  virtual std::optional<AnnotationHead> Head(std::string_view id) const = 0;
};

// ---- Effects: each refers into the event (valid while it is). ----

struct Ignored {};
struct ProjectDefined {
  const fb::ProjectCreated* body;
};
struct PrincipalDefined {
  const fb::PrincipalRegistered* body;
};
// A valid role (not Unspecified, not beyond fb::Role::MAX) granted to or
// revoked from a known principal; `project` empty for a global role.
struct RoleChanged {
  std::string_view principal;
  fb::Role role;
  const flatbuffers::String* project;
  bool grant;
};
// A token hash (present) issued to a known principal.
struct TokenAdded {
  const fb::TokenIssued* body;
};
// A token hash (present) revoked from a known principal; a hash the
// principal was never issued changes nothing (the state looks it up).
struct TokenWithdrawn {
  const fb::TokenRevoked* body;
};
// A new schema version whose document parsed and matches the header.
struct SchemaDefined {
  const fb::SchemaPublished* body;
  std::shared_ptr<const schemas::TaskSchema> schema;
  // The descriptive view (DescriptiveView in domain_state.h); may be null.
  std::shared_ptr<const schemas::TaskSchema> descriptive;
};
// A record id not imported before; `sealed` when its content is sealed.
struct RecordDefined {
  const fb::RecordImported* body;
  bool sealed;
};
struct BatchDefined {
  const fb::CalibrationBatchCreated* body;
};
// An assignment made (`assigned`) or revoked; revoking one that does not
// exist changes nothing.
struct AssignmentChanged {
  std::string_view record;
  std::string_view annotator;
  bool assigned;
};
// The first submission of an annotation id.
struct AnnotationOpened {
  const fb::AnnotationSubmitted* body;
};
// A revision of a live annotation naming its current revision and making
// current+1; `number` as the state's Head gave it.
struct AnnotationRevised {
  const fb::AnnotationRevised* body;
  uint32_t number;
};
// A withdrawal of a live annotation naming its current revision.
struct AnnotationWithdrawn {
  const fb::AnnotationWithdrawn* body;
  uint32_t number;
};
// A gold answer: the latest for its (record, schema version) is current.
struct GoldRecorded {
  const fb::GoldAnswerRecorded* body;
};
// A decision whose outcome is Decided or Ambiguous: the latest for its
// (record, field path) is current.
struct AdjudicationRecorded {
  const fb::AdjudicationDecided* body;
};
struct AccessRecorded {
  const fb::AccessRecorded* body;
};
// The adjudication engine's events (docs/adjudication.md, "Events"), taken
// as appended: the queue's rules (adjudication/queue.h) decide whether a
// lease named is live and whose; DomainState keeps none of them.
struct AdjudicationPolicyDefined {
  const fb::AdjudicationPolicySet* body;
};
// A claim: the lease id is the event's sequence number.
struct AdjudicationLeaseOpened {
  const fb::AdjudicationClaimed* body;
};
enum class LeaseEnd { kReleased, kExpired, kEscalated };
// A lease given back (released), expired (at `deadline_us`) or sent to a
// senior adjudicator (with `rationale`).
struct AdjudicationLeaseClosed {
  std::string_view project;
  uint64_t lease_seq;
  LeaseEnd end;
  int64_t deadline_us;
  std::string_view rationale;
};

// A subject's data key was shredded (KeyShredded): content sealed for
// `subject` is unreadable from `seq` on. Taken as appended.
struct SubjectShredded {
  const fb::KeyShredded* body;
};

// The de-identification gate (docs/deid.md, "The import gate"), for a
// known record: held back (RecordQuarantined; the first holds), and a
// reviewer's verdict (a Released, or a Redacted with its content; the
// state takes the first verdict on a held record and ignores the rest).
struct RecordHeld {
  const fb::RecordQuarantined* body;
};
struct RecordDeidReviewed {
  const fb::DeidentificationReviewed* body;
};

using Effect = std::variant<
    Ignored, ProjectDefined, PrincipalDefined, RoleChanged, TokenAdded,
    SchemaDefined, RecordDefined, BatchDefined, AssignmentChanged,
    AnnotationOpened, AnnotationRevised, AnnotationWithdrawn, GoldRecorded,
    AdjudicationRecorded, AccessRecorded, AdjudicationPolicyDefined,
    AdjudicationLeaseOpened, AdjudicationLeaseClosed, TokenWithdrawn,
    SubjectShredded, RecordHeld, RecordDeidReviewed>;

// The effect of `e` on a state that knows what `known` says. Pure; total.
Effect Decide(const Known& known, const Applied& e);

class DomainState;

// What a state keeps of accepted effects.
class Model {
 public:
  virtual ~Model() = default;
  // Called with every effect Decide accepted (never Ignored), in sequence
  // order.
  virtual void On(const Applied& e, const Effect& effect) = 0;
  // What DomainState::Apply calls on the write side's models: the same, with
  // the domain state as it is after keeping the event (a model that maps an
  // annotation to its schema and record reads them there instead of keeping
  // a copy). Default: On(e, effect).
  virtual void OnWithState(const DomainState& state, const Applied& e,
                           const Effect& effect) {
    (void)state;
    On(e, effect);
  }
};

// Decide, then `model.On` when the effect is accepted.
inline void Replay(const Known& known, Model& model, const Applied& e) {
  const Effect effect = Decide(known, e);
  if (!std::holds_alternative<Ignored>(effect)) model.On(e, effect);
}

}  // namespace consilium::domain

#endif  // CONSILIUM_DOMAIN_REPLAY_H_
