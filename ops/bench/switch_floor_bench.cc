// huawu_switch_floor_bench: the transport floor for the calls ingest benchmark
// (ops/bench/calls.sh, part f). A "null ledger" that answers the switch
// protocol on a ZeroMQ ROUTER exactly as the daemon's socket is set up, on one
// thread, with everything the daemon does per request except the ledger:
// decode and validate the frame, rate the call by longest prefix on the
// simulator's plan, answer a retransmission with its original reply, encode
// and send the reply. No storage, no events, no hashing, no writer thread, no
// hand-offs between threads.
//
// Driving it with the same switch simulator, on the same cores, gives the most
// settled calls/s this machine can carry over the protocol at all; the ledger
// can only be slower. The simulator checks every reply (grant, hold, cost,
// billed seconds, retransmissions), so the floor is doing honest work.
//
// Wallets are not tracked (every grant is what was asked, capped at
// --max-call-seconds, and the reported balance is constant): the floor measures
// the transport, not the money.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "cli/switch_sim.h"
#include "events/switch_codec.h"
#include "ledger/rate_csv.h"
#include "ledger/rating.h"

namespace {

volatile std::sig_atomic_t stop_requested = 0;
void on_signal(int) { stop_requested = 1; }

struct AuthorizedCall {
  huawu::CallRate rate;
  std::int64_t granted_seconds = 0;
};

class NullLedger {
 public:
  NullLedger(const huawu::PrefixTable& table, std::int64_t max_call_seconds)
      : table_(table), max_call_seconds_(max_call_seconds) {}

  // The reply frame for one request frame.
  std::string answer(std::string_view frame) {
    std::string why;
    auto request = huawu::decode_switch_request(frame, &why);
    if (!request) {
      huawu::SwitchReply error;
      error.reason = "malformed_request";
      return huawu::encode_switch_reply(error);
    }
    std::string key = request->switch_id;
    key.push_back('\0');
    key += request->request_key;
    if (auto it = replies_.find(key); it != replies_.end()) return it->second;
    huawu::SwitchReply reply = std::visit([&](auto& body) { return decide(body); }, request->body);
    reply.request_key = request->request_key;
    reply.sequence = ++sequence_;
    std::string bytes = huawu::encode_switch_reply(reply);
    replies_.emplace(std::move(key), bytes);
    return bytes;
  }

 private:
  static constexpr std::int64_t balance_units = 10'000'000;

  huawu::SwitchReply decide(const huawu::AuthorizeCall& call) {
    huawu::SwitchReply reply;
    reply.kind = huawu::SwitchReplyKind::authorize;
    const huawu::Rate* rate = table_.lookup(call.callee);
    if (rate == nullptr) {
      reply.reason = "no_rate_for_destination";
      return reply;
    }
    AuthorizedCall authorized{huawu::call_rate_of(*rate), std::min(call.requested_seconds, max_call_seconds_)};
    reply.granted_seconds = authorized.granted_seconds;
    reply.hold_id = sequence_ + 1;
    reply.hold_units = std::max<std::int64_t>(
        huawu::call_cost_units(authorized.rate, authorized.granted_seconds * 1000), 1);
    calls_.insert_or_assign(call.call_id, std::move(authorized));
    return reply;
  }

  huawu::SwitchReply decide(const huawu::SettleCall& call) {
    huawu::SwitchReply reply;
    reply.kind = huawu::SwitchReplyKind::settle;
    auto it = calls_.find(call.call_id);
    if (it == calls_.end()) {
      reply.reason = "call_not_authorized";
      return reply;
    }
    bill(it->second.rate, call.billed_duration_ms, reply);
    reply.over_grant = call.billed_duration_ms > it->second.granted_seconds * 1000;
    calls_.erase(it);
    return reply;
  }

  huawu::SwitchReply decide(const huawu::RecordCall& call) {
    huawu::SwitchReply reply;
    reply.kind = huawu::SwitchReplyKind::record;
    const huawu::Rate* rate = table_.lookup(call.callee);
    if (rate == nullptr) {
      reply.reason = "no_rate_for_destination";
      return reply;
    }
    bill(huawu::call_rate_of(*rate), call.duration_ms, reply);
    return reply;
  }

  static void bill(const huawu::CallRate& rate, std::int64_t duration_ms, huawu::SwitchReply& reply) {
    reply.billed_seconds = huawu::billed_seconds(duration_ms, rate.first_block_seconds, rate.next_block_seconds);
    reply.cost_units = huawu::call_cost_units(rate, duration_ms);
    reply.balance_units = balance_units;
  }

  const huawu::PrefixTable& table_;
  std::int64_t max_call_seconds_;
  std::uint64_t sequence_ = 0;
  std::unordered_map<std::string, std::string> replies_;
  std::unordered_map<std::string, AuthorizedCall> calls_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"the switch protocol over ZeroMQ with no ledger behind it: the transport floor"};
  std::string endpoint = "tcp://127.0.0.1:*", endpoint_file;
  std::int64_t max_call_seconds = 7200;
  app.add_option("--endpoint", endpoint, "ROUTER endpoint to bind");
  app.add_option("--endpoint-file", endpoint_file, "write the bound endpoint here")->required();
  app.add_option("--max-call-seconds", max_call_seconds, "cap on every grant, as the daemon's max call seconds");
  CLI11_PARSE(app, argc, argv);

  std::string why;
  auto rates = huawu::parse_rate_csv(huawu::cli::sim_rate_plan_csv(), &why);
  if (!rates) {
    std::fprintf(stderr, "the simulator's plan does not parse: %s\n", why.c_str());
    return 1;
  }
  huawu::PrefixTable table;
  for (const auto& rate : *rates) table.insert(rate);
  NullLedger ledger(table, max_call_seconds);

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  // The daemon's switch socket settings (ledger/daemon.cc).
  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::router);
  socket.set(zmq::sockopt::maxmsgsize, std::int64_t{64 * 1024});
  socket.set(zmq::sockopt::rcvhwm, 200'000);
  socket.set(zmq::sockopt::sndhwm, 200'000);
  socket.set(zmq::sockopt::linger, 1000);
  socket.bind(endpoint);
  {
    const std::string bound = socket.get(zmq::sockopt::last_endpoint);
    std::FILE* f = std::fopen(endpoint_file.c_str(), "w");
    if (f == nullptr) return 1;
    std::fprintf(f, "%s\n", bound.c_str());
    std::fclose(f);
  }

  std::uint64_t answered = 0;
  std::vector<zmq::message_t> frames;
  while (!stop_requested) {
    zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, 1, std::chrono::milliseconds(200));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
      continue;
    }
    for (int i = 0; i < 4096; ++i) {
      frames.clear();
      if (!zmq::recv_multipart(socket, std::back_inserter(frames), zmq::recv_flags::dontwait)) break;
      if (frames.size() < 2) continue;
      const std::string reply =
          ledger.answer(std::string_view(frames.back().data<char>(), frames.back().size()));
      for (std::size_t f = 0; f + 1 < frames.size(); ++f) socket.send(frames[f], zmq::send_flags::sndmore);
      socket.send(zmq::buffer(reply), zmq::send_flags::none);
      ++answered;
    }
  }
  std::printf("answered %llu requests\n", static_cast<unsigned long long>(answered));
  return 0;
}
