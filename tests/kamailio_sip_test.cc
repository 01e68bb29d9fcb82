// SIP integration tests (issue 15): the real daemon (`huawu serve` with
// [kamailio] enabled), a real Kamailio running ops/kamailio/huawu.cfg (through
// ops/kamailio/run.sh) and SIPp as the caller and the callee, all on
// 127.0.0.1 on ports chosen at run time. Each test case builds its own rig
// (ledger, Kamailio, callee, daemon) in a temporary directory and stops every
// process it started, also when it fails; on a failure the tails of the
// daemon's, Kamailio's and SIPp's logs are printed.
//
// The rate plan is test_plan_csv(); the calls dial 8613912345678 (prefix 861:
// 12 fen/min = 1,200 units/min, first block 30 s, next blocks 6 s, connect fee
// 5 fen = 500 units), so a call billed B seconds costs 500 + 20 B units.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/daemon_support.h"
#include "tests/kamailio_support.h"
#include "tests/test_support.h"

namespace huawu::test {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

const std::string mobile = "8613912345678";  // prefix 861 of test_plan_csv()
constexpr std::int64_t mobile_first_s = 30, mobile_next_s = 6;
constexpr std::int64_t mobile_fee_units = 500, mobile_price_units_per_minute = 1200;

// docs/switch-protocol.md §7, written out again (independently of ledger/rating.cc).
std::int64_t billed_seconds_of(std::int64_t duration_ms, std::int64_t first, std::int64_t next) {
  if (duration_ms == 0) return 0;
  const std::int64_t s = (duration_ms + 999) / 1000;
  if (s <= first) return first;
  return first + (s - first + next - 1) / next * next;
}
std::int64_t mobile_cost_units(std::int64_t duration_ms) {
  const std::int64_t billed = billed_seconds_of(duration_ms, mobile_first_s, mobile_next_s);
  if (billed == 0) return 0;
  return mobile_fee_units + (billed * mobile_price_units_per_minute + 59) / 60;
}

using Accounts = std::map<std::string, std::string>;  // account id -> opening yuan

// The rig whose logs the failure listener prints (one test case at a time).
struct SipRig;
SipRig* current_rig = nullptr;

// One test's world: a ledger, the SIPp callee, Kamailio and the daemon.
struct SipRig {
  // Names this rig to the failure listener while it exists (first member: it
  // is also undone when the constructor throws).
  struct Current {
    explicit Current(SipRig* rig) { current_rig = rig; }
    ~Current() { current_rig = nullptr; }
  } current{this};
  TempDir dir;
  SipPorts ports = free_sip_ports();
  std::string data = dir.sub("data");
  std::string run_dir = dir.sub("run");
  std::string daemon_toml;  // the [calls] lines and [kamailio] table given to DaemonProcess
  std::vector<std::string> sipp_logs;  // log prefixes of the SIPp callers, in start order
  std::unique_ptr<ChildProcess> uas;
  std::unique_ptr<KamailioProcess> kamailio;
  std::unique_ptr<DaemonProcess> daemon;
  bool diagnostics_printed = false;

  // accounts: id -> opening yuan. calls_toml: extra [calls] lines;
  // kamailio_toml: extra [kamailio] lines.
  explicit SipRig(const Accounts& accounts, const std::string& calls_toml = "",
         const std::string& kamailio_toml = "") {
    REQUIRE(run_huawu(data, {"init", "--provider-name", "Acme VoIP"}).exit_code == 0);
    const std::string plan = dir.sub("plan.csv");
    std::ofstream(plan) << test_plan_csv();
    REQUIRE(run_huawu(data, {"rates", "import", "basic", plan}).exit_code == 0);
    for (const auto& [id, yuan] : accounts)
      REQUIRE(run_huawu(data, {"account", "open", id, "--plan", "basic", "--initial", yuan}).exit_code == 0);
    daemon_toml = calls_toml + "[kamailio]\nenabled = true\nevapi_address = \"127.0.0.1:" +
                  std::to_string(ports.evapi) + "\"\ncdr_dir = \"" + run_dir + "/cdr\"\nrpc_socket = \"" + run_dir +
                  "/kamailio_rpc.fifo\"\nreconnect_max_ms = 500\n" + kamailio_toml;
  }
  ~SipRig() {
    if (std::uncaught_exceptions() > 0) print_diagnostics("an exception ends the test");
    daemon.reset();
    kamailio.reset();
    uas.reset();
  }

