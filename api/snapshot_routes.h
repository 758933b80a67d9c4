// Dataset snapshots and backups from a running server (docs/snapshots.md,
// "From a running server"):
//
//   GET  /v1/projects/{project}/snapshots/{version}/data.jsonl
//   GET  /v1/projects/{project}/snapshots/{version}/manifest.json
//       `version`: a tag name or a sequence number (digits). The bytes
//       `consilium snapshot export` writes for the same spec (all layers,
//       `content` below), with the server's pseudonym key; the checkpoint of
//       that size is signed with the server's key when none is stored.
//       Admin or researcher of the project; data.jsonl records an access
//       event (resource dataset PROJECT, action export) before it is sent.
//       `?content=full|hash`: the record content on each line; by default
//       full for an admin of the project (granted record content), hashes
//       for everyone else; full without the grant is 403. The tags are
//       listed and made by api/snapshot_tag_routes.h.
//   POST /v1/admin/backup {"out": "/path/B"}
//       `consilium backup` from inside the server, which holds the ledger:
//       a RocksDB checkpoint of its open instance (safe while appends go
//       on). Global admin. The path is on the server's machine.
//
// Thread-safety: blocking handlers; the ledger is thread-safe; exports run
// one at a time (each builds the state of its prefix).
#ifndef CONSILIUM_API_SNAPSHOT_ROUTES_H_
#define CONSILIUM_API_SNAPSHOT_ROUTES_H_

#include "api/app.h"

namespace consilium::api {

// Reads the ledger's checkpoint key setting as LedgerRoutes does (its
// errors prefixed with the setting's name).
Status AddSnapshotRoutes(RouteTable& table, const AppContext& context);

}  // namespace consilium::api

#endif  // CONSILIUM_API_SNAPSHOT_ROUTES_H_
