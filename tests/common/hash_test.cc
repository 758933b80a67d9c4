#include "common/hash.h"

#include <gtest/gtest.h>

namespace consilium {
namespace {

TEST(HashTest, KnownAnswersFromRfc9162Vectors) {
  EXPECT_EQ(ToHex(EmptyTreeHash()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(ToHex(LeafHash({})),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

TEST(HashTest, IncrementalMatchesOneShot) {
  Sha256Hasher h;
  h.Update(std::string_view("ab"));
  h.Update(std::string_view("c"));
  EXPECT_EQ(h.Finish(), Sha256(std::string_view("abc")));
  EXPECT_EQ(ToHex(Sha256(std::string_view("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(HashTest, HexRoundTripAndErrors) {
  auto raw = FromHex("00fFa0");
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(*raw, std::string("\x00\xff\xa0", 3));
  EXPECT_EQ(FromHex("abc").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FromHex("zz").status().message(), "not a hex digit at offset 0");
  EXPECT_EQ(Hash256FromHex("00").status().code(), StatusCode::kInvalidArgument);
}

TEST(HashTest, Base64RoundTripsEveryLength) {
  std::string s;
  for (int n = 0; n < 40; ++n) {
    auto back = FromBase64(ToBase64(s));
    ASSERT_TRUE(back.ok()) << n;
    EXPECT_EQ(*back, s);
    s.push_back(static_cast<char>(n * 37));
  }
  EXPECT_EQ(ToBase64(std::string_view("foobar")), "Zm9vYmFy");
  EXPECT_EQ(ToBase64(std::string_view("fo")), "Zm8=");
}

TEST(HashTest, Base64IsStrict) {
  EXPECT_EQ(FromBase64("Zm8").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FromBase64("Zm!=").status().message(),
            "invalid base64 character at offset 2");
  EXPECT_EQ(FromBase64("Zm9=").status().message(),
            "base64 has non-zero padding bits");
  EXPECT_EQ(Hash256FromBase64("Zm8=").status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace consilium
