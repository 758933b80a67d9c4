#include "tools/output.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cassert>
#include <cstdio>

#include "common/canonical_json.h"
#include "render/error_json.h"
#include "tools/cli.h"

namespace consilium::cli {

std::string ErrorJson(const Status& status, size_t line) {
  // An error document holds strings and an integer: writing cannot fail.
  StatusOr<std::string> s = WriteCanonicalJson(render::ErrorJson(status, line));
  assert(s.ok());
  return s.ok() ? *std::move(s) : std::string();
}

namespace {

int Print(const boost::json::value& v, JsonStyle style) {
  StatusOr<std::string> s = WriteJson(v, style);
  if (!s.ok()) {
    return Fail(InternalError("cannot print the result as JSON: " +
                              s.status().message()));
  }
  *s += '\n';
  std::fwrite(s->data(), 1, s->size(), stdout);
  return 0;
}

}  // namespace

int PrintJson(const boost::json::value& v) {
  return Print(v, JsonStyle::kIndented);
}

int PrintJsonLine(const boost::json::value& v) {
  return Print(v, JsonStyle::kCompact);
}

std::string Fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string Cell(const std::optional<double>& value) {
  return value ? Fixed(*value, 4) : "undefined";
}

namespace {

// Code points, not bytes: a UTF-8 continuation byte is 10xxxxxx.
size_t DisplayWidth(const std::string& s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

}  // namespace

Table::Table(std::vector<Column> columns, std::string indent)
    : columns_(std::move(columns)), indent_(std::move(indent)) {}

void Table::AddRow(std::vector<std::string> cells) {
  assert(cells.size() <= columns_.size());
  cells.resize(columns_.size());
  entries_.push_back({false, std::move(cells)});
}

void Table::AddLine(std::string line) {
  entries_.push_back({true, {std::move(line)}});
}

std::string Table::Render() const {
  std::vector<size_t> width(columns_.size(), 0);
  bool header = false;
  for (size_t c = 0; c < columns_.size(); ++c) {
    width[c] = DisplayWidth(columns_[c].header);
    header = header || !columns_[c].header.empty();
  }
  for (const Entry& e : entries_) {
    if (e.is_line) continue;
    for (size_t c = 0; c < e.cells.size(); ++c) {
      width[c] = std::max(width[c], DisplayWidth(e.cells[c]));
    }
  }
  std::string out;
  auto render_row = [&](const std::vector<std::string>& cells) {
    std::string line = indent_;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) line += ' ';
      std::string pad(width[c] - DisplayWidth(cells[c]), ' ');
      line += columns_[c].align == kRight ? pad + cells[c] : cells[c] + pad;
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + '\n';
  };
  if (header) {
    std::vector<std::string> headers;
    for (const Column& c : columns_) headers.push_back(c.header);
    render_row(headers);
  }
  for (const Entry& e : entries_) {
    if (e.is_line) {
      out += e.cells[0] + '\n';
    } else {
      render_row(e.cells);
    }
  }
  return out;
}

void Table::Print() const {
  std::string out = Render();
  std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace consilium::cli
