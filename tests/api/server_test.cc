// The server end to end, in process: a Server on an ephemeral port with test
// routes, driven by a Beast client (tests/api/test_client.h).
#include "api/server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/openapi.h"
#include "common/strict_json.h"
#include "tests/api/test_client.h"

namespace consilium::api {
namespace {

using namespace std::chrono_literals;
using testing::ClientTls;
using testing::Fetch;
using testing::FetchAll;
using testing::HttpCall;
using testing::HttpReply;
using testing::RawConnection;

boost::json::value ParseBody(const std::string& body) {
  boost::json::value doc;
  Status s = ParseStrictJson(body, {}, doc);
  EXPECT_TRUE(s.ok()) << s.ToString() << " in " << body;
  return doc;
}

// error.code and error.message of an error body, or empty strings.
std::pair<std::string, std::string> ErrorOf(const HttpReply& reply) {
  boost::json::value doc = ParseBody(reply.body);
  boost::system::error_code ec;
  const boost::json::value* code = doc.find_pointer("/error/code", ec);
  const boost::json::value* message = doc.find_pointer("/error/message", ec);
  if (code == nullptr || message == nullptr || !code->is_string() ||
      !message->is_string()) {
    ADD_FAILURE() << "not an error body: " << reply.body;
    return {};
  }
  return {std::string(code->as_string()), std::string(message->as_string())};
}

// Admin routes need the admin role.
class AdminOnly final : public Authorizer {
 public:
  Status Authorize(const Principal& principal, std::string_view route,
                   const Request&) const override {
    if (route.starts_with("/v1/admin") && !principal.HasRole("admin")) {
      return PermissionDeniedError(principal.id + " is not an admin");
    }
    return OkStatus();
  }
};

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(
        std::filesystem::temp_directory_path() /
        ("consilium_api_test_" + std::to_string(getpid())));
    std::filesystem::create_directories(*dir_);
    StatusOr<testing::CertFiles> files =
        testing::MakeSelfSignedCert(dir_->string());
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    cert_ = new testing::CertFiles(*files);
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete cert_;
  }

  static ServerOptions Options() {
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.tls = TlsFiles{cert_->cert, cert_->key};
    o.max_body_bytes = 1024;
    o.max_header_bytes = 1024;
    o.header_timeout = 600ms;
    o.request_timeout = 1500ms;
    o.shutdown_grace = 5s;
    return o;
  }

  Router Routes() {
    Router r;
    // Echoes the strict-parsed body and who sent it.
    EXPECT_TRUE(
        r.Add({.method = "POST",
               .pattern = "/v1/echo",
               .blocking =
                   [](const Request& req) {
                     StatusOr<boost::json::value> body = ParseJsonBody(req);
                     if (!body.ok()) return ErrorResponse(body.status());
                     return JsonResponse(200, {{"principal", req.principal->id},
                                               {"body", *body}});
                   }})
            .ok());
    EXPECT_TRUE(r.Add({.method = "GET",
                       .pattern = "/v1/admin/settings",
                       .blocking =
                           [](const Request&) {
                             return JsonResponse(200, {{"ok", true}});
                           }})
                    .ok());
    EXPECT_TRUE(
        r.Add({.method = "GET",
               .pattern = "/v1/items/{id}",
               .async =
                   [](const Request& req, Responder respond) {
                     respond(JsonResponse(200, {{"id", req.params.at("id")}}));
                   },
               .is_public = true})
            .ok());
    // Blocks until the test releases it: a request in flight.
    EXPECT_TRUE(r.Add({.method = "GET",
                       .pattern = "/v1/slow",
                       .blocking =
                           [this](const Request&) {
                             entered_.set_value();
                             release_.get_future().wait_for(10s);
                             return JsonResponse(200, {{"slow", "done"}});
                           },
                       .is_public = true})
                    .ok());
    return r;
  }

