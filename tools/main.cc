// consilium: the command-line tool and the server.
// Each subcommand lives in tools/cmd_*.cc and registers itself in
// cli::Commands(); cli::Main picks the longest matching word sequence.
#include <malloc.h>

#include "tools/cli.h"

int main(int argc, char** argv) {
  // Allocations of 1 MiB and more (RocksDB's memtable arena blocks, large
  // buffers) come from mmap and go back to the system when freed. glibc
  // otherwise raises this threshold to the largest block freed so far, so
  // after the first memtable flush they came from the heap and a long-running
  // server's RSS crept up by a few MB a minute (docs/server.md, "Memory").
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  return consilium::cli::Main(argc, argv);
}
