// Label Studio export: one snapshot line as one LS task, through the mapping
// read backwards (dataset/label_studio.h; docs/imports.md, "Export").
#include <algorithm>
#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/canonical_json.h"
#include "common/strict_json.h"
#include "dataset/label_studio.h"

namespace consilium::dataset::ls {

namespace json = boost::json;

namespace {

// Schema value -> LS value: the mapping's table backwards (the first LS
// value that maps to it), else the value itself when it is a string.
StatusOr<std::string> LsValue(const FieldMap& f, const json::value& v) {
  ASSIGN_OR_RETURN(std::string canonical, WriteCanonicalJson(v));
  for (const auto& [ls, schema_value] : f.values) {
    if (schema_value == canonical) return ls;
  }
  if (f.values.empty() && v.is_string()) return std::string(v.get_string());
  return InvalidArgumentError("value " + canonical + " of field " + f.field +
                              " has no Label Studio value in the mapping");
}

class TaskWriter {
 public:
  TaskWriter(const Mapping& m, const json::object& line) : m_(m) {
    if (const json::value* c = line.if_contains("content");
        c != nullptr && c->is_object()) {
      if (const json::value* t = c->get_object().if_contains("text");
          t != nullptr && t->is_string())
        text_ = std::string(t->get_string());
      if (const json::value* im = c->get_object().if_contains("images");
          im != nullptr && im->is_array())
        images_ = &im->get_array();
    }
  }

  // The results of one values document; counts values no map covers. With
  // `text_shredded` (the revision's free text was sealed and its subject's
  // key shredded: its text fields hold only the sealed mark), textarea
  // results are left out and counted too, never written as an answer.
  StatusOr<json::array> Results(const json::object& values, size_t* skipped,
                                bool text_shredded) {
    json::array out;
    for (const auto& kv : values) {
      bool covered = false;
      for (const FieldMap& f : m_.fields) {
        if (f.field != kv.key()) continue;
        if (text_shredded && f.type == ResultType::kTextArea) continue;
        covered = true;
        RETURN_IF_ERROR(Add(f, kv.value(), out));
      }
      if (!covered) ++*skipped;
    }
    return out;
  }

 private:
  json::object Result(const FieldMap& f, std::string_view to_name,
                      json::object value, size_t n) {
    return {{"id", "r" + std::to_string(n)},
            {"from_name", f.from_name},
            {"to_name", to_name},
            {"type", ResultTypeName(f.type)},
            {"value", std::move(value)}};
  }

  Status Add(const FieldMap& f, const json::value& v, json::array& out) {
    switch (f.type) {
      case ResultType::kChoices: {
        json::array choices;
        if (v.is_array()) {
          for (const json::value& c : v.get_array()) {
            ASSIGN_OR_RETURN(std::string s, LsValue(f, c));
            choices.push_back(json::value(s));
          }
        } else {
          ASSIGN_OR_RETURN(std::string s, LsValue(f, v));
          choices.push_back(json::value(s));
        }
        out.push_back(Result(f, ToName(), {{"choices", std::move(choices)}},
                             out.size() + 1));
        return OkStatus();
      }
      case ResultType::kTextArea:
        if (!v.is_string())
          return InvalidArgumentError("field " + f.field + ": not a text");
        out.push_back(Result(f, ToName(),
                             {{"text", json::array{v.get_string()}}},
                             out.size() + 1));
        return OkStatus();
      case ResultType::kLabels:
      case ResultType::kRectangleLabels:
        break;
    }
    if (f.label_field.empty()) return Anchor(f, v, nullptr, out);
    if (!v.is_array()) return OkStatus();  // the validator's business
    for (const json::value& item : v.get_array()) {
      if (!item.is_object()) continue;
      const json::value* anchor = item.get_object().if_contains(f.anchor_field);
      const json::value* label = item.get_object().if_contains(f.label_field);
      // An item of another field map of the same list (a span, not a box).
      if (anchor == nullptr || label == nullptr) continue;
      if (f.type == ResultType::kLabels &&
          !anchor->get_object().contains("start"))
        continue;
      if (f.type == ResultType::kRectangleLabels &&
          !anchor->get_object().contains("w"))
        continue;
      RETURN_IF_ERROR(Anchor(f, *anchor, label, out));
    }
    return OkStatus();
  }

  Status Anchor(const FieldMap& f, const json::value& anchor,
                const json::value* label, json::array& out) {
    if (!anchor.is_object())
      return InvalidArgumentError("field " + f.field + ": not an anchor");
    const json::object& a = anchor.get_object();
    json::object value;
    if (label != nullptr) {
      ASSIGN_OR_RETURN(std::string l, LsValue(f, *label));
      value[f.type == ResultType::kLabels ? "labels" : "rectanglelabels"] =
          json::array{json::value(l)};
    }
    if (f.type == ResultType::kLabels) {
      size_t s = a.at("start").to_number<uint64_t>();
      size_t e = a.at("end").to_number<uint64_t>();
      ASSIGN_OR_RETURN(size_t us, CodePointToUtf16(text_, s));
      ASSIGN_OR_RETURN(size_t ue, CodePointToUtf16(text_, e));
      value["start"] = us;
      value["end"] = ue;
      value["text"] = SubstrCodePoints(s, e);
      out.push_back(Result(f, m_.text_key, std::move(value), out.size() + 1));
      return OkStatus();
    }
    if (!a.contains("w"))
      return InvalidArgumentError("field " + f.field +
                                  ": a polygon has no Label Studio box");
    std::string image(a.at("image").get_string());
    const ImageMap* im = nullptr;
    for (const ImageMap& c : m_.images) {
      if (c.name == image) im = &c;
    }
    double W = 0, H = 0;
    for (const json::value& i : images_ != nullptr ? *images_ : json::array()) {
      if (i.at("name").get_string() == image) {
        W = i.at("width").to_number<double>();
        H = i.at("height").to_number<double>();
      }
    }
    if (im == nullptr || W == 0)
      return InvalidArgumentError("image " + image +
                                  " is not an image of the mapping");
    value["x"] = a.at("x").to_number<double>() * 100 / W;
    value["y"] = a.at("y").to_number<double>() * 100 / H;
    value["width"] = a.at("w").to_number<double>() * 100 / W;
    value["height"] = a.at("h").to_number<double>() * 100 / H;
    value["rotation"] = 0;
    json::object r = Result(f, im->to_name, std::move(value), out.size() + 1);
    r["original_width"] = static_cast<int64_t>(W);
    r["original_height"] = static_cast<int64_t>(H);
    out.push_back(std::move(r));
    return OkStatus();
  }

