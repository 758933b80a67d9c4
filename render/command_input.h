// Command input: JSON lines -> the domain's command structs. Transport work
// at the edge (docs/design/write-side.md, section 1): the CLI reads a file of
// JSON lines and calls these, and the server will do the same with request
// bodies; the command sets (domain/commands.h) take only parsed commands.
//
// Every line goes through the strict JSON reader (common/strict_json.h): a
// key given twice is an error named by its path (`duplicate key
// "metadata.site"`); unknown keys are rejected (`colour: unknown key`).
// Messages are docs/commands.md's ("Records", "Bulk annotation").
//
// Thread-safety: pure functions.
//
//   std::vector<domain::RecordLine> in = render::ParseRecordLines(lines);
//   auto report = handler->ImportRecords("admin", "p1", in, /*atomic=*/false);
#ifndef CONSILIUM_RENDER_COMMAND_INPUT_H_
#define CONSILIUM_RENDER_COMMAND_INPUT_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "domain/commands.h"

namespace consilium::render {

// One `consilium import records` line -> the record to import (id, canonical
// content, canonical metadata). InvalidArgument naming the key, prefixed by
// "record ID" once the id is known.
StatusOr<domain::ImportRecordCommand> ParseRecordLine(std::string_view line);

// One `consilium annotate` line. InvalidArgument naming the key.
StatusOr<domain::AnnotationCommand> ParseAnnotationLine(std::string_view line);

// Every non-blank line (blank: only spaces, tabs and CRs), with its 1-based
// line number, parsed or with the reason it could not be.
std::vector<domain::RecordLine> ParseRecordLines(
    std::span<const std::string> lines);
std::vector<domain::AnnotationLine> ParseAnnotationLines(
    std::span<const std::string> lines);

// "dx-reasoning@3" -> ("dx-reasoning", 3). InvalidArgument otherwise.
StatusOr<std::pair<std::string, uint32_t>> ParseSchemaRef(std::string_view ref);

}  // namespace consilium::render

#endif  // CONSILIUM_RENDER_COMMAND_INPUT_H_
