// `consilium kek new` and `consilium kek rotate` through the binary, on a key
// store made with the library: the old KEK no longer opens it, the new one
// does, content sealed before rotation still opens.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "common/key_store.h"
#include "tests/testing/paths.h"

namespace consilium {
namespace {

namespace fs = std::filesystem;
using testing::RunConsilium;

TEST(KekCliTest, NewWritesA0600KeyAndRotateRewraps) {
  char tmpl[] = "/tmp/consilium-kek-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  fs::path root = tmpl;
  std::string a = (root / "a.kek").string();
  std::string b = (root / "b.kek").string();
  int rc = 0;
  RunConsilium("kek new --out " + a, &rc);
  ASSERT_EQ(rc, 0);
  RunConsilium("kek new --out " + b, &rc);
  ASSERT_EQ(rc, 0);
  struct stat st {};
  ASSERT_EQ(stat(a.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string out = RunConsilium("kek new --out " + a, &rc);
  EXPECT_EQ(rc, 2) << out;  // never overwrites a key

  StatusOr<std::string> old_kek = LoadKekFile(a);
  StatusOr<std::string> new_kek = LoadKekFile(b);
  ASSERT_TRUE(old_kek.ok() && new_kek.ok());
  std::string data = (root / "data").string();
  SealedContent sealed;
  {
    auto store = KeyStore::Create(data + "/keys", *old_kek);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    StatusOr<SealedContent> s =
        (*store)->Seal("subject-7", "free text of the note");
    ASSERT_TRUE(s.ok());
    sealed = *s;
  }
  // A world-readable new key is refused before anything changes.
  ASSERT_EQ(chmod(b.c_str(), 0644), 0);
  out = RunConsilium(
      "kek rotate --data " + data + " --old " + a + " --new " + b, &rc);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("0600"), std::string::npos) << out;
  EXPECT_TRUE(KeyStore::Open(data + "/keys", *old_kek).ok());
  ASSERT_EQ(chmod(b.c_str(), 0600), 0);
  out = RunConsilium(
      "kek rotate --data " + data + " --old " + a + " --new " + b, &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(KeyStore::Open(data + "/keys", *old_kek).status().code(),
            StatusCode::kPermissionDenied);
  auto store = KeyStore::Open(data + "/keys", *new_kek);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  StatusOr<std::string> plain =
      (*store)->Unseal("subject-7", sealed.key_id, sealed.nonce, sealed.data);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(*plain, "free text of the note");
  // Rotating again with the retired key fails and changes nothing.
  out = RunConsilium(
      "kek rotate --data " + data + " --old " + a + " --new " + b, &rc);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_TRUE(KeyStore::Open(data + "/keys", *new_kek).ok());
  fs::remove_all(root);
}

}  // namespace
}  // namespace consilium
