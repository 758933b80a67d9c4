#include "tools/audit_report.h"

#include <cmath>
#include <ctime>
#include <map>
#include <utility>

#include "domain/domain_state.h"
#include "schemas/event.h"

namespace consilium::cli {

namespace p = ::consilium::projections;

std::string DayOf(int64_t micros) {
  std::time_t secs = static_cast<std::time_t>(
      micros >= 0 ? micros / 1'000'000 : (micros - 999'999) / 1'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

int HourOf(int64_t micros) {
  constexpr int64_t kHourUs = int64_t{3600} * 1'000'000;
  int64_t h = (micros / kHourUs) % 24;
  return static_cast<int>(h < 0 ? h + 24 : h);
}

StatusOr<std::map<std::string, PrincipalFacts>> LoadPrincipalFacts(
    const Ledger& ledger, uint64_t through_seq) {
  domain::DomainState state;
  std::map<std::string, std::set<std::string>> assigned;
  if (through_seq > 0) {
    Status s = ledger.Scan(1, through_seq, [&](const StoredEvent& e) {
      state.Apply(e);
      const fb::Event* ev = e.event();
      if (ev->body_type() == fb::EventBody::AssignmentCreated) {
        const auto* a = ev->body_as_AssignmentCreated();
        assigned[a->annotator_id()->str()].insert(a->record_id()->str());
      }
      return true;
    });
    if (!s.ok()) return s;
  }
  std::map<std::string, PrincipalFacts> out;
  for (const auto& [id, ps] : state.principals()) {
    PrincipalFacts& f = out[id];
    f.model = ps.is_model();
    for (const domain::RoleGrant& g : ps.roles) {
      std::string name(RoleName(g.role));
      f.role_names.insert(name);
      f.roles.push_back(g.project.empty() ? name : name + "@" + g.project);
      if (g.role == fb::Role::Adjudicator)
        f.adjudicator_projects.insert(g.project);
    }
    if (auto it = assigned.find(id); it != assigned.end())
      f.assigned_records = std::move(it->second);
  }
  return out;
}

void AccessCounts::Add(const p::AccessEntry& e) {
  ++accesses;
  (e.allowed ? allowed : denied) += 1;
  exports += e.action == "export";
}

AuditSummary Summarize(const AuditInput& in) {
  AuditSummary s;
  std::map<std::string, std::pair<AccessCounts, std::set<std::string>>> by;
  std::map<std::string, std::set<std::string>> day_principals;
  for (const p::AccessEntry* e : in.entries) {
    s.total.Add(*e);
    auto& [counts, records] = by[e->actor];
    counts.Add(*e);
    if (!e->record.empty()) records.insert(e->record);
    std::string day = DayOf(e->timestamp_us);
    s.days[day].counts.Add(*e);
    day_principals[day].insert(e->actor);
  }
  for (auto& [day, who] : day_principals)
    s.days[day].principals = static_cast<int64_t>(who.size());
  for (auto& [id, v] : by) {
    AuditSummary::Principal row{.id = id, .counts = v.first};
    row.records = static_cast<int64_t>(v.second.size());
    std::set<std::string> names = {"none"};
    if (auto it = in.principals.find(id); it != in.principals.end()) {
      row.model = it->second.model;
      row.roles = it->second.roles;
      if (!it->second.role_names.empty()) names = it->second.role_names;
    }
    for (const std::string& n : names) {
      auto& [holders, counts] = s.roles[n];
      ++holders;
      counts.accesses += row.counts.accesses;
      counts.allowed += row.counts.allowed;
      counts.denied += row.counts.denied;
      counts.exports += row.counts.exports;
    }
    s.principals.push_back(std::move(row));
  }
  return s;
}

namespace {

const PrincipalFacts& FactsOf(const AuditInput& in, const std::string& id) {
  static const PrincipalFacts kUnknown;
  auto it = in.principals.find(id);
  return it == in.principals.end() ? kUnknown : it->second;
}

// An allowed read made as adjudication work: what ShowToAdjudicator records
// for a claimed item (action "adjudicate", purpose "adjudication lease N"),
// or any read the caller gave purpose "adjudication".
bool IsAdjudicationRead(const p::AccessEntry& e) {
  return e.allowed &&
         (e.action == "adjudicate" || e.purpose == "adjudication" ||
          e.purpose.starts_with("adjudication lease "));
}

// Rule 1 (docs/audit.md): records a person opened, or tried to, that were
// never assigned to them; an adjudicator's allowed reads for adjudication
// (the engine's "adjudicate" reads under a lease, or purpose "adjudication")
// in a project they adjudicate are their work, not counted.
void ReadsBeyondAssignments(
    const AuditInput& in, const AnomalyRules& rules,
    const std::map<std::string, std::vector<const p::AccessEntry*>>& by,
    std::vector<Anomaly>* out) {
  for (const auto& [id, entries] : by) {
    const PrincipalFacts& f = FactsOf(in, id);
    if (f.model) continue;  // models are never assigned
    std::set<std::string> read;
    Anomaly a{
        .rule = "reads_beyond_assignments", .principal = id, .roles = f.roles};
    for (const p::AccessEntry* e : entries) {
      if (e->record.empty()) continue;
      if (IsAdjudicationRead(*e) && f.adjudicator_projects.count(e->project))
        continue;
      if (!read.insert(e->record).second) continue;
      if (!f.assigned_records.count(e->record)) a.evidence.push_back(e);
    }
    a.assigned_records = static_cast<int64_t>(f.assigned_records.size());
    a.records_read = static_cast<int64_t>(read.size());
    a.unassigned_records = static_cast<int64_t>(a.evidence.size());
    a.threshold = std::max<int64_t>(
        rules.min_excess,
        static_cast<int64_t>(std::ceil(
            rules.excess_ratio * static_cast<double>(a.assigned_records))));
    if (a.unassigned_records > 0 && a.unassigned_records >= a.threshold)
      out->push_back(std::move(a));
  }
}

// Rule 2: an hour of the day (UTC) is usual for a principal when it holds
// at least min_share of their accesses; the usual hours are widened by one
// hour on each side; with at least min_history accesses, any access outside
// them is reported.
void OutsideUsualHours(
    const AuditInput& in, const AnomalyRules& rules,
    const std::map<std::string, std::vector<const p::AccessEntry*>>& by,
    std::vector<Anomaly>* out) {
  for (const auto& [id, entries] : by) {
    const int64_t n = static_cast<int64_t>(entries.size());
    if (n < rules.min_history) continue;
    std::array<int64_t, 24> hours{};
    for (const p::AccessEntry* e : entries) ++hours[HourOf(e->timestamp_us)];
    std::array<bool, 24> usual{};
    for (int h = 0; h < 24; ++h) {
      if (static_cast<double>(hours[h]) < rules.min_share * n) continue;
      for (int d : {23, 0, 1}) usual[(h + d) % 24] = true;
    }
    Anomaly a{.rule = "outside_usual_hours",
              .principal = id,
              .roles = FactsOf(in, id).roles};
    a.accesses = n;
    for (int h = 0; h < 24; ++h)
      if (usual[h]) a.usual_hours.push_back(h);
    for (const p::AccessEntry* e : entries)
      if (!usual[HourOf(e->timestamp_us)]) a.evidence.push_back(e);
    if (!a.evidence.empty()) out->push_back(std::move(a));
  }
}

}  // namespace

std::vector<Anomaly> FindAnomalies(const AuditInput& in,
                                   const AnomalyRules& rules) {
  std::map<std::string, std::vector<const p::AccessEntry*>> by;
  for (const p::AccessEntry* e : in.entries) by[e->actor].push_back(e);
  std::vector<Anomaly> out;
  ReadsBeyondAssignments(in, rules, by, &out);
  OutsideUsualHours(in, rules, by, &out);
  return out;
}

}  // namespace consilium::cli
