// A project's dataset versions from a running server (docs/snapshots.md,
// "From a running server"): the snapshot tags, listed and made.
//
//   GET  /v1/projects/{project}/snapshots[?from=SEQ&limit=N]
//       The project's tags (SnapshotTagged events; the first of each name),
//       oldest first: name, the ledger prefix it names (as_of_seq), note,
//       the tag's own event (seq, time) and who tagged it (the principal id
//       for an admin of the project, its pseudonym for everyone else), and
//       the path segment that downloads it. Paged by the tag event's
//       sequence number: `from` (default 1), `limit` 1..1000 (default 100),
//       `next_from` null on the last page. Admin or researcher of the
//       project, like the download routes; holds no record content, so it
//       is not an access event. 404 for an unknown project.
//   POST /v1/projects/{project}/snapshots {"name", "as_of_seq"?, "note"?}
//       `consilium snapshot tag` through the server's write side
//       (dataset::SnapshotCommands): admin of the project; as_of_seq
//       defaults to the ledger's head. 201 with the tag as listed.
//
// Tags are found by scanning the ledger (dataset/snapshot_tags.h). The list
// route keeps what it found and scans only the events appended since its
// last answer, so a listing costs the new events, not the whole ledger.
//
// Thread-safety: blocking handlers; the cache has its own mutex.
#ifndef CONSILIUM_API_SNAPSHOT_TAG_ROUTES_H_
#define CONSILIUM_API_SNAPSHOT_TAG_ROUTES_H_

#include "api/app.h"

namespace consilium::api {

inline constexpr uint64_t kSnapshotTagPageDefault = 100;
inline constexpr uint64_t kSnapshotTagPageMax = 1000;

Status AddSnapshotTagRoutes(RouteTable& table, const AppContext& context);

}  // namespace consilium::api

#endif  // CONSILIUM_API_SNAPSHOT_TAG_ROUTES_H_
