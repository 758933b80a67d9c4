// The adjudication commands as a script runs them (the built binary through
// the shell): a claim shows the item and records the access first; every
// refused command exits 1 with a specific error and appends nothing; a
// decision leaves the distribution as it was and shows beside it; the read
// commands answer as of an earlier event; calibration reads the decision.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testing/build_paths.h"
#include "tests/testing/paths.h"
#include "tests/testing/temp_dir.h"

namespace consilium {
namespace {

namespace json = boost::json;

struct CliRun {
  int code = -1;
  std::string out, err;
};

class AdjudicationCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = tmp_.Sub("ledger");
    ASSERT_EQ(Ok("init --data " + data_).code, 0);
    ASSERT_EQ(Ok("project create --id icu --name ICU --overlap 3").code, 0);
    ASSERT_EQ(Ok("schema publish '" + ::consilium::testing::SourceDir() +
                 "/schemas/examples/icu-severity.json'")
                  .code,
              0);
    for (int i = 0; i < 3; ++i) {
      const std::string who = std::string("dr-") + "abc"[i];
      ASSERT_EQ(Ok("user add " + who +
                   " --role annotator --project icu "
                   "--pseudonym physician-" +
                   "abc"[i])
                    .code,
                0);
    }
    ASSERT_NO_FATAL_FAILURE(
        Disputed("rec-1", {"critical", "critical", "serious"}));
    for (const char* who : {"dr-k", "dr-m"}) {
      ASSERT_EQ(Ok(std::string("user add ") + who +
                   " --role adjudicator --project icu")
                    .code,
                0);
    }
  }

  // Imports `record`, assigns it to dr-a, dr-b, dr-c and submits their
  // values (in that order).
  void Disputed(const std::string& record,
                const std::vector<std::string>& values) {
    Write("records.jsonl", R"({"id": ")" + record +
                               R"(", "text": "MAP 64 on noradrenaline"})"
                               "\n");
    ASSERT_EQ(
        Ok("import records " + tmp_.Sub("records.jsonl") + " --project icu")
            .code,
        0);
    std::string lines;
    for (int i = 0; i < 3; ++i) {
      const std::string who = std::string("dr-") + "abc"[i];
      ASSERT_EQ(
          Ok("assign --project icu --record " + record + " --annotator " + who)
              .code,
          0);
      lines += R"({"annotation_id": "a-)" + who + "-" + record +
               R"(", "record": ")" + record + R"(", "annotator": ")" + who +
               R"(", "schema": "icu-severity@1", "values": {"severity": ")" +
               values[i] + "\"}}\n";
    }
    Write("annotations.jsonl", lines);
    ASSERT_EQ(Ok("annotate " + tmp_.Sub("annotations.jsonl")).code, 0);
  }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(tmp_.Sub(name)) << text;
  }

  // `consilium ARGS --data <ledger>`, stdout and stderr apart.
  CliRun Cli(const std::string& args) {
    CliRun r;
    const std::string err = tmp_.Sub("stderr");
    r.out = testing::RunShell("(" + testing::ConsiliumBin() + " " + args +
                                  " --data " + data_ + " 2>'" + err + "')",
                              &r.code, false);
    std::ifstream in(err);
    std::stringstream s;
    s << in.rdbuf();
    r.err = s.str();
    return r;
  }
  CliRun Ok(const std::string& args) {
    if (args.rfind("init", 0) == 0) {
      CliRun r;
      r.out = testing::RunConsilium(args, &r.code);
      return r;
    }
    CliRun r = Cli(args);
    EXPECT_EQ(r.code, 0) << args << "\n" << r.out << r.err;
    return r;
  }
  json::value Json(const std::string& args) {
    CliRun r = Ok(args);
    return json::parse(r.out);
  }
  uint64_t Head() { return Json("head").at("seq").to_number<uint64_t>(); }

  // Claims as `who` and returns the claim document.
  json::object Claim(const std::string& who) {
    return Json("adjudicate claim --project icu --json --as " + who)
        .as_object();
  }

  // Runs a command that must be refused: exit `code`, `message` in the
  // error, and the ledger's head unchanged.
  void Refused(const std::string& args, int code, const std::string& message) {
    const uint64_t before = Head();
    CliRun r = Cli(args);
    EXPECT_EQ(r.code, code) << args << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos)
        << args << ": expected \"" << message << "\" in\n"
        << r.err;
    EXPECT_EQ(Head(), before) << args << " appended";
  }

  testing::TempDir tmp_;
  std::string data_;
};

