#include "dataset/outcomes.h"

#include <string>
#include <utility>

namespace consilium::dataset {

std::vector<const projections::AdjudicationDecision*> RecordOutcomes(
    const projections::AnalyticsState& state, std::string_view record) {
  std::vector<const projections::AdjudicationDecision*> out;
  const auto& decisions = state.decisions();  // (record, path), sorted
  for (auto it = decisions.lower_bound({std::string(record), std::string()});
       it != decisions.end() && it->first.first == record; ++it) {
    out.push_back(&it->second);
  }
  return out;
}

}  // namespace consilium::dataset
