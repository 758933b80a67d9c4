// The task schemas the demo publishes: dx-reasoning v1 (the reasoning-aware
// diagnosis schema of schemas/examples/dx-reasoning.json) and v2, its
// revision after the first calibration round (docs/demo.md), made from v1's
// text so the two cannot drift apart.
#include <boost/json.hpp>
#include <cassert>
#include <string>

#include "common/canonical_json.h"
#include "tools/demo/plan.h"

namespace consilium::cli::demo {

namespace {

constexpr char kSchemaV1[] = R"json({
  "id": "dx-reasoning",
  "version": 1,
  "title": "Reasoning-aware diagnosis",
  "description": "Primary diagnosis with the findings that support it, the alternatives considered and why each was excluded, confidence, and what would change the assessment.",
  "fields": [
    {
      "name": "primary_diagnosis",
      "type": "categorical",
      "layer": "interpretive",
      "required": true,
      "code_system": "icd10",
      "open": true,
      "categories": [
        {
          "code": "J18.9",
          "label": "Pneumonia, unspecified organism"
        },
        {
          "code": "I50.9",
          "label": "Heart failure, unspecified"
        },
        {
          "code": "J81.0",
          "label": "Acute pulmonary edema"
        },
        {
          "code": "J44.1",
          "label": "COPD with (acute) exacerbation"
        },
        {
          "code": "I26.99",
          "label": "Other pulmonary embolism without acute cor pulmonale"
        },
        {
          "code": "J80",
          "label": "Acute respiratory distress syndrome"
        },
        {
          "code": "A41.9",
          "label": "Sepsis, unspecified organism"
        }
      ]
    },
    {
      "name": "key_findings",
      "type": "list",
      "layer": "descriptive",
      "required": true,
      "min_items": 1,
      "max_items": 20,
      "description": "Observations in the record that support the primary diagnosis.",
      "fields": [
        {
          "name": "finding",
          "type": "text",
          "required": true,
          "max_length": 500
        },
        {
          "name": "evidence",
          "type": "list",
          "required": true,
          "min_items": 1,
          "max_items": 10,
          "fields": [
            {
              "name": "span",
              "type": "text_span",
              "required": true
            }
          ]
        }
      ]
    },
    {
      "name": "differential",
      "type": "list",
      "layer": "interpretive",
      "max_items": 10,
      "description": "Alternatives considered, each with the reason it was excluded.",
      "fields": [
        {
          "name": "alternative",
          "type": "categorical",
          "required": true,
          "code_system": "icd10",
          "open": true
        },
        {
          "name": "excluded_because",
          "type": "text",
          "required": true,
          "max_length": 1000
        }
      ]
    },
    {
      "name": "confidence",
      "type": "confidence",
      "layer": "interpretive",
      "required": true,
      "scale": "probability"
    },
    {
      "name": "what_would_change",
      "type": "text",
      "layer": "interpretive",
      "max_length": 1000,
      "description": "Additional information that would change the assessment."
    }
  ]
})json";

// What v2 adds: imaging findings located on the image, after key_findings.
constexpr char kImagingFindings[] = R"json({
  "name": "imaging_findings",
  "type": "list",
  "layer": "descriptive",
  "max_items": 10,
  "description": "Findings on the record's images, each located by a box or polygon.",
  "fields": [
    {
      "name": "finding",
      "type": "categorical",
      "required": true,
      "code_system": "local",
      "categories": [
        "consolidation",
        "cardiomegaly",
        "interstitial_edema",
        "hyperinflation",
        "bilateral_infiltrates",
        "filling_defect",
        "pleural_effusion"
      ]
    },
    {
      "name": "region",
      "type": "image_region",
      "required": true
    }
  ]
})json";

// v2 is v1 revised, written once: v1's document with the header of a
// revision (version, parent, changelog, description), the differential
// required with one item or more, and kImagingFindings after key_findings.
// The text is v1's layout (insertion order, two-space indent).
std::string MakeSchemaV2() {
  namespace json = boost::json;
  const json::object v1 = json::parse(kSchemaV1).as_object();
  json::object v2;
  v2["id"] = v1.at("id");
  v2["version"] = 2;
  v2["parent"] = 1;
  v2["changelog"] =
      "Calibration round 1: an assessment must exclude at least one "
      "alternative (differential now required, one item or more), and "
      "findings on the record's images are located with a box or polygon "
      "(new descriptive field imaging_findings).";
  v2["title"] = v1.at("title");
  v2["description"] = std::string(v1.at("description").as_string()) +
                      " Revised after calibration round 1: at least one "
                      "alternative must be excluded, and imaging findings "
                      "are located on the image.";
  json::array fields;
  for (json::value field : v1.at("fields").as_array()) {
    json::object& f = field.as_object();
    const json::string name = f.at("name").as_string();
    if (name == "differential") {
      f["required"] = true;
      f["min_items"] = 1;
    }
    fields.push_back(std::move(field));
    if (name == "key_findings") fields.push_back(json::parse(kImagingFindings));
  }
  v2["fields"] = std::move(fields);
  StatusOr<std::string> text = WriteJson(v2, JsonStyle::kIndented);
  assert(text.ok());  // no double in a schema: nothing to fail on
  return *text;
}

}  // namespace

std::string_view SchemaV1() { return kSchemaV1; }
std::string_view SchemaV2() {
  static const std::string v2 = MakeSchemaV2();
  return v2;
}

}  // namespace consilium::cli::demo
