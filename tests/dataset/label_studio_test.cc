// Label Studio import and export (dataset/label_studio.h, docs/imports.md)
// on fixtures written from Label Studio's documented export format
// (tests/dataset/fixtures/label-studio/README.md).
#include "dataset/label_studio.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "dataset/pseudonyms.h"
#include "dataset/snapshot.h"
#include "domain/command_handler.h"
#include "domain/compliance_commands.h"
#include "ledger/ledger.h"
#include "projections/engine.h"
#include "tests/testing/build_paths.h"
#include "tests/testing/temp_dir.h"

namespace consilium::dataset::ls {
namespace {

using ::consilium::testing::TempDir;

std::string Fixture(const std::string& name) {
  std::ifstream in(::consilium::testing::SourceDir() +
                       "/tests/dataset/fixtures/label-studio/" + name,
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A ledger with project p, the fixture's schema and its annotators.
struct LsLedger {
  explicit LsLedger(const std::string& dir,
                    std::vector<std::string> annotators = {"dr-ada", "dr-ben",
                                                           "ls-user-7"}) {
    EXPECT_TRUE(Ledger::Init(dir).ok());
    ledger = std::move(*Ledger::Open(dir, {}));
    handler = std::move(*domain::CommandHandler::Open(ledger.get(), {}));
    auto ok = [](const auto& r) {
      EXPECT_TRUE(r.ok()) << r.status().ToString();
    };
    ok(handler->RegisterPrincipal(
        "admin", {.id = "admin", .roles = {{fb::Role::Admin, ""}}}));
    ok(handler->CreateProject("admin", {.id = "p", .name = "Chest"}));
    for (const std::string& who : annotators) {
      ok(handler->RegisterPrincipal(
          "admin", {.id = who, .roles = {{fb::Role::Annotator, "p"}}}));
    }
    ok(handler->PublishSchema("admin", Fixture("schema.json")));
    schema = handler->Read([](const domain::DomainState& s) {
      return s.FindSchema("ls-chest", 1)->schema;
    });
  }

  StatusOr<ImportReport> Import(const Mapping& m, const std::string& text) {
    EXPECT_TRUE(CheckMapping(m, *schema).ok());
    ASSIGN_OR_RETURN(auto plan, PlanImport(text, m, *schema));
    return ImportPlan(*handler, "admin", "p", m, std::move(plan));
  }

  // The project's tasks as Label Studio tasks, as of the head.
  std::string Export(const Mapping& m, const Pseudonymizer& ps) {
    uint64_t head = ledger->head().seq;
    auto state = projections::BuildStateAsOf(*ledger, head);
    EXPECT_TRUE(state.ok());
    std::string out = "[";
    size_t n = 0;
    auto counts = WriteSnapshotLines(
        *ledger, *state, {.project = "p", .as_of_seq = head}, ps,
        [&](std::string_view line) -> Status {
          ASSIGN_OR_RETURN(ExportedTask t,
                           LabelStudioTask(line.substr(0, line.size() - 1), m,
                                           *schema, ++n));
          out += (n == 1 ? "\n" : ",\n") + t.json;
          return OkStatus();
        });
    EXPECT_TRUE(counts.ok()) << counts.status().ToString();
    return out + "\n]\n";
  }

  std::string Values(const std::string& annotation_id) {
    return handler->Read([&](const domain::DomainState& s) -> std::string {
      const domain::AnnotationState* a = s.FindAnnotation(annotation_id);
      return a == nullptr ? "" : a->annotator;
    });
  }

  std::unique_ptr<Ledger> ledger;
  std::unique_ptr<domain::CommandHandler> handler;
  std::shared_ptr<const schemas::TaskSchema> schema;
};

bool Has(const std::vector<std::string>& v, const std::string& part) {
  for (const std::string& s : v) {
    if (s.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST(LabelStudioTest, ImportsTasksAndRefusesAMalformedTaskWhole) {
  TempDir tmp;
  LsLedger l(tmp.Sub("a"));
  auto m = ParseMapping(Fixture("mapping.json"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto r = l.Import(*m, Fixture("export.json"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->tasks.size(), 4u);
  EXPECT_EQ(r->imported, 2u);
  const TaskOutcome& t0 = r->tasks[0];
  ASSERT_TRUE(t0.status.ok()) << t0.status.ToString();
  EXPECT_EQ(t0.record_id, "ls-101");
  EXPECT_TRUE(t0.record_imported);
  EXPECT_EQ(t0.assignments, 2u);
  EXPECT_EQ(t0.annotation_ids,
            (std::vector<std::string>{"ls:ls-101:1001", "ls:ls-101:1002"}));
  EXPECT_TRUE(
      Has(t0.unmapped, "annotation 0 result 5: rating from_name \"quality\""));
  EXPECT_TRUE(Has(t0.unmapped, "1 predictions: not imported"));
  EXPECT_TRUE(Has(t0.mapped,
                  "annotation 0 result 3: rectanglelabels box -> "
                  "image_findings"));
  // The pseudo-principal rule (completed_by 7) and a cancelled annotation.
  const TaskOutcome& t1 = r->tasks[1];
  ASSERT_TRUE(t1.status.ok()) << t1.status.ToString();
  EXPECT_EQ(t1.annotation_ids, (std::vector<std::string>{"ls:ls-102:1003"}));
  EXPECT_EQ(l.Values("ls:ls-102:1003"), "ls-user-7");
  EXPECT_TRUE(Has(t1.unmapped, "annotation 1: cancelled"));
  // A value the mapping lacks, and a rotated box: refused by index, with
  // the annotation and result that failed; nothing of them is in the ledger.
  EXPECT_EQ(r->tasks[2].status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r->tasks[2].status.message().find(
                "task 2: annotation 1: result 0 (dx): value \"Atelectasis\""),
            std::string::npos)
      << r->tasks[2].status.ToString();
  EXPECT_NE(r->tasks[3].status.message().find("task 3: annotation 0: result 1 "
                                              "(box): value.rotation"),
            std::string::npos)
      << r->tasks[3].status.ToString();
  l.handler->Read([&](const domain::DomainState& s) {
    EXPECT_NE(s.FindRecord("ls-101"), nullptr);
    EXPECT_EQ(s.FindRecord("ls-103"), nullptr);
    EXPECT_EQ(s.FindRecord("ls-104"), nullptr);
    EXPECT_EQ(s.FindAnnotation("ls:ls-103:1005"), nullptr);
    return 0;
  });
}

TEST(LabelStudioTest, SpansBoxesAndTextBecomeSchemaValues) {
  TempDir tmp;
  LsLedger l(tmp.Sub("a"));
  auto m = ParseMapping(Fixture("mapping.json"));
  ASSERT_TRUE(m.ok());
  auto plan = PlanImport(Fixture("export.json"), *m, *l.schema);
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE((*plan)[0].status.ok());
  // "Fever 🌡 39.2C. Right lower lobe consolidation on film.": the
  // thermometer is two UTF-16 units and one code point, so the span after
  // it starts one lower than Label Studio's offset (33 -> 32).
  EXPECT_EQ(
      (*plan)[0].annotations[0].values,
      R"({"comment":"RLL pneumonia,\nlikely bacterial",)"
      R"("image_findings":[{"finding":"consolidation","region":)"
      R"({"h":484,"image":"cxr","w":984,"x":1016,"y":888}}],)"
      R"("impression":"pneumonia",)"
      R"("text_findings":[{"finding":"fever","span":{"end":5,"start":0}},)"
      R"({"finding":"consolidation","span":{"end":45,"start":32}}]})");
  EXPECT_EQ((*plan)[0].record.content,
            R"({"images":[{"frames":1,"height":1600,"name":"cxr",)"
            R"("width":2000}],"text":"Fever )"
            "\xF0\x9F\x8C\xA1"
            R"( 39.2C. Right lower lobe consolidation on film."})");
  EXPECT_EQ((*plan)[0].record.metadata,
            R"({"label_studio":{"data":{"image":"s3://films/101.png"},)"
            R"("task_id":101}})");
}

TEST(LabelStudioTest, ReimportingTheSameFileAppendsNothing) {
  TempDir tmp;
  LsLedger l(tmp.Sub("a"));
  auto m = ParseMapping(Fixture("mapping.json"));
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(l.Import(*m, Fixture("export.json")).ok());
  uint64_t head = l.ledger->head().seq;
  auto again = l.Import(*m, Fixture("export.json"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->imported, 0u);
  EXPECT_EQ(again->tasks[0].status.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again->tasks[0].status.message().find(
                "annotation ls:ls-101:1001 already exists"),
            std::string::npos);
  EXPECT_EQ(l.ledger->head().seq, head);
}

// [compliance] A task whose text the de-identification gate flags
// (docs/deid.md): its record is imported and held; its assignments and
// annotations wait; the same import run after the review adds them.
TEST(LabelStudioTest, AFlaggedTaskWaitsForItsReview) {
  TempDir tmp;
  LsLedger l(tmp.Sub("a"));
  auto m = ParseMapping(Fixture("mapping.json"));
  ASSERT_TRUE(m.ok());
  std::string text = Fixture("export.json");
  const std::string clean = "consolidation on film.";
  const size_t at = text.find(clean);
  ASSERT_NE(at, std::string::npos);
  // Appended after every span the results name: their offsets stand.
  text.insert(at + clean.size(), " Seen by Dr. Whitfield on 03/14/2021.");
  auto r = l.Import(*m, text);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->imported, 1u);  // one other task imports; two are malformed
  const TaskOutcome& t0 = r->tasks[0];
  EXPECT_EQ(t0.status.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(t0.status.message().find("de-identification gate"),
            std::string::npos)
      << t0.status.ToString();
  EXPECT_EQ(t0.assignments, 0u);
  auto held = [&] {
    return l.handler->Read([](const domain::DomainState& s) {
      const domain::RecordState* rec = s.FindRecord("ls-101");
      return rec != nullptr && rec->quarantined();
    });
  };
  EXPECT_TRUE(held());
  domain::ComplianceCommands review(&l.handler->core(), l.ledger.get());
  ASSERT_TRUE(review.ReleaseRecord("admin", "ls-101", "fictional").ok());
  EXPECT_FALSE(held());
  auto again = l.Import(*m, text);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(again->tasks[0].status.ok()) << again->tasks[0].status.ToString();
  EXPECT_FALSE(again->tasks[0].record_imported);  // it was, and is the same
  EXPECT_EQ(again->tasks[0].assignments, 2u);
  EXPECT_EQ(again->tasks[0].annotation_ids.size(), 2u);
}

TEST(LabelStudioTest, WholeInputErrorsAndUnknownAnnotators) {
  TempDir tmp;
  LsLedger l(tmp.Sub("a"), {"dr-ada"});
  auto m = ParseMapping(Fixture("mapping.json"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(PlanImport("{\"id\":1}", *m, *l.schema).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(PlanImport("[{\"id\":1,", *m, *l.schema).status().code(),
            StatusCode::kInvalidArgument);
  uint64_t head = l.ledger->head().seq;
  auto r = l.Import(*m, Fixture("export.json"));
  ASSERT_TRUE(r.ok());
  // dr-ben and ls-user-7 are not registered: their tasks are refused whole.
  EXPECT_EQ(r->tasks[0].status.code(), StatusCode::kNotFound);
  EXPECT_NE(r->tasks[0].status.message().find("annotator dr-ben"),
            std::string::npos);
  EXPECT_EQ(r->imported, 0u);
  EXPECT_EQ(l.ledger->head().seq, head);
  // The actor must be an admin of the project.
  auto plan = PlanImport(Fixture("export.json"), *m, *l.schema);
  EXPECT_EQ(ImportPlan(*l.handler, "dr-ada", "p", *m, *plan).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(ImportPlan(*l.handler, "admin", "nope", *m, *plan).status().code(),
            StatusCode::kNotFound);
}

TEST(LabelStudioTest, MappingIsCheckedStrictly) {
  TempDir tmp;
  LsLedger l(tmp.Sub("a"));
  auto bad = [&](std::string text, std::string_view what) {
    auto m = ParseMapping(text);
    Status s = m.ok() ? CheckMapping(*m, *l.schema) : m.status();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << text;
    EXPECT_NE(s.message().find(what), std::string::npos) << s.ToString();
  };
  const std::string head = R"({"schema":"ls-chest@1","text_key":"text",)";
  bad(head + R"("fields":[{"from_name":"dx","type":"polygonlabels",)"
             R"("field":"impression"}]})",
      "fields[0].type: unknown result type \"polygonlabels\"");
  bad(head + R"("fields":[{"from_name":"c","type":"textarea",)"
             R"("field":"impression"}]})",
      "textarea fills a text field");
  bad(head + R"("fields":[{"from_name":"c","type":"textarea",)"
             R"("field":"comment"}],"colour":1})",
      "colour: unknown key");
  bad(head + R"("fields":[{"from_name":"b","type":"rectanglelabels",)"
             R"("field":"image_findings","label_field":"finding",)"
             R"("anchor_field":"region"}]})",
      "rectanglelabels need images");
  bad(R"({"schema":"ls-chest@2","text_key":"text","fields":[{"from_name":)"
      R"("c","type":"textarea","field":"comment"}]})",
      "names schema ls-chest@2, not ls-chest@1");
}

// Found by the import_input fuzzer (tests/fuzz/corpus/import_input/
// crash-mapping-annotator-prefix): the principals and id prefixes of a
// mapping end up in domain ids, so they are made of id characters.
TEST(LabelStudioTest, MappingPrincipalsAndIdPrefixesAreIdCharacters) {
  auto refused = [](const std::string& entry) {
    return ParseMapping(R"({"schema":"ls-chest@1","text_key":"text",)" + entry +
                        R"(,"fields":[{"from_name":"c","type":"textarea",)"
                        R"("field":"comment"}]})")
        .status();
  };
  Status s = refused(R"("annotator_prefix":"ls#user-")");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "mapping: annotator_prefix \"ls#user-\": ids are 1-256 bytes of "
            "letters, digits and - _ . : / @");
  EXPECT_EQ(refused(R"("annotators":{"1":"dr ada"})").message(),
            "mapping: annotators.1 \"dr ada\": ids are 1-256 bytes of "
            "letters, digits and - _ . : / @");
  EXPECT_NE(refused(R"("record_id_prefix":"ls?")")
                .message()
                .find("mapping: record_id_prefix \"ls?\""),
            std::string::npos);
  EXPECT_NE(refused(R"("annotation_id_prefix":"a b:")")
                .message()
                .find("mapping: annotation_id_prefix \"a b:\""),
            std::string::npos);
  EXPECT_TRUE(refused(R"("annotation_id_prefix":"x/y@z:")").ok());
}

// Found with the import_input fuzzer's properties on a hand-written input
// (crash-export-annotation-id), next to the finding above: an
// annotation id or an annotator made of the export's bytes that is no
// domain id refuses its task when planned. The ledger refused it before,
// but only after the task's record was appended (an Internal error, and a
// record without its annotations).
TEST(LabelStudioTest, AnExportIdThatIsNoDomainIdRefusesItsTaskWhole) {
  TempDir tmp;
  LsLedger l(tmp.Sub("a"));
  auto m = ParseMapping(Fixture("mapping.json"));
  ASSERT_TRUE(m.ok());
  auto task = [](const std::string& annotation) {
    return R"([{"id":9,"data":{"text":"fever"},"annotations":[)" + annotation +
           R"(,"result":[{"from_name":"dx","to_name":"text","type":"choices",)"
           R"("value":{"choices":["Normal"]}}]}]}])";
  };
  uint64_t head = l.ledger->head().seq;
  auto r = l.Import(*m, task(R"({"id":"x y","completed_by":1)"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->tasks[0].status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r->tasks[0].status.message(),
            "task 0: annotation 0: annotation id \"ls:ls-9:x y\": ids are "
            "1-256 bytes of letters, digits and - _ . : / @");
  r = l.Import(*m, task(R"({"id":5,"completed_by":"u v")"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->tasks[0].status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r->tasks[0].status.message().find(
                "task 0: annotation 0: annotator \"ls-user-u v\""),
            std::string::npos)
      << r->tasks[0].status.ToString();
  EXPECT_EQ(l.ledger->head().seq, head);
  // The same task with usable ids is imported.
  r = l.Import(*m, task(R"({"id":5,"completed_by":1)"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->imported, 1u) << r->tasks[0].status.ToString();
}

// Found with the import_input fuzzer's properties on a hand-written input
// (crash-export-negative-zero-box): a box
// at -0.0 % is at pixel 0, not -0, whose canonical "-0" reads back as the
// integer 0 (the values would not be canonical JSON).
TEST(LabelStudioTest, ABoxAtMinusZeroPercentIsAtPixelZero) {
  TempDir tmp;
  LsLedger l(tmp.Sub("a"));
  auto m = ParseMapping(Fixture("mapping.json"));
  ASSERT_TRUE(m.ok());
  auto plan = PlanImport(
      R"([{"id":3,"data":{"text":"x","image":"s3://b/k.png"},"annotations":)"
      R"([{"id":9,"completed_by":1,"result":[{"from_name":"box","to_name":)"
      R"("img","type":"rectanglelabels","original_width":100,)"
      R"("original_height":50,"value":{"x":-0.0,"y":-1e-9,"width":10,)"
      R"("height":10,"rotation":0,"rectanglelabels":["Effusion"]}},)"
      R"({"from_name":"dx","to_name":"text","type":"choices","value":)"
      R"({"choices":["Normal"]}}]}]}])",
      *m, *l.schema);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_TRUE((*plan)[0].status.ok()) << (*plan)[0].status.ToString();
  EXPECT_EQ((*plan)[0].annotations[0].values,
            R"({"image_findings":[{"finding":"effusion","region":)"
            R"({"h":5,"image":"cxr","w":10,"x":0,"y":0}}],)"
            R"("impression":"normal"})");
}

TEST(LabelStudioTest, OffsetsConvertBetweenUtf16AndCodePoints) {
  const std::string text =
      "a\xF0\x9F\x8C\xA1"
      "b\xC3\xA9";  // a🌡bé
  EXPECT_EQ(*Utf16ToCodePoint(text, 0), 0u);
  EXPECT_EQ(*Utf16ToCodePoint(text, 3), 2u);
  EXPECT_EQ(*Utf16ToCodePoint(text, 5), 4u);
  EXPECT_EQ(Utf16ToCodePoint(text, 2).status().code(),
            StatusCode::kInvalidArgument);  // inside the surrogate pair
  EXPECT_EQ(Utf16ToCodePoint(text, 6).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(*CodePointToUtf16(text, 2), 3u);
  EXPECT_EQ(*CodePointToUtf16(text, 4), 5u);
}

// Import -> export -> import into another ledger -> export: the same tasks
// and the same annotations (the annotators mapped back from their
// pseudonyms, the pseudonym key shared).
TEST(LabelStudioTest, ExportThenImportGivesTheSameAnnotations) {
  TempDir tmp;
  LsLedger a(tmp.Sub("a"));
  auto m = ParseMapping(Fixture("mapping.json"));
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(a.Import(*m, Fixture("export.json")).ok());
  Pseudonymizer ps = *Pseudonymizer::FromKey(std::string(32, '\x5c'));
  std::string first = a.Export(*m, ps);
  EXPECT_NE(first.find("\"completed_by\":\"" + ps.Principal("dr-ada") + "\""),
            std::string::npos);
  EXPECT_EQ(first.find("dr-ada"), std::string::npos);  // pseudonyms only

  LsLedger b(tmp.Sub("b"));
  Mapping back = *m;
  back.annotators.clear();
  back.annotator_prefix.clear();
  for (const char* who : {"dr-ada", "dr-ben", "ls-user-7"})
    back.annotators[ps.Principal(who)] = who;
  auto r = b.Import(back, first);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->imported, 2u);
  for (const TaskOutcome& t : r->tasks)
    EXPECT_TRUE(t.status.ok()) << t.status.ToString();
  EXPECT_EQ(b.Export(*m, ps), first);
  // Value for value: the same document per (record, annotator).
  auto values = [&](const Mapping& mapping, const std::string& text) {
    std::map<std::string, std::string> out;
    auto plan = PlanImport(text, mapping, *a.schema);
    EXPECT_TRUE(plan.ok());
    for (const PlannedTask& t : *plan) {
      for (const PlannedAnnotation& x : t.annotations)
        out[t.record.id + "/" + x.annotator] = x.values;
    }
    return out;
  };
  auto original = values(*m, Fixture("export.json"));
  EXPECT_EQ(original.size(), 3u);  // tasks 2 and 3 are refused whole
  EXPECT_EQ(values(back, first), original);
}

}  // namespace
}  // namespace consilium::dataset::ls
