// The field-context cache (projections/field_context.h) an App keeps beside
// its live ProjectionEngine, for the adjudicators' claim views (docs/
// websocket.md, "What a claim costs"). App::Open registers one for its engine
// and ~App removes it; the claim handlers find it by the engine in their
// AppContext. A registry rather than a member of AppContext because
// api/app.h is included all over the server and the CLI (a change there
// recompiles them all); it is a map of a handful of entries, read once per
// claim.
//
// Thread-safety: every function is thread-safe.
//
//   RegisterClaimContexts(engine, clock);
//   std::shared_ptr<projections::FieldContextCache> c = ClaimContexts(engine);
#ifndef CONSILIUM_API_INTERNAL_CLAIM_CONTEXTS_H_
#define CONSILIUM_API_INTERNAL_CLAIM_CONTEXTS_H_

#include <memory>

#include "common/clock.h"
#include "projections/engine.h"
#include "projections/field_context.h"

namespace consilium::api::internal {

// Creates the cache of `engine` (replacing one registered before for the
// same address). `clock` must outlive the registration.
void RegisterClaimContexts(const projections::ProjectionEngine* engine,
                           const Clock* clock);
// Removes it; holders of the shared pointer keep theirs until they drop it.
void UnregisterClaimContexts(const projections::ProjectionEngine* engine);
// The cache of `engine`, or null when none is registered (an AppContext put
// together by hand: the claim view is then computed whole, as the CLI does).
std::shared_ptr<projections::FieldContextCache> ClaimContexts(
    const projections::ProjectionEngine* engine);

}  // namespace consilium::api::internal

#endif  // CONSILIUM_API_INTERNAL_CLAIM_CONTEXTS_H_
