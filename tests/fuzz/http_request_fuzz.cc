// libFuzzer target for the HTTP edge, without a ledger: the bytes of one
// request through what the server does before a route's own code runs.
//
//   1. Beast's request parser with the server's limits (16 KiB of request
//      line and headers, 1 MiB of body; api/internal/session.cc);
//   2. api::internal::ToRequest (target split into path and query, header
//      names lowercased, repeated headers joined);
//   3. the Dispatcher over a Router holding every route of api/openapi.json
//      plus the built-in ones: SplitPath (percent-decoding), Router::Match
//      (404, 405 with Allow), the bearer token (a StaticTokenAuthenticator
//      knows one token), the denial hook;
//   4. in every matched route's stand-in handler: the strict query string
//      (api/internal/query.h) with the read routes' parameter names and
//      their number readers, and for POST/PUT the strict JSON body
//      (BodyReader) and, on the routes that take them, the command lines of
//      the main write routes (render::ParseAnnotationLine, ParseRecordLine).
//
// Properties beyond "no crash": path + "?" + query is the target; header
// names are lowercase; the dispatcher answers exactly once, synchronously
// here (blocking work runs inline); an error answer is a JSON
// {"error":{"code","message"}} body; 401 carries WWW-Authenticate and
// reached the denial hook first, exactly once; 405 carries a non-empty
// Allow; a request bearing the known token is never 401; every rejection
// by the query and body readers is InvalidArgument (400).
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/auth.h"
#include "api/http.h"
#include "api/internal/body_reader.h"
#include "api/internal/dispatcher.h"
#include "api/internal/query.h"
#include "api/internal/to_request.h"
#include "api/metrics.h"
#include "api/openapi.h"
#include "api/router.h"
#include "common/strict_json.h"
#include "render/command_input.h"