TEST_F(AdjudicationCliTest, ClaimShowsTheItemByPseudonymAfterRecordingAccess) {
  json::object list = Json("queue list --project icu --json").as_object();
  ASSERT_EQ(list["items"].as_array().size(), 1u) << list;
  EXPECT_EQ(list["items"].at(0).at("state"), "pending");
  EXPECT_EQ(list["items"].at(0).at("annotations"), 3);

  json::object c = Claim("dr-k");
  EXPECT_EQ(c["record"], "rec-1");
  EXPECT_EQ(c["field"], "severity");
  const uint64_t lease = c["lease"].to_number<uint64_t>();
  EXPECT_GT(c["access_seq"].to_number<uint64_t>(), lease);
  EXPECT_EQ(c["weighed"].as_array().size(), 3u);
  const json::object& shown = c["shown"].as_object();
  EXPECT_EQ(shown.at("annotations").at(0).at("annotator"), "physician-a");
  EXPECT_EQ(shown.at("annotations").at(2).at("trace").at("severity"),
            "serious");
  EXPECT_EQ(json::serialize(c["shown"]).find("dr-a"), std::string::npos);

  json::object access = Json("access --record rec-1 --json").as_object();
  bool recorded = false;
  for (const json::value& e : access["access"].as_array()) {
    recorded |= e.at("actor") == "dr-k" && e.at("action") == "adjudicate" &&
                e.at("seq").to_number<uint64_t>() ==
                    c["access_seq"].to_number<uint64_t>();
  }
  EXPECT_TRUE(recorded) << access;
  // The item is held: nothing left for another adjudicator.
  Refused("adjudicate claim --project icu --as dr-m", 1, "NOT_FOUND");
}

TEST_F(AdjudicationCliTest,
       BadInputIsRefusedWithASpecificErrorAndAppendsNothing) {
  const std::string lease =
      std::to_string(Claim("dr-k")["lease"].to_number<uint64_t>());
  const std::string decide =
      "adjudicate decide --field severity --rationale why --lease ";
  Refused(decide + "999 --as dr-k --value critical", 1, "NOT_FOUND");
  Refused(decide + lease + " --as dr-m --value critical", 1,
          "PERMISSION_DENIED");
  Refused(decide + lease + " --as dr-k --value fatal", 1, "INVALID_ARGUMENT");
  Refused("adjudicate decide --field severity --rationale '' --lease " + lease +
              " --as dr-k --value critical",
          1, "INVALID_ARGUMENT");
  Refused("adjudicate decide --field other --rationale why --lease " + lease +
              " --as dr-k --value critical",
          1, "INVALID_ARGUMENT");
  Refused(decide + lease + " --as dr-k --value critical --ambiguous", 2,
          "exactly one of --value V, --ambiguous or --escalate");
  Refused(decide + lease + " --as dr-k --escalate", 1, "FAILED_PRECONDITION");
  Refused("adjudicate claim --project icu --as dr-m --ttl 0", 2, "--ttl");
  Refused("adjudicate claim --project icu --as dr-a", 1, "");
  Refused("adjudicate release --lease " + lease + " --as dr-m", 1,
          "PERMISSION_DENIED");
  Refused("adjudicate heartbeat --lease 999 --as dr-k", 1, "NOT_FOUND");
  // A heartbeat verifies and appends nothing.
  const uint64_t before = Head();
  json::object hb =
      Json("adjudicate heartbeat --json --as dr-k --lease " + lease)
          .as_object();
  EXPECT_TRUE(hb["seq"].is_null());
  EXPECT_EQ(Head(), before);
  // Release, then the lease is gone and the item is back.
  Ok("adjudicate release --as dr-k --lease " + lease);
  Refused("adjudicate release --lease " + lease + " --as dr-k", 1,
          "FAILED_PRECONDITION");
  EXPECT_EQ(
      Json("queue list --project icu --json").at("items").at(0).at("state"),
      "pending");
}

