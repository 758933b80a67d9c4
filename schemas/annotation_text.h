// Free text of annotation values on an encrypted ledger (docs/encryption.md,
// "Annotation free text"). An annotation's values mix what the projections
// count (categories, numbers, spans, regions) with free text (findings, the
// reasons of a differential). On an encrypted ledger the free text ("text"
// fields, at any depth) leaves the values, a mark in its place, and is
// sealed under the record's subject's data key in the event's
// `sealed_text`; the rest stays readable, so agreement, queues and proofs
// need no key. Readers that serve or export
// the values put the text back with OpenAnnotationValues.
//
// Thread-safety: pure functions (the key store's loading is thread-safe).
//
//   ASSIGN_OR_RETURN(SplitText split, SplitFreeText(schema, values));
//   // store split.counted in `values`; seal split.text when not empty
//   ASSIGN_OR_RETURN(std::string whole,
//                    OpenAnnotationValues(b->values(), b->sealed_text(),
//                                         keys, "annotation a-1"));
#ifndef CONSILIUM_SCHEMAS_ANNOTATION_TEXT_H_
#define CONSILIUM_SCHEMAS_ANNOTATION_TEXT_H_

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "schemas/event.h"
#include "schemas/sealed_content.h"
#include "schemas/task_schema.h"

namespace consilium {

// What stands in `values` for each sealed text: one code point (U+2588
// FULL BLOCK), so the values still validate against their schema (a
// required text field is present; every max_length is at least 1) and the
// projections extract from them exactly what they extract from the whole.
inline constexpr std::string_view kSealedTextMark = "\u2588";

// Values in two parts. `counted`: the values with each free-text field's
// string replaced by kSealedTextMark (the keys in their order, written
// compactly). `text`: a canonical JSON object from each such field's JSON
// Pointer ("/differential/0/excluded_because") to its string; empty when the
// values hold no free text (then `counted` is the values unchanged).
struct SplitText {
  std::string counted;
  std::string text;
};

// Splits `values`, which ValidateAnnotation accepted for `schema`.
// InvalidArgument when `values` is not a JSON object.
StatusOr<SplitText> SplitFreeText(const schemas::TaskSchema& schema,
                                  std::string_view values);

// What a write of annotation values stores: on an encrypted ledger
// (`keys.encrypted`) the values split by SplitFreeText, their text sealed for
// `subject` into `*sealed`; on a plain one the values unchanged and no text.
// FailedPrecondition, prefixed by `what` ("annotation a-1"), when the values
// hold free text and no key store is open; the store's errors.
StatusOr<SplitText> SealFreeText(const ContentKeys& keys,
                                 const schemas::TaskSchema& schema,
                                 std::string_view values,
                                 std::string_view subject,
                                 std::string_view what, SealedContent* sealed);

// `counted` with the free text of `text` (SplitFreeText's object) put back
// at its pointers; `counted` unchanged when `text` is empty. DataLoss when
// either is not what SplitFreeText writes (a pointer to no mark, a value
// that is not a string).
StatusOr<std::string> MergeFreeText(std::string_view counted,
                                    std::string_view text);

// The values payload and sealed text of an annotation revision event
// (AnnotationSubmitted or AnnotationRevised); nullopt for any other event.
struct RevisionPayloads {
  const fb::Payload* values = nullptr;
  const fb::Payload* sealed_text = nullptr;  // null when none
};
std::optional<RevisionPayloads> RevisionPayloadsOf(const fb::Event& event);

// The values of a stored AnnotationSubmitted, AnnotationRevised or
// GoldAnswerRecorded as they were given: `values` as stored when
// `sealed_text` is absent; otherwise its text opened with `keys` and merged.
// OpenPayload's errors, named by `what` ("annotation a-1"): the shredded
// error (IsShredded) after the subject's key was shredded,
// FailedPrecondition naming the KEK when no key store is open.
StatusOr<std::string> OpenAnnotationValues(const fb::Payload* values,
                                           const fb::Payload* sealed_text,
                                           const ContentKeys& keys,
                                           std::string_view what);

// The values for serving when the free text may be gone: the merged values,
// or, when the subject's key was shredded, the counted part alone with
// `*text_shredded` set. Other errors as OpenAnnotationValues.
StatusOr<std::string> OpenAnnotationValuesOrCounted(
    const fb::Payload* values, const fb::Payload* sealed_text,
    const ContentKeys& keys, std::string_view what, bool* text_shredded);

}  // namespace consilium

#endif  // CONSILIUM_SCHEMAS_ANNOTATION_TEXT_H_
