// The edge between Beast's parsed request and the Request a route sees
// (api/http.h): the target split into path and raw query at the first '?',
// header names lowercased, a header sent twice joined with ", ". Private to
// api/; the session (api/internal/session.cc) and the HTTP fuzz target
// (tests/fuzz/http_request_fuzz.cc) call it.
//
// Thread-safety: a pure function.
#ifndef CONSILIUM_API_INTERNAL_TO_REQUEST_H_
#define CONSILIUM_API_INTERNAL_TO_REQUEST_H_

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cctype>
#include <memory>
#include <string>
#include <utility>

#include "api/http.h"

namespace consilium::api::internal {

inline std::shared_ptr<Request> ToRequest(
    boost::beast::http::request<boost::beast::http::string_body>&& msg,
    bool tls) {
  auto r = std::make_shared<Request>();
  r->method = std::string(msg.method_string());
  r->target = std::string(msg.target());
  size_t q = r->target.find('?');
  r->path = r->target.substr(0, q);
  r->query = q == std::string::npos ? "" : r->target.substr(q + 1);
  for (const auto& field : msg) {
    std::string name(field.name_string());
    for (char& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto [it, fresh] = r->headers.emplace(name, std::string(field.value()));
    if (!fresh) it->second += ", " + std::string(field.value());
  }
  r->body = std::move(msg.body());
  r->tls = tls;
  return r;
}

}  // namespace consilium::api::internal

#endif  // CONSILIUM_API_INTERNAL_TO_REQUEST_H_
