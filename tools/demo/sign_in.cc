#include "tools/demo/sign_in.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "schemas/event_json.h"

namespace consilium::cli::demo {

namespace json = boost::json;

namespace {
std::string PathOf(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / kTokensFile).string();
}
}  // namespace

Status WriteSignIns(const std::string& data_dir,
                    const std::vector<SignIn>& accounts) {
  json::array list;
  for (const SignIn& a : accounts) {
    list.push_back(json::object{{"principal", a.principal},
                                {"role", a.role},
                                {"display_name", a.display_name},
                                {"token", a.token},
                                {"expires", FormatTimestamp(a.expires_at_us)}});
  }
  json::object doc{
      {"note",
       "Bearer tokens of the demo accounts: secrets, each signs in as its "
       "principal until it expires. Send as 'Authorization: Bearer TOKEN'."},
      {"accounts", std::move(list)}};
  const std::string text = json::serialize(doc) + "\n";
  const std::string path = PathOf(data_dir);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return InternalError(path + ": " + std::strerror(errno));
  // An existing file keeps its mode through O_CREAT: set it.
  bool ok = ::fchmod(fd, 0600) == 0;
  size_t done = 0;
  while (ok && done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (!ok) return InternalError(path + ": " + std::strerror(saved));
  return OkStatus();
}

void PrintDemoSignIn(const std::string& data_dir, const std::string& url,
                     std::ostream& out) {
  std::ifstream in(PathOf(data_dir));
  if (!in) return;
  std::stringstream buf;
  buf << in.rdbuf();
  boost::system::error_code ec;
  json::value doc = json::parse(buf.str(), ec);
  if (ec || !doc.is_object()) return;
  const json::value* accounts = doc.as_object().if_contains("accounts");
  if (accounts == nullptr || !accounts->is_array()) return;
  std::set<std::string> shown;
  std::string first_token;
  out << "Demo accounts (" << PathOf(data_dir) << "), one per role:\n";
  for (const json::value& a : accounts->as_array()) {
    if (!a.is_object()) continue;
    const json::object& o = a.as_object();
    const json::value* role = o.if_contains("role");
    const json::value* who = o.if_contains("principal");
    const json::value* token = o.if_contains("token");
    if (!role || !who || !token || !role->is_string() || !who->is_string() ||
        !token->is_string())
      continue;
    if (!shown.insert(std::string(role->as_string())).second) continue;
    if (first_token.empty()) first_token = std::string(token->as_string());
    out << "  " << std::string(role->as_string()) << "\t"
        << std::string(who->as_string()) << "\t"
        << std::string(token->as_string()) << "\n";
  }
  if (first_token.empty()) return;
  out << "Try:\n"
      << "  curl " << url << "/healthz\n"
      << "  curl -H 'Authorization: Bearer " << first_token << "' " << url
      << "/v1/whoami\n"
      << "  curl " << url << "/v1/openapi.json" << std::endl;
}

}  // namespace consilium::cli::demo
