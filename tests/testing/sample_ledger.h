// A small ledger of imported notes, the fixture the tamper and read-check
// tests damage: event i is RecordImported "rec-i" with text "note i".
#ifndef CONSILIUM_TESTS_TESTING_SAMPLE_LEDGER_H_
#define CONSILIUM_TESTS_TESTING_SAMPLE_LEDGER_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "ledger/ledger.h"

namespace consilium::testing {

// Creates a ledger in `path` holding `events` RecordImported events and
// closes it. Fails the calling test (ASSERT) when any step fails; callers
// wrap it in ASSERT_NO_FATAL_FAILURE.
inline void CreateLedgerOfNotes(const std::string& path, uint64_t events) {
  ASSERT_TRUE(Ledger::Init(path).ok());
  auto l = Ledger::Open(path, {});
  ASSERT_TRUE(l.ok());
  for (uint64_t i = 1; i <= events; ++i) {
    auto c = (*l)->Append(MakeRecordImported(
        {"importer", ""}, "rec-" + std::to_string(i), "p1",
        "{\"text\":\"note " + std::to_string(i) + "\"}", "{}"));
    ASSERT_TRUE(c.ok());
  }
}

}  // namespace consilium::testing

#endif  // CONSILIUM_TESTS_TESTING_SAMPLE_LEDGER_H_
