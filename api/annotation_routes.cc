#include "api/annotation_routes.h"

#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "api/internal/app_routes.h"
#include "api/internal/body_reader.h"
#include "common/aead.h"
#include "render/command_input.h"
#include "render/commit_json.h"
#include "render/domain_json.h"
#include "schemas/annotation_text.h"
#include "schemas/event.h"

namespace consilium::api {
namespace {

namespace json = boost::json;
using internal::Actor;
using internal::BodyReader;
using internal::Guarded;

enum class Op { kSubmit, kRevise, kWithdraw };

// The body as one `consilium annotate` line (render::ParseAnnotationLine,
// the CLI's reader): the path gives the op and, for a revision or
// withdrawal, the annotation id; a submission's annotator defaults to the
// caller.
StatusOr<domain::AnnotationCommand> ReadCommand(const Request& req, Op op) {
  ASSIGN_OR_RETURN(BodyReader r, BodyReader::Parse(req));
  json::object line = r.object();
  if (line.contains("op")) {
    return BodyReader::Error("op", "unknown key (the path says what to do)");
  }
  if (op == Op::kSubmit) {
    if (!line.contains("annotator")) line["annotator"] = Actor(req);
  } else {
    if (line.contains("annotation_id"))
      return BodyReader::Error("annotation_id",
                               "unknown key (it is in the path)");
    line["annotation_id"] = req.params.at("annotation");
    line["op"] = op == Op::kRevise ? "revise" : "withdraw";
  }
  StatusOr<domain::AnnotationCommand> cmd =
      render::ParseAnnotationLine(json::serialize(line));
  if (!cmd.ok()) {
    return InvalidArgumentError("request body: " + cmd.status().message());
  }
  return cmd;
}

// Deferred: the checks run on the pool thread, which is free again once the
// event is queued; the answer goes out when it is durable.
void Annotate(const AppContext& ctx, const Request& req, Op op,
              internal::Reply reply) {
  StatusOr<domain::AnnotationCommand> cmd = ReadCommand(req, op);
  if (!cmd.ok()) return reply(cmd.status());
  auto answer = [op, reply = std::move(reply)](StatusOr<Committed> c) {
    if (!c.ok()) return reply(c.status());
    reply(
        JsonResponse(op == Op::kSubmit ? 201 : 200, render::CommittedJson(*c)));
  };
  switch (op) {
    case Op::kSubmit:
      return ctx.handler->SubmitAnnotationAsync(Actor(req), cmd->submit,
                                                std::move(answer));
    case Op::kRevise:
      return ctx.handler->ReviseAnnotationAsync(Actor(req), cmd->revise,
                                                std::move(answer));
    case Op::kWithdraw:
      return ctx.handler->WithdrawAnnotationAsync(Actor(req), cmd->withdraw,
                                                  std::move(answer));
  }
}

// What a read of one annotation needs, copied out of the state lock.
struct Seen {
  domain::AnnotationState annotation;
  std::string pseudonym;
  ContentKeys keys;  // opens the sealed free text (encryption at rest)
};

// The current revision's values from the ledger, and the document. On an
// encrypted ledger the free text is opened and put back; after its
// subject's key was shredded the document holds the other values and
// "free_text_shredded": true (docs/encryption.md, "Annotation free text").
StatusOr<json::object> Document(const AppContext& ctx, const Seen& seen) {
  const domain::AnnotationState& a = seen.annotation;
  if (a.history.empty())
    return InternalError("annotation " + a.id + " has no revision");
  ASSIGN_OR_RETURN(StoredEvent e, ctx.ledger->Get(a.history.back().seq));
  const std::optional<RevisionPayloads> payloads =
      RevisionPayloadsOf(*e.event());
  if (!payloads) {
    return DataLossError("annotation " + a.id + ": event " +
                         std::to_string(e.seq) +
                         " is not one of its revisions");
  }
  const fb::Payload* values = payloads->values;
  const fb::Payload* text = payloads->sealed_text;
  if (values == nullptr || values->encoding() != fb::PayloadEncoding::Plain) {
    return FailedPreconditionError("annotation " + a.id +
                                   ": its values are sealed");
  }
  bool shredded = false;
  ASSIGN_OR_RETURN(std::string whole, OpenAnnotationValuesOrCounted(
                                          values, text, seen.keys,
                                          "annotation " + a.id, &shredded));
  ASSIGN_OR_RETURN(json::object doc,
                   render::AnnotationJson(a, seen.pseudonym, whole));
  if (text != nullptr) Wipe(whole);
  if (shredded) doc["free_text_shredded"] = true;
  return doc;
}

Seen Copy(const domain::DomainState& s, const domain::AnnotationState& a) {
  const domain::PrincipalState* p = s.FindPrincipal(a.annotator);
  return Seen{a, p != nullptr ? p->pseudonym : std::string(), s.content_keys()};
}

StatusOr<Response> ReadAnnotation(const AppContext& ctx, const Request& req) {
  const std::string& id = req.params.at("annotation");
  ASSIGN_OR_RETURN(
      Seen seen,
      ctx.handler->Read([&](const domain::DomainState& s) -> StatusOr<Seen> {
        const domain::AnnotationState* a = s.FindAnnotation(id);
        if (a == nullptr)
          return NotFoundError("annotation " + id + " not found");
        return Copy(s, *a);
      }));
  ASSIGN_OR_RETURN(json::object doc, Document(ctx, seen));
  RETURN_IF_ERROR(ctx.RecordRead(Actor(req), "annotation", id, "read", req));
  return JsonResponse(200, doc);
}

// The record's annotations the caller may see (domain::Authorizer::
// MayReadAnnotation decides each), with one access event for the listing.
StatusOr<Response> ListAnnotations(const AppContext& ctx, const Request& req) {
  const std::string& record = req.params.at("record");
  ASSIGN_OR_RETURN(
      std::vector<Seen> seen,
      ctx.handler->Read(
          [&](const domain::DomainState& s) -> StatusOr<std::vector<Seen>> {
            if (s.FindRecord(record) == nullptr)
              return NotFoundError("record " + record + " not found");
            domain::Authorizer auth(s, Actor(req), ctx.offers);
            std::vector<Seen> out;
            for (const domain::AnnotationState* a :
                 s.AnnotationsOfRecord(record)) {
              if (auth.MayReadAnnotation(*a).ok()) out.push_back(Copy(s, *a));
            }
            return out;
          }));
  std::vector<json::object> items;
  for (const Seen& one : seen) {
    ASSIGN_OR_RETURN(json::object doc, Document(ctx, one));
    items.push_back(std::move(doc));
  }
  RETURN_IF_ERROR(
      ctx.RecordRead(Actor(req), "record", record, "read_annotations", req));
  return JsonResponse(200, render::AnnotationsJson(record, std::move(items)));
}

// `annotator`'s assigned records with no live annotation of theirs, oldest
// assignment first; only projects `viewer` administers unless it is the
// annotator.
Response Worklist(const AppContext& ctx, const std::string& viewer,
                  const std::string& annotator) {
  std::vector<render::AssignmentEntry> entries =
      ctx.handler->Read([&](const domain::DomainState& s) {
        domain::Authorizer auth(s, viewer);
        return render::WorklistEntries(
            s, annotator, [&](const domain::RecordState& r) {
              return viewer == annotator || auth.RequireAdmin(r.project).ok();
            });
      });
  return JsonResponse(200, render::WorklistJson(annotator, entries));
}

Status AddWrites(RouteTable& t, const AppContext& ctx) {
  struct Write {
    std::string pattern;
    Op op;
  };
  for (const Write& w :
       {Write{"/v1/annotations", Op::kSubmit},
        Write{"/v1/annotations/{annotation}/revisions", Op::kRevise},
        Write{"/v1/annotations/{annotation}/withdrawal", Op::kWithdraw}}) {
    // The command sets decide who may write (the annotator, or an admin of
    // the project acting for them: domain::Authorizer::ActorMayActFor); a
    // refusal there is recorded as a denied access like any other.
    RETURN_IF_ERROR(
        t.Add({.method = "POST",
               .pattern = w.pattern,
               .deferred = internal::Deferred(
                   ctx, w.pattern,
                   [&ctx, op = w.op](const Request& req, internal::Reply r) {
                     Annotate(ctx, req, op, std::move(r));
                   })},
              rules::Authenticated));
  }
  return OkStatus();
}

}  // namespace

Status AddAnnotationRoutes(RouteTable& t, const AppContext& ctx) {
  RETURN_IF_ERROR(AddWrites(t, ctx));
  RETURN_IF_ERROR(t.Add(
      {.method = "GET",
       .pattern = "/v1/annotations/{annotation}",
       .blocking = Guarded(
           ctx, "/v1/annotations/{annotation}",
           [&ctx](const Request& req) { return ReadAnnotation(ctx, req); })},
      [](const domain::Authorizer& a, const Request& req) {
        return a.MayReadAnnotation(
            std::string_view(req.params.at("annotation")));
      }));
  RETURN_IF_ERROR(t.Add(
      {.method = "GET",
       .pattern = "/v1/records/{record}/annotations",
       .blocking = Guarded(
           ctx, "/v1/records/{record}/annotations",
           [&ctx](const Request& req) { return ListAnnotations(ctx, req); })},
      [](const domain::Authorizer& a, const Request& req) {
        return a.MayListAnnotations(req.params.at("record"));
      }));
  RETURN_IF_ERROR(t.Add({.method = "GET",
                         .pattern = "/v1/worklist",
                         .async =
                             [&ctx](const Request& req, Responder respond) {
                               respond(Worklist(ctx, Actor(req), Actor(req)));
                             }},
                        rules::Authenticated));
  return t.Add(
      {.method = "GET",
       .pattern = "/v1/principals/{principal}/worklist",
       .async =
           [&ctx](const Request& req, Responder respond) {
             respond(Worklist(ctx, Actor(req), req.params.at("principal")));
           }},
      [](const domain::Authorizer& a, const Request& req) {
        return a.MayReadWorklist(req.params.at("principal"));
      });
}

}  // namespace consilium::api
