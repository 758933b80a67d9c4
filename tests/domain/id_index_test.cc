#include "domain/internal/id_index.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace consilium::domain::internal {
namespace {

struct Entries {
  std::vector<std::string> ids;
  IdIndex index;
  std::string_view IdOf(uint32_t n) const { return ids[n]; }
  std::pair<uint32_t, bool> Add(const std::string& id) {
    auto r = index.Insert(id, static_cast<uint32_t>(ids.size()),
                          [&](uint32_t n) { return IdOf(n); });
    if (r.second) ids.push_back(id);
    return r;
  }
  uint32_t Find(std::string_view id) const {
    return index.Find(id, [&](uint32_t n) { return IdOf(n); });
  }
};

TEST(IdIndexTest, FindsEveryIdByItsNumberAcrossGrowth) {
  Entries e;
  EXPECT_EQ(e.Find("a-0"), IdIndex::kNone);  // empty index
  const int n = 20000;                       // many doublings
  for (int i = 0; i < n; ++i) {
    auto [number, added] = e.Add("a-" + std::to_string(i));
    EXPECT_TRUE(added);
    EXPECT_EQ(number, static_cast<uint32_t>(i));
  }
  EXPECT_EQ(e.index.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    EXPECT_EQ(e.Find("a-" + std::to_string(i)), static_cast<uint32_t>(i));
  EXPECT_EQ(e.Find("a-" + std::to_string(n)), IdIndex::kNone);
  EXPECT_EQ(e.Find(""), IdIndex::kNone);
}

TEST(IdIndexTest, InsertingAPresentIdReturnsItsNumberAndAddsNothing) {
  Entries e;
  e.Add("x");
  e.Add("y");
  auto [number, added] = e.Add("x");
  EXPECT_FALSE(added);
  EXPECT_EQ(number, 0u);
  EXPECT_EQ(e.index.size(), 2u);
  EXPECT_EQ(e.ids.size(), 2u);
}

// Short, similar ids in the smallest table (16 slots), where probes cross
// other ids' slots; the empty id is a valid key too.
TEST(IdIndexTest, SimilarIdsInASmallTableAreToldApart) {
  Entries e;
  std::vector<std::string> ids = {"", "a", "b", "ab", "ba", "a-1", "a-10"};
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(e.Add(ids[i]).first, static_cast<uint32_t>(i));
  }
  for (size_t i = 0; i < ids.size(); ++i)
    EXPECT_EQ(e.Find(ids[i]), static_cast<uint32_t>(i));
  EXPECT_EQ(e.Find("a-100"), IdIndex::kNone);
}

}  // namespace
}  // namespace consilium::domain::internal
