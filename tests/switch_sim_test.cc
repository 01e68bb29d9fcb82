// The switch simulator (cli/switch_sim.h) against in-test fake daemons: a
// ROUTER on a loopback port that rates and bills like the ledger (a simple
// wallet model with holds), remembers every reply by key for retransmissions,
// and can be told to misbehave (answer a retransmission differently, charge a
// wrong cost, not answer at all). Every run is bounded to about a second.
#include "cli/switch_sim.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "events/control_codec.h"
#include "events/switch_codec.h"
#include "ledger/rate_csv.h"
#include "ledger/rating.h"
#include "projections/rate_table.h"

namespace huawu {
namespace {

using cli::run_switch_sim;
using cli::SimOptions;

// ---- a fake daemon for the switch socket -------------------------------------

enum class Fault { none, duplicate_differs, wrong_cost, silent };

class FakeSwitchDaemon {
 public:
  FakeSwitchDaemon(Fault fault, std::size_t accounts, std::int64_t initial_units)
      : fault_(fault), accounts_(accounts), initial_units_(initial_units) {
    std::string why;
    auto rates = parse_rate_csv(cli::sim_rate_plan_csv(), &why);
    REQUIRE(rates);
    for (const auto& rate : *rates) table_.insert(rate);
    std::promise<std::string> bound;
    auto endpoint = bound.get_future();
    thread_ = std::thread([this, &bound] { serve(bound); });
    endpoint_ = endpoint.get();
  }
  ~FakeSwitchDaemon() {
    stop_ = true;
    thread_.join();
  }
  FakeSwitchDaemon(const FakeSwitchDaemon&) = delete;
  FakeSwitchDaemon& operator=(const FakeSwitchDaemon&) = delete;

  const std::string& endpoint() const { return endpoint_; }
  std::uint64_t requests() const { return requests_; }

 private:
  struct Wallet {
    std::int64_t balance = 0;  // available
    std::int64_t held = 0;
  };
  struct Hold {
    std::string account;
    std::int64_t granted_seconds = 0;
    std::int64_t units = 0;
    CallRate rate;
  };

  void serve(std::promise<std::string>& bound) {
    zmq::context_t context(1);
    zmq::socket_t router(context, zmq::socket_type::router);
    router.set(zmq::sockopt::linger, 0);
    router.bind("tcp://127.0.0.1:0");
    bound.set_value(router.get(zmq::sockopt::last_endpoint));
    for (std::size_t i = 1; i <= accounts_; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "sim-%05zu", i);
      wallets_[name].balance = initial_units_;
    }
    while (!stop_) {
      zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 1, std::chrono::milliseconds(20));
      if (!(items[0].revents & ZMQ_POLLIN)) continue;
      zmq::message_t id, frame;
      if (!router.recv(id, zmq::recv_flags::dontwait)) continue;
      if (!id.more() || !router.recv(frame, zmq::recv_flags::none)) continue;
      ++requests_;
      if (fault_ == Fault::silent) continue;
      const std::string reply = answer(frame.to_string_view());
      router.send(id, zmq::send_flags::sndmore);
      router.send(zmq::buffer(reply), zmq::send_flags::none);
    }
  }

  std::string answer(std::string_view frame) {
    std::string why;
    auto request = decode_switch_request(frame, &why);
    if (!request) {
      SwitchReply error;
      error.kind = SwitchReplyKind::error;
      error.reason = "malformed_request";
      return encode_switch_reply(error);
    }
    auto seen = replies_.find(request->request_key);
    if (seen != replies_.end()) {
      if (fault_ != Fault::duplicate_differs) return seen->second;
      auto altered = decode_switch_reply(seen->second, &why);  // Catch2 is not for this thread
      if (!altered) return seen->second;
      altered->sequence += 1000;
      return encode_switch_reply(*altered);
    }
    SwitchReply reply;
    reply.request_key = request->request_key;
    reply.sequence = ++sequence_;
    std::visit([&](const auto& body) { decide(body, reply); }, request->body);
    std::string bytes = encode_switch_reply(reply);
    replies_[request->request_key] = bytes;
    return bytes;
  }

