// The adjudication engine over HTTP (docs/server.md, "Adjudication"; issue
// 16's adjudication reads, and the CLI-equivalent writes for scripts):
//
//   GET  /v1/projects/{project}/adjudication/queue     `queue list --json`
//        ?all=true&limit=N&as_of=SEQ
//   GET  /v1/projects/{project}/records/{record}/adjudication
//        ?field=F&as_of=SEQ   with field: `queue show --json`; without: the
//        record's items and their outcomes
//   GET  /v1/projects/{project}/adjudication/policy    `policy show --json`
//        ?as_of=SEQ
//   PUT  /v1/projects/{project}/adjudication/policy    `policy set`
//        ?schema=ID (body: the policy document)
//   POST /v1/projects/{project}/adjudication/claim     `adjudicate claim`
//        {"ttl_seconds": N}
//   POST /v1/adjudication/leases/{lease}/heartbeat     `adjudicate heartbeat`
//   POST /v1/adjudication/leases/{lease}/release       `adjudicate release`
//   POST /v1/adjudication/leases/{lease}/decide        `adjudicate decide`
//        {"field", "value" | "ambiguous": true | "escalate": true,
//         "rationale"}
//
// The documents are render/adjudication_json.h's, selected by render/
// adjudication_reads.h: the CLI's bytes. Reads without as_of of the queue
// come from the live AdjudicationModel; with as_of (and every item history
// and policy read) from a replay of the ledger prefix, O(events).
// docs/authorization.md lists the rules: admins of the project see
// everything; an adjudicator sees the items its queue offers it (claimable by
// it, or leased to it), never one of a record it annotated.
#ifndef CONSILIUM_API_ADJUDICATION_ROUTES_H_
#define CONSILIUM_API_ADJUDICATION_ROUTES_H_

#include <functional>

#include "api/app.h"
#include "common/status.h"

namespace consilium::api {

// Adds the routes above with their rules. The Router's errors.
Status AddAdjudicationRoutes(RouteTable& table, const AppContext& ctx);

namespace internal {
// The write routes' handlers (api/adjudication_lease_routes.cc).
StatusOr<Response> AdjudicationClaim(const AppContext& ctx, const Request& req);
// heartbeat, release or decide: the last segment of the path.
StatusOr<Response> AdjudicationLeaseAction(const AppContext& ctx,
                                           const Request& req);

// The same handlers without a thread waiting for a commit (the WebSocket's
// adjudication messages; the two above wait for these): the checks run and
// the event is queued on the calling thread; what follows the commit (the
// claim's view and its access event, the decision's document) is handed to
// `post` (an executor: the server's blocking pool), never run on the
// ledger's thread. `reply` is called exactly once: with a refusal on the
// calling thread (a PermissionDenied always there, so it may be recorded
// from there), else from a posted step or the ledger's thread. The same
// documents and errors as the blocking forms; `req` is copied as needed.
using PostStep = std::function<void(std::function<void()>)>;
using AsyncReply = std::function<void(StatusOr<Response>)>;
void AdjudicationClaimAsync(const AppContext& ctx, const Request& req,
                            PostStep post, AsyncReply reply);
void AdjudicationLeaseActionAsync(const AppContext& ctx, const Request& req,
                                  PostStep post, AsyncReply reply);
}  // namespace internal

}  // namespace consilium::api

#endif  // CONSILIUM_API_ADJUDICATION_ROUTES_H_
