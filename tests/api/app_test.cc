// api::App in process: its routes and the OpenAPI document agree, a route
// cannot be added without an authorization rule, the authorizer fails
// closed, and token revocation reaches the authenticator at once.
#include "api/app.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <set>
#include <string>
#include <utility>

#include "api/openapi.h"
#include "ledger/ledger.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace consilium::api {
namespace {

class AppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Ledger::Init(dir_.path()).ok());
    auto ledger = Ledger::Open(dir_.path(), {.clock = &clock_});
    ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
    ledger_ = std::move(*ledger);
    AppOptions options;
    options.clock = &clock_;
    options.handler.clock = &clock_;
    auto app = App::Open(ledger_.get(), std::move(options));
    ASSERT_TRUE(app.ok()) << app.status().ToString();
    app_ = std::move(*app);
  }

  consilium::testing::TempDir dir_;
  consilium::testing::FakeClock clock_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<App> app_;
};

TEST_F(AppTest, EveryRouteIsDocumentedAndEveryPathIsARoute) {
  StatusOr<Router> router = app_->BuildRouter();
  ASSERT_TRUE(router.ok()) << router.status().ToString();
  std::set<std::string> routes = {"GET /healthz", "GET /metrics",
                                  "GET /v1/openapi.json"};
  for (const Route& r : router->routes())
    routes.insert(r.method + " " + r.pattern);
  std::set<std::string> documented;
  boost::json::value doc = boost::json::parse(OpenApiDocument());
  for (const auto& path : doc.at("paths").as_object()) {
    for (const auto& method : path.value().as_object()) {
      std::string m(method.key());
      std::transform(m.begin(), m.end(), m.begin(), ::toupper);
      documented.insert(m + " " + std::string(path.key()));
    }
  }
  EXPECT_EQ(routes, documented);
}

TEST_F(AppTest, ARouteWithoutARuleCannotBeAdded) {
  RouteTable table;
  Status s = table.Add({.method = "GET",
                        .pattern = "/v1/x",
                        .blocking = [](const Request&) { return Response{}; }},
                       nullptr);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "route GET /v1/x has no authorization rule");
  EXPECT_TRUE(table.router().routes().empty());
}

TEST_F(AppTest, TheAuthorizerRefusesARouteItHasNoRuleFor) {
  ASSERT_TRUE(app_->BuildRouter().ok());
  ServerDeps deps = app_->Deps();
  Request request;
  request.method = "GET";
  Status s = deps.authorizer->Authorize({.id = "x", .roles = {}},
                                        "/v1/not-a-route", request);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), "no authorization rule for GET /v1/not-a-route");
}

TEST_F(AppTest, ARevokedTokenIsRefusedAtOnceAndTheOtherTokensStillWork) {
  domain::CommandHandler& h = app_->handler();
  auto root = h.RegisterPrincipal(
      "root", {.id = "root", .roles = {{fb::Role::Admin, ""}}});
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  auto second = h.IssueToken("root", "root");
  ASSERT_TRUE(second.ok());
  ServerDeps deps = app_->Deps();
  ASSERT_TRUE(deps.authenticator->Authenticate(root->token.token).ok());
  auto revoked = h.RevokeTokens(
      "root",
      {.principal_id = "root", .token = root->token.token, .reason = "leaked"});
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  ASSERT_EQ(revoked->size(), 1u);
  StatusOr<Principal> p = deps.authenticator->Authenticate(root->token.token);
  EXPECT_EQ(p.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(p.status().message(), "bearer token revoked");
  EXPECT_TRUE(deps.authenticator->Authenticate(second->token).ok());
}

TEST_F(AppTest, DenialsAreRecordedWithTheResourceTheRequestNamed) {
  const AppContext& ctx = app_->context();
  ASSERT_TRUE(ctx.RecordDenial({.principal = "",
                                .method = "GET",
                                .path = "/v1/records/rec-9",
                                .route = "/v1/records/{record}",
                                .reason = UnauthenticatedError("no token"),
                                .params = {{"record", "rec-9"}}})
                  .ok());
  ASSERT_TRUE(ctx.RecordDenial({.principal = "dr-a",
                                .method = "GET",
                                .path = "/v1/worklist",
                                .route = "/v1/worklist",
                                .reason = PermissionDeniedError("no"),
                                .params = {}})
                  .ok());
  auto first = ledger_->Get(1);
  ASSERT_TRUE(first.ok());
  const fb::Event* e = first->event();
  ASSERT_EQ(e->body_type(), fb::EventBody::AccessRecorded);
  EXPECT_EQ(View(e->actor()), "(anonymous)");
  const fb::AccessRecorded* a = e->body_as_AccessRecorded();
  EXPECT_EQ(View(a->resource_kind()), "record");
  EXPECT_EQ(View(a->resource_id()), "rec-9");
  EXPECT_FALSE(a->allowed());
  EXPECT_EQ(View(a->reason()), "UNAUTHENTICATED: no token");
  auto second = ledger_->Get(2);
  ASSERT_TRUE(second.ok());
  const fb::AccessRecorded* b = second->event()->body_as_AccessRecorded();
  EXPECT_EQ(View(second->event()->actor()), "dr-a");
  EXPECT_EQ(View(b->resource_kind()), "route");
  EXPECT_EQ(View(b->resource_id()), "/v1/worklist");
}

}  // namespace
}  // namespace consilium::api