  const Rate* rate_for(const std::string& account, const std::string& callee, std::string& reason) {
    if (!wallets_.count(account)) {
      reason = "account_not_found";
      return nullptr;
    }
    const Rate* rate = table_.lookup(callee);
    if (!rate) reason = "no_rate_for_destination";
    return rate;
  }

  void bill(Wallet& wallet, std::int64_t released, SwitchReply& reply) {
    const std::int64_t wallet_units = wallet.balance + released;
    const std::int64_t debit = std::min(reply.cost_units, wallet_units);
    reply.arrears_units = reply.cost_units - debit;
    wallet.balance = wallet_units - debit;
    wallet.held -= released;
    reply.balance_units = wallet.balance + wallet.held;
  }

  void decide(const AuthorizeCall& c, SwitchReply& reply) {
    reply.kind = SwitchReplyKind::authorize;
    const Rate* rate = rate_for(c.account, c.callee, reply.reason);
    if (!rate) return;
    if (holds_.count(c.call_id) || settled_.count(c.call_id)) {
      reply.reason = "call_already_authorized";
      return;
    }
    Wallet& wallet = wallets_[c.account];
    const CallRate call_rate = call_rate_of(*rate);
    const std::int64_t granted = affordable_seconds(call_rate, wallet.balance, std::min<std::int64_t>(c.requested_seconds, 7200));
    const std::int64_t hold = std::max<std::int64_t>(call_cost_units(call_rate, granted * 1000), 1);
    if (granted == 0 || hold > wallet.balance) {
      reply.reason = "insufficient_balance";
      return;
    }
    wallet.balance -= hold;
    wallet.held += hold;
    holds_[c.call_id] = Hold{c.account, granted, hold, call_rate};
    reply.granted_seconds = granted;
    reply.hold_id = ++hold_ids_;
    reply.hold_units = hold;
  }

  void decide(const SettleCall& c, SwitchReply& reply) {
    reply.kind = SwitchReplyKind::settle;
    auto it = holds_.find(c.call_id);
    if (it == holds_.end()) {
      reply.reason = settled_.count(c.call_id) ? "call_already_settled" : "call_not_authorized";
      return;
    }
    const Hold hold = it->second;
    holds_.erase(it);
    settled_.insert(c.call_id);
    reply.billed_seconds = billed_seconds(c.billed_duration_ms, hold.rate.first_block_seconds, hold.rate.next_block_seconds);
    reply.cost_units = call_cost_units(hold.rate, c.billed_duration_ms);
    if (fault_ == Fault::wrong_cost) reply.cost_units += 1;
    reply.over_grant = c.billed_duration_ms > hold.granted_seconds * 1000;
    bill(wallets_[hold.account], hold.units, reply);
  }

  void decide(const RecordCall& c, SwitchReply& reply) {
    reply.kind = SwitchReplyKind::record;
    const Rate* rate = rate_for(c.account, c.callee, reply.reason);
    if (!rate) return;
    if (holds_.count(c.call_id) || settled_.count(c.call_id)) {
      reply.reason = "call_already_settled";
      return;
    }
    settled_.insert(c.call_id);
    reply.billed_seconds = billed_seconds(c.duration_ms, rate->first_block_seconds, rate->next_block_seconds);
    reply.cost_units = call_cost_units(*rate, c.duration_ms);
    bill(wallets_[c.account], 0, reply);
  }

  Fault fault_;
  std::size_t accounts_;
  std::int64_t initial_units_;
  PrefixTable table_;
  std::map<std::string, Wallet> wallets_;
  std::map<std::string, Hold> holds_;
  std::set<std::string> settled_;
  std::map<std::string, std::string> replies_;
  std::uint64_t sequence_ = 0, hold_ids_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> requests_{0};
  std::string endpoint_;
  std::thread thread_;
};