  void start_uas() { uas = test::start_uas(ports.uas, dir.sub("uas")); }
  void start_kamailio() { kamailio = std::make_unique<KamailioProcess>(run_dir, ports); }
  void start_daemon() { daemon = std::make_unique<DaemonProcess>(data, daemon_toml); }
  // Everything, and waits until the daemon is connected to Kamailio.
  void start_all() {
    start_uas();
    start_kamailio();
    start_daemon();
    wait_connected(1);
  }

  Json status() const {
    const CommandResult result = run_huawu(data, {"kamailio", "status", "--json"});
    if (result.exit_code != 0) return Json{{"connected", false}, {"unavailable", result.out}};
    return Json::parse(result.out);
  }
  // Polls the connector's status until `ready` holds (at most `timeout`); the last status.
  template <typename Ready>
  Json wait_status(Ready ready, std::chrono::milliseconds timeout) const {
    const auto deadline = SteadyClock::now() + timeout;
    Json s = status();
    while (!ready(s) && SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(100ms);
      s = status();
    }
    return s;
  }
  void wait_connected(std::uint64_t connects) const {
    const Json s = wait_status(
        [&](const Json& j) { return j.value("connected", false) && j.value("connects", 0ull) >= connects; }, 15s);
    INFO("kamailio status: " << s.dump());
    REQUIRE(s.value("connected", false));
    REQUIRE(s["connects"].get<std::uint64_t>() >= connects);
  }

  Json calls(const std::string& account) const {
    const CommandResult result = run_huawu(data, {"calls", account, "--json"});
    REQUIRE(result.exit_code == 0);
    return Json::parse(result.out);
  }
  std::vector<Json> events_of(const std::string& account, const std::string& type) const {
    std::vector<Json> out;
    const Json all = calls(account);
    for (const Json& e : all["calls"])
      if (e["type"] == type) out.push_back(e);
    return out;
  }
  // Polls until `account` has at least `count` events of `type` (at most `timeout`).
  std::vector<Json> wait_events(const std::string& account, const std::string& type, std::size_t count,
                                std::chrono::milliseconds timeout) const {
    const auto deadline = SteadyClock::now() + timeout;
    std::vector<Json> events = events_of(account, type);
    while (events.size() < count && SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(100ms);
      events = events_of(account, type);
    }
    return events;
  }
  Json balance(const std::string& account) const {
    const CommandResult result = run_huawu(data, {"balance", account, "--json"});
    REQUIRE(result.exit_code == 0);
    return Json::parse(result.out);
  }
  Json holds(const std::string& account) const {
    const CommandResult result = run_huawu(data, {"holds", account, "--json"});
    REQUIRE(result.exit_code == 0);
    return Json::parse(result.out)["holds"];
  }

  SippCall sipp(const std::string& scenario, const std::string& account, std::vector<std::string> extra = {},
                std::chrono::seconds timeout = 40s) {
    const std::string prefix = dir.sub("sipp" + std::to_string(sipp_logs.size() + 1) + "_" + scenario);
    sipp_logs.push_back(prefix);
    return SippCall{scenario, account, mobile, std::move(extra), prefix, timeout};
  }

