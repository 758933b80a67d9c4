#include "render/principal_json.h"

#include <boost/json/array.hpp>

namespace consilium::render {

boost::json::object WhoamiJson(std::string_view principal,
                               const std::vector<std::string>& roles) {
  boost::json::array r;
  for (const std::string& role : roles) r.emplace_back(role);
  boost::json::object o;
  o["principal"] = principal;
  o["roles"] = std::move(r);
  return o;
}

}  // namespace consilium::render
