// libFuzzer target for the two import formats: a `consilium import records`
// line (render::ParseRecordLine, docs/commands.md "Records") and Label Studio
// (dataset/label_studio.h, docs/imports.md): a mapping file (ParseMapping)
// and an export (PlanImport against the committed fixture mapping and schema,
// tests/dataset/fixtures/label-studio/, read once through
// consilium::testing::SourceDir()). The first byte picks the format: even, a
// record line; odd, Label Studio (the rest read both as a mapping and as an
// export). The rest is the input.
//
// Properties beyond "no crash":
//  - record line: a rejection is InvalidArgument with a message; an accepted
//    line gives a valid domain id (and subject, when given), a content that
//    is a canonical JSON object (WriteCanonicalJson of its parse gives the
//    same bytes) and a metadata object in the stored canonical form
//    (WriteStoredJson of its parse gives the same bytes; that is
//    WriteCanonicalJson's unless it holds a non-integer number, which is
//    stored as "1E-1", common/canonical_json.h), and a line rebuilt from the
//    command ({"id", the content's "text"/"images", "metadata", "subject"})
//    parses to the same command;
//  - Label Studio: whole-input errors of PlanImport and ParseMapping are
//    InvalidArgument; nothing throws; every planned task is either refused
//    (InvalidArgument, with no annotations) or has a record command that
//    passes the record-line properties above and annotations whose ids and
//    annotators are valid domain ids and whose values are canonical JSON
//    objects;
//  - an accepted mapping is checked against the fixture schema (OK or
//    InvalidArgument) and, when it fits, plans the fixture export with the
//    same task properties.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/canonical_json.h"
#include "common/status.h"
#include "common/strict_json.h"
#include "dataset/label_studio.h"
#include "domain/commands.h"
#include "render/command_input.h"
#include "schemas/task_schema.h"
#include "tests/testing/build_paths.h"

