#include "projections/internal/string_pool.h"

#include <gtest/gtest.h>

#include <string>

namespace consilium::projections::internal {
namespace {

// Interns `n` distinct ids, then checks every number and lookup.
void InternAndCheck(StringPool& pool, int n) {
  for (int i = 0; i < n; ++i) {
    auto [id, added] = pool.Intern("rec-" + std::to_string(i));
    EXPECT_TRUE(added);
    EXPECT_EQ(id, static_cast<uint32_t>(i));
  }
  EXPECT_EQ(pool.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const std::string s = "rec-" + std::to_string(i);
    EXPECT_EQ(pool.Find(s), static_cast<uint32_t>(i));
    EXPECT_EQ(pool.Get(i), s);
    auto [id, added] = pool.Intern(s);
    EXPECT_FALSE(added);
    EXPECT_EQ(id, static_cast<uint32_t>(i));
  }
  EXPECT_EQ(pool.Find("rec-" + std::to_string(n)), StringPool::kNone);
  EXPECT_EQ(pool.Find(""), StringPool::kNone);
}

TEST(StringPoolTest, NumbersStringsDenselyInFirstSeenOrder) {
  StringPool pool;
  EXPECT_EQ(pool.Find("x"), StringPool::kNone);  // empty pool
  InternAndCheck(pool, 5000);
}

TEST(StringPoolTest, ReserveBeforeAndAfterInterningKeepsEveryNumber) {
  StringPool reserved;
  reserved.Reserve(3000);
  InternAndCheck(reserved, 5000);  // past the reservation: grows as usual

  StringPool late;
  for (int i = 0; i < 100; ++i) late.Intern("rec-" + std::to_string(i));
  late.Reserve(10000);  // re-indexes the 100 already there
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(late.Find("rec-" + std::to_string(i)), static_cast<uint32_t>(i));
  late.Reserve(10);  // never shrinks
  EXPECT_EQ(late.Find("rec-99"), 99u);
}

TEST(StringPoolTest, EmptyStringIsAStringLikeAnyOther) {
  StringPool pool;
  EXPECT_EQ(pool.Intern("a").first, 0u);
  EXPECT_EQ(pool.Intern("").first, 1u);
  EXPECT_EQ(pool.Find(""), 1u);
  EXPECT_EQ(pool.Get(1), "");
  EXPECT_EQ(pool.Get(0), "a");
}

}  // namespace
}  // namespace consilium::projections::internal
