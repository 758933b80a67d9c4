// `consilium audit access|summary|anomalies` on the demo ledger: every answer
// equals a count made here over the raw AccessRecorded (and
// AssignmentCreated) events read from the ledger, without the projections.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "schemas/event.h"
#include "schemas/event_json.h"
#include "tests/testing/paths.h"
#include "tests/tools/demo_ledgers.h"

namespace consilium {
namespace {

namespace json = boost::json;

struct RawAccess {
  uint64_t seq = 0;
  int64_t time_us = 0;
  std::string actor, kind, id, action, record;
  bool allowed = false;
};

struct Raw {
  std::vector<RawAccess> access;
  std::map<std::string, std::set<std::string>> assigned;  // annotator ->
};

Raw ReadRaw(const std::string& dir) {
  Raw raw;
  auto ledger = Ledger::Open(dir, {.read_only = true});
  EXPECT_TRUE(ledger.ok()) << ledger.status().ToString();
  if (!ledger.ok()) return raw;
  Status s = (*ledger)->Scan(1, 0, [&](const StoredEvent& e) {
    const fb::Event* ev = e.event();
    if (const auto* a = ev->body_as_AccessRecorded()) {
      raw.access.push_back({e.seq, TimestampOf(*ev), ev->actor()->str(),
                            a->resource_kind()->str(), a->resource_id()->str(),
                            a->action()->str(),
                            a->record_id() ? a->record_id()->str() : "",
                            a->allowed()});
    } else if (const auto* as = ev->body_as_AssignmentCreated()) {
      raw.assigned[as->annotator_id()->str()].insert(as->record_id()->str());
    }
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return raw;
}

class AuditOnDemo : public testing::OnDemoLedger {
 protected:
  static void SetUpTestSuite() {
    OnDemoLedger::SetUpTestSuite();
    if (!dir_.empty()) raw_ = new Raw(ReadRaw(dir_));
  }
  static void TearDownTestSuite() {
    delete raw_;
    raw_ = nullptr;
  }

  json::value Json(const std::string& args) {
    int code = 0;
    std::string out = testing::RunConsilium(args + " --data " + dir_, &code,
                                            /*with_stderr=*/false);
    EXPECT_EQ(code, 0) << args << "\n" << out;
    return testing::ParseJson(out);
  }

  static Raw* raw_;
};
Raw* AuditOnDemo::raw_ = nullptr;

std::vector<uint64_t> Seqs(const json::value& list) {
  std::vector<uint64_t> out;
  for (const json::value& e : list.as_array())
    out.push_back(e.at("seq").to_number<uint64_t>());
  return out;
}

TEST_F(AuditOnDemo, TheDemoHasAllowedAndDeniedAccessAndExports) {
  int allowed = 0, denied = 0, exports = 0;
  for (const RawAccess& a : raw_->access) {
    (a.allowed ? allowed : denied) += 1;
    exports += a.action == "export";
  }
  EXPECT_GT(allowed, 2000);
  EXPECT_GE(denied, 19);  // 18 night attempts, the researcher's, blind mode
  EXPECT_GE(exports, 3);
}

TEST_F(AuditOnDemo, SummaryEqualsCountsOverRawEvents) {
  json::value s = Json("audit summary --json");
  ASSERT_TRUE(s.is_object());
  struct C {
    int64_t accesses = 0, allowed = 0, denied = 0, exports = 0;
  };
  std::map<std::string, C> by_actor, by_day;
  C total;
  for (const RawAccess& a : raw_->access) {
    for (C* c : {&by_actor[a.actor],
                 &by_day[FormatTimestamp(a.time_us).substr(0, 10)], &total}) {
      ++c->accesses;
      (a.allowed ? c->allowed : c->denied) += 1;
      c->exports += a.action == "export";
    }
  }
  auto same = [](const json::value& j, const C& c, const std::string& what) {
    EXPECT_EQ(j.at("accesses").to_number<int64_t>(), c.accesses) << what;
    EXPECT_EQ(j.at("allowed").to_number<int64_t>(), c.allowed) << what;
    EXPECT_EQ(j.at("denied").to_number<int64_t>(), c.denied) << what;
    EXPECT_EQ(j.at("exports").to_number<int64_t>(), c.exports) << what;
  };
  same(s.at("total"), total, "total");
  ASSERT_EQ(s.at("principals").as_array().size(), by_actor.size());
  for (const json::value& p : s.at("principals").as_array()) {
    std::string id(p.at("principal").as_string());
    same(p, by_actor[id], id);
  }
  ASSERT_EQ(s.at("days").as_array().size(), by_day.size());
  for (const json::value& d : s.at("days").as_array()) {
    std::string day(d.at("day").as_string());
    same(d, by_day[day], day);
  }
  // Roles: the annotators (six physicians and the model; not the senior
  // adjudicator dr-gallagher, who annotates nothing) add up.
  for (const json::value& r : s.at("roles").as_array()) {
    if (r.at("role").as_string() != "annotator") continue;
    int64_t n = 0;
    for (auto& [actor, c] : by_actor)
      if ((actor.rfind("dr-", 0) == 0 && actor != "dr-gallagher") ||
          actor == "note-extractor")
        n += c.accesses;
    EXPECT_EQ(r.at("accesses").to_number<int64_t>(), n);
    EXPECT_EQ(r.at("principals").to_number<int64_t>(), 7);
  }
}

TEST_F(AuditOnDemo, AccessByPrincipalAndRecordEqualRawEvents) {
  std::vector<uint64_t> by_principal, by_record, windowed;
  const int64_t from = 1773360000LL * 1'000'000;  // 2026-03-13T00:00:00Z
  const int64_t to = from + int64_t{86400} * 1'000'000;
  for (const RawAccess& a : raw_->access) {
    if (a.actor == "dr-eriksen") {
      by_principal.push_back(a.seq);
      if (a.time_us >= from && a.time_us < to) windowed.push_back(a.seq);
    }
    if (a.record == "case-0112") by_record.push_back(a.seq);
  }
  EXPECT_EQ(
      Seqs(Json("audit access --principal dr-eriksen --json").at("access")),
      by_principal);
  EXPECT_EQ(Seqs(Json("audit access --record case-0112 --json").at("access")),
            by_record);
  EXPECT_EQ(Seqs(Json("audit access --principal dr-eriksen --json --from "
                      "2026-03-13T00:00:00Z --to 2026-03-14T00:00:00Z")
                     .at("access")),
            windowed);
  EXPECT_FALSE(windowed.empty());
}

TEST_F(AuditOnDemo, CsvHasOneRowPerEvent) {
  int code = 0;
  std::string out = testing::RunConsilium(
      "audit access --principal res-lindqvist --csv --data " + dir_, &code,
      false);
  ASSERT_EQ(code, 0) << out;
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = out.find('\n', start)) != std::string::npos;
       start = nl + 1)
    lines.push_back(out.substr(start, nl - start));
  std::vector<uint64_t> raw;
  for (const RawAccess& a : raw_->access)
    if (a.actor == "res-lindqvist") raw.push_back(a.seq);
  ASSERT_EQ(lines.size(), raw.size() + 1);
  EXPECT_EQ(lines[0].substr(0, 18), "seq,time,actor,all");
  for (size_t i = 0; i < raw.size(); ++i)
    EXPECT_EQ(lines[i + 1].substr(0, lines[i + 1].find(',')),
              std::to_string(raw[i]));
}

TEST_F(AuditOnDemo, AnomaliesNameThePlantedNightReaderOnly) {
  json::value a = Json("audit anomalies --json");
  ASSERT_TRUE(a.is_object());
  // Raw: records dr-eriksen touched that were never assigned to them.
  std::set<std::string> unassigned;
  std::vector<uint64_t> night;
  for (const RawAccess& r : raw_->access) {
    if (r.actor != "dr-eriksen") continue;
    if (!r.record.empty() && !raw_->assigned["dr-eriksen"].count(r.record))
      unassigned.insert(r.record);
    int hour = static_cast<int>(r.time_us / 3'600'000'000LL % 24);
    if (hour < 6) night.push_back(r.seq);
  }
  ASSERT_EQ(unassigned.size(), 18u);
  std::set<std::string> rules;
  for (const json::value& x : a.at("anomalies").as_array()) {
    EXPECT_EQ(x.at("principal").as_string(), "dr-eriksen");
    rules.insert(std::string(x.at("rule").as_string()));
    if (x.at("rule").as_string() == "reads_beyond_assignments") {
      EXPECT_EQ(x.at("unassigned_records").to_number<size_t>(),
                unassigned.size());
      EXPECT_EQ(x.at("assigned_records").to_number<size_t>(),
                raw_->assigned["dr-eriksen"].size());
    } else {
      EXPECT_EQ(Seqs(x.at("evidence")), night);
    }
  }
  EXPECT_EQ(rules, (std::set<std::string>{"outside_usual_hours",
                                          "reads_beyond_assignments"}));
  // Above the finding's size, rule 1 stays quiet.
  json::value loose = Json("audit anomalies --json --min-excess 19");
  for (const json::value& x : loose.at("anomalies").as_array())
    EXPECT_NE(x.at("rule").as_string(), "reads_beyond_assignments");
}

TEST_F(AuditOnDemo, BadArgumentsAreUsageErrors) {
  for (const std::string args :
       {"audit access --record case-0001 --principal dr-eriksen",
        "audit access", "audit access --principal x --from 2026-03-13",
        "audit access --principal x --from 2026-03-14T00:00:00Z --to "
        "2026-03-13T00:00:00Z",
        "audit access --principal x --csv --json",
        "audit anomalies --min-share 0", "audit anomalies --min-excess 0",
        "audit summary --to yesterday"}) {
    int code = 0;
    std::string out = testing::RunConsilium(args + " --data " + dir_, &code);
    EXPECT_EQ(code, 2) << args << "\n" << out;
    EXPECT_NE(out.find("error"), std::string::npos) << args << "\n" << out;
  }
}

}  // namespace
}  // namespace consilium
