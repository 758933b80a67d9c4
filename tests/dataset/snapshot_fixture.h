// A small fixed ledger for the snapshot tests: every byte of it is the same
// on every run and build (fake clock, fixed signing key, fixed pseudonym
// key), so an export of it has one digest, committed as a golden value.
#ifndef CONSILIUM_TESTS_DATASET_SNAPSHOT_FIXTURE_H_
#define CONSILIUM_TESTS_DATASET_SNAPSHOT_FIXTURE_H_

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "dataset/manifest.h"
#include "dataset/pseudonyms.h"
#include "dataset/snapshot.h"
#include "dataset/snapshot_dir.h"
#include "ledger/ledger.h"
#include "projections/engine.h"
#include "schemas/event.h"
#include "tests/testing/fake_clock.h"

namespace consilium::testing {

inline constexpr char kTriageSchema[] = R"({
  "id": "triage", "version": 1, "title": "Triage",
  "fields": [
    {"name": "finding", "type": "categorical", "layer": "descriptive",
     "required": true, "categories": ["none", "infiltrate", "effusion"]},
    {"name": "severity", "type": "ordinal", "layer": "interpretive",
     "required": true, "levels": ["low", "moderate", "high"]},
    {"name": "confidence", "type": "confidence", "layer": "interpretive",
     "scale": "probability"},
    {"name": "note", "type": "text", "layer": "interpretive"}
  ]
})";

// Two test keys of the same name (made by `consilium keygen`; test
// secrets, nothing else): the ledger's, and an impostor's.
inline constexpr char kLedgerKey[] =
    "PRIVATE+KEY+test.example/log+7a68365a+"
    "AS+3M86FNnhG3MoYNgLQedaiLq9kjbO1ikF/DJWt7K10";
inline constexpr char kOtherKey[] =
    "PRIVATE+KEY+test.example/log+27c20bd8+"
    "ARGJClfkGQXLHxUVRcH0fAOabIn5ocJKI7v0t/t6rvxH";

inline NoteSigner FixedSigner(const char* key = kLedgerKey) {
  return std::move(*NoteSigner::FromPrivateKeyString(key));
}

// The key FixtureLedger writes to its pseudonym.key ("aa" * 32).
inline dataset::Pseudonymizer FixedPseudonyms() {
  return *dataset::Pseudonymizer::FromKey(std::string(32, '\xaa'));
}

// Appends the fixed events: project, schema, three annotators and a model,
// four records, annotations (one revised, one withdrawn, a model
// pre-label) and an adjudication. Returns the head.
inline uint64_t AppendFixture(Ledger& l) {
  auto add = [&](EventDraft d) {
    auto c = l.Append(std::move(d));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? c->seq : 0;
  };
  add(MakeProjectCreated({"admin", ""}, "p1", "Chest films"));
  add(MakeSchemaPublished(
      {"admin", ""},
      {.schema_id = "triage", .version = 1, .definition = kTriageSchema}));
  for (const char* who : {"dr-ada", "dr-ben", "dr-cho", "dr-dan"}) {
    add(MakePrincipalRegistered({"admin", ""}, {.principal_id = who}));
  }
  add(MakePrincipalRegistered({"admin", ""}, {.principal_id = "cxr-model",
                                              .kind = fb::PrincipalKind::Model,
                                              .model_name = "cxr",
                                              .model_version = "2"}));
  for (int r = 1; r <= 4; ++r) {
    std::string id = "rec-" + std::to_string(r);
    add(MakeRecordImported(
        {"importer", ""}, id, "p1",
        R"({"text":"film )" + std::to_string(r) + R"(, weight 0.1 kg"})",
        R"({"site":"A"})"));
  }
  const char* findings[] = {"none", "infiltrate", "effusion"};
  const char* levels[] = {"low", "moderate", "high"};
  int i = 0;
  std::vector<uint64_t> rec1;  // the physicians' annotation events of rec-1
  for (int r = 1; r <= 3; ++r) {
    for (const char* who : {"dr-ada", "dr-ben", "dr-cho"}) {
      std::string rec = "rec-" + std::to_string(r);
      std::string values =
          std::string(R"({"finding":")") + findings[(r + i) % 3] +
          R"(","severity":")" + levels[(r * 2 + i) % 3] +
          R"(","confidence":0.7,"note":"n)" + std::to_string(i) + R"("})";
      const uint64_t seq = add(MakeAnnotationSubmitted(
          {who, ""}, {.annotation_id = std::string(who) + "-" + rec,
                      .project_id = "p1",
                      .record_id = rec,
                      .annotator_id = who,
                      .schema_id = "triage",
                      .schema_version = 1,
                      .values = values}));
      if (r == 1) rec1.push_back(seq);
      ++i;
    }
  }
  add(MakeAnnotationSubmitted(
      {"cxr-model", ""},
      {.annotation_id = "cxr-rec-1",
       .project_id = "p1",
       .record_id = "rec-1",
       .annotator_id = "cxr-model",
       .schema_id = "triage",
       .schema_version = 1,
       .values = R"({"finding":"infiltrate","severity":"high",)"
                 R"("confidence":0.125})"}));
  add(MakeAnnotationRevised(
      {"dr-ada", ""}, {.annotation_id = "dr-ada-rec-2",
                       .project_id = "p1",
                       .record_id = "rec-2",
                       .expected_revision = 1,
                       .new_revision = 2,
                       .values = R"({"finding":"effusion","severity":"high"})",
                       .reason = "second look"}));
  add(MakeAnnotationWithdrawn({"dr-ben", ""}, {.annotation_id = "dr-ben-rec-3",
                                               .project_id = "p1",
                                               .record_id = "rec-3",
                                               .expected_revision = 1,
                                               .reason = "wrong record"}));
  // The adjudication engine counts a decision that closes a lease and
  // weighed the item's current annotations (dataset/outcomes.h); the
  // default policy disputes interpretive fields (severity: three values).
  std::vector<std::string> weighed_ids = {"dr-ada-rec-1", "dr-ben-rec-1",
                                          "dr-cho-rec-1"};
  const uint64_t lease = add(MakeAdjudicationClaimed(
      {"dr-dan", ""}, {.project_id = "p1",
                       .record_id = "rec-1",
                       .field_path = "severity",
                       .expires_us = 4102444800000000,
                       .weighed_seqs = rec1,
                       .weighed_annotation_ids = weighed_ids}));
  std::vector<std::string> cited = {"dr-ada-rec-1", "dr-ben-rec-1"};
  return add(MakeAdjudicationDecided(
      {"dr-dan", ""}, {.project_id = "p1",
                       .record_id = "rec-1",
                       .field_path = "severity",
                       .outcome = fb::AdjudicationOutcome::Decided,
                       .value = "\"high\"",
                       .rationale = "film shows it",
                       .cited_annotation_ids = cited,
                       .lease_seq = lease,
                       .weighed_seqs = rec1}));
}

