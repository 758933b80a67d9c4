#include "tools/demo/vignettes.h"

namespace consilium::cli::demo {
namespace {

// Classes: J18.9 pneumonia, I50.9 heart failure, J81.0 acute pulmonary
// oedema, J44.1 COPD exacerbation, I26.99 pulmonary embolism, J80 ARDS,
// A41.9 sepsis. The confusion weights follow the clinical overlap: heart
// failure and pulmonary oedema, pneumonia and sepsis, oedema and ARDS.
DiagnosisPool Pneumonia() {
  return {
      .label = "Pneumonia, unspecified organism",
      .specialties = {"emergency medicine", "internal medicine", "pulmonology",
                      "infectious diseases"},
      .complaints = {{"3 days of productive cough and fever to 39.1 C",
                      "Productive cough and fever"},
                     {"cough with rusty sputum and right-sided pleuritic "
                      "pain",
                      "Purulent cough with pleuritic pain"},
                     {"4 days of fever, rigors and cough",
                      "Fever with rigors and cough"}},
      .vitals = {{"RR 24, SpO2 91% on room air, temperature 38.8 C",
                  "Tachypnoea, hypoxaemia and fever"},
                 {"SpO2 89% on air, HR 104", "Hypoxaemia with tachycardia"}},
      .exams = {{"crackles and bronchial breathing over the right lower "
                 "lobe",
                 "Focal crackles with bronchial breathing"},
                {"dullness to percussion at the left base",
                 "Focal dullness at a lung base"}},
      .tests = {{"CRP 186 mg/L, WBC 15.2", "Raised inflammatory markers"},
                {"procalcitonin 1.9 ng/mL with neutrophilia",
                 "Raised procalcitonin"}},
      .imaging = {{"CXR: right lower lobe consolidation", "consolidation",
                   false, 1150, 1500, 500, 550},
                  {"CXR: left lower zone airspace opacity", "consolidation",
                   false, 420, 1480, 480, 520}},
      .excluded_because = "no focal signs and no consolidation on imaging",
      .would_change = "a sputum culture or CT pointing to another cause",
      .confusions = {0, 1, 0.5, 2, 1, 1, 4}};
}

DiagnosisPool HeartFailure() {
  return {
      .label = "Heart failure, unspecified",
      .specialties = {"cardiology", "internal medicine", "emergency medicine"},
      .complaints = {{"2 weeks of progressive exertional dyspnoea and "
                      "3-pillow orthopnoea",
                      "Progressive dyspnoea with orthopnoea"},
                     {"ankle swelling and breathlessness lying flat",
                      "Oedema with orthopnoea"}},
      .vitals = {{"BP 158/92, HR 96, SpO2 93% on air",
                  "Hypertension with mild hypoxaemia"}},
      .exams = {{"raised JVP and pitting oedema to the knees",
                 "Raised JVP and peripheral oedema"},
                {"bibasal fine crackles and an S3", "Bibasal crackles, S3"}},
      .tests = {{"NT-proBNP 4800 pg/mL", "Markedly raised NT-proBNP"},
                {"echo last year: LVEF 30%", "Reduced ejection fraction"}},
      .imaging = {{"CXR: cardiomegaly with upper lobe diversion",
                   "cardiomegaly", false, 700, 1300, 800, 700}},
      .excluded_because = "no raised JVP or oedema and a normal BNP",
      .would_change = "an echocardiogram with normal function",
      .confusions = {1, 0, 5, 1.5, 1, 0.5, 0.5}};
}

DiagnosisPool PulmonaryOedema() {
  return {.label = "Acute pulmonary edema",
          .specialties = {"emergency medicine", "cardiology", "critical care"},
          .complaints = {{"sudden severe breathlessness at night with frothy "
                          "pink sputum",
                          "Abrupt dyspnoea with frothy sputum"},
                         {"acute dyspnoea over an hour, unable to lie flat",
                          "Acute-onset orthopnoeic dyspnoea"}},
          .vitals = {{"BP 212/118, RR 34, SpO2 82% on air",
                      "Severe hypertension and hypoxaemia"}},
          .exams = {{"crackles to the mid-zones bilaterally, diaphoretic",
                     "Bilateral crackles to mid-zones"}},
          .tests = {{"BNP 2100 pg/mL, troponin mildly raised", "Raised BNP"}},
          .imaging = {{"CXR: bilateral perihilar bat-wing opacities",
                       "interstitial_edema", false, 500, 900, 1100, 900}},
          .excluded_because = "onset not abrupt and no perihilar pattern",
          .would_change =
              "a normal BNP or no response to nitrates and "
              "diuretics",
          .confusions = {0.5, 5, 0, 0.5, 0.5, 2.5, 0.5}};
}

DiagnosisPool CopdExacerbation() {
  return {
      .label = "COPD with (acute) exacerbation",
      .specialties = {"pulmonology", "emergency medicine", "internal medicine"},
      .complaints = {{"5 days of more purulent sputum and breathlessness",
                      "Increased sputum purulence and dyspnoea"},
                     {"40 pack-year smoker with worsening wheeze",
                      "Heavy smoker with worsening wheeze"}},
      .vitals = {{"RR 28, SpO2 86% on air, using accessory muscles",
                  "Tachypnoea with accessory muscle use"}},
      .exams = {{"widespread expiratory wheeze with prolonged expiration",
                 "Widespread wheeze"}},
      .tests = {{"ABG pH 7.31, pCO2 8.2 kPa", "Hypercapnic acidosis"},
                {"FEV1 38% predicted at last clinic",
                 "Severe airflow obstruction"}},
      .imaging = {{"CXR: hyperinflated lungs, no consolidation",
                   "hyperinflation", false, 300, 500, 1450, 1600}},
      .excluded_because = "no wheeze, no smoking history, no hyperinflation",
      .would_change = "spirometry without obstruction",
      .confusions = {3, 2, 0.5, 0, 1, 0.5, 1}};
}

DiagnosisPool PulmonaryEmbolism() {
  return {
      .label = "Other pulmonary embolism without acute cor pulmonale",
      .specialties = {"emergency medicine", "internal medicine",
                      "orthopaedics"},
      .complaints = {{"sudden pleuritic chest pain and breathlessness",
                      "Sudden pleuritic pain with dyspnoea"},
                     {"syncope on standing with acute dyspnoea",
                      "Syncope with acute dyspnoea"}},
      .vitals = {{"HR 122, SpO2 90% on air, BP 104/70",
                  "Tachycardia and hypoxaemia"}},
      .exams = {{"swollen tender left calf, chest clear",
                 "Calf swelling with a clear chest"}},
      .tests = {{"D-dimer 4.2 mg/L, troponin 0.09",
                 "Raised D-dimer and troponin"},
                {"ECG: sinus tachycardia, S1Q3T3", "Right heart strain ECG"}},
      .imaging = {{"CTPA: filling defect in the right lower lobe artery",
                   "filling_defect", true, 300, 280, 60, 50, 72}},
      .excluded_because = "no risk factors and a normal D-dimer",
      .would_change = "a CTPA without filling defects",
      .confusions = {3, 2, 1, 1, 0, 0.5, 1.5}};
}

DiagnosisPool Ards() {
  return {
      .label = "Acute respiratory distress syndrome",
      .specialties = {"critical care"},
      .complaints = {{"worsening hypoxaemia 2 days after severe "
                      "pancreatitis",
                      "Hypoxaemia after a systemic insult"},
                     {"progressive respiratory failure after aspiration",
                      "Respiratory failure after aspiration"}},
      .vitals = {{"PaO2/FiO2 ratio 140 on PEEP 10",
                  "Moderate ARDS range oxygenation"},
                 {"SpO2 88% on FiO2 0.6", "Refractory hypoxaemia"}},
      .exams = {{"diffuse crackles without a raised JVP",
                 "Diffuse crackles, normal JVP"}},
      .tests = {{"echo: normal LV function, BNP 90 pg/mL",
                 "Normal LV function"}},
      .imaging = {{"CXR: bilateral diffuse infiltrates sparing the "
                   "costophrenic angles",
                   "bilateral_infiltrates", false, 350, 800, 1350, 1200}},
      .excluded_because = "no precipitating insult and oxygenation too good",
      .would_change =
          "a raised wedge pressure or a prompt response to "
          "diuretics",
      .confusions = {2, 0.5, 4, 0.2, 0.3, 0, 3}};
}

DiagnosisPool Sepsis() {
  return {.label = "Sepsis, unspecified organism",
          .specialties = {"emergency medicine", "infectious diseases",
                          "critical care"},
          .complaints = {{"fever, confusion and rigors since this morning",
                          "Fever with new confusion"},
                         {"2 days of fever and malaise, now drowsy",
                          "Fever with reduced consciousness"}},
          .vitals = {{"temperature 39.4 C, HR 128, BP 84/50, RR 26",
                      "Fever, tachycardia and hypotension"}},
          .exams = {{"warm peripheries, capillary refill 4 s", "Warm shock"}},
          .tests = {{"lactate 4.6 mmol/L, WBC 21", "Raised lactate"},
                    {"creatinine 186 umol/L, blood cultures pending",
                     "Acute kidney injury"}},
          .imaging = {{"CXR: no focal consolidation", "", false, 0, 0, 0, 0}},
          .excluded_because = "haemodynamically stable with a normal lactate",
          .would_change =
              "negative cultures and a non-infective cause of "
              "shock",
          .confusions = {5, 0.5, 0.5, 0.5, 1, 2.5, 0}};
}

const std::array<DiagnosisPool, kClasses>& Pools() {
  static const auto* pools = new std::array<DiagnosisPool, kClasses>{
      {Pneumonia(), HeartFailure(), PulmonaryOedema(), CopdExacerbation(),
       PulmonaryEmbolism(), Ards(), Sepsis()}};
  return *pools;
}

}  // namespace

const DiagnosisPool& Pool(int diagnosis) { return Pools()[diagnosis]; }

const std::vector<std::string_view>& Backgrounds() {
  static const auto* b = new std::vector<std::string_view>{
      "Background of hypertension and type 2 diabetes.",
      "Lives alone and is independent.",
      "No known drug allergies.",
      "Ex-smoker, stopped 10 years ago.",
      "Takes ramipril and metformin.",
      "Previous appendicectomy.",
      "Drinks 10 units of alcohol a week.",
      "Fully vaccinated, no recent travel."};
  return *b;
}

}  // namespace consilium::cli::demo
