#include "adjudication/model.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "adjudication/internal/model_project.h"
#include "adjudication/internal/notifier.h"
#include "projections/value_keys.h"
#include "schemas/annotation_validator.h"

namespace consilium::adjudication {

namespace {

std::string Str(const flatbuffers::String* s) {
  return s == nullptr ? std::string() : s->str();
}

}  // namespace

struct AdjudicationModel::Pending : internal::Notifier {};

AdjudicationModel::AdjudicationModel()
    : pending_(std::make_unique<Pending>()) {}
AdjudicationModel::~AdjudicationModel() = default;

void AdjudicationModel::On(const domain::Applied& e,
                           const domain::Effect& effect) {
  Apply(nullptr, e, effect);
}

void AdjudicationModel::OnWithState(const domain::DomainState& state,
                                    const domain::Applied& e,
                                    const domain::Effect& effect) {
  Apply(&state, e, effect);
}

AdjudicationModel::Project* AdjudicationModel::FindProject(
    std::string_view project) {
  auto it = projects_.find(project);
  return it == projects_.end() ? nullptr : it->second.get();
}

void AdjudicationModel::Feed(Project& p, uint64_t seq, const Input& input) {
  p.queue.Apply(seq, input);
  std::vector<LeaseEnded> ended = p.queue.TakeEndedLeases();
  const size_t depth = p.queue.queued();
  if (!pending_->active()) {
    p.last_depth = depth;
    return;
  }
  std::vector<QueueNotice> notices;
  for (LeaseEnded& l : ended) {
    QueueNotice n;
    n.kind = QueueNotice::Kind::kLeaseEnd;
    n.project = p.id;
    n.seq = l.seq;
    n.lease = l.lease;
    n.adjudicator = std::move(l.adjudicator);
    n.end = l.reason;
    n.item = std::move(l.item);
    notices.push_back(std::move(n));
  }
  // An annotator joining a record's conflict set changes no total, but it
  // may change their own depth (they may not take its items). Every human
  // annotation is told as such (the queue does not say whether the pair was
  // new); the pushes are coalesced per session (50 ms) and compare each
  // session's depth with its last, so a repeat costs one recount at most.
  const bool conflicts_grew =
      std::holds_alternative<RecordAnnotated>(input) && depth > 0;
  if (depth != p.last_depth || conflicts_grew) {
    QueueNotice n;
    n.kind = QueueNotice::Kind::kDepth;
    n.project = p.id;
    n.seq = seq;
    n.depth = depth;
    notices.push_back(std::move(n));
  }
  p.last_depth = depth;
  pending_->Post(std::move(notices));
}

void AdjudicationModel::Apply(const domain::DomainState* state,
                              const domain::Applied& e,
                              const domain::Effect& effect) {
  seq_ = e.seq;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, domain::ProjectDefined>) {
          OnProject(x);
        } else if constexpr (std::is_same_v<T, domain::AnnotationOpened> ||
                             std::is_same_v<T, domain::AnnotationRevised> ||
                             std::is_same_v<T, domain::AnnotationWithdrawn>) {
          if (state == nullptr) return;
          const fb::Payload* values = nullptr;
          if constexpr (!std::is_same_v<T, domain::AnnotationWithdrawn>) {
            values = x.body->values();
          }
          OnAnnotation(*state, e, x.body->annotation_id()->string_view(),
                       values);
        } else if constexpr (std::is_same_v<T, domain::BatchDefined>) {
          OnBatch(e, *x.body);
        } else if constexpr (std::is_same_v<
                                 T, domain::AdjudicationPolicyDefined>) {
          if (state != nullptr) OnPolicy(*state, e, *x.body);
        } else if constexpr (std::is_same_v<T,
                                            domain::AdjudicationLeaseOpened>) {
          OnClaim(e, *x.body);
        } else if constexpr (std::is_same_v<T,
                                            domain::AdjudicationLeaseClosed>) {
          OnLeaseClosed(e, x);
        } else if constexpr (std::is_same_v<T, domain::AdjudicationRecorded>) {
          OnDecision(e, *x.body);
        }
      },
      effect);
}

void AdjudicationModel::OnProject(const domain::ProjectDefined& x) {
  const std::string id = Str(x.body->project_id());
  if (projects_.count(id)) return;  // Decide accepts the first only
  projects_.emplace(id,
                    std::make_unique<Project>(id, x.body->overlap_target()));
}

void AdjudicationModel::OnPolicy(const domain::DomainState& state,
                                 const domain::Applied& e,
                                 const fb::AdjudicationPolicySet& b) {
  Project* p = FindProject(Str(b.project_id()));
  if (p == nullptr) return;
  // Taken as appended when it parses against the schema it names and is
  // newer than the current version (the command checks version + 1).
  const domain::SchemaState* schema =
      state.FindSchema(Str(b.schema_id()), b.schema_version());
  if (schema == nullptr || schema->schema == nullptr) return;
  StatusOr<ProjectPolicy> policy =
      ParsePolicy(Str(b.document()), *schema->schema, p->overlap_target);
  if (!policy.ok() || policy->project != p->id ||
      policy->version <= p->queue.policy().version) {
    return;
  }
  Feed(*p, e.seq, PolicySet{*std::move(policy)});
}

