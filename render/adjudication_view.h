// What an adjudicator is shown when they hold an item (issue 15, "What an
// adjudicator is shown"; docs/adjudication.md): the record, every current
// annotation on it as its structured reasoning trace, the field's label
// distribution and soft label, and the field's agreement in the project.
// Annotators are named by pseudonym, or not at all in a blind project; the
// adjudicator never sees an annotator's principal id or display name, nor
// annotation ids (which clients choose and may spell with a name).
//
// Gathered from the analytics state (which annotations are current, the
// distribution, the agreement) and the ledger (the record's content and each
// annotation's whole values document, which the state does not keep), then
// shaped as one document. Building it reads; it records nothing. The caller
// records the access (domain::ProjectCommands::RecordAccess, resource
// "record", action "adjudicate") and only then returns the document:
// DESIGN.md invariant 3. The CLI (`adjudicate claim`) and the server do so.
//
// The field's agreement and the Dawid–Skene fit behind the soft label are
// project-wide (O(project)); everything else is the item's (O(item)). The
// server's form (over the live engine and a projections::FieldContextCache)
// takes the item under the engine's lock and reuses the field's context for
// a bounded time, computed outside the lock (docs/websocket.md, "What a
// claim costs"); "context_as_of_seq" says which position the context
// reflects ("as_of_seq" is the item's).
//
// Thread-safety: the state form is a pure function of a const state and a
// ledger (whose reads are thread-safe); call it under ProjectionEngine::Read
// or on a private state. The engine form takes the engine's lock itself
// (never call it under Read) and may be called from any thread.
//
//   StatusOr<boost::json::object> v = render::AdjudicatorViewJson(
//       state, *ledger, {.project = "icu", .item = {"rec-1", "primary_dx"},
//                        .blind = project.blind_mode});
#ifndef CONSILIUM_RENDER_ADJUDICATION_VIEW_H_
#define CONSILIUM_RENDER_ADJUDICATION_VIEW_H_

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "adjudication/queue.h"
#include "common/status.h"
#include "domain/project_commands.h"
#include "ledger/ledger.h"
#include "projections/analytics_state.h"
#include "projections/engine.h"
#include "projections/field_context.h"

namespace consilium::render {

struct AdjudicatorViewRequest {
  std::string project;
  adjudication::ItemKey item;
  bool blind = false;  // the project's blind mode: no annotator names
  // Encryption at rest: opens the record's sealed content and the
  // annotations' sealed free text (schemas/annotation_text.h). Without a key
  // store sealed content reads null and a trace lacks its free text.
  ContentKeys keys{};
};

// {"project", "record", "field", "as_of_seq", "context_as_of_seq", "blind",
//  "record_content": the record's content (JSON when it is a JSON document,
//      else a string; null when sealed and no key store is open, or
//      shredded),
//  "record_sealed": bool,
//  "annotations": [{"annotator": pseudonym or null in blind mode,
//      "schema", "revision", "seq", "submitted_at", "value" (this field's
//      value key, or null when the annotation leaves it empty),
//      "trace": the whole values document, its free text opened when
//      sealed; when it cannot be, each text shows the sealed mark and the
//      annotation says why: "free_text_shredded": true (the key was
//      shredded) or "free_text_sealed": true (no key store is open)}...]
//      in submission order, physicians only,
//  "distribution": [{"schema", "metric", "layer", "counts": {key: n},
//      "normalized_entropy", "normalized_entropy_undefined_reason"?,
//      "model_prelabels": {key: n}, "soft_label": {category: p} or null,
//      "soft_label_undefined_reason"?}...] one per schema version; the soft
//      label is projections::SoftLabelOf under the context's fit,
//  "agreement": [{"schema", "items", "raters", "ratings", "statistic",
//      "value", "value_undefined_reason"?}...] the field in the project at
//      context_as_of_seq, one per schema version}
// NotFound when the state has no such record or it is not in `project`.
// This form computes the context on `state` (context_as_of_seq ==
// as_of_seq): the CLI's.
StatusOr<boost::json::object> AdjudicatorViewJson(
    const projections::AnalyticsState& state, const Ledger& ledger,
    const AdjudicatorViewRequest& request);

// The server's form: the item as the engine has it now (as_of_seq), the
// field's context from `cache` (context_as_of_seq <= as_of_seq, lagging by
// at most the cache's bound). Under the engine's lock only the item is read
// and, when the cache says so, the field's values copied; the statistics,
// the ledger's reads and the document are made outside it. NotFound as
// above; the ledger's errors.
StatusOr<boost::json::object> AdjudicatorViewJson(
    const projections::ProjectionEngine& engine,
    projections::FieldContextCache& cache, const Ledger& ledger,
    const AdjudicatorViewRequest& request);

// What a claim returns to its adjudicator: the view and the access event
// that recorded it.
struct RecordedView {
  boost::json::object view;
  uint64_t access_seq = 0;
};

// AdjudicatorViewJson, then the access it is: AccessRecorded by
// `adjudicator`, resource record:<record>, action "adjudicate", purpose
// "adjudication lease <lease>", durable before this returns; only then the
// view. The view's errors (nothing recorded) or RecordAccess's (nothing
// returned). The one path the CLI and the server show a claimed item by.
StatusOr<RecordedView> ShowToAdjudicator(
    domain::ProjectCommands& commands, std::string_view adjudicator,
    uint64_t lease, const projections::AnalyticsState& state,
    const Ledger& ledger, const AdjudicatorViewRequest& request);

// The second half of ShowToAdjudicator, for a view built elsewhere (the
// server builds it under the live read side's lock and records outside it):
// the access recorded, durable, then the view handed back.
StatusOr<RecordedView> RecordShown(domain::ProjectCommands& commands,
                                   std::string_view adjudicator, uint64_t lease,
                                   std::string_view record,
                                   boost::json::object view);

}  // namespace consilium::render

#endif  // CONSILIUM_RENDER_ADJUDICATION_VIEW_H_