  void Start(ServerOptions options = Options()) {
    ServerDeps deps;
    deps.authenticator = std::make_shared<StaticTokenAuthenticator>(
        std::map<std::string, Principal>{
            {"tok-alice", {"alice", {"annotator"}}},
            {"tok-root", {"root", {"admin"}}}});
    deps.authorizer = std::make_shared<AdminOnly>();
    deps.on_denial = [this](const Denial& d) {
      std::lock_guard lock(mu_);
      denials_.push_back(d);
      return OkStatus();
    };
    StatusOr<std::unique_ptr<Server>> s =
        Server::Start(std::move(options), Routes(), std::move(deps));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    port_ = server_->port();
    ASSERT_NE(port_, 0);
  }

  void SetUp() override { Start(); }

  std::vector<Denial> Denials() {
    std::lock_guard lock(mu_);
    return denials_;
  }

  ClientTls Tls() const { return {.enabled = true, .ca_file = cert_->cert}; }

  static std::filesystem::path* dir_;
  static testing::CertFiles* cert_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
  std::mutex mu_;
  std::vector<Denial> denials_;
  std::promise<void> entered_;
  std::promise<void> release_;
};

std::filesystem::path* ServerTest::dir_ = nullptr;
testing::CertFiles* ServerTest::cert_ = nullptr;

TEST_F(ServerTest, HealthzAnswersPlainAndTlsOnTheSamePort) {
  StatusOr<HttpReply> plain = Fetch(port_, {.target = "/healthz"});
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->status, 200);
  EXPECT_EQ(ParseBody(plain->body), boost::json::parse(R"({"status":"ok"})"));
  StatusOr<HttpReply> tls = Fetch(port_, {.target = "/healthz"}, Tls());
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  EXPECT_EQ(tls->status, 200);
  EXPECT_EQ(tls->body, plain->body);
  EXPECT_EQ(server_->url(), "https://127.0.0.1:" + std::to_string(port_));
}

TEST_F(ServerTest, TlsOlderThan12IsRefused) {
  ClientTls old = Tls();
  old.max_tls_1_1 = true;
  StatusOr<HttpReply> reply = Fetch(port_, {.target = "/healthz"}, old);
  ASSERT_FALSE(reply.ok());
  EXPECT_NE(reply.status().message().find("TLS handshake"), std::string::npos)
      << reply.status().ToString();
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto replies = FetchAll(
      port_, {{.target = "/v1/items/a"}, {.target = "/v1/items/b%2Fc"}}, Tls());
  ASSERT_TRUE(replies.ok()) << replies.status().ToString();
  ASSERT_EQ(replies->size(), 2u);
  EXPECT_TRUE((*replies)[0].keep_alive);
  EXPECT_EQ(ParseBody((*replies)[0].body).at("id"), "a");
  EXPECT_EQ(ParseBody((*replies)[1].body).at("id"), "b/c");
}

TEST_F(ServerTest, UnknownRouteIs404WithAnErrorBody) {
  StatusOr<HttpReply> reply = Fetch(port_, {.target = "/v1/nothing?x=1"});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 404);
  EXPECT_EQ(reply->headers["content-type"], "application/json");
  auto [code, message] = ErrorOf(*reply);
  EXPECT_EQ(code, "NOT_FOUND");
  EXPECT_EQ(message, "no route for GET /v1/nothing");
}

TEST_F(ServerTest, WrongMethodIs405WithAllow) {
  StatusOr<HttpReply> reply =
      Fetch(port_, {.method = "DELETE", .target = "/v1/items/7"});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 405);
  EXPECT_EQ(reply->headers["allow"], "GET");
  EXPECT_EQ(ErrorOf(*reply).first, "UNIMPLEMENTED");
}

TEST_F(ServerTest, OversizedBodyIs413AndTheConnectionCloses) {
  StatusOr<HttpReply> reply =
      Fetch(port_, {.method = "POST",
                    .target = "/v1/echo",
                    .headers = {{"Authorization", "Bearer tok-alice"},
                                {"Content-Type", "application/json"}},
                    .body = "[" + std::string(2000, '1') + "]"});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 413);
  EXPECT_FALSE(reply->keep_alive);
  auto [code, message] = ErrorOf(*reply);
  EXPECT_EQ(code, "RESOURCE_EXHAUSTED");
  EXPECT_EQ(message, "request body exceeds 1024 bytes");
}

