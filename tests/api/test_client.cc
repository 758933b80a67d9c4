#include "tests/api/test_client.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <cstdio>
#include <functional>
#include <memory>

namespace consilium::api::testing {
namespace {

using tcp = boost::asio::ip::tcp;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;

constexpr auto kStepLimit = std::chrono::seconds(10);

// Runs one asynchronous operation to completion on `io`; every operation
// of these clients is bounded by tcp_stream's expiry, so none hangs a test.
template <class Start>
beast::error_code Await(net::io_context& io, Start start) {
  beast::error_code result;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

Status Failed(const std::string& what, const beast::error_code& ec) {
  return UnavailableError(what + ": " + ec.message());
}

HttpReply ToReply(http::response<http::string_body>&& res) {
  HttpReply reply;
  reply.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (char& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    reply.headers[name] = std::string(field.value());
  }
  reply.keep_alive = res.keep_alive();
  reply.body = std::move(res.body());
  return reply;
}

template <class Stream>
StatusOr<std::vector<HttpReply>> Exchange(net::io_context& io, Stream& stream,
                                          const std::vector<HttpCall>& calls) {
  std::vector<HttpReply> replies;
  beast::flat_buffer buffer;
  for (const HttpCall& call : calls) {
    http::request<http::string_body> req;
    req.method_string(call.method);
    req.target(call.target);
    req.version(11);
    req.set(http::field::host, "localhost");
    for (const auto& [name, value] : call.headers) req.insert(name, value);
    req.body() = call.body;
    if (!call.body.empty() || call.method == "POST") req.prepare_payload();
    beast::get_lowest_layer(stream).expires_after(kStepLimit);
    beast::error_code ec = Await(io, [&](auto handler) {
      http::async_write(stream, req, std::move(handler));
    });
    if (ec) return Failed("write " + call.target, ec);
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<uint64_t>::max());
    ec = Await(io, [&](auto handler) {
      http::async_read(stream, buffer, parser, std::move(handler));
    });
    if (ec) return Failed("read reply to " + call.target, ec);
    replies.push_back(ToReply(parser.release()));
  }
  return replies;
}

StatusOr<std::shared_ptr<ssl::context>> ClientContext(const ClientTls& tls) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  beast::error_code ec;
  ctx->load_verify_file(tls.ca_file, ec);
  if (ec) return Failed("CA file " + tls.ca_file, ec);
  ctx->set_verify_mode(ssl::verify_peer);
  if (tls.max_tls_1_1) {
    // Security level 0 lets this client offer TLS 1.1 at all: the refusal
    // the test sees is then the server's.
    SSL_CTX_set_security_level(ctx->native_handle(), 0);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx->native_handle(), TLS1_1_VERSION);
  }
  return ctx;
}

}  // namespace

StatusOr<std::vector<HttpReply>> FetchAll(uint16_t port,
                                          const std::vector<HttpCall>& calls,
                                          const ClientTls& tls) {
  net::io_context io;
  beast::tcp_stream tcp_stream(io);
  tcp_stream.expires_after(kStepLimit);
  tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port);
  beast::error_code ec = Await(io, [&](auto handler) {
    tcp_stream.async_connect(endpoint, std::move(handler));
  });
  if (ec) return Failed("connect", ec);
  if (!tls.enabled) return Exchange(io, tcp_stream, calls);

  ASSIGN_OR_RETURN(std::shared_ptr<ssl::context> ctx, ClientContext(tls));
  ssl::stream<beast::tcp_stream> stream(std::move(tcp_stream), *ctx);
  SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
  SSL_set1_host(stream.native_handle(), "localhost");  // checked by OpenSSL
  beast::get_lowest_layer(stream).expires_after(kStepLimit);
  ec = Await(io, [&](auto handler) {
    stream.async_handshake(ssl::stream_base::client, std::move(handler));
  });
  if (ec) return Failed("TLS handshake", ec);
  return Exchange(io, stream, calls);
}

StatusOr<HttpReply> Fetch(uint16_t port, const HttpCall& call,
                          const ClientTls& tls) {
  ASSIGN_OR_RETURN(std::vector<HttpReply> replies, FetchAll(port, {call}, tls));
  return std::move(replies.front());
}

class RawConnection::Impl {
 public:
  net::io_context io;
  beast::tcp_stream stream{io};
};

RawConnection::RawConnection(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
RawConnection::~RawConnection() = default;

StatusOr<std::unique_ptr<RawConnection>> RawConnection::Open(uint16_t port) {
  auto impl = std::make_unique<Impl>();
  impl->stream.expires_after(kStepLimit);
  tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port);
  beast::error_code ec = Await(impl->io, [&](auto handler) {
    impl->stream.async_connect(endpoint, std::move(handler));
  });
  if (ec) return Failed("connect", ec);
  return std::unique_ptr<RawConnection>(new RawConnection(std::move(impl)));
}

Status RawConnection::Send(const std::string& bytes) {
  impl_->stream.expires_after(kStepLimit);
  beast::error_code ec = Await(impl_->io, [&](auto handler) {
    net::async_write(impl_->stream, net::buffer(bytes), std::move(handler));
  });
  return ec ? Failed("send", ec) : OkStatus();
}

std::string RawConnection::ReadUntilClosed(std::chrono::milliseconds limit,
                                           bool* closed) {
  // A timer of its own: tcp_stream's expiry would close the connection,
  // and a test may go on writing after a read that timed out.
  tcp::socket& socket = impl_->stream.socket();
  impl_->stream.expires_never();
  net::steady_timer timer(impl_->io);
  bool timed_out = false;
  timer.expires_after(limit);
  timer.async_wait([&](beast::error_code ec) {
    if (ec) return;
    timed_out = true;
    beast::error_code ignored;
    socket.cancel(ignored);
  });
  std::string out;
  std::array<char, 4096> buf;
  std::function<void()> read_more = [&] {
    socket.async_read_some(net::buffer(buf),
                           [&](beast::error_code ec, size_t n) {
                             out.append(buf.data(), n);
                             if (!ec) return read_more();
                             *closed = !timed_out;
                             timer.cancel();
                           });
  };
  *closed = false;
  read_more();
  impl_->io.restart();
  impl_->io.run();
  return out;
}

void RawConnection::Close() {
  beast::error_code ignored;
  impl_->stream.socket().close(ignored);
}

StatusOr<CertFiles> MakeSelfSignedCert(const std::string& dir) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"),
                                                          EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!key || !cert) return InternalError("OpenSSL: out of memory");
  X509* x = cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, key.get());
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name,
                                            "DNS:localhost,IP:127.0.0.1");
  if (san == nullptr || X509_add_ext(x, san, -1) != 1) {
    return InternalError("OpenSSL: cannot add subjectAltName");
  }
  X509_EXTENSION_free(san);
  if (X509_sign(x, key.get(), EVP_sha256()) == 0) {
    return InternalError("OpenSSL: cannot sign the certificate");
  }
  CertFiles files{dir + "/cert.pem", dir + "/key.pem"};
  FILE* f = std::fopen(files.cert.c_str(), "w");
  bool ok = f != nullptr && PEM_write_X509(f, x) == 1;
  if (f != nullptr) std::fclose(f);
  f = std::fopen(files.key.c_str(), "w");
  ok = ok && f != nullptr &&
       PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr,
                            nullptr) == 1;
  if (f != nullptr) std::fclose(f);
  if (!ok) return InternalError("cannot write PEM files under " + dir);
  return files;
}

}  // namespace consilium::api::testing
