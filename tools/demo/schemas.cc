// The task schemas the demo publishes: dx-reasoning v1 (the reasoning-aware
// diagnosis schema of schemas/examples/dx-reasoning.json) and v2, its
// revision after the first calibration round (docs/demo.md).
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

constexpr char kSchemaV2[] = R"json({
  "id": "dx-reasoning",
  "version": 2,
  "parent": 1,
  "changelog": "Calibration round 1: an assessment must exclude at least one alternative (differential now required, one item or more), and findings on the record's images are located with a box or polygon (new descriptive field imaging_findings).",
  "title": "Reasoning-aware diagnosis",
  "description": "Primary diagnosis with the findings that support it, the alternatives considered and why each was excluded, confidence, and what would change the assessment. Revised after calibration round 1: at least one alternative must be excluded, and imaging findings are located on the image.",
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
      ],
      "required": true,
      "min_items": 1
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

}  // namespace

std::string_view SchemaV1() { return kSchemaV1; }
std::string_view SchemaV2() { return kSchemaV2; }

}  // namespace consilium::cli::demo