  std::string diagnostics() const {
    std::string out = "ports: sip " + std::to_string(ports.sip) + ", evapi " + std::to_string(ports.evapi) +
                      ", callee " + std::to_string(ports.uas) + "\n";
    out += tail_of(data + ".log", 40);
    out += tail_of(run_dir + "/kamailio.log", 60);
    out += tail_of(run_dir + ".run_sh.log", 10);
    out += tail_of(dir.sub("uas.log"), 15) + tail_of(dir.sub("uas.errors"), 15);
    for (const std::string& prefix : sipp_logs)
      out += tail_of(prefix + ".log", 20) + tail_of(prefix + ".errors", 10) + tail_of(prefix + ".messages", 30);
    return out;
  }
  void print_diagnostics(const std::string& why) {
    if (diagnostics_printed) return;
    diagnostics_printed = true;
    std::cout << "=== " << why << "; logs of the rig in " << dir.path() << ":\n" << diagnostics() << "===\n";
    std::cout.flush();
  }
};

// Prints the rig's logs at the first failed assertion of a test case (the rig
// is still alive then: a REQUIRE throws only after this has run).
class RigLogListener : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;
  void assertionStarting(Catch::AssertionInfo const&) override {}
  bool assertionEnded(Catch::AssertionStats const& stats) override {
    if (!stats.assertionResult.isOk() && current_rig) current_rig->print_diagnostics("a check failed");
    return true;
  }
};

// The Call-IDs of the INVITEs a SIPp caller sent (its message trace).
std::set<std::string> invite_call_ids(const std::string& messages) {
  std::set<std::string> ids;
  std::istringstream in(messages);
  std::string line;
  bool in_invite = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("INVITE sip:", 0) == 0) in_invite = true;
    else if (in_invite && line.rfind("Call-ID: ", 0) == 0) {
      ids.insert(line.substr(9));
      in_invite = false;
    }
  }
  return ids;
}

void check_tools() {
  std::string missing = missing_sip_tools();
  if (!std::filesystem::exists(HUAWU_KAMAILIO_CFG)) missing += std::string(" missing: ") + HUAWU_KAMAILIO_CFG;
  INFO(missing);
  REQUIRE(missing.empty());
}

}  // namespace

CATCH_REGISTER_LISTENER(RigLogListener)

