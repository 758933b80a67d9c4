#include "statistics/rating_table.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <optional>
#include <string>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace consilium::statistics {

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kNominal:
      return "nominal";
    case Level::kOrdinal:
      return "ordinal";
    case Level::kInterval:
      return "interval";
    case Level::kRatio:
      return "ratio";
  }
  return "nominal";
}

StatusOr<Level> ParseLevel(std::string_view name) {
  for (Level l :
       {Level::kNominal, Level::kOrdinal, Level::kInterval, Level::kRatio}) {
    if (name == LevelName(l)) return l;
  }
  return InvalidArgumentError("unknown level \"" + std::string(name) +
                              "\" (expected nominal, ordinal, interval or "
                              "ratio)");
}

namespace {

bool NeedsNumbers(Level level) {
  return level == Level::kInterval || level == Level::kRatio;
}

// A finite decimal number, the whole string ("1", "-2.5", "+3", "1e3").
std::optional<double> ParseFiniteNumber(std::string_view s) {
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  if (begin != end && *begin == '+') ++begin;
  if (begin == end) return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::string Where(int64_t line, int64_t column) {
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::string Quoted(std::string_view s) {
  constexpr size_t kMax = 60;
  std::string out = "\"";
  out.append(s.substr(0, kMax));
  if (s.size() > kMax) out += "...";
  out += "\"";
  return out;
}

bool IsMissing(std::string_view cell) { return cell.empty() || cell == "NA"; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// RFC 4180 reader, one record at a time. Records are separated by LF, CRLF or
// CR; a quoted field may contain separators, newlines and doubled quotes.
// Lenient in two documented ways: spaces and tabs around a field are dropped
// when it is not quoted (and around the quotes when it is), and blank lines
// are skipped.
class CsvReader {
 public:
  explicit CsvReader(std::string_view text) : text_(text) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
  }

  // Reads the next record into `fields`; sets `line` to the line the record
  // starts on. Returns false at the end of input.
  StatusOr<bool> Next(std::vector<std::string>* fields, int64_t* line) {
    fields->clear();
    // Skip blank lines.
    while (pos_ < text_.size() &&
           (text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ConsumeNewline();
    }
    if (pos_ >= text_.size()) return false;
    *line = line_;
    while (true) {
      std::string field;
      int64_t column = static_cast<int64_t>(fields->size()) + 1;
      SkipBlanks();
      if (pos_ < text_.size() && text_[pos_] == '"') {
        int64_t open_line = line_;
        ++pos_;
        bool closed = false;
        while (pos_ < text_.size()) {
          char c = text_[pos_];
          if (c == '"') {
            if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
              field.push_back('"');
              pos_ += 2;
              continue;
            }
            ++pos_;
            closed = true;
            break;
          }
          if (c == '\n' || c == '\r') {
            // Newlines inside quotes are data; keep CRLF as LF.
            ConsumeNewline();
            field.push_back('\n');
            continue;
          }
          field.push_back(c);
          ++pos_;
        }
        if (!closed) {
          return InvalidArgumentError(Where(open_line, column) +
                                      ": quoted field is not closed");
        }
        SkipBlanks();
        if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n' &&
            text_[pos_] != '\r') {
          return InvalidArgumentError(
              Where(line_, column) + ": unexpected character '" +
              std::string(1, text_[pos_]) +
              "' after the closing quote (expected ',' or end of line)");
        }
      } else {
        size_t start = pos_;
        while (pos_ < text_.size() && text_[pos_] != ',' &&
               text_[pos_] != '\n' && text_[pos_] != '\r') {
          if (text_[pos_] == '"') {
            return InvalidArgumentError(
                Where(line_, column) +
                ": stray '\"' inside an unquoted field (quote the whole "
                "field and double the quotes inside it)");
          }
          ++pos_;
        }
        std::string_view raw = text_.substr(start, pos_ - start);
        while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t')) {
          raw.remove_suffix(1);
        }
        field.assign(raw);
      }
      fields->push_back(std::move(field));
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size()) ConsumeNewline();
      return true;
    }
  }

 private:
  void SkipBlanks() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) {
      ++pos_;
    }
  }
  // Requires text_[pos_] to be '\n' or '\r'.
  void ConsumeNewline() {
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() &&
        text_[pos_ + 1] == '\n') {
      ++pos_;
    }
    ++pos_;
    ++line_;
  }

  std::string_view text_;
  size_t pos_ = 0;
  int64_t line_ = 1;
};

}  // namespace

