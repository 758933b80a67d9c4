// `consilium bench ws --adjudicators N`: the adjudicators' round trip over
// the WebSocket (docs/websocket.md, "Benchmark"). A scratch ledger with
// --items disputed items (three disagreeing annotations each) is served by
// the App's handlers on loopback; N Beast clients, one thread each, claim and
// decide over /v1/ws until --seconds pass or the queue is empty. Before
// that, N threads run the same claim+decide cycle through the library
// (AdjudicationCommands, the `bench adjudication` cycle) on the same App for
// as long: the ratio's baseline, in the same run. Issue 17's target: p99 of
// the claim -> decide round trip <= 20 ms and >= 5k decisions/s at 256.
#ifndef CONSILIUM_TOOLS_BENCH_BENCH_WS_ADJUDICATORS_H_
#define CONSILIUM_TOOLS_BENCH_BENCH_WS_ADJUDICATORS_H_

#include "tools/cli.h"

namespace consilium::cli {

// Flags: --adjudicators N (1-256), --items K, --seconds S, --dir, --json.
int RunWsAdjudicators(const Args& args);

}  // namespace consilium::cli

#endif  // CONSILIUM_TOOLS_BENCH_BENCH_WS_ADJUDICATORS_H_
