#include "statistics/rating_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace consilium::statistics {
namespace {

std::vector<std::string> Categories(const RatingTable& t) {
  std::vector<std::string> out;
  for (int32_t c = 0; c < t.num_categories(); ++c) {
    out.push_back(t.category_label(c));
  }
  return out;
}

TEST(LevelTest, NamesRoundTrip) {
  for (Level l :
       {Level::kNominal, Level::kOrdinal, Level::kInterval, Level::kRatio}) {
    StatusOr<Level> parsed = ParseLevel(LevelName(l));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, l);
  }
  StatusOr<Level> bad = ParseLevel("cardinal");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(),
            "unknown level \"cardinal\" (expected nominal, ordinal, "
            "interval or ratio)");
}

TEST(WideCsvTest, ParsesItemColumnRatersAndMissingCells) {
  StatusOr<RatingTable> t =
      RatingTable::FromWideCsv("item,ann1,ann2\nr1,yes,no\nr2,NA,\nr3,no,no\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->num_items(), 3);
  ASSERT_EQ(t->num_raters(), 2);
  EXPECT_EQ(t->item_id(1), "r2");
  EXPECT_EQ(t->rater_name(0), "ann1");
  EXPECT_EQ(Categories(*t), (std::vector<std::string>{"no", "yes"}));
  EXPECT_FALSE(t->numeric());
  EXPECT_EQ(t->Cell(0, 0), 1);
  EXPECT_EQ(t->Cell(0, 1), 0);
  EXPECT_EQ(t->Cell(1, 0), kMissing);
  EXPECT_EQ(t->Cell(1, 1), kMissing);
  EXPECT_EQ(t->num_ratings(), 4);
  EXPECT_EQ(t->num_current_ratings(), 4);
  EXPECT_EQ(t->num_superseded_ratings(), 0);
  EXPECT_TRUE(t->current_item(1).empty());
}

TEST(WideCsvTest, WithoutItemHeaderEveryColumnIsARaterAndRowsAreNumbered) {
  StatusOr<RatingTable> t =
      RatingTable::FromWideCsv("\"rater1\",\"rater2\"\n4,4\n2,NA\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->num_raters(), 2);
  ASSERT_EQ(t->num_items(), 2);
  EXPECT_EQ(t->item_id(0), "1");
  EXPECT_EQ(t->item_id(1), "2");
  EXPECT_TRUE(t->numeric());
}

TEST(WideCsvTest, EmptyFirstHeaderCellMeansItemColumn) {
  // R's write.csv with row names.
  StatusOr<RatingTable> t = RatingTable::FromWideCsv("\"\",a,b\nx,1,2\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->num_raters(), 2);
  EXPECT_EQ(t->item_id(0), "x");
}

TEST(WideCsvTest, ItemColumnOptionOverridesDetection) {
  WideCsvOptions first;
  first.item_column = WideCsvOptions::ItemColumn::kFirst;
  StatusOr<RatingTable> a = RatingTable::FromWideCsv("case,r1\nc7,1\n", first);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->num_raters(), 1);
  EXPECT_EQ(a->item_id(0), "c7");

  WideCsvOptions none;
  none.item_column = WideCsvOptions::ItemColumn::kNone;
  StatusOr<RatingTable> b = RatingTable::FromWideCsv("item,r1\n3,1\n", none);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->num_raters(), 2);
  EXPECT_EQ(b->rater_name(0), "item");
}

TEST(WideCsvTest, NumericLabelsSortNumericallyAndEqualNumbersMerge) {
  StatusOr<RatingTable> t =
      RatingTable::FromWideCsv("item,a,b\nx,10,9\ny,2,1.0\nz,1,+2\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_TRUE(t->numeric());
  // "1.0" is seen before "1", "2" before "+2": first spellings win.
  EXPECT_EQ(Categories(*t), (std::vector<std::string>{"1.0", "2", "9", "10"}));
  EXPECT_EQ(t->category_value(3), 10.0);
  EXPECT_EQ(t->Cell(2, 0), 0);
  EXPECT_EQ(t->Cell(2, 1), 1);
}

TEST(WideCsvTest, TextLabelsSortByteWise) {
  StatusOr<RatingTable> t =
      RatingTable::FromWideCsv("item,a,b\nx,b,B\ny,10,a\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_FALSE(t->numeric());
  EXPECT_EQ(Categories(*t), (std::vector<std::string>{"10", "B", "a", "b"}));
}

TEST(WideCsvTest, QuotedFieldsFollowRfc4180) {
  const std::string csv =
      "\xEF\xBB\xBFitem,\"rater, one\",\"r\"\"2\"\r\n"
      "\"multi\nline\",\"a,b\", \"c\" \r\n"
      "plain , x ,\"\"\r\n";
  StatusOr<RatingTable> t = RatingTable::FromWideCsv(csv);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->rater_name(0), "rater, one");
  EXPECT_EQ(t->rater_name(1), "r\"2");
  ASSERT_EQ(t->num_items(), 2);
  EXPECT_EQ(t->item_id(0), "multi\nline");
  EXPECT_EQ(t->item_id(1), "plain");
  EXPECT_EQ(Categories(*t), (std::vector<std::string>{"a,b", "c", "x"}));
  EXPECT_EQ(t->Cell(1, 1), kMissing);  // "" is an empty cell
}

TEST(WideCsvTest, BlankLinesAreSkipped) {
  StatusOr<RatingTable> t = RatingTable::FromWideCsv("item,a\n\nx,1\n\n\ny,2");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->num_items(), 2);
}

TEST(WideCsvTest, HeaderOnlyGivesAnEmptyTable) {
  StatusOr<RatingTable> t = RatingTable::FromWideCsv("item,a,b\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->num_items(), 0);
  EXPECT_EQ(t->num_raters(), 2);
  EXPECT_EQ(t->num_categories(), 0);
}

struct BadWide {
  const char* name;
  std::string csv;
  Level level;
  const char* message;
};

class WideCsvErrorTest : public ::testing::TestWithParam<BadWide> {};

TEST_P(WideCsvErrorTest, RejectsWithLineAndColumn) {
  WideCsvOptions options;
  options.level = GetParam().level;
  StatusOr<RatingTable> t = RatingTable::FromWideCsv(GetParam().csv, options);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(t.status().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, WideCsvErrorTest,
    ::testing::Values(
        BadWide{"Empty", "", Level::kNominal,
                "empty CSV: expected a header row of raters"},
        BadWide{"RaggedRow", "item,a,b\nx,1,2\ny,1\n", Level::kNominal,
                "line 3: row has 2 fields but the header has 3 (ragged row)"},
        BadWide{"DuplicateItem", "item,a\nx,1\ny,2\nx,3\n", Level::kNominal,
                "line 4, column 1: duplicate item id \"x\" (first on line 2)"},
        BadWide{"EmptyItem", "item,a\n,1\n", Level::kNominal,
                "line 2, column 1: empty item id"},
        BadWide{"DuplicateRater", "item,a,b,a\n", Level::kNominal,
                "line 1, column 4: duplicate rater name \"a\" (also column "
                "2)"},
        BadWide{"EmptyRater", "item,a,,b\n", Level::kNominal,
                "line 1, column 3: empty rater name in the header"},
        BadWide{"NoRater", "item\n", Level::kNominal,
                "line 1, column 1: header names no rater column"},
        BadWide{"NonNumericInterval", "item,a,b\nx,1,2\ny,3,high\n",
                Level::kInterval,
                "line 3, column 3: value \"high\" is not a number (level "
                "interval needs numbers)"},
        BadWide{"NonNumericRatio", "a,b\n1,inf\n", Level::kRatio,
                "line 2, column 2: value \"inf\" is not a number (level ratio "
                "needs numbers)"},
        BadWide{"UnclosedQuote", "item,a\nx,\"open\n", Level::kNominal,
                "line 2, column 2: quoted field is not closed"},
        BadWide{"StrayQuote", "item,a\nx,ab\"c\n", Level::kNominal,
                "line 2, column 2: stray '\"' inside an unquoted field (quote "
                "the whole field and double the quotes inside it)"},
        BadWide{"TextAfterQuote", "item,a\nx,\"ab\"c\n", Level::kNominal,
                "line 2, column 2: unexpected character 'c' after the closing "
                "quote (expected ',' or end of line)"},
        BadWide{"LineCountsPhysicalLines", "item,a\n\"x\ny\",1\nz\n",
                Level::kNominal,
                "line 4: row has 1 fields but the header has 2 (ragged "
                "row)"}),
    [](const ::testing::TestParamInfo<BadWide>& param_info) {
      return std::string(param_info.param.name);
    });

TEST(LongCsvTest, KeepsRepeatedRatingsAndUsesTheLastAsCurrent) {
  StatusOr<RatingTable> t = RatingTable::FromLongCsv(
      "item,rater,label\n"
      "t1,w1,no\n"
      "t1,w2,yes\n"
      "t1,w1,yes\n"
      "t2,w1,no\n"
      "t1,w1,maybe\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->num_items(), 2);
  EXPECT_EQ(t->num_raters(), 2);
  EXPECT_EQ(t->num_ratings(), 5);
  EXPECT_EQ(t->num_current_ratings(), 3);
  EXPECT_EQ(t->num_superseded_ratings(), 2);
  EXPECT_EQ(Categories(*t), (std::vector<std::string>{"maybe", "no", "yes"}));
  // Grouped by item, then rater, then input order.
  std::span<const Rating> t1 = t->item_ratings(0);
  ASSERT_EQ(t1.size(), 4u);
  EXPECT_EQ(t1[0].rater, 0);
  EXPECT_EQ(t1[0].category, 1);  // no
  EXPECT_EQ(t1[1].category, 2);  // yes
  EXPECT_EQ(t1[2].category, 0);  // maybe
  EXPECT_EQ(t1[3].rater, 1);
  EXPECT_EQ(t->Cell(0, 0), 0);  // last: maybe
  EXPECT_EQ(t->Cell(0, 1), 2);
  EXPECT_EQ(t->Cell(1, 1), kMissing);
}

TEST(LongCsvTest, AcceptsCrowdKitHeaderAndMissingLabels) {
  StatusOr<RatingTable> t = RatingTable::FromLongCsv(
      "task,worker,label\nt1,w1,1\nt2,w2,NA\nt3,w1,\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->num_items(), 3);
  EXPECT_EQ(t->num_raters(), 2);
  EXPECT_EQ(t->num_ratings(), 1);
  EXPECT_TRUE(t->item_ratings(1).empty());
}

TEST(LongCsvTest, RequiresTheHeader) {
  StatusOr<RatingTable> t = RatingTable::FromLongCsv("t1,w1,yes\nt2,w1,no\n");
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(t.status().message(),
            "line 1: long CSV needs the header item,rater,label (got "
            "\"t1,w1,yes\")");
}

TEST(LongCsvTest, RejectsRaggedRowsEmptyIdsAndNonNumbers) {
  EXPECT_EQ(
      RatingTable::FromLongCsv("item,rater,label\nt1,w1\n").status().message(),
      "line 2: row has 2 fields but the header has 3 (ragged row)");
  EXPECT_EQ(
      RatingTable::FromLongCsv("item,rater,label\n,w1,a\n").status().message(),
      "line 2, column 1: empty item id");
  EXPECT_EQ(
      RatingTable::FromLongCsv("item,rater,label\nt,,a\n").status().message(),
      "line 2, column 2: empty rater name");
  LongCsvOptions interval;
  interval.level = Level::kInterval;
  StatusOr<RatingTable> t =
      RatingTable::FromLongCsv("item,rater,label\nt,w,1\nt,v,x\n", interval);
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(t.status().message(),
            "line 3, column 3: label \"x\" is not a number (level interval "
            "needs numbers)");
}

TEST(FromRatingsTest, ResortsCategoriesAndRemapsRatings) {
  StatusOr<RatingTable> t =
      RatingTable::FromRatings({"i0", "i1"}, {"r0", "r1"}, {"3", "1", "2"},
                               {{1, 1, 0}, {0, 0, 1}, {0, 1, 2}, {1, 0, 1}});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(Categories(*t), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(t->Cell(0, 0), 0);
  EXPECT_EQ(t->Cell(0, 1), 1);
  EXPECT_EQ(t->Cell(1, 1), 2);
  EXPECT_EQ(t->item_ratings(1)[0].rater, 0);  // regrouped by item, rater
}

TEST(FromRatingsTest, RejectsBadIndicesAndNames) {
  StatusOr<RatingTable> out_of_range =
      RatingTable::FromRatings({"i"}, {"r"}, {"a"}, {{0, 1, 0}});
  EXPECT_EQ(out_of_range.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out_of_range.status().message(),
            "rating 0 (item 0, rater 1, category 0) has an index out of "
            "range");
  StatusOr<RatingTable> duplicate =
      RatingTable::FromRatings({"i", "i"}, {"r"}, {"a"}, {});
  EXPECT_EQ(duplicate.status().message(), "duplicate item id \"i\"");
  StatusOr<RatingTable> empty_label =
      RatingTable::FromRatings({"i"}, {"r"}, {""}, {});
  EXPECT_EQ(empty_label.status().message(), "category label 0 is empty");
  StatusOr<RatingTable> not_number =
      RatingTable::FromRatings({"i"}, {"r"}, {"1", "b"}, {}, Level::kRatio);
  EXPECT_EQ(not_number.status().message(),
            "label \"b\" is not a number (level ratio needs numbers)");
}

}  // namespace
}  // namespace consilium::statistics