// ---- a fake daemon for the control socket --------------------------------------

class FakeControlDaemon {
 public:
  explicit FakeControlDaemon(const std::filesystem::path& dir) {
    std::promise<void> bound;
    auto ready = bound.get_future();
    thread_ = std::thread([this, &bound, endpoint = "ipc://" + (dir / "control.sock").string()] {
      serve(bound, endpoint);
    });
    ready.get();
  }
  ~FakeControlDaemon() {
    stop_ = true;
    thread_.join();
  }
  FakeControlDaemon(const FakeControlDaemon&) = delete;
  FakeControlDaemon& operator=(const FakeControlDaemon&) = delete;

  std::vector<std::vector<std::string>> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::string plan_seen() const {
    std::lock_guard lock(mutex_);
    return plan_;
  }
  unsigned plan_mode() const { return plan_mode_; }

 private:
  void serve(std::promise<void>& bound, const std::string& endpoint) {
    zmq::context_t context(1);
    zmq::socket_t router(context, zmq::socket_type::router);
    router.set(zmq::sockopt::linger, 0);
    router.bind(endpoint);
    bound.set_value();
    while (!stop_) {
      zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 1, std::chrono::milliseconds(20));
      if (!(items[0].revents & ZMQ_POLLIN)) continue;
      zmq::message_t id, frame;
      if (!router.recv(id, zmq::recv_flags::dontwait)) continue;
      if (!id.more() || !router.recv(frame, zmq::recv_flags::none)) continue;
      std::string why;
      auto request = decode_control_request(frame.to_string_view(), &why);
      ControlReply reply;
      if (!request) {
        reply.exit_code = 2;
        reply.err = why;
      } else {
        reply = run(request->args);
        std::lock_guard lock(mutex_);
        requests_.push_back(request->args);
      }
      const std::string bytes = encode_control_reply(reply);
      router.send(id, zmq::send_flags::sndmore);
      router.send(zmq::buffer(bytes), zmq::send_flags::none);
    }
  }

  ControlReply run(const std::vector<std::string>& args) {
    ControlReply reply;
    if (args.size() == 4 && args[0] == "rates" && args[1] == "import") {
      std::ifstream in(args[3]);
      std::stringstream text;
      text << in.rdbuf();
      struct stat st {};
      if (::stat(args[3].c_str(), &st) == 0) plan_mode_ = st.st_mode & 0777;
      std::lock_guard lock(mutex_);
      plan_ = text.str();
      std::string why;
      if (!parse_rate_csv(plan_, &why)) {
        reply.exit_code = 2;
        reply.err = why;
      }
      reply.out = "imported\n";
      return reply;
    }
    if (args.size() >= 3 && args[0] == "account" && args[1] == "open") {
      // Odd accounts were opened by an earlier run with the same key.
      const bool earlier = (args[2].back() - '0') % 2 == 1;
      reply.out = earlier ? "already done with key sim-open-" + args[2] + " (nothing changed)\n" : "opened\n";
      return reply;
    }
    reply.exit_code = 2;
    reply.err = "unknown verb";
    return reply;
  }

  mutable std::mutex mutex_;
  std::vector<std::vector<std::string>> requests_;
  std::string plan_;
  std::atomic<unsigned> plan_mode_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// ---- helpers -----------------------------------------------------------------------

SimOptions small_run(const std::string& endpoint) {
  SimOptions o;
  o.endpoint = endpoint;
  o.rate_calls_per_second = 300;
  o.duration_seconds = 1.0;
  o.accounts = 20;
  o.concurrency = 50;
  o.duplicates_percent = 10;
  o.record_percent = 10;
  o.unanswered_percent = 10;
  o.overrun_percent = 10;
  o.talk_ms_max = 5;
  o.reply_timeout_seconds = 2;
  o.seed = 7;
  o.json = true;
  return o;
}

