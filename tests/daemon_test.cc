// Integration tests: the real daemon (`huawu serve`) on loopback ports, with
// the tests as the switch (a DEALER) and as operators (the huawu command,
// which forwards to the daemon). Issue 3, clause A2.1.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "events/control_codec.h"
#include "events/switch_codec.h"
#include "ledger/daemon.h"
#include "tests/daemon_support.h"
#include "tests/test_support.h"

namespace huawu::test {
namespace {

nlohmann::json balance_json(const std::string& data, const std::string& account) {
  const CommandResult result = run_huawu(data, {"balance", account, "--json"});
  REQUIRE(result.exit_code == 0);
  return nlohmann::json::parse(result.out);
}

}  // namespace

TEST_CASE("authorize, settle and their retries through the daemon", "[daemon]") {
  TempDir dir;
  const std::string data = prepared_store(dir, {{"alice", "10"}});
  DaemonProcess daemon(data);
  SwitchClient sw(daemon.switch_endpoint());

  // 86 at 10 fen/min 60/60: 10 yuan pays 100 minutes; 300 s asked, 300 s granted.
  const SwitchReply granted = sw.call(authorize("sw1", "a-1", "call-1", "alice", "8621", 300));
  CHECK(granted.kind == SwitchReplyKind::authorize);
  CHECK(granted.reason.empty());
  CHECK(granted.granted_seconds == 300);
  CHECK(granted.hold_units == 5'000);  // 5 minutes x 1000 units
  CHECK(granted.hold_id == granted.sequence);
  CHECK(balance_json(data, "alice")["held_units"] == 5'000);

  // A retransmission gets the original reply, field for field.
  CHECK(sw.call(authorize("sw1", "a-1", "call-1", "alice", "8621", 300)) == granted);

  // 61 s at 60/60 bills 120 s = 2000 units.
  const SwitchReply settled = sw.call(settle("sw1", "s-1", "call-1", 61'000));
  CHECK(settled.kind == SwitchReplyKind::settle);
  CHECK(settled.reason.empty());
  CHECK(settled.billed_seconds == 120);
  CHECK(settled.cost_units == 2'000);
  CHECK(settled.balance_units == 98'000);
  CHECK_FALSE(settled.over_grant);
  CHECK(sw.call(settle("sw1", "s-1", "call-1", 61'000)) == settled);

  // The same call settled again under another key is never billed twice.
  const SwitchReply again = sw.call(settle("sw1", "s-1-bis", "call-1", 61'000));
  CHECK(again.reason == "call_already_settled");
  CHECK(again.cost_units == 0);
  const nlohmann::json balance = balance_json(data, "alice");
  CHECK(balance["balance_units"] == 98'000);
  CHECK(balance["held_units"] == 0);

  // The same key with another request is refused, not applied.
  const SwitchReply reused = sw.call(settle("sw1", "s-1", "call-1", 1'000));
  CHECK(reused.kind == SwitchReplyKind::error);
  CHECK(reused.reason == "idempotency_key_reused");
  CHECK(daemon.stop() == 0);
  CHECK(run_huawu(data, {"audit", "verify"}).exit_code == 0);
}

TEST_CASE("200 concurrent authorizations on one wallet never grant more than it holds", "[daemon]") {
  TempDir dir;
  const std::string data = prepared_store(dir, {{"shared", "10"}});
  DaemonProcess daemon(data);
  // Four switches, fifty calls each, all sent before any reply is read; each
  // asks for 10 minutes at 10 fen/min: 1 yuan. The wallet pays for ten.
  std::vector<std::unique_ptr<SwitchClient>> switches;
  for (int s = 0; s < 4; ++s) switches.push_back(std::make_unique<SwitchClient>(daemon.switch_endpoint()));
  for (int i = 0; i < 200; ++i) {
    const std::string id = std::to_string(i);
    switches[i % 4]->send(authorize("sw" + std::to_string(i % 4), "k" + id, "c" + id, "shared", "8621", 600));
  }
  std::int64_t held_units = 0, granted_calls = 0;
  std::map<std::string, int> reasons;
  for (int i = 0; i < 200; ++i) {
    auto reply = switches[i % 4]->receive();
    REQUIRE(reply);
    REQUIRE(reply->kind == SwitchReplyKind::authorize);
    held_units += reply->hold_units;
    if (reply->granted_seconds > 0) ++granted_calls;
    ++reasons[reply->reason];
  }
  CHECK(held_units <= 100'000);
  CHECK(held_units == 100'000);  // and nothing affordable was refused
  CHECK(granted_calls == 10);
  CHECK(reasons["insufficient_balance"] == 190);
  const nlohmann::json balance = balance_json(data, "shared");
  CHECK(balance["available_units"] == 0);
  CHECK(balance["held_units"] == 100'000);
}

TEST_CASE("refusals are recorded with their reasons and answered", "[daemon]") {
  TempDir dir;
  const std::string data = prepared_store(dir, {{"bob", "0.01"}, {"carol", "5"}});
  REQUIRE(run_huawu(data, {"account", "open", "noplan", "--initial", "5"}).exit_code == 0);
  DaemonProcess daemon(data);
  SwitchClient sw(daemon.switch_endpoint());
  struct Row {
    SwitchRequest request;
    const char* reason;
  };
  const std::vector<Row> rows = {
      {authorize("sw", "r1", "x1", "nobody", "8621", 60), "account_not_found"},
      {authorize("sw", "r2", "x2", "-bad", "8621", 60), "account_id_invalid"},
      {authorize("sw", "r3", "x3", "noplan", "8621", 60), "no_rate_plan"},
      {authorize("sw", "r4", "x4", "carol", "3312345", 60), "no_rate_for_destination"},
      {authorize("sw", "r5", "x5", "bob", "8621", 60), "insufficient_balance"},  // 0.01 yuan < 0.1
      {authorize("sw", "r6", "x6", "carol", "8621", 0), "duration_invalid"},
      {settle("sw", "r7", "never", 1000), "call_not_authorized"},
      {record("sw", "r8", "x8", "nobody", "8621", 1000), "account_not_found"},
  };
  for (const Row& row : rows) {
    INFO(row.request.request_key);
    const SwitchReply reply = sw.call(row.request);
    CHECK(reply.reason == row.reason);
    CHECK(reply.sequence > 0);  // recorded as a CallRejected event
    CHECK(reply.granted_seconds == 0);
  }
  // An authorized call cannot be authorized again.
  REQUIRE(sw.call(authorize("sw", "r9", "y1", "carol", "8621", 60)).granted_seconds == 60);
  CHECK(sw.call(authorize("sw", "r10", "y1", "carol", "8621", 60)).reason == "call_already_authorized");
  CHECK(sw.call(record("sw", "r11", "y1", "carol", "8621", 1000)).reason == "call_already_authorized");
  daemon.stop();
  const CommandResult events = run_huawu(data, {"events"});
  std::size_t rejected = 0;
  for (std::size_t at = 0; (at = events.out.find("CallRejected", at)) != std::string::npos; ++at) ++rejected;
  CHECK(rejected == rows.size() + 2);
}

TEST_CASE("call records, over-grant settles and arrears", "[daemon]") {
  TempDir dir;
  const std::string data = prepared_store(dir, {{"dave", "1"}});
  DaemonProcess daemon(data);
  SwitchClient sw(daemon.switch_endpoint());
  // A record never authorized: 44 at 120 fen/min 1/1, 30 s -> 0.6 yuan.
  const SwitchReply recorded = sw.call(record("sw", "rec-1", "r-1", "dave", "4420", 30'000));
  CHECK(recorded.kind == SwitchReplyKind::record);
  CHECK(recorded.cost_units == 6'000);
  CHECK(recorded.balance_units == 4'000);
  // 0.4 yuan left pays 20 s at 1/1; the call runs 50 s: debited in full,
  // flagged, and what the wallet cannot cover is arrears.
  const SwitchReply granted = sw.call(authorize("sw", "a-2", "r-2", "dave", "4420", 3600));
  CHECK(granted.granted_seconds == 20);
  const SwitchReply over = sw.call(settle("sw", "s-2", "r-2", 50'000));
  CHECK(over.over_grant);
  CHECK(over.cost_units == 10'000);
  CHECK(over.arrears_units == 6'000);
  CHECK(over.balance_units == 0);
  const nlohmann::json balance = balance_json(data, "dave");
  CHECK(balance["balance_units"] == 0);
  CHECK(balance["arrears_units"] == 6'000);
  // An unanswered call costs nothing, not even a connect fee.
  REQUIRE(run_huawu(data, {"recharge", "dave", "1"}).exit_code == 0);
  REQUIRE(sw.call(authorize("sw", "a-3", "r-3", "dave", "86139", 60)).granted_seconds > 0);
  const SwitchReply unanswered = sw.call(settle("sw", "s-3", "r-3", 0));
  CHECK(unanswered.cost_units == 0);
  CHECK(unanswered.balance_units == 10'000);
  daemon.stop();
  CHECK(run_huawu(data, {"audit", "verify"}).exit_code == 0);
}

TEST_CASE("holds expire by ledger time and a late settle is still billed", "[daemon]") {
  TempDir dir;
  const std::string data = prepared_store(dir, {{"erin", "5"}});
  DaemonProcess daemon(data, "hold_grace_seconds = 1");
  SwitchClient sw(daemon.switch_endpoint());
  const SwitchReply granted = sw.call(authorize("sw", "a", "late", "erin", "8621", 1));
  REQUIRE(granted.granted_seconds == 1);
  CHECK(balance_json(data, "erin")["held_units"] == 1'000);
  // Granted 1 s + 1 s of grace; the daemon asks to expire every 100 ms.
  nlohmann::json balance;
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    balance = balance_json(data, "erin");
    if (balance["held_units"] == 0) break;
  }
  CHECK(balance["held_units"] == 0);
  CHECK(balance["available_units"] == 50'000);
  const CommandResult holds = run_huawu(data, {"holds", "erin", "--json"});
  REQUIRE(holds.exit_code == 0);
  const nlohmann::json listed = nlohmann::json::parse(holds.out)["holds"];
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["status"] == "expired");
  const SwitchReply late = sw.call(settle("sw", "s", "late", 30'000));
  CHECK(late.reason.empty());
  CHECK(late.cost_units == 1'000);
  CHECK(late.balance_units == 49'000);
  CHECK(sw.call(settle("sw", "s2", "late", 30'000)).reason == "call_already_settled");
  daemon.stop();
  const CommandResult calls = run_huawu(data, {"calls", "erin", "--json"});
  REQUIRE(calls.exit_code == 0);
  const nlohmann::json listed_calls = nlohmann::json::parse(calls.out);
  CHECK(listed_calls["billed_calls"] == 1);
  CHECK(listed_calls["holds_expired"] == 1);
  CHECK(listed_calls["calls"][1]["origin"] == "late_settle");
}

TEST_CASE("settles in any order, duplicates, and a settle before its authorization", "[daemon]") {
  TempDir dir;
  const std::string data = prepared_store(dir, {{"kim", "20"}});
  DaemonProcess daemon(data);
  SwitchClient sw(daemon.switch_endpoint());
  for (const char* call : {"o1", "o2", "o3"})
    REQUIRE(sw.call(authorize("sw", std::string("a-") + call, call, "kim", "8621", 600)).granted_seconds == 600);
  CHECK(balance_json(data, "kim")["held_units"] == 30'000);
  // Settled in the reverse order of their authorizations: each against its own hold.
  CHECK(sw.call(settle("sw", "s-o3", "o3", 180'000)).cost_units == 3'000);
  CHECK(sw.call(settle("sw", "s-o1", "o1", 60'000)).cost_units == 1'000);
  // A duplicate (retransmitted) settle and a second settle under a new key.
  CHECK(sw.call(settle("sw", "s-o1", "o1", 60'000)).cost_units == 1'000);
  CHECK(sw.call(settle("sw", "s-o1-again", "o1", 60'000)).reason == "call_already_settled");
  CHECK(sw.call(settle("sw", "s-o2", "o2", 120'000)).balance_units == 194'000);
  // A settle that overtakes its authorization is refused and recorded; the
  // authorization that follows holds money until it is settled or expires.
  CHECK(sw.call(settle("sw", "s-o4", "o4", 60'000)).reason == "call_not_authorized");
  REQUIRE(sw.call(authorize("sw", "a-o4", "o4", "kim", "8621", 60)).granted_seconds == 60);
  CHECK(sw.call(settle("sw", "s-o4-retry", "o4", 60'000)).cost_units == 1'000);
  const nlohmann::json balance = balance_json(data, "kim");
  CHECK(balance["balance_units"] == 193'000);
  CHECK(balance["held_units"] == 0);
  // The same call id on another switch is another call.
  REQUIRE(sw.call(authorize("sw-2", "a-o1", "o1", "kim", "8621", 60)).granted_seconds == 60);
  CHECK(daemon.stop() == 0);
  CHECK(run_huawu(data, {"audit", "verify"}).exit_code == 0);
}

TEST_CASE("malformed frames get an error reply and the daemon keeps serving", "[daemon]") {
  TempDir dir;
  const std::string data = prepared_store(dir, {{"fay", "5"}});
  DaemonProcess daemon(data);
  SwitchClient sw(daemon.switch_endpoint());
  const std::string valid = encode_switch_request(authorize("sw", "m", "m1", "fay", "8621", 60));
  std::vector<std::string> bad = {
      "",
      "not capnp at all",
      valid.substr(0, valid.size() / 2),           // truncated
      std::string(8, '\xff'),                      // a segment table claiming too much
      std::string(5000, '\0'),                     // above the frame limit
      encode_switch_request(settle("sw", "neg", "m1", -5)),  // negative duration
      encode_switch_request(authorize("sw", "", "m2", "fay", "8621", 60)),  // no request key
  };
  // Deeply nested pointers: a struct pointer chain far past the nesting limit.
  std::string deep(8 + 8 * 64, '\0');
  deep[4] = 64;  // one segment of 64 words
  for (int i = 0; i < 63; ++i) deep[8 + 8 * i + 4] = 0, deep[8 + 8 * i + 6] = 1;  // each word: pointer to next, 1 ptr
  bad.push_back(deep);
  std::mt19937_64 random(7);
  for (int i = 0; i < 200; ++i) {
    std::string noise(8 * (1 + random() % 32), '\0');
    for (char& c : noise) c = static_cast<char>(random());
    bad.push_back(noise);
  }
  for (const std::string& frame : bad) sw.send_raw(frame);
  for (std::size_t i = 0; i < bad.size(); ++i) {
    auto reply = sw.receive();
    REQUIRE(reply);
    CHECK(reply->kind == SwitchReplyKind::error);
    CHECK(reply->reason == "malformed_request");
  }
  // Still serving.
  const SwitchReply ok = sw.call(authorize("sw", "m", "m1", "fay", "8621", 60));
  CHECK(ok.granted_seconds == 60);
  CHECK(daemon.stop() == 0);
}

// Issue 15, fixes found by an outside integrator: an error reply names the
// request it answers whenever its key could be read; a REQ socket's envelope
// is refused (docs/switch-protocol.md §1) but still answered; an
// authorization's reply carries the balance after.
TEST_CASE("error replies echo the request key, REQ envelopes are refused, authorize replies carry the balance",
          "[daemon]") {
  TempDir dir;
  const std::string data = prepared_store(dir, {{"gus", "5"}});
  DaemonProcess daemon(data);
  SwitchClient sw(daemon.switch_endpoint());
  // A negative duration and a callee that is not digits: read far enough to key.
  sw.send_raw(encode_switch_request(settle("sw", "neg-1", "g1", -5)));
  const auto negative = sw.receive();
  REQUIRE(negative);
  CHECK(negative->kind == SwitchReplyKind::error);
  CHECK(negative->reason == "malformed_request");
  CHECK(negative->request_key == "neg-1");
  sw.send_raw(encode_switch_request(authorize("sw", "bad-callee", "g2", "gus", "86x1", 60)));
  const auto bad_callee = sw.receive();
  REQUIRE(bad_callee);
  CHECK(bad_callee->request_key == "bad-callee");
  // An empty switch id: nothing to key on, nothing echoed.
  sw.send_raw(encode_switch_request(settle("", "no-switch", "g1", 5)));
  const auto no_switch = sw.receive();
  REQUIRE(no_switch);
  CHECK(no_switch->request_key.empty());

  // A REQ socket: [delimiter, request]. Refused, and the REQ gets the refusal.
  zmq::context_t context(1);
  zmq::socket_t req(context, zmq::socket_type::req);
  req.set(zmq::sockopt::linger, 0);
  req.set(zmq::sockopt::rcvtimeo, 10'000);
  req.connect(daemon.switch_endpoint());
  const std::string frame = encode_switch_request(authorize("sw", "via-req", "g3", "gus", "8621", 60));
  REQUIRE(req.send(zmq::buffer(frame), zmq::send_flags::none));
  zmq::message_t answer;
  REQUIRE(req.recv(answer));
  std::string why;
  const auto refused = decode_switch_reply(std::string_view(answer.data<char>(), answer.size()), &why);
  REQUIRE(refused);
  CHECK(refused->kind == SwitchReplyKind::error);
  CHECK(refused->reason == "malformed_request");
  CHECK(balance_json(data, "gus")["held_units"] == 0);  // nothing was authorized

  // 5 yuan = 50,000 units: the authorization moves 1,000 to the hold, the balance stays.
  const SwitchReply granted = sw.call(authorize("sw", "a-gus", "g4", "gus", "8621", 60));
  CHECK(granted.hold_units == 1'000);
  CHECK(granted.balance_units == 50'000);
  CHECK(sw.call(authorize("sw", "a-gus", "g4", "gus", "8621", 60)) == granted);  // the retry, too
  CHECK(daemon.stop() == 0);
}

// Issue 15: `[log] file` used to stop the daemon at start ("logger with name
// 'huawu' already exists").
TEST_CASE("the daemon logs to the file [log] names, created private", "[daemon]") {
  TempDir dir;
  const std::string data = prepared_store(dir, {{"hal", "5"}});
  const std::string log = dir.sub("huawu.log");
  {
    DaemonProcess daemon(data, "", "file = \"" + log + "\"");
    SwitchClient sw(daemon.switch_endpoint());
    CHECK(sw.call(authorize("sw", "a-hal", "h1", "hal", "8621", 60)).granted_seconds == 60);
    sw.send_raw("not a request");  // logged at warn, the daemon tests' level
    REQUIRE(sw.receive());
    CHECK(daemon.stop() == 0);
  }
  std::ifstream in(log);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find("huawu: malformed switch frame") != std::string::npos);
  CHECK((std::filesystem::status(log).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
}

TEST_CASE("the command gives the same output with and without a daemon", "[daemon]") {
  TempDir dir;
  const std::string data = prepared_store(dir, {{"gus", "12.5"}});
  const std::vector<std::vector<std::string>> queries = {
      {"balance", "gus", "--json"}, {"balance", "gus"},          {"rates", "show", "std"},
      {"rates", "lookup", "std", "8613812345678", "--json"},     {"holds", "gus"},
      {"calls", "gus", "--json"},   {"balance", "nobody"},       {"events", "--json"},
      {"rates", "lookup", "std", "12ab"},
  };
  std::vector<CommandResult> embedded;
  for (const auto& query : queries) embedded.push_back(run_huawu(data, query));
  DaemonProcess daemon(data);
  REQUIRE(daemon_serving(data));
  for (std::size_t i = 0; i < queries.size(); ++i) {
    INFO(queries[i][0]);
    const CommandResult served = run_huawu(data, queries[i]);
    CHECK(served.exit_code == embedded[i].exit_code);
    CHECK(served.out == embedded[i].out);
  }
  // Changes go through the daemon too, and are there after it stops.
  REQUIRE(run_huawu(data, {"recharge", "gus", "1", "--key", "pay-1"}).exit_code == 0);
  const CommandResult retry = run_huawu(data, {"recharge", "gus", "1", "--key", "pay-1"});
  CHECK(retry.out.find("already done") != std::string::npos);
  const std::string plan = dir.sub("plan2.csv");
  std::ofstream(plan) << test_plan_csv() << "33,France,50,0,60,60\n";
  REQUIRE(run_huawu(data, {"rates", "import", "std", plan}).exit_code == 0);  // relative paths resolve too
  CHECK(run_huawu(data, {"rates", "lookup", "std", "3312345"}).exit_code == 0);
  CHECK(run_huawu(data, {"audit", "verify"}).exit_code == 0);
  CHECK(daemon.stop() == 0);
  CHECK_FALSE(daemon_serving(data));
  CHECK(balance_json(data, "gus")["balance_units"] == 135'000);
  CHECK(run_huawu(data, {"audit", "verify"}).exit_code == 0);
}

TEST_CASE("every committed event is published and huawu tail prints them", "[daemon]") {
  TempDir dir;
  const std::string data = prepared_store(dir, {{"hal", "5"}});
  DaemonProcess daemon(data);
  TailInBackground tail(data, {"--count", "3", "--seconds", "20"});
  SwitchClient sw(daemon.switch_endpoint());
  REQUIRE(sw.call(authorize("sw", "t1", "tc", "hal", "8621", 60)).granted_seconds == 60);
  REQUIRE(sw.call(settle("sw", "t2", "tc", 10'000)).cost_units == 1'000);
  REQUIRE(run_huawu(data, {"recharge", "hal", "2"}).exit_code == 0);
  const CommandResult& tailed = tail.result();
  CHECK(tailed.exit_code == 0);
  CHECK(tailed.out.find("CallAuthorized") != std::string::npos);
  CHECK(tailed.out.find("CallSettled") != std::string::npos);
  CHECK(tailed.out.find("WalletRecharged") != std::string::npos);
}

TEST_CASE("SIGTERM drains, checkpoints and exits cleanly, and a second daemon is refused", "[daemon]") {
  TempDir dir;
  const std::string data = prepared_store(dir, {{"ivy", "50"}});
  DaemonProcess daemon(data);
  CHECK_THROWS(DaemonProcess(data));  // the daemon lock is held
  SwitchClient sw(daemon.switch_endpoint());
  for (int i = 0; i < 100; ++i)
    sw.send(record("sw", "q" + std::to_string(i), "q" + std::to_string(i), "ivy", "8621", 1'000));
  for (int i = 0; i < 100; ++i) REQUIRE(sw.receive());
  CHECK(daemon.stop() == 0);
  CHECK_FALSE(std::ifstream(daemon_info_path(data)).good());
  const CommandResult audit = run_huawu(data, {"audit", "verify", "--json"});
  CHECK(audit.exit_code == 0);
  const nlohmann::json report = nlohmann::json::parse(audit.out);
  CHECK(report["checkpoint_sequence"] == report["events"]);  // the clean stop wrote a checkpoint
}

}  // namespace huawu::test

namespace huawu::test {
namespace {

TEST_CASE("issue 4: the agent verbs through the daemon, and a suspended subtree refused at the switch",
          "[daemon][agents]") {
  TempDir dir;
  const std::string data = prepared_store(dir, {});
  DaemonProcess daemon(data);
  REQUIRE(daemon_serving(data));
  const std::vector<std::vector<std::string>> setup = {
      {"pricing", "set-level", "2", "10.5"},
      {"agent", "add", "bj", "--parent", "provider", "--name", "Beijing Reseller", "--price", "8.5"},
      {"agent", "add", "bj-cy", "--parent", "bj", "--name", "Chaoyang"},
      {"account", "open", "u1", "--initial", "100", "--plan", "std", "--agent", "bj-cy"},
      {"account", "open", "u2", "--initial", "20", "--plan", "std", "--agent", "bj"},
      // Traffic for both agents' users (clause 4.1): paid, then bought down the tree.
      {"payment", "record", "bj", "--kind", "traffic", "100", "--ref", "TX-1"},
      {"traffic", "buy", "bj", "--minutes", "1000"},
      {"agent", "credit", "bj-cy", "--prepayment-credit", "50", "--traffic-overdraft-minutes", "0"},
      {"traffic", "buy", "bj-cy", "--minutes", "100"},
  };
  for (const auto& args : setup) {
    INFO(args[0] << " " << args[1]);
    REQUIRE(run_huawu(data, args).exit_code == 0);
  }
  // Bad input through the daemon: named, with the documented exit codes.
  CHECK(run_huawu(data, {"agent", "add", "x", "--parent", "nowhere", "--name", "X"}).exit_code == 1);
  CHECK(run_huawu(data, {"agent", "add", "x", "--parent", "provider", "--name", "X", "--price", "8.555"})
            .exit_code == 2);
  const CommandResult refused = run_huawu(data, {"agent", "add", "bj", "--parent", "provider", "--name", "B", "--json"});
  CHECK(refused.exit_code == 1);
  CHECK(nlohmann::json::parse(refused.out)["error"] == "agent_exists");

  const CommandResult tree = run_huawu(data, {"agent", "tree", "--json"});
  REQUIRE(tree.exit_code == 0);
  const nlohmann::json j = nlohmann::json::parse(tree.out);
  REQUIRE(j["agents"].size() == 2);
  CHECK(j["agents"][0]["agent"] == "bj");
  CHECK(j["agents"][0]["price_units_per_minute"] == 850);
  CHECK(j["agents"][0]["subtree_users"] == 2);
  CHECK(j["agents"][0]["subtree_wallets_units"] == 1'200'000);
  CHECK(j["agents"][1]["agent"] == "bj-cy");
  CHECK(j["agents"][1]["level"] == 2);
  CHECK(j["agents"][1]["price_source"] == "level");
  CHECK(j["agents"][1]["price_units_per_minute"] == 1'050);
  CHECK(j["agents"][0]["pool_seconds"] == 900 * 60);   // 1,000 bought, 100 sold on to bj-cy
  CHECK(j["agents"][0]["prepaid_units"] == 150'000);    // 100 yuan paid - 1,000 min at 8.5 fen
  CHECK(j["agents"][1]["pool_seconds"] == 100 * 60);
  CHECK(j["agents"][1]["owes_units"] == 105'000);       // 100 min at 10.5 fen, on credit
  CHECK(run_huawu(data, {"traffic", "buy", "bj-cy", "--minutes", "1000"}).exit_code == 1);  // past its credit
  CHECK(run_huawu(data, {"traffic", "buy", "bj-cy", "--minutes", "2.5"}).exit_code == 2);

  SwitchClient sw(daemon.switch_endpoint());
  CHECK(sw.call(authorize("sw", "a1", "call-1", "u1", "8621", 60)).reason.empty());
  REQUIRE(run_huawu(data, {"agent", "suspend", "bj", "--reason", "deposit unpaid"}).exit_code == 0);
  CHECK(sw.call(authorize("sw", "a2", "call-2", "u1", "8621", 60)).reason == "agent_suspended");
  CHECK(sw.call(authorize("sw", "a3", "call-3", "u2", "8621", 60)).reason == "agent_suspended");
  // The call in progress still settles.
  CHECK(sw.call(settle("sw", "s1", "call-1", 30'000)).reason.empty());
  REQUIRE(run_huawu(data, {"agent", "resume", "bj"}).exit_code == 0);
  CHECK(sw.call(authorize("sw", "a4", "call-4", "u1", "8621", 60)).reason.empty());
  // The statement reconciles to the ledger; stats count the sub-agent's call in bj's subtree.
  const CommandResult statement = run_huawu(data, {"agent", "statement", "bj-cy", "--json"});
  REQUIRE(statement.exit_code == 0);
  const nlohmann::json st = nlohmann::json::parse(statement.out);
  CHECK(st["reconciled"] == true);
  CHECK(st["closing"]["traffic_pool"] == 100 * 60 - 60);  // call-1: 30 s on a 60/60 plan
  CHECK(st["closing"]["traffic_used"] == 60);
  const CommandResult stats = run_huawu(data, {"stats", "bj", "--by", "day", "--json"});
  REQUIRE(stats.exit_code == 0);
  const nlohmann::json sj = nlohmann::json::parse(stats.out);
  CHECK(sj["total"]["own"]["calls"] == 0);
  CHECK(sj["total"]["subtree"]["calls"] == 1);
  CHECK(sj["total"]["subtree"]["billed_seconds"] == 60);
  CHECK(run_huawu(data, {"stats", "bj", "--by", "week"}).exit_code == 2);
  CHECK(run_huawu(data, {"agent", "statement", "nobody"}).exit_code == 1);
  // The same output without the daemon.
  const CommandResult served = run_huawu(data, {"agent", "tree"});
  CHECK(daemon.stop() == 0);
  const CommandResult embedded = run_huawu(data, {"agent", "tree"});
  CHECK(served.out == embedded.out);
  CHECK(run_huawu(data, {"audit", "verify"}).exit_code == 0);
}

}  // namespace
}  // namespace huawu::test

namespace huawu::test {
namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

TEST_CASE("issue 4: once a principal exists, the control socket asks who is asking", "[daemon][principals]") {
  TempDir dir;
  const std::string data = prepared_store(dir, {{"gus", "10"}});
  // Before any principal: the socket is the local operator's, and login has nothing to check.
  DaemonProcess daemon(data);
  REQUIRE(daemon_serving(data));
  CHECK(run_huawu(data, {"balance", "gus"}).exit_code == 0);
  CHECK(run_huawu_as(data, {"login", "ops", "--password-stdin"}, {}, "ops-password").exit_code == 1);
  REQUIRE(run_huawu_as(data, {"principal", "add", "ops", "--role", "provider", "--password-stdin"}, {},
                       "ops-password")
              .exit_code == 0);
  REQUIRE(run_huawu_as(data, {"principal", "add", "audit", "--role", "auditor", "--password-stdin"},
                       {{"HUAWU_PRINCIPAL", "ops"}, {"HUAWU_TOKEN", "not-yet"}}, "audit-password")
              .exit_code == 1);  // now the first principal's rules apply: no valid token

  // No credentials, a wrong password, an unknown name: refused, the last two alike.
  const CommandResult anonymous = run_huawu(data, {"balance", "gus", "--json"});
  CHECK(anonymous.exit_code == 1);
  CHECK(nlohmann::json::parse(anonymous.out)["error"] == "authentication_required");
  const CommandResult wrong = run_huawu_as(data, {"login", "ops", "--password-stdin"}, {}, "wrong-password");
  const CommandResult unknown = run_huawu_as(data, {"login", "nobody", "--password-stdin"}, {}, "ops-password");
  CHECK(wrong.exit_code == 1);
  CHECK(unknown.exit_code == 1);
  CHECK(wrong.out == unknown.out);

  const CommandResult login = run_huawu_as(data, {"login", "ops", "--password-stdin"}, {}, "ops-password");
  REQUIRE(login.exit_code == 0);
  const std::string token = trimmed(login.out);
  CHECK(token.size() == 64);
  const std::vector<std::pair<std::string, std::string>> ops = {{"HUAWU_PRINCIPAL", "ops"}, {"HUAWU_TOKEN", token}};
  CHECK(run_huawu_as(data, {"balance", "gus"}, ops, std::nullopt).exit_code == 0);
  // A request may also carry the password itself instead of a token.
  {
    zmq::context_t context(1);
    zmq::socket_t socket(context, zmq::socket_type::dealer);
    socket.set(zmq::sockopt::linger, 0);
    socket.connect(control_endpoint(data));
    auto ask = [&](const std::string& password) {
      socket.send(zmq::buffer(encode_control_request(ControlRequest{"ops", {"balance", "gus"}, password, ""})),
                  zmq::send_flags::none);
      zmq::message_t frame;
      REQUIRE(socket.recv(frame, zmq::recv_flags::none));
      auto reply = decode_control_reply(std::string_view(frame.data<char>(), frame.size()), nullptr);
      REQUIRE(reply.has_value());
      return reply->exit_code;
    };
    CHECK(ask("ops-password") == 0);
    CHECK(ask("not-the-password") == 1);
  }
  // A token is good only for the principal it was given to.
  CHECK(run_huawu_as(data, {"balance", "gus"}, {{"HUAWU_PRINCIPAL", "audit"}, {"HUAWU_TOKEN", token}}, std::nullopt)
            .exit_code == 1);
  // Every event records the principal that caused it.
  const CommandResult recharge = run_huawu_as(data, {"recharge", "gus", "5", "--json"}, ops, std::nullopt);
  REQUIRE(recharge.exit_code == 0);
  CHECK(nlohmann::json::parse(recharge.out)["events"][0]["actor"] == "principal:ops");

  // An auditor reads everything and changes nothing.
  REQUIRE(run_huawu_as(data, {"principal", "add", "audit", "--role", "auditor", "--password-stdin"}, ops,
                       "audit-password")
              .exit_code == 0);
  const std::string audit_token = trimmed(run_huawu_as(data, {"login", "audit", "--password-stdin"}, {}, "audit-password").out);
  const std::vector<std::pair<std::string, std::string>> auditor = {{"HUAWU_PRINCIPAL", "audit"},
                                                                      {"HUAWU_TOKEN", audit_token}};
  CHECK(run_huawu_as(data, {"balance", "gus"}, auditor, std::nullopt).exit_code == 0);
  CHECK(run_huawu_as(data, {"audit", "verify"}, auditor, std::nullopt).exit_code == 0);
  const CommandResult refused = run_huawu_as(data, {"recharge", "gus", "5", "--json"}, auditor, std::nullopt);
  CHECK(refused.exit_code == 1);
  CHECK(nlohmann::json::parse(refused.out)["error"] == "read_only_principal");

  // Five wrong passwords lock the name, even against the right one.
  for (int i = 0; i < 5; ++i) CHECK(run_huawu_as(data, {"login", "ops", "--password-stdin"}, {}, "guess-" + std::to_string(i)).exit_code == 1);
  const CommandResult locked = run_huawu_as(data, {"login", "ops", "--password-stdin"}, {}, "ops-password");
  CHECK(locked.exit_code == 1);
  // A session from before still works; tokens do not outlive the daemon.
  CHECK(run_huawu_as(data, {"balance", "gus"}, ops, std::nullopt).exit_code == 0);
  CHECK(daemon.stop() == 0);
  CHECK(run_huawu(data, {"audit", "verify"}).exit_code == 0);
}

}  // namespace
}  // namespace huawu::test

namespace huawu::test {
namespace {

TEST_CASE("issues 4 and 5: an agent operator reaches only its own subtree, every verb", "[daemon][principals][scope]") {
  TempDir dir;
  const std::string data = prepared_store(dir, {{"direct", "10"}});
  // provider -> bj -> bj-cy -> bj-cy-1 ; bj -> bj-hd ; provider -> sh. The operator acts for bj-cy.
  const std::vector<std::vector<std::string>> setup = {
      {"agent", "add", "bj", "--parent", "provider", "--name", "BJ", "--price", "8"},
      {"agent", "add", "bj-cy", "--parent", "bj", "--name", "CY", "--price", "9"},
      {"agent", "add", "bj-cy-1", "--parent", "bj-cy", "--name", "CY1", "--price", "10"},
      {"agent", "add", "bj-hd", "--parent", "bj", "--name", "HD", "--price", "9"},
      {"agent", "add", "sh", "--parent", "provider", "--name", "SH", "--price", "8"},
      {"account", "open", "mine", "--initial", "10", "--plan", "std", "--agent", "bj-cy-1"},
      {"account", "open", "sibling", "--initial", "10", "--plan", "std", "--agent", "bj-hd"},
      {"account", "open", "other", "--initial", "10", "--plan", "std", "--agent", "sh"},
      {"payment", "record", "bj-cy", "--kind", "deposit", "100"},
      {"payment", "record", "bj-hd", "--kind", "deposit", "100"},
      // Cards (issue 5): account cards of another agent, vouchers of the operator's own.
      {"cards", "issue", "--agent", "sh", "--kind", "account", "--count", "3", "--face", "1", "--out", dir.sub("sh.csv")},
      {"cards", "issue", "--agent", "bj-cy", "--kind", "recharge", "--count", "3", "--face", "1", "--out", dir.sub("cy.csv")},
      // Issue 6: a ticket of a sibling's user (T000001), a promotion of another agent (P000001).
      {"ticket", "open", "--account", "sibling", "--summary", "no tone", "--reported", "2026-11-30T10:00+08:00"},
      {"promo", "request", "--agent", "sh", "--discount", "10", "--from", "2099-01-01", "--to", "2099-01-31", "--plan", "std"},
  };
  for (const auto& args : setup) REQUIRE(run_huawu(data, args).exit_code == 0);
  // The first card of a batch's file: its number and PIN.
  auto first_card = [](const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    std::getline(in, line);
    return std::make_pair(line.substr(0, 16), line.substr(17, 16));
  };
  const auto [sh_card, sh_pin] = first_card(dir.sub("sh.csv"));
  const auto [cy_voucher, cy_pin] = first_card(dir.sub("cy.csv"));
  REQUIRE(run_huawu_as(data, {"principal", "add", "ops", "--role", "provider", "--password-stdin"}, {}, "ops-password")
              .exit_code == 0);
  DaemonProcess daemon(data);
  REQUIRE(daemon_serving(data));
  const std::string ops_token = trimmed(run_huawu_as(data, {"login", "ops", "--password-stdin"}, {}, "ops-password").out);
  const std::vector<std::pair<std::string, std::string>> ops = {{"HUAWU_PRINCIPAL", "ops"}, {"HUAWU_TOKEN", ops_token}};
  REQUIRE(run_huawu_as(data, {"principal", "add", "cy-ops", "--role", "agent", "--agent", "bj-cy", "--password-stdin"},
                       ops, "cy-password")
              .exit_code == 0);
  const std::string token =
      trimmed(run_huawu_as(data, {"login", "cy-ops", "--password-stdin"}, {}, "cy-password").out);
  const std::vector<std::pair<std::string, std::string>> cy = {{"HUAWU_PRINCIPAL", "cy-ops"}, {"HUAWU_TOKEN", token}};
  auto as_cy = [&](std::vector<std::string> args) {
    args.push_back("--json");
    const CommandResult result = run_huawu_as(data, args, cy, std::nullopt);
    INFO(args[0] << " " << (args.size() > 1 ? args[1] : "") << ": " << result.out);
    return result;
  };
  auto error_of = [](const CommandResult& result) -> std::string {
    if (result.exit_code == 0) return "";
    return nlohmann::json::parse(result.out).value("error", "?");
  };
  // Out of reach: the same answer as for something that does not exist.
  struct Row {
    std::vector<std::string> args;
    const char* error;
  };
  const std::vector<Row> refused = {
      {{"balance", "sibling"}, "account_not_found"},
      {{"balance", "direct"}, "account_not_found"},
      {{"balance", "nobody"}, "account_not_found"},
      {{"recharge", "other", "5"}, "account_not_found"},
      {{"account", "close", "sibling", "--refund"}, "account_not_found"},
      {{"calls", "sibling"}, "account_not_found"},
      {{"holds", "other"}, "account_not_found"},
      {{"account", "open", "new-1", "--agent", "bj-hd"}, "agent_not_found"},
      {{"account", "open", "new-2"}, "permission_denied"},  // the provider's own users
      {{"agent", "add", "x", "--parent", "bj", "--name", "X"}, "agent_not_found"},
      {{"agent", "add", "x", "--parent", "provider", "--name", "X"}, "agent_not_found"},
      {{"agent", "price", "bj-cy", "12"}, "agent_not_found"},  // its own price is its parent's to set
      {{"agent", "price", "bj-hd", "12"}, "agent_not_found"},
      {{"agent", "suspend", "bj-hd"}, "agent_not_found"},
      {{"agent", "resume", "sh"}, "agent_not_found"},
      {{"agent", "credit", "bj-cy", "--prepayment-credit", "100", "--traffic-overdraft-minutes", "0"}, "agent_not_found"},
      {{"agent", "tree", "bj"}, "agent_not_found"},
      {{"agent", "statement", "bj-hd"}, "agent_not_found"},
      {{"stats", "sh"}, "agent_not_found"},
      {{"payment", "record", "bj-cy", "--kind", "traffic", "10"}, "agent_not_found"},
      {{"deposit", "refund", "bj-hd", "10"}, "agent_not_found"},
      {{"deposit", "forfeit", "bj-cy", "10", "--reason", "self"}, "agent_not_found"},
      {{"traffic", "buy", "bj-hd", "--minutes", "10"}, "agent_not_found"},
      {{"rates", "import", "std", "/nonexistent.csv"}, "permission_denied"},
      {{"pricing", "set-level", "1", "5"}, "permission_denied"},
      {{"events"}, "permission_denied"},
      {{"audit", "verify"}, "permission_denied"},
      {{"principal", "list"}, "permission_denied"},
      {{"principal", "add", "x-ops", "--role", "auditor", "--password-stdin"}, "permission_denied"},
      {{"principal", "passwd", "ops", "--password-stdin"}, "permission_denied"},
      {{"cards", "issue", "--agent", "sh", "--kind", "recharge", "--count", "5", "--face", "1", "--out", dir.sub("x.csv")},
       "agent_not_found"},
      {{"cards", "batches", "--agent", "bj-hd"}, "agent_not_found"},
      {{"cards", "show", sh_card}, "card_not_found"},
      {{"cards", "void", "B000002"}, "permission_denied"},
      {{"account", "activate", sh_card, "--pin", sh_pin}, "card_not_found"},
      {{"recharge-card", "redeem", "other", "--card", cy_voucher, "--pin", cy_pin}, "account_not_found"},
      {{"account", "transfer", "sibling", "--to-agent", "bj-cy", "--consent", "C-1"}, "account_not_found"},
      {{"account", "transfer", "mine", "--to-agent", "sh", "--consent", "C-1"}, "agent_not_found"},
      // Contracts and notices (issue 6) are the provider's.
      {{"contract", "list"}, "permission_denied"},
      {{"contract", "status", "C-1"}, "permission_denied"},
      {{"notices"}, "permission_denied"},
      {{"notice", "send", "--contract", "C-1", "--from", "agent", "--kind", "general", "--method", "fax", "--sent",
        "2026-11-25T10:00+08:00"},
       "permission_denied"},
      {{"contract", "amend", "C-1", "--effective", "2026-12-01", "--set", "sla-hours=2"}, "permission_denied"},
      {{"obligation", "waive", "C-1/O-PAY", "--reason", "x"}, "permission_denied"},
      {{"obligations"}, "permission_denied"},
      {{"tickets"}, "permission_denied"},
      {{"sla", "report", "--from", "2026-11-01", "--to", "2026-11-30"}, "permission_denied"},
      {{"ticket", "open", "--account", "sibling", "--summary", "x", "--reported", "2026-11-30T10:00+08:00"},
       "account_not_found"},
      {{"ticket", "respond", "T000001", "--at", "2026-11-30T11:00+08:00"}, "ticket_not_found"},
      {{"ticket", "show", "T000001"}, "ticket_not_found"},
      {{"ticket", "close", "T000001"}, "ticket_not_found"},
      {{"ticket", "show", "T000099"}, "ticket_not_found"},
      {{"promo", "request", "--agent", "sh", "--discount", "5", "--from", "2099-01-01", "--to", "2099-01-31", "--plan",
        "std"},
       "agent_not_found"},
      {{"promo", "approve", "P000001", "--filing-ref", "F"}, "permission_denied"},
      {{"promo", "reject", "P000001"}, "permission_denied"},
      {{"promo", "withdraw", "P000001"}, "promotion_not_found"},
      {{"promo", "show", "P000001"}, "promotion_not_found"},
      {{"promo", "list"}, "permission_denied"},
      // Issue 15: the Kamailio connector is the provider's.
      {{"calls", "cut", "some-call@host"}, "permission_denied"},
      {{"kamailio", "status"}, "permission_denied"},
      {{"kamailio", "backfill", "/nonexistent-cdr-dir"}, "permission_denied"},
  };
  for (const Row& row : refused) {
    std::vector<std::string> args = row.args;
    const CommandResult result = row.args[0] == "principal"
                                     ? run_huawu_as(data, [&] { args.push_back("--json"); return args; }(), cy, "new-password")
                                     : as_cy(args);
    INFO(row.args[0] << " " << (row.args.size() > 1 ? row.args[1] : ""));
    CHECK(result.exit_code == 1);
    CHECK(error_of(result) == row.error);
  }
  // In reach: its subtree, its users, its own traffic and its own password.
  CHECK(as_cy({"balance", "mine"}).exit_code == 0);
  CHECK(as_cy({"recharge", "mine", "5"}).exit_code == 0);
  CHECK(as_cy({"account", "open", "new-3", "--initial", "1", "--plan", "std", "--agent", "bj-cy-1"}).exit_code == 0);
  CHECK(as_cy({"agent", "add", "bj-cy-2", "--parent", "bj-cy", "--name", "CY2"}).exit_code == 0);
  CHECK(as_cy({"agent", "price", "bj-cy-1", "11"}).exit_code == 0);
  CHECK(as_cy({"agent", "suspend", "bj-cy-1"}).exit_code == 0);
  CHECK(as_cy({"agent", "resume", "bj-cy-1"}).exit_code == 0);
  CHECK(as_cy({"payment", "record", "bj-cy-1", "--kind", "traffic", "10"}).exit_code == 0);
  CHECK(as_cy({"agent", "statement", "bj-cy"}).exit_code == 0);
  CHECK(as_cy({"stats", "bj-cy"}).exit_code == 0);
  CHECK(as_cy({"rates", "show", "std"}).exit_code == 0);
  CHECK(as_cy({"cards", "show", cy_voucher}).exit_code == 0);
  CHECK(as_cy({"cards", "batches"}).exit_code == 0);
  CHECK(as_cy({"recharge-card", "redeem", "mine", "--card", cy_voucher, "--pin", cy_pin}).exit_code == 0);
  // Issue 6: its users' tickets (B3.4: the agent tier answers) and its own promotions.
  CHECK(as_cy({"ticket", "open", "--account", "mine", "--summary", "echo", "--reported", "2026-11-30T10:00+08:00"})
            .exit_code == 0);
  CHECK(as_cy({"ticket", "respond", "T000002", "--at", "2026-11-30T10:30+08:00", "--by", "agent"}).exit_code == 0);
  CHECK(as_cy({"ticket", "show", "T000002"}).exit_code == 0);
  CHECK(as_cy({"ticket", "close", "T000002"}).exit_code == 0);
  CHECK(as_cy({"promo", "request", "--agent", "bj-cy-1", "--discount", "5", "--from", "2099-01-01", "--to", "2099-01-31",
               "--plan", "std"})
            .exit_code == 0);
  CHECK(as_cy({"promo", "show", "P000002"}).exit_code == 0);
  CHECK(as_cy({"promo", "withdraw", "P000002"}).exit_code == 0);
  CHECK(as_cy({"account", "transfer", "mine", "--to-agent", "bj-cy", "--consent", "C-2"}).exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(dir.sub("x.csv")));
  const CommandResult tree = as_cy({"agent", "tree"});  // starts at its own agent
  REQUIRE(tree.exit_code == 0);
  const nlohmann::json j = nlohmann::json::parse(tree.out);
  CHECK(j["root"] == "bj-cy");
  CHECK(j["agents"].size() == 3);  // bj-cy, bj-cy-1, bj-cy-2
  CHECK(run_huawu_as(data, {"principal", "passwd", "cy-ops", "--password-stdin"}, cy, "cy-password-2").exit_code == 0);
  CHECK(daemon.stop() == 0);
  CHECK(run_huawu(data, {"audit", "verify"}).exit_code == 0);
}

}  // namespace
}  // namespace huawu::test
