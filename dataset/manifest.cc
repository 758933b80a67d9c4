#include "dataset/manifest.h"

#include <boost/json.hpp>
#include <set>
#include <utility>

#include "common/canonical_json.h"
#include "common/strict_json.h"

namespace consilium::dataset {
namespace {

namespace json = boost::json;

json::object SpecJson(const ExportSpec& s) {
  json::object o;
  o["project"] = s.project;
  o["as_of_seq"] = s.as_of_seq;
  o["tag"] = s.tag.empty() ? json::value(nullptr) : json::value(s.tag);
  json::array layers;
  for (schemas::Layer l : s.layers)
    layers.push_back(json::string(LayerName(l)));
  o["layers"] = std::move(layers);
  o["content"] = ContentModeName(s.content);
  return o;
}

json::object CountsJson(const ExportCounts& c) {
  json::object o;
  o["records"] = c.records;
  o["annotations"] = c.annotations;
  o["revisions"] = c.revisions;
  o["fields"] = c.fields;
  o["adjudications"] = c.adjudications;
  // [compliance] Only when some record is a tombstone, so the manifests of
  // ledgers without shredding keep their bytes.
  if (!c.shredded_records.empty()) {
    json::array ids;
    for (const std::string& id : c.shredded_records) ids.emplace_back(id);
    o["shredded_records"] = std::move(ids);
  }
  return o;
}

// Reads a manifest object's members, naming the first problem.
class Reader {
 public:
  Reader(const json::object& o, std::string path)
      : o_(o), path_(std::move(path)) {}

  StatusOr<const json::value*> Get(std::string_view key) {
    const json::value* v = o_.if_contains(key);
    if (v == nullptr) return Bad(key, "is missing");
    read_.insert(std::string(key));
    return v;
  }
  StatusOr<std::string> String(std::string_view key) {
    ASSIGN_OR_RETURN(const json::value* v, Get(key));
    if (!v->is_string()) return Bad(key, "must be a string");
    return std::string(v->as_string());
  }
  StatusOr<uint64_t> Uint(std::string_view key) {
    ASSIGN_OR_RETURN(const json::value* v, Get(key));
    if (v->is_uint64()) return v->as_uint64();
    if (v->is_int64() && v->as_int64() >= 0) {
      return static_cast<uint64_t>(v->as_int64());
    }
    return Bad(key, "must be a non-negative integer");
  }
  StatusOr<const json::object*> Object(std::string_view key) {
    ASSIGN_OR_RETURN(const json::value* v, Get(key));
    if (!v->is_object()) return Bad(key, "must be an object");
    return &v->as_object();
  }
  // OK when every key was read: an unknown key is an edit.
  Status Done() const {
    for (const auto& kv : o_) {
      if (read_.count(std::string(kv.key())) == 0) {
        return Bad(kv.key(), "is not a key of this format");
      }
    }
    return OkStatus();
  }
  Status Bad(std::string_view key, std::string_view what) const {
    return InvalidArgumentError("manifest " + path_ +
                                (path_.empty() ? "" : ".") + std::string(key) +
                                " " + std::string(what));
  }

