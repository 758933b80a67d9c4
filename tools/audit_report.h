// The answers of `consilium audit access|summary|anomalies` (docs/audit.md),
// computed from the projections' access index (AnalyticsState::access(), one
// entry per AccessRecorded event) and, for roles and assignments, the domain
// state and AssignmentCreated events up to the same position.
//
// Thread-safety: plain functions over values.
//
//   AuditInput in = ...;  // LoadAuditInput
//   AuditSummary s = Summarize(in);
#ifndef CONSILIUM_TOOLS_AUDIT_REPORT_H_
#define CONSILIUM_TOOLS_AUDIT_REPORT_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "ledger/ledger.h"
#include "projections/access_history.h"

namespace consilium::cli {

struct PrincipalFacts {
  bool model = false;
  std::vector<std::string> roles{};    // "annotator@p1", "auditor" (global)
  std::set<std::string> role_names{};  // "annotator", "auditor"
  std::set<std::string> adjudicator_projects{};  // where they adjudicate
  std::set<std::string> assigned_records{};      // ever assigned
};

struct AuditInput {
  uint64_t as_of_seq = 0;
  int64_t from_us = 0, to_us = INT64_MAX;  // [from, to)
  // Access entries with from_us <= time < to_us, in sequence order.
  std::vector<const projections::AccessEntry*> entries{};
  std::map<std::string, PrincipalFacts> principals{};  // every principal
};

// Principals' roles and kinds (domain state) and every assignment ever
// created, from events 1..`through_seq` of `ledger`.
StatusOr<std::map<std::string, PrincipalFacts>> LoadPrincipalFacts(
    const Ledger& ledger, uint64_t through_seq);

struct AccessCounts {
  int64_t accesses = 0, allowed = 0, denied = 0, exports = 0;
  void Add(const projections::AccessEntry& e);
};

struct AuditSummary {
  AccessCounts total{};
  struct Principal {
    std::string id{};
    bool model = false;
    std::vector<std::string> roles{};
    AccessCounts counts{};
    int64_t records = 0;  // distinct records touched
  };
  std::vector<Principal> principals{};  // those with accesses, by id
  // Role name ("none" for a principal without one) -> (how many principals
  // holding it accessed anything, their accesses). A principal with two
  // roles counts under both.
  std::map<std::string, std::pair<int64_t, AccessCounts>> roles{};
  struct Day {
    AccessCounts counts{};
    int64_t principals = 0;
  };
  std::map<std::string, Day> days{};  // "2026-03-02" (UTC) -> counts
};
AuditSummary Summarize(const AuditInput& in);

struct AnomalyRules {
  int64_t min_excess = 10;     // rule 1: unassigned records at least this
  double excess_ratio = 0.05;  // ... and this share of the assigned ones
  double min_share = 0.02;     // rule 2: a usual hour holds this share
  int64_t min_history = 20;    // ... of at least this many accesses
};

struct Anomaly {
  std::string rule{};  // reads_beyond_assignments | outside_usual_hours
  std::string principal{};
  std::vector<std::string> roles{};
  // Rule 1.
  int64_t assigned_records = 0, records_read = 0, unassigned_records = 0,
          threshold = 0;
  // Rule 2.
  std::vector<int> usual_hours{};  // UTC hours, widened by one on each side
  int64_t accesses = 0;
  // The entries behind the finding (rule 1: first access of each
  // unassigned record; rule 2: every access outside the usual hours).
  std::vector<const projections::AccessEntry*> evidence{};
};
std::vector<Anomaly> FindAnomalies(const AuditInput& in,
                                   const AnomalyRules& rules);

// "2026-03-02" for a time in microseconds (UTC).
std::string DayOf(int64_t micros);
int HourOf(int64_t micros);

}  // namespace consilium::cli

#endif  // CONSILIUM_TOOLS_AUDIT_REPORT_H_
