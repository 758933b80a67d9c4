#include "api/ledger_routes.h"

#include <boost/json/object.hpp>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "api/internal/query.h"
#include "api/internal/read_support.h"
#include "api/read_routes.h"
#include "ledger/checkpoint.h"
#include "ledger/proof_json.h"
#include "render/commit_json.h"
#include "render/ledger_json.h"

namespace consilium::api {
namespace {

using internal::DocumentResponse;
using internal::Query;

// What the routes share: the ledger and the checkpoint signer.
struct LedgerReads {
  Ledger* ledger = nullptr;
  std::optional<NoteSigner> signer;
  std::mutex sign_mu;  // one checkpoint signed at a time
};

Response Text(std::string body, const char* content_type) {
  Response r;
  r.content_type = content_type;
  r.body = std::move(body);
  return r;
}

// A required unsigned query parameter.
StatusOr<uint64_t> Required(const Query& q, const char* name) {
  if (!q.Has(name)) {
    return InvalidArgumentError(std::string("query parameter ") + name +
                                " is required");
  }
  return q.Uint(name, 0);
}

Response Head(const LedgerReads& l, const Request& request) {
  StatusOr<Query> q = Query::Parse(request.query, {});
  if (!q.ok()) return ErrorResponse(q.status());
  StatusOr<consilium::Head> head = l.ledger->CheckedHead();
  if (!head.ok()) return ErrorResponse(head.status());
  return DocumentResponse(200, render::HeadJson(*head), JsonStyle::kCompact);
}

Response Events(const LedgerReads& l, const Request& request) {
  StatusOr<Query> q = Query::Parse(request.query, {"from", "limit"});
  if (!q.ok()) return ErrorResponse(q.status());
  StatusOr<uint64_t> from = q->Uint("from", 1);
  if (!from.ok()) return ErrorResponse(from.status());
  StatusOr<uint64_t> limit = q->Uint("limit", render::kEventPageDefault);
  if (!limit.ok()) return ErrorResponse(limit.status());
  auto page = render::EventPageJson(*l.ledger, *from, *limit);
  if (!page.ok()) return ErrorResponse(page.status());
  return DocumentResponse(200, *page, JsonStyle::kCompact);
}

Response SignedCheckpoint(LedgerReads& l, const Request& request) {
  StatusOr<Query> q = Query::Parse(request.query, {});
  if (!q.ok()) return ErrorResponse(q.status());
  std::lock_guard lock(l.sign_mu);
  StatusOr<consilium::Head> head = l.ledger->CheckedHead();
  if (!head.ok()) return ErrorResponse(head.status());
  auto latest = l.ledger->LatestCheckpoint();
  if (!latest.ok()) return ErrorResponse(latest.status());
  const uint64_t signed_size =
      latest->has_value() ? (*latest)->checkpoint.size : 0;
  if (l.signer && head->seq > signed_size) {
    auto cp = l.ledger->SignCheckpoint(*l.signer, head->seq);
    if (!cp.ok()) return ErrorResponse(cp.status());
    return Text(cp->note, "text/plain; charset=utf-8");
  }
  if (!latest->has_value()) {
    return ErrorResponse(NotFoundError(
        "no checkpoint has been signed yet, and the server has no signing "
        "key (consilium configure --data DIR --checkpoint-key KEYFILE, then "
        "restart the server)"));
  }
  return Text((*latest)->note, "text/plain; charset=utf-8");
}

// The verifier key the ledger's checkpoints are signed with (recorded with
// the first signed checkpoint), for an auditor to compare with the copy the
// operator gave them: {"verifier_key", "key_id"}, both null before any
// checkpoint was signed. Not a trust anchor: whoever controls the server
// controls this answer too.
Response VerifierKey(const LedgerReads& l, const Request& request) {
  StatusOr<Query> q = Query::Parse(request.query, {});
  if (!q.ok()) return ErrorResponse(q.status());
  boost::json::object doc{{"verifier_key", nullptr}, {"key_id", nullptr}};
  const std::string vkey = l.ledger->CheckpointVerifierKey();
  if (!vkey.empty()) {
    StatusOr<NoteVerifier> verifier = NoteVerifier::FromVerifierKey(vkey);
    if (!verifier.ok()) {
      return ErrorResponse(DataLossError(
          "the ledger's recorded checkpoint verifier key does not parse: " +
          verifier.status().message()));
    }
    char id[9];
    std::snprintf(id, sizeof id, "%08x", verifier->key_id());
    doc["verifier_key"] = verifier->VerifierKey();
    doc["key_id"] = id;
  }
  return DocumentResponse(200, doc, JsonStyle::kCompact);
}

Response Inclusion(const LedgerReads& l, const Request& request) {
  StatusOr<Query> q = Query::Parse(request.query, {"seq", "size"});
  if (!q.ok()) return ErrorResponse(q.status());
  StatusOr<uint64_t> seq = Required(*q, "seq");
  if (!seq.ok()) return ErrorResponse(seq.status());
  StatusOr<uint64_t> size = q->Uint("size", 0);
  if (!size.ok()) return ErrorResponse(size.status());
  StatusOr<consilium::Head> head = l.ledger->CheckedHead();
  if (!head.ok()) return ErrorResponse(head.status());
  auto bundle = l.ledger->ProveInclusion(*seq, *size == 0 ? head->seq : *size);
  if (!bundle.ok()) return ErrorResponse(bundle.status());
  return Text(merkle::InclusionBundleToJson(*bundle) + "\n",
              "application/json");
}

Response Consistency(const LedgerReads& l, const Request& request) {
  StatusOr<Query> q = Query::Parse(request.query, {"from", "to"});
  if (!q.ok()) return ErrorResponse(q.status());
  StatusOr<uint64_t> from = Required(*q, "from");
  if (!from.ok()) return ErrorResponse(from.status());
  StatusOr<uint64_t> to = q->Uint("to", 0);
  if (!to.ok()) return ErrorResponse(to.status());
  StatusOr<consilium::Head> head = l.ledger->CheckedHead();
  if (!head.ok()) return ErrorResponse(head.status());
  auto bundle = l.ledger->ProveConsistency(*from, *to == 0 ? head->seq : *to);
  if (!bundle.ok()) return ErrorResponse(bundle.status());
  return Text(merkle::ConsistencyBundleToJson(*bundle) + "\n",
              "application/json");
}

}  // namespace

StatusOr<std::vector<Route>> LedgerRoutes(Ledger* ledger) {
  auto reads = std::make_shared<LedgerReads>();
  reads->ledger = ledger;
  ASSIGN_OR_RETURN(std::optional<std::string> key_file,
                   ledger->GetSetting("checkpoint_key_file"));
  if (key_file) {
    StatusOr<NoteSigner> signer = ReadKeyFile(*key_file);
    if (!signer.ok()) {
      return signer.status().WithContext("checkpoint_key_file " + *key_file);
    }
    reads->signer.emplace(std::move(*signer));
  }
  auto route = [&](std::string_view pattern, auto fn) {
    return Route{
        .method = "GET",
        .pattern = std::string(pattern),
        .blocking = [reads, fn](const Request& r) { return fn(*reads, r); }};
  };
  return std::vector<Route>{
      route(kLedgerHeadRoute, Head),
      route(kLedgerEventsRoute, Events),
      route(kCheckpointRoute, SignedCheckpoint),
      route(kVerifierKeyRoute, VerifierKey),
      route(kInclusionRoute, Inclusion),
      route(kConsistencyRoute, Consistency),
  };
}

}  // namespace consilium::api
