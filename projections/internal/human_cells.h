// The building blocks the analyses of projections/analytics.h share: the
// current human values of a project grouped by field ("cells"), the rating
// table of a field's cells, statistics and rates with their undefined
// reasons, and the strict plurality of a set of value keys. Private to
// projections/.
//
// Thread-safety: pure functions of their arguments (the state read only).
//
//   std::map<FieldKey, std::vector<Cell>> cells =
//       HumanCells(state, "icu-demo", nullptr);
//   StatusOr<statistics::RatingTable> t =
//       BuildTable(cells.begin()->second, statistics::Level::kNominal);
#ifndef CONSILIUM_PROJECTIONS_INTERNAL_HUMAN_CELLS_H_
#define CONSILIUM_PROJECTIONS_INTERNAL_HUMAN_CELLS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/status.h"
#include "projections/analytics.h"
#include "projections/analytics_state.h"
#include "statistics/agreement.h"
#include "statistics/rating_table.h"

namespace consilium::projections::internal {

// (schema id, version, path): how fields group.
using FieldKey = std::tuple<std::string, uint32_t, std::string>;

// One current human value. Points into the state it was taken from.
struct Cell {
  const AnnotationEntry* annotation;
  const schemas::ExtractedValue* value;
  std::string_view record;     // the annotation's, from the state's names
  std::string_view annotator;  // likewise
};

// Values compared between annotators: categories, ordinal levels, category
// sets and numbers.
bool Comparable(schemas::ValueKind kind);

// The rating-table label of a categorical-like value: ordinal levels by their
// rank (so the table's numeric order is the scale's order), numbers as
// numbers, categories as they are.
std::string TableLabel(const schemas::ExtractedValue& v);

// Categories and ordinal levels: the values a rating table holds.
bool Categorical(schemas::ValueKind kind);

statistics::Statistic Undefined(std::string reason, int64_t items = 0,
                                int64_t ratings = 0);
statistics::Statistic Defined(double v, int64_t items, int64_t ratings);

// matched / compared, undefined for the reason `nothing` when compared is 0.
RateStat Rate(int64_t compared, int64_t matched, const char* nothing);

// Every current human value of `project`, grouped by field, in (field,
// record, annotator) order. `records` (may be null) restricts the records.
std::map<FieldKey, std::vector<Cell>> HumanCells(
    const AnalyticsState& state, std::string_view project,
    const std::set<std::string, std::less<>>* records);

// The rating table of one field's cells (items are records, raters are
// annotators) at `level`; RatingTable::FromRatings's errors.
StatusOr<statistics::RatingTable> BuildTable(const std::vector<Cell>& cells,
                                             statistics::Level level);

// One field's agreement over `cells` (non-empty, all of field `key`), as
// ComputeFieldAgreement computes it (projections/analytics.cc); the report's
// bootstrap (projections/report_figures.cc) calls it on resampled cells.
FieldAgreement AgreementOfCells(const FieldKey& key,
                                const std::vector<Cell>& cells);

// The strict plurality of `keys` (a key with more votes than any other), or
// empty when there is none (no keys, or a tie at the top).
std::string Plurality(const std::vector<std::string>& keys);

}  // namespace consilium::projections::internal

#endif  // CONSILIUM_PROJECTIONS_INTERNAL_HUMAN_CELLS_H_
