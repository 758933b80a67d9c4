// JSON documents of the ledger for auditors: events as metadata and hashes,
// never their bodies (record content, annotation values), one page at a
// time. `consilium events --metadata` prints the page document and the
// server's GET /v1/ledger/events returns it (docs/server.md).
//
// A page: {"events":[EVENT...],"from":F,"limit":L,"head_seq":H,
// "next_from":N|null}, EVENT = {"seq","hash","prev_hash","time","type",
// "actor","request_id"?,"record_id"?,"project_id"?,"size"}: hashes
// lowercase hex (hash is the RFC 9162 leaf hash, prev_hash the chain link),
// size the stored bytes' length. next_from is the first sequence number of
// the next page, null when the page reaches the head.
//
// Thread-safety: pure functions of their arguments (the ledger is
// thread-safe).
//
//   StatusOr<boost::json::object> page = render::EventPageJson(*ledger, 1,
//   100);
#ifndef CONSILIUM_RENDER_LEDGER_JSON_H_
#define CONSILIUM_RENDER_LEDGER_JSON_H_

#include <boost/json/object.hpp>
#include <cstdint>

#include "common/status.h"
#include "ledger/ledger.h"

namespace consilium::render {

inline constexpr uint64_t kEventPageDefault = 100;
inline constexpr uint64_t kEventPageMax = 1000;

// One event's metadata (above). `e` was read by the ledger (verified).
boost::json::object EventMetadataJson(const StoredEvent& e);

// The page of at most `limit` events from `from` on. InvalidArgument for
// from 0, limit 0 or over kEventPageMax; OutOfRange for from beyond head + 1
// (from = head + 1 is an empty page); the ledger's errors (DataLoss) from
// its Scan.
StatusOr<boost::json::object> EventPageJson(const Ledger& ledger, uint64_t from,
                                            uint64_t limit);

}  // namespace consilium::render

#endif  // CONSILIUM_RENDER_LEDGER_JSON_H_
