#include "render/commit_json.h"

#include <boost/json.hpp>

#include "common/hash.h"
#include "schemas/event_json.h"

namespace consilium::render {

boost::json::object CommittedJson(const Committed& c) {
  boost::json::object o;
  o["seq"] = c.seq;
  o["hash"] = ToHex(c.hash);
  return o;
}

boost::json::object AppendLineJson(size_t line, const Committed& c) {
  boost::json::object o;
  o["line"] = line;
  o["seq"] = c.seq;
  o["hash"] = ToHex(c.hash);
  if (c.duplicate) o["duplicate"] = true;
  return o;
}

boost::json::object ImportLineJson(size_t line, std::string_view id,
                                   const Committed& c) {
  boost::json::object o;
  o["line"] = line;
  o["id"] = id;
  o["seq"] = c.seq;
  o["hash"] = ToHex(c.hash);
  return o;
}

boost::json::object HeadJson(const Head& h) {
  boost::json::object o;
  o["hash"] = ToHex(h.hash);
  o["seq"] = h.seq;
  o["time"] = h.seq ? FormatTimestamp(h.timestamp_us) : std::string();
  return o;
}

}  // namespace consilium::render