void AdjudicationModel::OnBatch(const domain::Applied& e,
                                const fb::CalibrationBatchCreated& b) {
  Project* p = FindProject(Str(b.project_id()));
  if (p == nullptr || b.record_ids() == nullptr) return;
  for (const flatbuffers::String* r : *b.record_ids()) {
    Project::Record& rec = p->records[r->str()];
    if (rec.in_batch) continue;
    rec.in_batch = true;
    for (const auto& [field, meta] : rec.fields) {
      Feed(*p, e.seq,
           ItemUpdated{{r->str(), field},
                       meta.layer,
                       internal::ViewOf(rec, field, meta)});
    }
  }
}

void AdjudicationModel::OnClaim(const domain::Applied& e,
                                const fb::AdjudicationClaimed& b) {
  Project* p = FindProject(Str(b.project_id()));
  if (p == nullptr) return;
  lease_project_.emplace(e.seq, p->id);
  Feed(*p, e.seq,
       Claimed{e.seq, Str(e.event.actor()),
               ItemKey{Str(b.record_id()), Str(b.field_path())},
               b.expires_us()});
}

void AdjudicationModel::OnLeaseClosed(
    const domain::Applied& e, const domain::AdjudicationLeaseClosed& x) {
  Project* p = FindProject(x.project);
  if (p == nullptr) return;
  switch (x.end) {
    case domain::LeaseEnd::kReleased:
      Feed(*p, e.seq, Released{x.lease_seq});
      break;
    case domain::LeaseEnd::kExpired:
      Feed(*p, e.seq, LeaseExpired{x.lease_seq});
      break;
    case domain::LeaseEnd::kEscalated:
      Feed(*p, e.seq, Escalated{x.lease_seq, std::string(x.rationale)});
      break;
  }
}

void AdjudicationModel::OnDecision(const domain::Applied& e,
                                   const fb::AdjudicationDecided& b) {
  Project* p = FindProject(Str(b.project_id()));
  // A decision recorded without a lease (before the engine) is not one of
  // the queue's: the projections read it, the queue does not.
  if (p == nullptr || b.lease_seq() == 0) return;
  Decided d;
  d.lease = b.lease_seq();
  d.outcome = b.outcome() == fb::AdjudicationOutcome::Decided
                  ? Outcome::kDecided
                  : Outcome::kAmbiguous;
  if (d.outcome == Outcome::kDecided) {
    d.value_key = projections::ValueKeyOfJson(PlainPayload(b.value()));
  }
  d.rationale = Str(b.rationale());
  // The annotators of the weighed events, as the lease saw them at claim.
  const LeaseInfo* lease = p->queue.FindLease(d.lease);
  if (b.weighed_seqs() != nullptr) {
    for (uint64_t s : *b.weighed_seqs()) {
      std::string who;
      if (lease != nullptr) {
        for (const AnnotationRef& r : lease->weighed_at_claim) {
          if (r.seq == s) who = r.annotator;
        }
      }
      d.weighed.push_back({std::move(who), s});
    }
  }
  std::sort(d.weighed.begin(), d.weighed.end());
  Feed(*p, e.seq, d);
}

// ---- Reads ------------------------------------------------------------------

const Queue* AdjudicationModel::FindQueue(std::string_view project) const {
  auto it = projects_.find(project);
  return it == projects_.end() ? nullptr : &it->second->queue;
}

Queue* AdjudicationModel::MutableQueue(std::string_view project) {
  Project* p = FindProject(project);
  return p == nullptr ? nullptr : &p->queue;
}

const ItemInfo* AdjudicationModel::FindItem(std::string_view project,
                                            const ItemKey& item) const {
  const Queue* q = FindQueue(project);
  return q == nullptr ? nullptr : q->Find(item);
}

LeaseLookup AdjudicationModel::FindLease(uint64_t lease) const {
  auto it = lease_project_.find(lease);
  if (it == lease_project_.end()) return {};
  const Queue* q = FindQueue(it->second);
  return {it->second, q == nullptr ? nullptr : q->FindLease(lease)};
}

size_t AdjudicationModel::Depth(std::string_view project) const {
  const Queue* q = FindQueue(project);
  return q == nullptr ? 0 : q->queued();
}

std::vector<std::string> AdjudicationModel::Projects() const {
  std::vector<std::string> out;
  out.reserve(projects_.size());
  for (const auto& [id, p] : projects_) out.push_back(id);
  return out;
}

std::string AdjudicationModel::DebugString() const {
  std::string out;
  for (const auto& [id, p] : projects_) {
    out += "== project " + id + " overlap " +
           std::to_string(p->overlap_target) + "\n";
    out += p->queue.DebugString();
  }
  return out;
}

// ---- Subscriptions ----------------------------------------------------------

uint64_t AdjudicationModel::Subscribe(Listener listener) {
  return pending_->Subscribe(std::move(listener));
}
void AdjudicationModel::Unsubscribe(uint64_t id) { pending_->Unsubscribe(id); }
void AdjudicationModel::WaitDelivered() { pending_->WaitDelivered(); }

}  // namespace consilium::adjudication
