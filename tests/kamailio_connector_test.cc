// The Kamailio connector (kamailio/connector.h) against a real writer and
// store, with the test in Kamailio's place on a loopback TCP socket: what
// the evapi wire must carry for the cases a real Kamailio cannot be made to
// produce on demand (a hold expiring under a live dialog, a framing error, a
// duplicate call_end, a reconnect while answers are in flight). The real
// Kamailio and SIPp flows are tests/kamailio_sip_test.cc. Clause A2.1.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "events/codec.h"
#include "kamailio/connector.h"
#include "kamailio/netstring.h"
#include "tests/test_support.h"

namespace huawu::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Kamailio's side of evapi: a listening socket on a free loopback port that
// accepts the connector and exchanges netstrings with it.
class FakeEvapi {
 public:
  FakeEvapi() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener_, 4) == 0);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~FakeEvapi() {
    drop();
    ::close(listener_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Waits for the connector to connect (again).
  void accept_connection() {
    pollfd ready{listener_, POLLIN, 0};
    REQUIRE(::poll(&ready, 1, 10'000) == 1);
    drop();
    peer_ = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    REQUIRE(peer_ >= 0);
    reader_ = kamailio::NetstringReader();
  }
  void drop() {
    if (peer_ >= 0) ::close(peer_);
    peer_ = -1;
  }
  void send_raw(const std::string& bytes) { REQUIRE(::send(peer_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size())); }
  void send(const json& message) { send_raw(kamailio::netstring(message.dump())); }
  // The next message from huawu, or a null json after the timeout.
  json receive(std::chrono::milliseconds timeout = 10s) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto payload = reader_.next()) return json::parse(*payload);
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return json();
      pollfd ready{peer_, POLLIN, 0};
      if (::poll(&ready, 1, static_cast<int>(left.count())) != 1) return json();
      char chunk[4096];
      const ssize_t got = ::recv(peer_, chunk, sizeof chunk, 0);
      if (got <= 0) return json();
      reader_.feed(std::string_view(chunk, static_cast<std::size_t>(got)));
    }
  }
  // True when huawu closed the connection within the timeout.
  bool closed_by_peer(std::chrono::milliseconds timeout = 5s) {
    pollfd ready{peer_, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(timeout.count())) != 1) return false;
    char byte;
    return ::recv(peer_, &byte, 1, 0) == 0;
  }

 private:
  int listener_ = -1;
  int peer_ = -1;
  int port_ = 0;
  kamailio::NetstringReader reader_;
};

json auth_request(const std::string& call_id, const std::string& account, std::int64_t tr_label,
                  const std::string& destination = "8610123456") {
  return json{{"event", "auth_request"}, {"tr_index", 1},          {"tr_label", tr_label},
              {"call_id", call_id},      {"from_tag", "ft"},        {"account", account},
              {"destination", destination}, {"caller", account}, {"setup_tv", "1735689600.000001"}};
}

json call_end(const std::string& call_id, const std::string& answer_tv, const std::string& end_tv) {
  return json{{"event", "call_end"}, {"call_id", call_id}, {"h_entry", 11}, {"h_id", 22}, {"account", "alice"},
              {"answer_tv", answer_tv}, {"end_tv", end_tv}, {"reason", "caller_bye"}};
}

// A ledger with plan "std" (86: 10 fen/min, 60/60) and the given accounts.
struct Fixture {
  TempDir dir;
  ManualClock clock{start_time_us};
  std::unique_ptr<Ledger> ledger = create_ledger(dir.sub("data"), clock);
  FakeEvapi kamailio_side;
  KamailioConfig config;

