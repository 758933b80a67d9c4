// The ledger prefix a snapshot-like export names (tools/cmd_snapshot.cc):
// --as-of SEQ or --tag NAME, shared by `snapshot export` and `export
// label-studio`.
#ifndef CONSILIUM_TOOLS_SNAPSHOT_ARGS_H_
#define CONSILIUM_TOOLS_SNAPSHOT_ARGS_H_

#include <cstdint>
#include <string>

#include "common/status.h"
#include "ledger/ledger.h"
#include "tools/cli.h"

namespace consilium::cli {

// Exactly one of --as-of and --tag (InvalidArgument), the tag of --project
// (InvalidArgument naming the tag's project otherwise; NotFound unknown),
// 1 <= SEQ <= head (OutOfRange). Sets `tag` when asked by a tag.
StatusOr<uint64_t> SnapshotSize(const Args& args, const Ledger& ledger,
                                std::string* tag);

}  // namespace consilium::cli

#endif  // CONSILIUM_TOOLS_SNAPSHOT_ARGS_H_
