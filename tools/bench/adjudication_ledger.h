// The ledger `bench adjudication` and `bench ws --adjudicators` work on: a
// project (overlap 3), a one-field ordinal schema, three annotators and
// `adjudicators` adjudicators registered through the command handler (so
// they are what the commands expect), then `items` records with three
// disagreeing annotations each, appended raw in large synced batches.
#ifndef CONSILIUM_TOOLS_BENCH_ADJUDICATION_LEDGER_H_
#define CONSILIUM_TOOLS_BENCH_ADJUDICATION_LEDGER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "ledger/ledger.h"

namespace consilium::cli {

inline constexpr std::string_view kBenchProject = "bench-adj";
// The three annotators' values of every record: ann-1 stable, ann-2
// guarded, ann-3 serious.
inline constexpr const char* kBenchLevels[] = {"stable", "guarded", "serious"};

// "adj-007" for i = 7.
std::string BenchAdjudicator(uint64_t i);

Status BuildAdjudicationLedger(Ledger& ledger, uint64_t items,
                               uint64_t adjudicators);

}  // namespace consilium::cli

#endif  // CONSILIUM_TOOLS_BENCH_ADJUDICATION_LEDGER_H_
