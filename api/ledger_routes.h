// The ledger read routes for auditors (docs/server.md, "Read routes";
// formats: docs/proofs.md). Each returns what the CLI prints, byte for byte:
//
//   GET /v1/ledger/head                      `consilium head`
//   GET /v1/ledger/events?from=&limit=       `consilium events --metadata`:
//       one page of metadata and hashes, never event bodies
//       (render/ledger_json.h; limit 1..1000, default 100)
//   GET /v1/ledger/checkpoint                `consilium checkpoint`: the
//       signed note (text/plain)
//   GET /v1/ledger/proofs/inclusion?seq=S&size=N    `consilium proof
//       inclusion` (size defaults to the head)
//   GET /v1/ledger/proofs/consistency?from=M&to=N   `consilium proof
//       consistency` (to defaults to the head)
//
// The checkpoint: while the server holds the ledger no other process can
// sign one, so the route does. With a signing key configured for the
// ledger (`consilium configure --checkpoint-key`, read once at start) and
// events beyond the latest stored checkpoint, it signs and stores a
// checkpoint of the whole ledger first (one at a time) and returns it;
// otherwise the latest stored one; NotFound when there is none.
//
// Thread-safety: blocking handlers (they read the ledger; the checkpoint
// route may write one); `ledger` is thread-safe and must outlive the server.
#ifndef CONSILIUM_API_LEDGER_ROUTES_H_
#define CONSILIUM_API_LEDGER_ROUTES_H_

#include <vector>

#include "api/router.h"
#include "ledger/ledger.h"

namespace consilium::api {

// The key file named by the ledger's "checkpoint_key_file" setting is read
// here: its errors (NotFound, FailedPrecondition for a key others may read,
// InvalidArgument) prefixed with the setting's name, so a server does not
// start with a signing key it cannot use.
StatusOr<std::vector<Route>> LedgerRoutes(Ledger* ledger);

}  // namespace consilium::api

#endif  // CONSILIUM_API_LEDGER_ROUTES_H_
