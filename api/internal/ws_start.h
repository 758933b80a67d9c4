// The hand-over from an HTTP session to a WebSocket session: the HTTP
// session (api/internal/session.cc) sees an upgrade request for
// kWebSocketPath and gives its stream, the request and its connection count
// to one of these; api/ws_session.cc does the rest. Private to api/.
#ifndef CONSILIUM_API_INTERNAL_WS_START_H_
#define CONSILIUM_API_INTERNAL_WS_START_H_

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>

#include "api/internal/server_state.h"

namespace consilium::api::internal {

using UpgradeRequest =
    boost::beast::http::request<boost::beast::http::string_body>;

// Answers the upgrade (or refuses it with an HTTP error) and runs the
// session on the stream's strand.
void StartWebSocket(std::shared_ptr<ServerState> state,
                    boost::beast::tcp_stream&& stream, UpgradeRequest&& request,
                    OpenConnection open);
void StartWebSocket(std::shared_ptr<ServerState> state,
                    boost::asio::ssl::stream<boost::beast::tcp_stream>&& stream,
                    UpgradeRequest&& request, OpenConnection open);

}  // namespace consilium::api::internal

#endif  // CONSILIUM_API_INTERNAL_WS_START_H_
