// WebSocket sessions in process (api/ws_session.h): the message table, a
// revoked role or token closing the session with 1008, CloseSessionsOf, the
// authentication and idle timeouts, and a client that does not read being
// disconnected when the outgoing queue passes its bound. A Beast websocket
// client over loopback; short timeouts through ServerOptions.
#include "api/ws_session.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "api/server.h"

namespace consilium::api {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace json = boost::json;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

// Tokens and roles that a test changes while sessions are open.
class MutableAuthenticator final : public Authenticator {
 public:
  void Set(const std::string& token, Principal p) {
    std::lock_guard lock(mu_);
    tokens_[token] = std::move(p);
  }
  void Remove(const std::string& token) {
    std::lock_guard lock(mu_);
    tokens_.erase(token);
  }
  StatusOr<Principal> Authenticate(std::string_view token) const override {
    std::lock_guard lock(mu_);
    auto it = tokens_.find(std::string(token));
    if (it == tokens_.end()) {
      return Status(StatusCode::kUnauthenticated, "unknown bearer token");
    }
    return it->second;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, Principal> tokens_;
};

class Client {
 public:
  // Connects to /v1/ws, with `token` in the Authorization header unless
  // empty.
  Client(uint16_t port, const std::string& token) : ws_(io_) {
    beast::get_lowest_layer(ws_).connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    ws_.set_option(websocket::stream_base::decorator(
        [token](websocket::request_type& req) {
          if (!token.empty()) req.set("Authorization", "Bearer " + token);
        }));
    ws_.handshake("127.0.0.1", kWebSocketPath);
  }
  void Send(const std::string& text) { ws_.write(net::buffer(text)); }
  json::object Read() {
    beast::flat_buffer buf;
    ws_.read(buf);
    return json::parse(beast::buffers_to_string(buf.data())).as_object();
  }
  // Reads until the server closes; the close frame's code and reason, or
  // code 0 when the connection ended without one.
  std::pair<int, std::string> ReadUntilClosed() {
    beast::flat_buffer buf;
    beast::error_code ec;
    while (!ec) {
      ws_.read(buf, ec);
      buf.consume(buf.size());
    }
    if (ec != websocket::error::closed) return {0, ec.message()};
    return {ws_.reason().code, std::string(ws_.reason().reason.c_str())};
  }
  beast::tcp_stream& socket() { return beast::get_lowest_layer(ws_); }

