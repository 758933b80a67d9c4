// A record document's text, as the de-identification gate screens it and a
// reviewer redacts it (docs/deid.md): the content {"images": [...], "text":
// "..."}'s "text" member, whose UTF-8 bytes the hits' offsets count. And the
// gate's rule for a record's metadata, which is stored in the clear.
#ifndef CONSILIUM_DOMAIN_INTERNAL_RECORD_TEXT_H_
#define CONSILIUM_DOMAIN_INTERNAL_RECORD_TEXT_H_

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "deid/detector.h"
#include "schemas/deid_events.h"

namespace consilium::domain::internal {

// The text of `content`; empty when it has none or is not a record document.
std::string RecordText(std::string_view content);

// `content` with each span of its text replaced by "[TYPE]" (the type in
// upper case: "[NAME]", "[DATE]"), canonical JSON again. InvalidArgument when
// a span is empty, outside the text, overlaps another or cuts a UTF-8
// character; `spans` need not be sorted.
StatusOr<std::string> RedactRecordText(std::string_view content,
                                       std::vector<PhiHitFields> spans);

// OK when no string or number in `metadata` (a JSON object; its values at
// any depth, each read with its member's name as a label: "mrn: 00123456",
// so the rules that need a label see one) holds what `detector` flags;
// otherwise InvalidArgument naming the first such value's path and the
// identifier type, e.g.
// `metadata.admitted holds what the de-identification gate reads as a date
// ...`. Metadata is never sealed, quarantined or redacted (docs/deid.md,
// "Metadata"), so an identifier there refuses the record.
Status CheckMetadataClean(const deid::Detector& detector,
                          std::string_view metadata);

}  // namespace consilium::domain::internal

#endif  // CONSILIUM_DOMAIN_INTERNAL_RECORD_TEXT_H_
