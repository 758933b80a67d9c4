// What the api tests drive the server with: a Beast HTTP client (plain or
// TLS, one request or several on one connection), a raw TCP client for
// misbehaving peers, and a self-signed certificate made with OpenSSL's API.
// Beast is compiled in test_client.cc only.
#ifndef CONSILIUM_TESTS_API_TEST_CLIENT_H_
#define CONSILIUM_TESTS_API_TEST_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace consilium::api::testing {

struct HttpCall {
  std::string method = "GET";
  std::string target = "/healthz";
  std::vector<std::pair<std::string, std::string>> headers = {};
  std::string body = {};
};

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  bool keep_alive = false;
};

struct ClientTls {
  bool enabled = false;
  std::string ca_file;       // trust anchor (the server's self-signed cert)
  bool max_tls_1_1 = false;  // offer TLS 1.1 at most
};

// Sends `calls` one after another on one connection to 127.0.0.1:port and
// reads each reply. The error of the first exchange that fails, as text.
StatusOr<std::vector<HttpReply>> FetchAll(uint16_t port,
                                          const std::vector<HttpCall>& calls,
                                          const ClientTls& tls = {});
StatusOr<HttpReply> Fetch(uint16_t port, const HttpCall& call,
                          const ClientTls& tls = {});

// A plain TCP connection that writes what it is told.
class RawConnection {
 public:
  // Unavailable when the connection is refused.
  static StatusOr<std::unique_ptr<RawConnection>> Open(uint16_t port);
  ~RawConnection();
  Status Send(const std::string& bytes);
  // Reads until the server closes or `limit` passes; `closed` tells which.
  std::string ReadUntilClosed(std::chrono::milliseconds limit, bool* closed);
  void Close();

  class Impl;

 private:
  explicit RawConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A self-signed certificate for "localhost" and 127.0.0.1 (P-256 key),
// written as PEM to `dir`/cert.pem and `dir`/key.pem.
struct CertFiles {
  std::string cert;
  std::string key;
};
StatusOr<CertFiles> MakeSelfSignedCert(const std::string& dir);

}  // namespace consilium::api::testing

#endif  // CONSILIUM_TESTS_API_TEST_CLIENT_H_
