#include "deid/internal/name_finder.h"

#include <algorithm>

#include "deid/internal/name_lists.h"

namespace consilium::deid::internal {
namespace {

bool IsUpper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(unsigned char c) { return c >= 'a' && c <= 'z'; }
bool IsWordByte(unsigned char c) {
  return IsUpper(c) || IsLower(c) || c >= 0x80;
}

// ASCII lower case, and the Latin-1 capitals (U+00C0..U+00DE, but U+00D7)
// of two-byte UTF-8: what the lists hold is lower case.
std::string Fold(std::string_view word) {
  std::string out(word);
  for (size_t i = 0; i < out.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(out[i]);
    if (IsUpper(c)) {
      out[i] = static_cast<char>(c + 32);
    } else if (c == 0xC3 && i + 1 < out.size()) {
      unsigned char d = static_cast<unsigned char>(out[i + 1]);
      if (d >= 0x80 && d <= 0x9E && d != 0x97)
        out[i + 1] = static_cast<char>(d + 32);
      ++i;
    }
  }
  return out;
}

void AddWords(std::string_view words, std::unordered_set<std::string>& to) {
  size_t i = 0;
  while (i < words.size()) {
    size_t j = words.find(' ', i);
    if (j == std::string_view::npos) j = words.size();
    if (j > i) to.insert(Fold(words.substr(i, j - i)));
    i = j + 1;
  }
}

bool Capitalized(std::string_view w) {
  unsigned char c = static_cast<unsigned char>(w[0]);
  if (IsUpper(c)) return true;
  return c == 0xC3 && w.size() > 1 &&
         static_cast<unsigned char>(w[1]) >= 0x80 &&
         static_cast<unsigned char>(w[1]) <= 0x9E;
}

bool AllCaps(std::string_view w) {
  if (w.size() < 2) return false;
  for (char ch : w) {
    if (IsLower(static_cast<unsigned char>(ch))) return false;
  }
  return true;
}

// Only blanks between two tokens on one line, or one initial ("J.").
bool Adjacent(std::string_view text, size_t end, size_t begin) {
  std::string_view gap = text.substr(end, begin - end);
  if (gap.empty() || gap.size() > 6) return false;
  size_t blanks = 0;
  for (char c : gap) blanks += (c == ' ' || c == '\t');
  if (blanks == gap.size()) return gap.size() <= 2;
  // " J. " : blank, capital, dot, blank.
  return gap.size() >= 4 && (gap[0] == ' ' || gap[0] == '\t') &&
         IsUpper(static_cast<unsigned char>(gap[1])) && gap[2] == '.' &&
         (gap[3] == ' ' || gap[3] == '\t');
}

// Words after a person's name that make it an eponym, not a person:
// "Parkinson disease", "Murphy sign", "Wilson's disease", "Foley catheter".
bool EponymWord(std::string_view w) {
  static constexpr std::string_view kWords[] = {
      "disease",     "syndrome",  "sign",      "signs",    "palsy",
      "lymphoma",    "sarcoma",   "catheter",  "test",     "maneuver",
      "manoeuvre",   "criteria",  "score",     "scale",    "classification",
      "fracture",    "procedure", "operation", "reflex",   "phenomenon",
      "thyroiditis", "disorder",  "tumor",     "tumour",   "ulcer",
      "node",        "nodes",     "law",       "triad",    "point",
      "position",    "rule",      "rules",     "equation", "formula",
      "stain",       "solution",  "tube",      "incision", "repair",
      "shunt",       "filter",    "index",     "grading",  "staging",
      "dementia",    "chorea",    "anomaly",   "cyst",     "body",
      "bodies",      "cells",     "effect",    "method",   "technique"};
  std::string f = Fold(w);
  for (std::string_view k : kWords) {
    if (f == k) return true;
  }
  return false;
}

}  // namespace

bool NameFinder::Eponym(std::string_view text, const std::vector<Token>& tokens,
                        size_t i) {
  if (i + 1 >= tokens.size()) return false;
  const Token& word = tokens[i + 1];
  std::string_view gap = text.substr(tokens[i].end, word.begin - tokens[i].end);
  // "Wilson's disease": the tokenizer left the possessive in the gap.
  for (std::string_view s :
       {std::string_view("'s"), std::string_view("\xE2\x80\x99s")}) {
    if (gap.substr(0, s.size()) == s) {
      gap.remove_prefix(s.size());
      break;
    }
  }
  if (gap.empty() || gap.size() > 2) return false;
  return EponymWord(text.substr(word.begin, word.end - word.begin));
}

NameFinder::NameFinder(const DetectorConfig& config) {
  if (config.builtin_names) {
    AddWords(BuiltinFirstNames(), first_);
    AddWords(BuiltinSurnames(), surnames_);
    AddWords(BuiltinAmbiguousNames(), ambiguous_);
  }
  AddWords(BuiltinNotNames(), never_);
  for (const std::string& n : config.names) surnames_.insert(Fold(n));
  for (const std::string& n : config.ambiguous_names) {
    std::string f = Fold(n);
    ambiguous_.insert(f);
    first_.erase(f);
    surnames_.erase(f);
  }
  for (const std::string& n : config.not_names) never_.insert(Fold(n));
  // A name a team lists outranks the built-in never-list ("Will" as a word
  // is in neither; "Mason" the surname against "mason" the trade).
  for (const std::string& n : config.names) never_.erase(Fold(n));
  for (const std::string& n : config.ambiguous_names) never_.erase(Fold(n));
}

NameFinder::Kind NameFinder::Classify(std::string_view word,
                                      bool all_caps) const {
  std::string f = Fold(word);
  if (never_.count(f)) return Kind::kNever;
  if (ambiguous_.count(f)) return all_caps ? Kind::kNone : Kind::kAmbiguous;
  if (all_caps && word.size() < 3) return Kind::kNone;
  if (first_.count(f)) return Kind::kFirst;
  if (surnames_.count(f)) return Kind::kSurname;
  return Kind::kNone;
}

std::vector<NameFinder::Token> NameFinder::Tokenize(
    std::string_view text) const {
  std::vector<Token> out;
  size_t i = 0;
  while (i < text.size()) {
    if (!IsWordByte(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size()) {
      unsigned char c = static_cast<unsigned char>(text[j]);
      bool inner = (c == '\'' || c == '-') && j + 1 < text.size() &&
                   IsWordByte(static_cast<unsigned char>(text[j + 1]));
      if (!IsWordByte(c) && !inner) break;
      ++j;
    }
    size_t end = j;
    std::string_view w = text.substr(i, end - i);
    // A possessive names the person without its 's.
    for (std::string_view s :
         {std::string_view("'s"), std::string_view("\xE2\x80\x99s")}) {
      if (w.size() > s.size() + 1 && w.substr(w.size() - s.size()) == s) {
        end -= s.size();
        w = text.substr(i, end - i);
        break;
      }
    }
    // A middle initial ("John T. Smith") is part of the gap between name
    // words (Adjacent), not a word of its own.
    if (end == i + 1 && IsUpper(static_cast<unsigned char>(text[i])) &&
        end < text.size() && text[end] == '.') {
      i = j;
      continue;
    }
    Token t{.begin = i, .end = end};
    t.capitalized = Capitalized(w);
    t.all_caps = AllCaps(w);
    if (t.capitalized) t.kind = Classify(w, t.all_caps);
    out.push_back(t);
    i = j;
  }
  return out;
}

void NameFinder::TrimContextHits(std::string_view text,
                                 std::vector<Hit>& hits) const {
  std::vector<Hit> kept;
  for (Hit h : hits) {
    std::vector<Token> tokens = Tokenize(text.substr(h.begin, h.end - h.begin));
    size_t first = 0, last = tokens.size();
    auto never = [&](const Token& t) {
      return t.kind == Kind::kNever || !t.capitalized;
    };
    while (first < last && never(tokens[first])) ++first;
    while (last > first && never(tokens[last - 1])) --last;
    if (first == last) continue;
    // Clinical words in the same phrase make the rest suspect ("Attending:
    // Critical Care Team", "Patient Reports Chest Pain"): what is left must
    // hold a listed name to stay. Words past punctuation are another phrase
    // ("Pt Oyelaran, Age: 92").
    std::string_view inside = text.substr(h.begin, h.end - h.begin);
    auto blanks_between = [&](size_t a, size_t b) {
      for (size_t k = tokens[a].end; k < tokens[b].begin; ++k) {
        if (inside[k] != ' ' && inside[k] != '\t') return false;
      }
      return true;
    };
    if ((first > 0 && blanks_between(first - 1, first)) ||
        (last < tokens.size() && blanks_between(last - 1, last))) {
      bool listed = false;
      for (size_t k = first; k < last; ++k) {
        listed = listed || tokens[k].kind == Kind::kFirst ||
                 tokens[k].kind == Kind::kSurname ||
                 tokens[k].kind == Kind::kAmbiguous;
      }
      if (!listed) continue;
    }
    // Untrimmed ends stay where the pattern put them: a leading initial
    // ("K. Osei") is no token but is part of the name.
    kept.push_back(
        {first == 0 ? h.begin : h.begin + tokens[first].begin,
         last == tokens.size() ? h.end : h.begin + tokens[last - 1].end,
         h.type});
  }
  hits = std::move(kept);
}

void NameFinder::Find(std::string_view text, std::vector<Hit>& hits) const {
  TrimContextHits(text, hits);
  std::vector<Token> tokens = Tokenize(text);
  const size_t n = tokens.size();
  std::vector<bool> name(n, false);
  // Tokens inside a context hit count as names for their neighbours.
  std::vector<Hit> sorted = hits;
  std::sort(sorted.begin(), sorted.end(),
            [](const Hit& a, const Hit& b) { return a.begin < b.begin; });
  size_t h = 0;
  for (size_t i = 0; i < n; ++i) {
    while (h < sorted.size() && sorted[h].end <= tokens[i].begin) ++h;
    for (size_t k = h; k < sorted.size() && sorted[k].begin < tokens[i].end;
         ++k) {
      if (sorted[k].end > tokens[i].begin) name[i] = true;
    }
    Kind kind = tokens[i].kind;
    if ((kind == Kind::kFirst || kind == Kind::kSurname) &&
        !Eponym(text, tokens, i)) {
      name[i] = true;
    }
  }
  auto linked = [&](size_t a, size_t b) {
    return Adjacent(text, tokens[a].end, tokens[b].begin);
  };
  // Ambiguous names beside a name, twice so that "Hope Will Garcia" settles;
  // then the capitalized word after a given name (an unlisted surname).
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < n; ++i) {
      if (name[i] || tokens[i].kind != Kind::kAmbiguous) continue;
      if ((i > 0 && name[i - 1] && linked(i - 1, i)) ||
          (i + 1 < n && name[i + 1] && linked(i, i + 1))) {
        name[i] = true;
      }
    }
  }
  for (size_t i = 0; i + 1 < n; ++i) {
    const Token& next = tokens[i + 1];
    if (tokens[i].kind == Kind::kFirst && name[i] && !name[i + 1] &&
        next.capitalized && !next.all_caps && next.kind != Kind::kNever &&
        next.end - next.begin > 1 && linked(i, i + 1)) {
      name[i + 1] = true;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (name[i])
      hits.push_back({tokens[i].begin, tokens[i].end, PhiType::kName});
  }
}

}  // namespace consilium::deid::internal
