// Property: for a random ledger (a few hundred events of mixed types, actors,
// record ids and request ids, retries included) and one random damage to
// one stored entry of any column family (events, merkle, by_record,
// by_actor, requests) -- deleted, or one byte of its key or value changed,
// as `ldb` would do it -- `verify` fails and names the place (the event for
// the events family; the family and the entry's event or node otherwise),
// and for damage to a derived index, RepairIndexes makes `verify` pass
// again and retries still find their first event.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cctype>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "ledger/internal/storage_layout.h"
#include "ledger/ledger.h"
#include "tests/testing/raw_ledger.h"
#include "tests/testing/temp_dir.h"

namespace consilium {
namespace {

using namespace ledger_internal;  // NOLINT(google-build-using-namespace)

// Each case builds, damages, verifies and repairs a RocksDB ledger of a few
// hundred events (a few hundred milliseconds); 40 cases unless RC_PARAMS
// says otherwise (property_test.cc sets the same default).
const int kDefaultParams =
    setenv("RC_PARAMS", "max_success=40", /*overwrite=*/0);

struct Spec {
  int kind;     // 0 project, 1 record, 2 assignment, 3 access, 4 role
  int actor;    // of four
  int record;   // of twenty
  int request;  // -1: none; else of forty (retries happen)
};

EventDraft Draft(const Spec& s, size_t i) {
  static const char* const kActors[] = {"alice", "bob", "model:v1", "importer"};
  EventHeader h{kActors[s.actor],
                s.request < 0 ? "" : "req-" + std::to_string(s.request)};
  std::string record = "rec-" + std::to_string(s.record);
  switch (s.kind) {
    case 0:
      return MakeProjectCreated(h, "p" + std::to_string(i), "P");
    case 1:
      return MakeRecordImported(h, record, "p",
                                "{\"i\":" + std::to_string(i) + "}", "{}");
    case 2:
      return MakeAssignmentCreated(h, "p", record, "ann");
    case 3:
      return MakeAccessRecorded(
          h, {.resource_kind = "record",
              .resource_id = record,
              .action = "read",
              .allowed = true,
              .record_id = s.record % 2 == 0 ? std::string_view(record)
                                             : std::string_view()});
    default:
      return MakeRoleGranted(h, "ann", fb::Role::Annotator, "p");
  }
}

rc::Gen<Spec> GenSpec() {
  return rc::gen::build<Spec>(
      rc::gen::set(&Spec::kind, rc::gen::inRange(0, 5)),
      rc::gen::set(&Spec::actor, rc::gen::inRange(0, 4)),
      rc::gen::set(&Spec::record, rc::gen::inRange(0, 20)),
      rc::gen::set(&Spec::request, rc::gen::weightedOneOf<int>(
                                       {{2, rc::gen::just(-1)},
                                        {1, rc::gen::inRange(0, 40)}})));
}

// True when `text` mentions "event N" as a whole number.
bool NamesEvent(const std::string& text, uint64_t n) {
  std::string needle = "event " + std::to_string(n);
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    size_t end = at + needle.size();
    if (end == text.size() ||
        !std::isdigit(static_cast<unsigned char>(text[end]))) {
      return true;
    }
  }
  return false;
}

std::string NodeName(const std::string& key) {
  if (key.size() != 9) return "";
  return "(level " + std::to_string(static_cast<uint8_t>(key[0])) + ", index " +
         std::to_string(GetBigEndian64(key.data() + 1)) + ")";
}

// The events an index entry names: its key's sequence number (by_record,
// by_actor) or its value (requests).
std::vector<uint64_t> EntrySeqs(const std::string& family,
                                const std::string& key,
                                const std::string& value) {
  std::vector<uint64_t> out;
  if (family == kRequestsFamily) {
    if (value.size() == 8) out.push_back(GetBigEndian64(value.data()));
  } else if (key.size() >= 8) {
    out.push_back(GetBigEndian64(key.data() + key.size() - 8));
  }
  return out;
}

RC_GTEST_PROP(IndexProperty, AnyOneDamageIsNamedAndIndexDamageIsRepaired, ()) {
  const auto specs = *rc::gen::container<std::vector<Spec>>(
      *rc::gen::inRange<size_t>(150, 400), GenSpec());
  testing::TempDir tmp;
  std::string dir = tmp.Sub("l");
  RC_ASSERT(Ledger::Init(dir).ok());
  uint64_t head = 0;
  {
    auto ledger = Ledger::Open(dir, {});
    RC_ASSERT(ledger.ok());
    for (size_t i = 0; i < specs.size();) {
      size_t n = std::min<size_t>(specs.size() - i, 64);
      std::vector<EventDraft> drafts;
      for (size_t k = 0; k < n; ++k)
        drafts.push_back(Draft(specs[i + k], i + k));
      auto c = (*ledger)->AppendAll(std::move(drafts));
      RC_ASSERT(c.ok());
      i += n;
    }
    head = (*ledger)->head().seq;
  }

  static const std::vector<std::string> kFamilies = {
      kEventsFamily, kMerkleFamily, kByRecordFamily, kByActorFamily,
      kRequestsFamily};
  std::string family = *rc::gen::elementOf(kFamilies);
  std::string key, value, new_key, new_value;
  bool deleted = false;
  {
    testing::RawLedger raw(dir);
    RC_ASSERT(raw.ok());
    auto entries = raw.Entries(family);
    RC_PRE(!entries.empty());  // no request ids drawn: nothing to damage
    std::tie(key, value) =
        entries[*rc::gen::inRange<size_t>(0, entries.size())];
    // 0 delete, 1 a key byte, 2 a value byte (index entries of by_record
    // and by_actor have no value: a key byte instead).
    int how = *rc::gen::inRange(0, 3);
    if (how == 2 && value.empty()) how = 1;
    new_key = key;
    new_value = value;
    uint8_t mask = static_cast<uint8_t>(*rc::gen::inRange(1, 256));
    if (how == 1) {
      size_t at = *rc::gen::inRange<size_t>(0, key.size());
      new_key[at] = static_cast<char>(new_key[at] ^ mask);
    } else if (how == 2) {
      size_t at = *rc::gen::inRange<size_t>(0, value.size());
      new_value[at] = static_cast<char>(new_value[at] ^ mask);
    }
    RC_TAG(family, how);
    deleted = how == 0;
    raw.Delete(family, key);
    if (!deleted) raw.Put(family, new_key, new_value);
  }

  VerifyReport r;
  {
    auto ledger = Ledger::Open(dir, {.read_only = true});
    RC_ASSERT(ledger.ok());
    r = (*ledger)->Verify(1, nullptr);
  }
  RC_LOG() << family << " " << ToHex(AsBytes(key)) << " -> "
           << (deleted ? "deleted" : ToHex(AsBytes(new_key))) << ": "
           << r.problem << "\n";
  RC_ASSERT(!r.ok);

  if (family == kEventsFamily) {
    // The event itself: its old or new sequence number.
    uint64_t was = GetBigEndian64(key.data());
    uint64_t now = GetBigEndian64(new_key.data());
    RC_ASSERT(r.family.empty());
    RC_ASSERT(
        r.bad_seq == was || r.bad_seq == now ||
        (now == 0 && r.problem.find("stored as event 0") != std::string::npos));
    return;
  }

  RC_ASSERT(r.family == family);
  if (family == kMerkleFamily) {
    std::string was = NodeName(key), now = NodeName(new_key);
    RC_ASSERT(r.problem.find(was) != std::string::npos ||
              (!now.empty() && r.problem.find(now) != std::string::npos) ||
              r.problem.find("malformed key " + ToHex(AsBytes(new_key))) !=
                  std::string::npos);
  } else {
    bool named = r.problem.find("malformed key " + ToHex(AsBytes(new_key))) !=
                 std::string::npos;
    for (uint64_t s : EntrySeqs(family, key, value))
      named = named || NamesEvent(r.problem, s);
    if (!deleted) {
      for (uint64_t s : EntrySeqs(family, new_key, new_value))
        named = named || NamesEvent(r.problem, s);
    }
    RC_ASSERT(named);
  }

  // Index-only damage: the events still verify, so the repair rebuilds it.
  {
    auto ledger = Ledger::Open(dir, {});
    RC_ASSERT(ledger.ok());
    auto repair = (*ledger)->RepairIndexes("ops");
    RC_ASSERT(repair.ok());
    RC_ASSERT(repair->event.has_value());
    RC_ASSERT(repair->event->seq == head + 1);
    // Retries find their first event, whatever was damaged.
    std::vector<EventDraft> retries;
    for (size_t i = 0; i < specs.size(); ++i) {
      if (specs[i].request >= 0) retries.push_back(Draft(specs[i], i));
    }
    auto c = (*ledger)->AppendAll(std::move(retries));
    RC_ASSERT(c.ok());
    for (const Committed& one : *c) RC_ASSERT(one.duplicate);
  }
  auto ledger = Ledger::Open(dir, {.read_only = true});
  RC_ASSERT(ledger.ok());
  VerifyReport after = (*ledger)->Verify(1, nullptr);
  RC_LOG() << "after repair: " << after.problem << "\n";
  RC_ASSERT(after.ok);
  RC_ASSERT(after.head.seq == head + 1);
}

}  // namespace
}  // namespace consilium
