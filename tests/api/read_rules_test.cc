// The read routes' pieces, without a server: the strict query parser, the
// read routes' rules (api::ReadRouteRule, domain::Authorizer's read rules)
// over a real domain state (who may read what, who sees identities, whose
// access history), the auditor's event page, and the domain metrics.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/domain_metrics.h"
#include "api/internal/query.h"
#include "api/read_routes.h"
#include "domain/authorizer.h"
#include "domain/command_handler.h"
#include "ledger/ledger.h"
#include "render/command_input.h"
#include "render/ledger_json.h"
#include "tests/testing/sample_ledger.h"
#include "tests/testing/temp_dir.h"

namespace consilium::api {
namespace {

using internal::Query;

TEST(QueryTest, ParsesFormEncodedParametersItIsTold) {
  StatusOr<Query> q = Query::Parse(
      "record=rec%2F1&from=2024-01-01T00:00:00Z&x=a+b", {
                                                            "record",
                                                            "from",
                                                            "x",
                                                        });
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->Get("record"), "rec/1");
  EXPECT_EQ(q->Get("x"), "a b");
  EXPECT_FALSE(q->Has("to"));
  EXPECT_EQ(q->Get("to", "none"), "none");
  EXPECT_TRUE(Query::Parse("", {}).ok());
}

TEST(QueryTest, RefusesUnknownRepeatedAndMalformedParameters) {
  StatusOr<Query> unknown = Query::Parse("limt=5", {"from", "limit"});
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.status().message(),
            "unknown query parameter \"limt\" (known: from, limit)");
  EXPECT_EQ(Query::Parse("a=1&a=2", {"a"}).status().message(),
            "query parameter a is given twice");
  EXPECT_EQ(Query::Parse("a=%zz", {"a"}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Query::Parse("a=%00", {"a"}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Query::Parse("a", {"a"}).status().message(),
            "query parameter a: expects name=value");
}

TEST(QueryTest, NumbersAreStrict) {
  StatusOr<Query> q = Query::Parse(
      "n=12&neg=-1&big=18446744073709551616&"
      "d=0.5&inf=inf&junk=3x",
      {"n", "neg", "big", "d", "inf", "junk"});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q->Uint("n", 0), 12u);
  EXPECT_EQ(*q->Uint("absent", 7), 7u);
  EXPECT_EQ(q->Uint("neg", 0).status().message(),
            "query parameter neg: expects a non-negative integer, got \"-1\"");
  EXPECT_EQ(q->Uint("big", 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(q->Uint("junk", 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*q->Double("d", 0), 0.5);
  EXPECT_EQ(q->Double("inf", 0).status().code(), StatusCode::kInvalidArgument);
}

class ReadRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Ledger::Init(dir_.path()).ok());
    auto ledger = Ledger::Open(dir_.path(), {});
    ASSERT_TRUE(ledger.ok());
    ledger_ = std::move(*ledger);
    auto h = domain::CommandHandler::Open(ledger_.get(), {});
    ASSERT_TRUE(h.ok());
    handler_ = std::move(*h);
    ASSERT_TRUE(
        handler_
            ->RegisterPrincipal(
                "root", {.id = "root", .roles = {{fb::Role::Admin, ""}}})
            .ok());
    for (const char* p : {"p1", "p2"}) {
      ASSERT_TRUE(handler_->CreateProject("root", {.id = p, .name = p}).ok());
    }
    std::vector<std::string> lines = {R"({"id":"r1","text":"note"})"};
    auto imported = handler_->ImportRecords(
        "root", "p1", render::ParseRecordLines(lines), true);
    ASSERT_TRUE(imported.ok() && imported->all_ok());
  }

  // Registers a new principal holding `roles` ("researcher", "admin@p1").
  std::string Principal(const std::vector<std::string>& roles) {
    const std::string id = "someone" + std::to_string(++principals_);
    domain::RegisterPrincipalCommand cmd{.id = id};
    for (const std::string& r : roles) {
      const size_t at = r.find('@');
      const std::string name = r.substr(0, at);
      fb::Role role = fb::Role::Unspecified;
      for (fb::Role candidate :
           {fb::Role::Admin, fb::Role::Annotator, fb::Role::Adjudicator,
            fb::Role::Researcher, fb::Role::Auditor}) {
        std::string n = fb::EnumNameRole(candidate);
        for (char& c : n) c = static_cast<char>(std::tolower(c));
        if (n == name) role = candidate;
      }
      EXPECT_NE(role, fb::Role::Unspecified) << r;
      cmd.roles.push_back(
          {role, at == std::string::npos ? std::string() : r.substr(at + 1)});
    }
    EXPECT_TRUE(handler_->RegisterPrincipal("root", cmd).ok());
    return id;
  }

  template <typename Fn>
  auto AsPrincipal(const std::string& id, Fn fn) {
    return handler_->core().Read([&](const domain::DomainState& state) {
      return fn(domain::Authorizer(state, id));
    });
  }

  // The rule of `route`, for a new principal holding `roles`.
  Status Check(std::vector<std::string> roles, std::string_view route,
               std::map<std::string, std::string> params,
               std::string query = "") {
    Request request;
    request.params = std::move(params);
    request.query = std::move(query);
    Rule rule = ReadRouteRule(route);
    EXPECT_TRUE(static_cast<bool>(rule)) << route;
    last_ = Principal(roles);
    return AsPrincipal(last_, [&](const domain::Authorizer& auth) {
      return rule(auth, request);
    });
  }

  testing::TempDir dir_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<domain::CommandHandler> handler_;
  int principals_ = 0;
  std::string last_;
};

TEST_F(ReadRulesTest, DistributionNeedsAdminOrResearcherOfTheRecordsProject) {
  const std::map<std::string, std::string> r1 = {{"id", "r1"}};
  EXPECT_TRUE(Check({"researcher@p1"}, kDistributionRoute, r1).ok());
  EXPECT_TRUE(Check({"admin@p1"}, kDistributionRoute, r1).ok());
  EXPECT_TRUE(Check({"researcher"}, kDistributionRoute, r1).ok());
  Status other = Check({"researcher@p2"}, kDistributionRoute, r1);
  EXPECT_EQ(other.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(other.message(),
            "principal " + last_ +
                " may not read the label distribution of record "
                "r1 (needs admin or researcher in the record's project)");
  EXPECT_EQ(Check({"annotator@p1"}, kDistributionRoute, r1).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(Check({"auditor"}, kDistributionRoute, r1).code(),
            StatusCode::kPermissionDenied);
  // An unknown record: only a global role passes (and then hears 404).
  const std::map<std::string, std::string> ghost = {{"id", "ghost"}};
  EXPECT_EQ(Check({"researcher@p1"}, kDistributionRoute, ghost).code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(Check({"admin"}, kDistributionRoute, ghost).ok());
}

TEST_F(ReadRulesTest, AggregatesAuditAndLedgerFollowTheirRoles) {
  const std::map<std::string, std::string> p1 = {{"project", "p1"}};
  EXPECT_TRUE(Check({"researcher@p1"}, kAgreementRoute, p1).ok());
  EXPECT_TRUE(Check({"admin@p1"}, kCalibrationRoute, p1).ok());
  EXPECT_EQ(Check({"researcher@p2"}, kCalibrationRoute, p1).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(
      Check({"annotator@p1", "adjudicator@p1"}, kAgreementRoute, p1).code(),
      StatusCode::kPermissionDenied);

  EXPECT_TRUE(Check({"auditor@p1"}, kAccessRoute, {}, "record=r1").ok());
  EXPECT_EQ(Check({"auditor@p2"}, kAccessRoute, {}, "record=r1").code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(Check({"auditor@p2"}, kAccessRoute, {}, "principal=x").ok());
  EXPECT_EQ(Check({"researcher"}, kAccessRoute, {}, "principal=x").code(),
            StatusCode::kPermissionDenied);

  for (std::string_view route :
       {kLedgerHeadRoute, kLedgerEventsRoute, kCheckpointRoute,
        kVerifierKeyRoute, kInclusionRoute, kConsistencyRoute}) {
    EXPECT_TRUE(Check({"auditor"}, route, {}).ok()) << route;
    EXPECT_TRUE(Check({"admin"}, route, {}).ok()) << route;
    EXPECT_EQ(Check({"auditor@p1"}, route, {}).code(),
              StatusCode::kPermissionDenied)
        << route;
  }
}

TEST_F(ReadRulesTest, IdentitiesAndAuditScopes) {
  auto sees = [&](std::vector<std::string> roles) {
    return AsPrincipal(Principal(roles), [](const domain::Authorizer& a) {
      return a.SeesIdentities("p1");
    });
  };
  EXPECT_TRUE(sees({"admin"}));
  EXPECT_TRUE(sees({"admin@p1"}));
  EXPECT_FALSE(sees({"admin@p2"}));
  EXPECT_FALSE(sees({"researcher"}));
  auto audits = [&](std::vector<std::string> roles) {
    return AsPrincipal(Principal(roles), [](const domain::Authorizer& a) {
      return a.AuditProjects();
    });
  };
  EXPECT_EQ(audits({"auditor"}), std::nullopt);
  EXPECT_EQ(audits({"admin@p2", "auditor@p1", "researcher"}),
            (std::set<std::string>{"p1", "p2"}));
}

TEST_F(ReadRulesTest, OnlyTheReadRoutesHaveAReadRule) {
  EXPECT_FALSE(static_cast<bool>(ReadRouteRule("/v1/whoami")));
  EXPECT_FALSE(static_cast<bool>(ReadRouteRule("/v1/records/{record}")));
  EXPECT_TRUE(static_cast<bool>(ReadRouteRule(kLedgerHeadRoute)));
}

TEST(EventPageTest, PagesMetadataAndHashesWithoutBodies) {
  testing::TempDir dir;
  ASSERT_NO_FATAL_FAILURE(
      consilium::testing::CreateLedgerOfNotes(dir.path(), 5));
  auto ledger = Ledger::Open(dir.path(), {.read_only = true});
  ASSERT_TRUE(ledger.ok());
  auto page = render::EventPageJson(**ledger, 2, 2);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  const boost::json::array& events = page->at("events").as_array();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].at("seq"), 2);
  EXPECT_EQ(events[1].at("prev_hash"), events[0].at("hash"));
  EXPECT_EQ(events[0].at("type"), "RecordImported");
  EXPECT_EQ(events[0].at("record_id"), "rec-2");
  EXPECT_EQ(page->at("next_from"), 4);
  EXPECT_EQ(boost::json::serialize(*page).find("note"), std::string::npos);
  auto last = render::EventPageJson(**ledger, 4, 100);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->at("events").as_array().size(), 2u);
  EXPECT_TRUE(last->at("next_from").is_null());
  auto empty = render::EventPageJson(**ledger, 6, 10);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->at("events").as_array().empty());
  EXPECT_EQ(render::EventPageJson(**ledger, 0, 10).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(render::EventPageJson(**ledger, 1, 1001).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(render::EventPageJson(**ledger, 7, 10).status().code(),
            StatusCode::kOutOfRange);
}

TEST(DomainMetricsTest, AppendLatencyAndAdjudicationGaugesRender) {
  MetricsRegistry registry;
  DomainMetrics m = RegisterDomainMetrics(&registry);
  StatusOr<int> r = TimeAppend(m, "record_access", [] {
    return StatusOr<int>(NotFoundError("record x not found"));
  });
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  RegisterAdjudicationGauges(
      &registry, [] { return 3.0; }, [] { return 1.0; });
  const std::string text = registry.Render();
  EXPECT_NE(text.find("consilium_append_duration_seconds_count{operation="
                      "\"record_access\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("consilium_adjudication_queue_depth 3"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("consilium_adjudication_active_leases 1"),
            std::string::npos);
}

}  // namespace
}  // namespace consilium::api
