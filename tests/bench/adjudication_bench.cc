// Claim latency of the adjudication queue (adjudication/queue.h) at 10k and
// 1M queued items: CheckClaim alone, and the claim cycle the server runs
// (CheckClaim, Apply Claimed, Apply Released, which puts the item back where
// it was, so the queue size stays fixed). "Conflicted" runs claim for an
// adjudicator who annotated the first 1,000 items in claim order, so every
// claim takes the exclusion index's binary search instead of the head.
//
//   adjudication_bench --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "adjudication/queue.h"

namespace consilium::adjudication {
namespace {

constexpr int64_t kNow = 1'790'000'000'000'000;
constexpr size_t kConflicted = 1000;

// A queue of `n` disputed items (three annotators from a pool of 200, values
// split 2:1). "k-busy" annotated the first kConflicted records; records are
// added oldest first with equal priority, so they are the head of the queue.
std::unique_ptr<Queue> Filled(size_t n) {
  auto q = std::make_unique<Queue>(ProjectPolicy::Default("p", 3));
  uint64_t seq = 0;
  for (size_t i = 0; i < n; ++i) {
    FieldView v;
    for (size_t k = 0; k < 3; ++k) {
      const std::string who = i < kConflicted && k == 0
                                  ? "k-busy"
                                  : "a" + std::to_string((i * 3 + k) % 200);
      v.annotations.push_back({who, k == 2 ? "y" : "x", std::nullopt, ++seq});
    }
    q->Apply(seq, ItemUpdated{{"r" + std::to_string(i), "dx"},
                              schemas::Layer::kInterpretive,
                              std::move(v)});
  }
  return q;
}

Queue& Shared(size_t n) {
  // One queue per size for every benchmark of that size: filling 1M items
  // takes seconds, and the claim cycle leaves the queue as it found it.
  static std::unique_ptr<Queue> small, large;
  std::unique_ptr<Queue>& q = n <= 10'000 ? small : large;
  if (!q) q = Filled(n);
  return *q;
}

void BM_CheckClaim(benchmark::State& state, const char* who) {
  Queue& q = Shared(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    StatusOr<ClaimPlan> plan = q.CheckClaim(who, kNow);
    benchmark::DoNotOptimize(plan);
  }
  state.counters["queued"] = static_cast<double>(q.queued());
}

void BM_ClaimCycle(benchmark::State& state, const char* who) {
  Queue& q = Shared(static_cast<size_t>(state.range(0)));
  uint64_t seq = q.seq();
  for (auto _ : state) {
    StatusOr<ClaimPlan> plan = q.CheckClaim(who, kNow);
    if (!plan.ok()) {
      state.SkipWithError(plan.status().ToString().c_str());
      return;
    }
    const uint64_t lease = ++seq;
    q.Apply(lease, Claimed{lease, who, plan->item, plan->expires_us});
    q.Apply(++seq, Released{lease});
  }
  state.counters["queued"] = static_cast<double>(q.queued());
}

BENCHMARK_CAPTURE(BM_CheckClaim, head, "k-free")->Arg(10'000)->Arg(1'000'000);
BENCHMARK_CAPTURE(BM_CheckClaim, conflicted, "k-busy")
    ->Arg(10'000)
    ->Arg(1'000'000);
BENCHMARK_CAPTURE(BM_ClaimCycle, head, "k-free")->Arg(10'000)->Arg(1'000'000);
BENCHMARK_CAPTURE(BM_ClaimCycle, conflicted, "k-busy")
    ->Arg(10'000)
    ->Arg(1'000'000);

}  // namespace
}  // namespace consilium::adjudication

BENCHMARK_MAIN();