struct Outcome {
  int code = 0;
  nlohmann::json report;
  std::string out, err;
};

Outcome simulate(const SimOptions& options) {
  std::ostringstream out, err;
  Outcome outcome;
  outcome.code = run_switch_sim(options, out, err);
  outcome.out = out.str();
  outcome.err = err.str();
  if (options.json && !outcome.out.empty()) outcome.report = nlohmann::json::parse(outcome.out);
  return outcome;
}

// An endpoint nobody listens on: a port the kernel just handed out and took back.
std::string closed_endpoint() {
  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::router);
  socket.set(zmq::sockopt::linger, 0);
  socket.bind("tcp://127.0.0.1:0");
  std::string endpoint = socket.get(zmq::sockopt::last_endpoint);
  socket.close();
  return endpoint;
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string name = (std::filesystem::temp_directory_path() / "huawu-sim-test-XXXXXX").string();
    REQUIRE(::mkdtemp(name.data()) != nullptr);
    path = name;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

// ---- tests ---------------------------------------------------------------------------

TEST_CASE("the simulator's rate plan parses and is realistic") {
  std::string why;
  auto rates = parse_rate_csv(cli::sim_rate_plan_csv(), &why);
  INFO(why);
  REQUIRE(rates);
  CHECK(rates->size() >= 20);
  std::set<std::pair<std::uint32_t, std::uint32_t>> blocks;
  std::set<std::string> prefixes;
  bool connect_fee = false;
  for (const auto& rate : *rates) {
    blocks.insert({rate.first_block_seconds, rate.next_block_seconds});
    prefixes.insert(rate.prefix);
    connect_fee = connect_fee || rate.connect_fee_units > 0;
  }
  CHECK(prefixes.size() == rates->size());
  CHECK(blocks.count({60, 60}) == 1);
  CHECK(blocks.count({6, 6}) == 1);
  CHECK(blocks.count({30, 6}) == 1);
  CHECK(connect_fee);
  CHECK(prefixes.count("86138") == 1);
  CHECK(prefixes.count("8610") == 1);
  CHECK(prefixes.count("852") == 1);
  // The simulator's unrated numbers start 999: no prefix may match them.
  PrefixTable table;
  for (const auto& rate : *rates) table.insert(rate);
  CHECK(table.lookup("999123456789") == nullptr);
  CHECK(table.lookup("8613812345678")->prefix == "86138");
}

TEST_CASE("a run against a correct daemon counts everything and sees no anomaly") {
  // Small wallets (1 yuan) on 18 of the 20 accounts: refusals, over-grant
  // arrears and unknown accounts all happen, and none is an anomaly.
  FakeSwitchDaemon daemon(Fault::none, 18, 10000);
  const auto started = std::chrono::steady_clock::now();
  const Outcome run = simulate(small_run(daemon.endpoint()));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  INFO(run.out << run.err);
  CHECK(run.code == 0);
  const auto& r = run.report;
  CHECK(r["anomalies"] == 0);
  CHECK(r["calls_started"].get<int>() > 150);
  CHECK(r["calls_started"].get<int>() < 600);
  CHECK(r["authorize"]["accepted"].get<int>() > 0);
  CHECK(r["authorize"]["refused_by_reason"].contains("account_not_found"));
  CHECK(r["authorize"]["refused_by_reason"].contains("insufficient_balance"));
  CHECK(r["settle"]["settled"] == r["authorize"]["accepted"]);
  CHECK(r["settle"]["refused"] == 0);
  CHECK(r["settle"]["over_grant"].get<int>() > 0);
  CHECK(r["settle"]["with_arrears"].get<int>() > 0);
  CHECK(r["arrears_units"].get<std::int64_t>() > 0);
  CHECK(r["settle"]["unanswered"].get<int>() > 0);
  CHECK(r["record"]["recorded"].get<int>() > 0);
  CHECK(r["duplicates"]["sent"].get<int>() > 0);
  CHECK(r["duplicates"]["matched"] == r["duplicates"]["sent"]);
  CHECK(r["timeouts"] == 0);
  CHECK(r["requests_sent"] == r["replies_received"]);
  CHECK(r["requests_sent"].get<std::uint64_t>() == daemon.requests());
  CHECK(r["latency"]["authorize"]["count"] == r["authorize"]["sent"]);
  CHECK(r["latency"]["settle"]["p99_us"].get<std::int64_t>() >= r["latency"]["settle"]["p50_us"].get<std::int64_t>());
  CHECK(r["billed_cost_units"].get<std::int64_t>() > 0);
  CHECK(r["requests_per_second"].get<double>() > 0);
  CHECK(r["setup"]["ran"] == false);
  CHECK(seconds < 3);
}

