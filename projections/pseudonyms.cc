#include "projections/pseudonyms.h"

#include <algorithm>
#include <map>
#include <utility>

namespace consilium::projections {
namespace {

// Annotation id -> "<pseudonym>/<n>", n counting the annotations of the
// record in the order they first appear in its history (sequence order).
class AnnotationAliases {
 public:
  AnnotationAliases(const AnalyticsState& state, const RecordDistribution& d) {
    for (const RevisionEntry& r : d.history) {
      if (aliases_.count(r.annotation_id)) continue;
      aliases_[r.annotation_id] = PseudonymOf(state, r.annotator) + "/" +
                                  std::to_string(aliases_.size() + 1);
    }
  }
  // Every current value has a history entry; an id missing from it (a
  // hand-made result) still gets an alias rather than its real id.
  std::string Alias(const AnalyticsState& state, const std::string& id,
                    const std::string& annotator) {
    auto it = aliases_.find(id);
    if (it != aliases_.end()) return it->second;
    std::string alias = PseudonymOf(state, annotator) + "/" +
                        std::to_string(aliases_.size() + 1);
    aliases_[id] = alias;
    return alias;
  }

 private:
  std::map<std::string, std::string> aliases_;
};

void PseudonymizeValues(const AnalyticsState& state, AnnotationAliases& alias,
                        ValueCounts& vc) {
  for (CurrentValue& v : vc.values) {
    v.annotation_id = alias.Alias(state, v.annotation_id, v.annotator);
    v.annotator = PseudonymOf(state, v.annotator);
  }
  std::stable_sort(vc.values.begin(), vc.values.end(),
                   [](const CurrentValue& a, const CurrentValue& b) {
                     return a.annotator < b.annotator;
                   });
}

}  // namespace

std::string PseudonymOf(const AnalyticsState& state,
                        std::string_view principal) {
  auto it = state.principals().find(principal);
  if (it == state.principals().end() || it->second.pseudonym.empty()) {
    return "unregistered";
  }
  return it->second.pseudonym;
}

void PseudonymizeDistribution(const AnalyticsState& state,
                              RecordDistribution* d) {
  AnnotationAliases alias(state, *d);
  for (FieldDistribution& f : d->fields) {
    PseudonymizeValues(state, alias, f.human);
    PseudonymizeValues(state, alias, f.model);
  }
  for (RevisionEntry& r : d->history) {
    r.annotation_id = alias.Alias(state, r.annotation_id, r.annotator);
    r.annotator = PseudonymOf(state, r.annotator);
  }
}

void PseudonymizeAgreement(const AnalyticsState& state,
                           std::vector<FieldAgreement>* fields) {
  for (FieldAgreement& f : *fields) {
    for (std::string& name : f.rater_names) name = PseudonymOf(state, name);
  }
}

void PseudonymizeCalibration(const AnalyticsState& state,
                             std::vector<AnnotatorCalibration>* annotators) {
  for (AnnotatorCalibration& c : *annotators) {
    c.annotator = PseudonymOf(state, c.annotator);
    for (PeerAgreement& p : c.peers) p.peer = PseudonymOf(state, p.peer);
    std::stable_sort(c.peers.begin(), c.peers.end(),
                     [](const PeerAgreement& a, const PeerAgreement& b) {
                       return a.peer < b.peer;
                     });
  }
  std::stable_sort(
      annotators->begin(), annotators->end(),
      [](const AnnotatorCalibration& a, const AnnotatorCalibration& b) {
        return a.annotator < b.annotator;
      });
}

void PseudonymizeReport(const AnalyticsState& state, ReportFigures* figures) {
  for (AgreementGroup& g : figures->groups)
    PseudonymizeAgreement(state, &g.fields);
  for (KappaMatrix& k : figures->kappa) {
    for (std::string& rater : k.raters) rater = PseudonymOf(state, rater);
  }
  PseudonymizeCalibration(state, &figures->annotators);
}

}  // namespace consilium::projections