TEST_F(ServerTest, OversizedHeadersAre431) {
  StatusOr<HttpReply> reply = Fetch(
      port_,
      {.target = "/healthz", .headers = {{"X-Big", std::string(2000, 'x')}}});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 431);
  EXPECT_EQ(ErrorOf(*reply).first, "RESOURCE_EXHAUSTED");
}

TEST_F(ServerTest, MalformedJsonIs400NamingWhere) {
  HttpCall call{.method = "POST",
                .target = "/v1/echo",
                .headers = {{"Authorization", "Bearer tok-alice"},
                            {"Content-Type", "application/json"}},
                .body = R"({"a":{"b":1,"b":2}})"};
  StatusOr<HttpReply> dup = Fetch(port_, call);
  ASSERT_TRUE(dup.ok()) << dup.status().ToString();
  EXPECT_EQ(dup->status, 400);
  auto [code, message] = ErrorOf(*dup);
  EXPECT_EQ(code, "INVALID_ARGUMENT");
  EXPECT_EQ(message, "request body: duplicate key \"a.b\"");

  call.body = R"({"a": [1, 2,]})";
  StatusOr<HttpReply> syntax = Fetch(port_, call);
  ASSERT_TRUE(syntax.ok()) << syntax.status().ToString();
  EXPECT_EQ(syntax->status, 400);
  EXPECT_TRUE(ErrorOf(*syntax).second.starts_with(
      "request body: invalid JSON at offset 12"))
      << syntax->body;

  call.body = R"({"a": [1, 2]})";
  StatusOr<HttpReply> good = Fetch(port_, call);
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(good->status, 200);
  EXPECT_EQ(ParseBody(good->body),
            boost::json::parse(R"({"principal":"alice","body":{"a":[1,2]}})"));
}

TEST_F(ServerTest, MalformedRequestLineIs400) {
  auto conn = RawConnection::Open(port_);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  ASSERT_TRUE((*conn)->Send("GET /healthz HTTP/1.1 extra\r\n\r\n").ok());
  bool closed = false;
  std::string got = (*conn)->ReadUntilClosed(5s, &closed);
  EXPECT_TRUE(got.starts_with("HTTP/1.1 400 Bad Request\r\n")) << got;
  EXPECT_NE(got.find("\"code\":\"INVALID_ARGUMENT\""), std::string::npos);
  EXPECT_TRUE(closed);
}

TEST_F(ServerTest, ExpectContinueIsAnsweredBeforeTheBodyIsSent) {
  auto conn = RawConnection::Open(port_);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  ASSERT_TRUE((*conn)
                  ->Send("POST /v1/echo HTTP/1.1\r\nHost: x\r\n"
                         "Authorization: Bearer tok-alice\r\n"
                         "Content-Type: application/json\r\n"
                         "Expect: 100-continue\r\nContent-Length: 7\r\n\r\n")
                  .ok());
  bool closed = false;
  EXPECT_EQ((*conn)->ReadUntilClosed(300ms, &closed),
            "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_FALSE(closed);
  ASSERT_TRUE((*conn)->Send("[1,2,3]").ok());
  std::string got = (*conn)->ReadUntilClosed(300ms, &closed);
  EXPECT_TRUE(got.starts_with("HTTP/1.1 200 OK\r\n")) << got;
  EXPECT_TRUE(got.ends_with("{\"body\":[1,2,3],\"principal\":\"alice\"}\n"))
      << got;
}

TEST_F(ServerTest, HeadersDribbledSlowerThanTheTimeoutGet408AndClose) {
  auto conn = RawConnection::Open(port_);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE((*conn)->Send("GET /healthz HTTP/1.1\r\n").ok());
  // One header line every 100 ms, never the blank line: each byte resets
  // nothing, the deadline holds from the first byte.
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(100ms);
    ASSERT_TRUE((*conn)->Send("X-Drip: " + std::to_string(i) + "\r\n").ok());
  }
  bool closed = false;
  std::string got = (*conn)->ReadUntilClosed(5s, &closed);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(got.starts_with("HTTP/1.1 408 Request Timeout\r\n")) << got;
  EXPECT_NE(got.find("\"code\":\"DEADLINE_EXCEEDED\""), std::string::npos);
  EXPECT_TRUE(closed);
  EXPECT_LT(took, 3s);
}

