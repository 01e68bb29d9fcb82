// `huawu tail`: subscribes to the daemon's event stream and prints each
// committed event as `huawu events` would. PUB drops messages for a slow
// subscriber, so a gap in sequences is reported with the command that reads
// the missing events from the store.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <zmq.hpp>

#include "cli/context.h"
#include "cli/format.h"
#include "cli/local_verbs.h"
#include "events/codec.h"
#include "ledger/daemon.h"

namespace huawu::cli {

namespace {

// The serving daemon's publish endpoint from DATA/daemon.json, if any.
std::string published_endpoint(const std::string& data_dir) {
  std::ifstream in(daemon_info_path(data_dir));
  if (!in) return {};
  const nlohmann::json info = nlohmann::json::parse(in, nullptr, false);
  if (info.is_discarded() || !info.contains("publish_endpoint") || !info["publish_endpoint"].is_string()) return {};
  return info["publish_endpoint"].get<std::string>();
}

}  // namespace

int verb_tail(const std::string& data_dir, const std::string& endpoint, bool json, std::uint64_t count,
              double seconds, std::ostream& out, std::ostream& err) {
  std::string connect_to = endpoint;
  if (connect_to.empty()) connect_to = published_endpoint(data_dir);
  if (connect_to.empty()) connect_to = "tcp://127.0.0.1:7751";
  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::sub);
  try {
    socket.set(zmq::sockopt::rcvhwm, 1'000'000);
    socket.set(zmq::sockopt::subscribe, "event");
    socket.connect(connect_to);
  } catch (const zmq::error_t& e) {
    err << "huawu: cannot subscribe to " << connect_to << ": " << e.what() << "\n";
    return exit_bad_input;
  }
  if (!json) out << "# following " << connect_to << std::endl;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::uint64_t shown = 0, last_sequence = 0;
  while (count == 0 || shown < count) {
    if (seconds > 0 && std::chrono::steady_clock::now() >= deadline) break;
    zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, 1, std::chrono::milliseconds(100));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
      break;  // interrupted (Ctrl-C): stop following
    }
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    zmq::message_t topic, record;
    if (!socket.recv(topic, zmq::recv_flags::none) || !topic.more() ||
        !socket.recv(record, zmq::recv_flags::none))
      continue;
    std::string why;
    auto stored = decode_stored_event(std::string_view(record.data<char>(), record.size()), &why);
    if (!stored) {
      err << "huawu: unreadable published event: " << why << "\n";
      continue;
    }
    if (last_sequence != 0 && stored->sequence > last_sequence + 1 && !json)
      out << "# missed events " << last_sequence + 1 << ".." << stored->sequence - 1
          << " (huawu events --from " << last_sequence + 1 << ")\n";
    last_sequence = stored->sequence;
    if (json) {
      out << json_line(stored_event_json(*stored)) << "\n";
    } else {
      char head[32];
      std::snprintf(head, sizeof head, "%8llu  ", static_cast<unsigned long long>(stored->sequence));
      out << head << format_time_utc(stored->event.ledger_time_us) << "  " << event_summary(stored->event) << "\n";
    }
    out.flush();
    ++shown;
  }
  return exit_ok;
}

}  // namespace huawu::cli
