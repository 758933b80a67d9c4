// The router, the auth helpers and the status mapping, without a server.
#include "api/router.h"

#include <gtest/gtest.h>

#include "api/auth.h"
#include "api/http.h"

namespace consilium::api {
namespace {

Response Named(std::string name) {
  Response r;
  r.body = std::move(name);
  return r;
}

Route Get(std::string pattern) {
  std::string body = pattern;
  return {.method = "GET",
          .pattern = std::move(pattern),
          .blocking = [body](const Request&) { return Named(body); }};
}

std::vector<std::string> Split(std::string_view path) {
  StatusOr<std::vector<std::string>> s = SplitPath(path);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : std::vector<std::string>{};
}

TEST(RouterTest, ParametersAreBoundByName) {
  Router r;
  ASSERT_TRUE(r.Add(Get("/v1/records/{record}/annotations/{id}")).ok());
  RouteMatch m = r.Match("GET", Split("/v1/records/r%201/annotations/a7"));
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/v1/records/{record}/annotations/{id}");
  EXPECT_EQ(m.params, (std::map<std::string, std::string>{{"record", "r 1"},
                                                          {"id", "a7"}}));
}

TEST(RouterTest, LiteralSegmentWinsOverParameter) {
  Router r;
  ASSERT_TRUE(r.Add(Get("/v1/queues/{id}")).ok());
  ASSERT_TRUE(r.Add(Get("/v1/queues/mine")).ok());
  EXPECT_EQ(r.Match("GET", Split("/v1/queues/mine")).route->pattern,
            "/v1/queues/mine");
  EXPECT_EQ(r.Match("GET", Split("/v1/queues/q9")).route->pattern,
            "/v1/queues/{id}");
}

TEST(RouterTest, OtherMethodsOfAMatchingPathAreListedForA405) {
  Router r;
  ASSERT_TRUE(r.Add(Get("/v1/items/{id}")).ok());
  Route put = Get("/v1/items/{id}");
  put.method = "PUT";
  ASSERT_TRUE(r.Add(put).ok());
  RouteMatch m = r.Match("DELETE", Split("/v1/items/3"));
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"GET", "PUT"}));
  RouteMatch none = r.Match("GET", Split("/v1/items/3/x"));
  EXPECT_EQ(none.route, nullptr);
  EXPECT_TRUE(none.allowed.empty());
  EXPECT_EQ(r.Match("GET", Split("/v1/items/")).route, nullptr)
      << "an empty segment binds no parameter";
}

TEST(RouterTest, BadAndDuplicatePatternsAreRefused) {
  Router r;
  ASSERT_TRUE(r.Add(Get("/v1/a/{id}")).ok());
  EXPECT_EQ(r.Add(Get("/v1/a/{other}")).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(r.Add(Get("v1/a")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Add(Get("/v1/{}")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Add(Get("/v1/x{id}")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Add(Get("/v1/{id}/{id}")).code(), StatusCode::kInvalidArgument);
  Route neither{.method = "GET", .pattern = "/v1/n"};
  EXPECT_EQ(r.Add(neither).code(), StatusCode::kInvalidArgument);
}

TEST(RouterTest, SplitPathDecodesSegmentsAndRefusesBadEscapes) {
  EXPECT_EQ(Split("/a/b%2Fc/"), (std::vector<std::string>{"a", "b/c", ""}));
  EXPECT_EQ(SplitPath("/a%2").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SplitPath("/a%zz").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SplitPath("/a%00").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SplitPath("*").status().code(), StatusCode::kInvalidArgument);
}

TEST(AuthTest, BearerTokenIsTakenFromTheHeader) {
  EXPECT_EQ(*BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(*BearerToken("bearer  abc "), "abc");
  EXPECT_EQ(BearerToken("").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(BearerToken("Basic YWxhZGRpbjpvcGVu").status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(BearerToken("Bearer a b").status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(BearerToken("Bearer ").status().code(),
            StatusCode::kUnauthenticated);
}

TEST(AuthTest, ConstantTimeEqualsComparesBytesAndLengths) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("token", "token"));
  EXPECT_FALSE(ConstantTimeEquals("token", "tokem"));
  EXPECT_FALSE(ConstantTimeEquals("token", "token2"));
  EXPECT_FALSE(ConstantTimeEquals(std::string_view("a\0b", 3),
                                  std::string_view("a\0c", 3)));
}

TEST(AuthTest, StaticTokensMapToTheirPrincipal) {
  StaticTokenAuthenticator auth({{"t1", {"alice", {"annotator"}}},
                                 {"t2", {"bob", {"admin", "auditor"}}}});
  StatusOr<Principal> bob = auth.Authenticate("t2");
  ASSERT_TRUE(bob.ok());
  EXPECT_EQ(bob->id, "bob");
  EXPECT_TRUE(bob->HasRole("auditor"));
  EXPECT_FALSE(bob->HasRole("annotator"));
  EXPECT_EQ(auth.Authenticate("t3").status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(DenyAllAuthenticator().Authenticate("t1").status().code(),
            StatusCode::kUnauthenticated);
}

TEST(HttpTest, StatusCodesMapToHttpStatuses) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kAborted), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kDataLoss), 500);
  Response r = ErrorResponse(NotFoundError("no record r1"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body,
            "{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"no record "
            "r1\"}}\n");
}

TEST(HttpTest, JsonBodyNeedsTheJsonContentType) {
  Request req;
  req.body = "{}";
  EXPECT_EQ(ParseJsonBody(req).status().message(),
            "request body: Content-Type must be application/json");
  req.headers["content-type"] = "application/json; charset=utf-8";
  EXPECT_TRUE(ParseJsonBody(req).ok());
}

}  // namespace
}  // namespace consilium::api
