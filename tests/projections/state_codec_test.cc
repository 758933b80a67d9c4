// The analytics checkpoint's codec (projections/internal/state_codec.cc):
// a state that does not decode is DataLoss naming where the first error is.
// Round trips are properties in engine_test.cc.
#include <gtest/gtest.h>

#include <string>

#include "projections/analytics_state.h"

namespace consilium::projections {
namespace {

// The bytes of an empty state with `from` replaced by `to`.
std::string EmptyStateWith(const std::string& from, const std::string& to) {
  std::string bytes = AnalyticsState().Serialize();
  const size_t at = bytes.find(from);
  EXPECT_NE(at, std::string::npos) << bytes;
  return at == std::string::npos ? bytes : bytes.replace(at, from.size(), to);
}

TEST(StateCodecTest, EmptyStateRoundTrips) {
  const std::string bytes = AnalyticsState().Serialize();
  StatusOr<AnalyticsState> s = AnalyticsState::Deserialize(bytes);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->Serialize(), bytes);
}

TEST(StateCodecTest, ErrorsNameThePathOfTheFirstError) {
  struct Case {
    std::string from, to, message;
  };
  const Case cases[] = {
      {"\"last_seq\":0", "\"last_seq\":\"x\"",
       "projection state: last_seq: expected an unsigned integer"},
      {"\"format\":2", "\"format\":9",
       "projection state: the document: unknown format 9"},
      // A format-1 checkpoint (it kept the access events) is not read: the
      // engine rebuilds the state instead.
      {"\"format\":2", "\"format\":1",
       "projection state: the document: unknown format 1"},
      {"\"principals\":[]", "\"principals\":[[\"p1\",1,\"ps\"]]",
       "projection state: principals[0][1]: expected a boolean"},
      {"\"principals\":[]", "\"principals\":[[\"p1\",true]]",
       "projection state: principals[0]: expected 3 items"},
      {"\"annotations\":[]", "\"annotations\":[{\"id\":\"a\"}]",
       "projection state: annotations[0]: missing key \"project\""},
      {",\"decisions\":[]", "",
       "projection state: the document: missing key "
       "\"decisions\""},
  };
  for (const Case& c : cases) {
    StatusOr<AnalyticsState> s =
        AnalyticsState::Deserialize(EmptyStateWith(c.from, c.to));
    ASSERT_FALSE(s.ok()) << c.to;
    EXPECT_EQ(s.status().code(), StatusCode::kDataLoss);
    EXPECT_EQ(s.status().message(), c.message);
  }
}

TEST(StateCodecTest, DuplicateKeysAndTrailingDataAreDataLoss) {
  for (const std::string& bytes :
       {EmptyStateWith("\"last_seq\":0", "\"last_seq\":0,\"last_seq\":0"),
        AnalyticsState().Serialize() + "x", std::string("not json")}) {
    StatusOr<AnalyticsState> s = AnalyticsState::Deserialize(bytes);
    ASSERT_FALSE(s.ok()) << bytes;
    EXPECT_EQ(s.status().code(), StatusCode::kDataLoss);
  }
}

}  // namespace
}  // namespace consilium::projections