// Collects items, raters and labels by name and ratings by index, then fixes
// the category order and builds the grouped arrays.
class RatingTableBuilder {
 public:
  int32_t InternItem(const std::string& id) {
    return Intern(id, &item_index_, &table_.item_ids_);
  }
  int32_t InternRater(const std::string& name) {
    return Intern(name, &rater_index_, &table_.rater_names_);
  }
  int32_t InternLabel(const std::string& label) {
    return Intern(label, &label_index_, &labels_);
  }
  void Add(int32_t item, int32_t rater, int32_t label) {
    table_.ratings_.push_back(Rating{item, rater, label});
  }

  // Takes names and ratings already indexed (FromRatings).
  void SetIndexed(std::vector<std::string> items,
                  std::vector<std::string> raters,
                  std::vector<std::string> labels,
                  std::vector<Rating> ratings) {
    table_.item_ids_ = std::move(items);
    table_.rater_names_ = std::move(raters);
    labels_ = std::move(labels);
    table_.ratings_ = std::move(ratings);
  }

  StatusOr<RatingTable> Build(Level level) && {
    RETURN_IF_ERROR(OrderCategories(level));
    GroupRatings();
    return std::move(table_);
  }

 private:
  static int32_t Intern(const std::string& name,
                        std::unordered_map<std::string, int32_t>* index,
                        std::vector<std::string>* names) {
    auto [it, inserted] =
        index->try_emplace(name, static_cast<int32_t>(names->size()));
    if (inserted) names->push_back(name);
    return it->second;
  }

  // Sorts the provisional labels (numerically when all are numbers, merging
  // equal values under the spelling seen first), and remaps the ratings.
  Status OrderCategories(Level level) {
    const size_t n = labels_.size();
    std::vector<double> values(n, 0.0);
    bool numeric = true;
    for (size_t i = 0; i < n; ++i) {
      std::optional<double> v = ParseFiniteNumber(labels_[i]);
      if (!v) {
        numeric = false;
        if (NeedsNumbers(level)) {
          return InvalidArgumentError(
              "label " + Quoted(labels_[i]) + " is not a number (level " +
              std::string(LevelName(level)) + " needs numbers)");
        }
        break;
      }
      values[i] = *v;
    }
    std::vector<int32_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::vector<int32_t> remap(n, 0);
    table_.numeric_ = numeric;
    table_.category_labels_.clear();
    table_.category_values_.clear();
    if (numeric) {
      // Ties (equal values) keep first-seen order, so the first spelling
      // becomes the category's label.
      std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
        return values[a] < values[b];
      });
      for (int32_t idx : order) {
        if (table_.category_values_.empty() ||
            table_.category_values_.back() != values[idx]) {
          table_.category_values_.push_back(values[idx]);
          table_.category_labels_.push_back(labels_[idx]);
        }
        remap[idx] = static_cast<int32_t>(table_.category_labels_.size()) - 1;
      }
    } else {
      std::sort(order.begin(), order.end(),
                [&](int32_t a, int32_t b) { return labels_[a] < labels_[b]; });
      for (int32_t idx : order) {
        remap[idx] = static_cast<int32_t>(table_.category_labels_.size());
        table_.category_labels_.push_back(labels_[idx]);
      }
    }
    for (Rating& r : table_.ratings_) r.category = remap[r.category];
    return OkStatus();
  }

  void GroupRatings() {
    std::vector<Rating>& ratings = table_.ratings_;
    auto by_item_rater = [](const Rating& a, const Rating& b) {
      return a.item != b.item ? a.item < b.item : a.rater < b.rater;
    };
    // Stable: repeats of one (item, rater) stay in input order.
    if (!std::is_sorted(ratings.begin(), ratings.end(), by_item_rater)) {
      std::stable_sort(ratings.begin(), ratings.end(), by_item_rater);
    }
    const int32_t items = table_.num_items();
    table_.rating_offsets_.assign(items + 1, 0);
    for (const Rating& r : ratings) ++table_.rating_offsets_[r.item + 1];
    for (int32_t i = 0; i < items; ++i) {
      table_.rating_offsets_[i + 1] += table_.rating_offsets_[i];
    }
    table_.current_.clear();
    table_.current_.reserve(ratings.size());
    table_.current_offsets_.assign(items + 1, 0);
    for (size_t k = 0; k < ratings.size(); ++k) {
      // The last of a run of equal (item, rater) is the current rating.
      bool last = k + 1 == ratings.size() ||
                  ratings[k + 1].item != ratings[k].item ||
                  ratings[k + 1].rater != ratings[k].rater;
      if (last) {
        table_.current_.push_back(ratings[k]);
        ++table_.current_offsets_[ratings[k].item + 1];
      }
    }
    for (int32_t i = 0; i < items; ++i) {
      table_.current_offsets_[i + 1] += table_.current_offsets_[i];
    }
  }

  RatingTable table_;
  std::vector<std::string> labels_;  // provisional, first-seen order
  std::unordered_map<std::string, int32_t> item_index_;
  std::unordered_map<std::string, int32_t> rater_index_;
  std::unordered_map<std::string, int32_t> label_index_;
};