TEST_CASE("the text report names every figure") {
  FakeSwitchDaemon daemon(Fault::none, 20, 10'000'000);
  SimOptions options = small_run(daemon.endpoint());
  options.duration_seconds = 0.3;
  options.json = false;
  const Outcome run = simulate(options);
  INFO(run.out << run.err);
  CHECK(run.code == 0);
  for (const char* line : {"wall time: ", "calls started: ", "authorize: ", "settle: ", "record: ", "duplicates: ",
                           "requests/s", "latency authorize: p50 ", "latency settle: p50 ", "billed: ",
                           "anomalies: 0"})
    CHECK(run.out.find(line) != std::string::npos);
}

TEST_CASE("a retransmission answered differently is an anomaly") {
  FakeSwitchDaemon daemon(Fault::duplicate_differs, 20, 10'000'000);
  SimOptions options = small_run(daemon.endpoint());
  options.duration_seconds = 0.5;
  options.duplicates_percent = 30;
  const Outcome run = simulate(options);
  INFO(run.out << run.err);
  CHECK(run.code == 1);
  CHECK(run.report["anomalies_by_kind"]["duplicate_mismatch"].get<int>() > 0);
  CHECK(run.report["duplicates"]["matched"] == 0);
  CHECK(run.out.find("sequence") != std::string::npos);  // the example names the field
}

TEST_CASE("a wrong cost is an anomaly") {
  FakeSwitchDaemon daemon(Fault::wrong_cost, 20, 10'000'000);
  SimOptions options = small_run(daemon.endpoint());
  options.duration_seconds = 0.5;
  const Outcome run = simulate(options);
  INFO(run.out << run.err);
  CHECK(run.code == 1);
  CHECK(run.report["anomalies_by_kind"]["cost_mismatch"].get<int>() > 0);

  SECTION("not checked when the accounts are on another plan") {
    options.own_plan = false;
    const Outcome unchecked = simulate(options);
    INFO(unchecked.out);
    CHECK(unchecked.code == 0);
  }
}

