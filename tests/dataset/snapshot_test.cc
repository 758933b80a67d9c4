// Snapshot export: determinism (twice, after a projection rebuild, after
// more events, against a committed golden digest), what a line carries
// (pseudonyms, revisions, withdrawals, adjudications, soft labels, layers,
// content modes) and the pseudonym key file.
#include <sys/stat.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "common/hash.h"
#include "common/strict_json.h"
#include "projections/analytics.h"
#include "tests/dataset/snapshot_fixture.h"
#include "tests/testing/temp_dir.h"

namespace consilium::dataset {
namespace {

using ::consilium::testing::FixedPseudonyms;
using ::consilium::testing::FixtureLedger;
using ::consilium::testing::TempDir;
namespace json = boost::json;

// The SHA-256 of data.jsonl exported from FixtureLedger at its head with
// the default spec. Every build (Release, ASan) must give exactly this; a
// change of the line format changes it, and must be deliberate (and
// documented in docs/snapshots.md).
constexpr char kGoldenDigest[] =
    "5487781ff8d856b5b2f41b47d2959a8db72a16dc9ec8d28833cae7acbe9ac9ea";

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<json::object> Lines(const std::string& text) {
  std::vector<json::object> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    json::value v;
    EXPECT_TRUE(ParseStrictJson(line, {}, v).ok()) << line;
    out.push_back(v.as_object());
  }
  return out;
}

std::string DigestOfState(const FixtureLedger& f,
                          const projections::AnalyticsState& state) {
  Sha256Hasher h;
  ExportSpec spec{.project = "p1", .as_of_seq = f.head};
  auto n = WriteSnapshotLines(*f.ledger, state, spec, FixedPseudonyms(),
                              [&](std::string_view line) {
                                h.Update(line);
                                return OkStatus();
                              });
  EXPECT_TRUE(n.ok()) << n.status().ToString();
  return ToHex(h.Finish());
}

TEST(SnapshotExportTest, ExportingTwiceGivesIdenticalBytes) {
  TempDir tmp;
  FixtureLedger f(tmp.Sub("ledger"));
  auto a = f.Export({}, tmp.Sub("a"));
  auto b = f.Export({}, tmp.Sub("b"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(Slurp(tmp.Sub("a/data.jsonl")), Slurp(tmp.Sub("b/data.jsonl")));
  EXPECT_EQ(Slurp(tmp.Sub("a/manifest.json")),
            Slurp(tmp.Sub("b/manifest.json")));
  EXPECT_EQ(ToHex(a->data_sha256),
            ToHex(Sha256(Slurp(tmp.Sub("a/data.jsonl")))));
}

TEST(SnapshotExportTest, DigestIsTheCommittedGoldenDigest) {
  TempDir tmp;
  FixtureLedger f(tmp.Sub("ledger"));
  auto m = f.Export({}, tmp.Sub("out"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(ToHex(m->data_sha256), kGoldenDigest);
  EXPECT_EQ(m->counts.records, 4u);
  EXPECT_EQ(m->counts.annotations, 10u);
  EXPECT_EQ(m->counts.revisions, 11u);
  EXPECT_EQ(m->counts.adjudications, 1u);
}

TEST(SnapshotExportTest, SameBytesFromRebuiltAndResumedProjections) {
  TempDir tmp;
  FixtureLedger f(tmp.Sub("ledger"));
  auto built = projections::BuildStateAsOf(*f.ledger, f.head);
  ASSERT_TRUE(built.ok());
  const std::string want = DigestOfState(f, *built);
  auto engine = projections::ProjectionEngine::Open(f.ledger.get());
  ASSERT_TRUE(engine.ok());
  ASSERT_TRUE((*engine)->Checkpoint().ok());
  ASSERT_TRUE((*engine)->Rebuild().ok());
  std::string rebuilt;
  (*engine)->Read([&](const projections::AnalyticsState& s) {
    rebuilt = DigestOfState(f, s);
  });
  EXPECT_EQ(rebuilt, want);
  engine->reset();
  auto resumed = projections::ProjectionEngine::Open(f.ledger.get());
  ASSERT_TRUE(resumed.ok());
  ASSERT_TRUE((*resumed)->resumed());
  std::string from_checkpoint;
  (*resumed)->Read([&](const projections::AnalyticsState& s) {
    from_checkpoint = DigestOfState(f, s);
  });
  EXPECT_EQ(from_checkpoint, want);
}

TEST(SnapshotExportTest, MoreEventsLeaveAnEarlierPrefixUnchanged) {
  TempDir tmp;
  FixtureLedger f(tmp.Sub("ledger"));
  const uint64_t as_of = f.head;
  ASSERT_TRUE(f.Export({}, tmp.Sub("before")).ok());
  ASSERT_TRUE(f.ledger
                  ->Append(MakeAnnotationSubmitted(
                      {"dr-ada", ""},
                      {.annotation_id = "dr-ada-rec-4",
                       .project_id = "p1",
                       .record_id = "rec-4",
                       .annotator_id = "dr-ada",
                       .schema_id = "triage",
                       .schema_version = 1,
                       .values = R"({"finding":"none","severity":"low"})"}))
                  .ok());
  auto after = f.Export({.as_of_seq = as_of}, tmp.Sub("after"));
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(Slurp(tmp.Sub("before/data.jsonl")),
            Slurp(tmp.Sub("after/data.jsonl")));
  auto head = f.Export({.as_of_seq = as_of + 1}, tmp.Sub("head"));
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_NE(Slurp(tmp.Sub("before/data.jsonl")),
            Slurp(tmp.Sub("head/data.jsonl")));
}

TEST(SnapshotExportTest, LinesCarryPseudonymsNeverNames) {
  TempDir tmp;
  FixtureLedger f(tmp.Sub("ledger"));
  ASSERT_TRUE(f.Export({}, tmp.Sub("out")).ok());
  const std::string data = Slurp(tmp.Sub("out/data.jsonl"));
  for (const char* name : {"dr-ada", "dr-ben", "dr-cho", "cxr-model"}) {
    EXPECT_EQ(data.find(name), std::string::npos) << name;
  }
  const Pseudonymizer ps = FixedPseudonyms();
  std::vector<json::object> lines = Lines(data);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0]["record_id"], "rec-1");
  EXPECT_EQ(lines[3]["record_id"], "rec-4");
  const json::array& annotations = lines[0]["annotations"].as_array();
  ASSERT_EQ(annotations.size(), 4u);
  int models = 0;
  for (const json::value& a : annotations) {
    if (a.at("principal_kind") == "model") {
      ++models;
      EXPECT_EQ(a.at("annotator"), json::value(ps.Principal("cxr-model")));
    }
  }
  EXPECT_EQ(models, 1);
  const json::array& adj = lines[0]["adjudications"].as_array();
  ASSERT_EQ(adj.size(), 1u);
  EXPECT_EQ(adj[0].at("value"), "high");
  EXPECT_EQ(adj[0].at("adjudicator"), json::value(ps.Principal("dr-dan")));
  EXPECT_EQ(adj[0].at("cited_annotation_ids").as_array()[0],
            json::value(ps.Annotation("dr-ada-rec-1")));
}

TEST(SnapshotExportTest, RevisionsAndWithdrawalsAreKept) {
  TempDir tmp;
  FixtureLedger f(tmp.Sub("ledger"));
  ASSERT_TRUE(f.Export({}, tmp.Sub("out")).ok());
  std::vector<json::object> lines = Lines(Slurp(tmp.Sub("out/data.jsonl")));
  const Pseudonymizer ps = FixedPseudonyms();
  const json::value revised_id(ps.Annotation("dr-ada-rec-2"));
  const json::value withdrawn_id(ps.Annotation("dr-ben-rec-3"));
  bool saw_revised = false, saw_withdrawn = false;
  for (const json::object& line : lines) {
    for (const json::value& a : line.at("annotations").as_array()) {
      if (a.at("annotation_id") == revised_id) {
        saw_revised = true;
        const json::array& revs = a.at("revisions").as_array();
        ASSERT_EQ(revs.size(), 2u);
        EXPECT_EQ(revs[1].at("reason"), "second look");
        EXPECT_EQ(revs[1].at("values").at("finding"), "effusion");
        EXPECT_EQ(a.at("current_revision"), 2);
      }
      if (a.at("annotation_id") == withdrawn_id) {
        saw_withdrawn = true;
        EXPECT_EQ(a.at("withdrawn").at("reason"), "wrong record");
      }
    }
  }
  EXPECT_TRUE(saw_revised);
  EXPECT_TRUE(saw_withdrawn);
}

TEST(SnapshotExportTest, FieldsMatchTheLabelDistribution) {
  TempDir tmp;
  FixtureLedger f(tmp.Sub("ledger"));
  ASSERT_TRUE(f.Export({}, tmp.Sub("out")).ok());
  std::vector<json::object> lines = Lines(Slurp(tmp.Sub("out/data.jsonl")));
  auto state = projections::BuildStateAsOf(*f.ledger, f.head);
  ASSERT_TRUE(state.ok());
  auto d = projections::LabelDistribution(*state, "rec-2", true);
  ASSERT_TRUE(d.ok());
  const json::array& fields = lines[1].at("fields").as_array();
  ASSERT_EQ(fields.size(), d->fields.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    const projections::FieldDistribution& want = d->fields[i];
    EXPECT_EQ(fields[i].at("path"), json::value(want.path));
    const json::object& counts = fields[i].at("human").at("counts").as_object();
    ASSERT_EQ(counts.size(), want.human.counts.size());
    for (const auto& [key, n] : want.human.counts) {
      EXPECT_EQ(counts.at(key), n) << want.path << " " << key;
    }
    const json::value& soft = fields[i].at("soft_label");
    ASSERT_EQ(soft.is_null(), want.soft_label.empty()) << want.path;
    for (const auto& [k, p] : want.soft_label) {
      EXPECT_DOUBLE_EQ(soft.at(k).to_number<double>(), p);
    }
  }
}

TEST(SnapshotExportTest, LayersAndContentModeShapeTheLines) {
  TempDir tmp;
  FixtureLedger f(tmp.Sub("ledger"));
  auto m = f.Export(
      {.layers = {schemas::Layer::kDescriptive}, .content = ContentMode::kHash},
      tmp.Sub("out"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  std::vector<json::object> lines = Lines(Slurp(tmp.Sub("out/data.jsonl")));
  for (const json::object& line : lines) {
    EXPECT_TRUE(line.at("content").is_null());
    EXPECT_EQ(line.at("content_sha256").as_string().size(), 64u);
    for (const json::value& field : line.at("fields").as_array()) {
      EXPECT_EQ(field.at("layer"), "descriptive");
    }
    for (const json::value& a : line.at("annotations").as_array()) {
      for (const json::value& r : a.at("revisions").as_array()) {
        EXPECT_EQ(r.at("values").as_object().if_contains("severity"), nullptr);
      }
    }
  }
  // The decision is on severity, an interpretive field: left out with it.
  EXPECT_TRUE(lines[0].at("adjudications").as_array().empty());
}

TEST(SnapshotExportTest, RefusesBadRequests) {
  TempDir tmp;
  FixtureLedger f(tmp.Sub("ledger"));
  ASSERT_TRUE(f.Export({}, tmp.Sub("out")).ok());
  EXPECT_EQ(f.Export({}, tmp.Sub("out")).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(f.Export({.project = "nope"}, tmp.Sub("x")).status().code(),
            StatusCode::kInvalidArgument);
  auto state = projections::BuildStateAsOf(*f.ledger, f.head);
  auto cp = f.ledger->CheckpointAt(f.head);
  ASSERT_TRUE(state.ok() && cp.ok() && cp->has_value());
  auto wrong = ExportSnapshot(
      *f.ledger, *state, {.project = "p1", .as_of_seq = f.head - 1},
      FixedPseudonyms(), **cp, "", {"0", "0"}, tmp.Sub("y"));
  EXPECT_EQ(wrong.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseLayers("descriptive,bogus").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseLayers("interpretive,interpretive").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseContentMode("some").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(PseudonymKeyTest, CreatedOnceWithMode600AndStable) {
  TempDir tmp;
  EXPECT_EQ(Pseudonymizer::LoadOrCreate(tmp.path(), false).status().code(),
            StatusCode::kNotFound);
  auto a = Pseudonymizer::LoadOrCreate(tmp.path());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  struct stat st;
  ASSERT_EQ(::stat(tmp.Sub(kPseudonymKeyFile).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto b = Pseudonymizer::LoadOrCreate(tmp.path(), false);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->KeyId(), b->KeyId());
  EXPECT_EQ(a->Principal("dr-ada"), b->Principal("dr-ada"));
  EXPECT_NE(a->Principal("dr-ada"), a->Annotation("dr-ada"));
  EXPECT_EQ(a->Principal("dr-ada").size(), 27u);  // "ps-" + 24 hex
  EXPECT_NE(a->Principal("dr-ada"), FixedPseudonyms().Principal("dr-ada"));
}

TEST(PseudonymKeyTest, PseudonymsAreHmacSha256) {
  // Python: hmac.new(b"\xaa" * 32, b"principal\0dr-ada", sha256), first 12
  // bytes in hex.
  const Pseudonymizer ps = FixedPseudonyms();
  EXPECT_EQ(ps.Principal("dr-ada"), "ps-2cf7bbdc82744b1e32d4cd3c");
  EXPECT_EQ(ps.Annotation("dr-ada-rec-1"), "an-4a99053e3f1050fe21ec61a2");
}

TEST(PseudonymKeyTest, RefusesAnExposedOrDamagedKey) {
  TempDir tmp;
  ASSERT_TRUE(Pseudonymizer::LoadOrCreate(tmp.path()).ok());
  const std::string path = tmp.Sub(kPseudonymKeyFile);
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  EXPECT_EQ(Pseudonymizer::LoadOrCreate(tmp.path()).status().code(),
            StatusCode::kFailedPrecondition);
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  std::ofstream(path) << "not hex\n";
  EXPECT_EQ(Pseudonymizer::LoadOrCreate(tmp.path()).status().code(),
            StatusCode::kDataLoss);
}

}  // namespace
}  // namespace consilium::dataset
