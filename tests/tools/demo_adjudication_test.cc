// The demo's adjudications (docs/demo.md, "Adjudication"), read back
// through the binary as a user would: a queue waits (`queue list`), decided
// and ambiguous outcomes are shown beside the untouched distribution
// (`distribution`), the senior decided the escalated item, a revision
// re-opened a decision, and in the whole generated ledger no claim,
// decision or escalation is by a physician who annotated the record.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testing/paths.h"
#include "tests/tools/demo_ledgers.h"

namespace consilium {
namespace {

namespace json = boost::json;

constexpr char kProject[] = "dyspnoea-dx";

class DemoAdjudication : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    dir_ = testing::DemoLedger(1, 0, &error);
    ASSERT_FALSE(dir_.empty()) << error;
  }

  json::value RunJson(const std::string& args) {
    int code = 0;
    std::string out =
        testing::RunConsilium(args + " --data " + dir_ + " --json", &code);
    EXPECT_EQ(code, 0) << args << "\n" << out;
    json::value v = testing::ParseJson(out);
    EXPECT_FALSE(v.is_null()) << args << "\n" << out;
    return v;
  }

  // Every item of the project, state by state.
  std::map<std::string, std::vector<json::object>> ItemsByState() {
    json::value list =
        RunJson(std::string("queue list --all --project ") + kProject);
    std::map<std::string, std::vector<json::object>> out;
    if (!list.is_object()) return out;
    for (const json::value& item : list.at("items").as_array())
      out[std::string(item.at("state").as_string())].push_back(
          item.as_object());
    return out;
  }

  // The primary_diagnosis field of the record's distribution.
  json::object PrimaryDiagnosis(const std::string& record) {
    json::value d = RunJson("distribution --record " + record);
    if (!d.is_object()) return {};
    for (const json::value& f : d.at("fields").as_array()) {
      if (f.at("path") == "primary_diagnosis") return f.as_object();
    }
    ADD_FAILURE() << record << " has no primary_diagnosis";
    return {};
  }

  std::string dir_;
};

TEST_F(DemoAdjudication, AQueueWaits) {
  json::value list = RunJson(std::string("queue list --project ") + kProject);
  ASSERT_TRUE(list.is_object());
  const json::array& items = list.at("items").as_array();
  EXPECT_GE(items.size(), 24u);
  EXPECT_EQ(list.at("queued").to_number<uint64_t>(), items.size());
  EXPECT_EQ(list.at("leases").to_number<uint64_t>(), 0u);
  std::set<std::string> triggers;
  for (const json::value& item : items) {
    EXPECT_TRUE(item.at("state") == "pending" || item.at("state") == "reopened")
        << json::serialize(item);
    for (const json::value& t : item.at("triggers").as_array())
      triggers.insert(std::string(t.as_string()));
  }
  // Policy v2's three triggers all put items in the queue.
  EXPECT_TRUE(triggers.count("disagreement"));
  EXPECT_TRUE(triggers.count("mean_confidence_at_most"));
  EXPECT_TRUE(triggers.count("calibration_batch"));
  // The text table too (what README's run.sh shows).
  int code = 0;
  std::string text = testing::RunConsilium(
      "queue list --data " + dir_ + " --project " + kProject + " --limit 5",
      &code);
  ASSERT_EQ(code, 0) << text;
  EXPECT_NE(text.find(" pending "), std::string::npos) << text;
}

TEST_F(DemoAdjudication, DistributionShowsTheOutcomeBesideTheAnnotations) {
  auto by_state = ItemsByState();
  ASSERT_GE(by_state["decided"].size(), 20u);
  ASSERT_GE(by_state["ambiguous"].size(), 1u);
  for (const char* state : {"decided", "ambiguous"}) {
    const std::string record(by_state[state].front().at("record").as_string());
    json::object f = PrimaryDiagnosis(record);
    ASSERT_TRUE(f.contains("adjudication")) << record;
    const json::object& a = f.at("adjudication").as_object();
    EXPECT_EQ(a.at("state"), state) << record;
    const json::array& decisions = a.at("decisions").as_array();
    ASSERT_FALSE(decisions.empty()) << record;
    const json::object& d = decisions.back().as_object();
    EXPECT_GT(d.at("rationale").as_string().size(), 20u);
    if (std::string(state) == "ambiguous") {
      EXPECT_TRUE(d.at("value").is_null()) << json::serialize(d);
      EXPECT_NE(std::string(d.at("rationale").as_string())
                    .find("keep the "
                          "distribution"),
                std::string::npos);
    } else {
      EXPECT_EQ(a.at("value"), d.at("value"));
    }
    // The disagreement is kept: the annotations the decision weighed are
    // the distribution's values, and they still disagree.
    const json::object& human = f.at("human").as_object();
    EXPECT_GE(human.at("counts").as_object().size(), 2u) << record;
    std::set<uint64_t> values, weighed;
    for (const json::value& v : human.at("values").as_array())
      values.insert(v.at("seq").to_number<uint64_t>());
    for (const json::value& w : d.at("weighed").as_array())
      weighed.insert(w.at("seq").to_number<uint64_t>());
    EXPECT_EQ(values, weighed) << record;
  }
  // The text rendering names the outcome.
  int code = 0;
  const std::string record(
      by_state["decided"].front().at("record").as_string());
  std::string text = testing::RunConsilium(
      "distribution --data " + dir_ + " --record " + record, &code);
  ASSERT_EQ(code, 0) << text;
  EXPECT_NE(text.find("adjudication: decided"), std::string::npos) << text;
}

