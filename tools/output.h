// Output helpers for commands: JSON documents and error lines on stdout
// (written by common/canonical_json.h), terminal tables and a progress bar.
#ifndef CONSILIUM_TOOLS_OUTPUT_H_
#define CONSILIUM_TOOLS_OUTPUT_H_

#include <boost/json/fwd.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "statistics/agreement.h"

namespace consilium::cli {

// {"error":{"code":"INVALID_ARGUMENT","message":"..."},"line":N}; the line is
// omitted when 0. render::ErrorJson written canonically (its keys are in
// sorted order either way).
std::string ErrorJson(const Status& status, size_t line = 0);

// Prints `v` in the indented human form (JsonStyle::kIndented) and a newline
// to stdout; returns the exit code: 0, or Fail's 2 (an Internal error, on
// stderr) when `v` holds a non-finite number, which renderings never do.
int PrintJson(const boost::json::value& v);

// Prints `v` on one line (JsonStyle::kCompact: keys in insertion order) and
// a newline to stdout; exit code as PrintJson.
int PrintJsonLine(const boost::json::value& v);

// "0.8123" for Fixed(0.81234, 4): printf's %.*f.
std::string Fixed(double value, int decimals);

// A statistic's table cell: "0.8123", or "undefined" when it has no value.
std::string Cell(const std::optional<double>& value);
inline std::string Cell(const statistics::Statistic& s) {
  return Cell(s.value);
}

// A terminal table whose columns are as wide as their widest cell, header
// included, so that no cell is cut short (ids, schema@version, labels):
//
//   Table t({{"field"}, {"value", Table::kRight}});
//   t.AddRow({"diagnosis.severity", "0.81"});
//   t.AddLine("    undefined: one rater");  // a detail under that row
//   t.Print();
//
// Widths count UTF-8 code points. Columns are one space apart (two after
// `indent`), lines carry no trailing spaces; the header line is left out
// when every header is empty.
class Table {
 public:
  enum Align { kLeft, kRight };
  struct Column {
    std::string header = {};
    Align align = kLeft;
  };
  explicit Table(std::vector<Column> columns, std::string indent = "");
  // Missing trailing cells are empty; extra cells are a programmer error.
  void AddRow(std::vector<std::string> cells);
  // A line printed as given under the last row, outside the columns.
  void AddLine(std::string line);
  std::string Render() const;
  void Print() const;  // Render() to stdout

 private:
  struct Entry {
    bool is_line = false;
    std::vector<std::string> cells;
  };
  std::vector<Column> columns_;
  std::string indent_;
  std::vector<Entry> entries_;
};

}  // namespace consilium::cli

#endif  // CONSILIUM_TOOLS_OUTPUT_H_
