// The workspace's static routes (api/static_routes.h): every file of web/ is
// embedded byte for byte and served with its content type, the strict CSP,
// an ETag that answers If-None-Match with 304; unknown files are 404; / is
// a redirect; no file reaches for another origin.
#include "api/static_routes.h"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "tests/testing/build_paths.h"

namespace consilium::api {
namespace {

namespace fs = std::filesystem;

std::string Header(const Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

class StaticRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(AddStaticRoutes(table_).ok()); }

  Response Get(const std::string& path,
               std::map<std::string, std::string> headers = {}) {
    auto segments = SplitPath(path);
    EXPECT_TRUE(segments.ok());
    RouteMatch m = table_.router().Match("GET", *segments);
    EXPECT_NE(m.route, nullptr) << path;
    EXPECT_TRUE(m.route->is_public);
    Request req;
    req.method = "GET";
    req.path = path;
    req.target = path;
    req.params = m.params;
    req.headers = std::move(headers);
    Response out;
    m.route->async(req, [&](Response r) { out = std::move(r); });
    return out;
  }

  RouteTable table_;
};

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const fs::path kWeb = fs::path(::consilium::testing::SourceDir()) / "web";

TEST_F(StaticRoutesTest, EveryFileOfWebIsEmbeddedAndServedAsIs) {
  std::set<std::string> on_disk;
  for (const auto& e : fs::directory_iterator(kWeb)) {
    on_disk.insert(e.path().filename().string());
  }
  std::set<std::string> embedded;
  for (const WebFile& f : WebFiles()) embedded.insert(std::string(f.name));
  EXPECT_EQ(embedded, on_disk);
  for (const std::string& name : on_disk) {
    Response r = Get("/app/" + name);
    EXPECT_EQ(r.status, 200) << name;
    EXPECT_EQ(r.body, ReadFile(kWeb / name)) << name;
    EXPECT_EQ(r.content_type, WebContentType(name)) << name;
    EXPECT_EQ(Header(r, "Content-Security-Policy"), WorkspaceCsp());
    EXPECT_EQ(Header(r, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(Header(r, "Cache-Control"), "no-cache");
    EXPECT_EQ(Header(r, "ETag").size(), 66u) << name;
  }
}

TEST_F(StaticRoutesTest, ContentTypesAndTheIndex) {
  EXPECT_EQ(WebContentType("a.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(WebContentType("a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(WebContentType("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(WebContentType("x.bin"), "application/octet-stream");
  Response index = Get("/app");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, ReadFile(kWeb / "index.html"));
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  Response root = Get("/");
  EXPECT_EQ(root.status, 302);
  EXPECT_EQ(Header(root, "Location"), "/app");
}

TEST_F(StaticRoutesTest, TheCspAllowsOnlyTheServer) {
  std::string csp(WorkspaceCsp());
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("object-src 'none'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos);
  EXPECT_EQ(csp.find("http"), std::string::npos);
}

TEST_F(StaticRoutesTest, IfNoneMatchIsNotModified) {
  Response first = Get("/app/main.js");
  std::string etag = Header(first, "ETag");
  Response again = Get("/app/main.js", {{"if-none-match", "W/\"x\", " + etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(Header(again, "ETag"), etag);
  Response stale = Get("/app/main.js", {{"if-none-match", "\"0000\""}});
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.body, first.body);
}

TEST_F(StaticRoutesTest, AnUnknownFileIsNotFound) {
  for (const char* path : {"/app/nope.js", "/app/..", "/app/index.html.bak"}) {
    Response r = Get(path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_NE(r.body.find("NOT_FOUND"), std::string::npos) << r.body;
    EXPECT_EQ(Header(r, "Content-Security-Policy"), WorkspaceCsp());
  }
}

// Whether `text` names another origin right after `at`: spaces, an opening
// quote (optional when `quote_optional`), then [http:|https:]//.
bool ForeignUrlAfter(const std::string& text, size_t at, bool quote_optional) {
  auto skip_spaces = [&] {
    while (at < text.size() &&
           std::isspace(static_cast<unsigned char>(text[at])))
      ++at;
  };
  skip_spaces();
  if (at < text.size() && (text[at] == '"' || text[at] == '\'')) {
    ++at;
    skip_spaces();
  } else if (!quote_optional) {
    return false;
  }
  if (text.compare(at, 6, "https:") == 0)
    at += 6;
  else if (text.compare(at, 5, "http:") == 0)
    at += 5;
  return text.compare(at, 2, "//") == 0;
}

// Where `text` reaches for another origin: src=/href=/action= attributes,
// `import ... from`, fetch(...) and CSS url(...) whose value starts with
// [http:|https:]//. Empty when it does not. (No std::regex: GCC 12 warns
// inside <regex> under ASan, and -Werror.)
std::string ForeignReference(const std::string& text) {
  for (const char* attribute : {"src", "href", "action"}) {
    const std::string name = attribute;
    for (size_t at = text.find(name); at != std::string::npos;
         at = text.find(name, at + 1)) {
      size_t p = at + name.size();
      while (p < text.size() &&
             std::isspace(static_cast<unsigned char>(text[p])))
        ++p;
      if (p < text.size() && text[p] == '=' &&
          ForeignUrlAfter(text, p + 1, false))
        return text.substr(at, 80);
    }
  }
  for (const auto& [opener, quote_optional] :
       {std::pair<std::string, bool>{"from", false},
        {"fetch(", false},
        {"url(", true}}) {
    for (size_t at = text.find(opener); at != std::string::npos;
         at = text.find(opener, at + 1)) {
      if (ForeignUrlAfter(text, at + opener.size(), quote_optional))
        return text.substr(at, 80);
    }
  }
  return "";
}

TEST_F(StaticRoutesTest, NoFileReachesForAnotherOrigin) {
  // The check itself: each kind of foreign reference is found, a
  // same-origin one and an XML namespace string are not.
  for (const char* foreign :
       {"<script src=\"https://cdn.example/x.js\">", "<a href = '//evil'>",
        "<form action=\"http://x\">", "import {a} from 'https://x/a.js';",
        "fetch( \"//x/y\")", "background: url(https://x/i.png)"}) {
    EXPECT_NE(ForeignReference(foreign), "") << foreign;
  }
  for (const char* local :
       {"<script src=\"/app/x.js\">", "import {a} from './a.js';",
        "fetch('/v1/whoami')", "url(/app/i.png)",
        "createElementNS('http://www.w3.org/2000/svg', 'svg')"}) {
    EXPECT_EQ(ForeignReference(local), "") << local;
  }
  // Scripts, styles, links and imports are all same-origin paths.
  for (const WebFile& f : WebFiles()) {
    EXPECT_EQ(ForeignReference(std::string(f.bytes)), "") << f.name;
  }
}

}  // namespace
}  // namespace consilium::api
