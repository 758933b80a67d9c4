// AnnotationCommands: submit, revise and withdraw (docs/commands.md,
// "Annotation rules"). Each runs through WriteCore::Concurrent as three
// pieces: Check (phase A, under the state lock: a few lookups), Draft (B, no
// lock: validate the values, build the event), Recheck (C, only when
// something was applied since A); the core reserves the annotation id, so two
// commands on one annotation never both commit (the second is Aborted, or
// AlreadyExists for a submission).
//
// Thread-safety: every method may be called from any thread concurrently.
//
//   AnnotationCommands annotations(&core);
//   auto c = annotations.SubmitAnnotation("dr-a", {.annotation_id = "a-17",
//   ...});
#ifndef CONSILIUM_DOMAIN_ANNOTATION_COMMANDS_H_
#define CONSILIUM_DOMAIN_ANNOTATION_COMMANDS_H_

#include <span>
#include <string_view>

#include "common/status.h"
#include "domain/commands.h"
#include "domain/write_core.h"

namespace consilium::domain {

class AnnotationCommands {
 public:
  // `core` is not owned and must outlive this object.
  explicit AnnotationCommands(WriteCore* core) : core_(core) {}

  // Actor: the annotator, or an admin of the project acting for them.
  // Returns once durable and applied.
  StatusOr<Committed> SubmitAnnotation(std::string_view actor,
                                       const SubmitAnnotationCommand& cmd);
  // Aborted when `expected_revision` is not the current revision (nothing
  // appended); FailedPrecondition when withdrawn.
  StatusOr<Committed> ReviseAnnotation(std::string_view actor,
                                       const ReviseAnnotationCommand& cmd);
  StatusOr<Committed> WithdrawAnnotation(std::string_view actor,
                                         const WithdrawAnnotationCommand& cmd);

  // Asynchronous forms: validation and encoding run on the calling thread;
  // `done` runs once the event is durable and applied (on the ledger's
  // acknowledger thread, or its committer's for a store failure; keep it
  // short, never call a command set or wait on the ledger from it) or, for a
  // command rejected by validation, on the calling thread before this
  // returns.
  void SubmitAnnotationAsync(std::string_view actor,
                             const SubmitAnnotationCommand& cmd, Callback done);
  void ReviseAnnotationAsync(std::string_view actor,
                             const ReviseAnnotationCommand& cmd, Callback done);
  void WithdrawAnnotationAsync(std::string_view actor,
                               const WithdrawAnnotationCommand& cmd,
                               Callback done);

  // Bulk annotation commands, one per line (render::ParseAnnotationLines; a
  // line that could not be read is reported as rejected). Without `atomic`,
  // lines run concurrently (a line waits for earlier lines on the same
  // annotation id) and each succeeds or fails alone. With `atomic`, every
  // line is validated against the state plus the effects of the lines before
  // it, and all are appended in one write or none.
  BulkReport Annotate(std::string_view actor,
                      std::span<const AnnotationLine> lines, bool atomic);

 private:
  BulkReport AnnotateAtomic(std::string_view actor,
                            std::span<const AnnotationLine> lines);

  WriteCore* core_;
};

}  // namespace consilium::domain

#endif  // CONSILIUM_DOMAIN_ANNOTATION_COMMANDS_H_
