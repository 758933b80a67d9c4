// RatingTable: an item × rater table of categorical ratings with missing
// values. It is the input of every agreement statistic (statistics/
// agreement.h) and of Dawid–Skene aggregation (statistics/dawid_skene.h).
//
// Items, raters and categories are mapped to dense indices:
//   * items and raters in order of first appearance in the input;
//   * categories in sorted order of their labels: numeric order when every
//     label is a finite number ("2" < "10"; "1" and "1.0" are one category,
//     shown with the spelling seen first), byte-wise order otherwise. Weighted
//     kappas and the ordinal metric use this index (rank) order.
// Numeric labels keep their value (category_value) for the interval and
// ratio metrics.
//
// A rater may rate an item more than once (long CSV; Dawid and Skene 1979
// allow it). The table keeps every rating, in input order, for Dawid–Skene
// (`ratings()`, `item_ratings()`); agreement statistics see one rating per
// (item, rater): the last one in input order, as the ledger's "latest
// revision" (`current()`); `num_superseded_ratings()` counts the others.
//
// Thread-safety: immutable after construction; const methods may be called
// from any number of threads.
//
// Example:
//   StatusOr<RatingTable> t = RatingTable::FromWideCsv(
//       "item,ann1,ann2\nr1,yes,no\nr2,no,NA\n");
//   if (!t.ok()) return t.status();
//   for (const Rating& r : t->current_item(0)) Use(t->rater_name(r.rater));
#ifndef CONSILIUM_STATISTICS_RATING_TABLE_H_
#define CONSILIUM_STATISTICS_RATING_TABLE_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace consilium::statistics {

// Level of measurement of a field's values; selects Krippendorff's metric.
enum class Level { kNominal, kOrdinal, kInterval, kRatio };

// "nominal", "ordinal", "interval", "ratio".
std::string_view LevelName(Level level);

// Inverse of LevelName. InvalidArgument naming the accepted words otherwise.
StatusOr<Level> ParseLevel(std::string_view name);

// Category index of an absent rating.
inline constexpr int32_t kMissing = -1;

// One rating, by dense indices into the table's items, raters, categories.
struct Rating {
  int32_t item = 0;
  int32_t rater = 0;
  int32_t category = 0;
};

struct WideCsvOptions {
  // Whether the first column holds item ids. kAuto: it does when its header
  // cell is empty or one of item, item_id, id, unit, subject, record, task
  // (case-insensitive); otherwise every column is a rater and items are
  // named by their 1-based data row number ("1", "2", ...).
  enum class ItemColumn { kAuto, kFirst, kNone };
  ItemColumn item_column = ItemColumn::kAuto;
  // kInterval and kRatio require every rating to be a number.
  Level level = Level::kNominal;
};

struct LongCsvOptions {
  // kInterval and kRatio require every label to be a number.
  Level level = Level::kNominal;
};

class RatingTable {
 public:
  // Parses a wide CSV (RFC 4180; quoted fields may hold commas, doubled
  // quotes and newlines). The header row names the raters (after the item id
  // column, if any); each further row is one item. A cell that is empty or
  // `NA` is a missing rating. Unquoted fields are trimmed of spaces and tabs;
  // blank lines are skipped; a UTF-8 byte order mark is ignored.
  // Returns InvalidArgument with "line L, column C: ..." for: an empty input,
  // a malformed quoted field, a ragged row, an empty or duplicate rater name,
  // an empty or duplicate item id, a non-numeric value when options.level is
  // kInterval or kRatio.
  static StatusOr<RatingTable> FromWideCsv(std::string_view csv,
                                           const WideCsvOptions& options = {});

  // Parses a long CSV with a header of three columns, item,rater,label (also
  // accepted: task/unit/record/subject; worker/annotator/coder/performer;
  // value/rating). One row per rating; repeated (item, rater) rows are kept.
  // A row whose label is empty or `NA` registers the item and rater but adds
  // no rating. Returns InvalidArgument ("line L, column C: ...") for: a
  // missing or unrecognised header, a malformed quoted field, a ragged row,
  // an empty item id or rater name, a non-numeric label when options.level is
  // kInterval or kRatio.
  static StatusOr<RatingTable> FromLongCsv(std::string_view csv,
                                           const LongCsvOptions& options = {});

  // Builds a table from ratings already in index form (the projection
  // engine's and the benchmarks' entry point). `category_labels` may be in
  // any order: they are re-sorted by the rule above and the ratings' category
  // indices remapped. Ratings may be in any order; their relative order is
  // the "input order" for repeats. Returns InvalidArgument for an index out of
  // range, an empty or duplicate item id / rater name / category label, or a
  // non-numeric label when `level` is kInterval or kRatio.
  static StatusOr<RatingTable> FromRatings(
      std::vector<std::string> item_ids, std::vector<std::string> rater_names,
      std::vector<std::string> category_labels, std::vector<Rating> ratings,
      Level level = Level::kNominal);

  int32_t num_items() const { return static_cast<int32_t>(item_ids_.size()); }
  int32_t num_raters() const {
    return static_cast<int32_t>(rater_names_.size());
  }
  int32_t num_categories() const {
    return static_cast<int32_t>(category_labels_.size());
  }
  // Requires 0 <= index < the matching count.
  const std::string& item_id(int32_t item) const { return item_ids_[item]; }
  const std::string& rater_name(int32_t rater) const {
    return rater_names_[rater];
  }
  const std::string& category_label(int32_t category) const {
    return category_labels_[category];
  }

  // True when every category label is a finite number.
  bool numeric() const { return numeric_; }
  // The category's number; requires numeric().
  double category_value(int32_t category) const {
    return category_values_[category];
  }

  // Every rating, repeats included, grouped by item (ascending), then by
  // rater (ascending), then in input order.
  std::span<const Rating> ratings() const { return ratings_; }
  std::span<const Rating> item_ratings(int32_t item) const {
    return std::span<const Rating>(ratings_).subspan(
        rating_offsets_[item],
        rating_offsets_[item + 1] - rating_offsets_[item]);
  }
  int64_t num_ratings() const { return static_cast<int64_t>(ratings_.size()); }

  // One rating per (item, rater): the last in input order. Grouped by item,
  // then ascending rater; what agreement statistics use.
  std::span<const Rating> current() const { return current_; }
  std::span<const Rating> current_item(int32_t item) const {
    return std::span<const Rating>(current_).subspan(
        current_offsets_[item],
        current_offsets_[item + 1] - current_offsets_[item]);
  }
  int64_t num_current_ratings() const {
    return static_cast<int64_t>(current_.size());
  }
  // Ratings replaced by a later rating of the same rater on the same item.
  int64_t num_superseded_ratings() const {
    return num_ratings() - num_current_ratings();
  }

  // The current category of (item, rater), or kMissing.
  int32_t Cell(int32_t item, int32_t rater) const;

 private:
  RatingTable() = default;
  friend class RatingTableBuilder;

  std::vector<std::string> item_ids_;
  std::vector<std::string> rater_names_;
  std::vector<std::string> category_labels_;
  std::vector<double> category_values_;  // empty unless numeric_
  bool numeric_ = false;
  std::vector<Rating> ratings_;
  std::vector<int64_t> rating_offsets_{0};  // num_items + 1 entries
  std::vector<Rating> current_;
  std::vector<int64_t> current_offsets_{0};  // num_items + 1 entries
};

}  // namespace consilium::statistics

#endif  // CONSILIUM_STATISTICS_RATING_TABLE_H_