 private:
  net::io_context io_;
  websocket::stream<beast::tcp_stream> ws_;
};

class WsSessionTest : public ::testing::Test {
 protected:
  void Start(ServerOptions options = {}, WsHandlers handlers = {}) {
    options.listen = "127.0.0.1:0";
    auth_ = std::make_shared<MutableAuthenticator>();
    auth_->Set("t-aud", {"aud", {"auditor"}});
    auth_->Set("t-two", {"two", {"admin", "auditor@p1"}});
    ServerDeps deps;
    deps.authenticator = auth_;
    deps.websocket = std::make_shared<WsHandlers>(std::move(handlers));
    auto s = Server::Start(options, Router(), std::move(deps));
    ASSERT_TRUE(s.ok()) << s.status().message();
    server_ = std::move(*s);
  }
  std::shared_ptr<MutableAuthenticator> auth_;
  std::unique_ptr<Server> server_;
};

TEST(WsHandlersTest, RejectsReservedDuplicateAndMalformedTypes) {
  WsHandlers h;
  auto ok = [](const WsRequest&, const std::shared_ptr<WsPeer>&) -> WsResult {
    return json::object();
  };
  EXPECT_TRUE(h.Add({.type = "claim", .blocking = ok}).ok());
  EXPECT_EQ(h.Add({.type = "claim", .blocking = ok}).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(h.Add({.type = "auth", .blocking = ok}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(h.Add({.type = "ping", .blocking = ok}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(h.Add({.type = "", .blocking = ok}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(h.Add({.type = "none"}).code(), StatusCode::kInvalidArgument);
  EXPECT_NE(h.Find("claim"), nullptr);
  EXPECT_EQ(h.Find("decide"), nullptr);
}

TEST_F(WsSessionTest, HandlersAnswerOnceWithTheirIdAndSeeThePrincipal) {
  WsHandlers h;
  ASSERT_TRUE(
      h.Add({.type = "who",
             .blocking = [](const WsRequest& r,
                            const std::shared_ptr<WsPeer>&) -> WsResult {
               return json::object{{"principal", r.principal.id}};
             }})
          .ok());
  ASSERT_TRUE(h.Add({.type = "fail",
                     .async =
                         [](const WsRequest&, std::shared_ptr<WsPeer>,
                            WsResponder respond) {
                           respond(NotFoundError("no such item"));
                           respond(json::object());  // ignored: one answer
                         }})
                  .ok());
  Start({}, std::move(h));
  Client c(server_->port(), "t-aud");
  c.Send(R"({"id":"a","type":"who"})");
  EXPECT_EQ(json::serialize(c.Read()),
            R"({"id":"a","type":"result","result":{"principal":"aud"}})");
  c.Send(R"({"id":5,"type":"fail"})");
  json::object err = c.Read();
  EXPECT_EQ(err.at("id"), 5);
  EXPECT_EQ(err.at("error").at("code"), "NOT_FOUND");
  c.Send(R"({"id":6,"type":"ping"})");
  EXPECT_EQ(c.Read().at("id"), 6);  // not a second answer to 5
}

TEST_F(WsSessionTest, RevokedRoleClosesTheSessionWithTheReason) {
  Start();
  Client c(server_->port(), "t-two");
  c.Send(R"({"id":1,"type":"ping"})");
  EXPECT_EQ(c.Read().at("type"), "result");
  auth_->Set("t-two", {"two", {"admin"}});  // auditor@p1 revoked
  server_->RecheckSessions();
  EXPECT_EQ(c.ReadUntilClosed(),
            std::make_pair(1008, std::string("role revoked: auditor@p1")));
}

TEST_F(WsSessionTest, RevokedTokenClosesTheSessionOnTheTimer) {
  ServerOptions o;
  o.ws_recheck_interval = 50ms;
  Start(o);
  Client c(server_->port(), "t-aud");
  auth_->Remove("t-aud");
  EXPECT_EQ(c.ReadUntilClosed(),
            std::make_pair(1008, std::string("token no longer valid: "
                                             "unknown bearer token")));
}

TEST_F(WsSessionTest, CloseSessionsOfClosesOnlyThatPrincipal) {
  Start();
  Client a(server_->port(), "t-aud");
  Client b(server_->port(), "t-two");
  server_->CloseSessionsOf("aud", "principal deactivated");
  EXPECT_EQ(a.ReadUntilClosed(),
            std::make_pair(1008, std::string("principal deactivated")));
  b.Send(R"({"id":1,"type":"ping"})");
  EXPECT_EQ(b.Read().at("type"), "result");
}

TEST_F(WsSessionTest, NoAuthMessageInTimeIsClosed) {
  ServerOptions o;
  o.ws_auth_timeout = 200ms;
  Start(o);
  Client c(server_->port(), "");
  EXPECT_EQ(c.ReadUntilClosed(),
            std::make_pair(1008, std::string("authentication timeout: no "
                                             "auth message within 200 ms")));
}

TEST_F(WsSessionTest, IdleSessionIsClosed) {
  ServerOptions o;
  o.ws_idle_timeout = 200ms;
  Start(o);
  Client c(server_->port(), "t-aud");
  c.Send(R"({"id":1,"type":"ping"})");
  c.Read();
  EXPECT_EQ(c.ReadUntilClosed(),
            std::make_pair(1000, std::string("idle: no message within "
                                             "200 ms")));
}

TEST_F(WsSessionTest, ClientThatDoesNotReadIsDisconnectedAtTheQueueBound) {
  ServerOptions o;
  o.ws_max_queue_bytes = 4 << 20;
  o.ws_max_queue_messages = 100000;
  auto refused = std::make_shared<std::atomic<int>>(0);
  auto closed = std::make_shared<std::atomic<bool>>(false);
  auto done = std::make_shared<std::atomic<bool>>(false);
  WsHandlers h;
  ASSERT_TRUE(h.Add({.type = "flood",
                     .async =
                         [refused, closed, done](const WsRequest&,
                                                 std::shared_ptr<WsPeer> peer,
                                                 WsResponder respond) {
                           respond(json::object());
                           std::thread([peer, refused, closed, done]() mutable {
                             std::string big(64 << 10, 'x');
                             for (int i = 0; i < 4096; ++i) {
                               if (!peer->Push("\"" + big + "\"")) ++*refused;
                               // Never past the bound: the queue is cut there.
                               EXPECT_LE(peer->queued_bytes(), size_t{4} << 20);
                             }
                             bool was_closed = peer->closed();
                             peer.reset();  // before the test's server goes
                             *closed = was_closed;
                             *done = true;
                           }).detach();
                         }})
                  .ok());
  Start(o, std::move(h));
  Client c(server_->port(), "t-aud");
  c.Send(R"({"id":1,"type":"flood"})");
  // The client reads nothing more; 4096 x 64 KiB is far past 4 MiB. The
  // pushes take a few seconds under ThreadSanitizer (tsan-server: 12 s);
  // the bound, not their speed, is what is tested.
  for (int i = 0; i < 1200 && !*done; ++i) std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(*done) << "the pushing thread did not finish within 60 s";
  EXPECT_TRUE(*closed);
  EXPECT_GT(refused->load(), 0);
  auto [code, why] = c.ReadUntilClosed();
  EXPECT_EQ(code, 0) << "dropped without a close frame, got " << why;
}

}  // namespace
}  // namespace consilium::api
