#include "dataset/snapshot_tags.h"

#include <set>
#include <utility>

#include "domain/commands.h"
#include "domain/domain_state.h"

namespace consilium::dataset {

StatusOr<std::vector<SnapshotTag>> ListSnapshotTags(const Ledger& ledger) {
  std::vector<SnapshotTag> tags;
  std::set<std::string, std::less<>> names;
  RETURN_IF_ERROR(ledger.Scan(
      1, 0,
      [&](const StoredEvent& e) {
        const fb::SnapshotTagged* b = e.event()->body_as_SnapshotTagged();
        if (b == nullptr) return true;
        std::string name = b->name()->str();
        if (!names.insert(name).second) return true;  // the first one wins
        tags.push_back({std::move(name), b->project_id()->str(), b->as_of_seq(),
                        b->note() != nullptr ? b->note()->str() : "", e.seq});
        return true;
      },
      /*with_hashes=*/false));
  return tags;
}

StatusOr<SnapshotTag> FindSnapshotTag(const Ledger& ledger,
                                      std::string_view name) {
  ASSIGN_OR_RETURN(std::vector<SnapshotTag> tags, ListSnapshotTags(ledger));
  for (SnapshotTag& t : tags) {
    if (t.name == name) return std::move(t);
  }
  return NotFoundError("no snapshot tag \"" + std::string(name) + "\"");
}

StatusOr<Committed> SnapshotCommands::TagSnapshot(
    std::string_view actor, const SnapshotTaggedFields& tag) {
  RETURN_IF_ERROR(domain::CheckDomainId("tag name", tag.name));
  RETURN_IF_ERROR(domain::CheckDomainId("project id", tag.project_id));
  if (tag.as_of_seq == 0) {
    return InvalidArgumentError("tag " + std::string(tag.name) +
                                ": as_of_seq must be at least 1");
  }
  return domain::Single(core_->Exclusive(
      actor,
      [&](const domain::ExclusiveTxn& t) -> StatusOr<std::vector<EventDraft>> {
        if (t.state().FindProject(tag.project_id) == nullptr) {
          return NotFoundError("project " + std::string(tag.project_id) +
                               " not found");
        }
        RETURN_IF_ERROR(t.auth().AdminOfProject(tag.project_id));
        // Every committed event is applied under the exclusive gate, so
        // the state's position is the head and no tag is in flight.
        if (tag.as_of_seq > t.state().last_seq()) {
          return OutOfRangeError("tag " + std::string(tag.name) + ": event " +
                                 std::to_string(tag.as_of_seq) +
                                 " is beyond the ledger's " +
                                 std::to_string(t.state().last_seq()));
        }
        StatusOr<SnapshotTag> existing = FindSnapshotTag(*ledger_, tag.name);
        if (existing.ok()) {
          return AlreadyExistsError(
              "snapshot tag " + std::string(tag.name) + " already names " +
              existing->project + " as of event " +
              std::to_string(existing->as_of_seq) + " (tags never move)");
        }
        if (existing.status().code() != StatusCode::kNotFound) {
          return existing.status();
        }
        return domain::Drafts(
            MakeSnapshotTagged({std::string(actor), ""}, tag));
      }));
}

}  // namespace consilium::dataset
