#include "deid/detector.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <string>

#include "common/hash.h"
#include "deid/internal/name_finder.h"
#include "deid/internal/rules.h"

namespace consilium::deid {
namespace {

using internal::Rule;

// Capture groups a pattern may have: a combined family has one per
// alternative that names its hit.
constexpr int kMaxGroups = 32;

struct Compiled {
  Rule rule;
  std::unique_ptr<RE2> re;
  std::unique_ptr<RE2> veto;         // null when the rule has none
  std::unique_ptr<RE2> veto_before;  // likewise
  int groups = 0;
};

// A hit before resolution, with the rank of the rule that found it.
struct Candidate {
  Hit hit;
  int priority = 0;
};

RE2::Options PatternOptions() {
  RE2::Options o;
  o.set_log_errors(false);
  // The Set and the case-insensitive context alternations build large DFAs;
  // the default 8 MiB makes RE2 fall back to the slower NFA on long notes.
  o.set_max_mem(int64_t{64} << 20);
  return o;
}

// States and countries are not subdivisions smaller than a state: "lives in
// Ohio" is no location hit.
const char kNotLocation[] =
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|"
    "Delaware|Florida|Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|"
    "Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|"
    "Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|"
    "New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|"
    "Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|"
    "Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming|"
    "Puerto Rico|America|United States|USA|Canada|Mexico|Guatemala|"
    "Honduras|Cuba|Haiti|Brazil|Colombia|Peru|Venezuela|Argentina|Chile|"
    "England|Ireland|Scotland|Wales|France|Germany|Italy|Spain|Portugal|"
    "Poland|Ukraine|Russia|Greece|Turkey|Egypt|Nigeria|Ghana|Kenya|"
    "Ethiopia|Somalia|India|Pakistan|Bangladesh|China|Japan|Korea|Vietnam|"
    "Philippines|Thailand|Australia|Africa|Asia|Europe|Latin America|"
    "Central America|South America|Middle East|Caribbean|The|This|That";

bool HasDigit(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}
bool HasLetter(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  });
}

bool Blank(char c) { return c == ' ' || c == '\t'; }

// Two name hits are one name when only blanks (at most two) or one middle
// initial ("John A. Smith") stand between them.
bool NameGap(std::string_view gap) {
  if (gap.size() <= 2) return std::all_of(gap.begin(), gap.end(), Blank);
  return gap.size() == 4 && Blank(gap[0]) && gap[1] >= 'A' && gap[1] <= 'Z' &&
         gap[2] == '.' && Blank(gap[3]);
}

}  // namespace

struct Detector::Impl {
  std::vector<Compiled> rules;
  std::unique_ptr<RE2::Set> set;
  std::unique_ptr<RE2> not_location;
  std::unique_ptr<internal::NameFinder> names;

  void RunRule(const Compiled& c, std::string_view text,
               std::vector<Candidate>& out) const;
  std::vector<Hit> Resolve(std::string_view text,
                           std::vector<Candidate> candidates) const;
};

namespace {

StatusOr<Compiled> Compile(const Rule& rule, const std::string& where) {
  Compiled c{.rule = rule};
  c.re = std::make_unique<RE2>(rule.pattern, PatternOptions());
  if (!c.re->ok()) {
    return InvalidArgumentError(where + ": " + c.re->error());
  }
  if (c.re->Match("", 0, 0, RE2::UNANCHORED, nullptr, 0)) {
    return InvalidArgumentError(where +
                                ": matches the empty string: " + rule.pattern);
  }
  c.groups = c.re->NumberOfCapturingGroups();
  if (c.groups > kMaxGroups) {
    return InvalidArgumentError(where + ": more than " +
                                std::to_string(kMaxGroups) +
                                " capture groups: " + rule.pattern);
  }
  if (!rule.veto_after.empty()) {
    c.veto = std::make_unique<RE2>(rule.veto_after, PatternOptions());
    if (!c.veto->ok()) {
      return InvalidArgumentError(where + " veto: " + c.veto->error());
    }
  }
  if (!rule.veto_before.empty()) {
    c.veto_before = std::make_unique<RE2>(rule.veto_before, PatternOptions());
    if (!c.veto_before->ok()) {
      return InvalidArgumentError(where + " veto: " + c.veto_before->error());
    }
  }
  return c;
}

}  // namespace

