#include "cli/daemon_client.h"

#include <chrono>
#include <iostream>
#include <zmq.hpp>

#include "cli/context.h"
#include "events/control_codec.h"
#include "ledger/daemon.h"

namespace huawu::cli {

std::optional<int> forward_to_daemon(const std::string& data_dir, const std::vector<std::string>& args) {
  if (!daemon_serving(data_dir)) return std::nullopt;
  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(limits::control_reply_bytes_max));
  socket.connect(control_endpoint(data_dir));
  const std::string request = encode_control_request(ControlRequest{"local:operator", args});
  socket.send(zmq::buffer(request), zmq::send_flags::none);
  // A verb may take long (an audit of a large log); wait as long as the
  // daemon lives, checking that it still does.
  for (;;) {
    zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, std::chrono::milliseconds(250));
    if (items[0].revents & ZMQ_POLLIN) break;
    if (!daemon_serving(data_dir)) {
      std::cerr << "huawu: the daemon serving " << data_dir << " stopped before answering\n";
      return exit_storage;
    }
  }
  zmq::message_t frame;
  const auto got = socket.recv(frame, zmq::recv_flags::none);
  std::string why;
  auto reply = got ? decode_control_reply(std::string_view(frame.data<char>(), frame.size()), &why)
                   : std::nullopt;
  if (!reply) {
    std::cerr << "huawu: unreadable reply from the daemon: " << why << "\n";
    return exit_storage;
  }
  std::cout << reply->out << std::flush;
  std::cerr << reply->err << std::flush;
  return reply->exit_code;
}

}  // namespace huawu::cli
