// JSON documents of write results: what `consilium` prints, one line each,
// for a committed command or input line, and what the server will return.
// Keys are in the order the CLI has always printed them; write them with
// JsonStyle::kCompact to get those lines (kCanonical for a digest or a
// response body). Hashes are lowercase hex. Thread-safety: pure functions.
//
//   {"seq":12,"hash":"9f.."}                        CommittedJson
//   {"line":3,"seq":12,"hash":"9f..","duplicate":true}  AppendLineJson
//   {"line":3,"id":"rec-0003","seq":12,"hash":"9f.."}   ImportLineJson
//   {"hash":"9f..","seq":12,"time":"2026-...Z"}      HeadJson
#ifndef CONSILIUM_RENDER_COMMIT_JSON_H_
#define CONSILIUM_RENDER_COMMIT_JSON_H_

#include <boost/json/object.hpp>
#include <cstddef>
#include <string_view>

#include "ledger/ledger.h"

namespace consilium::render {

// A single command's committed event.
boost::json::object CommittedJson(const Committed& c);

// The result of input line `line` of `consilium append`; "duplicate": true
// only when the (actor, request_id) had already been committed.
boost::json::object AppendLineJson(size_t line, const Committed& c);

// The result of input line `line` of a bulk import (records, annotations),
// with the id of what it created.
boost::json::object ImportLineJson(size_t line, std::string_view id,
                                   const Committed& c);

// The ledger's head; "time" is "" for an empty ledger.
boost::json::object HeadJson(const Head& h);

}  // namespace consilium::render

#endif  // CONSILIUM_RENDER_COMMIT_JSON_H_
