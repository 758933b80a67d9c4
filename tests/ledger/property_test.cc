// Property tests for the ledger's invariants over random event sequences:
// what is appended reads back byte for byte with the same hashes, the chain
// verifies, and any single-byte flip of any stored event fails verification
// at that event.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/raw_ledger.h"
#include "tests/testing/temp_dir.h"

namespace consilium {
namespace {

// Each case creates, fills and reopens a RocksDB ledger (tens of
// milliseconds), so run 40 cases a property rather than rapidcheck's 100.
// RC_PARAMS in the environment still wins (e.g. RC_PARAMS="max_success=1000").
const int kDefaultParams =
    setenv("RC_PARAMS", "max_success=40", /*overwrite=*/0);

struct EventSpec {
  bool project = false;
  std::string id;
  std::string actor;
  std::string request_id;
  std::string text;
};

rc::Gen<EventSpec> GenEventSpec() {
  return rc::gen::build<EventSpec>(
      rc::gen::set(&EventSpec::project, rc::gen::arbitrary<bool>()),
      rc::gen::set(&EventSpec::id,
                   rc::gen::nonEmpty(rc::gen::container<std::string>(
                       rc::gen::inRange('a', 'z')))),
      rc::gen::set(&EventSpec::actor,
                   rc::gen::element<std::string>("alice", "bob", "model:v1")),
      // A small id space, so retries of the same request id happen.
      rc::gen::set(
          &EventSpec::request_id,
          rc::gen::oneOf(
              rc::gen::just(std::string()),
              rc::gen::map(rc::gen::inRange(0, 6),
                           [](int i) { return "req-" + std::to_string(i); }))),
      rc::gen::set(&EventSpec::text, rc::gen::container<std::string>(
                                         rc::gen::inRange(' ', '~'))));
}

EventDraft Draft(const EventSpec& s) {
  if (s.project)
    return MakeProjectCreated({s.actor, s.request_id}, s.id, s.text);
  std::string content = "\"" + s.text + "\"";
  return MakeRecordImported({s.actor, s.request_id}, s.id, "p", content, "{}");
}

RC_GTEST_PROP(LedgerProperty, AppendedEventsReadBackIdenticallyAndVerify, ()) {
  auto specs = *rc::gen::resize(
      40, rc::gen::nonEmpty(
              rc::gen::container<std::vector<EventSpec>>(GenEventSpec())));
  testing::TempDir tmp;
  std::string dir = tmp.Sub("l");
  RC_ASSERT(Ledger::Init(dir).ok());
  testing::FakeClock clock;
  std::vector<std::string> expected_bytes;  // by seq - 1
  std::vector<Hash256> expected_hash;
  {
    auto ledger = Ledger::Open(dir, {.clock = &clock});
    RC_ASSERT(ledger.ok());
    Hash256 prev{};
    // Appended in random groups (one synced write each), singles included.
    for (size_t i = 0; i < specs.size();) {
      clock.Advance(*rc::gen::inRange(0, 5000));
      size_t group =
          std::min(specs.size() - i, *rc::gen::inRange<size_t>(1, 6));
      std::vector<EventDraft> drafts, copies;
      for (size_t k = 0; k < group; ++k) {
        drafts.push_back(Draft(specs[i + k]));
        copies.push_back(drafts.back());
      }
      auto committed = (*ledger)->AppendAll(std::move(drafts));
      RC_ASSERT(committed.ok());
      for (size_t k = 0; k < group; ++k) {
        const Committed& c = (*committed)[k];
        if (c.duplicate) {
          RC_ASSERT(!specs[i + k].request_id.empty());
          continue;
        }
        RC_ASSERT(c.seq == expected_bytes.size() + 1);
        // The stored bytes are the draft's with the stamp filled in.
        Hash256 h = copies[k].Stamp(c.seq, prev, c.timestamp_us);
        RC_ASSERT(h == c.hash);
        expected_bytes.push_back(copies[k].bytes());
        expected_hash.push_back(h);
        prev = h;
      }
      i += group;
    }
  }
  auto ledger = Ledger::Open(dir, {.read_only = true});
  RC_ASSERT(ledger.ok());
  uint64_t n = 0;
  RC_ASSERT((*ledger)
                ->Scan(1, 0,
                       [&](const StoredEvent& e) {
                         RC_ASSERT(e.seq == n + 1);
                         RC_ASSERT(e.bytes == expected_bytes[n]);
                         RC_ASSERT(e.hash == expected_hash[n]);
                         ++n;
                         return true;
                       })
                .ok());
  RC_ASSERT(n == expected_bytes.size());
  VerifyReport r = (*ledger)->Verify(1, nullptr);
  RC_ASSERT(r.ok);
  RC_ASSERT(r.events == n);
}

RC_GTEST_PROP(LedgerProperty, AnySingleByteFlipFailsVerificationAtThatEvent,
              ()) {
  auto specs = *rc::gen::resize(
      12, rc::gen::nonEmpty(
              rc::gen::container<std::vector<EventSpec>>(GenEventSpec())));
  testing::TempDir tmp;
  std::string dir = tmp.Sub("l");
  RC_ASSERT(Ledger::Init(dir).ok());
  uint64_t count = 0;
  {
    auto ledger = Ledger::Open(dir, {});
    RC_ASSERT(ledger.ok());
    std::vector<EventDraft> drafts;
    for (const EventSpec& s : specs) {
      EventSpec unique = s;
      unique.request_id.clear();
      drafts.push_back(Draft(unique));
      ++count;
    }
    RC_ASSERT((*ledger)->AppendAll(std::move(drafts)).ok());
  }
  uint64_t victim = *rc::gen::inRange<uint64_t>(1, count + 1);
  {
    testing::RawLedger raw(dir);
    RC_ASSERT(raw.ok());
    std::string bytes = raw.GetEvent(victim);
    size_t at = *rc::gen::inRange<size_t>(0, bytes.size());
    uint8_t mask = *rc::gen::inRange<int>(1, 256);
    bytes[at] = static_cast<char>(bytes[at] ^ mask);
    raw.PutEvent(victim, bytes);
  }
  auto ledger = Ledger::Open(dir, {.read_only = true});
  RC_ASSERT(ledger.ok());
  VerifyReport r = (*ledger)->Verify(1, nullptr);
  RC_ASSERT(!r.ok);
  RC_ASSERT(r.bad_seq == victim);
}

}  // namespace
}  // namespace consilium