namespace {

namespace http = boost::beast::http;
namespace json = boost::json;
using consilium::Status;
using consilium::StatusCode;
using consilium::api::Request;
using consilium::api::Response;

constexpr const char* kToken = "csl_fuzz-token";

[[noreturn]] void Violated(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

void ExpectInvalidArgument(const Status& s) {
  if (!s.ok() && s.code() != StatusCode::kInvalidArgument) {
    Violated("a query or body rejection is not InvalidArgument");
  }
}

// Every parameter a read route takes, and the number readers they use.
void ReadQuery(const Request& req) {
  auto q = consilium::api::internal::Query::Parse(
      req.query,
      {"as_of", "purpose", "field", "batch", "threshold", "annotator", "record",
       "principal", "from", "to", "limit", "seq", "size", "all", "schema"});
  ExpectInvalidArgument(q.status());
  if (!q.ok()) return;
  for (const char* name : {"from", "to", "limit", "seq", "size"}) {
    ExpectInvalidArgument(q->Uint(name, 1).status());
  }
  ExpectInvalidArgument(q->Double("threshold", 0.5).status());
}

void ReadBody(const Request& req, const std::string& pattern) {
  auto body = consilium::api::internal::BodyReader::Parse(req);
  ExpectInvalidArgument(body.status());
  if (!body.ok()) return;
  if (pattern == "/v1/annotations") {
    ExpectInvalidArgument(
        consilium::render::ParseAnnotationLine(req.body).status());
  }
  if (pattern == "/v1/projects/{project}/records") {
    const json::value* records = body->object().if_contains("records");
    if (records != nullptr && records->is_array()) {
      for (const json::value& r : records->as_array()) {
        ExpectInvalidArgument(
            consilium::render::ParseRecordLine(json::serialize(r)).status());
      }
    }
  }
}

struct Fixture {
  std::unique_ptr<consilium::api::internal::Dispatcher> dispatcher;
  int denials = 0;

  Fixture() {
    consilium::api::Router router;
    json::value doc = json::parse(consilium::api::OpenApiDocument());
    for (const auto& [path, item] : doc.at("paths").as_object()) {
      for (const auto& [method, op] : item.as_object()) {
        std::string m(method);
        for (char& c : m)
          c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (m != "GET" && m != "POST" && m != "PUT" && m != "DELETE") {
          continue;
        }
        std::string pattern(path);
        if (pattern == "/healthz" || pattern == "/metrics" ||
            pattern == "/v1/openapi.json") {
          continue;  // the built-in routes, added by AddBuiltinRoutes
        }
        Status added = router.Add(
            {.method = m,
             .pattern = pattern,
             .blocking = [pattern, m](const Request& req) {
               ReadQuery(req);
               if (m == "POST" || m == "PUT") ReadBody(req, pattern);
               return consilium::api::JsonResponse(200, json::object());
             }});
        if (!added.ok()) Violated("a documented route does not add");
      }
    }
    auto metrics = std::make_shared<consilium::api::MetricsRegistry>();
    if (!consilium::api::internal::AddBuiltinRoutes(router, metrics).ok()) {
      Violated("the built-in routes do not add");
    }
    std::map<std::string, consilium::api::Principal> tokens;
    tokens[kToken] = {"fuzz", {"admin"}};
    dispatcher = std::make_unique<consilium::api::internal::Dispatcher>(
        std::move(router),
        std::make_shared<consilium::api::StaticTokenAuthenticator>(tokens),
        std::make_shared<consilium::api::AllowAllAuthorizer>(),
        [this](const consilium::api::Denial&) {
          ++denials;
          return consilium::OkStatus();
        },
        metrics, [](std::function<void()> task) { task(); });
  }
};

std::string Lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool HasHeader(const Response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (Lower(n) == name && !v.empty()) return true;
  }
  return false;
}

void CheckErrorBody(const Response& r) {
  json::value v;
  if (!consilium::ParseStrictJson(r.body, {}, v).ok() || !v.is_object()) {
    Violated("an error body is not a JSON object");
  }
  const json::value* e = v.as_object().if_contains("error");
  if (e == nullptr || !e->is_object() || !e->as_object().contains("code") ||
      !e->as_object().at("code").is_string() ||
      !e->as_object().contains("message") ||
      !e->as_object().at("message").is_string()) {
    Violated("an error body lacks error.code or error.message");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fixture = new Fixture();

  http::request_parser<http::string_body> parser;
  parser.header_limit(16 << 10);
  parser.body_limit(1 << 20);
  parser.eager(true);
  boost::beast::error_code ec;
  boost::asio::const_buffer in(data, size);
  while (in.size() > 0 && !parser.is_done()) {
    size_t used = parser.put(in, ec);
    if (ec == http::error::need_more) {
      ec = {};
      break;
    }
    if (ec) return 0;  // the server answers 400, 413 or 431 and closes
    in += used;
    if (used == 0) break;
  }
  if (!parser.is_done()) {
    parser.put_eof(ec);
    if (ec || !parser.is_done()) return 0;
  }

  std::shared_ptr<Request> req =
      consilium::api::internal::ToRequest(parser.release(), false);
  if (req->path + (req->target.find('?') == std::string::npos
                       ? ""
                       : "?" + req->query) !=
      req->target) {
    Violated("path and query do not make the target");
  }
  for (const auto& [name, value] : req->headers) {
    if (Lower(name) != name) {
      Violated("a header name is not lowercase");
    }
  }
  const bool known_token =
      req->Header("authorization") == std::string("Bearer ") + kToken;

  fixture->denials = 0;
  int answers = 0;
  std::optional<Response> answer;
  fixture->dispatcher->Dispatch(req, [&](Response r, std::string) {
    ++answers;
    answer = std::move(r);
  });
  if (answers != 1) Violated("not answered exactly once");
  const Response& r = *answer;
  // For curating the corpus: which answer each input gets.
  static const bool trace = std::getenv("CONSILIUM_FUZZ_TRACE") != nullptr;
  if (trace) {
    std::fprintf(stderr, "%s %s -> %d\n", req->method.c_str(),
                 req->target.c_str(), r.status);
  }
  if (r.status >= 400) CheckErrorBody(r);
  if (r.status == 401) {
    if (!HasHeader(r, "www-authenticate"))
      Violated("401 without WWW-Authenticate");
    if (fixture->denials != 1) Violated("401 not reported to the hook once");
    if (known_token) Violated("the known token was refused");
  }
  if (r.status == 405 && !HasHeader(r, "allow")) Violated("405 without Allow");
  return 0;
}