// The ledger's events as `consilium events` prints them.
std::vector<json::object> Events(const std::string& dir) {
  int code = 0;
  std::string out = testing::RunConsilium("events --data " + dir, &code);
  EXPECT_EQ(code, 0);
  std::vector<json::object> events;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    json::value e = testing::ParseJson(line);
    EXPECT_TRUE(e.is_object()) << line;
    if (e.is_object()) events.push_back(e.as_object());
  }
  return events;
}

std::string Str(const json::value& v) { return std::string(v.as_string()); }

// Adjudication acts (claims, decisions, escalations) by record.
struct Act {
  std::string type, actor, record;
  uint64_t seq = 0;
};
std::vector<Act> AdjudicationActs(const std::vector<json::object>& events) {
  std::map<uint64_t, std::string> lease_record;
  std::vector<Act> acts;
  for (const json::object& e : events) {
    const std::string type = Str(e.at("type"));
    const json::object& body = e.at("body").as_object();
    const uint64_t seq = e.at("seq").to_number<uint64_t>();
    std::string record;
    if (type == "AdjudicationClaimed") {
      record = Str(body.at("record_id"));
      lease_record[seq] = record;
    } else if (type == "AdjudicationDecided") {
      record = Str(body.at("record_id"));
    } else if (type == "AdjudicationEscalated") {
      record = lease_record[body.at("lease_seq").to_number<uint64_t>()];
    } else {
      continue;
    }
    acts.push_back({type, Str(e.at("actor")), record, seq});
  }
  return acts;
}

TEST_F(DemoAdjudication, TheSeniorDecidedTheEscalationAndARevisionReopened) {
  const std::vector<json::object> events = Events(dir_);
  const std::vector<Act> acts = AdjudicationActs(events);
  // One escalation; the next act on that record is the senior's decision.
  std::vector<Act> escalations;
  for (const Act& a : acts) {
    if (a.type == "AdjudicationEscalated") escalations.push_back(a);
  }
  ASSERT_EQ(escalations.size(), 1u);
  const Act* senior_decision = nullptr;
  for (const Act& a : acts) {
    if (a.record == escalations[0].record && a.seq > escalations[0].seq &&
        a.type == "AdjudicationDecided") {
      senior_decision = &a;
      break;
    }
  }
  ASSERT_NE(senior_decision, nullptr);
  EXPECT_EQ(senior_decision->actor, "dr-gallagher");
  json::object f = PrimaryDiagnosis(escalations[0].record);
  EXPECT_EQ(f.at("adjudication").at("state"), "decided");

  // The re-opened item cites a decision on that record, made before the
  // revision that re-opened it.
  auto by_state = ItemsByState();
  ASSERT_EQ(by_state["reopened"].size(), 1u);
  const json::object& reopened = by_state["reopened"].front();
  const std::string record = Str(reopened.at("record"));
  ASSERT_TRUE(reopened.at("reopened_from").is_number());
  const uint64_t cited = reopened.at("reopened_from").to_number<uint64_t>();
  ASSERT_GE(events.size(), cited);
  const json::object& decision = events[cited - 1];
  EXPECT_EQ(decision.at("type"), "AdjudicationDecided");
  EXPECT_EQ(Str(decision.at("body").at("record_id")), record);
  bool revised_after = false;
  for (size_t i = cited; i < events.size(); ++i) {
    revised_after |= events[i].at("type") == "AnnotationRevised" &&
                     Str(events[i].at("body").at("record_id")) == record;
  }
  EXPECT_TRUE(revised_after) << record;
  EXPECT_EQ(PrimaryDiagnosis(record).at("adjudication").at("state"),
            "reopened");
}

// Over every event of the generated ledger: who annotated each record (any
// field, any revision), and that no claim, decision or escalation is by one
// of them.
TEST_F(DemoAdjudication, NoDecisionByAnAnnotatorOfTheRecord) {
  const std::vector<json::object> events = Events(dir_);
  std::map<std::string, std::set<std::string>> annotators;
  for (const json::object& e : events) {
    if (e.at("type") == "AnnotationSubmitted") {
      annotators[Str(e.at("body").at("record_id"))].insert(
          Str(e.at("body").at("annotator_id")));
    }
  }
  size_t decided = 0, escalated = 0, by_senior = 0;
  for (const Act& a : AdjudicationActs(events)) {
    ASSERT_FALSE(a.record.empty()) << a.type << " #" << a.seq;
    EXPECT_EQ(annotators[a.record].count(a.actor), 0u)
        << a.type << " #" << a.seq << " by " << a.actor << ", who annotated "
        << a.record;
    decided += a.type == "AdjudicationDecided";
    escalated += a.type == "AdjudicationEscalated";
    by_senior += a.actor == "dr-gallagher";
  }
  // The generated ledger is what the check is about: it holds decisions by
  // both tiers and an escalation.
  EXPECT_GE(decided, 25u);
  EXPECT_EQ(escalated, 1u);
  EXPECT_GE(by_senior, 4u);
}

}  // namespace
}  // namespace consilium