TEST_CASE("requests not answered within the timeout are anomalies") {
  FakeSwitchDaemon daemon(Fault::silent, 20, 10'000'000);
  SimOptions options = small_run(daemon.endpoint());
  options.rate_calls_per_second = 50;
  options.duration_seconds = 0.2;
  options.reply_timeout_seconds = 0.3;
  const auto started = std::chrono::steady_clock::now();
  const Outcome run = simulate(options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  INFO(run.out << run.err);
  CHECK(run.code == 1);
  CHECK(run.report["timeouts"].get<int>() > 0);
  CHECK(run.report["timeouts"] == run.report["calls_started"]);
  CHECK(run.report["anomalies_by_kind"]["reply_timeout"] == run.report["timeouts"]);
  CHECK(seconds < 2);
}

TEST_CASE("an unreachable daemon exits 3") {
  SimOptions options = small_run(closed_endpoint());
  options.reply_timeout_seconds = 0.3;
  const Outcome run = simulate(options);
  CHECK(run.code == 3);
  CHECK(run.err.find("cannot reach") != std::string::npos);
  CHECK(run.out.empty());
}

TEST_CASE("bad options exit 2 before anything is sent") {
  SimOptions good = small_run("tcp://127.0.0.1:1");
  auto code_of = [](const SimOptions& o) {
    std::ostringstream out, err;
    const int code = run_switch_sim(o, out, err);
    INFO(err.str());
    CHECK(!err.str().empty());
    return code;
  };
  SimOptions o = good;
  o.rate_calls_per_second = 0;
  CHECK(code_of(o) == 2);
  o = good;
  o.accounts = 0;
  CHECK(code_of(o) == 2);
  o = good;
  o.duplicates_percent = 150;
  CHECK(code_of(o) == 2);
  o = good;
  o.unanswered_percent = 60;
  o.overrun_percent = 50;
  CHECK(code_of(o) == 2);
  o = good;
  o.account_prefix = "bad prefix ";
  CHECK(code_of(o) == 2);
  o = good;
  o.switch_id = "";
  CHECK(code_of(o) == 2);
  o = good;
  o.reply_timeout_seconds = 0;
  CHECK(code_of(o) == 2);
  o = good;
  o.setup = true;  // no data directory
  CHECK(code_of(o) == 2);
  o = good;
  o.setup = true;
  o.data_dir = "/tmp";
  o.initial_yuan = "1e3";
  CHECK(code_of(o) == 2);
  o = good;
  o.endpoint = "nonsense";
  CHECK(code_of(o) == 2);
}

TEST_CASE("setup imports the plan and opens the accounts through the control socket") {
  TempDir dir;
  FakeControlDaemon control(dir.path);
  FakeSwitchDaemon daemon(Fault::none, 5, 10'000'000);
  SimOptions options = small_run(daemon.endpoint());
  options.setup = true;
  options.data_dir = dir.path.string();
  options.accounts = 5;
  options.initial_yuan = "12.5";
  options.duration_seconds = 0.2;
  const Outcome run = simulate(options);
  INFO(run.out << run.err);
  CHECK(run.code == 0);
  CHECK(run.report["setup"]["ran"] == true);
  CHECK(run.report["setup"]["accounts_opened"] == 2);
  CHECK(run.report["setup"]["accounts_existing"] == 3);

  const auto requests = control.requests();
  REQUIRE(requests.size() == 6);
  REQUIRE(requests[0].size() == 4);
  CHECK(requests[0][0] == "rates");
  CHECK(requests[0][2] == "sim");
  CHECK(std::filesystem::path(requests[0][3]).is_absolute());
  CHECK(!std::filesystem::exists(requests[0][3]));  // removed after the import
  CHECK(control.plan_seen() == cli::sim_rate_plan_csv());
  CHECK(control.plan_mode() == 0600);
  std::set<std::string> opened;
  for (std::size_t i = 1; i < requests.size(); ++i) {
    const auto& args = requests[i];
    REQUIRE(args.size() == 9);
    CHECK(args[0] == "account");
    CHECK(args[1] == "open");
    CHECK(args[3] == "--initial");
    CHECK(args[4] == "12.5");
    CHECK(args[6] == "sim");
    CHECK(args[7] == "--key");
    CHECK(args[8] == "sim-open-" + args[2]);
    opened.insert(args[2]);
  }
  CHECK(opened == std::set<std::string>{"sim-00001", "sim-00002", "sim-00003", "sim-00004", "sim-00005"});
}

TEST_CASE("setup without a daemon exits 3") {
  TempDir dir;
  SimOptions options = small_run("tcp://127.0.0.1:1");
  options.setup = true;
  options.data_dir = dir.path.string();
  options.reply_timeout_seconds = 0.3;
  const Outcome run = simulate(options);
  CHECK(run.code == 3);
  CHECK(run.err.find("control") != std::string::npos);
}

}  // namespace
}  // namespace huawu
