#include "common/aead.h"

#include <gtest/gtest.h>

#include <string>

namespace consilium {
namespace {

const std::string kKey(32, 'k');
const std::string kNonce(12, 'n');

TEST(AeadTest, RoundTripsAndHidesThePlaintext) {
  const std::string text = "Patient Jane Roe, seen 2026-03-01";
  StatusOr<std::string> sealed = AeadSeal(kKey, kNonce, text, "aad");
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  EXPECT_EQ(sealed->size(), text.size() + kAeadTagBytes);
  EXPECT_EQ(sealed->find("Jane"), std::string::npos);
  StatusOr<std::string> open = AeadOpen(kKey, kNonce, *sealed, "aad");
  ASSERT_TRUE(open.ok()) << open.status().ToString();
  EXPECT_EQ(*open, text);
}

TEST(AeadTest, MatchesTheNistGcmVectorForAnEmptyMessage) {
  // NIST GCM test case 13: zero key and nonce, empty plaintext.
  StatusOr<std::string> sealed =
      AeadSeal(std::string(32, '\0'), std::string(12, '\0'), "", "");
  ASSERT_TRUE(sealed.ok());
  const unsigned char tag[] = {0x53, 0x0f, 0x8a, 0xfb, 0xc7, 0x45, 0x36, 0xb9,
                               0xa9, 0x63, 0xb4, 0xf1, 0xc4, 0xcb, 0x73, 0x8b};
  EXPECT_EQ(*sealed, std::string(reinterpret_cast<const char*>(tag), 16));
}

TEST(AeadTest, RefusesWrongKeyAadOrAlteredBytes) {
  StatusOr<std::string> sealed = AeadSeal(kKey, kNonce, "secret", "a");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(
      AeadOpen(std::string(32, 'x'), kNonce, *sealed, "a").status().code(),
      StatusCode::kDataLoss);
  EXPECT_EQ(AeadOpen(kKey, kNonce, *sealed, "b").status().code(),
            StatusCode::kDataLoss);
  std::string altered = *sealed;
  altered[0] ^= 1;
  EXPECT_EQ(AeadOpen(kKey, kNonce, altered, "a").status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(AeadOpen(kKey, kNonce, "short", "a").status().code(),
            StatusCode::kDataLoss);
}

TEST(AeadTest, RejectsBadKeyAndNonceSizes) {
  EXPECT_EQ(AeadSeal("short", kNonce, "x", "").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(AeadSeal(kKey, "n", "x", "").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(AeadTest, RandomBytesDiffer) {
  StatusOr<std::string> a = RandomBytes(16);
  StatusOr<std::string> b = RandomBytes(16);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 16u);
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace consilium
