// Bulk domain commands from raw JSON lines, as the CLI runs them: the lines
// are read by render/command_input.h, then the handler runs the commands.
#ifndef CONSILIUM_TESTS_TESTING_COMMAND_LINES_H_
#define CONSILIUM_TESTS_TESTING_COMMAND_LINES_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/command_handler.h"
#include "render/command_input.h"

namespace consilium::testing {

inline StatusOr<domain::BulkReport> ImportLines(
    domain::CommandHandler& handler, std::string_view actor,
    std::string_view project, std::span<const std::string> lines, bool atomic) {
  std::vector<domain::RecordLine> parsed = render::ParseRecordLines(lines);
  return handler.ImportRecords(actor, project, parsed, atomic);
}

inline domain::BulkReport AnnotateLines(domain::CommandHandler& handler,
                                        std::string_view actor,
                                        std::span<const std::string> lines,
                                        bool atomic) {
  std::vector<domain::AnnotationLine> parsed =
      render::ParseAnnotationLines(lines);
  return handler.Annotate(actor, parsed, atomic);
}

}  // namespace consilium::testing

#endif  // CONSILIUM_TESTS_TESTING_COMMAND_LINES_H_
