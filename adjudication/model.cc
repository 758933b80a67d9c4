#include "adjudication/model.h"

namespace consilium::adjudication {

// First commit: the API only (the bodies land in the next commits).
struct AdjudicationModel::Project {};
struct AdjudicationModel::Pending {};

AdjudicationModel::AdjudicationModel() = default;
AdjudicationModel::~AdjudicationModel() = default;
void AdjudicationModel::On(const domain::Applied&, const domain::Effect&) {}
void AdjudicationModel::OnWithState(const domain::DomainState&,
                                    const domain::Applied&,
                                    const domain::Effect&) {}
const Queue* AdjudicationModel::FindQueue(std::string_view) const {
  return nullptr;
}
const ItemInfo* AdjudicationModel::FindItem(std::string_view,
                                            const ItemKey&) const {
  return nullptr;
}
LeaseLookup AdjudicationModel::FindLease(uint64_t) const { return {}; }
size_t AdjudicationModel::Depth(std::string_view) const { return 0; }
std::vector<std::string> AdjudicationModel::Projects() const { return {}; }
std::string AdjudicationModel::DebugString() const { return ""; }
uint64_t AdjudicationModel::Subscribe(Listener) { return 0; }
void AdjudicationModel::Unsubscribe(uint64_t) {}
void AdjudicationModel::WaitDelivered() {}
Queue* AdjudicationModel::MutableQueue(std::string_view) { return nullptr; }

}  // namespace consilium::adjudication