int32_t RatingTable::Cell(int32_t item, int32_t rater) const {
  std::span<const Rating> row = current_item(item);
  auto it = std::lower_bound(
      row.begin(), row.end(), rater,
      [](const Rating& r, int32_t value) { return r.rater < value; });
  return it != row.end() && it->rater == rater ? it->category : kMissing;
}

StatusOr<RatingTable> RatingTable::FromWideCsv(std::string_view csv,
                                               const WideCsvOptions& options) {
  CsvReader reader(csv);
  std::vector<std::string> fields;
  int64_t line = 0;
  ASSIGN_OR_RETURN(bool has_header, reader.Next(&fields, &line));
  if (!has_header) {
    return InvalidArgumentError("empty CSV: expected a header row of raters");
  }
  bool item_column = false;
  switch (options.item_column) {
    case WideCsvOptions::ItemColumn::kFirst:
      item_column = true;
      break;
    case WideCsvOptions::ItemColumn::kNone:
      item_column = false;
      break;
    case WideCsvOptions::ItemColumn::kAuto: {
      static const std::unordered_set<std::string> kItemHeaders = {
          "", "item", "item_id", "id", "unit", "subject", "record", "task"};
      item_column = kItemHeaders.count(Lower(fields[0])) > 0;
      break;
    }
  }
  const size_t width = fields.size();
  const size_t first_rater = item_column ? 1 : 0;
  if (width <= first_rater) {
    return InvalidArgumentError(Where(line, 1) +
                                ": header names no rater column");
  }
  RatingTableBuilder builder;
  std::unordered_map<std::string, size_t> rater_column;
  std::vector<int32_t> rater_of_column(width, 0);
  for (size_t c = first_rater; c < width; ++c) {
    const std::string& name = fields[c];
    if (name.empty()) {
      return InvalidArgumentError(Where(line, static_cast<int64_t>(c) + 1) +
                                  ": empty rater name in the header");
    }
    auto [it, inserted] = rater_column.try_emplace(name, c + 1);
    if (!inserted) {
      return InvalidArgumentError(
          Where(line, static_cast<int64_t>(c) + 1) + ": duplicate rater name " +
          Quoted(name) + " (also column " + std::to_string(it->second) + ")");
    }
    rater_of_column[c] = builder.InternRater(name);
  }

  std::unordered_map<std::string, int64_t> item_line;
  int64_t row_number = 0;
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader.Next(&fields, &line));
    if (!more) break;
    ++row_number;
    if (fields.size() != width) {
      return InvalidArgumentError("line " + std::to_string(line) +
                                  ": row has " + std::to_string(fields.size()) +
                                  " fields but the header has " +
                                  std::to_string(width) + " (ragged row)");
    }
    std::string id;
    if (item_column) {
      id = fields[0];
      if (id.empty()) {
        return InvalidArgumentError(Where(line, 1) + ": empty item id");
      }
      auto [it, inserted] = item_line.try_emplace(id, line);
      if (!inserted) {
        return InvalidArgumentError(Where(line, 1) + ": duplicate item id " +
                                    Quoted(id) + " (first on line " +
                                    std::to_string(it->second) + ")");
      }
    } else {
      id = std::to_string(row_number);
    }
    const int32_t item = builder.InternItem(id);
    for (size_t c = first_rater; c < width; ++c) {
      const std::string& cell = fields[c];
      if (IsMissing(cell)) continue;
      if (NeedsNumbers(options.level) && !ParseFiniteNumber(cell)) {
        return InvalidArgumentError(
            Where(line, static_cast<int64_t>(c) + 1) + ": value " +
            Quoted(cell) + " is not a number (level " +
            std::string(LevelName(options.level)) + " needs numbers)");
      }
      builder.Add(item, rater_of_column[c], builder.InternLabel(cell));
    }
  }
  return std::move(builder).Build(options.level);
}

