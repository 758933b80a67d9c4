#include "domain/commands.h"

#include "domain/internal/command_util.h"

namespace consilium::domain {

using internal::Quote;

// Ids appear in index keys, CLI arguments and messages, so nothing that needs
// quoting or escaping.
Status CheckDomainId(std::string_view what, std::string_view id) {
  if (id.empty())
    return InvalidArgumentError(std::string(what) + " is required");
  bool ok = id.size() <= kMaxIdBytes;
  for (char c : id) {
    if (!ok) break;
    ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
         c == ':' || c == '/' || c == '@';
  }
  if (!ok) {
    return InvalidArgumentError(
        std::string(what) + " " + Quote(id.substr(0, 64)) +
        ": ids are 1-256 bytes of letters, digits and - _ . : / @");
  }
  return OkStatus();
}

const std::string& AnnotationCommand::annotation_id() const {
  switch (op) {
    case Op::kSubmit:
      return submit.annotation_id;
    case Op::kRevise:
      return revise.annotation_id;
    case Op::kWithdraw:
      return withdraw.annotation_id;
  }
  return submit.annotation_id;
}

}  // namespace consilium::domain