TEST_CASE("a funded call is granted what its wallet pays, cut by Kamailio at the grant and billed its blocks",
          "[kamailio][sip]") {
  check_tools();
  // 0.122 yuan = 1,220 units = 500 + 36 s x 20: the wallet pays exactly 36 s on 861.
  SipRig rig(Accounts{{"1001", "0.122"}});
  rig.start_all();

  SippCaller caller(rig.ports.sip, rig.sipp("uac_cut.xml", "1001", {}, 55s));
  // While the call is up: one hold of the whole wallet, 36 s granted.
  const auto deadline = SteadyClock::now() + 10s;
  Json holds = rig.holds("1001");
  while (holds.empty() && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    holds = rig.holds("1001");
  }
  REQUIRE(holds.size() == 1);
  CHECK(holds[0]["granted_seconds"] == 36);
  CHECK(holds[0]["hold_units"] == 1'220);
  CHECK(holds[0]["switch_id"] == "kamailio");

  // The caller never hangs up: it succeeds only when the proxy's BYE comes.
  const int code = caller.wait();
  {
    INFO(caller.diagnostics());
    REQUIRE(code == 0);
  }
  INFO("SIPp ran " << caller.elapsed().count() << " ms");
  CHECK(caller.elapsed() >= 33s);
  CHECK(caller.elapsed() <= 40s);
  const std::set<std::string> call_ids = invite_call_ids(caller.messages());
  REQUIRE(call_ids.size() == 1);

  const std::vector<Json> settled = rig.wait_events("1001", "CallSettled", 1, 5s);
  REQUIRE(settled.size() == 1);
  const Json& call = settled[0];
  INFO("CallSettled: " << call.dump());
  CHECK(call["via"] == "kamailio");
  CHECK(call["sip_call_id"] == *call_ids.begin());
  CHECK(call["call_id"] == *call_ids.begin());  // short and printable: used as it is
  CHECK(call["switch_id"] == "kamailio");
  CHECK(call["origin"] == "authorized");
  CHECK(call["end_reason"] == "credit_timeout");
  CHECK(call["released_units"] == 1'220);
  const std::int64_t duration_ms = call["duration_ms"].get<std::int64_t>();
  // The dialog timeout is the grant less [kamailio] timer_margin_seconds (1 s),
  // and Kamailio's dialog timer ticks once a second: the cut comes 1-2 s before
  // the grant ends, never after.
  CHECK(duration_ms >= 34'000);
  CHECK(call["billed_seconds"] == billed_seconds_of(duration_ms, 30, 6));
  CHECK(call["cost_units"] == mobile_cost_units(duration_ms));
  // The cut must not overrun the grant: a call longer than 36 s bills 42 s,
  // 1,340 units, more than the wallet held (the rest becomes arrears).
  INFO("granted 36 s; Kamailio's dialog timer (whole-second ticks) cut the call after " << duration_ms << " ms");
  CHECK(duration_ms <= 36'000);
  CHECK(call["over_grant"] == false);
  CHECK(call["billed_seconds"] == 36);
  CHECK(call["cost_units"] == 1'220);
  // Whatever was billed, the wallet paid what it could and owes the rest.
  CHECK(call["wallet_debit_units"].get<std::int64_t>() + call["arrears_units"].get<std::int64_t>() ==
        call["cost_units"].get<std::int64_t>());
  const Json balance = rig.balance("1001");
  CHECK(balance["held_units"] == 0);
  CHECK(balance["balance_units"] == 1'220 - call["wallet_debit_units"].get<std::int64_t>());
  CHECK(rig.holds("1001").empty());
}

TEST_CASE("refusals: unfunded 402, unknown 403, no huawu 503 within 1 s, a silent huawu 503 within 3 s",
          "[kamailio][sip]") {
  check_tools();
  SipRig rig(Accounts{{"1001", "10"}, {"1002", "0"}});
  rig.start_uas();
  rig.start_kamailio();

  {  // No huawu connected: Kamailio fails closed at once.
    const SippResult r = run_sipp(rig.ports.sip, rig.sipp("uac_503.xml", "1001"));
    INFO(r.diagnostics);
    CHECK(r.exit_code == 0);
    CHECK(r.elapsed < 1s);
  }

  rig.start_daemon();
  rig.wait_connected(1);
  {
    const SippResult r = run_sipp(rig.ports.sip, rig.sipp("uac_402.xml", "1002"));
    INFO(r.diagnostics);
    CHECK(r.exit_code == 0);
  }
  {
    const SippResult r = run_sipp(rig.ports.sip, rig.sipp("uac_403.xml", "9999"));
    INFO(r.diagnostics);
    CHECK(r.exit_code == 0);
  }
  const std::vector<Json> refused = rig.wait_events("1002", "CallRejected", 1, 3s);
  REQUIRE(refused.size() == 1);
  CHECK(refused[0]["reason"] == "insufficient_balance");
  CHECK(refused[0]["via"] == "kamailio");

  {  // Connected but silent (stopped): the suspended INVITE times out into 503.
    const pid_t pid = rig.daemon->pid();
    REQUIRE(::kill(pid, SIGSTOP) == 0);
    const SippResult r = run_sipp(rig.ports.sip, rig.sipp("uac_503.xml", "1001"));
    ::kill(pid, SIGCONT);
    INFO(r.diagnostics);
    CHECK(r.exit_code == 0);
    CHECK(r.elapsed < 3s);
    CHECK(r.elapsed >= 1500ms);  // the 2 s timer, not the no-client path
  }
  // Woken up, the daemon answers the request Kamailio has given up on. The
  // call never existed, so no money may stay held for it.
  std::this_thread::sleep_for(2s);
  const Json held = rig.holds("1001");
  INFO("holds of 1001 after the timed-out authorization: " << held.dump());
  CHECK(held.empty());
  CHECK(rig.balance("1001")["held_units"] == 0);
  {  // ... and the wallet pays for the next call.
    const SippResult r = run_sipp(rig.ports.sip, rig.sipp("uac_call.xml", "1001", {"-d", "500"}));
    INFO("the next call of 1001, which has 10 yuan:\n" << r.diagnostics);
    CHECK(r.exit_code == 0);
  }
  CHECK(rig.daemon->stop() == 0);
}

TEST_CASE("50 simultaneous calls from one wallet never grant more than it pays for", "[kamailio][sip]") {
  check_tools();
  // Each call asks for 30 s: one first block on 861, 1,100 units. 2.25 yuan =
  // 22,500 units pays 20 of them (500 units stay); the other 30 get 402.
  SipRig rig(Accounts{{"1001", "2.25"}}, "", "requested_seconds = 30\n");
  rig.start_all();

  const SippResult r =
      run_sipp(rig.ports.sip, rig.sipp("uac_load.xml", "1001", {"-m", "50", "-l", "50", "-r", "50", "-d", "2000"}));
  {
    INFO(r.diagnostics);
    CHECK(r.exit_code == 0);
  }
  CHECK(count_of(r.messages, "\nSIP/2.0 402 ") >= 30);
  CHECK(invite_call_ids(r.messages).size() == 50);

  const std::vector<Json> settled = rig.wait_events("1001", "CallSettled", 20, 10s);
  const std::vector<Json> refused = rig.events_of("1001", "CallRejected");
  CHECK(settled.size() == 20);
  CHECK(refused.size() == 30);
  for (const Json& e : refused) CHECK(e["reason"] == "insufficient_balance");
  std::int64_t held_units = 0, cost_units = 0;
  std::set<std::string> ids;
  for (const Json& e : settled) {
    INFO("CallSettled: " << e.dump());
    ids.insert(e["sip_call_id"].get<std::string>());
    held_units += e["released_units"].get<std::int64_t>();
    cost_units += e["cost_units"].get<std::int64_t>();
    const std::int64_t duration_ms = e["duration_ms"].get<std::int64_t>();
    CHECK(e["billed_seconds"] == billed_seconds_of(duration_ms, 30, 6));
    CHECK(e["cost_units"] == mobile_cost_units(duration_ms));
    CHECK(e["over_grant"] == false);
    CHECK(e["end_reason"] == "caller_bye");
  }
  for (const Json& e : refused) ids.insert(e["sip_call_id"].get<std::string>());
  CHECK(ids.size() == 50);  // one decision per call
  CHECK(held_units <= 22'500);
  const Json balance = rig.balance("1001");
  CHECK(balance["held_units"] == 0);
  CHECK(balance["balance_units"] == 22'500 - cost_units);
  CHECK(balance["balance_units"] == 500);
  const Json status = rig.status();
  CHECK(status["grants"] == 20);
  CHECK(status["denials"] == 30);
}

TEST_CASE("a normal call's bill follows its millisecond duration (30/6 blocks on each side of 30 s)",
          "[kamailio][sip]") {
  check_tools();
  // 600 s asked per call (12,500 units held): a call asking the default 7,200 s
  // would hold the whole wallet and leave nothing for a second one.
  SipRig rig(Accounts{{"1001", "10"}}, "", "requested_seconds = 600\n");
  rig.start_all();

  // Both at once: the pauses land 500 ms on each side of the first block.
  SippCaller shorter(rig.ports.sip, rig.sipp("uac_call.xml", "1001", {"-d", "29500"}));
  SippCaller longer(rig.ports.sip, rig.sipp("uac_call.xml", "1001", {"-d", "30500"}));
  const int shorter_code = shorter.wait();
  const int longer_code = longer.wait();
  {
    INFO(shorter.diagnostics() << longer.diagnostics());
    REQUIRE(shorter_code == 0);
    REQUIRE(longer_code == 0);
  }

  std::vector<Json> settled = rig.wait_events("1001", "CallSettled", 2, 5s);
  REQUIRE(settled.size() == 2);
  std::sort(settled.begin(), settled.end(),
            [](const Json& a, const Json& b) { return a["duration_ms"] < b["duration_ms"]; });
  for (const Json& e : settled) {
    INFO("CallSettled: " << e.dump());
    const std::int64_t duration_ms = e["duration_ms"].get<std::int64_t>();
    CHECK(e["billed_seconds"] == billed_seconds_of(duration_ms, 30, 6));
    CHECK(e["cost_units"] == mobile_cost_units(duration_ms));
    CHECK(e["end_reason"] == "caller_bye");
    CHECK(e["via"] == "kamailio");
  }
  INFO("shorter: " << settled[0].dump() << "\nlonger: " << settled[1].dump());
  const std::int64_t short_ms = settled[0]["duration_ms"].get<std::int64_t>();
  const std::int64_t long_ms = settled[1]["duration_ms"].get<std::int64_t>();
  CHECK(short_ms >= 29'500);
  CHECK(short_ms < 30'000);
  CHECK(long_ms >= 30'500);
  CHECK(long_ms < 31'000);
  CHECK(settled[0]["billed_seconds"] == 30);
  CHECK(settled[0]["cost_units"] == 1'100);
  CHECK(settled[1]["billed_seconds"] == 36);
  CHECK(settled[1]["cost_units"] == 1'220);
  CHECK(rig.balance("1001")["balance_units"] == 100'000 - 1'100 - 1'220);
}

TEST_CASE("huawu SIGKILLed while calls are up: after its restart every call is billed exactly once",
          "[kamailio][sip]") {
  check_tools();
  // 600 s asked per call (12,500 units held): five fit in the wallet together.
  SipRig rig(Accounts{{"1001", "10"}}, "", "requested_seconds = 600\n");
  rig.start_all();

  SippCaller caller(rig.ports.sip, rig.sipp("uac_call.xml", "1001", {"-m", "5", "-l", "5", "-r", "5", "-d", "6000"}));
  const Json up = rig.wait_status([](const Json& s) { return s.value("live_dialogs", 0) >= 5; }, 10s);
  INFO("status before the kill: " << up.dump());
  REQUIRE(up["live_dialogs"] == 5);
  REQUIRE(rig.holds("1001").size() == 5);
  rig.daemon->kill();

  // The calls end while huawu is down: Kamailio's call_end is lost, its CDRs are written.
  const int code = caller.wait();
  {
    INFO(caller.diagnostics());
    REQUIRE(code == 0);
  }
  const std::set<std::string> call_ids = invite_call_ids(caller.messages());
  REQUIRE(call_ids.size() == 5);

  rig.start_daemon();
  const Json reconciled = rig.wait_status(
      [](const Json& s) { return s.value("connected", false) && s.value("reconciliations", 0) >= 1; }, 15s);
  INFO("status after the restart: " << reconciled.dump());
  REQUIRE(reconciled["reconciliations"].get<int>() >= 1);

  const std::vector<Json> settled = rig.wait_events("1001", "CallSettled", 5, 5s);
  std::map<std::string, int> settles_per_call;
  for (const Json& e : settled) {
    INFO("CallSettled: " << e.dump());
    ++settles_per_call[e["sip_call_id"].get<std::string>()];
    const std::int64_t duration_ms = e["duration_ms"].get<std::int64_t>();
    CHECK(duration_ms >= 6'000);
    CHECK(duration_ms < 7'000);
    CHECK(e["billed_seconds"] == 30);
    CHECK(e["cost_units"] == mobile_cost_units(duration_ms));
    CHECK(e["end_reason"] == "caller_bye");
  }
  CHECK(settled.size() == 5);
  for (const std::string& id : call_ids) CHECK(settles_per_call[id] == 1);
  CHECK(rig.holds("1001").empty());
  CHECK(rig.events_of("1001", "CallRejected").empty());

  // A second backfill of the same CDRs changes nothing.
  const CommandResult backfill = run_huawu(rig.data, {"kamailio", "backfill", rig.run_dir + "/cdr", "--json"});
  INFO("backfill: " << backfill.out);
  REQUIRE(backfill.exit_code == 0);
  const Json report = Json::parse(backfill.out);
  CHECK(report["cdrs"] == 5);
  CHECK(report["already_billed"] == 5);
  CHECK(report["settled"] == 0);
  CHECK(report["recorded"] == 0);
  CHECK(report["released"] == 0);
  CHECK(report["refused"] == 0);
  CHECK(rig.events_of("1001", "CallSettled").size() == 5);
  CHECK(rig.balance("1001")["balance_units"] == 100'000 - 5 * 1'100);
  const CommandResult audit = run_huawu(rig.data, {"audit", "verify"});
  INFO("audit verify: " << audit.out);
  CHECK(audit.exit_code == 0);
}

TEST_CASE("a Kamailio restart while huawu runs: the connector reconnects and calls work again", "[kamailio][sip]") {
  check_tools();
  SipRig rig(Accounts{{"1001", "10"}});
  rig.start_all();
  {
    const SippResult r = run_sipp(rig.ports.sip, rig.sipp("uac_call.xml", "1001", {"-d", "1000"}));
    INFO(r.diagnostics);
    REQUIRE(r.exit_code == 0);
  }
  rig.kamailio->stop();
  const Json down = rig.wait_status([](const Json& s) { return !s.value("connected", true); }, 5s);
  INFO("status with Kamailio stopped: " << down.dump());
  CHECK(down["connected"] == false);
  rig.kamailio->start();
  rig.wait_connected(2);
  {
    const SippResult r = run_sipp(rig.ports.sip, rig.sipp("uac_call.xml", "1001", {"-d", "1000"}));
    INFO(r.diagnostics);
    CHECK(r.exit_code == 0);
  }
  const std::vector<Json> settled = rig.wait_events("1001", "CallSettled", 2, 5s);
  CHECK(settled.size() == 2);
  for (const Json& e : settled) CHECK(e["billed_seconds"] == 30);
  const Json s = rig.status();
  CHECK(s["connected"] == true);
  CHECK(s["connects"].get<int>() >= 2);
}

TEST_CASE("huawu calls cut ends a live call with billing_disconnect, an unknown call is call_not_live",
          "[kamailio][sip]") {
  check_tools();
  SipRig rig(Accounts{{"1001", "10"}});
  rig.start_all();

  const std::string sip_call_id = "cut-1@huawu.test";  // -cid_str: call 1 of this SIPp
  SippCaller caller(rig.ports.sip, rig.sipp("uac_cut.xml", "1001", {"-cid_str", "cut-%u@huawu.test"}, 30s));
  const Json up = rig.wait_status([](const Json& s) { return s.value("live_dialogs", 0) >= 1; }, 10s);
  INFO("status: " << up.dump());
  REQUIRE(up["live_dialogs"] == 1);
  std::this_thread::sleep_for(1s);  // a call of some length

  const auto cut_at = SteadyClock::now();
  const CommandResult cut = run_huawu(rig.data, {"calls", "cut", sip_call_id, "--json"});
  INFO("calls cut: " << cut.out);
  REQUIRE(cut.exit_code == 0);
  CHECK(Json::parse(cut.out)["disconnect"] == "sent");
  const int code = caller.wait();
  const auto ended_in = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - cut_at);
  {
    INFO(caller.diagnostics());
    CHECK(code == 0);
  }
  INFO("the call ended " << ended_in.count() << " ms after the cut");
  CHECK(ended_in < 2500ms);

  const std::vector<Json> settled = rig.wait_events("1001", "CallSettled", 1, 3s);
  REQUIRE(settled.size() == 1);
  INFO("CallSettled: " << settled[0].dump());
  CHECK(settled[0]["sip_call_id"] == sip_call_id);
  CHECK(settled[0]["end_reason"] == "billing_disconnect");
  CHECK(settled[0]["over_grant"] == false);
  const std::int64_t duration_ms = settled[0]["duration_ms"].get<std::int64_t>();
  CHECK(settled[0]["billed_seconds"] == billed_seconds_of(duration_ms, 30, 6));
  CHECK(rig.holds("1001").empty());
  CHECK(rig.status()["disconnects_sent"] == 1);

  const CommandResult unknown = run_huawu(rig.data, {"calls", "cut", "no-such-call@huawu.test", "--json"});
  INFO("calls cut of an unknown call: " << unknown.out);
  CHECK(unknown.exit_code != 0);
  CHECK(unknown.out.find("call_not_live") != std::string::npos);
}

}  // namespace huawu::test
