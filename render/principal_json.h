// The JSON document of an authenticated principal: what GET /v1/whoami
// returns (docs/server.md). Roles as the authenticator spells them ("admin",
// "annotator@p1"), in the given order. Thread-safety: a pure function.
//
//   {"principal": "dr-a", "roles": ["annotator@p1"]}
#ifndef CONSILIUM_RENDER_PRINCIPAL_JSON_H_
#define CONSILIUM_RENDER_PRINCIPAL_JSON_H_

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace consilium::render {

boost::json::object WhoamiJson(std::string_view principal,
                               const std::vector<std::string>& roles);

}  // namespace consilium::render

#endif  // CONSILIUM_RENDER_PRINCIPAL_JSON_H_
