#include "schemas/annotation_text.h"

#include <boost/json.hpp>
#include <vector>

#include "common/canonical_json.h"

namespace consilium {
namespace {

namespace json = boost::json;
using schemas::Field;
using schemas::FieldType;

const Field* FieldNamed(const std::vector<Field>& fields,
                        std::string_view name) {
  for (const Field& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// `in` with the free text of `fields` replaced by the mark; the text goes to
// `text` under its pointer (`pointer` is the object's own).
json::object Take(const std::vector<Field>& fields, const json::object& in,
                  std::string& pointer, json::object& text) {
  json::object out;
  out.reserve(in.size());
  for (const auto& kv : in) {
    const Field* f = FieldNamed(fields, kv.key());
    if (f == nullptr) {
      out.emplace(kv.key(), kv.value());
      continue;
    }
    const size_t mark = pointer.size();
    pointer += '/';
    pointer += kv.key();
    if (f->type == FieldType::kText && kv.value().is_string()) {
      text.emplace(pointer, kv.value());
      out.emplace(kv.key(), kSealedTextMark);
    } else if (f->type == FieldType::kGroup && kv.value().is_object()) {
      out.emplace(kv.key(),
                  Take(f->fields, kv.value().get_object(), pointer, text));
    } else if (f->type == FieldType::kList && kv.value().is_array()) {
      json::array items;
      const json::array& a = kv.value().get_array();
      items.reserve(a.size());
      for (size_t i = 0; i < a.size(); ++i) {
        if (!a[i].is_object()) {
          items.push_back(a[i]);
          continue;
        }
        const size_t item_mark = pointer.size();
        pointer += '/';
        pointer += std::to_string(i);
        items.push_back(Take(f->fields, a[i].get_object(), pointer, text));
        pointer.resize(item_mark);
      }
      out.emplace(kv.key(), std::move(items));
    } else {
      out.emplace(kv.key(), kv.value());
    }
    pointer.resize(mark);
  }
  return out;
}

Status Corrupt(std::string_view why) {
  return DataLossError("annotation free text: " + std::string(why));
}

// Sets `value` at `pointer` ("/a/0/b") in `root`: every step must exist (an
// object member or an array index), the last is an object member holding
// the mark.
Status Put(json::value& root, std::string_view pointer,
           const json::value& value) {
  if (pointer.empty() || pointer[0] != '/')
    return Corrupt("pointer \"" + std::string(pointer) + "\" is not absolute");
  json::value* at = &root;
  std::string_view rest = pointer.substr(1);
  for (;;) {
    const size_t slash = rest.find('/');
    const std::string_view step = rest.substr(0, slash);
    if (step.empty())
      return Corrupt("pointer \"" + std::string(pointer) +
                     "\" has an empty step");
    if (slash == std::string_view::npos) {
      json::object* o = at->if_object();
      json::value* mark = o == nullptr ? nullptr : o->if_contains(step);
      if (mark == nullptr || !mark->is_string() ||
          mark->get_string() != kSealedTextMark) {
        return Corrupt("pointer \"" + std::string(pointer) +
                       "\" names no sealed text's mark in the values");
      }
      *mark = value;
      return OkStatus();
    }
    if (json::object* o = at->if_object()) {
      at = o->if_contains(step);
    } else if (json::array* a = at->if_array()) {
      size_t i = 0;
      for (char c : step) {
        if (c < '0' || c > '9' || i > a->size())
          return Corrupt("pointer \"" + std::string(pointer) +
                         "\" indexes an array with \"" + std::string(step) +
                         "\"");
        i = i * 10 + static_cast<size_t>(c - '0');
      }
      at = i < a->size() ? &(*a)[i] : nullptr;
    } else {
      at = nullptr;
    }
    if (at == nullptr)
      return Corrupt("pointer \"" + std::string(pointer) +
                     "\" leads out of the values");
    rest = rest.substr(slash + 1);
  }
}

}  // namespace

StatusOr<SplitText> SplitFreeText(const schemas::TaskSchema& schema,
                                  std::string_view values) {
  json::error_code ec;
  json::value v = json::parse(values, ec);
  if (ec || !v.is_object())
    return InvalidArgumentError("annotation values must be a JSON object");
  std::string pointer;
  json::object text;
  json::object counted = Take(schema.fields(), v.get_object(), pointer, text);
  if (text.empty()) return SplitText{std::string(values), ""};
  ASSIGN_OR_RETURN(std::string sealed, WriteCanonicalJson(text));
  return SplitText{WriteStoredJson(counted, JsonStyle::kCompact),
                   std::move(sealed)};
}

StatusOr<SplitText> SealFreeText(const ContentKeys& keys,
                                 const schemas::TaskSchema& schema,
                                 std::string_view values,
                                 std::string_view subject,
                                 std::string_view what, SealedContent* sealed) {
  if (!keys.encrypted) return SplitText{std::string(values), ""};
  ASSIGN_OR_RETURN(SplitText split, SplitFreeText(schema, values));
  if (split.text.empty()) return split;
  if (keys.store == nullptr) {
    return FailedPreconditionError(
        std::string(what) +
        ": the ledger is encrypted and the free text must be sealed; " +
        std::string(kKekHint));
  }
  ASSIGN_OR_RETURN(*sealed, keys.store->Seal(subject, split.text));
  return split;
}

StatusOr<std::string> MergeFreeText(std::string_view counted,
                                    std::string_view text) {
  if (text.empty()) return std::string(counted);
  json::error_code ec;
  json::value root = json::parse(counted, ec);
  if (ec || !root.is_object()) return Corrupt("the values are not an object");
  json::value t = json::parse(text, ec);
  if (ec || !t.is_object()) return Corrupt("the sealed text is not an object");
  for (const auto& kv : t.get_object()) {
    if (!kv.value().is_string())
      return Corrupt("the value at \"" + std::string(kv.key()) +
                     "\" is not a string");
    RETURN_IF_ERROR(Put(root, kv.key(), kv.value()));
  }
  return WriteStoredJson(root, JsonStyle::kCompact);
}

std::optional<RevisionPayloads> RevisionPayloadsOf(const fb::Event& event) {
  if (const auto* s = event.body_as_AnnotationSubmitted())
    return RevisionPayloads{s->values(), s->sealed_text()};
  if (const auto* r = event.body_as_AnnotationRevised())
    return RevisionPayloads{r->values(), r->sealed_text()};
  return std::nullopt;
}

StatusOr<std::string> OpenAnnotationValues(const fb::Payload* values,
                                           const fb::Payload* sealed_text,
                                           const ContentKeys& keys,
                                           std::string_view what) {
  if (sealed_text == nullptr) return std::string(PlainPayload(values));
  ASSIGN_OR_RETURN(std::string text, OpenPayload(sealed_text, keys, what));
  StatusOr<std::string> merged = MergeFreeText(PlainPayload(values), text);
  if (!merged.ok()) return merged.status().WithContext(what);
  return merged;
}

StatusOr<std::string> OpenAnnotationValuesOrCounted(
    const fb::Payload* values, const fb::Payload* sealed_text,
    const ContentKeys& keys, std::string_view what, bool* text_shredded) {
  *text_shredded = false;
  StatusOr<std::string> whole =
      OpenAnnotationValues(values, sealed_text, keys, what);
  if (whole.ok() || !IsShredded(whole.status())) return whole;
  *text_shredded = true;
  return std::string(PlainPayload(values));
}

}  // namespace consilium
