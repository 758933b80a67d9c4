// AdjudicationCommands: what a lease holder does (release, decide, escalate)
// and the server's expiries. Each is one WriteCore::Concurrent command
// reserved on its lease ("adjudication:lease:N"), so two commands on one
// lease never both commit, and commands on different leases share syncs.
#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <utility>

#include "adjudication/commands.h"
#include "adjudication/internal/command_steps.h"
#include "common/canonical_json.h"
#include "common/strict_json.h"
#include "projections/value_keys.h"
#include "schemas/annotation_validator.h"
#include "schemas/event.h"

namespace consilium::adjudication {

namespace {

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string LeaseKey(uint64_t lease) {
  return "adjudication:lease:" + std::to_string(lease);
}

std::string LeaseBusy(uint64_t lease) {
  return "another command on lease " + std::to_string(lease) +
         " is being committed";
}

// Where a held lease is and what its commands need, found under the lock.
struct Held {
  std::string project;
  Queue* queue = nullptr;
  LeaseInfo lease;
};

StatusOr<Held> FindHeld(AdjudicationModel* model, const domain::DomainState& s,
                        std::string_view actor, uint64_t lease,
                        bool need_adjudicator) {
  const LeaseLookup found = model->FindLease(lease);
  if (found.project.empty()) {
    return NotFoundError("no lease " + std::to_string(lease));
  }
  if (need_adjudicator) {
    RETURN_IF_ERROR(internal::RequireAdjudicator(s, actor, found.project));
  }
  Held h{found.project, model->MutableQueue(found.project), {}};
  if (found.held != nullptr) h.lease = *found.held;
  return h;
}

// After the event is applied: did it end the lease as intended?
Status Took(const Queue* q, uint64_t lease, LeaseEndReason want,
            const Committed& c) {
  const auto end = q->EndOf(lease);
  if (end && end->first == want && end->second == c.seq) return OkStatus();
  return AbortedError("the " + std::string(LeaseEndReasonName(want)) +
                      " event of lease " + std::to_string(lease) + " (seq " +
                      std::to_string(c.seq) +
                      ") did not take effect: the lease changed while it "
                      "was being committed");
}

// The field's definition and the record's shape, to check a decided value.
struct ValueContext {
  std::shared_ptr<const schemas::TaskSchema> schema;
  std::shared_ptr<const schemas::RecordShape> shape;
};

// The decided value, checked against the field as an annotation's value is:
// the validator runs on {"a": {"b": value}} for field "a.b" and only errors
// at that path count (other required fields are not the decision's).
StatusOr<std::string> CheckValue(const ValueContext& ctx,
                                 std::string_view field,
                                 std::string_view value_json) {
  boost::json::value value;
  StrictJsonError error;
  if (!ParseStrictJson(value_json, {}, value, &error).ok()) {
    return InvalidArgumentError("decision on field " + Quoted(field) +
                                ": value is not JSON (" + error.reason + ")");
  }
  if (ctx.schema == nullptr || ctx.shape == nullptr) {
    return FailedPreconditionError("decision on field " + Quoted(field) +
                                   ": the item's schema or record is not "
                                   "known; the value cannot be checked");
  }
  // {"a": {"b": value}} for "a.b", built from the innermost name out.
  boost::json::value doc = value;
  std::string_view rest = field;
  while (true) {
    const size_t dot = rest.rfind('.');
    boost::json::object o;
    o[rest.substr(dot == std::string_view::npos ? 0 : dot + 1)] =
        std::move(doc);
    doc = std::move(o);
    if (dot == std::string_view::npos) break;
    rest = rest.substr(0, dot);
  }
  const std::string text = WriteStoredJson(doc);
  for (const schemas::AnnotationError& e : schemas::CollectAnnotationErrors(
           *ctx.schema, *ctx.shape, "decision", text, 64)) {
    if (e.path == field || e.path.starts_with(std::string(field) + ".") ||
        e.path.starts_with(std::string(field) + "[")) {
      return InvalidArgumentError("decision on field " + Quoted(field) +
                                  ": value " + std::string(value_json) +
                                  " is not allowed: " + e.rule);
    }
  }
  return WriteStoredJson(value);
}

}  // namespace

StatusOr<Committed> AdjudicationCommands::Release(std::string_view actor,
                                                  uint64_t lease) {
  internal::Waiter<Committed> w;
  ReleaseAsync(actor, lease, w.Callback());
  return w.Wait();
}

StatusOr<Committed> AdjudicationCommands::Escalate(std::string_view actor,
                                                   uint64_t lease,
                                                   std::string_view rationale) {
  internal::Waiter<Committed> w;
  EscalateAsync(actor, lease, rationale, w.Callback());
  return w.Wait();
}

namespace {

// A lease holder's command after phase A: who, and where the lease is.
struct LeaseOp {
  std::string actor;
  uint64_t lease = 0;
  Held held;
};

// Runs `steps` for `op`; once applied, checks the lease ended as `want`.
void EndLease(domain::WriteCore* core, std::shared_ptr<LeaseOp> op,
              internal::Steps& steps, LeaseEndReason want,
              AdjudicationCommands::CommittedCallback done) {
  core->Concurrent(
      steps, [core, op, want, done = std::move(done)](StatusOr<Committed> c) {
        if (c.ok()) {
          // The state lock is free while a WriteCore callback runs.
          Status took = core->Read([&](const domain::DomainState&) {
            return Took(op->held.queue, op->lease, want, *c);
          });
          if (!took.ok()) c = std::move(took);
        }
        done(std::move(c));
      });
}

}  // namespace

void AdjudicationCommands::ReleaseAsync(std::string_view actor, uint64_t lease,
                                        CommittedCallback done) {
  const int64_t now = clock_->NowMicros();
  auto op = std::make_shared<LeaseOp>(LeaseOp{std::string(actor), lease, {}});
  internal::Steps steps(
      LeaseKey(lease), LeaseBusy(lease),
      [this, op, now](const domain::DomainState& s, bool) -> Status {
        ASSIGN_OR_RETURN(op->held,
                         FindHeld(model_, s, op->actor, op->lease, true));
        return op->held.queue->CheckRelease(op->lease, op->actor, now);
      },
      [op]() -> StatusOr<EventDraft> {
        return MakeAdjudicationReleased({op->actor, ""}, op->held.project,
                                        op->lease);
      });
  EndLease(core_, op, steps, LeaseEndReason::kReleased, std::move(done));
}

void AdjudicationCommands::EscalateAsync(std::string_view actor, uint64_t lease,
                                         std::string_view rationale,
                                         CommittedCallback done) {
  const int64_t now = clock_->NowMicros();
  auto op = std::make_shared<LeaseOp>(LeaseOp{std::string(actor), lease, {}});
  std::string why(rationale);
  internal::Steps steps(
      LeaseKey(lease), LeaseBusy(lease),
      [this, op, now, why](const domain::DomainState& s, bool) -> Status {
        ASSIGN_OR_RETURN(op->held,
                         FindHeld(model_, s, op->actor, op->lease, true));
        return op->held.queue->CheckEscalate(op->lease, op->actor, why, now);
      },
      [op, why]() -> StatusOr<EventDraft> {
        return MakeAdjudicationEscalated({op->actor, ""}, op->held.project,
                                         op->lease, why);
      });
  EndLease(core_, op, steps, LeaseEndReason::kEscalated, std::move(done));
}

namespace {

// What Decide's draft needs, gathered under the lock in phase A.
struct DecisionDraft {
  Held held;
  DecideRequest request;
  ValueContext ctx;
  std::vector<std::string> cited_ids;
  std::vector<uint64_t> weighed_seqs;
  std::string value;  // canonical JSON; empty when ambiguous
};

Status Gather(AdjudicationModel* model, const domain::DomainState& s,
              DecisionDraft& d) {
  const ItemKey& item = d.held.lease.item;
  d.cited_ids.clear();
  d.weighed_seqs.clear();
  uint64_t latest = 0;
  for (const auto& [seq, id] : model->ItemAnnotations(d.held.project, item)) {
    d.weighed_seqs.push_back(seq);
    d.cited_ids.push_back(id);
    const domain::AnnotationState* a = s.FindAnnotation(id);
    if (a == nullptr || seq < latest) continue;
    latest = seq;
    const domain::SchemaState* schema =
        s.FindSchema(a->schema_id, a->schema_version);
    d.ctx.schema = schema == nullptr ? nullptr : schema->schema;
  }
  const domain::RecordState* r = s.FindRecord(item.record);
  d.ctx.shape = r == nullptr ? nullptr : r->shape;
  return OkStatus();
}

}  // namespace

StatusOr<Committed> AdjudicationCommands::Decide(std::string_view actor,
                                                 const DecideCommand& cmd) {
  internal::Waiter<Committed> w;
  DecideAsync(actor, cmd, w.Callback());
  return w.Wait();
}

void AdjudicationCommands::DecideAsync(std::string_view actor,
                                       const DecideCommand& cmd,
                                       CommittedCallback done) {
  if (cmd.ambiguous == cmd.value_json.has_value()) {
    return done(InvalidArgumentError(
        cmd.ambiguous ? "decision under lease " + std::to_string(cmd.lease) +
                            ": a value and \"ambiguous\" exclude each other"
                      : "decision under lease " + std::to_string(cmd.lease) +
                            ": give a value or mark it ambiguous"));
  }
  const int64_t now = clock_->NowMicros();
  auto op = std::make_shared<DecisionDraft>();
  DecisionDraft& d = *op;
  internal::Steps steps(
      LeaseKey(cmd.lease), LeaseBusy(cmd.lease),
      [&](const domain::DomainState& s, bool) -> Status {
        ASSIGN_OR_RETURN(d.held, FindHeld(model_, s, actor, cmd.lease, true));
        DecideRequest& r = d.request;
        r = DecideRequest{
            cmd.lease,
            std::string(actor),
            {d.held.lease.item.record, cmd.field},
            cmd.ambiguous ? Outcome::kAmbiguous : Outcome::kDecided,
            // The value is checked in the draft, off the lock;
            // here only whether there is one.
            cmd.ambiguous ? "" : "?",
            cmd.rationale,
            d.held.lease.weighed_at_claim};
        RETURN_IF_ERROR(d.held.queue->CheckDecide(r, now));
        return Gather(model_, s, d);
      },
      [&]() -> StatusOr<EventDraft> {
        if (!cmd.ambiguous) {
          ASSIGN_OR_RETURN(d.value,
                           CheckValue(d.ctx, cmd.field, *cmd.value_json));
          if (projections::ValueKeyOfJson(d.value).empty()) {
            return InvalidArgumentError(
                "decision on field " + Quoted(cmd.field) + ": value " +
                *cmd.value_json +
                " has no value key (decide categories, sets, numbers or "
                "booleans; mark other fields ambiguous)");
          }
        }
        AdjudicationDecidedFields f;
        f.project_id = d.held.project;
        f.record_id = d.request.item.record;
        f.field_path = cmd.field;
        f.outcome = cmd.ambiguous ? fb::AdjudicationOutcome::Ambiguous
                                  : fb::AdjudicationOutcome::Decided;
        f.value = d.value;
        f.rationale = cmd.rationale;
        f.cited_annotation_ids = d.cited_ids;
        f.lease_seq = cmd.lease;
        f.weighed_seqs = d.weighed_seqs;
        return MakeAdjudicationDecided({std::string(actor), ""}, f);
      });
  // The check and the draft run before Concurrent returns (the references
  // they hold are still valid); only the callback outlives this call.
  core_->Concurrent(
      steps, [this, op, now, done = std::move(done)](StatusOr<Committed> c) {
        if (c.ok()) {
          // The state lock is free while a WriteCore callback runs.
          Status took = core_->Read([&](const domain::DomainState&) -> Status {
            Status t = Took(op->held.queue, op->request.lease,
                            LeaseEndReason::kDecided, *c);
            if (t.ok()) return t;
            // The decision raced a change: say which, as the check would have.
            Status now_status = op->held.queue->CheckDecide(op->request, now);
            return now_status.ok() ? t : now_status;
          });
          if (!took.ok()) c = std::move(took);
        }
        done(std::move(c));
      });
}

StatusOr<std::vector<ExpiredLease>> AdjudicationCommands::ExpireDue(
    int64_t now_us) {
  std::vector<ExpiredLease> due = core_->Read([&](const domain::DomainState&) {
    std::vector<ExpiredLease> out;
    for (const std::string& project : model_->Projects()) {
      const Queue* q = model_->FindQueue(project);
      for (uint64_t lease : q->LeasesDue(now_us)) {
        const LeaseInfo* l = q->FindLease(lease);
        out.push_back(
            {project, lease, l->adjudicator, l->item, l->deadline_us(), {}});
      }
    }
    return out;
  });
  // All at once: the expiries share syncs; each waits only for its own.
  std::mutex mu;
  std::condition_variable cv;
  size_t open = due.size();
  std::vector<StatusOr<Committed>> results(due.size(), Committed{});
  std::vector<internal::Steps> steps;
  steps.reserve(due.size());
  for (size_t i = 0; i < due.size(); ++i) {
    const ExpiredLease& e = due[i];
    steps.emplace_back(
        LeaseKey(e.lease), LeaseBusy(e.lease),
        [this, &e, now_us](const domain::DomainState&, bool) -> Status {
          const Queue* q = model_->FindQueue(e.project);
          return q->CheckExpire(e.lease, now_us);
        },
        [this, &e]() -> StatusOr<EventDraft> {
          return MakeAdjudicationLeaseExpired(
              {options_.server_actor, ""}, e.project, e.lease, e.deadline_us);
        });
    core_->Concurrent(steps.back(), [&, i](StatusOr<Committed> r) {
      std::lock_guard l(mu);
      results[i] = std::move(r);
      if (--open == 0) cv.notify_all();
    });
  }
  {
    std::unique_lock l(mu);
    cv.wait(l, [&] { return open == 0; });
  }
  return core_->Read([&](const domain::DomainState&)
                         -> StatusOr<std::vector<ExpiredLease>> {
    std::vector<ExpiredLease> expired;
    Status failure;
    for (size_t i = 0; i < due.size(); ++i) {
      if (!results[i].ok()) {
        // Someone else ended the lease first (a decision, a release, a
        // concurrent ExpireDue): not ours to report. A store error is.
        const StatusCode code = results[i].status().code();
        if (code != StatusCode::kAborted &&
            code != StatusCode::kFailedPrecondition &&
            code != StatusCode::kNotFound && failure.ok()) {
          failure = results[i].status();
        }
        continue;
      }
      const Queue* q = model_->FindQueue(due[i].project);
      if (!Took(q, due[i].lease, LeaseEndReason::kExpired, *results[i]).ok()) {
        continue;
      }
      due[i].committed = *results[i];
      expired.push_back(std::move(due[i]));
    }
    if (!failure.ok()) return failure;
    return expired;
  });
}

}  // namespace consilium::adjudication