TEST_F(AdjudicationCliTest, DecisionSitsBesideTheUntouchedDistribution) {
  const uint64_t annotated = Head();
  json::value before = Json("distribution --record rec-1 --json");
  const std::string lease =
      std::to_string(Claim("dr-k")["lease"].to_number<uint64_t>());
  json::object d =
      Json(
          "adjudicate decide --json --field severity --value critical "
          "--rationale 'shock on noradrenaline' --as dr-k --lease " +
          lease)
          .as_object();
  EXPECT_EQ(d["outcome"], "decided");
  EXPECT_EQ(d["value"], "critical");
  EXPECT_EQ(d["state"], "decided");

  json::value after = Json("distribution --record rec-1 --json");
  const json::object& f0 = after.at("fields").at(0).as_object();
  EXPECT_EQ(f0.at("adjudication").at("state"), "decided");
  EXPECT_EQ(f0.at("adjudication").at("value"), "critical");
  // Everything else of the field is what it was before the decision.
  EXPECT_EQ(before.at("fields").at(0).at("adjudication").at("state"),
            "pending");
  json::object stripped = f0, was = before.at("fields").at(0).as_object();
  stripped.erase("adjudication");
  was.erase("adjudication");
  EXPECT_EQ(json::serialize(stripped), json::serialize(was));
  EXPECT_EQ(json::serialize(after.at("revision_history")),
            json::serialize(before.at("revision_history")));

  EXPECT_TRUE(
      Json("queue list --project icu --json").at("items").as_array().empty());
  json::object show =
      Json("queue show --project icu --record rec-1 --field severity --json")
          .as_object();
  std::string steps;
  for (const json::value& h : show["history"].as_array())
    steps += std::string(h.at("what").as_string()) + " ";
  EXPECT_EQ(steps, "opened claimed decided ");
  // As of the last annotation the item was pending, unclaimed.
  json::object then =
      Json(
          "queue show --project icu --record rec-1 --field severity --json "
          "--as-of " +
          std::to_string(annotated))
          .as_object();
  EXPECT_EQ(then["item"].at("state"), "pending");
  EXPECT_EQ(then["history"].as_array().size(), 1u);

  // Calibration's accuracy against adjudicated reads the decision.
  json::value cal = Json("calibration --project icu --json");
  std::string rates;
  for (const json::value& a : cal.at("annotators").as_array()) {
    rates += std::string(a.at("annotator").as_string()) + "=" +
             json::serialize(a.at("adjudicated_accuracy").at("rate")) + " ";
  }
  EXPECT_EQ(rates, "dr-a=1 dr-b=1 dr-c=0 ") << cal;
}

TEST_F(AdjudicationCliTest, PolicyIsVersionedAndShownWithItsDefaults) {
  json::object def = Json("policy show --project icu --json").as_object();
  EXPECT_EQ(def["version"], 0);
  Write("bad.json",
        R"({"project": "icu", "version": 1, "fields": {"severity": )"
        R"({"triggers": {"entropy_at_least": 1.5}}}})");
  Refused("policy set " + tmp_.Sub("bad.json") + " --project icu --as admin", 1,
          "fields.severity.triggers.entropy_at_least");
  Write("good.json",
        R"({"project": "icu", "version": 1, "fields": {"severity": )"
        R"({"triggers": {"entropy_at_least": 0.9}}}})");
  Ok("policy set " + tmp_.Sub("good.json") + " --project icu --as admin");
  json::object p = Json("policy show --project icu --json").as_object();
  EXPECT_EQ(p["version"], 1);
  EXPECT_EQ(json::serialize(p["fields"].at("severity").at("triggers")),
            R"({"entropy_at_least":9E-1})");
  // Entropy 0.46 < 0.9: the item left the queue.
  EXPECT_TRUE(
      Json("queue list --project icu --json").at("items").as_array().empty());
  Refused("queue list --project nope", 1, "NOT_FOUND");
}

TEST_F(AdjudicationCliTest, ClaimExpiresDueLeasesFirstAndTheItemReturnsOnce) {
  json::object first =
      Json("adjudicate claim --project icu --json --ttl 1 --as dr-k")
          .as_object();
  const uint64_t lease = first["lease"].to_number<uint64_t>();
  // --ttl 1: gone in a second, where the policy's lease is 300 s.
  sleep(2);
  // The deadline passed: the holder can no longer decide or heartbeat.
  Refused(
      "adjudicate decide --field severity --value critical --rationale "
      "late --as dr-k --lease " +
          std::to_string(lease),
      1, "FAILED_PRECONDITION");
  Refused("adjudicate heartbeat --as dr-k --lease " + std::to_string(lease), 1,
          "FAILED_PRECONDITION");
  // The next claim appends the expiry, then takes the returned item.
  CliRun r = Ok("adjudicate claim --project icu --json --as dr-m");
  EXPECT_NE(r.err.find("lease " + std::to_string(lease) + " of dr-k expired"),
            std::string::npos)
      << r.err;
  json::object second = json::parse(r.out).as_object();
  EXPECT_EQ(second["record"], "rec-1");
  EXPECT_GT(second["lease"].to_number<uint64_t>(), lease + 1);
  json::object show =
      Json("queue show --project icu --record rec-1 --field severity --json")
          .as_object();
  std::string steps;
  for (const json::value& h : show["history"].as_array())
    steps += std::string(h.at("what").as_string()) + " ";
  EXPECT_EQ(steps, "opened claimed expired claimed ");
}

