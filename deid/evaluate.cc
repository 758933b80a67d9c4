#include "deid/evaluate.h"

#include <algorithm>
#include <boost/json.hpp>

#include "common/strict_json.h"

namespace consilium::deid {
namespace {

namespace json = boost::json;

bool Continuation(std::string_view text, size_t at) {
  return at < text.size() &&
         (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80;
}

StatusOr<size_t> ReadOffset(const json::object& o, const char* key,
                            const std::string& where) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr)
    return InvalidArgumentError(where + "." + key + ": is required");
  if (v->is_uint64()) return static_cast<size_t>(v->as_uint64());
  if (v->is_int64() && v->as_int64() >= 0) {
    return static_cast<size_t>(v->as_int64());
  }
  return InvalidArgumentError(where + "." + key +
                              ": must be a non-negative integer");
}

StatusOr<Hit> ReadSpan(const json::value& v, std::string_view text,
                       const std::string& where) {
  if (!v.is_object())
    return InvalidArgumentError(where + ": must be an object");
  const json::object& o = v.as_object();
  for (const auto& [key, _] : o) {
    if (key != "start" && key != "end" && key != "type" && key != "text") {
      return InvalidArgumentError(where + "." + std::string(key) +
                                  ": unknown key");
    }
  }
  Hit h;
  ASSIGN_OR_RETURN(h.begin, ReadOffset(o, "start", where));
  ASSIGN_OR_RETURN(h.end, ReadOffset(o, "end", where));
  if (h.end > text.size()) {
    return InvalidArgumentError(where + ".end: " + std::to_string(h.end) +
                                " is past the end of the text (" +
                                std::to_string(text.size()) + " bytes)");
  }
  if (h.begin >= h.end) {
    return InvalidArgumentError(where + ": start " + std::to_string(h.begin) +
                                " is not before end " + std::to_string(h.end));
  }
  if (Continuation(text, h.begin) || Continuation(text, h.end)) {
    const bool start = Continuation(text, h.begin);
    return InvalidArgumentError(
        where + (start ? ".start: " : ".end: ") +
        std::to_string(start ? h.begin : h.end) +
        " is inside a UTF-8 character (offsets count bytes)");
  }
  const json::value* type = o.if_contains("type");
  if (type == nullptr || !type->is_string()) {
    return InvalidArgumentError(where + ".type: is required (a string)");
  }
  StatusOr<PhiType> t = ParsePhiType(type->as_string());
  if (!t.ok()) return t.status().WithContext(where + ".type");
  h.type = *t;
  if (const json::value* s = o.if_contains("text")) {
    if (!s->is_string() || std::string_view(s->as_string()) !=
                               text.substr(h.begin, h.end - h.begin)) {
      return InvalidArgumentError(where + ".text: does not match the text at " +
                                  std::to_string(h.begin) + ".." +
                                  std::to_string(h.end));
    }
  }
  return h;
}

Status ReadSpans(const json::value& v, GoldNote& note) {
  if (!v.is_array()) return InvalidArgumentError("spans: must be an array");
  const json::array& a = v.as_array();
  std::vector<std::pair<Hit, size_t>> spans;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSIGN_OR_RETURN(
        Hit h, ReadSpan(a[i], note.text, "spans[" + std::to_string(i) + "]"));
    spans.push_back({h, i});
  }
  std::sort(spans.begin(), spans.end(), [](const auto& x, const auto& y) {
    return x.first.begin != y.first.begin ? x.first.begin < y.first.begin
                                          : x.second < y.second;
  });
  for (size_t i = 0; i < spans.size(); ++i) {
    for (size_t j = i + 1;
         j < spans.size() && spans[j].first.begin < spans[i].first.end; ++j) {
      if (spans[j].first.type == spans[i].first.type) {
        size_t later = std::max(spans[i].second, spans[j].second);
        size_t earlier = std::min(spans[i].second, spans[j].second);
        return InvalidArgumentError(
            "spans[" + std::to_string(later) + "]: overlaps spans[" +
            std::to_string(earlier) + "] of the same type");
      }
    }
    note.spans.push_back(spans[i].first);
  }
  return OkStatus();
}

bool Overlap(const Hit& a, const Hit& b) {
  return a.type == b.type && a.begin < b.end && b.begin < a.end;
}

}  // namespace

StatusOr<GoldNote> ParseGoldLine(std::string_view line) {
  json::value doc;
  RETURN_IF_ERROR(ParseStrictJson(line, {}, doc));
  if (!doc.is_object()) return InvalidArgumentError("must be a JSON object");
  const json::object& o = doc.as_object();
  for (const auto& [key, _] : o) {
    if (key != "id" && key != "text" && key != "spans" && key != "metadata") {
      return InvalidArgumentError(std::string(key) + ": unknown key");
    }
  }
  GoldNote note;
  const json::value* id = o.if_contains("id");
  if (id == nullptr || !id->is_string() || id->as_string().empty()) {
    return InvalidArgumentError("id: is required (a non-empty string)");
  }
  note.id = std::string(id->as_string());
  const json::value* text = o.if_contains("text");
  if (text == nullptr || !text->is_string()) {
    return InvalidArgumentError("text: is required (a string)");
  }
  note.text = std::string(text->as_string());
  const json::value* spans = o.if_contains("spans");
  if (spans == nullptr) return InvalidArgumentError("spans: is required");
  Status s = ReadSpans(*spans, note);
  if (!s.ok()) return s.WithContext("note " + note.id);
  return note;
}

std::optional<double> Counts::Precision() const {
  if (hits == 0) return std::nullopt;
  return static_cast<double>(hits - fp) / static_cast<double>(hits);
}

std::optional<double> Counts::Recall() const {
  if (tp + fn == 0) return std::nullopt;
  return static_cast<double>(tp) / static_cast<double>(tp + fn);
}

Counts& Counts::operator+=(const Counts& o) {
  tp += o.tp;
  fp += o.fp;
  fn += o.fn;
  hits += o.hits;
  return *this;
}

TypeCounts Evaluation::Total() const {
  TypeCounts t;
  for (const TypeCounts& c : by_type) {
    t.exact += c.exact;
    t.overlap += c.overlap;
  }
  return t;
}

void Score(const std::vector<Hit>& gold, const std::vector<Hit>& hits,
           Evaluation& into) {
  ++into.notes;
  // Notes hold tens of spans: the quadratic comparison is the clear one.
  for (const Hit& g : gold) {
    TypeCounts& c = into.by_type[static_cast<size_t>(g.type)];
    bool exact = std::find(hits.begin(), hits.end(), g) != hits.end();
    bool overlap = std::any_of(hits.begin(), hits.end(),
                               [&](const Hit& h) { return Overlap(g, h); });
    (exact ? c.exact.tp : c.exact.fn)++;
    (overlap ? c.overlap.tp : c.overlap.fn)++;
  }
  for (const Hit& h : hits) {
    TypeCounts& c = into.by_type[static_cast<size_t>(h.type)];
    ++c.exact.hits;
    ++c.overlap.hits;
    if (std::find(gold.begin(), gold.end(), h) == gold.end()) ++c.exact.fp;
    if (std::none_of(gold.begin(), gold.end(),
                     [&](const Hit& g) { return Overlap(g, h); })) {
      ++c.overlap.fp;
    }
  }
}

}  // namespace consilium::deid