StatusOr<std::unique_ptr<Detector>> Detector::Create(
    const DetectorConfig& config) {
  auto impl = std::make_unique<Impl>();
  const std::vector<Rule>& builtin = internal::BuiltinRules();
  for (size_t i = 0; i < builtin.size(); ++i) {
    ASSIGN_OR_RETURN(Compiled c,
                     Compile(builtin[i], "built-in rule " + std::to_string(i)));
    impl->rules.push_back(std::move(c));
  }
  for (size_t i = 0; i < config.patterns.size(); ++i) {
    Rule rule{.type = config.patterns[i].type,
              .pattern = config.patterns[i].regex,
              .priority = internal::kConfigPriority};
    ASSIGN_OR_RETURN(Compiled c,
                     Compile(rule, "patterns[" + std::to_string(i) + "]"));
    impl->rules.push_back(std::move(c));
  }
  impl->set = std::make_unique<RE2::Set>(PatternOptions(), RE2::UNANCHORED);
  for (const Compiled& c : impl->rules) {
    std::string error;
    if (impl->set->Add(c.rule.pattern, &error) < 0) {
      return InternalError("RE2::Set refused a compiled pattern: " + error);
    }
  }
  if (!impl->set->Compile()) {
    return ResourceExhaustedError("RE2::Set: out of memory compiling " +
                                  std::to_string(impl->rules.size()) +
                                  " patterns");
  }
  impl->not_location = std::make_unique<RE2>(
      std::string("(?:") + kNotLocation + ")", PatternOptions());
  impl->names = std::make_unique<internal::NameFinder>(config);
  return std::unique_ptr<Detector>(new Detector(std::move(impl)));
}

Detector::Detector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Detector::~Detector() = default;

void Detector::Impl::RunRule(const Compiled& c, std::string_view text,
                             std::vector<Candidate>& out) const {
  const re2::StringPiece input(text.data(), text.size());
  re2::StringPiece m[kMaxGroups + 1];
  const int n = 1 + c.groups;
  size_t pos = 0;
  while (pos < text.size() &&
         c.re->Match(input, pos, text.size(), RE2::UNANCHORED, m, n)) {
    const size_t match_end =
        static_cast<size_t>(m[0].data() - text.data()) + m[0].size();
    pos = m[0].empty() ? match_end + 1 : match_end;
    // The hit is the first capture group that took part, else the match.
    const re2::StringPiece* hp = &m[0];
    for (int g = 1; g < n; ++g) {
      if (m[g].data() != nullptr) {
        hp = &m[g];
        break;
      }
    }
    const re2::StringPiece& h = *hp;
    size_t begin = static_cast<size_t>(h.data() - text.data());
    size_t end = begin + h.size();
    if (c.rule.trim_punctuation) {
      while (end > begin && std::string_view(".,;:!?)").find(text[end - 1]) !=
                                std::string_view::npos) {
        --end;
      }
    }
    // A closing parenthesis without its opening one is the text's, not the
    // identifier's: "(S/N: 4412-XT)".
    if (end > begin && text[end - 1] == ')' &&
        std::count(text.begin() + begin, text.begin() + end, '(') <
            std::count(text.begin() + begin, text.begin() + end, ')')) {
      --end;
    }
    if (end == begin) continue;
    std::string_view s = text.substr(begin, end - begin);
    if (c.rule.needs_digit && (!HasDigit(s) || s.size() < 4)) continue;
    if (c.rule.needs_letter && !HasLetter(s)) continue;
    if (c.veto &&
        c.veto->Match(input, end, text.size(), RE2::ANCHOR_START, nullptr, 0)) {
      continue;
    }
    if (c.veto_before) {
      const size_t from = begin > 32 ? begin - 32 : 0;
      if (RE2::PartialMatch(re2::StringPiece(text.data() + from, begin - from),
                            *c.veto_before)) {
        continue;
      }
    }
    if (c.rule.type == PhiType::kLocation &&
        RE2::FullMatch(re2::StringPiece(s.data(), s.size()), *not_location)) {
      continue;
    }
    out.push_back({{begin, end, c.rule.type}, c.rule.priority});
  }
}

