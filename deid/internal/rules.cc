// The built-in patterns, by family. Every pattern is RE2 syntax (linear
// time, no backreferences, no lookaround: what a lookahead would say is a
// Rule::veto_after). \b is an ASCII word boundary; names use \p{Lu}/\p{Ll}
// so accented names match. Context words are case-insensitive ((?i:...)),
// the values after them are not.
#include "deid/internal/rules.h"

#include <algorithm>
#include <string>

namespace consilium::deid::internal {
namespace {

using P = PhiType;

// Priorities (Rule::priority): a value after its context word is the most
// specific; formats that contain other formats rank above them.
constexpr int kContextId = 60;  // MRN:, Policy #:, VIN:, S/N: ...
constexpr int kFaxPriority = 55;
constexpr int kEmailPriority = 50;
constexpr int kSsnPriority = 45;
constexpr int kPhonePriority = 40;
constexpr int kUrlIpPriority = 35;
constexpr int kAgePriority = 32;
constexpr int kDatePriority = 30;
constexpr int kAddressPriority = 28;
constexpr int kZipPriority = 27;
constexpr int kLocationPriority = 26;
constexpr int kBareFormatPriority = 10;  // a VIN without its label

// --- Building blocks -------------------------------------------------------

// A capitalized name word: Smith, O'Brien, McDonald, Smith-Jones, Núñez.
const std::string kNameWord =
    R"((?:\p{Lu}(?:'\p{Lu})?\p{Ll}+(?:\p{Lu}\p{Ll}+)?(?:-\p{Lu}\p{Ll}+)?))";
// The same or an all-capitals word of two letters or more (SMITH, JOHN in a
// header after "Patient:").
const std::string kNameWordOrCaps =
    "(?:" + kNameWord + R"(|\p{Lu}(?:'\p{Lu})?\p{Lu}+(?:-\p{Lu}{2,})?))";
// A full name: words with optional middle initials ("John A. Smith",
// "J. Smith"), at most four parts; with `header`, also all capitals and
// "Last, First".
std::string FullName(bool header) {
  const std::string word = header ? kNameWordOrCaps : kNameWord;
  const std::string initial = R"(\p{Lu}\.)";
  // In a header a middle initial may come without its dot ("JUNE M").
  const std::string part =
      "(?:" + word + "|" + initial + (header ? R"(|\p{Lu}\b)" : "") + ")";
  return "(?:" + initial + R"([ \t]?)?)" + word +
         (header ? "(?:,[ \\t]*" + word + ")?" : "") + "(?:[ ]" + part +
         "){0,3}";
}

const std::string kMonth =
    "(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|"
    "Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|"
    "Dec(?:ember)?|JAN|FEB|MAR|APR|MAY|JUNE?|JULY?|AUG|SEPT?|OCT|NOV|DEC)";
const std::string kMonthFull =
    "(?:January|February|March|April|May|June|July|August|September|"
    "October|November|December)";
const std::string kDay = "(?:0?[1-9]|[12][0-9]|3[01])";
const std::string kOrdinal = "(?:st|nd|rd|th)";
const std::string kYear4 = "(?:1[89][0-9][0-9]|20[0-9][0-9])";

const std::string kStateAbbrev =
    "(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|"
    "MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|"
    "VT|VA|WA|WV|WI|WY|PR)";
// Abbreviations that are also words or credentials (MD, PA, OR, IN, ...):
// a city before them counts only with a ZIP after.
const std::string kStateAbbrevPlain =
    "(?:AL|AK|AZ|AR|CA|CT|DC|FL|GA|ID|IL|IA|KS|KY|LA|MA|MI|MN|MS|MO|MT|NE|"
    "NV|NH|NJ|NM|NY|NC|ND|OH|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY)";
const std::string kStateName =
    "(?:Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|"
    "Delaware|Florida|Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|"
    "Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|"
    "Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|"
    "New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|"
    "Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|"
    "Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming|"
    "Puerto Rico)";

// A North American telephone number: (555) 123-4567, 555-123-4567,
// 555.123.4567, 555 123 4567, +1 555 123 4567, 1-800-555-0199, with an
// optional extension.
const std::string kPhone =
    R"((?:\+?1[-. ]?)?(?:\(\d{3}\)[ ]?|\b\d{3}[-. ])\d{3}[-. ]\d{4}\b(?:[ ]?(?:x|ext\.?|extension)[ ]?\d{1,6}\b)?)";

// A label's optional "number"/"no."/"#"/"ID" and the separator before the
// value.
const std::string kIdTail = R"((?i:[ ]?(?:number|num|no\.?|#|id))?)";
// A two-letter state before a licence value ("DL IN 4821-77-3310") is part
// of the label, not of the value.
const std::string kIdSep =
    R"([ \t]*(?:is|was|of)?[ \t]*[:#=]?[ \t]*(?:[A-Z]{2}[ \t]+)?)";
// An identifier value: letters, digits and inner separators.
const std::string kIdValue = R"(([A-Za-z0-9][A-Za-z0-9-]*[0-9][A-Za-z0-9-]*))";

void Add(std::vector<Rule>& r, P type, std::string pattern, int priority) {
  r.push_back(
      {.type = type, .pattern = std::move(pattern), .priority = priority});
}

// --- Families --------------------------------------------------------------

void NameRules(std::vector<Rule>& r) {
  const std::string name = "(" + FullName(false) + ")";
  const std::string title =
      R"((?:(?:Dr|Mr|Mrs|Ms|Officer|Ofc|Det|Sgt|Rev|Pastor|Chaplain)\.?[ \t]+)?)";
  // Titles: Dr. Smith, Mrs. Hope Garcia, Drs. Lee.
  Add(r, P::kName,
      R"(\b(?:Dr|Drs|Mr|Mrs|Ms|Mx|Miss|Prof|DR|MR|MRS|MS|Officer|Ofc|Det|Sgt|Rev|Pastor|Chaplain)\b\.?[ \t]+)" +
          name,
      kNamePriority);
  // Roles and actions that a name follows; the short or common ones only
  // with a colon ("cc: J. Smith", not "10 cc NS").
  Add(r, P::kName,
      R"(\b(?i:seen by|seen with|signed by|dictated by|transcribed by|reviewed by|discussed with|spoke with|spoke to|accompanied by|attested by|cosigned by|co-signed by|verified by|examined by|evaluated by|referred by|covering for|signed out to|sign out to|handed off to|attending|attending physician|PCP|primary care physician|primary care provider|referring physician|referring provider|surgeon|consultant|case manager|social worker|pharmacist|interpreter|thank you for seeing|for seeing)\b[ \t]*:?[ \t]*)" +
          title + name,
      kNamePriority);
  Add(r, P::kName,
      R"(\b(?i:resident|fellow|intern|provider|physician|nurse|RN|therapist|author|cc|bcc|scribe|to|from|attn|contact|name|informant|source|caller|visitor|visitors|witness|recipient)[ \t]*:[ \t]*)" +
          title + "(" + FullName(true) + ")",
      kNamePriority);
  // The patient and people around them: "Patient: SMITH, JOHN",
  // "daughter Rose", "emergency contact Will Turner".
  Add(r, P::kName,
      R"(\b(?i:patient name|patient|pt name|pt\.?|mother|father|son|daughter|wife|husband|spouse|sister|brother|guardian|emergency contact|caregiver|partner|friend|neighbou?r|grandson|granddaughter|grandmother|grandfather|niece|nephew|aunt|uncle|HCP|health care proxy|POA)[ \t]*(?:is|name is|named|called|:|,|-)?[ \t]*()" +
          FullName(true) + ")",
      kNamePriority);
  // Credentials after a name: "Jane Doe, MD", "J. Smith RN".
  Add(r, P::kName,
      name +
          R"(,?[ \t]+(?:MD|M\.D\.|DO|D\.O\.|RN|NP|PA-C|MBBS|PhD|DNP|CNM|CRNA|LPN|APRN|FNP-C|FNP|PharmD|MSW|LCSW|RD|CNA|BSN|MSN|FACP|FACS)\b)",
      kNamePriority);
  // A relation after the name: "Rose Garcia (daughter)", "Will Hargreaves,
  // husband".
  Add(r, P::kName,
      name +
          R"((?:[ \t]*\(|,[ \t]*)(?i:son|daughter|wife|husband|spouse|mother|father|sister|brother|friend|neighbou?r|niece|nephew|aunt|uncle|grandson|granddaughter|grandmother|grandfather|partner|caregiver|guardian|HCP|POA|health care proxy|self|patient|pt)\b)",
      kNamePriority);
  // After "Present:" or "Participants:" in a meeting note.
  Add(r, P::kName,
      R"(\b(?i:present|participants|attendees|family present|in attendance)[ \t]*:[ \t]*)" +
          title + name,
      kNamePriority);
  // The narrative's subject: "Hope Garcia is a 45-year-old woman".
  Add(r, P::kName,
      name +
          R"([ \t]+is[ \t]+an?[ \t]+(?:\d{1,3}[ \t]*-?[ \t]*(?:year|yr|yo\b|y/o|y\.o\.|month|M\b|F\b)|(?i:ninety|one hundred)))",
      kNamePriority);
  // Signature lines: "-- Jane Doe", "/s/ John Smith", "Signed: ...".
  Add(r, P::kName,
      R"((?m:^)[ \t]*(?:--+|—|/s/|s/|(?i:electronically signed|e-signed|signed|signature)[ \t]*:?)[ \t]*)" +
          title + name,
      kNamePriority);
}

void DateRules(std::vector<Rule>& r) {
  // Numeric: 03/04/2021, 3-4-21, 04.03.2021 (either order of day/month).
  Add(r, P::kDate, R"(\b\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})\b)", kDatePriority);
  Add(r, P::kDate, R"(\b\d{1,2}-\d{1,2}-(?:\d{4}|\d{2})\b)", kDatePriority);
  Add(r, P::kDate, R"(\b\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2})\b)", kDatePriority);
  // ISO and year-first: 2021-03-04, 2021/03/04, 2021.03.04.
  Add(r, P::kDate,
      R"(\b)" + kYear4 + R"([-/.](?:0?[1-9]|1[0-2])[-/.])" + kDay + R"(\b)",
      kDatePriority);
  // Month first: March 4th, 2021; Mar. 4 2021; March 4 (not "August 10:42",
  // a time).
  r.push_back({.type = P::kDate,
               .pattern = R"(\b)" + kMonth + R"(\b\.?[ \t]+)" + kDay +
                          kOrdinal + R"(?\b(?:,?[ \t]+)" + kYear4 + R"(\b)?)",
               .priority = kDatePriority,
               .veto_after = R"(:\d)"});
  // Day first: 4 Mar 2021, 4th of March, the 4th of March 2021.
  Add(r, P::kDate,
      R"(\b()" + kDay + kOrdinal + R"(?[ \t]+(?:of[ \t]+)?)" + kMonth +
          R"(\b(?:\.?,?[ \t]+)" + kYear4 + R"(\b)?))",
      kDatePriority);
  // 04-Mar-2021, 04MAR2021, 4-mar-21.
  Add(r, P::kDate,
      R"(\b\d{1,2}[- ]?(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[- ]?(?:\d{4}|\d{2})\b)",
      kDatePriority);
  // Month and year: March 2021, March of 2021, 03/2021.
  Add(r, P::kDate,
      R"(\b)" + kMonth + R"(\b\.?,?[ \t]+(?:of[ \t]+)?)" + kYear4 + R"(\b)",
      kDatePriority);
  Add(r, P::kDate, R"(\b(?:0?[1-9]|1[0-2])/(?:19|20)\d{2}\b)", kDatePriority);
  // "on the 4th", "since the 21st".
  Add(r, P::kDate,
      R"(\b(?i:on|by|since|until|till|from|before|after|through)[ \t]+the[ \t]+(\d{1,2}(?:st|nd|rd|th))\b)",
      kDatePriority);
  // A month alone after a time word: "since March", "in early May"; not
  // before a capitalized word ("seen by April Brown" is a name).
  r.push_back(
      {.type = P::kDate,
       .pattern =
           R"(\b(?:in|since|during|until|till|through|by|early|late|mid-?|last|next|this)[ \t]+(?:early[ \t]+|late[ \t]+|mid-?)?()" +
           kMonthFull + R"()\b)",
       .priority = kDatePriority,
       .veto_after = R"([ \t]+\p{Lu}\p{Ll})"});
  // Month/day without a year, after a date context: "on 3/4", "DOS: 3/4".
  r.push_back(
      {.type = P::kDate,
       .pattern =
           R"(\b(?i:on|since|from|until|till|by|dated|seen|admitted|discharged|DOS|DOB|date|d/c|started|stopped|through|thru|last|next)[ \t]*:?[ \t]*((?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12][0-9]|3[01]))(?:[^/\d]|$))",
       .priority = kDatePriority,
       .veto_after =
           R"([ \t]*(?i:tabs?\b|tablets?\b|caps?\b|pills?\b|mg\b|mcg\b|ml\b|units?\b|strength\b|dose\b|of\b|NS\b|cup\b|inch))"});
}

void AgeRules(std::vector<Rule>& r) {
  const std::string age = "(9[0-9]|1[01][0-9])";
  // 92-year-old, 92 y/o, 92yo, 92 years old, 92 y.o.
  Add(r, P::kAge,
      R"(\b)" + age +
          R"([ \t]*-?[ \t]*(?:y/o|y\.o\.?|yo\b|yrs?\b|years?\b|year-old|yr-old|-year-old))",
      kAgePriority);
  // age 93, Age: 97, aged 95, age of 91.
  Add(r, P::kAge, R"(\b(?i:age[ds]?|age of)[ \t]*:?[ \t]*)" + age + R"(\b)",
      kAgePriority);
  // 94M w/ CHF, 91F presenting with ...
  Add(r, P::kAge,
      R"(\b)" + age +
          R"((?:M|F)\b[ \t]+(?i:w/|with|presenting|who|hx|h/o|s/p|c/o|pmh|admitted|here|from))",
      kAgePriority);
  // in his 90s, a man in her nineties, ninety-two-year-old.
  Add(r, P::kAge, R"(\b(?i:in (?:his|her|their) )(90s|nineties)\b)",
      kAgePriority);
  Add(r, P::kAge,
      R"(\b((?i:ninety(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|one hundred(?:[- ](?:and[- ])?(?:one|two|three|four|five|six|seven|eight|nine|ten))?))[ \t-]*(?i:years?[ \t-]old|year-old|yo\b))",
      kAgePriority);
}

void ContactRules(std::vector<Rule>& r) {
  Add(r, P::kPhone, kPhone, kPhonePriority);
  // Seven digits after a telephone word: "pager 555-0199", "ext 4-5678".
  Add(r, P::kPhone,
      R"(\b(?i:phone|tel|telephone|cell|mobile|pager|beeper|ph|call|callback|contact|home|work)\b[^\n\d]{0,12}\b(\d{3}-\d{4})\b)",
      kPhonePriority);
  Add(r, P::kFax,
      R"(\b(?i:fax(?:ed)?|facsimile)\b[^\n\d+(]{0,15}()" + kPhone +
          R"(|\b\d{3}-\d{4}\b))",
      kFaxPriority);
  Add(r, P::kEmail,
      R"(\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b)",
      kEmailPriority);
  Add(r, P::kSsn, R"(\b\d{3}-\d{2}-\d{4}\b)", kSsnPriority);
  Add(r, P::kSsn,
      R"(\b(?i:ssn|social security(?:[ ]?(?:number|no\.?|#))?|ss#|soc\.? sec\.?(?:[ ]?#)?)[ \t]*:?#?[ \t]*(\d{9}|\d{3}[ ]\d{2}[ ]\d{4})\b)",
      kSsnPriority);
  r.push_back({.type = P::kUrl,
               .pattern = R"(\b(?i:https?|ftp)://[^\s<>"'\]]+)",
               .priority = kUrlIpPriority,
               .trim_punctuation = true});
  r.push_back(
      {.type = P::kUrl,
       .pattern =
           R"(\b(?i:www)\.[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/[^\s<>"'\]]*)?)",
       .priority = kUrlIpPriority,
       .trim_punctuation = true});
  r.push_back(
      {.type = P::kUrl,
       .pattern =
           R"(\b[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*\.(?:com|org|net|edu|gov|io|info|health|biz|us|me)\b(?:/[^\s<>"'\]]*)?)",
       .priority = kUrlIpPriority - 1,
       .trim_punctuation = true});
  const std::string octet = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
  r.push_back(
      {.type = P::kIp,
       .pattern = R"(\b)" + octet + R"((?:\.)" + octet + R"(){3}\b)",
       .priority = kUrlIpPriority,
       .veto_before =
           R"((?i:\bversion|\bver\.?|\brelease|\bbuild|\bfirmware|\bsoftware)[ \t:]*$)"});
  const std::string hex = "[0-9A-Fa-f]{1,4}";
  Add(r, P::kIp, R"(\b(?:)" + hex + ":){7}" + hex + R"(\b)", kUrlIpPriority);
  const std::string groups = hex + "(?::" + hex + "){0,6}";
  Add(r, P::kIp,
      R"(\b)" + groups + "::(?:" + groups + R"(\b)?|::)" + groups + R"(\b)",
      kUrlIpPriority - 1);
}

// `labels`: context words after which the value may come directly ("MRN
// 123"); `tail_labels`: words that are too common alone and count only with
// "number"/"no."/"#"/"ID" ("group #: 4417", not "group B strep").
void LabelledIdRule(std::vector<Rule>& r, P type, const std::string& labels,
                    const std::string& tail_labels,
                    const std::string& value = kIdValue) {
  std::string pattern = R"(\b(?:(?i:)" + labels + ")" + kIdTail;
  if (!tail_labels.empty()) {
    pattern += R"(|(?i:)" + tail_labels + R"()[ ]?(?i:number|num|no\.?|#|id))";
  }
  pattern += ")" + kIdSep + value;
  r.push_back({.type = type,
               .pattern = std::move(pattern),
               .priority = kContextId,
               .needs_digit = true});
}

void IdentifierRules(std::vector<Rule>& r) {
  LabelledIdRule(r, P::kMrn,
                 R"(MRN|medical record|med\.? rec(?:ord)?|CMRN|EMPI|MPI)",
                 R"(MR|chart|patient|pt\.?|hospital|unit)");
  LabelledIdRule(
      r, P::kHealthPlan,
      R"(member|subscriber|policy|health plan|medicaid|medicare|beneficiary|HICN|MBI|BCBS)",
      R"(group|insurance|insurance policy|plan|payer|payor|coverage)");
  LabelledIdRule(r, P::kAccount, R"(account|acct\.?|(?-i:FIN|HAR|CSN))",
                 R"(billing|bill|visit|encounter|financial|invoice|claim)");
  LabelledIdRule(
      r, P::kLicense,
      R"(driver'?s? licen[cs]e|drivers licen[cs]e|(?-i:DL|DEA|NPI|UPIN)|licen[cs]e|medical licen[cs]e|state licen[cs]e|professional licen[cs]e|certificate|passport)",
      R"(lic\.?|certification|board certification)");
  // Plates may hold a space ("ABC 1234").
  LabelledIdRule(
      r, P::kVehicle,
      R"(licen[cs]e plate|plate|(?-i:VIN)|vehicle identification|tail number|aircraft registration)",
      R"(tag|vehicle|registration)",
      R"(([A-Z0-9][A-Z0-9-]*(?:[ ][A-Z0-9-]+)?))");
  // A VIN without its label: 17 characters, no I, O or Q, letters and digits.
  r.push_back({.type = P::kVehicle,
               .pattern = R"(\b([A-HJ-NPR-Z0-9]{17})\b)",
               .priority = kBareFormatPriority,
               .needs_digit = true,
               .needs_letter = true});
  LabelledIdRule(
      r, P::kDevice,
      R"(serial|S/N|(?-i:SN|UDI|IMEI)|device|pacemaker|ICD serial|generator serial|MAC address)",
      R"(implant|pump|generator|hearing aid|insulin pump)",
      R"(([A-Za-z0-9(][A-Za-z0-9()./:-]*[0-9][A-Za-z0-9()./:-]*[A-Za-z0-9)]))");
}

void PlaceRules(std::vector<Rule>& r) {
  const std::string suffix =
      "(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|"
      "Court|Ct|Place|Pl|Way|Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|"
      "Hwy|Square|Sq|Trail|Trl|Route|Rte|Pike|Alley|Row|Loop|Crescent|Path)";
  const std::string word = R"((?:\p{Lu}\p{Ll}+|\d{1,3}(?:st|nd|rd|th)))";
  const std::string unit =
      R"((?:\.?,?[ \t]+(?:Apt|Apartment|Unit|Suite|Ste|Room|Rm|Fl|Floor|Bldg|#)\.?[ \t]*#?[ \t]*[A-Za-z0-9-]+)?)";
  Add(r, P::kAddress,
      R"(\b\d{1,6}[A-Z]?[ \t]+(?:(?:[NSEW]\.?|North|South|East|West)[ \t]+)?)" +
          word + R"((?:[ \t]+\p{Lu}\p{Ll}+){0,3}[ \t]+)" + suffix + R"(\b)" +
          unit,
      kAddressPriority);
  Add(r, P::kAddress, R"(\b(?i:p\.?[ ]?o\.?[ ]?box)[ \t]+\d+\b)",
      kAddressPriority);
  // ZIP codes: after a state, after their label, or ZIP+4 alone.
  const std::string zip = R"((\d{5}(?:-\d{4})?)\b)";
  Add(r, P::kZip,
      R"(\b(?:)" + kStateAbbrev + "|" + kStateName + R"()\.?,?[ \t]+)" + zip,
      kZipPriority);
  Add(r, P::kZip,
      R"(\b(?i:zip(?:[ ]?code)?|postal code)[ \t]*[:#]?[ \t]*)" + zip,
      kZipPriority);
  Add(r, P::kZip, R"(\b(\d{5}-\d{4})\b)", kZipPriority);
  // Cities and towns: before a state, after a place phrase; counties.
  const std::string place = R"((\p{Lu}\p{Ll}+(?:[ -]\p{Lu}\p{Ll}+){0,2}))";
  Add(r, P::kLocation,
      R"(\b)" + place + R"(,[ \t]*(?:)" + kStateAbbrevPlain + "|" + kStateName +
          R"()\b)",
      kLocationPriority);
  Add(r, P::kLocation,
      R"(\b)" + place + R"(,[ \t]*)" + kStateAbbrev + R"([ \t]+\d{5}\b)",
      kLocationPriority);
  Add(r, P::kLocation,
      R"(\b(\p{Lu}\p{Ll}+(?:[ ]\p{Lu}\p{Ll}+)?[ ](?:County|Parish|Township|Borough))\b)",
      kLocationPriority);
  Add(r, P::kLocation,
      R"(\b(?i:lives in|living in|resides in|resident of|moved (?:here )?from|born in|grew up in|hometown(?: of| is)?|native of|relocated from|visiting from|city of|town of|village of|home in|works in|from the)[ \t]+)" +
          place,
      kLocationPriority);
}

// One pass per family: rules that differ only in their pattern become one
// alternation (the first capture group that takes part is the hit), so a
// note is read once per family rather than once per pattern. At one start
// position the earlier alternative wins; the lists above put the longer
// forms first where two could start at the same byte.
std::vector<Rule> Combine(const std::vector<Rule>& rules) {
  std::vector<Rule> out;
  for (const Rule& r : rules) {
    // Name rules stay apart: their alternation of case-insensitive context
    // words and Unicode-class name words outgrows RE2's DFA memory when
    // combined, and RE2 then falls back to its much slower NFA.
    auto same = std::find_if(out.begin(), out.end(), [&](const Rule& o) {
      return r.type != PhiType::kName && o.type == r.type &&
             o.priority == r.priority && o.veto_after == r.veto_after &&
             o.veto_before == r.veto_before && o.needs_digit == r.needs_digit &&
             o.needs_letter == r.needs_letter &&
             o.trim_punctuation == r.trim_punctuation;
    });
    if (same == out.end()) {
      out.push_back(r);
      out.back().pattern = "(?:" + r.pattern + ")";
    } else {
      same->pattern += "|(?:" + r.pattern + ")";
    }
  }
  return out;
}

}  // namespace

const std::vector<Rule>& BuiltinRules() {
  static const std::vector<Rule> rules = [] {
    std::vector<Rule> r;
    NameRules(r);
    DateRules(r);
    AgeRules(r);
    ContactRules(r);
    IdentifierRules(r);
    PlaceRules(r);
    return Combine(r);
  }();
  return rules;
}

}  // namespace consilium::deid::internal
