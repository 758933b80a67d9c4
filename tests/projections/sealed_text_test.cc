// Sealed free text through the command set (docs/encryption.md, "Annotation
// free text"): on an encrypted ledger a submission, a revision, an atomic
// bulk annotation and a gold answer each store their text fields sealed
// under the record's subject (marks in the values), open back to what was
// given, and leave the projections' extracted labels exactly those of the
// same commands on a plain ledger (hence in projections_test).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "common/aead.h"
#include "common/key_store.h"
#include "domain/command_handler.h"
#include "ledger/ledger.h"
#include "projections/engine.h"
#include "schemas/annotation_text.h"
#include "tests/testing/temp_dir.h"

namespace consilium::domain {
namespace {

namespace json = boost::json;

const char kSchema[] = R"({"id":"note","version":1,"title":"Note","fields":[
  {"name":"dx","type":"categorical","layer":"interpretive","required":true,
   "categories":["a","b"]},
  {"name":"why","type":"text","layer":"interpretive","required":true},
  {"name":"differential","type":"list","layer":"interpretive","fields":[
    {"name":"alt","type":"categorical","categories":["a","b"]},
    {"name":"because","type":"text"}]}]})";

std::string Values(const std::string& dx, const std::string& why) {
  return R"({"dx":")" + dx + R"(","why":")" + why +
         R"(","differential":[{"alt":"b","because":"not )" + why + R"("}]})";
}

// One ledger, encrypted or plain, with the same principals, schema, records
// and assignments.
class Side {
 public:
  explicit Side(bool encrypted) {
    EXPECT_TRUE(Ledger::Init(dir_.path()).ok());
    if (encrypted) {
      StatusOr<std::string> kek = RandomBytes(kAeadKeyBytes);
      EXPECT_TRUE(kek.ok());
      auto store = KeyStore::Create(dir_.Sub("keys"), *kek);
      EXPECT_TRUE(store.ok()) << store.status().ToString();
      store_ = std::move(*store);
    }
    auto ledger = Ledger::Open(dir_.path(), {});
    EXPECT_TRUE(ledger.ok()) << ledger.status().ToString();
    ledger_ = std::move(*ledger);
    auto h = CommandHandler::Open(ledger_.get(),
                                  {.content_keys = {encrypted, store_.get()}});
    EXPECT_TRUE(h.ok()) << h.status().ToString();
    handler_ = std::move(*h);
    Ok(handler_
           ->RegisterPrincipal(
               "admin", {.id = "admin", .roles = {{fb::Role::Admin, ""}}})
           .status());
    Ok(handler_->CreateProject("admin", {.id = "p1", .name = "P"}).status());
    Ok(handler_->PublishSchema("admin", kSchema).status());
    Ok(handler_
           ->RegisterPrincipal(
               "admin", {.id = "dr-a", .roles = {{fb::Role::Annotator, "p1"}}})
           .status());
    std::vector<RecordLine> lines;
    for (const char* id : {"r1", "r2", "r3"}) {
      lines.push_back({lines.size() + 1,
                       ImportRecordCommand{id, R"({"text":"a note"})", "{}"}});
    }
    auto imported = handler_->ImportRecords("admin", "p1", lines, false);
    EXPECT_TRUE(imported.ok() && imported->all_ok());
    for (const char* id : {"r1", "r2", "r3"})
      Ok(handler_->Assign("admin", "p1", id, "dr-a").status());
  }

  // The commands the test runs on both sides.
  void Play() {
    Ok(handler_
           ->SubmitAnnotation("dr-a", {.annotation_id = "a1",
                                       .record_id = "r1",
                                       .annotator_id = "dr-a",
                                       .schema_id = "note",
                                       .schema_version = 1,
                                       .values = Values("a", "Vexrin cough")})
           .status());
    Ok(handler_
           ->ReviseAnnotation("dr-a", {.annotation_id = "a1",
                                       .expected_revision = 1,
                                       .values = Values("b", "Vexrin fever"),
                                       .reason = "second look"})
           .status());
    std::vector<AnnotationLine> bulk;
    for (const char* r : {"r2", "r3"}) {
      AnnotationCommand c;
      c.submit = {.annotation_id = std::string("bulk-") + r,
                  .record_id = r,
                  .annotator_id = "dr-a",
                  .schema_id = "note",
                  .schema_version = 1,
                  .values = Values("a", std::string("Vexrin bulk ") + r)};
      bulk.push_back({bulk.size() + 1, c});
    }
    BulkReport report = handler_->Annotate("dr-a", bulk, /*atomic=*/true);
    EXPECT_EQ(report.appended, 2u);
    Ok(handler_
           ->RecordGoldAnswer("admin", {.record_id = "r2",
                                        .schema_id = "note",
                                        .schema_version = 1,
                                        .values = Values("b", "Vexrin gold")})
           .status());
  }