TEST_F(ServerTest, DisconnectMidRequestLeavesTheServerServing) {
  {
    auto conn = RawConnection::Open(port_);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    ASSERT_TRUE((*conn)
                    ->Send("POST /v1/echo HTTP/1.1\r\nHost: x\r\n"
                           "Content-Length: 100\r\n\r\n{\"a\":")
                    .ok());
    (*conn)->Close();
  }
  StatusOr<HttpReply> after = Fetch(port_, {.target = "/healthz"});
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->status, 200);
  // The dropped connection is gone: only the scrape's own remains.
  bool one_left = false;
  for (int i = 0; i < 50 && !one_left; ++i) {
    StatusOr<HttpReply> m = Fetch(port_, {.target = "/metrics"});
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    one_left = m->body.find("\nconsilium_http_open_connections 1\n") !=
               std::string::npos;
    if (!one_left) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(one_left);
}

TEST_F(ServerTest, MissingOrUnknownTokenIs401WithAChallengeAndIsReported) {
  HttpCall call{.method = "POST",
                .target = "/v1/echo",
                .headers = {{"Content-Type", "application/json"}},
                .body = "{}"};
  StatusOr<HttpReply> none = Fetch(port_, call);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(none->headers["www-authenticate"], "Bearer realm=\"consilium\"");
  EXPECT_EQ(ErrorOf(*none).first, "UNAUTHENTICATED");

  call.headers.emplace_back("Authorization", "Bearer tok-mallory");
  StatusOr<HttpReply> bad = Fetch(port_, call);
  ASSERT_TRUE(bad.ok()) << bad.status().ToString();
  EXPECT_EQ(bad->status, 401);
  EXPECT_EQ(bad->headers["www-authenticate"],
            "Bearer realm=\"consilium\", error=\"invalid_token\"");

  std::vector<Denial> denials = Denials();
  ASSERT_EQ(denials.size(), 2u);
  EXPECT_EQ(denials[0].route, "/v1/echo");
  EXPECT_EQ(denials[0].reason.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(denials[1].principal, "");
}

TEST_F(ServerTest, PrincipalWithoutTheRoleIs403AndIsReported) {
  HttpCall call{.target = "/v1/admin/settings",
                .headers = {{"Authorization", "bearer tok-alice"}}};
  StatusOr<HttpReply> alice = Fetch(port_, call);
  ASSERT_TRUE(alice.ok()) << alice.status().ToString();
  EXPECT_EQ(alice->status, 403);
  EXPECT_EQ(ErrorOf(*alice),
            std::make_pair(std::string("PERMISSION_DENIED"),
                           std::string("alice is not an admin")));
  call.headers = {{"Authorization", "Bearer tok-root"}};
  StatusOr<HttpReply> root = Fetch(port_, call, Tls());
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(root->status, 200);
  std::vector<Denial> denials = Denials();
  ASSERT_EQ(denials.size(), 1u);
  EXPECT_EQ(denials[0].principal, "alice");
  EXPECT_EQ(denials[0].reason.code(), StatusCode::kPermissionDenied);
}

TEST_F(ServerTest, MetricsCountRequestsByRouteAndStatus) {
  ASSERT_TRUE(Fetch(port_, {.target = "/v1/items/x"}).ok());
  ASSERT_TRUE(Fetch(port_, {.target = "/v1/items/y"}).ok());
  ASSERT_TRUE(Fetch(port_, {.target = "/nope"}).ok());
  // A request is counted once its response is written, which may be just
  // after the client has read it, and each request came on its own
  // connection (so on any server thread, in any order under load): scrape
  // until all three are in (the scrapes count themselves under their own
  // route).
  const std::string items =
      "\nconsilium_http_requests_total{route=\"/v1/items/{id}\",method="
      "\"GET\",status=\"200\"} 2\n";
  const std::string last =
      "\nconsilium_http_requests_total{route=\"unmatched\",method=\"GET\","
      "status=\"404\"} 1\n";
  StatusOr<HttpReply> m = Fetch(port_, {.target = "/metrics"});
  for (int i = 0; i < 250 && m.ok() &&
                  (m->body.find(last) == std::string::npos ||
                   m->body.find(items) == std::string::npos);
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    m = Fetch(port_, {.target = "/metrics"});
  }
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->status, 200);
  EXPECT_EQ(m->headers["content-type"],
            "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = m->body;
  EXPECT_NE(text.find("\nconsilium_http_requests_total{route=\"/v1/items/"
                      "{id}\",method=\"GET\",status=\"200\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\nconsilium_http_requests_total{route=\"unmatched\","
                      "method=\"GET\",status=\"404\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("\nconsilium_http_request_duration_seconds_count{route="
                      "\"/v1/items/{id}\",method=\"GET\",status=\"200\"} 2\n"),
            std::string::npos);
}

TEST_F(ServerTest, OpenApiDocumentIsServedAndListsTheBuiltinRoutes) {
  StatusOr<HttpReply> reply = Fetch(port_, {.target = "/v1/openapi.json"});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, OpenApiDocument());
  boost::json::value doc = ParseBody(reply->body);
  EXPECT_EQ(doc.at("openapi"), "3.1.0");
  std::vector<std::string> paths;
  for (const auto& kv : doc.at("paths").as_object()) {
    paths.emplace_back(kv.key());
  }
  // The built-in routes first; the application's routes and the document
  // agree both ways: AppTest.EveryRouteIsDocumentedAndEveryPathIsARoute.
  ASSERT_GE(paths.size(), 3u);
  EXPECT_EQ(
      std::vector<std::string>(paths.begin(), paths.begin() + 3),
      (std::vector<std::string>{"/healthz", "/metrics", "/v1/openapi.json"}));
}

TEST_F(ServerTest, ShutdownLetsTheRequestInFlightFinish) {
  std::future<StatusOr<HttpReply>> slow = std::async(std::launch::async, [&] {
    return Fetch(port_, {.target = "/v1/slow"}, Tls());
  });
  entered_.get_future().wait();
  std::thread stopper([&] { server_->Shutdown(); });
  std::this_thread::sleep_for(200ms);
  release_.set_value();
  StatusOr<HttpReply> reply = slow.get();
  stopper.join();
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200);
  EXPECT_FALSE(reply->keep_alive);  // answered with Connection: close
  EXPECT_EQ(ParseBody(reply->body).at("slow"), "done");
  EXPECT_EQ(RawConnection::Open(port_).status().code(),
            StatusCode::kUnavailable);  // no longer accepting
}

TEST_F(ServerTest, ConnectionsOverTheLimitAreClosedAtOnce) {
  server_.reset();
  ServerOptions o = Options();
  o.max_connections = 1;
  Start(o);
  auto first = RawConnection::Open(port_);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE((*first)->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n").ok());
  auto second = RawConnection::Open(port_);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  bool closed = false;
  std::string got = (*second)->ReadUntilClosed(2s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(got, "");
  (*first)->Close();
  EXPECT_NE(server_->metrics().Render().find(
                "\nconsilium_http_connections_refused_total 1\n"),
            std::string::npos);
}

TEST_F(ServerTest, StartRefusesABadListenAddressAndAMissingCertificate) {
  ServerOptions o = Options();
  o.listen = "localhost:80:80";
  EXPECT_EQ(Server::Start(o, Router(), {}).status().code(),
            StatusCode::kInvalidArgument);
  o = Options();
  o.tls->private_key = (*dir_ / "absent.pem").string();
  StatusOr<std::unique_ptr<Server>> s = Server::Start(o, Router(), {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find("absent.pem"), std::string::npos);
}

}  // namespace
}  // namespace consilium::api