StatusOr<RatingTable> RatingTable::FromLongCsv(std::string_view csv,
                                               const LongCsvOptions& options) {
  CsvReader reader(csv);
  std::vector<std::string> fields;
  int64_t line = 0;
  ASSIGN_OR_RETURN(bool has_header, reader.Next(&fields, &line));
  if (!has_header) {
    return InvalidArgumentError(
        "empty CSV: expected a header row item,rater,label");
  }
  static const std::unordered_set<std::string> kItem = {
      "item", "item_id", "task", "unit", "record", "subject"};
  static const std::unordered_set<std::string> kRater = {
      "rater", "worker", "annotator", "coder", "performer"};
  static const std::unordered_set<std::string> kLabel = {"label", "value",
                                                         "rating"};
  if (fields.size() != 3 || !kItem.count(Lower(fields[0])) ||
      !kRater.count(Lower(fields[1])) || !kLabel.count(Lower(fields[2]))) {
    std::string got;
    for (const std::string& f : fields) got += (got.empty() ? "" : ",") + f;
    return InvalidArgumentError(
        "line " + std::to_string(line) +
        ": long CSV needs the header item,rater,label (got " + Quoted(got) +
        ")");
  }
  RatingTableBuilder builder;
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader.Next(&fields, &line));
    if (!more) break;
    if (fields.size() != 3) {
      return InvalidArgumentError("line " + std::to_string(line) +
                                  ": row has " + std::to_string(fields.size()) +
                                  " fields but the header has 3 (ragged row)");
    }
    if (fields[0].empty()) {
      return InvalidArgumentError(Where(line, 1) + ": empty item id");
    }
    if (fields[1].empty()) {
      return InvalidArgumentError(Where(line, 2) + ": empty rater name");
    }
    const int32_t item = builder.InternItem(fields[0]);
    const int32_t rater = builder.InternRater(fields[1]);
    if (IsMissing(fields[2])) continue;
    if (NeedsNumbers(options.level) && !ParseFiniteNumber(fields[2])) {
      return InvalidArgumentError(
          Where(line, 3) + ": label " + Quoted(fields[2]) +
          " is not a number (level " + std::string(LevelName(options.level)) +
          " needs numbers)");
    }
    builder.Add(item, rater, builder.InternLabel(fields[2]));
  }
  return std::move(builder).Build(options.level);
}

StatusOr<RatingTable> RatingTable::FromRatings(
    std::vector<std::string> item_ids, std::vector<std::string> rater_names,
    std::vector<std::string> category_labels, std::vector<Rating> ratings,
    Level level) {
  auto check_names = [](const std::vector<std::string>& names,
                        std::string_view what) -> Status {
    std::unordered_set<std::string_view> seen;
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i].empty()) {
        return InvalidArgumentError(std::string(what) + " " +
                                    std::to_string(i) + " is empty");
      }
      if (!seen.insert(names[i]).second) {
        return InvalidArgumentError("duplicate " + std::string(what) + " " +
                                    Quoted(names[i]));
      }
    }
    return OkStatus();
  };
  RETURN_IF_ERROR(check_names(item_ids, "item id"));
  RETURN_IF_ERROR(check_names(rater_names, "rater name"));
  RETURN_IF_ERROR(check_names(category_labels, "category label"));
  const auto items = static_cast<int64_t>(item_ids.size());
  const auto raters = static_cast<int64_t>(rater_names.size());
  const auto categories = static_cast<int64_t>(category_labels.size());
  for (size_t k = 0; k < ratings.size(); ++k) {
    const Rating& r = ratings[k];
    if (r.item < 0 || r.item >= items || r.rater < 0 || r.rater >= raters ||
        r.category < 0 || r.category >= categories) {
      return InvalidArgumentError(
          "rating " + std::to_string(k) + " (item " + std::to_string(r.item) +
          ", rater " + std::to_string(r.rater) + ", category " +
          std::to_string(r.category) + ") has an index out of range");
    }
  }
  RatingTableBuilder builder;
  builder.SetIndexed(std::move(item_ids), std::move(rater_names),
                     std::move(category_labels), std::move(ratings));
  return std::move(builder).Build(level);
}

}  // namespace consilium::statistics
