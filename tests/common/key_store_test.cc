#include "common/key_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/hash.h"

namespace consilium {
namespace {

namespace fs = std::filesystem;

class KeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/consilium-keys-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    dir_ = (root_ / "keys").string();
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string Kek(char c) { return std::string(32, c); }

  std::unique_ptr<KeyStore> Make(const std::string& kek) {
    StatusOr<std::unique_ptr<KeyStore>> s = KeyStore::Create(dir_, kek);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }

  // Every byte of every file under root_, concatenated.
  std::string AllBytes() {
    std::string all;
    for (const auto& e : fs::recursive_directory_iterator(root_)) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::ostringstream s;
      s << in.rdbuf();
      all += s.str();
    }
    return all;
  }

  fs::path root_;
  std::string dir_;
};

TEST_F(KeyStoreTest, SealsPerSubjectAndOpensAfterReopen) {
  auto store = Make(Kek('a'));
  ASSERT_NE(store, nullptr);
  StatusOr<SealedContent> a = store->Seal("patient-1", "note about Jane Roe");
  StatusOr<SealedContent> b = store->Seal("patient-2", "note about John Doe");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->key_id, b->key_id);
  StatusOr<SealedContent> a2 = store->Seal("patient-1", "second note");
  ASSERT_TRUE(a2.ok());
  EXPECT_EQ(a->key_id, a2->key_id);  // one data key a subject
  store.reset();
  StatusOr<std::unique_ptr<KeyStore>> again = KeyStore::Open(dir_, Kek('a'));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  StatusOr<std::string> open =
      (*again)->Unseal("patient-1", a->key_id, a->nonce, a->data);
  ASSERT_TRUE(open.ok()) << open.status().ToString();
  EXPECT_EQ(*open, "note about Jane Roe");
  // Content sealed for one subject does not open as another's.
  EXPECT_FALSE(
      (*again)->Unseal("patient-2", a->key_id, a->nonce, a->data).ok());
  // File names do not reveal subject ids, nor do the bytes hold keys in clear
  // or the subject ids.
  std::string bytes = AllBytes();
  EXPECT_EQ(bytes.find("patient-1"), std::string::npos);
  EXPECT_EQ(bytes.find("Jane"), std::string::npos);
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().find("patient"), std::string::npos);
  }
}

