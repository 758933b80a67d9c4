#include "api/static_routes.h"

#include <algorithm>
#include <map>
#include <memory>
#include <utility>

#include "common/hash.h"

namespace consilium::api {
namespace {

struct Served {
  std::string_view bytes;
  std::string_view content_type;
  std::string etag;  // "\"<sha-256 hex>\""
};

using ServedMap = std::map<std::string, Served, std::less<>>;

std::shared_ptr<const ServedMap> BuildServed() {
  auto served = std::make_shared<ServedMap>();
  for (const WebFile& f : WebFiles()) {
    Hash256 h = Sha256(f.bytes);
    served->emplace(std::string(f.name), Served{f.bytes, WebContentType(f.name),
                                                "\"" + ToHex(h) + "\""});
  }
  return served;
}

void AddSecurityHeaders(Response& r) {
  r.headers.emplace_back("Content-Security-Policy",
                         std::string(WorkspaceCsp()));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
}

// True when If-None-Match names `etag` (or is "*").
bool Matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  size_t pos = 0;
  while (pos < if_none_match.size()) {
    size_t comma = if_none_match.find(',', pos);
    if (comma == std::string_view::npos) comma = if_none_match.size();
    std::string_view tag = if_none_match.substr(pos, comma - pos);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) return true;
    pos = comma + 1;
  }
  return false;
}

Response Serve(const ServedMap& served, std::string_view name,
               const Request& request) {
  auto it = served.find(name);
  if (it == served.end()) {
    Response r = ErrorResponse(NotFoundError("no file " + std::string(name) +
                                             " in the workspace (/app/)"));
    AddSecurityHeaders(r);
    return r;
  }
  Response r;
  r.content_type = std::string(it->second.content_type);
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("ETag", it->second.etag);
  AddSecurityHeaders(r);
  if (Matches(request.Header("if-none-match"), it->second.etag)) {
    r.status = 304;
    return r;
  }
  r.body = std::string(it->second.bytes);
  return r;
}

}  // namespace

std::string_view WebContentType(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [ext, type] : kTypes) {
    if (name.size() >= ext.size() &&
        name.substr(name.size() - ext.size()) == ext) {
      return type;
    }
  }
  return "application/octet-stream";
}

std::string_view WorkspaceCsp() {
  return "default-src 'self'; script-src 'self'; style-src 'self'; "
         "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
         "object-src 'none'; base-uri 'none'; form-action 'self'; "
         "frame-ancestors 'none'";
}

Status AddStaticRoutes(RouteTable& table) {
  std::shared_ptr<const ServedMap> served = BuildServed();
  RETURN_IF_ERROR(table.Add({.method = "GET",
                             .pattern = "/",
                             .async =
                                 [](const Request&, Responder respond) {
                                   Response r;
                                   r.status = 302;
                                   r.content_type = "text/plain; charset=utf-8";
                                   r.headers.emplace_back("Location", "/app");
                                   AddSecurityHeaders(r);
                                   r.body = "the workspace is at /app\n";
                                   respond(std::move(r));
                                 },
                             .is_public = true},
                            rules::Authenticated));
  RETURN_IF_ERROR(
      table.Add({.method = "GET",
                 .pattern = "/app",
                 .async =
                     [served](const Request& request, Responder respond) {
                       respond(Serve(*served, "index.html", request));
                     },
                 .is_public = true},
                rules::Authenticated));
  return table.Add(
      {.method = "GET",
       .pattern = "/app/{file}",
       .async =
           [served](const Request& request, Responder respond) {
             respond(Serve(*served, request.params.at("file"), request));
           },
       .is_public = true},
      rules::Authenticated);
}

}  // namespace consilium::api
