// The demo's sign-in file: `consilium demo` writes one bearer token per
// account to DIR/demo-tokens.json (mode 0600, docs/demo.md) and `consilium
// serve --data DIR` prints, when that file exists, the URL with one token per
// role and curl lines to try.
//
// Thread-safety: plain functions.
#ifndef CONSILIUM_TOOLS_DEMO_SIGN_IN_H_
#define CONSILIUM_TOOLS_DEMO_SIGN_IN_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "common/status.h"

namespace consilium::cli::demo {

inline constexpr char kTokensFile[] = "demo-tokens.json";

struct SignIn {
  std::string principal{};
  std::string role{};  // admin, annotator, auditor, researcher
  std::string display_name{};
  std::string token{};
  int64_t expires_at_us = 0;
};

// Writes `accounts` to DIR/demo-tokens.json, created or truncated with mode
// 0600 (owner read/write only). Internal with the OS error otherwise.
Status WriteSignIns(const std::string& data_dir,
                    const std::vector<SignIn>& accounts);

// For `consilium serve`: when DIR/demo-tokens.json exists and reads, prints
// the URL, the first account of each role with its token, and three curl
// lines to `out`; otherwise prints nothing.
void PrintDemoSignIn(const std::string& data_dir, const std::string& url,
                     std::ostream& out);

}  // namespace consilium::cli::demo

#endif  // CONSILIUM_TOOLS_DEMO_SIGN_IN_H_
