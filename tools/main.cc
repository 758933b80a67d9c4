// consilium: the command-line tool and (later) the server.
// Each subcommand lives in tools/cmd_*.cc and registers itself in
// cli::Commands(); cli::Main picks the longest matching word sequence.
#include "tools/cli.h"

int main(int argc, char** argv) { return consilium::cli::Main(argc, argv); }
