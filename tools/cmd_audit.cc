// `consilium audit access|summary|anomalies` (docs/audit.md): the answers an
// auditor asks for, from the projections' access index (one entry per
// AccessRecorded event) with the principals' roles and assignments at the
// same position. `audit verify` (offline proofs) is in tools/cmd_proofs.cc.
#include <boost/json.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "projections/access_history.h"
#include "render/analytics_json.h"
#include "schemas/event_json.h"
#include "tools/analytics_source.h"
#include "tools/audit_report.h"
#include "tools/cli.h"
#include "tools/output.h"

namespace consilium::cli {
namespace {

namespace json = boost::json;
namespace p = ::consilium::projections;

// --from / --to as [from, to).
Status ReadWindow(const Args& args, AuditInput* in) {
  if (args.Has("from")) {
    StatusOr<int64_t> t = ParseTime(args.Get("from"));
    if (!t.ok()) return t.status().WithContext("--from");
    in->from_us = *t;
  }
  if (args.Has("to")) {
    StatusOr<int64_t> t = ParseTime(args.Get("to"));
    if (!t.ok()) return t.status().WithContext("--to");
    in->to_us = *t;
  }
  if (in->from_us >= in->to_us)
    return InvalidArgumentError("--from must be before --to");
  return OkStatus();
}

// The access entries in the window (with `all`: every one, read from the
// ledger; projections/access_history.h) and the principals' facts, at the
// head.
struct Loaded {
  std::unique_ptr<Ledger> ledger;
  std::vector<p::AccessEntry> access;  // what input.entries points into
  AuditInput input;
};
StatusOr<std::unique_ptr<Loaded>> Load(const Args& args, bool all,
                                       bool with_facts) {
  auto l = std::make_unique<Loaded>();
  RETURN_IF_ERROR(ReadWindow(args, &l->input));
  ASSIGN_OR_RETURN(std::string dir, args.Require("data"));
  ASSIGN_OR_RETURN(l->ledger, Ledger::Open(dir, {.read_only = true}));
  const Ledger& ledger = *l->ledger;
  l->input.as_of_seq = ledger.head().seq;
  const p::AccessWindow window{.from_us = l->input.from_us,
                               .to_us = l->input.to_us,
                               .to_seq = l->input.as_of_seq};
  if (all) {
    ASSIGN_OR_RETURN(l->access, p::AccessHistoryInWindow(ledger, window));
  } else if (args.Has("record")) {
    ASSIGN_OR_RETURN(l->access, p::AccessHistoryForRecord(
                                    ledger, args.Get("record"), window));
  } else {
    ASSIGN_OR_RETURN(l->access, p::AccessHistoryByPrincipal(
                                    ledger, args.Get("principal"), window));
  }
  l->input.entries = p::Pointers(l->access);
  if (with_facts) {
    ASSIGN_OR_RETURN(l->input.principals,
                     LoadPrincipalFacts(ledger, l->input.as_of_seq));
  }
  return l;
}

json::object CountsJson(const AccessCounts& c) {
  return {{"accesses", c.accesses},
          {"allowed", c.allowed},
          {"denied", c.denied},
          {"exports", c.exports}};
}

json::array Strings(const std::vector<std::string>& v) {
  json::array a;
  for (const std::string& s : v) a.push_back(json::string(s));
  return a;
}

json::object WindowJson(const AuditInput& in) {
  json::object o;
  o["as_of_seq"] = in.as_of_seq;
  o["from"] = in.from_us > 0 ? json::value(FormatTimestamp(in.from_us))
                             : json::value(nullptr);
  o["to"] = in.to_us < INT64_MAX ? json::value(FormatTimestamp(in.to_us))
                                 : json::value(nullptr);
  return o;
}

// ---- audit access ----------------------------------------------------------

// RFC 4180: quoted when it holds a comma, quote, CR or LF.
std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void PrintCsv(const std::vector<const p::AccessEntry*>& entries) {
  std::printf(
      "seq,time,actor,allowed,action,resource_kind,resource_id,record_id,"
      "project_id,purpose,reason\n");
  for (const p::AccessEntry* e : entries) {
    std::string line =
        std::to_string(e->seq) + "," + FormatTimestamp(e->timestamp_us) + "," +
        CsvField(e->actor) + "," + (e->allowed ? "true" : "false") + "," +
        CsvField(e->action) + "," + CsvField(e->resource_kind) + "," +
        CsvField(e->resource_id) + "," + CsvField(e->record) + "," +
        CsvField(e->project) + "," + CsvField(e->purpose) + "," +
        CsvField(e->reason);
    std::printf("%s\n", line.c_str());
  }
}

int RunAuditAccess(const Args& args) {
  if (args.Has("record") == args.Has("principal")) {
    return Fail(InvalidArgumentError(
        "give exactly one of --record R or --principal P"));
  }
  if (args.Has("csv") && args.Has("json"))
    return Fail(InvalidArgumentError("give at most one of --csv and --json"));
  StatusOr<std::unique_ptr<Loaded>> l =
      Load(args, /*all=*/false, /*with_facts=*/false);
  if (!l.ok()) return Fail(l.status());
  const AuditInput& in = (*l)->input;
  const std::vector<const p::AccessEntry*>& entries = in.entries;
  if (args.Has("csv")) {
    PrintCsv(entries);
    return 0;
  }
  if (args.Has("json")) {
    json::object o = render::AccessJson(entries);
    for (auto& [k, v] : WindowJson(in)) o[k] = v;
    return PrintJson(o);
  }
  Table table({{"seq"},
               {"time"},
               {"actor"},
               {"outcome"},
               {"action"},
               {"resource"},
               {"purpose"}});
  for (const p::AccessEntry* e : entries) {
    table.AddRow(
        {"#" + std::to_string(e->seq), FormatTimestamp(e->timestamp_us),
         e->actor, e->allowed ? "allowed" : "DENIED", e->action,
         e->resource_kind + ":" + e->resource_id,
         e->purpose + (e->reason.empty() ? "" : " (" + e->reason + ")")});
  }
  table.Print();
  std::printf("%zu access events\n", entries.size());
  return 0;
}

// ---- audit summary ---------------------------------------------------------

json::object SummaryJson(const AuditInput& in, const AuditSummary& s) {
  json::object o = WindowJson(in);
  o["total"] = CountsJson(s.total);
  json::array principals;
  for (const AuditSummary::Principal& r : s.principals) {
    json::object e = CountsJson(r.counts);
    e["principal"] = r.id;
    e["kind"] = r.model ? "model" : "person";
    e["roles"] = Strings(r.roles);
    e["records"] = r.records;
    principals.push_back(std::move(e));
  }
  o["principals"] = std::move(principals);
  json::array roles;
  for (const auto& [name, v] : s.roles) {
    json::object e = CountsJson(v.second);
    e["role"] = name;
    e["principals"] = v.first;
    roles.push_back(std::move(e));
  }
  o["roles"] = std::move(roles);
  json::array days;
  for (const auto& [day, d] : s.days) {
    json::object e = CountsJson(d.counts);
    e["day"] = day;
    e["principals"] = d.principals;
    days.push_back(std::move(e));
  }
  o["days"] = std::move(days);
  return o;
}

std::vector<std::string> CountCells(const AccessCounts& c) {
  return {std::to_string(c.accesses), std::to_string(c.allowed),
          std::to_string(c.denied), std::to_string(c.exports)};
}

void PrintSummaryTables(const AuditSummary& s) {
  auto columns = [](std::string first) {
    return std::vector<Table::Column>{{first},
                                      {"accesses", Table::kRight},
                                      {"allowed", Table::kRight},
                                      {"denied", Table::kRight},
                                      {"exports", Table::kRight}};
  };
  std::vector<Table::Column> pc = columns("principal");
  pc.push_back({"records", Table::kRight});
  pc.push_back({"roles"});
  Table principals(pc);
  for (const AuditSummary::Principal& r : s.principals) {
    std::vector<std::string> row = {r.id + (r.model ? " (model)" : "")};
    for (std::string& c : CountCells(r.counts)) row.push_back(std::move(c));
    row.push_back(std::to_string(r.records));
    std::string roles;
    for (const std::string& x : r.roles)
      roles += (roles.empty() ? "" : ", ") + x;
    row.push_back(roles);
    principals.AddRow(std::move(row));
  }
  principals.Print();
  std::printf("\n");
  Table roles(columns("role"));
  for (const auto& [name, v] : s.roles) {
    std::vector<std::string> row = {name + " (" + std::to_string(v.first) +
                                    ")"};
    for (std::string& c : CountCells(v.second)) row.push_back(std::move(c));
    roles.AddRow(std::move(row));
  }
  roles.Print();
  std::printf("\n");
  Table days(columns("day (UTC)"));
  for (const auto& [day, d] : s.days) {
    std::vector<std::string> row = {day};
    for (std::string& c : CountCells(d.counts)) row.push_back(std::move(c));
    days.AddRow(std::move(row));
  }
  days.Print();
  std::printf("total: %lld accesses, %lld denied, %lld exports\n",
              static_cast<long long>(s.total.accesses),
              static_cast<long long>(s.total.denied),
              static_cast<long long>(s.total.exports));
}

int RunAuditSummary(const Args& args) {
  StatusOr<std::unique_ptr<Loaded>> l =
      Load(args, /*all=*/true, /*with_facts=*/true);
  if (!l.ok()) return Fail(l.status());
  AuditSummary s = Summarize((*l)->input);
  if (args.Has("json")) return PrintJson(SummaryJson((*l)->input, s));
  PrintSummaryTables(s);
  return 0;
}

// ---- audit anomalies -------------------------------------------------------

StatusOr<AnomalyRules> ReadRules(const Args& args) {
  AnomalyRules r;
  ASSIGN_OR_RETURN(uint64_t excess, args.GetUint("min-excess", r.min_excess));
  ASSIGN_OR_RETURN(r.excess_ratio,
                   args.GetDouble("excess-ratio", r.excess_ratio));
  ASSIGN_OR_RETURN(r.min_share, args.GetDouble("min-share", r.min_share));
  ASSIGN_OR_RETURN(uint64_t history,
                   args.GetUint("min-history", r.min_history));
  if (excess < 1 || excess > 1'000'000)
    return InvalidArgumentError("--min-excess must be 1 to 1000000");
  if (!(r.excess_ratio >= 0 && r.excess_ratio <= 100))
    return InvalidArgumentError("--excess-ratio must be 0 to 100");
  if (!(r.min_share > 0 && r.min_share <= 1))
    return InvalidArgumentError("--min-share must be above 0, at most 1");
  if (history < 1 || history > 1'000'000)
    return InvalidArgumentError("--min-history must be 1 to 1000000");
  r.min_excess = static_cast<int64_t>(excess);
  r.min_history = static_cast<int64_t>(history);
  return r;
}

json::object AnomalyJson(const Anomaly& a) {
  json::object o;
  o["rule"] = a.rule;
  o["principal"] = a.principal;
  o["roles"] = Strings(a.roles);
  if (a.rule == "reads_beyond_assignments") {
    o["assigned_records"] = a.assigned_records;
    o["records_read"] = a.records_read;
    o["unassigned_records"] = a.unassigned_records;
    o["threshold"] = a.threshold;
  } else {
    json::array hours;
    for (int h : a.usual_hours) hours.push_back(h);
    o["usual_hours_utc"] = std::move(hours);
    o["accesses"] = a.accesses;
    o["outside"] = static_cast<int64_t>(a.evidence.size());
  }
  o["evidence"] = render::AccessJson(a.evidence)["access"];
  return o;
}

std::string Describe(const Anomaly& a) {
  if (a.rule == "reads_beyond_assignments") {
    return a.principal + " opened or tried " +
           std::to_string(a.unassigned_records) +
           " records never assigned to them (" +
           std::to_string(a.records_read) + " records in all, " +
           std::to_string(a.assigned_records) + " assigned; threshold " +
           std::to_string(a.threshold) + ")";
  }
  std::string hours;
  for (int h : a.usual_hours)
    hours += (hours.empty() ? "" : ",") + std::to_string(h);
  return a.principal + ": " + std::to_string(a.evidence.size()) + " of " +
         std::to_string(a.accesses) +
         " accesses outside their usual hours (UTC " + hours + ")";
}

int RunAuditAnomalies(const Args& args) {
  StatusOr<AnomalyRules> rules = ReadRules(args);
  if (!rules.ok()) return Fail(rules.status());
  StatusOr<std::unique_ptr<Loaded>> l =
      Load(args, /*all=*/true, /*with_facts=*/true);
  if (!l.ok()) return Fail(l.status());
  std::vector<Anomaly> found = FindAnomalies((*l)->input, *rules);
  if (args.Has("json")) {
    json::object o = WindowJson((*l)->input);
    o["rules"] =
        json::object{{"reads_beyond_assignments",
                      json::object{{"min_excess", rules->min_excess},
                                   {"excess_ratio", rules->excess_ratio}}},
                     {"outside_usual_hours",
                      json::object{{"min_share", rules->min_share},
                                   {"min_history", rules->min_history}}}};
    json::array list;
    for (const Anomaly& a : found) list.push_back(AnomalyJson(a));
    o["anomalies"] = std::move(list);
    return PrintJson(o);
  }
  for (const Anomaly& a : found) {
    std::printf("%s: %s\n", a.rule.c_str(), Describe(a).c_str());
    size_t shown = 0;
    for (const p::AccessEntry* e : a.evidence) {
      if (++shown > 5) {
        std::printf("    ... %zu more (--json lists all)\n",
                    a.evidence.size() - 5);
        break;
      }
      std::printf("    #%llu %s %s %s %s:%s%s\n",
                  static_cast<unsigned long long>(e->seq),
                  FormatTimestamp(e->timestamp_us).c_str(),
                  e->allowed ? "allowed" : "DENIED", e->action.c_str(),
                  e->resource_kind.c_str(), e->resource_id.c_str(),
                  e->reason.empty() ? "" : (" (" + e->reason + ")").c_str());
    }
  }
  if (found.empty()) std::printf("no anomalies\n");
  return 0;
}

std::vector<Flag> WindowFlags() {
  return {{"from", "TIME", "from this time on (2026-03-02T00:00:00Z)"},
          {"to", "TIME", "before this time"},
          {"json", "", "print JSON instead of a table"}};
}

std::vector<Flag> With(std::vector<Flag> a, const std::vector<Flag>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Registrar audit_access_cmd(Command{
    .words = {"audit", "access"},
    .summary = "who read a record, or what a principal read (CSV for "
               "auditors)",
    .flags = With({DataFlag(),
                   {"record", "R", "accesses of this record"},
                   {"principal", "P", "accesses by this principal"},
                   {"csv", "", "print CSV (RFC 4180) instead of a table"}},
                  WindowFlags()),
    .run = RunAuditAccess,
    .notes = "Give exactly one of --record and --principal. Times are UTC; "
             "the window is [--from, --to). docs/audit.md."});

Registrar audit_summary_cmd(Command{
    .words = {"audit", "summary"},
    .summary = "accesses per principal, per role and per day; denials, "
               "exports",
    .flags = With({DataFlag()}, WindowFlags()),
    .run = RunAuditSummary,
    .notes = "Days are UTC dates. A principal holding two roles counts "
             "under both. docs/audit.md."});

Registrar audit_anomalies_cmd(Command{
    .words = {"audit", "anomalies"},
    .summary = "principals reading beyond their assignments or outside "
               "their usual hours",
    .flags = With({DataFlag(),
                   {"min-excess", "N",
                    "rule 1: at least N unassigned records (default 10)"},
                   {"excess-ratio", "X",
                    "rule 1: and at least X times the assigned ones "
                    "(default 0.05)"},
                   {"min-share", "X",
                    "rule 2: a usual hour holds X of the accesses "
                    "(default 0.02)"},
                   {"min-history", "N",
                    "rule 2: judge principals with N accesses or more "
                    "(default 20)"}},
                  WindowFlags()),
    .run = RunAuditAnomalies,
    .notes = "The two rules, their thresholds and what they miss: "
             "docs/audit.md."});

}  // namespace
}  // namespace consilium::cli
