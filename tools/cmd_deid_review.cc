// The de-identification review queue (docs/deid.md, "Review"):
//   consilium deid queue --data DIR [--project P] [--json]
//   consilium deid release --data DIR --record R --reason TEXT [--actor A]
//   consilium deid redact --data DIR --record R --reason TEXT
//       [--span TYPE:START-END ...] [--actor A]
// The queue lists the records the import gate holds, oldest first, with the
// types and spans its detectors found (never the text: `record show` prints
// it to an admin or privacy officer). A reviewer releases a record whose hits
// were all false positives, or redacts spans (default: every hit) with
// "[TYPE]" tokens.
#include <boost/json.hpp>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include "domain/compliance_commands.h"
#include "domain/domain_state.h"
#include "render/commit_json.h"
#include "render/deid_json.h"
#include "schemas/deid_events.h"
#include "tools/cli.h"
#include "tools/command_session.h"
#include "tools/output.h"

namespace consilium::cli {
namespace {

namespace json = boost::json;

// "name 3, date 1" for the report's hits.
std::string TypeCounts(const std::vector<PhiHitFields>& hits) {
  std::map<std::string, int> counts;
  for (const PhiHitFields& h : hits) ++counts[h.type];
  std::string out;
  for (const auto& [type, n] : counts) {
    out += (out.empty() ? "" : ", ") + type + " " + std::to_string(n);
  }
  return out;
}

int Queue(const Args& args) {
  StatusOr<CommandSession> s = OpenCommandSession(args, /*read_only=*/true);
  if (!s.ok()) return Fail(s.status());
  const std::string project = args.Get("project");
  StatusOr<std::vector<render::HeldRecord>> held =
      render::ReadDeidQueue(*s->handler, *s->ledger, project);
  if (!held.ok()) return Fail(held.status());
  if (!project.empty() && held->empty()) {
    const bool known = s->handler->Read([&](const domain::DomainState& st) {
      return st.FindProject(project) != nullptr;
    });
    if (!known) return Fail(NotFoundError("project " + project + " not found"));
  }
  json::array lines;
  Table t({{"record"}, {"project"}, {"held at", Table::kRight}, {"hits"}});
  for (const render::HeldRecord& h : *held) {
    // The server's item, and the project after the record (the CLI lists
    // every project's).
    json::object line{{"record", h.record}, {"project", h.project}};
    for (const auto& kv : render::HeldRecordJson(h)) {
      if (kv.key() != "record") line.emplace(kv.key(), kv.value());
    }
    lines.emplace_back(std::move(line));
    t.AddRow({h.record, h.project, std::to_string(h.quarantined_seq),
              TypeCounts(h.report.hits)});
  }
  if (args.Has("json")) {
    return PrintJsonLine(json::object{{"held", std::move(lines)}});
  }
  if (held->empty()) {
    std::printf("no record is held by the de-identification gate\n");
    return 0;
  }
  t.Print();
  std::printf(
      "%zu record(s) held; `consilium record show R` shows one to an "
      "admin or privacy officer\n",
      held->size());
  return 0;
}

// "name:12-20" -> {"name", 12, 20}.
StatusOr<PhiHitFields> ParseSpan(const std::string& text) {
  const size_t colon = text.find(':'), dash = text.find('-', colon);
  const auto bad = [&] {
    return InvalidArgumentError("--span \"" + text +
                                "\": expected TYPE:START-END (byte offsets "
                                "in the record's text, END exclusive)");
  };
  if (colon == std::string::npos || colon == 0 || dash == std::string::npos)
    return bad();
  PhiHitFields h{text.substr(0, colon), 0, 0};
  try {
    size_t used = 0;
    const std::string b = text.substr(colon + 1, dash - colon - 1);
    const std::string e = text.substr(dash + 1);
    const unsigned long begin = std::stoul(b, &used);
    if (used != b.size() || b.empty() || b[0] == '-') return bad();
    const unsigned long end = std::stoul(e, &used);
    if (used != e.size() || e.empty() || e[0] == '-') return bad();
    if (begin > UINT32_MAX || end > UINT32_MAX) return bad();
    h.begin = static_cast<uint32_t>(begin);
    h.end = static_cast<uint32_t>(end);
  } catch (const std::exception&) {
    return bad();
  }
  return h;
}

int Review(const Args& args, bool redact) {
  StatusOr<std::string> record = args.Require("record");
  if (!record.ok()) return Fail(record.status());
  std::vector<PhiHitFields> spans;
  if (redact && args.Has("span")) {
    std::string cur;
    for (char c : args.Get("span") + ",") {
      if (c != ',') {
        cur += c;
        continue;
      }
      StatusOr<PhiHitFields> h = ParseSpan(cur);
      if (!h.ok()) return Fail(h.status());
      spans.push_back(std::move(*h));
      cur.clear();
    }
  }
  StatusOr<CommandSession> s = OpenCommandSession(args, /*read_only=*/false);
  if (!s.ok()) return Fail(s.status());
  domain::ComplianceCommands compliance(&s->handler->core(), s->ledger.get());
  const std::string actor = args.Get("actor", "admin");
  StatusOr<Committed> c =
      redact ? compliance.RedactRecord(actor, *record, std::move(spans),
                                       args.Get("reason"))
             : compliance.ReleaseRecord(actor, *record, args.Get("reason"));
  if (!c.ok()) return Fail(c.status(), 1);
  return PrintJsonLine(render::CommittedJson(*c));
}

const Flag kRecordFlag = {"record", "R", "the held record", true};
const Flag kReasonFlag = {"reason", "TEXT", "why (kept in the event)", true};
const Flag kActorFlag = {"actor", "A",
                         "the reviewer: an admin or privacy officer of the "
                         "record's project (default admin)"};

Registrar deid_queue(Command{
    .words = {"deid", "queue"},
    .summary = "list the records the de-identification gate holds for review",
    .flags = {DataFlag(),
              {"project", "P", "only this project's"},
              {"json", "", "one JSON document with every span"}},
    .run = Queue});
Registrar deid_release(Command{
    .words = {"deid", "release"},
    .summary = "release a held record: its hits were false positives",
    .flags = {DataFlag(), kRecordFlag, kReasonFlag, kActorFlag},
    .run = [](const Args& a) { return Review(a, false); }});
Registrar deid_redact(Command{
    .words = {"deid", "redact"},
    .summary = "redact a held record's identifiers with [TYPE] tokens",
    .flags = {DataFlag(),
              kRecordFlag,
              kReasonFlag,
              kActorFlag,
              {"span", "TYPE:START-END",
               "a span of the text to redact (default: every hit); byte "
               "offsets, END exclusive",
               false, /*repeatable=*/true}},
    .run = [](const Args& a) { return Review(a, true); },
    .notes = "The redacted content replaces the imported one for annotators, "
             "adjudicators and exports; the import event stays in the "
             "ledger (shred the subject to destroy it)."});

}  // namespace
}  // namespace consilium::cli
