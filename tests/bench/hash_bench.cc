// SHA-256 throughput of the hashing paths verification uses: leaf hashes of
// 512-byte events and Merkle node hashes, one at a time with OpenSSL against
// sixteen lanes with AVX-512 (common/internal/sha256_lanes.h).
//
//   hash_bench --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "common/hash.h"
#include "common/internal/sha256_lanes.h"

namespace consilium {
namespace {

constexpr size_t kBatch = 1024;

std::vector<std::string> Events(size_t bytes) {
  std::mt19937_64 rng(1);
  std::vector<std::string> events(kBatch, std::string(bytes, '\0'));
  for (auto& e : events)
    for (auto& c : e) c = static_cast<char>(rng());
  return events;
}

void LeafHashesOf(benchmark::State& state, bool lanes) {
  if (lanes && !hash_internal::LanesAvailable()) {
    state.SkipWithError("this CPU has no AVX-512");
    return;
  }
  auto events = Events(static_cast<size_t>(state.range(0)));
  std::vector<std::span<const uint8_t>> spans;
  for (const auto& e : events) spans.push_back(AsBytes(e));
  std::vector<Hash256> out(kBatch);
  for (auto _ : state) {
    hash_internal::PrefixedSha256Many(0x00, spans, out, lanes);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * kBatch * state.range(0));
}

void BM_LeafHashes_OneAtATime(benchmark::State& state) {
  LeafHashesOf(state, false);
}
void BM_LeafHashes_SixteenLanes(benchmark::State& state) {
  LeafHashesOf(state, true);
}
BENCHMARK(BM_LeafHashes_OneAtATime)->Arg(64)->Arg(512)->Arg(1500);
BENCHMARK(BM_LeafHashes_SixteenLanes)->Arg(64)->Arg(512)->Arg(1500);

void BM_NodeHashes(benchmark::State& state) {
  std::vector<Hash256> children(2 * kBatch);
  for (size_t i = 0; i < children.size(); ++i)
    children[i] = Sha256(std::to_string(i));
  std::vector<Hash256> out(kBatch);
  for (auto _ : state) {
    NodeHashes(children, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_NodeHashes);

void BM_NodeHash_OneAtATime(benchmark::State& state) {
  Hash256 left = Sha256(std::string_view("l")),
          right = Sha256(std::string_view("r"));
  for (auto _ : state) {
    left = NodeHash(left, right);
    benchmark::DoNotOptimize(left);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NodeHash_OneAtATime);

}  // namespace
}  // namespace consilium

BENCHMARK_MAIN();