std::vector<Hit> Detector::Scan(std::string_view text) const {
  std::vector<int> matched;
  const re2::StringPiece input(text.data(), text.size());
  RE2::Set::ErrorInfo error;
  if (!impl_->set->Match(input, &matched, &error) &&
      error.kind != RE2::Set::kNoError) {
    // The Set's DFA ran out of memory on this text: run every rule.
    matched.clear();
    for (size_t i = 0; i < impl_->rules.size(); ++i) {
      matched.push_back(static_cast<int>(i));
    }
  }
  std::sort(matched.begin(), matched.end());
  std::vector<Candidate> candidates;
  for (int i : matched) impl_->RunRule(impl_->rules[i], text, candidates);
  return impl_->Resolve(text, std::move(candidates));
}

std::vector<Hit> Detector::Impl::Resolve(
    std::string_view text, std::vector<Candidate> candidates) const {
  // Context names go through the name finder, which trims them and adds the
  // list's names.
  std::vector<Hit> name_hits;
  std::vector<Candidate> rest;
  for (const Candidate& c : candidates) {
    if (c.hit.type == PhiType::kName &&
        c.priority < internal::kConfigPriority) {
      name_hits.push_back(c.hit);
    } else {
      rest.push_back(c);
    }
  }
  names->Find(text, name_hits);
  for (const Hit& h : name_hits) {
    rest.push_back({h, internal::kNamePriority});
  }
  std::sort(rest.begin(), rest.end(),
            [](const Candidate& a, const Candidate& b) {
              if (a.priority != b.priority) return a.priority > b.priority;
              size_t la = a.hit.end - a.hit.begin, lb = b.hit.end - b.hit.begin;
              if (la != lb) return la > lb;
              return a.hit.begin < b.hit.begin;
            });
  // Accepted hits by begin, never overlapping.
  std::map<size_t, Hit> accepted;
  for (const Candidate& c : rest) {
    Hit h = c.hit;
    auto it = accepted.upper_bound(h.begin);
    if (it != accepted.begin()) --it;
    std::vector<std::map<size_t, Hit>::iterator> same;
    bool clash = false;
    for (; it != accepted.end() && it->second.begin < h.end; ++it) {
      if (it->second.end <= h.begin) continue;
      if (it->second.type != h.type) {
        clash = true;
        break;
      }
      same.push_back(it);
    }
    if (clash) continue;
    for (auto& s : same) {
      h.begin = std::min(h.begin, s->second.begin);
      h.end = std::max(h.end, s->second.end);
      accepted.erase(s);
    }
    accepted[h.begin] = h;
  }
  std::vector<Hit> out;
  for (const auto& [begin, h] : accepted) {
    if (!out.empty() && h.type == PhiType::kName &&
        out.back().type == PhiType::kName &&
        NameGap(text.substr(out.back().end, h.begin - out.back().end))) {
      out.back().end = h.end;
      continue;
    }
    out.push_back(h);
  }
  return out;
}

}  // namespace consilium::deid

namespace consilium::deid {

// Moves whenever a built-in pattern or list changes what the detectors
// find, so reports made under other rules stay distinguishable.
constexpr std::string_view kRulesVersion = "consilium-deid/1";

std::shared_ptr<const Detector> BuiltInDetector() {
  static const std::shared_ptr<const Detector> built = [] {
    StatusOr<std::unique_ptr<Detector>> d = Detector::Create({});
    // The built-in patterns compile; a failure is a defect of this build.
    if (!d.ok()) std::abort();
    return std::shared_ptr<const Detector>(std::move(*d));
  }();
  return built;
}

std::string DetectorIdentity(std::string_view config_text) {
  std::string id(kRulesVersion);
  if (!config_text.empty()) {
    id += "+config-sha256:" + ToHex(Sha256(config_text));
  }
  return id;
}

}  // namespace consilium::deid
