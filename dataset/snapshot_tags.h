// Snapshot tags (docs/snapshots.md, "Tags"): a name for a dataset version,
// recorded as a SnapshotTagged event, so that `snapshot export --tag NAME`
// always means the same project and ledger prefix.
//
// Tags are few and rarely read, so they are not kept in a projection: they
// are found by scanning the ledger's events (bodies only, no hashing). The
// first SnapshotTagged of a name is the tag; TagSnapshot refuses a second,
// so a later one can come only from a raw append and is ignored.
//
// Thread-safety: FindSnapshotTag and ListSnapshotTags read a const ledger;
// SnapshotCommands may be called from any thread (WriteCore orders it).
//
//   dataset::SnapshotCommands tags(&handler->core(), ledger.get());
//   auto c = tags.TagSnapshot("admin", {.name = "v1", .project_id = "p1",
//                                       .as_of_seq = 120});
//   auto tag = dataset::FindSnapshotTag(*ledger, "v1");  // as_of_seq 120
#ifndef CONSILIUM_DATASET_SNAPSHOT_TAGS_H_
#define CONSILIUM_DATASET_SNAPSHOT_TAGS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "domain/write_core.h"
#include "ledger/ledger.h"
#include "schemas/event.h"

namespace consilium::dataset {

struct SnapshotTag {
  std::string name;
  std::string project;
  uint64_t as_of_seq = 0;
  std::string note;
  uint64_t seq = 0;  // the SnapshotTagged event
};

// Every tag (the first event of each name), in sequence order. The ledger's
// Scan errors.
StatusOr<std::vector<SnapshotTag>> ListSnapshotTags(const Ledger& ledger);

// The tag `name`; NotFound when there is none.
StatusOr<SnapshotTag> FindSnapshotTag(const Ledger& ledger,
                                      std::string_view name);

class SnapshotCommands {
 public:
  // Neither is owned; both must outlive this object. `ledger` is the one
  // `core` writes to.
  SnapshotCommands(domain::WriteCore* core, const Ledger* ledger)
      : core_(core), ledger_(ledger) {}

  // Appends SnapshotTagged. InvalidArgument for a bad name (a domain id) or
  // as_of_seq 0; NotFound for an unknown project; OutOfRange when as_of_seq
  // is beyond the ledger's head; AlreadyExists when the name is taken;
  // PermissionDenied unless the actor is an admin of the project.
  StatusOr<Committed> TagSnapshot(std::string_view actor,
                                  const SnapshotTaggedFields& tag);

 private:
  domain::WriteCore* core_;
  const Ledger* ledger_;
};

}  // namespace consilium::dataset

#endif  // CONSILIUM_DATASET_SNAPSHOT_TAGS_H_
