// AdjudicationCommands: the policy, claims, heartbeats and expiries
// (commands_lease.cc: release, decide, escalate). docs/adjudication.md,
// "Commands", gives the rules and why each runs the way it does.
#include "adjudication/commands.h"

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <utility>

#include "adjudication/internal/command_steps.h"
#include "common/canonical_json.h"
#include "common/strict_json.h"
#include "schemas/event.h"

namespace consilium::adjudication {

namespace internal {

Status RequireAdjudicator(const domain::DomainState& state,
                          std::string_view actor, std::string_view project) {
  if (state.FindProject(project) == nullptr) {
    return NotFoundError("project \"" + std::string(project) + "\" not found");
  }
  const domain::PrincipalState* p = state.FindPrincipal(actor);
  if (p == nullptr || p->is_model() ||
      !p->HasRole(fb::Role::Adjudicator, project)) {
    return PermissionDeniedError("\"" + std::string(actor) +
                                 "\" is not an adjudicator of project \"" +
                                 std::string(project) + "\"");
  }
  return OkStatus();
}

}  // namespace internal

namespace {

constexpr int64_t kMaxTtlSeconds = 86400;

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// The schema a policy is checked against when the caller names none: the
// latest version of the schema the project's latest annotation named; with
// no annotation yet, the latest version of the only schema id published.
StatusOr<const domain::SchemaState*> PolicySchema(
    const domain::DomainState& state, std::string_view project,
    std::string schema_id) {
  if (schema_id.empty()) {
    if (state.schemas().size() != 1) {
      return FailedPreconditionError(
          "adjudication policy for project " + Quoted(project) +
          ": no annotation names a task schema yet and " +
          std::to_string(state.schemas().size()) +
          " schema ids are published; name the schema to check it against");
    }
    schema_id = state.schemas().begin()->first;
  }
  const uint32_t version = state.LatestSchemaVersion(schema_id);
  const domain::SchemaState* s = state.FindSchema(schema_id, version);
  if (s == nullptr || s->schema == nullptr) {
    return NotFoundError("schema " + Quoted(schema_id) + " not found");
  }
  return s;
}

// The checks a policy document cannot make itself (docs/adjudication.md,
// "Commands"): its project, its version, its senior tier.
Status CheckPolicyContext(const domain::DomainState& state,
                          std::string_view project, const ProjectPolicy& p,
                          int64_t current_version) {
  if (p.project != project) {
    return InvalidArgumentError(
        "adjudication policy: project: the document "
        "names " +
        Quoted(p.project) + ", not " + Quoted(project));
  }
  if (p.version != current_version + 1) {
    return InvalidArgumentError("adjudication policy: version: must be " +
                                std::to_string(current_version + 1) +
                                " (the current version of " + Quoted(project) +
                                " is " + std::to_string(current_version) +
                                "), got " + std::to_string(p.version));
  }
  for (const std::string& senior : p.senior_adjudicators) {
    const domain::PrincipalState* who = state.FindPrincipal(senior);
    if (who == nullptr || who->is_model() ||
        !who->HasRole(fb::Role::Adjudicator, project)) {
      return InvalidArgumentError(
          "adjudication policy: senior_adjudicators: " + Quoted(senior) +
          " is not a registered adjudicator of project " + Quoted(project));
    }
  }
  return OkStatus();
}

}  // namespace

AdjudicationCommands::AdjudicationCommands(domain::WriteCore* core,
                                           AdjudicationModel* model,
                                           Clock* clock,
                                           AdjudicationOptions options)
    : core_(core), model_(model), clock_(clock), options_(std::move(options)) {}

StatusOr<Committed> AdjudicationCommands::SetPolicy(
    std::string_view actor, std::string_view project,
    std::string_view policy_json) {
  return SetPolicy(actor, project, policy_json, "");
}

StatusOr<Committed> AdjudicationCommands::SetPolicy(
    std::string_view actor, std::string_view project,
    std::string_view policy_json, std::string_view schema_id) {
  return domain::Single(core_->Exclusive(
      actor,
      [&](const domain::ExclusiveTxn& t) -> StatusOr<std::vector<EventDraft>> {
        RETURN_IF_ERROR(t.auth().AdminOfProject(project));
        // The gate is exclusive and drained, but heartbeats touch the model
        // under the state lock only: read it there.
        auto [latest, version, overlap] =
            core_->Read([&](const domain::DomainState&) {
              const Queue* q = model_->FindQueue(project);
              return std::make_tuple(
                  model_->LatestSchemaId(project),
                  q == nullptr ? int64_t{0} : q->policy().version,
                  q == nullptr ? uint32_t{0} : q->policy().overlap_target);
            });
        ASSIGN_OR_RETURN(
            const domain::SchemaState* schema,
            PolicySchema(t.state(), project,
                         std::string(schema_id.empty() ? latest : schema_id)));
        ASSIGN_OR_RETURN(ProjectPolicy policy,
                         ParsePolicy(policy_json, *schema->schema, overlap));
        RETURN_IF_ERROR(
            CheckPolicyContext(t.state(), project, policy, version));
        boost::json::value doc;
        RETURN_IF_ERROR(ParseStrictJson(policy_json, {}, doc));
        const std::string canonical = WriteStoredJson(doc);
        return domain::Drafts(MakeAdjudicationPolicySet(
            {std::string(actor), ""},
            {project, static_cast<uint32_t>(policy.version), canonical,
             schema->schema->id(),
             static_cast<uint32_t>(schema->schema->version())}));
      }));
}

StatusOr<ClaimResult> AdjudicationCommands::Claim(
    std::string_view actor, std::string_view project,
    std::optional<int64_t> ttl_seconds) {
  internal::Waiter<ClaimResult> w;
  ClaimAsync(actor, project, ttl_seconds, w.Callback());
  return w.Wait();
}

namespace {

// What a claim decides under the lock and its callback reads after.
struct ClaimOp {
  std::string who, where;
  ClaimPlan plan;
  std::vector<uint64_t> seqs;
  std::vector<std::string> ids;
  bool held = false;
};

// Under the state lock, once the claim's event is applied (or failed):
// applying it ended the hold; a claim that failed before its event was
// applied gives the item back here.
StatusOr<ClaimResult> ClaimOutcome(AdjudicationModel* model, const ClaimOp& op,
                                   const StatusOr<Committed>& c) {
  const ClaimPlan& plan = op.plan;
  if (!c.ok()) {
    if (op.held) {
      if (Queue* q = model->MutableQueue(op.where)) q->Unhold(plan.item);
    }
    return c.status();
  }
  const LeaseLookup lease = model->FindLease(c->seq);
  if (lease.held == nullptr || lease.held->adjudicator != op.who) {
    return AbortedError("the claim of record " + Quoted(plan.item.record) +
                        " field " + Quoted(plan.item.field) + " (seq " +
                        std::to_string(c->seq) +
                        ") did not take effect: the item changed while it "
                        "was being committed; claim again");
  }
  return ClaimResult{plan.item, c->seq, lease.held->expires_us,
                     lease.held->weighed_at_claim, *c};
}

}  // namespace

void AdjudicationCommands::ClaimAsync(std::string_view actor,
                                      std::string_view project,
                                      std::optional<int64_t> ttl_seconds,
                                      ClaimCallback done) {
  if (ttl_seconds && (*ttl_seconds < 1 || *ttl_seconds > kMaxTtlSeconds)) {
    return done(InvalidArgumentError(
        "ttl: must be 1 to " + std::to_string(kMaxTtlSeconds) +
        " seconds, got " + std::to_string(*ttl_seconds)));
  }
  const int64_t now = clock_->NowMicros();
  auto op = std::make_shared<ClaimOp>();
  op->who = actor;
  op->where = project;
  internal::Steps steps(
      "adjudication:claim:" + op->where + "/" + op->who,
      "a claim by " + Quoted(op->who) + " in project " + Quoted(op->where) +
          " is already in flight",
      [this, op, now, ttl_seconds](const domain::DomainState& s,
                                   bool recheck) -> Status {
        RETURN_IF_ERROR(internal::RequireAdjudicator(s, op->who, op->where));
        Queue* q = model_->MutableQueue(op->where);
        if (q == nullptr) return NotFoundError("project " + Quoted(op->where));
        ClaimPlan& plan = op->plan;
        if (recheck) {
          RETURN_IF_ERROR(q->CheckClaimItem(op->who, plan.item));
          // The weighed annotations are cited in the event: they must still
          // be the item's current ones.
          if (q->Find(plan.item)->current != plan.weighed) {
            return AbortedError("the annotations of record " +
                                Quoted(plan.item.record) + " field " +
                                Quoted(plan.item.field) +
                                " changed during the claim; claim again");
          }
          return OkStatus();
        }
        ASSIGN_OR_RETURN(plan, q->CheckClaim(op->who, now));
        if (ttl_seconds) plan.expires_us = now + *ttl_seconds * 1'000'000;
        // Cite the annotation events the claim weighs, by id as well.
        for (const auto& [seq, id] :
             model_->ItemAnnotations(op->where, plan.item)) {
          op->seqs.push_back(seq);
          op->ids.push_back(id);
        }
        RETURN_IF_ERROR(q->Hold(plan.item));  // last: nothing fails after it
        op->held = true;
        return OkStatus();
      },
      [op]() -> StatusOr<EventDraft> {
        return MakeAdjudicationClaimed(
            {op->who, ""},
            {op->where, op->plan.item.record, op->plan.item.field,
             op->plan.expires_us, op->seqs, op->ids});
      });
  core_->Concurrent(steps,
                    [this, op, done = std::move(done)](StatusOr<Committed> c) {
                      // The state lock is free while a WriteCore callback runs.
                      done(core_->Read([&](const domain::DomainState&) {
                        return ClaimOutcome(model_, *op, c);
                      }));
                    });
}

StatusOr<int64_t> AdjudicationCommands::Heartbeat(std::string_view actor,
                                                  uint64_t lease) {
  const int64_t now = clock_->NowMicros();
  return core_->Read([&](const domain::DomainState& s) -> StatusOr<int64_t> {
    const LeaseLookup found = model_->FindLease(lease);
    if (found.project.empty()) {
      return NotFoundError("no lease " + std::to_string(lease));
    }
    RETURN_IF_ERROR(internal::RequireAdjudicator(s, actor, found.project));
    Queue* q = model_->MutableQueue(found.project);
    RETURN_IF_ERROR(q->Heartbeat(lease, actor, now));
    return q->FindLease(lease)->deadline_us();
  });
}

}  // namespace consilium::adjudication