// A ledger holding the fixture, with a checkpoint at its head signed by
// `key`, in its own directory; `first` (may be empty) is a record imported
// before the fixture, which makes another ledger with the same origin.
struct FixtureLedger {
  explicit FixtureLedger(const std::string& path, const char* key = kLedgerKey,
                         const std::string& first = "")
      : dir(path) {
    EXPECT_TRUE(Ledger::Init(dir).ok());
    LedgerOptions o;
    o.clock = &clock;
    ledger = std::move(*Ledger::Open(dir, o));
    if (!first.empty()) {
      EXPECT_TRUE(ledger
                      ->Append(MakeRecordImported({"importer", ""}, first, "p0",
                                                  R"({"text":"x"})", "{}"))
                      .ok());
    }
    head = AppendFixture(*ledger);
    // The fixed pseudonym key where the ledger's own lives (verify's
    // re-export reads it from there).
    const std::string key_file = dir + "/" + dataset::kPseudonymKeyFile;
    std::ofstream(key_file) << std::string(64, 'a') << "\n";
    std::filesystem::permissions(key_file,
                                 std::filesystem::perms::owner_read |
                                     std::filesystem::perms::owner_write);
    NoteSigner signer = FixedSigner(key);
    EXPECT_TRUE(ledger->SignCheckpoint(signer, head).ok());
  }

  // The snapshot of `spec` (as_of 0: the head) in `out`.
  StatusOr<dataset::Manifest> Export(dataset::ExportSpec spec,
                                     const std::string& out) {
    if (spec.as_of_seq == 0) spec.as_of_seq = head;
    if (spec.project.empty()) spec.project = "p1";
    ASSIGN_OR_RETURN(projections::AnalyticsState state,
                     projections::BuildStateAsOf(*ledger, spec.as_of_seq));
    ASSIGN_OR_RETURN(std::optional<StoredCheckpoint> cp,
                     ledger->CheckpointAt(spec.as_of_seq));
    if (!cp) {
      NoteSigner signer = FixedSigner();
      ASSIGN_OR_RETURN(StoredCheckpoint signed_cp,
                       ledger->SignCheckpoint(signer, spec.as_of_seq));
      cp = signed_cp;
    }
    return dataset::ExportSnapshot(*ledger, state, spec, FixedPseudonyms(), *cp,
                                   ledger->CheckpointVerifierKey(),
                                   {"0.1.0", "test"}, out);
  }

  std::string dir;
  FakeClock clock;
  std::unique_ptr<Ledger> ledger;
  uint64_t head = 0;
};

}  // namespace consilium::testing

#endif  // CONSILIUM_TESTS_DATASET_SNAPSHOT_FIXTURE_H_