 private:
  const json::object& o_;
  std::string path_;
  std::set<std::string> read_;
};

StatusOr<ExportSpec> ReadSpec(const json::object& o) {
  Reader r(o, "spec");
  ExportSpec s;
  ASSIGN_OR_RETURN(s.project, r.String("project"));
  ASSIGN_OR_RETURN(s.as_of_seq, r.Uint("as_of_seq"));
  ASSIGN_OR_RETURN(const json::value* tag, r.Get("tag"));
  if (tag->is_string()) {
    s.tag = std::string(tag->as_string());
  } else if (!tag->is_null()) {
    return r.Bad("tag", "must be a string or null");
  }
  ASSIGN_OR_RETURN(const json::value* layers, r.Get("layers"));
  if (!layers->is_array()) return r.Bad("layers", "must be an array");
  std::string list;
  for (const json::value& l : layers->as_array()) {
    if (!l.is_string()) return r.Bad("layers", "must hold strings");
    list += (list.empty() ? "" : ",") + std::string(l.as_string());
  }
  if (!list.empty()) {
    StatusOr<std::vector<schemas::Layer>> parsed = ParseLayers(list);
    if (!parsed.ok()) return r.Bad("layers", parsed.status().message());
    s.layers = *parsed;
  }
  ASSIGN_OR_RETURN(std::string content, r.String("content"));
  StatusOr<ContentMode> mode = ParseContentMode(content);
  if (!mode.ok()) return r.Bad("content", mode.status().message());
  s.content = *mode;
  RETURN_IF_ERROR(r.Done());
  return s;
}

StatusOr<ExportCounts> ReadCounts(const json::object& o) {
  Reader r(o, "counts");
  ExportCounts c;
  ASSIGN_OR_RETURN(c.records, r.Uint("records"));
  ASSIGN_OR_RETURN(c.annotations, r.Uint("annotations"));
  ASSIGN_OR_RETURN(c.revisions, r.Uint("revisions"));
  ASSIGN_OR_RETURN(c.fields, r.Uint("fields"));
  ASSIGN_OR_RETURN(c.adjudications, r.Uint("adjudications"));
  if (o.contains("shredded_records")) {  // [compliance]
    ASSIGN_OR_RETURN(const json::value* ids, r.Get("shredded_records"));
    if (!ids->is_array()) return r.Bad("shredded_records", "must be an array");
    for (const json::value& id : ids->as_array()) {
      if (!id.is_string())
        return r.Bad("shredded_records", "must hold strings");
      c.shredded_records.emplace_back(id.as_string());
    }
  }
  RETURN_IF_ERROR(r.Done());
  return c;
}

// The ledger object: origin, size and root must be what the note's body
// says (the note is what the signature covers).
Status ReadLedger(const json::object& o, Manifest& m) {
  Reader r(o, "ledger");
  ASSIGN_OR_RETURN(std::string origin, r.String("origin"));
  ASSIGN_OR_RETURN(uint64_t size, r.Uint("size"));
  ASSIGN_OR_RETURN(std::string root, r.String("root"));
  ASSIGN_OR_RETURN(m.checkpoint.note, r.String("checkpoint"));
  ASSIGN_OR_RETURN(m.verifier_key, r.String("verifier_key"));
  RETURN_IF_ERROR(r.Done());
  const std::string& note = m.checkpoint.note;
  size_t end = note.find("\n\n");
  StatusOr<Checkpoint> body = ParseCheckpointBody(
      std::string_view(note).substr(0, end == std::string::npos ? 0 : end + 1));
  if (end == std::string::npos || !body.ok()) {
    return r.Bad("checkpoint", "is not a signed checkpoint note");
  }
  if (body->origin != origin || body->size != size ||
      ToBase64(body->root) != root) {
    return InvalidArgumentError(
        "manifest ledger.origin, .size and .root do not match its checkpoint "
        "note");
  }
  m.checkpoint.checkpoint = *body;
  return OkStatus();
}

}  // namespace

std::string ManifestText(const Manifest& m) {
  json::object o;
  o["format"] = kSnapshotFormat;
  json::object ledger;
  ledger["origin"] = m.checkpoint.checkpoint.origin;
  ledger["size"] = m.checkpoint.checkpoint.size;
  ledger["root"] = ToBase64(m.checkpoint.checkpoint.root);
  ledger["checkpoint"] = m.checkpoint.note;
  ledger["verifier_key"] = m.verifier_key;
  o["ledger"] = std::move(ledger);
  o["spec"] = SpecJson(m.spec);
  json::object software;
  software["name"] = "consilium";
  software["version"] = m.software.version;
  software["revision"] = m.software.revision;
  o["software"] = std::move(software);
  o["counts"] = CountsJson(m.counts);
  json::object data;
  data["file"] = kDataFile;
  data["sha256"] = ToHex(m.data_sha256);
  data["bytes"] = m.data_bytes;
  o["data"] = std::move(data);
  json::object pseudonyms;
  pseudonyms["scheme"] = "hmac-sha256-96";
  pseudonyms["key_id"] = m.pseudonym_key_id;
  o["pseudonyms"] = std::move(pseudonyms);
  // Only strings and integers: WriteCanonicalJson cannot fail.
  return WriteCanonicalJson(o).value() + "\n";
}

StatusOr<Manifest> ParseManifest(std::string_view text) {
  json::value v;
  Status s = ParseStrictJson(text, {}, v);
  if (!s.ok())
    return InvalidArgumentError("manifest is not JSON: " + s.message());
  if (!v.is_object()) return InvalidArgumentError("manifest is not an object");
  Reader r(v.as_object(), "");
  ASSIGN_OR_RETURN(std::string format, r.String("format"));
  if (format != kSnapshotFormat) {
    return InvalidArgumentError("manifest format \"" + format + "\" is not " +
                                kSnapshotFormat);
  }
  Manifest m;
  ASSIGN_OR_RETURN(const json::object* ledger, r.Object("ledger"));
  RETURN_IF_ERROR(ReadLedger(*ledger, m));
  ASSIGN_OR_RETURN(const json::object* spec, r.Object("spec"));
  ASSIGN_OR_RETURN(m.spec, ReadSpec(*spec));
  ASSIGN_OR_RETURN(const json::object* software, r.Object("software"));
  Reader sw(*software, "software");
  ASSIGN_OR_RETURN(std::string name, sw.String("name"));
  ASSIGN_OR_RETURN(m.software.version, sw.String("version"));
  ASSIGN_OR_RETURN(m.software.revision, sw.String("revision"));
  RETURN_IF_ERROR(sw.Done());
  ASSIGN_OR_RETURN(const json::object* counts, r.Object("counts"));
  ASSIGN_OR_RETURN(m.counts, ReadCounts(*counts));
  ASSIGN_OR_RETURN(const json::object* data, r.Object("data"));
  Reader d(*data, "data");
  ASSIGN_OR_RETURN(std::string file, d.String("file"));
  ASSIGN_OR_RETURN(std::string sha, d.String("sha256"));
  ASSIGN_OR_RETURN(m.data_bytes, d.Uint("bytes"));
  RETURN_IF_ERROR(d.Done());
  StatusOr<Hash256> digest = Hash256FromHex(sha);
  if (!digest.ok()) return d.Bad("sha256", "is not 64 hex digits");
  m.data_sha256 = *digest;
  ASSIGN_OR_RETURN(const json::object* ps, r.Object("pseudonyms"));
  Reader pr(*ps, "pseudonyms");
  ASSIGN_OR_RETURN(std::string scheme, pr.String("scheme"));
  ASSIGN_OR_RETURN(m.pseudonym_key_id, pr.String("key_id"));
  RETURN_IF_ERROR(pr.Done());
  RETURN_IF_ERROR(r.Done());
  if (name != "consilium" || file != kDataFile || scheme != "hmac-sha256-96" ||
      ManifestText(m) != text) {
    return InvalidArgumentError(
        "manifest bytes are not the canonical manifest of what they hold "
        "(edited or reformatted)");
  }
  return m;
}

}  // namespace consilium::dataset