  Ledger& ledger() { return *ledger_; }
  KeyStore* store() { return store_.get(); }

 private:
  static void Ok(const Status& s) { EXPECT_TRUE(s.ok()) << s.ToString(); }

  testing::TempDir dir_;
  std::unique_ptr<KeyStore> store_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<CommandHandler> handler_;
};

// The (values, sealed_text) of every event that carries annotation values.
struct Stored {
  uint64_t seq;
  const fb::Payload* values;
  const fb::Payload* text;
  StoredEvent event;  // owns the bytes
};
std::vector<Stored> ValueEvents(Ledger& ledger) {
  std::vector<Stored> out;
  EXPECT_TRUE(ledger
                  .Scan(1, 0,
                        [&](const StoredEvent& e) {
                          const fb::Event* ev = e.event();
                          if (RevisionPayloadsOf(*ev).has_value() ||
                              ev->body_as_GoldAnswerRecorded() != nullptr) {
                            out.push_back({e.seq, nullptr, nullptr, e});
                          }
                          return true;
                        })
                  .ok());
  for (Stored& s : out) {
    const fb::Event* ev = s.event.event();
    if (auto p = RevisionPayloadsOf(*ev)) {
      s.values = p->values;
      s.text = p->sealed_text;
    } else {
      s.values = ev->body_as_GoldAnswerRecorded()->values();
      s.text = ev->body_as_GoldAnswerRecorded()->sealed_text();
    }
  }
  return out;
}

TEST(SealedTextCommandsTest, EveryWriteOfValuesSealsItsFreeText) {
  Side plain(false), sealed(true);
  plain.Play();
  sealed.Play();
  const std::vector<Stored> p = ValueEvents(plain.ledger());
  const std::vector<Stored> s = ValueEvents(sealed.ledger());
  // Submit, revise, two atomic bulk submissions, a gold answer.
  ASSERT_EQ(p.size(), 5u);
  ASSERT_EQ(s.size(), 5u);
  const ContentKeys keys{.encrypted = true, .store = sealed.store()};
  for (size_t i = 0; i < s.size(); ++i) {
    SCOPED_TRACE("event " + std::to_string(s[i].seq));
    EXPECT_EQ(p[i].text, nullptr);
    ASSERT_NE(s[i].text, nullptr);
    EXPECT_EQ(s[i].event.bytes.find("Vexrin"), std::string::npos);
    EXPECT_NE(std::string(PlainPayload(s[i].values)).find("\u2588"),
              std::string::npos);
    EXPECT_EQ(View(s[i].text->subject_id()), i == 4   ? "r2"
                                             : i == 3 ? "r3"
                                             : i == 2 ? "r2"
                                                      : "r1");
    StatusOr<std::string> whole =
        OpenAnnotationValues(s[i].values, s[i].text, keys, "test");
    ASSERT_TRUE(whole.ok()) << whole.status().ToString();
    EXPECT_EQ(json::parse(*whole), json::parse(PlainPayload(p[i].values)));
  }
  // The projections extract the same labels from the marked values as
  // from the whole ones: annotations, their revisions and the gold answer.
  auto ps =
      projections::BuildStateAsOf(plain.ledger(), plain.ledger().head().seq);
  auto ss = projections::BuildStateAsOf(sealed.ledger(),
                                        sealed.ledger().head().seq, keys);
  ASSERT_TRUE(ps.ok() && ss.ok());
  ASSERT_EQ(ps->annotations().size(), ss->annotations().size());
  for (size_t i = 0; i < ps->annotations().size(); ++i) {
    const auto& pa = ps->annotations()[i];
    const auto& sa = ss->annotations()[i];
    ASSERT_TRUE(pa.current().extracted);
    ASSERT_TRUE(sa.current().extracted);
    std::vector<std::string> pv, sv;
    for (const schemas::ExtractedValue& v : ps->values(pa.current()))
      pv.push_back(v.path + "=" + v.category);
    for (const schemas::ExtractedValue& v : ss->values(sa.current()))
      sv.push_back(v.path + "=" + v.category);
    EXPECT_FALSE(pv.empty());
    EXPECT_EQ(pv, sv);
  }
  ASSERT_EQ(ps->gold().size(), 1u);
  ASSERT_EQ(ss->gold().size(), 1u);
  EXPECT_TRUE(ss->gold().begin()->second.extracted);
  EXPECT_EQ(ss->gold().begin()->second.values.size(),
            ps->gold().begin()->second.values.size());
}

}  // namespace
}  // namespace consilium::domain
