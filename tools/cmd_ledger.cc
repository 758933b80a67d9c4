// Ledger commands: init, append, events, event, head, verify,
// repair-indexes.
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/input.h"
#include "ledger/ledger.h"
#include "render/commit_json.h"
#include "render/ledger_json.h"
#include "schemas/event_json.h"
#include "tools/cli.h"
#include "tools/content_keys.h"
#include "tools/input_limits.h"
#include "tools/open_ledger.h"
#include "tools/output.h"
#include "tools/progress.h"

namespace consilium::cli {
namespace {

int Init(const Args& args) {
  auto dir = args.Require("data");
  if (!dir.ok()) return Fail(dir.status());
  Status s = Ledger::Init(*dir);
  if (!s.ok()) return Fail(s);
  std::printf("initialized an empty ledger in %s\n", dir->c_str());
  return 0;
}

// Appends JSON lines from stdin. Lines are appended asynchronously in windows
// so a bulk load pays for one sync per window, not per line; results are
// printed in input order, one JSON line each. A result is printed as soon as
// it and every result before it are in: after each line read, and in full
// (waiting for the outstanding syncs) whenever stdin has nothing more to read
// yet, so a producer that writes one event and waits hears back within one
// sync (issue 13). A line longer than kJsonLineLimit ends the input with an
// error (exit 1); the lines before it are appended and reported.
// On an encrypted ledger, the events whose content the commands seal:
// FailedPrecondition naming the command that does; others pass.
StatusOr<EventDraft> RefuseUnsealed(EventDraft draft) {
  switch (draft.event()->body_type()) {
    case fb::EventBody::RecordImported:
      return FailedPreconditionError(
          "the ledger is encrypted: record content goes through `consilium "
          "import records`, which seals it; a raw RecordImported would be "
          "stored in plaintext");
    case fb::EventBody::AnnotationSubmitted:
    case fb::EventBody::AnnotationRevised:
    case fb::EventBody::GoldAnswerRecorded:
      return FailedPreconditionError(
          std::string("the ledger is encrypted: a raw ") +
          fb::EnumNameEventBody(draft.event()->body_type()) +
          " would store its free text in plaintext; annotations go through "
          "`consilium annotate` (or the server), which seals it");
    default:
      return draft;
  }
}

int Append(const Args& args) {
  auto ledger = OpenLedger(args, false);
  if (!ledger.ok()) return Fail(ledger.status());
  const bool encrypted = KeyStore::Exists(KeyStoreDir(args.Get("data")));
  constexpr size_t kWindow = 512;
  struct Slot {
    size_t line = 0;
    std::optional<StatusOr<Committed>> result;  // set under mu
  };
  std::mutex mu;
  std::condition_variable cv;
  size_t pending = 0;
  bool any_failed = false;
  // Reserved up front and cleared only when nothing is pending: callbacks
  // hold indices into it, so it must never reallocate under them.
  std::vector<Slot> window;
  window.reserve(kWindow);
  size_t printed = 0;  // window[0, printed) are printed

  // Prints the results ready at the front of the window, without waiting,
  // and flushes them to the reader.
  auto print_ready = [&] {
    const size_t first = printed;
    size_t ready = printed;
    {
      std::lock_guard l(mu);
      while (ready < window.size() && window[ready].result) ++ready;
    }
    // Slots before `ready` have their result and no callback writes them
    // again, so they are read without the lock.
    for (; printed < ready; ++printed) {
      const Slot& s = window[printed];
      if (s.result->ok()) {
        PrintJsonLine(render::AppendLineJson(s.line, **s.result));
      } else {
        any_failed = true;
        std::printf("%s\n", ErrorJson(s.result->status(), s.line).c_str());
        std::fprintf(stderr, "consilium: line %zu: %s\n", s.line,
                     s.result->status().ToString().c_str());
      }
    }
    if (ready > first) std::fflush(stdout);
  };
  // Waits for every outstanding append, prints all, empties the window.
  auto drain = [&] {
    {
      std::unique_lock l(mu);
      cv.wait(l, [&] { return pending == 0; });
    }
    print_ready();
    window.clear();
    printed = 0;
  };

  LineReader in(STDIN_FILENO, "stdin", {.max_line = kJsonLineLimit});
  in.set_before_block(drain);
  std::string line;
  Status read_status;
  while (true) {
    StatusOr<bool> got = in.Next(&line);
    if (!got.ok()) {
      read_status = got.status();
      break;
    }
    if (!*got) break;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    window.push_back(Slot{in.line_number(), std::nullopt});
    size_t index = window.size() - 1;
    StatusOr<EventDraft> draft = DraftFromJson(line);
    if (draft.ok() && encrypted) {
      // JSON input is always stored Plain: on an encrypted ledger that
      // would put record content or annotation free text on disk in the
      // clear (docs/encryption.md).
      draft = RefuseUnsealed(std::move(*draft));
    }
    if (!draft.ok()) {
      std::lock_guard l(mu);
      window[index].result.emplace(draft.status());
    } else {
      {
        std::lock_guard l(mu);
        ++pending;
      }
      (*ledger)->AppendAsync(std::move(*draft),
                             [&, index](StatusOr<Committed> r) {
                               std::lock_guard l(mu);
                               window[index].result.emplace(std::move(r));
                               if (--pending == 0) cv.notify_all();
                             });
    }
    if (window.size() == kWindow) {
      drain();
    } else {
      print_ready();
    }
  }
  drain();
  if (!read_status.ok()) return Fail(read_status, 1);
  return any_failed ? 1 : 0;
}

// Every event's JSON form, one line each; with --metadata one page of
// metadata and hashes (render/ledger_json.h), the document the server's
// GET /v1/ledger/events returns.
int Events(const Args& args) {
  auto ledger = OpenLedger(args, true);
  if (!ledger.ok()) return Fail(ledger.status());
  auto from = args.GetUint("from", 1);
  const bool metadata = args.Has("metadata");
  auto limit = args.GetUint("limit", metadata ? render::kEventPageDefault : 0);
  if (!from.ok()) return Fail(from.status());
  if (!limit.ok()) return Fail(limit.status());
  if (metadata) {
    auto page = render::EventPageJson(**ledger, *from, *limit);
    if (!page.ok()) return Fail(page.status(), 1);
    return PrintJsonLine(*page);
  }
  Status s = (*ledger)->Scan(*from, *limit, [](const StoredEvent& e) {
    std::string line = EventToJson(e.seq, e.hash, e.bytes);
    line += '\n';
    return std::fwrite(line.data(), 1, line.size(), stdout) == line.size();
  });
  if (!s.ok()) return Fail(s, 1);
  return 0;
}

// One event: its JSON form, or with --raw its exact stored bytes (what an
// auditor hashes: leaf hash = SHA-256(0x00 || bytes)).
int Event(const Args& args) {
  auto ledger = OpenLedger(args, true);
  if (!ledger.ok()) return Fail(ledger.status());
  auto seq = args.GetUint("seq", 0);
  if (!seq.ok()) return Fail(seq.status());
  auto e = (*ledger)->Get(*seq);
  if (!e.ok()) return Fail(e.status(), 1);
  if (args.Has("raw")) {
    std::fwrite(e->bytes.data(), 1, e->bytes.size(), stdout);
  } else {
    std::printf("%s\n", EventToJson(e->seq, e->hash, e->bytes).c_str());
  }
  return 0;
}

int HeadCommand(const Args& args) {
  auto ledger = OpenLedger(args, true);
  if (!ledger.ok()) return Fail(ledger.status());
  auto checked = (*ledger)->CheckedHead();
  if (!checked.ok()) return Fail(checked.status(), 1);
  const Head& h = *checked;
  return PrintJsonLine(render::HeadJson(h));
}

int Verify(const Args& args) {
  auto ledger = OpenLedger(args, true);
  if (!ledger.ok()) return Fail(ledger.status());
  auto from = args.GetUint("from", 1);
  if (!from.ok()) return Fail(from.status());
  // --from head + 1 is the next event to come: nothing to verify yet, OK.
  // Beyond that the caller is mistaken about this ledger (or it lost its
  // newest events, which Verify reports from any --from at or below the
  // head): a usage error, not a verdict.
  const uint64_t head_seq = (*ledger)->head().seq;
  if (*from > head_seq + 1 && (*ledger)->CheckedHead().ok()) {
    return Fail(OutOfRangeError(
        "--from " + std::to_string(*from) + " is beyond the head (event " +
        std::to_string(head_seq) + "): there is nothing to verify; --from " +
        "may be at most " + std::to_string(head_seq + 1) +
        " (the next event, which verifies 0 events)"));
  }
  Progress bar("verifying", 0, ProgressWanted(args));
  VerifyReport r = (*ledger)->Verify(*from, bar.Callback());
  bar.Finish();
  if (!r.ok) {
    if (r.bad_seq == 0) {
      std::printf("FAILED: %s\n", r.problem.c_str());
    } else {
      std::printf("FAILED at event %llu: %s\n",
                  static_cast<unsigned long long>(r.bad_seq),
                  r.problem.c_str());
    }
    return 1;
  }
  std::printf("OK: %llu events verified (%llu..%llu), head %s\n",
              static_cast<unsigned long long>(r.events),
              static_cast<unsigned long long>(r.first_seq),
              static_cast<unsigned long long>(r.head.seq),
              ToHex(r.head.hash).c_str());
  if (r.first_seq == 1) {
    std::printf("OK: Merkle root %s matches the stored tree\n",
                ToHex(r.root).c_str());
    std::printf(
        "OK: indexes by_record, by_actor and requests match the events\n");
    if (r.checkpoint_size > 0) {
      std::printf(
          "OK: signed checkpoint at size %llu verifies and matches the "
          "events\n",
          static_cast<unsigned long long>(r.checkpoint_size));
    } else {
      std::printf(
          "note: no checkpoint signed yet (consilium checkpoint --data DIR "
          "--key KEY)\n");
    }
  } else {
    std::printf(
        "note: the Merkle tree and the indexes are checked by a verify from "
        "event 1\n");
  }
  return 0;
}

// Rebuilds the derived indexes from the events, recorded as an
// IndexesRepaired event (docs/verification.md, "Repairing indexes").
int RepairIndexes(const Args& args) {
  auto ledger = OpenLedger(args, false, /*adopt_indexer=*/true);
  if (!ledger.ok()) return Fail(ledger.status());
  std::string actor = args.Get("actor", "operator");
  Progress bar("reading events", 0, ProgressWanted(args));
  auto r = (*ledger)->RepairIndexes(actor, bar.Callback());
  bar.Finish();
  if (!r.ok()) return Fail(r.status(), 1);
  for (const IndexRepairReport::Index& i : r->indexes) {
    std::printf("%-9s %llu added, %llu removed\n", i.name.c_str(),
                static_cast<unsigned long long>(i.added),
                static_cast<unsigned long long>(i.removed));
  }
  if (r->event) {
    std::printf("repaired; recorded as event %llu (IndexesRepaired)\n",
                static_cast<unsigned long long>(r->event->seq));
  } else {
    std::printf("nothing to repair: every index matches the events\n");
  }
  return 0;
}

Registrar init_cmd(Command{.words = {"init"},
                           .summary = "create an empty ledger",
                           .flags = {DataFlag()},
                           .run = Init});
Registrar append_cmd(Command{
    .words = {"append"},
    .summary = "append JSON-line events from stdin (docs/event-json.md)",
    .flags = {DataFlag()},
    .run = Append,
    .notes = "Reads one event per line from stdin: consilium append --data "
             "DIR < events.jsonl"});
Registrar events_cmd(Command{
    .words = {"events"},
    .summary = "print events as JSON lines",
    .flags = {DataFlag(),
              {"from", "N", "first sequence number to print (default 1)"},
              {"limit", "K",
               "print at most K events (default: all; with --metadata 100, "
               "at most 1000)"},
              {"metadata", "",
               "one page of metadata and hashes, no bodies (the auditor's "
               "view)"}},
    .run = Events});
Registrar event_cmd(Command{
    .words = {"event"},
    .summary = "print one event (--raw: its exact stored bytes)",
    .flags = {DataFlag(),
              {"seq", "S", "sequence number of the event", true},
              {"raw", "", "print the exact stored bytes instead of JSON"}},
    .run = Event});
Registrar head_cmd(Command{.words = {"head"},
                           .summary = "print the last sequence number and hash",
                           .flags = {DataFlag()},
                           .run = HeadCommand});
Registrar verify_cmd(Command{
    .words = {"verify"},
    .summary = "re-hash every event, check the chain and (from 1) every index",
    .flags = {DataFlag(),
              {"from", "N", "first sequence number to verify (default 1)"},
              ProgressFlag(),
              QuietFlag()},
    .run = Verify});
Registrar repair_indexes_cmd(Command{
    .words = {"repair-indexes"},
    .summary = "rebuild by_record, by_actor, requests and Merkle nodes from "
               "the events (recorded as an IndexesRepaired event)",
    .flags = {DataFlag(),
              {"actor", "NAME", "who repairs (default operator)"},
              ProgressFlag(),
              QuietFlag()},
    .run = RepairIndexes});

}  // namespace
}  // namespace consilium::cli
