#include "cli/daemon_client.h"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <zmq.hpp>

#include "cli/context.h"
#include "events/control_codec.h"
#include "ledger/daemon.h"

namespace huawu::cli {

ControlRequest control_request_from_environment(std::vector<std::string> args, const std::string& default_principal) {
  const char* principal = std::getenv("HUAWU_PRINCIPAL");
  const char* token = std::getenv("HUAWU_TOKEN");
  return ControlRequest{principal && *principal ? principal : default_principal, std::move(args), "",
                        token ? token : ""};
}

namespace {

// Sends one request; the daemon's reply (exit 3 with a message when it stops
// before answering or answers something unreadable).
ControlReply ask(const std::string& data_dir, const ControlRequest& control_request) {
  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(limits::control_reply_bytes_max));
  socket.connect(control_endpoint(data_dir));
  const std::string request = encode_control_request(control_request);
  socket.send(zmq::buffer(request), zmq::send_flags::none);
  // A verb may take long (an audit of a large log); wait as long as the
  // daemon lives, checking that it still does.
  for (;;) {
    zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, std::chrono::milliseconds(250));
    if (items[0].revents & ZMQ_POLLIN) break;
    if (!daemon_serving(data_dir))
      return ControlReply{exit_storage, "", "huawu: the daemon serving " + data_dir + " stopped before answering\n"};
  }
  zmq::message_t frame;
  const auto got = socket.recv(frame, zmq::recv_flags::none);
  std::string why;
  auto reply = got ? decode_control_reply(std::string_view(frame.data<char>(), frame.size()), &why)
                   : std::nullopt;
  if (!reply) return ControlReply{exit_storage, "", "huawu: unreadable reply from the daemon: " + why + "\n"};
  return std::move(*reply);
}

}  // namespace

std::optional<ControlReply> forward_to_daemon(const std::string& data_dir, const VerbCall& call) {
  if (!daemon_serving(data_dir)) return std::nullopt;
  ControlRequest request = control_request_from_environment({}, "local:operator");
  request.call = call;
  return ask(data_dir, request);
}

int login_to_daemon(const std::string& data_dir, const std::string& principal, const std::string& password) {
  if (!daemon_serving(data_dir)) {
    std::cerr << "huawu: login is for a daemon: none serves " << data_dir << "\n";
    return exit_storage;
  }
  const ControlReply reply = ask(data_dir, ControlRequest{principal, {"login"}, password, ""});
  std::cout << reply.out << std::flush;
  std::cerr << reply.err << std::flush;
  return reply.exit_code;
}

}  // namespace huawu::cli
