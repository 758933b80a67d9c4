#include "common/status.h"

#include <gtest/gtest.h>

namespace consilium {
namespace {

StatusOr<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgumentError(std::to_string(x) + " is odd");
  return x / 2;
}

Status Quarter(int x, int* out) {
  ASSIGN_OR_RETURN(int h, Half(x));
  ASSIGN_OR_RETURN(int q, Half(h));
  *out = q;
  return OkStatus();
}

TEST(StatusTest, CodesAndMessagesSurviveMacros) {
  int q = 0;
  EXPECT_TRUE(Quarter(8, &q).ok());
  EXPECT_EQ(q, 2);
  Status s = Quarter(6, &q);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "3 is odd");
  EXPECT_EQ(s.ToString(), "INVALID_ARGUMENT: 3 is odd");
}

TEST(StatusTest, WithContextPrefixesOnlyErrors) {
  EXPECT_TRUE(OkStatus().WithContext("line 3").ok());
  Status s = NotFoundError("no event 9").WithContext("line 3");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "line 3: no event 9");
}

}  // namespace
}  // namespace consilium