  std::string ToName() const {
    if (!m_.text_key.empty()) return m_.text_key;
    return m_.images.front().to_name;
  }

  std::string SubstrCodePoints(size_t s, size_t e) const {
    size_t bs = text_.size(), be = text_.size(), cp = 0;
    for (size_t i = 0; i < text_.size(); ++cp) {
      if (cp == s) bs = i;
      if (cp == e) be = i;
      unsigned char c = static_cast<unsigned char>(text_[i]);
      i += c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    }
    if (bs > be) return "";
    return text_.substr(bs, be - bs);
  }

  const Mapping& m_;
  std::string text_;
  const json::array* images_ = nullptr;
};

}  // namespace

StatusOr<ExportedTask> LabelStudioTask(std::string_view snapshot_line,
                                       const Mapping& m,
                                       const schemas::TaskSchema& schema,
                                       size_t position) {
  (void)schema;  // the mapping was checked against it (CheckMapping)
  json::value doc;
  RETURN_IF_ERROR(ParseStrictJson(snapshot_line, {}, doc));
  if (!doc.is_object()) return InvalidArgumentError("not a snapshot line");
  const json::object& line = doc.get_object();
  if (!line.contains("content") || line.at("content").is_null()) {
    if (line.contains("content_shredded"))
      return ExportedTask{.left_out = "shredded"};
    if (line.contains("deid") && line.at("deid") == "quarantined")
      return ExportedTask{.left_out = "held"};
    return FailedPreconditionError(
        "record " + std::string(line.at("record_id").get_string()) +
        ": no content (sealed, or a --content hash export)");
  }
  TaskWriter writer(m, line);
  ExportedTask out;
  json::object data;
  json::value task_id = static_cast<uint64_t>(position);
  if (const json::value* md = line.if_contains("metadata");
      md != nullptr && md->is_object()) {
    if (const json::value* ls = md->get_object().if_contains("label_studio");
        ls != nullptr && ls->is_object()) {
      if (const json::value* d = ls->get_object().if_contains("data");
          d != nullptr && d->is_object())
        data = d->get_object();
      if (const json::value* id = ls->get_object().if_contains("task_id");
          id != nullptr)
        task_id = *id;
    }
  }
  const json::object& content = line.at("content").get_object();
  if (!m.text_key.empty() && content.contains("text"))
    data[m.text_key] = content.at("text");
  data[m.record_id_key.empty() ? "record_id" : m.record_id_key] =
      line.at("record_id");
  // Sorted by annotator pseudonym, then results: an order that does not
  // depend on annotation ids, so export -> import -> export is stable.
  std::vector<std::pair<std::string, std::string>> annotations;
  for (const json::value& av : line.at("annotations").get_array()) {
    const json::object& a = av.get_object();
    if (!a.at("withdrawn").is_null()) continue;
    if (a.at("schema_id").get_string() != m.schema_id ||
        a.at("schema_version").to_number<uint64_t>() != m.schema_version)
      continue;
    uint64_t current = a.at("current_revision").to_number<uint64_t>();
    const json::value* values = nullptr;
    bool text_shredded = false;
    for (const json::value& r : a.at("revisions").get_array()) {
      if (r.at("revision").to_number<uint64_t>() != current) continue;
      values = &r.at("values");
      text_shredded = r.as_object().contains("free_text_shredded");
    }
    if (values == nullptr || !values->is_object()) continue;
    ASSIGN_OR_RETURN(json::array results,
                     writer.Results(values->get_object(), &out.skipped_values,
                                    text_shredded));
    ASSIGN_OR_RETURN(std::string one, WriteCanonicalJson(json::object{
                                          {"completed_by", a.at("annotator")},
                                          {"result", std::move(results)},
                                          {"was_cancelled", false}}));
    annotations.emplace_back(std::string(a.at("annotator").get_string()),
                             std::move(one));
    ++out.annotations;
  }
  std::sort(annotations.begin(), annotations.end());
  json::object task{{"id", task_id}, {"data", std::move(data)}};
  ASSIGN_OR_RETURN(out.json, WriteCanonicalJson(task));
  // {"annotations":[...],"data":...}: "annotations" sorts first.
  std::string list = "{\"annotations\":[";
  for (size_t i = 0; i < annotations.size(); ++i)
    list += (i == 0 ? "" : ",") + annotations[i].second;
  list += "],";
  out.json = list + out.json.substr(1);
  return out;
}

}  // namespace consilium::dataset::ls