TEST_F(AdjudicationCliTest, EscalationGoesToTheSeniorTierWhoseDecisionIsFinal) {
  Write("policy.json",
        R"({"project": "icu", "version": 1, "senior_adjudicators": ["dr-m"],)"
        R"( "fields": {"severity": {"adjudicators": 2}}})");
  Ok("policy set " + tmp_.Sub("policy.json") + " --project icu --as admin");
  const std::string lease =
      std::to_string(Claim("dr-k")["lease"].to_number<uint64_t>());
  json::object e = Json(
                       "adjudicate decide --json --escalate --field severity "
                       "--rationale 'needs a senior' --as dr-k --lease " +
                       lease)
                       .as_object();
  EXPECT_EQ(e["outcome"], "escalated");
  EXPECT_EQ(e["state"], "escalated");
  EXPECT_TRUE(e["value"].is_null());
  json::object senior = Claim("dr-m");
  EXPECT_EQ(senior["record"], "rec-1");
  json::object d =
      Json(
          "adjudicate decide --json --ambiguous --field severity "
          "--rationale 'both readings defensible' --as dr-m --lease " +
          std::to_string(senior["lease"].to_number<uint64_t>()))
          .as_object();
  EXPECT_EQ(d["state"], "ambiguous");
  json::value dist = Json("distribution --record rec-1 --json");
  EXPECT_EQ(dist.at("fields").at(0).at("adjudication").at("state"),
            "ambiguous");
  EXPECT_TRUE(dist.at("fields").at(0).at("adjudication").at("value").is_null());
}

// With two adjudicators per item, calibration rates against the round's
// outcome, never a single decision: nothing while the round is open, and
// nothing but an ambiguous count when the adjudicators disagree.
TEST_F(AdjudicationCliTest,
       CalibrationReadsTheRoundsOutcomeNotTheLastDecision) {
  Write("policy.json", R"({"project": "icu", "version": 1,)"
                       R"( "fields": {"severity": {"adjudicators": 2}}})");
  Ok("policy set " + tmp_.Sub("policy.json") + " --project icu --as admin");
  auto adjudicated = [&] {
    json::value cal = Json("calibration --project icu --json");
    std::string out;
    for (const json::value& a : cal.at("annotators").as_array()) {
      const json::value& acc = a.at("adjudicated_accuracy");
      out += std::string(a.at("annotator").as_string()) + "=" +
             json::serialize(acc.at("compared")) + "/" +
             json::serialize(a.at("ambiguous_decisions")) + " ";
    }
    return out;
  };
  const std::string first =
      std::to_string(Claim("dr-k")["lease"].to_number<uint64_t>());
  json::object d = Json(
                       "adjudicate decide --json --field severity --value "
                       "critical --rationale one --as dr-k --lease " +
                       first)
                       .as_object();
  EXPECT_EQ(d["state"], "pending");  // one decision of two
  EXPECT_EQ(adjudicated(), "dr-a=0/0 dr-b=0/0 dr-c=0/0 ");
  Refused("adjudicate claim --project icu --as dr-k", 1, "NOT_FOUND");
  const std::string second =
      std::to_string(Claim("dr-m")["lease"].to_number<uint64_t>());
  d = Json(
          "adjudicate decide --json --field severity --value serious "
          "--rationale two --as dr-m --lease " +
          second)
          .as_object();
  EXPECT_EQ(d["state"], "ambiguous");
  EXPECT_EQ(adjudicated(), "dr-a=0/1 dr-b=0/1 dr-c=0/1 ");
}

TEST_F(AdjudicationCliTest, QueueListsInClaimOrderWithALimitAndAsOfATime) {
  const std::string before_second =
      std::string(Json("head").at("time").as_string());
  // rec-2: three values among three annotations, more urgent than rec-1.
  ASSERT_NO_FATAL_FAILURE(Disputed("rec-2", {"stable", "guarded", "serious"}));
  json::object list = Json("queue list --project icu --json").as_object();
  ASSERT_EQ(list["items"].as_array().size(), 2u);
  EXPECT_EQ(list["items"].at(0).at("record"), "rec-2");
  EXPECT_EQ(list["items"].at(0).at("priority"), 666666);
  EXPECT_EQ(list["items"].at(1).at("priority"), 333333);
  json::object one =
      Json("queue list --project icu --json --limit 1").as_object();
  ASSERT_EQ(one["items"].as_array().size(), 1u);
  EXPECT_EQ(one["items"].at(0).at("record"), "rec-2");
  EXPECT_EQ(one["queued"], 2);
  // As of the time rec-1 was the only disputed item.
  json::object then =
      Json("queue list --project icu --json --as-of " + before_second)
          .as_object();
  ASSERT_EQ(then["items"].as_array().size(), 1u) << then;
  EXPECT_EQ(then["items"].at(0).at("record"), "rec-1");
  // The claim takes the most urgent item.
  EXPECT_EQ(Claim("dr-k")["record"], "rec-2");
}

}  // namespace
}  // namespace consilium
