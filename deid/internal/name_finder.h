// The name-list pass of the detectors: capitalized words found in the name
// lists, ambiguous names (Hope, Will, Rose) beside another name, and the
// surname after a listed given name. Also trims the name hits of the
// context patterns of words that are never names ("Cardiology"). Private to
// deid/.
//
// Thread-safety: immutable after construction; Find may run concurrently.
#ifndef CONSILIUM_DEID_INTERNAL_NAME_FINDER_H_
#define CONSILIUM_DEID_INTERNAL_NAME_FINDER_H_

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "deid/config.h"
#include "deid/detector.h"

namespace consilium::deid::internal {

class NameFinder {
 public:
  explicit NameFinder(const DetectorConfig& config);

  // `hits` holds the context patterns' name hits (possibly overlapping).
  // Trims each of never-name words at either end (dropping it when nothing
  // is left) and appends the list's name hits. Not sorted or merged.
  void Find(std::string_view text, std::vector<Hit>& hits) const;

 private:
  enum class Kind { kNone, kFirst, kSurname, kAmbiguous, kNever };
  struct Token {
    size_t begin = 0;
    size_t end = 0;
    bool capitalized = false;
    bool all_caps = false;
    Kind kind = Kind::kNone;
  };
  std::vector<Token> Tokenize(std::string_view text) const;
  Kind Classify(std::string_view word, bool all_caps) const;
  void TrimContextHits(std::string_view text, std::vector<Hit>& hits) const;
  // Whether tokens[i] names a disease, sign or device ("Parkinson disease").
  static bool Eponym(std::string_view text, const std::vector<Token>& tokens,
                     size_t i);

  std::unordered_set<std::string> first_;
  std::unordered_set<std::string> surnames_;
  std::unordered_set<std::string> ambiguous_;
  std::unordered_set<std::string> never_;
};

}  // namespace consilium::deid::internal

#endif  // CONSILIUM_DEID_INTERNAL_NAME_FINDER_H_
