// Ledger commands: init, append, events, event, head, verify,
// repair-indexes.
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "schemas/event_json.h"
#include "tools/cli.h"
#include "tools/open_ledger.h"
#include "tools/output.h"

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
// printed in input order, one JSON line each.
int Append(const Args& args) {
  auto ledger = OpenLedger(args, false);
  if (!ledger.ok()) return Fail(ledger.status());
  constexpr size_t kWindow = 512;
  struct Slot {
    size_t line = 0;
    std::optional<StatusOr<Committed>> result;
  };
  std::mutex mu;
  std::condition_variable cv;
  size_t pending = 0;
  bool any_failed = false;
  std::vector<Slot> window;
  window.reserve(kWindow);

  auto flush = [&] {
    std::unique_lock l(mu);
    cv.wait(l, [&] { return pending == 0; });
    for (Slot& s : window) {
      if (s.result->ok()) {
        const Committed& c = **s.result;
        std::printf("{\"line\":%zu,\"seq\":%llu,\"hash\":\"%s\"%s}\n", s.line,
                    static_cast<unsigned long long>(c.seq),
                    ToHex(c.hash).c_str(),
                    c.duplicate ? ",\"duplicate\":true" : "");
      } else {
        any_failed = true;
        std::printf("%s\n", ErrorJson(s.result->status(), s.line).c_str());
        std::fprintf(stderr, "consilium: line %zu: %s\n", s.line,
                     s.result->status().ToString().c_str());
      }
    }
    std::fflush(stdout);
    window.clear();
  };

  std::string line;
  size_t line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    window.push_back(Slot{line_no, std::nullopt});
    size_t index = window.size() - 1;
    StatusOr<EventDraft> draft = DraftFromJson(line);
    if (!draft.ok()) {
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
    if (window.size() == kWindow) flush();
  }
  flush();
  return any_failed ? 1 : 0;
}

int Events(const Args& args) {
  auto ledger = OpenLedger(args, true);
  if (!ledger.ok()) return Fail(ledger.status());
  auto from = args.GetUint("from", 1);
  auto limit = args.GetUint("limit", 0);
  if (!from.ok()) return Fail(from.status());
  if (!limit.ok()) return Fail(limit.status());
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
  Head h = (*ledger)->head();
  std::printf("{\"hash\":\"%s\",\"seq\":%llu,\"time\":\"%s\"}\n",
              ToHex(h.hash).c_str(), static_cast<unsigned long long>(h.seq),
              h.seq ? FormatTimestamp(h.timestamp_us).c_str() : "");
  return 0;
}

int Verify(const Args& args) {
  auto ledger = OpenLedger(args, true);
  if (!ledger.ok()) return Fail(ledger.status());
  auto from = args.GetUint("from", 1);
  if (!from.ok()) return Fail(from.status());
  ProgressBar bar("verifying", isatty(STDERR_FILENO) && !args.Has("quiet"));
  VerifyReport r = (*ledger)->Verify(
      *from, [&](uint64_t done, uint64_t total) { bar.Update(done, total); });
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
  }
  return 0;
}

// Rebuilds the derived indexes from the events, recorded as an
// IndexesRepaired event (docs/verification.md, "Repairing indexes").
int RepairIndexes(const Args& args) {
  auto ledger = OpenLedger(args, false);
  if (!ledger.ok()) return Fail(ledger.status());
  std::string actor = args.Get("actor", "operator");
  auto r = (*ledger)->RepairIndexes(actor);
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

Registrar init_cmd(
    {{"init"}, "--data DIR", "create an empty ledger", {"data"}, {}, Init});
Registrar append_cmd({{"append"},
                      "--data DIR < events.jsonl",
                      "append JSON-line events from stdin (docs/event-json.md)",
                      {"data"},
                      {},
                      Append});
Registrar events_cmd({{"events"},
                      "--data DIR [--from N] [--limit K]",
                      "print events as JSON lines",
                      {"data", "from", "limit"},
                      {},
                      Events});
Registrar event_cmd({{"event"},
                     "--data DIR --seq S [--raw]",
                     "print one event (--raw: its exact stored bytes)",
                     {"data", "seq"},
                     {"raw"},
                     Event});
Registrar head_cmd({{"head"},
                    "--data DIR",
                    "print the last sequence number and hash",
                    {"data"},
                    {},
                    HeadCommand});
Registrar verify_cmd({{"verify"},
                      "--data DIR [--from N] [--quiet]",
                      "re-hash every event and check the chain",
                      {"data", "from"},
                      {"quiet"},
                      Verify});
Registrar repair_indexes_cmd(
    {{"repair-indexes"},
     "--data DIR [--actor NAME]",
     "rebuild by_record, by_actor, requests and Merkle nodes from the events "
     "(recorded as an IndexesRepaired event by NAME, default operator)",
     {"data", "actor"},
     {},
     RepairIndexes});

}  // namespace
}  // namespace consilium::cli
