#include "adjudication/commands.h"

#include <utility>

namespace consilium::adjudication {

// First commit: the API only (the bodies land in the next commits).
namespace {
Status NotYet() { return InternalError("adjudication commands: not built yet"); }
}  // namespace

AdjudicationCommands::AdjudicationCommands(domain::WriteCore* core,
                                           AdjudicationModel* model,
                                           Clock* clock,
                                           AdjudicationOptions options)
    : core_(core), model_(model), clock_(clock), options_(std::move(options)) {}

StatusOr<Committed> AdjudicationCommands::SetPolicy(std::string_view,
                                                    std::string_view,
                                                    std::string_view) {
  return NotYet();
}
StatusOr<ClaimResult> AdjudicationCommands::Claim(std::string_view,
                                                  std::string_view,
                                                  std::optional<int64_t>) {
  return NotYet();
}
StatusOr<int64_t> AdjudicationCommands::Heartbeat(std::string_view, uint64_t) {
  return NotYet();
}
StatusOr<Committed> AdjudicationCommands::Release(std::string_view, uint64_t) {
  return NotYet();
}
StatusOr<Committed> AdjudicationCommands::Decide(std::string_view,
                                                 const DecideCommand&) {
  return NotYet();
}
StatusOr<Committed> AdjudicationCommands::Escalate(std::string_view, uint64_t,
                                                   std::string_view) {
  return NotYet();
}
StatusOr<std::vector<ExpiredLease>> AdjudicationCommands::ExpireDue(int64_t) {
  return NotYet();
}

}  // namespace consilium::adjudication