  Fixture() {
    REQUIRE(ledger->writer()
                .submit_and_wait(Request{ImportRatePlan{"std", "std.csv", {Rate{"86", "China", 1'000, 0, 60, 60}}},
                                         "plan", test_actor, 0})
                .rejection == Rejection::none);
    config.enabled = true;
    config.evapi_address = kamailio_side.address();
    config.reconnect_min_ms = 10;
    config.reconnect_max_ms = 50;
  }
  void open(const std::string& account, std::int64_t units) {
    Request request = open_request("open-" + account, account, units);
    std::get<OpenAccount>(request.command).rate_plan = "std";
    REQUIRE(ledger->writer().submit_and_wait(std::move(request)).rejection == Rejection::none);
  }
  std::vector<Event> events() {
    std::vector<Event> out;
    ledger->writer().read_and_wait([](const LedgerState&) {});  // everything answered is applied
    ledger->store().scan_events(1, [&](std::uint64_t, std::string_view bytes) {
      std::string why;
      out.push_back(decode_stored_event(bytes, &why)->event);
      return true;
    });
    return out;
  }
};

TEST_CASE("connector: auth_request is granted less the timer margin, refusals carry their SIP codes",
          "[kamailio][connector]") {
  Fixture f;
  f.open("alice", 100'000);  // 10 yuan: 100 minutes at 10 fen
  f.config.requested_seconds = 600;
  f.config.sip_codes = {{"no_rate_for_destination", 488}};
  kamailio::Connector connector(f.config, f.ledger->writer(), f.ledger->store());
  f.kamailio_side.accept_connection();

  f.kamailio_side.send(auth_request("c1@host", "alice", 101));
  const json granted = f.kamailio_side.receive();
  CHECK(granted["event"] == "auth_reply");
  CHECK(granted["tr_label"] == 101);
  CHECK(granted["result"] == "grant");
  CHECK(granted["max_seconds"] == 599);  // 600 granted, Kamailio's timer is a second coarse

  f.kamailio_side.send(auth_request("c2@host", "nobody", 102));
  const json unknown = f.kamailio_side.receive();
  CHECK(unknown["result"] == "deny");
  CHECK(unknown["reason"] == "account_not_found");
  CHECK(unknown["sip_code"] == 403);
  f.kamailio_side.send(auth_request("c3@host", "alice", 103, "4420"));
  CHECK(f.kamailio_side.receive()["sip_code"] == 488);  // no rate: the configured code
  f.kamailio_side.send(auth_request("c4@host", "alice", 104, "sip-alice"));
  const json bad_number = f.kamailio_side.receive();
  CHECK(bad_number["reason"] == "destination_invalid");
  CHECK(bad_number["sip_code"] == 484);
  // Unreadable, but the transaction is named: answered 400 at once.
  json broken = auth_request("c5@host", "alice", 105);
  broken["setup_tv"] = 17;
  f.kamailio_side.send(broken);
  const json refused = f.kamailio_side.receive();
  CHECK(refused["tr_label"] == 105);
  CHECK(refused["sip_code"] == 400);

  const kamailio::ConnectorStats stats = connector.stats();
  CHECK(stats.connected);
  CHECK(stats.auth_requests == 5);
  CHECK(stats.grants == 1);
  CHECK(stats.denials == 4);
  CHECK(stats.refused_messages == 1);
  CHECK(stats.auth_reply_times.count() == 5);
}

TEST_CASE("connector: call_end settles by milliseconds once, however often it arrives", "[kamailio][connector]") {
  Fixture f;
  f.open("alice", 100'000);
  kamailio::Connector connector(f.config, f.ledger->writer(), f.ledger->store());
  f.kamailio_side.accept_connection();
  f.kamailio_side.send(auth_request("c1@host", "alice", 1));
  REQUIRE(f.kamailio_side.receive()["result"] == "grant");
  // 60,001 ms on 60/60 blocks: two minutes.
  for (int i = 0; i < 3; ++i) f.kamailio_side.send(call_end("c1@host", "1735689600.000000", "1735689660.001999"));
  f.kamailio_side.send(json{{"event", "call_failed"}, {"call_id", "c1@host"}, {"account", "alice"}, {"code", 486}});
  for (int i = 0; i < 500 && connector.stats().settles < 4; ++i) std::this_thread::sleep_for(10ms);
  connector.stop();
  std::size_t settled = 0;
  for (const Event& event : f.events()) {
    if (const auto* s = std::get_if<CallSettled>(&event.payload)) {
      ++settled;
      CHECK(s->duration_ms == 60'001);
      CHECK(s->billed_seconds == 120);
      CHECK(s->cost_units == 2'000);
      CHECK(s->via == SwitchVia::kamailio);
      CHECK(s->sip_call_id == "c1@host");
      CHECK(s->end_reason == "caller_bye");
    }
  }
  CHECK(settled == 1);
  CHECK(connector.stats().settles == 4);
}

TEST_CASE("connector: a hold expiring under a live dialog cuts it, an operator's cut too", "[kamailio][connector]") {
  Fixture f;
  f.open("alice", 100'000);
  kamailio::Connector connector(f.config, f.ledger->writer(), f.ledger->store());
  f.kamailio_side.accept_connection();
  f.kamailio_side.send(auth_request("live@host", "alice", 1));
  REQUIRE(f.kamailio_side.receive()["result"] == "grant");
  CHECK(connector.cut("live@host") == kamailio::CutResult::not_live);  // not answered yet
  f.kamailio_side.send(json{{"event", "call_start"}, {"call_id", "live@host"}, {"h_entry", 7}, {"h_id", 8},
                            {"account", "alice"}, {"answer_tv", "1735689600.5"}});
  for (int i = 0; i < 500 && connector.stats().live_dialogs == 0; ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(connector.stats().live_dialogs == 1);
  // The daemon's expiry, by ledger time: grant (7200 s) + grace (120 s) later.
  f.clock.advance_us((7200 + 121) * second_us);
  const Outcome expired = f.ledger->writer().submit_and_wait(Request{ExpireHolds{}, "expire-1", "daemon:expiry", 0});
  REQUIRE(expired.rejection == Rejection::none);
  std::vector<HoldExpired> holds;
  for (const Event& event : expired.events) holds.push_back(std::get<HoldExpired>(event.payload));
  REQUIRE(holds.size() == 1);
  connector.on_holds_expired(holds);
  const json cut = f.kamailio_side.receive();
  CHECK(cut["event"] == "disconnect");
  CHECK(cut["call_id"] == "live@host");
  CHECK(cut["h_entry"] == 7);
  CHECK(cut["h_id"] == 8);
  CHECK(cut["reason"] == "hold_expired");
  // Another switch's expiry is not this connector's business.
  connector.on_holds_expired({HoldExpired{"zmq-switch", "live@host", "alice", 1, 1}});
  CHECK(f.kamailio_side.receive(300ms).is_null());

  // The operator names the call by its SIP Call-ID.
  CHECK(connector.cut("live@host") == kamailio::CutResult::sent);
  CHECK(f.kamailio_side.receive()["reason"] == "operator_cut");
  CHECK(connector.cut("other@host") == kamailio::CutResult::not_live);
  CHECK(connector.stats().disconnects_sent == 2);
}

TEST_CASE("connector: a framing error drops the connection, huawu reconnects and serves again",
          "[kamailio][connector]") {
  Fixture f;
  f.open("alice", 100'000);
  f.config.requested_seconds = 60;  // a minute each: the wallet pays for many
  kamailio::Connector connector(f.config, f.ledger->writer(), f.ledger->store());
  f.kamailio_side.accept_connection();
  f.kamailio_side.send_raw("12:not a netstring");  // no ',' where the payload ends
  f.kamailio_side.send_raw("......");
  CHECK(f.kamailio_side.closed_by_peer());
  f.kamailio_side.accept_connection();  // within the backoff (10..50 ms)
  f.kamailio_side.send(auth_request("after@host", "alice", 9));
  CHECK(f.kamailio_side.receive()["result"] == "grant");
  const kamailio::ConnectorStats stats = connector.stats();
  CHECK(stats.connects == 2);
  CHECK(stats.connected);
  // Kamailio closes the connection: huawu connects again.
  f.kamailio_side.drop();
  f.kamailio_side.accept_connection();
  f.kamailio_side.send(auth_request("third@host", "alice", 10));
  CHECK(f.kamailio_side.receive()["result"] == "grant");
  CHECK(connector.stats().connects == 3);
}

}  // namespace
}  // namespace huawu::test
