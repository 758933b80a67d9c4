// Sealed payloads and KeyShredded (schemas/sealed_content.h,
// docs/encryption.md): a sealed RecordImported opens with the subject's key,
// names the missing KEK without one, says "shredded" after the key is
// destroyed; KeyShredded validates, prints and is refused as JSON input.
#include "schemas/sealed_content.h"

#include <gtest/gtest.h>

#include <string>

#include "common/aead.h"
#include "common/key_store.h"
#include "schemas/event_json.h"
#include "tests/testing/temp_dir.h"

namespace consilium {
namespace {

TEST(SealedContentTest, SealedImportOpensOnlyWithTheSubjectsKey) {
  testing::TempDir dir;
  StatusOr<std::string> kek = RandomBytes(kAeadKeyBytes);
  ASSERT_TRUE(kek.ok());
  auto store = KeyStore::Create(dir.Sub("keys"), *kek);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const std::string content = R"({"text":"Hieronymus in bed 4"})";
  StatusOr<EventDraft> d = MakeSealedRecordImported(
      {"admin", ""}, "rec-1", "p1", "patient-1", content, "{}", **store);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_TRUE(d->Validate().ok());
  EXPECT_EQ(d->bytes().find("Hieronymus"), std::string::npos);
  const fb::Payload* p = d->event()->body_as_RecordImported()->content();
  EXPECT_TRUE(IsSealedPayload(p));
  EXPECT_EQ(View(p->subject_id()), "patient-1");
  EXPECT_EQ(PlainPayload(p), "");  // never the ciphertext as content

  StatusOr<std::string> opened = OpenPayload(
      p, {.encrypted = true, .store = store->get()}, "record rec-1");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, content);

  StatusOr<std::string> no_kek =
      OpenPayload(p, {.encrypted = true, .store = nullptr}, "record rec-1");
  EXPECT_EQ(no_kek.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(no_kek.status().message().find("CONSILIUM_KEK_FILE"),
            std::string::npos);
  EXPECT_NE(no_kek.status().message().find("record rec-1"), std::string::npos);

  ASSERT_TRUE((*store)->Shred("patient-1").ok());
  StatusOr<std::string> gone = OpenPayload(
      p, {.encrypted = true, .store = store->get()}, "record rec-1");
  EXPECT_TRUE(IsShredded(gone.status())) << gone.status().ToString();
  // A shredded subject gets no new key: nothing new about them is stored.
  StatusOr<EventDraft> again = MakeSealedRecordImported(
      {"admin", ""}, "rec-2", "p1", "patient-1", content, "{}", **store);
  EXPECT_TRUE(IsShredded(again.status())) << again.status().ToString();
}

TEST(SealedContentTest, KeyShreddedValidatesPrintsAndIsNotInput) {
  EventDraft d = MakeKeyShredded({"admin", ""}, {.subject_id = "patient-1",
                                                 .key_id = "00ff",
                                                 .reason = "erasure",
                                                 .record_ids = {"r1", "r2"}});
  ASSERT_TRUE(d.Validate().ok()) << d.Validate().ToString();
  std::string json = EventToJson(7, Hash256{}, d.bytes());
  EXPECT_NE(json.find("\"type\":\"KeyShredded\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"record_ids\":[\"r1\",\"r2\"]"), std::string::npos)
      << json;
  EXPECT_NE(json.find("\"subject_id\":\"patient-1\""), std::string::npos);

  EventDraft no_reason = MakeKeyShredded(
      {"admin", ""}, {.subject_id = "patient-1", .key_id = "", .reason = ""});
  EXPECT_EQ(no_reason.Validate().code(), StatusCode::kInvalidArgument);
  EventDraft no_subject = MakeKeyShredded(
      {"admin", ""}, {.subject_id = "", .key_id = "", .reason = "x"});
  EXPECT_EQ(no_subject.Validate().code(), StatusCode::kInvalidArgument);

  StatusOr<EventDraft> input = DraftFromJson(
      R"({"type":"KeyShredded","actor":"admin","body":{"subject_id":"s","reason":"r"}})");
  EXPECT_EQ(input.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(input.status().message().find("consilium shred"), std::string::npos)
      << input.status().ToString();
}

}  // namespace
}  // namespace consilium
