// DomainAuthenticator and GET /v1/whoami over a real ledger: principals and
// tokens made with the domain's commands (as `consilium user add` does),
// a Server on an ephemeral port, and a role revoked while a keep-alive
// connection stays open.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/domain_authenticator.h"
#include "api/server.h"
#include "api/whoami_route.h"
#include "domain/command_handler.h"
#include "ledger/ledger.h"
#include "tests/api/test_client.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace consilium::api {
namespace {

using namespace std::chrono_literals;
using testing::Fetch;
using testing::HttpCall;
using testing::HttpReply;
using testing::RawConnection;

class DomainAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Ledger::Init(dir_.path()).ok());
    auto ledger = Ledger::Open(dir_.path(), {.clock = &clock_});
    ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
    ledger_ = std::move(*ledger);
    auto h = domain::CommandHandler::Open(ledger_.get(), {.clock = &clock_});
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    handler_ = std::move(*h);
    auto root = handler_->RegisterPrincipal(
        "root", {.id = "root", .roles = {{fb::Role::Admin, ""}}});
    ASSERT_TRUE(root.ok()) << root.status().ToString();
    root_token_ = root->token.token;
    ASSERT_TRUE(
        handler_->CreateProject("root", {.id = "p1", .name = "Sepsis"}).ok());
    auto a = handler_->RegisterPrincipal(
        "root", {.id = "dr-a",
                 .roles = {{fb::Role::Annotator, "p1"},
                           {fb::Role::Adjudicator, "p1"}}});
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    token_ = a->token.token;
    auth_ = std::make_shared<DomainAuthenticator>(&handler_->core(), &clock_);
  }

  void StartServer() {
    Router routes;
    ASSERT_TRUE(routes.Add(WhoamiRoute()).ok());
    ServerDeps deps;
    deps.authenticator = auth_;
    deps.on_denial = [this](const Denial& d) {
      std::lock_guard lock(mu_);
      denials_.push_back(d);
      return OkStatus();
    };
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    auto s =
        Server::Start(std::move(options), std::move(routes), std::move(deps));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
  }

  std::vector<Denial> Denials() {
    std::lock_guard lock(mu_);
    return denials_;
  }

  consilium::testing::TempDir dir_;
  consilium::testing::FakeClock clock_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<domain::CommandHandler> handler_;
  std::shared_ptr<DomainAuthenticator> auth_;
  std::string root_token_;
  std::string token_;
  std::unique_ptr<Server> server_;
  std::mutex mu_;
  std::vector<Denial> denials_;
};

TEST_F(DomainAuthTest, IssuedTokenIsThePrincipalWithItsRolesPerProject) {
  StatusOr<Principal> p = auth_->Authenticate(token_);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->id, "dr-a");
  EXPECT_EQ(p->roles,
            (std::vector<std::string>{"adjudicator@p1", "annotator@p1"}));
  StatusOr<Principal> root = auth_->Authenticate(root_token_);
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(root->id, "root");
  EXPECT_EQ(root->roles, std::vector<std::string>{"admin"});
}

TEST_F(DomainAuthTest, EveryIssuedTokenOfAPrincipalIsAccepted) {
  auto second = handler_->IssueToken("root", "dr-a");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_NE(second->token, token_);
  for (const std::string& t : {token_, second->token}) {
    StatusOr<Principal> p = auth_->Authenticate(t);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_EQ(p->id, "dr-a");
  }
}

TEST_F(DomainAuthTest, UnknownOrAlteredTokenIsUnauthenticatedWithoutEcho) {
  std::string altered = token_;
  altered.back() = altered.back() == 'A' ? 'B' : 'A';
  for (const std::string& t :
       {altered, std::string("csl_nope"), std::string(), token_ + "x"}) {
    StatusOr<Principal> p = auth_->Authenticate(t);
    ASSERT_FALSE(p.ok()) << t;
    EXPECT_EQ(p.status().code(), StatusCode::kUnauthenticated);
    EXPECT_EQ(p.status().message(), "unknown bearer token");
  }
}

TEST_F(DomainAuthTest, ExpiredTokenIsUnauthenticated) {
  auto issued = handler_->IssueToken("root", "dr-a");
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  clock_.Set(issued->expires_at_us - 1);
  ASSERT_TRUE(auth_->Authenticate(issued->token).ok());
  clock_.Set(issued->expires_at_us);
  StatusOr<Principal> p = auth_->Authenticate(issued->token);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(p.status().message(), "bearer token expired");
}

TEST_F(DomainAuthTest, WhoamiAnswersThePrincipalAndItsRoles) {
  StartServer();
  StatusOr<HttpReply> r = Fetch(
      server_->port(), {.target = "/v1/whoami",
                        .headers = {{"Authorization", "Bearer " + token_}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body,
            "{\"principal\":\"dr-a\",\"roles\":[\"adjudicator@p1\","
            "\"annotator@p1\"]}\n");
  EXPECT_TRUE(Denials().empty());
}

TEST_F(DomainAuthTest, MissingMalformedOrUnknownTokenIs401AndReported) {
  StartServer();
  const std::vector<std::vector<std::pair<std::string, std::string>>> headers =
      {{},
       {{"Authorization", "Basic " + token_}},
       {{"Authorization", "Bearer csl_unknown"}}};
  for (const auto& h : headers) {
    StatusOr<HttpReply> r =
        Fetch(server_->port(), {.target = "/v1/whoami", .headers = h});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 401) << r->body;
    EXPECT_TRUE(r->headers["www-authenticate"].starts_with("Bearer realm="));
    EXPECT_EQ(r->body.find(token_), std::string::npos);
  }
  std::vector<Denial> denials = Denials();
  ASSERT_EQ(denials.size(), 3u);
  for (const Denial& d : denials) {
    EXPECT_EQ(d.route, "/v1/whoami");
    EXPECT_EQ(d.principal, "");
    EXPECT_EQ(d.reason.code(), StatusCode::kUnauthenticated);
  }
}

// The state is read on every request: a role revoked between two requests
// on one kept-alive connection is gone from the second; with no role left
// the token still authenticates, with no roles.
TEST_F(DomainAuthTest, RevokedRoleIsGoneOnTheNextRequestOfAnOpenConnection) {
  StartServer();
  auto conn = RawConnection::Open(server_->port());
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  const std::string request =
      "GET /v1/whoami HTTP/1.1\r\nHost: x\r\n"
      "Authorization: Bearer " +
      token_ + "\r\n\r\n";
  auto ask = [&]() {
    EXPECT_TRUE((*conn)->Send(request).ok());
    bool closed = false;
    std::string got = (*conn)->ReadUntilClosed(300ms, &closed);
    EXPECT_FALSE(closed);
    EXPECT_TRUE(got.starts_with("HTTP/1.1 200 OK\r\n")) << got;
    return got;
  };
  EXPECT_TRUE(
      ask().ends_with("{\"principal\":\"dr-a\",\"roles\":[\"adjudicator@p1\","
                      "\"annotator@p1\"]}\n"));
  ASSERT_TRUE(
      handler_->RevokeRole("root", "dr-a", {fb::Role::Adjudicator, "p1"}).ok());
  EXPECT_TRUE(ask().ends_with(
      "{\"principal\":\"dr-a\",\"roles\":[\"annotator@p1\"]}\n"));
  ASSERT_TRUE(
      handler_->RevokeRole("root", "dr-a", {fb::Role::Annotator, "p1"}).ok());
  EXPECT_TRUE(ask().ends_with("{\"principal\":\"dr-a\",\"roles\":[]}\n"));
}

}  // namespace
}  // namespace consilium::api