TEST_F(KeyStoreTest, WrongKekIsRefusedClearly) {
  ASSERT_NE(Make(Kek('a')), nullptr);
  StatusOr<std::unique_ptr<KeyStore>> s = KeyStore::Open(dir_, Kek('b'));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(s.status().message().find("key-encryption key"), std::string::npos);
  EXPECT_EQ(KeyStore::Open((root_ / "none").string(), Kek('a')).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(KeyStore::Create(dir_, Kek('a')).status().code(),
            StatusCode::kAlreadyExists);
}

TEST_F(KeyStoreTest, ShredDestroysTheKeyAndReadsSayShredded) {
  auto store = Make(Kek('a'));
  ASSERT_NE(store, nullptr);
  StatusOr<SealedContent> a = store->Seal("s1", "alpha");
  StatusOr<SealedContent> b = store->Seal("s2", "beta");
  ASSERT_TRUE(a.ok() && b.ok());
  StatusOr<std::string> id = store->Shred("s1");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(*id, a->key_id);
  // In this process (the cache is wiped) and in a fresh one.
  StatusOr<std::string> r = store->Unseal("s1", a->key_id, a->nonce, a->data);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsShredded(r.status())) << r.status().ToString();
  auto reopened = KeyStore::Open(dir_, Kek('a'));
  ASSERT_TRUE(reopened.ok());
  r = (*reopened)->Unseal("s1", a->key_id, a->nonce, a->data);
  EXPECT_TRUE(IsShredded(r.status())) << r.status().ToString();
  EXPECT_TRUE((*reopened)->IsShreddedSubject("s1"));
  EXPECT_FALSE((*reopened)->HasKey("s1"));
  // Other subjects are untouched; a shredded subject gets no new key.
  EXPECT_TRUE((*reopened)->Unseal("s2", b->key_id, b->nonce, b->data).ok());
  EXPECT_TRUE(IsShredded((*reopened)->Seal("s1", "new").status()));
  EXPECT_EQ((*reopened)->Shred("s1").status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ((*reopened)->Shred("never").status().code(), StatusCode::kNotFound);
}

TEST_F(KeyStoreTest, CreateKeysMakesEachNewSubjectsKeyOnceAndDurably) {
  auto store = Make(Kek('a'));
  ASSERT_NE(store, nullptr);
  StatusOr<SealedContent> old = store->Seal("kept", "before the batch");
  ASSERT_TRUE(old.ok());
  ASSERT_TRUE(store->Seal("gone", "x").ok());
  ASSERT_TRUE(store->Shred("gone").ok());
  const std::vector<std::string> subjects = {"p-1", "p-2",  "kept",
                                             "p-1", "gone", "p-3"};
  StatusOr<size_t> made = store->CreateKeys(subjects);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_EQ(*made, 3u);  // p-1, p-2, p-3: not the repeat, kept or gone
  for (const char* s : {"p-1", "p-2", "p-3", "kept"})
    EXPECT_TRUE(store->HasKey(s)) << s;
  EXPECT_FALSE(store->HasKey("gone"));
  EXPECT_TRUE(store->IsShreddedSubject("gone"));
  // No temporary file is left behind.
  for (const auto& e : fs::directory_iterator(dir_))
    EXPECT_NE(e.path().extension(), ".tmp") << e.path();
  // A second call has nothing to do; the existing key was not replaced.
  EXPECT_EQ(*store->CreateKeys(subjects), 0u);
  StatusOr<SealedContent> again = store->Seal("kept", "after");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->key_id, old->key_id);
  // The batch's keys are the ones Seal uses, and they outlive the process.
  StatusOr<SealedContent> p1 = store->Seal("p-1", "note");
  ASSERT_TRUE(p1.ok());
  store.reset();
  auto reopened = KeyStore::Open(dir_, Kek('a'));
  ASSERT_TRUE(reopened.ok());
  StatusOr<std::string> open =
      (*reopened)->Unseal("p-1", p1->key_id, p1->nonce, p1->data);
  ASSERT_TRUE(open.ok()) << open.status().ToString();
  EXPECT_EQ(*open, "note");
  EXPECT_TRUE(IsShredded((*reopened)->Seal("gone", "y").status()));
}

TEST_F(KeyStoreTest, RotationRewrapsWithoutTouchingContent) {
  auto store = Make(Kek('a'));
  ASSERT_NE(store, nullptr);
  StatusOr<SealedContent> a = store->Seal("s1", "alpha");
  StatusOr<SealedContent> b = store->Seal("s2", "beta");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(store->Shred("s2").ok());
  store.reset();
  EXPECT_EQ(KeyStore::Rotate(dir_, Kek('x'), Kek('b')).code(),
            StatusCode::kPermissionDenied);
  Status s = KeyStore::Rotate(dir_, Kek('a'), Kek('b'));
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(fs::exists(dir_ + ".rotating"));
  EXPECT_EQ(KeyStore::Open(dir_, Kek('a')).status().code(),
            StatusCode::kPermissionDenied);
  auto rotated = KeyStore::Open(dir_, Kek('b'));
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  StatusOr<std::string> r =
      (*rotated)->Unseal("s1", a->key_id, a->nonce, a->data);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "alpha");
  EXPECT_TRUE(IsShredded(
      (*rotated)->Unseal("s2", b->key_id, b->nonce, b->data).status()));
}

TEST_F(KeyStoreTest, KekFileMustBeMode0600AndHex) {
  std::string path = (root_ / "kek").string();
  StatusOr<std::string> hex = NewKekHex();
  ASSERT_TRUE(hex.ok());
  std::ofstream(path) << *hex << "\n";
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  StatusOr<std::string> k = LoadKekFile(path);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(k.status().message().find("0600"), std::string::npos);
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  k = LoadKekFile(path);
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_EQ(ToHex(std::span<const uint8_t>(
                reinterpret_cast<const uint8_t*>(k->data()), k->size())),
            *hex);
  std::ofstream(path) << "not hex";
  EXPECT_EQ(LoadKekFile(path).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadKekFile(path + ".missing").status().code(),
            StatusCode::kNotFound);
  setenv("CONSILIUM_TEST_KEK", hex->c_str(), 1);
  EXPECT_TRUE(LoadKekEnv("CONSILIUM_TEST_KEK").ok());
  unsetenv("CONSILIUM_TEST_KEK");
  EXPECT_EQ(LoadKekEnv("CONSILIUM_TEST_KEK").status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace consilium