namespace {

namespace json = boost::json;
namespace ls = consilium::dataset::ls;
using consilium::Status;
using consilium::StatusCode;
using consilium::domain::ImportRecordCommand;

[[noreturn]] void Violated(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

void ExpectInvalidArgument(const Status& s, const char* what) {
  if (s.code() != StatusCode::kInvalidArgument || s.message().empty())
    Violated(what);
}

std::string ReadFixture(const char* name) {
  const std::string path = consilium::testing::SourceDir() +
                           "/tests/dataset/fixtures/label-studio/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::abort();
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The committed fixtures, loaded once; aborts if they do not load (a broken
// checkout, not an input).
struct Fixtures {
  consilium::schemas::TaskSchema schema;
  ls::Mapping mapping;
  std::string export_json;
};

const Fixtures& Fixture() {
  static const Fixtures* f = [] {
    auto schema =
        consilium::schemas::TaskSchema::Parse(ReadFixture("schema.json"));
    auto mapping = ls::ParseMapping(ReadFixture("mapping.json"));
    if (!schema.ok() || !mapping.ok() ||
        !ls::CheckMapping(*mapping, *schema).ok()) {
      std::fprintf(stderr, "the Label Studio fixtures do not load\n");
      std::abort();
    }
    return new Fixtures{std::move(*schema), std::move(*mapping),
                        ReadFixture("export.json")};
  }();
  return *f;
}

bool HasDouble(const json::value& v) {
  if (v.is_double()) return true;
  if (v.is_array()) {
    for (const json::value& e : v.get_array())
      if (HasDouble(e)) return true;
  }
  if (v.is_object()) {
    for (const auto& kv : v.get_object())
      if (HasDouble(kv.value())) return true;
  }
  return false;
}

// `bytes` read strictly as a JSON object; aborts with `what` otherwise.
json::value ParseObject(std::string_view bytes, const char* what) {
  json::value v;
  if (!consilium::ParseStrictJson(bytes, {}, v).ok() || !v.is_object())
    Violated(what);
  return v;
}

// `bytes` is a JSON object written canonically: WriteCanonicalJson of its
// parse gives it back. When `stored`, in the stored form instead:
// WriteStoredJson gives it back, and WriteCanonicalJson too unless it holds
// a double (stored "1E-1", canonical "0.1").
void ExpectCanonicalObject(std::string_view bytes, bool stored,
                           const char* what) {
  const json::value v = ParseObject(bytes, what);
  if (stored && consilium::WriteStoredJson(v) != bytes) Violated(what);
  if (stored && HasDouble(v)) return;
  auto canonical = consilium::WriteCanonicalJson(v);
  if (!canonical.ok() || *canonical != bytes) Violated(what);
}

// The properties of an accepted record line (or a planned task's record).
void CheckRecord(const ImportRecordCommand& c) {
  if (!consilium::domain::CheckDomainId("record id", c.id).ok())
    Violated("an accepted record id is not a domain id");
  if (!c.subject.empty() &&
      !consilium::domain::CheckDomainId("subject", c.subject).ok())
    Violated("an accepted subject is not a domain id");
  ExpectCanonicalObject(c.content, /*stored=*/false,
                        "content is not a canonical JSON object");
  ExpectCanonicalObject(c.metadata, /*stored=*/true,
                        "metadata is not a JSON object in the stored form");
  // The line rebuilt from the command reads back to the same command.
  json::object line;
  line["id"] = c.id;
  const json::value content = ParseObject(c.content, "content");
  for (const auto& kv : content.get_object()) {
    if (kv.key() != "text" && kv.key() != "images")
      Violated("content has a key other than text and images");
    line[kv.key()] = kv.value();
  }
  line["metadata"] = ParseObject(c.metadata, "metadata");
  if (!c.subject.empty()) line["subject"] = c.subject;
  // In the stored spelling, which reads back to the same numbers (the
  // canonical "-0" of a -0.0 reads back as the integer 0).
  const std::string text =
      consilium::WriteStoredJson(line, consilium::JsonStyle::kCompact);
  auto again = consilium::render::ParseRecordLine(text);
  if (!again.ok()) Violated("the rebuilt line is refused");
  if (again->id != c.id || again->content != c.content ||
      again->metadata != c.metadata || again->subject != c.subject) {
    std::fprintf(
        stderr,
        "record %s\nrebuilt line %s\ncontent %s / %s\nmetadata %s / %s\n",
        c.id.c_str(), text.c_str(), c.content.c_str(), again->content.c_str(),
        c.metadata.c_str(), again->metadata.c_str());
    Violated("the rebuilt line parses to another command");
  }
}

void CheckPlan(const consilium::StatusOr<std::vector<ls::PlannedTask>>& plan) {
  if (!plan.ok()) {
    ExpectInvalidArgument(plan.status(),
                          "a whole-export error is not InvalidArgument");
    return;
  }
  for (size_t i = 0; i < plan->size(); ++i) {
    const ls::PlannedTask& t = (*plan)[i];
    if (t.index != i) Violated("a task's index is not its position");
    if (!t.status.ok()) {
      ExpectInvalidArgument(t.status, "a task's error is not InvalidArgument");
      if (!t.annotations.empty()) Violated("a refused task has annotations");
      continue;
    }
    CheckRecord(t.record);
    for (const ls::PlannedAnnotation& a : t.annotations) {
      if (!consilium::domain::CheckDomainId("annotation id", a.annotation_id)
               .ok())
        Violated("a planned annotation id is not a domain id");
      if (!consilium::domain::CheckDomainId("annotator", a.annotator).ok())
        Violated("a planned annotator is not a domain id");
      ExpectCanonicalObject(a.values, /*stored=*/false,
                            "annotation values are not canonical JSON");
    }
  }
}

void RecordLine(std::string_view text) {
  auto cmd = consilium::render::ParseRecordLine(text);
  if (!cmd.ok()) {
    ExpectInvalidArgument(cmd.status(),
                          "a record line rejection is not InvalidArgument");
    return;
  }
  CheckRecord(*cmd);
}

void LabelStudio(std::string_view text) {
  const Fixtures& f = Fixture();
  CheckPlan(ls::PlanImport(text, f.mapping, f.schema));
  auto mapping = ls::ParseMapping(text);
  if (!mapping.ok()) {
    ExpectInvalidArgument(mapping.status(),
                          "a mapping rejection is not InvalidArgument");
    return;
  }
  Status fits = ls::CheckMapping(*mapping, f.schema);
  if (!fits.ok()) {
    ExpectInvalidArgument(fits, "a mapping check is not InvalidArgument");
    return;
  }
  CheckPlan(ls::PlanImport(f.export_json, *mapping, f.schema));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1,
                              size - 1);
  try {
    if (data[0] % 2 == 0) {
      RecordLine(text);
    } else {
      LabelStudio(text);
    }
  } catch (...) {
    Violated("an import reader threw");
  }
  return 0;
}
