// The identifier types the de-identification detectors report: the HIPAA
// Safe Harbor identifiers (45 CFR 164.514(b)(2)) that can appear in note
// text, one type per kind a reviewer would handle differently. docs/deid.md
// says what each covers and where its span starts and ends.
//
// Thread-safety: pure functions over constants.
//
//   PhiType t = PhiType::kDate;
//   PhiTypeName(t);                        // "date"
//   StatusOr<PhiType> u = ParsePhiType("zip");
#ifndef CONSILIUM_DEID_PHI_TYPE_H_
#define CONSILIUM_DEID_PHI_TYPE_H_

#include <array>
#include <string_view>

#include "common/status.h"

namespace consilium::deid {

// The order is the order of every report and table.
enum class PhiType {
  kName,        // a person's name (patient, relative, clinician)
  kDate,        // a date element more specific than the year
  kAge,         // an age over 89
  kPhone,       // a telephone number
  kFax,         // a fax number
  kEmail,       // an e-mail address
  kSsn,         // a social security number
  kMrn,         // a medical record number
  kHealthPlan,  // a health plan beneficiary / member / policy number
  kAccount,     // an account, billing, encounter or claim number
  kLicense,     // a certificate or licence number (driver's, DEA, NPI, ...)
  kVehicle,     // a vehicle identifier: licence plate, VIN
  kDevice,      // a device identifier or serial number
  kUrl,         // a web address
  kIp,          // an IPv4 or IPv6 address
  kAddress,     // a street address or P.O. box
  kLocation,    // a city, town or county (a subdivision smaller than a state)
  kZip,         // a ZIP code (five digits or ZIP+4)
};
inline constexpr size_t kPhiTypeCount = 18;

// Every type, in the order above.
const std::array<PhiType, kPhiTypeCount>& AllPhiTypes();

// "name", "date", "age", "phone", "fax", "email", "ssn", "mrn",
// "health_plan", "account", "license", "vehicle", "device", "url", "ip",
// "address", "location", "zip".
std::string_view PhiTypeName(PhiType type);

// The inverse of PhiTypeName; InvalidArgument listing the names otherwise.
StatusOr<PhiType> ParsePhiType(std::string_view name);

}  // namespace consilium::deid

#endif  // CONSILIUM_DEID_PHI_TYPE_H_
