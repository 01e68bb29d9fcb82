// `huawu switch-sim` (cli/switch_sim.h): a softswitch load generator.
//
// Model. One thread, one DEALER socket, one loop around zmq::poll with timers:
//
//  * Calls arrive as a Poisson process (exponential gaps, mean 1/rate) for
//    `duration_seconds`. At most `concurrency` calls are in progress; an
//    arrival that finds no free slot waits for one (counted as delayed) and
//    the later arrivals keep their schedule, so the average start rate is
//    kept when the daemon catches up.
//  * A call dials a callee built from a random row of the simulator's plan
//    (prefix + random digits up to a realistic length), or, 3 % of the time, a
//    `999…` number no prefix matches; it is paid by a random account among
//    `accounts` (far fewer accounts than calls, so calls share wallets and run
//    in parallel on one wallet).
//  * `record_percent` of calls are sent only as a CallRecord. The others send
//    Authorize (requested 60..3600 s); a granted call waits 0..talk_ms_max ms
//    of wall time (the call, compressed) and sends Settle with a duration that
//    is exponential with mean 90 s capped at the grant, 0 for an unanswered
//    call, grant + 1..120 s for an overrun.
//  * `duplicates_percent` of requests are sent a second time with the same
//    key 0..5 ms later (a retransmission); both replies must be equal.
//
// Every reply is checked (cli/switch_sim.h lists the anomaly kinds); a reply not received within `reply_timeout_seconds` is an
// anomaly. After the start phase the simulator drains: it waits for every
// outstanding reply (bounded by the timeout) before printing the report.
#include "cli/switch_sim.h"

#include "cli/daemon_client.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <charconv>
#include <deque>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <queue>
#include <random>
#include <sstream>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <zmq.hpp>

#include "events/control_codec.h"
#include "events/ids.h"
#include "events/money.h"
#include "events/switch_codec.h"
#include "ledger/rate_csv.h"
#include "ledger/rating.h"
#include "projections/rate_table.h"

namespace huawu::cli {

namespace {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

constexpr int exit_ok = 0;
constexpr int exit_anomaly = 1;
constexpr int exit_bad_options = 2;
constexpr int exit_unreachable = 3;

constexpr double retransmit_delay_ms_max = 5;
constexpr double mean_call_seconds = 90;
constexpr std::int64_t requested_seconds_min = 60;
constexpr std::int64_t requested_seconds_max = 3600;
constexpr std::int64_t record_duration_seconds_max = 3600;
constexpr double unmatched_callee_percent = 3;
constexpr std::size_t setup_in_flight_max = 64;
constexpr std::uint32_t cause_normal_clearing = 16;
constexpr std::uint32_t cause_no_answer = 19;

// ---- the plan ---------------------------------------------------------------

struct PlanRow {
  const char* prefix;
  const char* description;
  const char* price_fen;
  const char* connect_fen;
  int first_block;
  int next_block;
  int digits;  // total length of a number dialled on this prefix
  int weight;  // how often the simulator dials it
};

// Chinese mobile (by operator number block), fixed (by area code) and a few
// international destinations, with the catch-alls "861" and "86".
constexpr PlanRow plan_rows[] = {
    {"86130", "China Unicom 130", "6", "0", 60, 60, 13, 10},
    {"86131", "China Unicom 131", "6", "0", 60, 60, 13, 10},
    {"86132", "China Unicom 132", "6", "0", 60, 60, 13, 10},
    {"86133", "China Telecom 133", "6", "0", 60, 60, 13, 10},
    {"86134", "China Mobile 134", "7.5", "0", 60, 60, 13, 10},
    {"86135", "China Mobile 135", "7.5", "0", 60, 60, 13, 10},
    {"86136", "China Mobile 136", "7.5", "0", 60, 60, 13, 10},
    {"86137", "China Mobile 137", "7.5", "0", 60, 60, 13, 10},
    {"86138", "China Mobile 138", "7.5", "0", 60, 60, 13, 10},
    {"86139", "China Mobile 139", "7.5", "0", 60, 60, 13, 10},
    {"86150", "China Mobile 150", "7.5", "0", 60, 60, 13, 10},
    {"86151", "China Mobile 151", "7.5", "0", 60, 60, 13, 10},
    {"86152", "China Mobile 152", "7.5", "0", 60, 60, 13, 10},
    {"86153", "China Telecom 153", "6", "0", 60, 60, 13, 10},
    {"86155", "China Unicom 155", "6", "0", 60, 60, 13, 10},
    {"86156", "China Unicom 156", "6", "0", 60, 60, 13, 10},
    {"86157", "China Mobile 157", "7.5", "0", 60, 60, 13, 10},
    {"86158", "China Mobile 158", "7.5", "0", 60, 60, 13, 10},
    {"86159", "China Mobile 159", "7.5", "0", 60, 60, 13, 10},
    {"86166", "China Unicom 166", "6", "0", 60, 60, 13, 10},
    {"86170", "Virtual network operator 170", "12", "0", 6, 6, 13, 4},
    {"86171", "Virtual network operator 171", "12", "0", 6, 6, 13, 4},
    {"86173", "China Telecom 173", "6", "0", 60, 60, 13, 10},
    {"86176", "China Unicom 176", "6", "0", 60, 60, 13, 10},
    {"86177", "China Telecom 177", "6", "0", 60, 60, 13, 10},
    {"86180", "China Telecom 180", "6", "0", 60, 60, 13, 10},
    {"86181", "China Telecom 181", "6", "0", 60, 60, 13, 10},
    {"86182", "China Mobile 182", "7.5", "0", 60, 60, 13, 10},
    {"86183", "China Mobile 183", "7.5", "0", 60, 60, 13, 10},
    {"86184", "China Mobile 184", "7.5", "0", 60, 60, 13, 10},
    {"86185", "China Unicom 185", "6", "0", 60, 60, 13, 10},
    {"86186", "China Unicom 186", "6", "0", 60, 60, 13, 10},
    {"86187", "China Mobile 187", "7.5", "0", 60, 60, 13, 10},
    {"86188", "China Mobile 188", "7.5", "0", 60, 60, 13, 10},
    {"86189", "China Telecom 189", "6", "0", 60, 60, 13, 10},
    {"86198", "China Mobile 198", "7.5", "0", 60, 60, 13, 10},
    {"86199", "China Telecom 199", "6", "0", 60, 60, 13, 10},
    {"861", "China mobile, other blocks", "9.9", "0", 60, 60, 13, 5},
    {"8610", "Beijing fixed", "4.5", "0", 30, 6, 12, 6},
    {"8620", "Guangzhou fixed", "4.5", "0", 30, 6, 12, 6},
    {"8621", "Shanghai fixed", "4.5", "0", 30, 6, 12, 6},
    {"8622", "Tianjin fixed", "4.5", "0", 30, 6, 12, 4},
    {"8623", "Chongqing fixed", "4.5", "0", 30, 6, 12, 4},
    {"8624", "Shenyang fixed", "4.5", "0", 30, 6, 12, 3},
    {"8625", "Nanjing fixed", "4.5", "0", 30, 6, 12, 4},
    {"8627", "Wuhan fixed", "4.5", "0", 30, 6, 12, 4},
    {"8628", "Chengdu fixed", "4.5", "0", 30, 6, 12, 4},
    {"8629", "Xian fixed", "4.5", "0", 30, 6, 12, 3},
    {"86571", "Hangzhou fixed", "4.5", "0", 30, 6, 13, 4},
    {"86755", "Shenzhen fixed", "4.5", "0", 30, 6, 13, 6},
    {"86", "China fixed, other areas", "6", "0", 60, 60, 12, 5},
    {"852", "Hong Kong", "19", "0", 6, 6, 11, 4},
    {"853", "Macau", "19", "0", 6, 6, 11, 2},
    {"886", "Taiwan", "29", "0", 6, 6, 12, 3},
    {"1", "United States and Canada", "15", "0", 6, 6, 11, 4},
    {"44", "United Kingdom fixed", "25", "10", 30, 6, 12, 2},
    {"447", "United Kingdom mobile", "45", "10", 30, 6, 12, 2},
    {"81", "Japan", "35", "10", 30, 6, 12, 3},
    {"82", "South Korea", "30", "10", 30, 6, 12, 2},
    {"65", "Singapore", "20", "0", 30, 6, 10, 2},
    {"61", "Australia", "28", "10", 30, 6, 11, 2},
    {"49", "Germany", "28", "10", 30, 6, 12, 2},
    {"33", "France", "28", "10", 30, 6, 11, 1},
    {"7", "Russia and Kazakhstan", "45", "20", 60, 60, 11, 1},
    {"971", "United Arab Emirates", "89", "20", 60, 60, 12, 1},
    {"60", "Malaysia", "25", "0", 30, 6, 11, 2},
    {"66", "Thailand", "30", "0", 30, 6, 11, 1},
    {"84", "Vietnam", "48.5", "0", 30, 6, 11, 1},
    {"91", "India", "32.75", "0", 60, 60, 12, 1},
    {"234", "Nigeria", "125", "50", 60, 60, 13, 1},
};

// A prefix that matches no row of the plan.
constexpr std::string_view unmatched_prefix = "999";
constexpr int unmatched_digits = 12;

// ---- small helpers ------------------------------------------------------------

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

double seconds_between(TimePoint from, TimePoint to) {
  return std::chrono::duration<double>(to - from).count();
}

Clock::duration from_seconds(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

std::int64_t wall_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string account_name(const std::string& prefix, std::size_t index) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%05zu", index);
  return prefix + digits;
}

bool printable_id(std::string_view id, std::size_t length_max) {
  if (id.empty() || id.size() > length_max) return false;
  for (char c : id)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

bool percent_ok(double p) { return std::isfinite(p) && p >= 0 && p <= 100; }

const char* request_kind_name(int kind) {
  switch (kind) {
    case 0: return "authorize";
    case 1: return "settle";
    default: return "record";
  }
}

const char* reply_kind_name(SwitchReplyKind kind) {
  switch (kind) {
    case SwitchReplyKind::authorize: return "authorize";
    case SwitchReplyKind::settle: return "settle";
    case SwitchReplyKind::record: return "record";
    case SwitchReplyKind::error: return "error";
  }
  return "unknown";
}

// The fields in which two replies differ, for an anomaly's example.
std::string reply_difference(const SwitchReply& a, const SwitchReply& b) {
  std::string out;
  auto field = [&](const char* name, auto x, auto y) {
    if (x == y) return;
    if (!out.empty()) out += ", ";
    std::ostringstream line;
    line << name << ' ' << x << " vs " << y;
    out += line.str();
  };
  field("kind", reply_kind_name(a.kind), reply_kind_name(b.kind));
  field("request_key", a.request_key, b.request_key);
  field("reason", '"' + a.reason + '"', '"' + b.reason + '"');
  field("sequence", a.sequence, b.sequence);
  field("granted_seconds", a.granted_seconds, b.granted_seconds);
  field("hold_id", a.hold_id, b.hold_id);
  field("hold_units", a.hold_units, b.hold_units);
  field("billed_seconds", a.billed_seconds, b.billed_seconds);
  field("cost_units", a.cost_units, b.cost_units);
  field("balance_units", a.balance_units, b.balance_units);
  field("over_grant", a.over_grant, b.over_grant);
  field("arrears_units", a.arrears_units, b.arrears_units);
  return out;
}

SimLatency latency_of(std::vector<double>& samples_us) {
  SimLatency latency;
  latency.count = samples_us.size();
  if (samples_us.empty()) return latency;
  std::sort(samples_us.begin(), samples_us.end());
  auto quantile = [&](double q) {
    const double rank = std::ceil(q * static_cast<double>(samples_us.size()));
    const std::size_t index = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
    return samples_us[std::min(index, samples_us.size() - 1)];
  };
  latency.p50_us = quantile(0.5);
  latency.p99_us = quantile(0.99);
  latency.p999_us = quantile(0.999);
  latency.max_us = samples_us.back();
  return latency;
}

// Waits until `socket` (monitored before it connected) has a connection, or
// the deadline passes. ZeroMQ connects in the background and retries
// forever, so this is the only way to tell "nobody listens" from "slow".
class ConnectWatch {
 public:
  ConnectWatch(zmq::context_t& context, zmq::socket_t& socket, const std::string& name)
      : handle_(socket.handle()), address_("inproc://huawu-switch-sim-monitor-" + name) {
    if (zmq_socket_monitor(handle_, address_.c_str(), ZMQ_EVENT_CONNECTED) != 0)
      throw zmq::error_t();
    pair_ = zmq::socket_t(context, zmq::socket_type::pair);
    pair_.set(zmq::sockopt::linger, 0);
    pair_.connect(address_);
  }
  ~ConnectWatch() { zmq_socket_monitor(handle_, nullptr, 0); }
  ConnectWatch(const ConnectWatch&) = delete;
  ConnectWatch& operator=(const ConnectWatch&) = delete;

  bool wait(TimePoint deadline) {
    for (;;) {
      const auto now = Clock::now();
      if (now >= deadline) return false;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) +
                        std::chrono::milliseconds(1);
      zmq::pollitem_t items[] = {{pair_.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 1, left);
      if (!(items[0].revents & ZMQ_POLLIN)) continue;
      zmq::message_t event;
      if (!pair_.recv(event, zmq::recv_flags::none)) continue;
      std::uint16_t id = 0;
      if (event.size() >= sizeof id) std::memcpy(&id, event.data(), sizeof id);
      while (event.more()) {  // the address frame
        zmq::message_t rest;
        if (!pair_.recv(rest, zmq::recv_flags::none)) break;
        event = std::move(rest);
      }
      if (id == ZMQ_EVENT_CONNECTED) return true;
    }
  }

 private:
  void* handle_;  // the libzmq socket: stays the same when its socket_t is moved
  std::string address_;
  zmq::socket_t pair_;
};

// ---- options --------------------------------------------------------------------

bool options_valid(const SimOptions& o, std::string* why) {
  auto fail = [&](std::string text) {
    *why = std::move(text);
    return false;
  };
  if (o.endpoint.empty()) return fail("endpoint is empty");
  if (!printable_id(o.switch_id, 64)) return fail("switch id must be 1-64 printable characters without spaces");
  if (!std::isfinite(o.rate_calls_per_second) || o.rate_calls_per_second <= 0 ||
      o.rate_calls_per_second > 1e6)
    return fail("rate must be more than 0 and at most 1000000 calls per second");
  if (!std::isfinite(o.duration_seconds) || o.duration_seconds < 0 || o.duration_seconds > 86400)
    return fail("duration must be 0..86400 seconds");
  if (o.accounts < 1 || o.accounts > 99999) return fail("accounts must be 1..99999");
  if (!is_valid_account_id(account_name(o.account_prefix, o.accounts)))
    return fail("account prefix \"" + o.account_prefix + "\" does not make valid account ids");
  if (o.concurrency < 1 || o.concurrency > 1'000'000) return fail("concurrency must be 1..1000000");
  if (!percent_ok(o.duplicates_percent)) return fail("duplicates percent must be 0..100");
  if (!percent_ok(o.record_percent)) return fail("record percent must be 0..100");
  if (!percent_ok(o.unanswered_percent)) return fail("unanswered percent must be 0..100");
  if (!percent_ok(o.overrun_percent)) return fail("overrun percent must be 0..100");
  if (o.unanswered_percent + o.overrun_percent > 100)
    return fail("unanswered and overrun percents add up to more than 100");
  if (!std::isfinite(o.talk_ms_max) || o.talk_ms_max < 0 || o.talk_ms_max > 3'600'000)
    return fail("talk time must be 0..3600000 ms");
  if (!std::isfinite(o.reply_timeout_seconds) || o.reply_timeout_seconds <= 0 ||
      o.reply_timeout_seconds > 3600)
    return fail("reply timeout must be more than 0 and at most 3600 seconds");
  if (o.setup) {
    if (o.data_dir.empty()) return fail("setup needs the data directory (where control.sock is)");
    std::string money_why;
    if (!parse_yuan(o.initial_yuan, &money_why)) return fail("initial balance: " + money_why);
  }
  return true;
}

// ---- setup through the control socket -------------------------------------------

struct TempFile {
  std::string path;
  ~TempFile() {
    if (!path.empty()) ::unlink(path.c_str());
  }
};

bool write_plan_file(TempFile& file, std::string* why) {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
  if (ec) dir = "/tmp";
  dir = std::filesystem::absolute(dir, ec);
  std::string name = (dir / "huawu-sim-plan-XXXXXX.csv").string();
  const int fd = ::mkstemps(name.data(), 4);  // mode 0600
  if (fd < 0) {
    *why = "cannot create a temporary file in " + dir.string();
    return false;
  }
  file.path = name;
  ::fchmod(fd, S_IRUSR | S_IWUSR);
  const std::string csv = sim_rate_plan_csv();
  std::size_t written = 0;
  while (written < csv.size()) {
    const ssize_t n = ::write(fd, csv.data() + written, csv.size() - written);
    if (n <= 0) {
      ::close(fd);
      *why = "cannot write " + name;
      return false;
    }
    written += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return true;
}

// One control request per socket at a time: a ControlReply carries no request
// id, so replies are matched by the socket they come back on.
struct ControlSlot {
  zmq::socket_t socket;
  bool busy = false;
  std::size_t job = 0;
  TimePoint deadline;
};

bool contains(std::string_view text, std::string_view word) {
  return text.find(word) != std::string_view::npos;
}

// Imports the plan and opens the accounts; returns an exit code (0 on success).
int run_setup(const SimOptions& o, zmq::context_t& context, SimReport& report, std::ostream& err) {
  const auto started = Clock::now();
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::absolute(o.data_dir, ec);
  const std::filesystem::path sock = dir / "control.sock";
  if (!std::filesystem::exists(sock, ec)) {
    err << "switch-sim: no daemon control socket at " << sock.string() << " (is `huawu serve` running?)\n";
    return exit_unreachable;
  }
  const std::string endpoint = "ipc://" + sock.string();
  const auto timeout = from_seconds(o.reply_timeout_seconds);

  std::vector<ControlSlot> slots;
  const std::size_t slot_count = std::min(setup_in_flight_max, o.accounts);
  std::optional<ConnectWatch> watch;
  for (std::size_t i = 0; i < slot_count; ++i) {
    ControlSlot slot;
    slot.socket = zmq::socket_t(context, zmq::socket_type::dealer);
    slot.socket.set(zmq::sockopt::linger, 0);
    if (i == 0) watch.emplace(context, slot.socket, "control");
    slot.socket.connect(endpoint);
    slots.push_back(std::move(slot));
  }
  if (!watch->wait(Clock::now() + timeout)) {
    err << "switch-sim: cannot reach the daemon's control socket " << endpoint << " within "
        << fixed(o.reply_timeout_seconds, 1) << " s\n";
    return exit_unreachable;
  }
  watch.reset();

  // Job 0 imports the plan; jobs 1..accounts open the accounts, once it is done.
  TempFile plan_file;
  std::string why;
  if (!write_plan_file(plan_file, &why)) {
    err << "switch-sim: setup: " << why << '\n';
    return exit_anomaly;
  }
  auto args_of = [&](std::size_t job) -> std::vector<std::string> {
    if (job == 0) return {"rates", "import", sim_plan_id, plan_file.path};
    const std::string account = account_name(o.account_prefix, job);
    std::vector<std::string> args{"account", "open", account, "--initial", o.initial_yuan, "--plan", sim_plan_id,
                                  "--key", "sim-open-" + account};
    if (!o.agent.empty()) {
      args.push_back("--agent");
      args.push_back(o.agent);
    }
    return args;
  };
  auto send = [&](ControlSlot& slot, std::size_t job) {
    const std::string frame = encode_control_request(control_request_from_environment(args_of(job), "switch-sim"));
    slot.socket.send(zmq::buffer(frame), zmq::send_flags::none);
    slot.busy = true;
    slot.job = job;
    slot.deadline = Clock::now() + timeout;
  };

  std::vector<std::string> failures;
  std::size_t failed = 0;
  auto fail = [&](std::string text) {
    ++failed;
    if (failures.size() < 5) failures.push_back(std::move(text));
  };
  std::size_t next_job = 0;
  std::size_t busy = 0;
  bool plan_done = false;
  std::vector<zmq::pollitem_t> items(slots.size());
  for (;;) {
    // Hand out work: the import alone first, then the accounts.
    for (auto& slot : slots) {
      if (slot.busy) continue;
      if (next_job == 0 && busy == 0) {
        send(slot, next_job++);
        ++busy;
      } else if (next_job > 0 && plan_done && next_job <= o.accounts && failed == 0) {
        send(slot, next_job++);
        ++busy;
      }
    }
    if (busy == 0) break;
    auto wait = std::chrono::milliseconds(100);
    for (std::size_t i = 0; i < slots.size(); ++i) items[i] = {slots[i].socket.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(items, wait);
    const auto now = Clock::now();
    for (std::size_t i = 0; i < slots.size(); ++i) {
      ControlSlot& slot = slots[i];
      if (!slot.busy) continue;
      const std::string what = slot.job == 0 ? std::string("rates import")
                                             : "account open " + account_name(o.account_prefix, slot.job);
      if (items[i].revents & ZMQ_POLLIN) {
        zmq::message_t message;
        if (!slot.socket.recv(message, zmq::recv_flags::dontwait)) continue;
        slot.busy = false;
        --busy;
        std::string decode_why;
        auto reply = decode_control_reply(message.to_string_view(), &decode_why);
        if (!reply) {
          fail(what + ": unreadable reply: " + decode_why);
        } else if (slot.job == 0) {
          if (reply->exit_code == 0) plan_done = true;
          else fail(what + " exited " + std::to_string(reply->exit_code) + ": " + reply->err + reply->out);
        } else if (reply->exit_code == 0) {
          if (contains(reply->out, "already done")) ++report.setup_accounts_existing;
          else ++report.setup_accounts_opened;
        } else if (reply->exit_code == 1 &&
                   (contains(reply->err + reply->out, "account_exists") ||
                    contains(reply->err + reply->out, "idempotency_key_reused"))) {
          ++report.setup_accounts_existing;  // opened by an earlier run
        } else {
          fail(what + " exited " + std::to_string(reply->exit_code) + ": " + reply->err + reply->out);
        }
      } else if (now >= slot.deadline) {
        // Abandon the socket: a late reply must not be taken for the next job's.
        slot.socket.close();
        slot.socket = zmq::socket_t(context, zmq::socket_type::dealer);
        slot.socket.set(zmq::sockopt::linger, 0);
        slot.socket.connect(endpoint);
        slot.busy = false;
        --busy;
        fail(what + ": no reply within " + fixed(o.reply_timeout_seconds, 1) + " s");
      }
    }
    if (next_job == 1 && busy == 0 && !plan_done) break;  // the import failed
  }
  report.setup_ran = true;
  report.setup_seconds = seconds_between(started, Clock::now());
  if (failed > 0) {
    err << "switch-sim: setup failed (" << failed << " request" << (failed == 1 ? "" : "s") << "):\n";
    for (const auto& f : failures) {
      std::string line = f;
      while (!line.empty() && line.back() == '\n') line.pop_back();
      err << "  " << line << '\n';
    }
    return exit_anomaly;
  }
  return exit_ok;
}

// ---- the simulation ---------------------------------------------------------------

enum class RequestKind : int { authorize = 0, settle = 1, record = 2 };
enum class CallPlan : std::uint8_t { normal, unanswered, overrun };

struct SimCall {
  std::string call_id;
  std::string account;
  std::string callee;
  const Rate* rate = nullptr;  // in the simulator's own plan; null: no prefix matches
  bool record_only = false;
  CallPlan plan = CallPlan::normal;
  std::int64_t requested_seconds = 0;
  std::int64_t granted_seconds = 0;
  std::int64_t duration_ms = 0;
};

struct Pending {
  std::uint64_t call = 0;
  RequestKind kind = RequestKind::authorize;
  std::string frame;  // kept for the retransmission
  TimePoint sent;
  int replies_expected = 1;
  int replies_seen = 0;
  std::optional<SwitchReply> first;
};

struct Timer {
  TimePoint at;
  std::uint64_t order;  // ties in order of scheduling
  bool settle;          // else a retransmission
  std::uint64_t call;
  std::uint64_t request;  // a retransmission's request number
  bool operator>(const Timer& other) const {
    return at != other.at ? at > other.at : order > other.order;
  }
};

class Simulator {
 public:
  Simulator(const SimOptions& options, zmq::socket_t& socket, SimReport& report, bool check_costs)
      : o_(options), socket_(socket), report_(report), check_costs_(check_costs), rng_(options.seed) {
    std::string why;
    auto rates = parse_rate_csv(sim_rate_plan_csv(), &why);
    if (!rates) std::abort();  // the simulator's own plan: a bug, not input
    for (const auto& rate : *rates) table_.insert(rate);
    for (const auto& row : plan_rows) weights_.push_back(row.weight);
    row_pick_ = std::discrete_distribution<std::size_t>(weights_.begin(), weights_.end());
  }

  void run() {
    const auto timeout = from_seconds(o_.reply_timeout_seconds);
    const auto started = Clock::now();
    const auto start_end = started + from_seconds(o_.duration_seconds);
    // The drain cannot take longer than the slowest call: a reply timeout
    // for its authorize, the talk time, the retransmission delay and a reply
    // timeout for its settle.
    const auto hard_end = start_end + 2 * timeout + from_seconds(o_.talk_ms_max / 1000) +
                          from_seconds(retransmit_delay_ms_max / 1000) + std::chrono::seconds(1);
    std::exponential_distribution<double> gap(o_.rate_calls_per_second);
    TimePoint next_arrival = started;
    bool starting = true;
    bool arrival_delayed = false;
    TimePoint start_phase_end = start_end;

    for (;;) {
      auto now = Clock::now();
      if (starting && (now >= start_end || next_arrival >= start_end)) {
        starting = false;
        start_phase_end = std::min(now, start_end);
      }
      while (starting && next_arrival <= now && next_arrival < start_end) {
        if (calls_.size() >= o_.concurrency) {
          if (!arrival_delayed) ++report_.starts_delayed;
          arrival_delayed = true;
          break;
        }
        arrival_delayed = false;
        start_call(now);
        next_arrival += from_seconds(gap(rng_));
      }
      while (!timers_.empty() && timers_.top().at <= now) {
        Timer timer = timers_.top();
        timers_.pop();
        if (timer.settle) send_settle(timer.call, now);
        else retransmit(timer.request);
      }
      while (!deadlines_.empty() && deadlines_.front().first <= now) {
        const std::uint64_t request = deadlines_.front().second;
        deadlines_.pop_front();
        expire(request);
      }
      if (!starting && calls_.empty() && pending_.empty() && timers_.empty()) break;
      if (now >= hard_end) {
        anomaly("drain_incomplete", std::to_string(calls_.size()) + " calls and " +
                                        std::to_string(pending_.size()) + " requests still open");
        break;
      }

      // Sleep until the next thing to do, or a reply.
      TimePoint wake = hard_end;
      if (starting) {
        if (calls_.size() < o_.concurrency) wake = std::min(wake, next_arrival);
        wake = std::min(wake, start_end);
      }
      if (!timers_.empty()) wake = std::min(wake, timers_.top().at);
      if (!deadlines_.empty()) wake = std::min(wake, deadlines_.front().first);
      long wait_ms = 0;
      if (wake > now) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(wake - now);
        wait_ms = static_cast<long>(left.count());
      }
      zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 1, std::chrono::milliseconds(wait_ms));
      if (items[0].revents & ZMQ_POLLIN) receive_all();
    }
    const auto ended = Clock::now();
    report_.wall_seconds = seconds_between(started, ended);
    report_.start_phase_seconds = seconds_between(started, start_phase_end);
    if (report_.wall_seconds > 0) {
      report_.requests_per_second = static_cast<double>(report_.requests_sent) / report_.wall_seconds;
      report_.settled_calls_per_second =
          static_cast<double>(report_.settled + report_.recorded) / report_.wall_seconds;
    }
    report_.authorize_latency = latency_of(latency_us_[0]);
    report_.settle_latency = latency_of(latency_us_[1]);
    report_.record_latency = latency_of(latency_us_[2]);
  }

 private:
  double uniform(double low, double high) { return std::uniform_real_distribution<double>(low, high)(rng_); }
  bool chance(double percent) { return percent > 0 && uniform(0, 100) < percent; }
  std::int64_t uniform_int(std::int64_t low, std::int64_t high) {
    return std::uniform_int_distribution<std::int64_t>(low, high)(rng_);
  }

  std::string random_digits(std::string number, int digits) {
    while (number.size() < static_cast<std::size_t>(digits))
      number.push_back(static_cast<char>('0' + uniform_int(0, 9)));
    return number;
  }

  std::string pick_callee() {
    if (chance(unmatched_callee_percent)) return random_digits(std::string(unmatched_prefix), unmatched_digits);
    const PlanRow& row = plan_rows[row_pick_(rng_)];
    return random_digits(row.prefix, row.digits);
  }

  // A call's duration in ms by its plan; `cap_ms` bounds a normal call.
  std::int64_t duration_ms(CallPlan plan, std::int64_t cap_ms) {
    switch (plan) {
      case CallPlan::unanswered: return 0;
      case CallPlan::overrun: return cap_ms + uniform_int(1, 120) * 1000 + uniform_int(0, 999);
      case CallPlan::normal: break;
    }
    const double seconds = std::exponential_distribution<double>(1 / mean_call_seconds)(rng_);
    const auto ms = static_cast<std::int64_t>(std::llround(std::min(seconds * 1000, 1e12)));
    return std::clamp<std::int64_t>(ms, 1, std::max<std::int64_t>(cap_ms, 1));
  }

  void anomaly(const std::string& kind, const std::string& detail) {
    ++report_.anomalies;
    ++report_.anomalies_by_kind[kind];
    if (report_.anomaly_examples.size() < sim_anomaly_examples_max)
      report_.anomaly_examples.push_back(kind + ": " + detail);
  }

  void start_call(TimePoint now) {
    const std::uint64_t number = ++call_counter_;
    SimCall call;
    call.call_id = run_id() + "-c" + std::to_string(number);
    call.account = account_name(o_.account_prefix,
                                static_cast<std::size_t>(uniform_int(1, static_cast<std::int64_t>(o_.accounts))));
    call.callee = pick_callee();
    call.rate = table_.lookup(call.callee);
    call.record_only = chance(o_.record_percent);
    const double draw = uniform(0, 100);
    call.plan = draw < o_.unanswered_percent                       ? CallPlan::unanswered
                : draw < o_.unanswered_percent + o_.overrun_percent ? CallPlan::overrun
                                                                     : CallPlan::normal;
    if (call.record_only && call.plan == CallPlan::overrun) call.plan = CallPlan::normal;  // no grant to overrun
    const std::string caller = "8620" + std::to_string(30000000 + number % 60000000);
    ++report_.calls_started;
    SwitchRequest request;
    request.switch_id = o_.switch_id;
    RequestKind kind;
    if (call.record_only) {
      call.duration_ms = duration_ms(call.plan, record_duration_seconds_max * 1000);
      const std::int64_t end_us = wall_now_us();
      request.body = RecordCall{call.call_id,
                                call.account,
                                caller,
                                call.callee,
                                call.duration_ms > 0 ? end_us - call.duration_ms * 1000 : 0,
                                call.duration_ms,
                                call.duration_ms > 0 ? cause_normal_clearing : cause_no_answer};
      kind = RequestKind::record;
      ++report_.record_sent;
    } else {
      call.requested_seconds = uniform_int(requested_seconds_min, requested_seconds_max);
      request.body = AuthorizeCall{call.call_id, call.account, caller, call.callee, call.requested_seconds,
                                   wall_now_us()};
      kind = RequestKind::authorize;
      ++report_.authorize_sent;
    }
    calls_.emplace(number, std::move(call));
    send_request(std::move(request), number, kind, now);
  }

  void send_settle(std::uint64_t number, TimePoint now) {
    auto it = calls_.find(number);
    if (it == calls_.end()) return;
    SimCall& call = it->second;
    call.duration_ms = duration_ms(call.plan, call.granted_seconds * 1000);
    const std::int64_t end_us = wall_now_us();
    SwitchRequest request;
    request.switch_id = o_.switch_id;
    request.body = SettleCall{call.call_id, call.duration_ms > 0 ? end_us - call.duration_ms * 1000 : 0,
                              call.duration_ms, call.duration_ms > 0 ? cause_normal_clearing : cause_no_answer};
    ++report_.settle_sent;
    send_request(std::move(request), number, RequestKind::settle, now);
  }

  // Request keys are the run id, "-r" and the request's number; the
  // simulator's own books use the number (a hash of a 64-bit integer, not of
  // a string, on every reply).
  std::string request_key_of(std::uint64_t request) const { return run_id() + "-r" + std::to_string(request); }
  std::optional<std::uint64_t> request_number_of(std::string_view key) const {
    const std::string_view id = run_id();
    if (key.size() <= id.size() + 2 || key.substr(0, id.size()) != id || key.substr(id.size(), 2) != "-r")
      return std::nullopt;
    std::uint64_t number = 0;
    const char* first = key.data() + id.size() + 2;
    const char* last = key.data() + key.size();
    auto [end, error] = std::from_chars(first, last, number);
    if (error != std::errc() || end != last) return std::nullopt;
    return number;
  }

  bool send_frame(const std::string& frame, std::uint64_t request) {
    auto sent = socket_.send(zmq::buffer(frame), zmq::send_flags::dontwait);
    if (!sent) {
      anomaly("send_failed", "request " + request_key_of(request) + ": the socket would block");
      return false;
    }
    ++report_.requests_sent;
    return true;
  }

  void send_request(SwitchRequest request, std::uint64_t call, RequestKind kind, TimePoint now) {
    const std::uint64_t number = ++request_counter_;
    request.request_key = request_key_of(number);
    Pending pending;
    pending.call = call;
    pending.kind = kind;
    pending.frame = encode_switch_request(request);
    pending.sent = now;
    auto deadline = now + from_seconds(o_.reply_timeout_seconds);
    if (chance(o_.duplicates_percent)) {
      pending.replies_expected = 2;
      const auto delay = from_seconds(uniform(0, retransmit_delay_ms_max) / 1000);
      timers_.push(Timer{now + delay, ++timer_counter_, false, call, number});
      deadline += delay;
    }
    if (!send_frame(pending.frame, number)) {
      finish_call(call);
      // A scheduled retransmission finds no pending request and does nothing.
      return;
    }
    pending_.emplace(number, std::move(pending));
    deadlines_.emplace_back(deadline, number);
  }

  void retransmit(std::uint64_t request) {
    auto it = pending_.find(request);
    if (it == pending_.end()) return;
    if (send_frame(it->second.frame, request)) {
      ++report_.duplicates_sent;
    } else {
      --it->second.replies_expected;
      if (it->second.replies_seen >= it->second.replies_expected) pending_.erase(it);
    }
  }

  void expire(std::uint64_t request) {
    auto it = pending_.find(request);
    if (it == pending_.end()) return;
    Pending& p = it->second;
    ++report_.timeouts;
    const bool duplicate = p.first.has_value();
    anomaly("reply_timeout", std::string(request_kind_name(static_cast<int>(p.kind))) + " " + request_key_of(request) +
                                 (duplicate ? ": no reply to the retransmission" : ": no reply") + " within " +
                                 fixed(o_.reply_timeout_seconds, 2) + " s");
    if (!duplicate) finish_call(p.call);
    timed_out_.insert(request);
    pending_.erase(it);
  }

  void finish_call(std::uint64_t number) { calls_.erase(number); }

  void receive_all() {
    for (;;) {
      zmq::message_t message;
      if (!socket_.recv(message, zmq::recv_flags::dontwait)) return;
      const auto now = Clock::now();
      bool multipart = false;
      while (message.more()) {
        zmq::message_t rest;
        if (!socket_.recv(rest, zmq::recv_flags::dontwait)) break;
        multipart = true;
      }
      ++report_.replies_received;
      if (multipart) {
        anomaly("multipart_reply", "a reply of more than one frame");
        continue;
      }
      std::string why;
      auto reply = decode_switch_reply(message.to_string_view(), &why);
      if (!reply) {
        anomaly("undecodable_reply", why);
        continue;
      }
      on_reply(*reply, now);
    }
  }

  void on_reply(const SwitchReply& reply, TimePoint now) {
    if (reply.kind == SwitchReplyKind::error)
      anomaly("error_reply", "reason \"" + reply.reason + "\" for key \"" + reply.request_key + "\"");
    const std::optional<std::uint64_t> number = request_number_of(reply.request_key);
    auto it = number ? pending_.find(*number) : pending_.end();
    if (it == pending_.end()) {
      if (number && timed_out_.count(*number)) ++report_.late_replies;
      else if (reply.kind != SwitchReplyKind::error)
        anomaly("unknown_reply_key", "\"" + reply.request_key + "\" matches no outstanding request");
      return;
    }
    Pending& p = it->second;
    ++p.replies_seen;
    if (p.first) {  // the reply to the retransmission (or to the original, whichever came second)
      if (*p.first == reply) ++report_.duplicates_matched;
      else anomaly("duplicate_mismatch", "key " + reply.request_key + ": " + reply_difference(*p.first, reply));
    } else {
      p.first = reply;
      latency_us_[static_cast<int>(p.kind)].push_back(
          std::chrono::duration<double, std::micro>(now - p.sent).count());
      const std::uint64_t call = p.call;
      const RequestKind kind = p.kind;
      auto c = calls_.find(call);
      if (c != calls_.end()) {
        switch (kind) {
          case RequestKind::authorize: on_authorize(c->second, call, reply, now); break;
          case RequestKind::settle: on_settle(c->second, call, reply); break;
          case RequestKind::record: on_record(c->second, call, reply); break;
        }
      }
      it = pending_.find(*number);  // handlers may have inserted
      if (it == pending_.end()) return;
    }
    if (it->second.replies_seen >= it->second.replies_expected) pending_.erase(it);
  }

  bool kind_is(const SwitchReply& reply, SwitchReplyKind expected, std::uint64_t call) {
    if (reply.kind == expected) return true;
    if (reply.kind != SwitchReplyKind::error)
      anomaly("wrong_kind", std::string("expected ") + reply_kind_name(expected) + ", got " +
                                reply_kind_name(reply.kind) + " for key " + reply.request_key);
    finish_call(call);
    return false;
  }

  void count_refusal(std::map<std::string, std::uint64_t>& by_reason, const SwitchReply& reply) {
    ++by_reason[reply.reason];
  }

  // Checks shared by settle and record replies; `granted_ms` < 0 for a record.
  void check_billing(const SimCall& call, const SwitchReply& reply) {
    if (check_costs_) {
      if (!call.rate) {
        anomaly("accepted_without_rate", "callee " + call.callee + " matches no prefix of the plan, key " +
                                             reply.request_key);
      } else {
        const std::int64_t cost = call_cost_units(*call.rate, call.duration_ms);
        if (reply.cost_units != cost)
          anomaly("cost_mismatch", "key " + reply.request_key + ": " + std::to_string(call.duration_ms) +
                                       " ms to " + call.callee + " (prefix " + call.rate->prefix + ") costs " +
                                       std::to_string(cost) + " units, reply says " +
                                       std::to_string(reply.cost_units));
        const std::int64_t billed =
            billed_seconds(call.duration_ms, call.rate->first_block_seconds, call.rate->next_block_seconds);
        if (reply.billed_seconds != billed)
          anomaly("billed_seconds_mismatch", "key " + reply.request_key + ": expected " + std::to_string(billed) +
                                                 ", reply says " + std::to_string(reply.billed_seconds));
      }
    }
    if (reply.cost_units < 0) anomaly("negative_cost", "key " + reply.request_key);
    if (reply.balance_units < 0)
      anomaly("negative_balance", "key " + reply.request_key + ": balance " + std::to_string(reply.balance_units));
    if (reply.arrears_units < 0 || reply.arrears_units > reply.cost_units)
      anomaly("arrears_out_of_range", "key " + reply.request_key + ": arrears " +
                                          std::to_string(reply.arrears_units) + " of cost " +
                                          std::to_string(reply.cost_units));
    report_.billed_cost_units += reply.cost_units;
    report_.arrears_units += reply.arrears_units;
  }

  void on_authorize(SimCall& call, std::uint64_t number, const SwitchReply& reply, TimePoint now) {
    if (!kind_is(reply, SwitchReplyKind::authorize, number)) return;
    if (!reply.reason.empty()) {
      ++report_.authorize_refused;
      count_refusal(report_.authorize_refused_by_reason, reply);
      if (reply.granted_seconds != 0 || reply.hold_id != 0 || reply.hold_units != 0)
        anomaly("refusal_with_grant", "key " + reply.request_key + " refused \"" + reply.reason +
                                          "\" but granted " + std::to_string(reply.granted_seconds) +
                                          " s, hold " + std::to_string(reply.hold_id));
      if (check_costs_ && call.rate && reply.reason == "no_rate_for_destination")
        anomaly("refused_rated_destination", "callee " + call.callee + " has prefix " + call.rate->prefix);
      finish_call(number);
      return;
    }
    ++report_.authorized;
    if (reply.granted_seconds <= 0 || reply.hold_id == 0 || reply.hold_units <= 0) {
      anomaly("hold_mismatch", "key " + reply.request_key + " accepted with granted " +
                                   std::to_string(reply.granted_seconds) + " s, hold_id " +
                                   std::to_string(reply.hold_id) + ", hold " + std::to_string(reply.hold_units));
      finish_call(number);
      return;
    }
    if (reply.granted_seconds > call.requested_seconds)
      anomaly("grant_exceeds_request", "key " + reply.request_key + ": granted " +
                                           std::to_string(reply.granted_seconds) + " s of " +
                                           std::to_string(call.requested_seconds) + " requested");
    if (check_costs_) {
      if (!call.rate) {
        anomaly("accepted_without_rate", "callee " + call.callee + " matches no prefix of the plan, key " +
                                             reply.request_key);
      } else {
        const std::int64_t hold =
            std::max<std::int64_t>(call_cost_units(*call.rate, reply.granted_seconds * 1000), 1);
        if (reply.hold_units != hold)
          anomaly("hold_units_mismatch", "key " + reply.request_key + ": " +
                                             std::to_string(reply.granted_seconds) + " s to prefix " +
                                             call.rate->prefix + " hold " + std::to_string(hold) +
                                             " units, reply says " + std::to_string(reply.hold_units));
      }
    }
    call.granted_seconds = reply.granted_seconds;
    const auto talk = from_seconds(uniform(0, o_.talk_ms_max) / 1000);
    timers_.push(Timer{now + talk, ++timer_counter_, true, number, 0});
  }

  void on_settle(SimCall& call, std::uint64_t number, const SwitchReply& reply) {
    if (!kind_is(reply, SwitchReplyKind::settle, number)) return;
    if (!reply.reason.empty()) {
      // The simulator settles each authorized call exactly once.
      ++report_.settle_refused;
      count_refusal(report_.settle_refused_by_reason, reply);
      anomaly("settle_refused", "key " + reply.request_key + " (call " + call.call_id + "): " + reply.reason);
      finish_call(number);
      return;
    }
    ++report_.settled;
    if (call.duration_ms == 0) ++report_.settled_unanswered;
    const bool over = call.duration_ms > call.granted_seconds * 1000;
    if (reply.over_grant != over)
      anomaly("over_grant_mismatch", "key " + reply.request_key + ": " + std::to_string(call.duration_ms) +
                                         " ms on a grant of " + std::to_string(call.granted_seconds) +
                                         " s, reply over_grant=" + (reply.over_grant ? "true" : "false"));
    if (reply.over_grant) ++report_.settled_over_grant;
    if (reply.arrears_units > 0) {
      ++report_.settled_with_arrears;
      if (!reply.over_grant)
        anomaly("arrears_without_over_grant", "key " + reply.request_key + ": arrears " +
                                                  std::to_string(reply.arrears_units));
    }
    check_billing(call, reply);
    finish_call(number);
  }

  void on_record(SimCall& call, std::uint64_t number, const SwitchReply& reply) {
    if (!kind_is(reply, SwitchReplyKind::record, number)) return;
    if (!reply.reason.empty()) {
      ++report_.record_refused;
      count_refusal(report_.record_refused_by_reason, reply);
      if (check_costs_ && call.rate && reply.reason == "no_rate_for_destination")
        anomaly("refused_rated_destination", "callee " + call.callee + " has prefix " + call.rate->prefix);
      finish_call(number);
      return;
    }
    ++report_.recorded;
    if (reply.over_grant) anomaly("over_grant_mismatch", "key " + reply.request_key + ": a call record has no grant");
    check_billing(call, reply);
    finish_call(number);
  }

  const std::string& run_id() const { return report_.run_id; }

  const SimOptions& o_;
  zmq::socket_t& socket_;
  SimReport& report_;
  bool check_costs_;
  std::mt19937_64 rng_;
  PrefixTable table_;
  std::vector<int> weights_;
  std::discrete_distribution<std::size_t> row_pick_;

  std::uint64_t call_counter_ = 0, request_counter_ = 0, timer_counter_ = 0;
  std::unordered_map<std::uint64_t, SimCall> calls_;  // in progress
  std::unordered_map<std::uint64_t, Pending> pending_;  // by request number
  std::unordered_set<std::uint64_t> timed_out_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  std::deque<std::pair<TimePoint, std::uint64_t>> deadlines_;  // request numbers, in send order
  std::vector<double> latency_us_[3];
};

// ---- the report -----------------------------------------------------------------

nlohmann::json latency_json(const SimLatency& l) {
  return {{"count", l.count},
          {"p50_us", std::llround(l.p50_us)},
          {"p99_us", std::llround(l.p99_us)},
          {"p99_9_us", std::llround(l.p999_us)},
          {"max_us", std::llround(l.max_us)}};
}

nlohmann::json report_json(const SimOptions& o, const SimReport& r) {
  nlohmann::json j;
  j["switch_id"] = o.switch_id;
  j["endpoint"] = o.endpoint;
  j["run_id"] = r.run_id;
  j["setup"] = {{"ran", r.setup_ran},
                {"seconds", r.setup_seconds},
                {"accounts_opened", r.setup_accounts_opened},
                {"accounts_existing", r.setup_accounts_existing}};
  j["wall_seconds"] = r.wall_seconds;
  j["start_phase_seconds"] = r.start_phase_seconds;
  j["calls_started"] = r.calls_started;
  j["starts_delayed"] = r.starts_delayed;
  j["requests_sent"] = r.requests_sent;
  j["replies_received"] = r.replies_received;
  j["late_replies"] = r.late_replies;
  j["authorize"] = {{"sent", r.authorize_sent},
                    {"accepted", r.authorized},
                    {"refused", r.authorize_refused},
                    {"refused_by_reason", r.authorize_refused_by_reason}};
  j["settle"] = {{"sent", r.settle_sent},
                 {"settled", r.settled},
                 {"refused", r.settle_refused},
                 {"refused_by_reason", r.settle_refused_by_reason},
                 {"unanswered", r.settled_unanswered},
                 {"over_grant", r.settled_over_grant},
                 {"with_arrears", r.settled_with_arrears}};
  j["record"] = {{"sent", r.record_sent},
                 {"recorded", r.recorded},
                 {"refused", r.record_refused},
                 {"refused_by_reason", r.record_refused_by_reason}};
  j["duplicates"] = {{"sent", r.duplicates_sent}, {"matched", r.duplicates_matched}};
  j["timeouts"] = r.timeouts;
  j["requests_per_second"] = r.requests_per_second;
  j["settled_calls_per_second"] = r.settled_calls_per_second;
  j["latency"] = {{"authorize", latency_json(r.authorize_latency)},
                  {"settle", latency_json(r.settle_latency)},
                  {"record", latency_json(r.record_latency)}};
  j["billed_cost_units"] = r.billed_cost_units;
  j["billed_cost"] = format_yuan(r.billed_cost_units);
  j["arrears_units"] = r.arrears_units;
  j["arrears"] = format_yuan(r.arrears_units);
  j["anomalies"] = r.anomalies;
  j["anomalies_by_kind"] = r.anomalies_by_kind;
  j["anomaly_examples"] = r.anomaly_examples;
  return j;
}

std::string reasons_text(const std::map<std::string, std::uint64_t>& by_reason) {
  if (by_reason.empty()) return "";
  std::string out = " (";
  bool first = true;
  for (const auto& [reason, count] : by_reason) {
    if (!first) out += ", ";
    first = false;
    out += (reason.empty() ? std::string("?") : reason) + " " + std::to_string(count);
  }
  return out + ")";
}

std::string latency_text(const SimLatency& l) {
  if (l.count == 0) return "no replies";
  return "p50 " + fixed(l.p50_us / 1000, 2) + " ms, p99 " + fixed(l.p99_us / 1000, 2) + " ms, p99.9 " +
         fixed(l.p999_us / 1000, 2) + " ms, max " + fixed(l.max_us / 1000, 2) + " ms (" +
         std::to_string(l.count) + " replies)";
}

void print_text(std::ostream& out, const SimOptions& o, const SimReport& r) {
  out << "switch-sim " << o.switch_id << " -> " << o.endpoint << " (run " << r.run_id << ")\n";
  if (r.setup_ran)
    out << "setup: plan " << sim_plan_id << " imported, accounts " << r.setup_accounts_opened << " opened + "
        << r.setup_accounts_existing << " already open, in " << fixed(r.setup_seconds, 2) << " s\n";
  out << "wall time: " << fixed(r.wall_seconds, 2) << " s (starting calls " << fixed(r.start_phase_seconds, 2)
      << " s, drain " << fixed(r.wall_seconds - r.start_phase_seconds, 2) << " s)\n";
  out << "calls started: " << r.calls_started << " (delayed by the concurrency limit: " << r.starts_delayed
      << ")\n";
  out << "authorize: " << r.authorize_sent << " sent, " << r.authorized << " accepted, " << r.authorize_refused
      << " refused" << reasons_text(r.authorize_refused_by_reason) << '\n';
  out << "settle: " << r.settle_sent << " sent, " << r.settled << " settled (unanswered " << r.settled_unanswered
      << ", over grant " << r.settled_over_grant << ", with arrears " << r.settled_with_arrears << "), "
      << r.settle_refused << " refused" << reasons_text(r.settle_refused_by_reason) << '\n';
  out << "record: " << r.record_sent << " sent, " << r.recorded << " recorded, " << r.record_refused
      << " refused" << reasons_text(r.record_refused_by_reason) << '\n';
  out << "duplicates: " << r.duplicates_sent << " sent, " << r.duplicates_matched << " matched\n";
  out << "requests: " << r.requests_sent << " sent, " << r.replies_received << " replies ("
      << fixed(r.requests_per_second, 1) << " requests/s, " << fixed(r.settled_calls_per_second, 1)
      << " settled calls/s); timeouts " << r.timeouts << ", late replies " << r.late_replies << '\n';
  out << "latency authorize: " << latency_text(r.authorize_latency) << '\n';
  out << "latency settle: " << latency_text(r.settle_latency) << '\n';
  out << "latency record: " << latency_text(r.record_latency) << '\n';
  out << "billed: " << format_yuan(r.billed_cost_units) << " yuan (arrears " << format_yuan(r.arrears_units)
      << " yuan)\n";
  out << "anomalies: " << r.anomalies << reasons_text(r.anomalies_by_kind) << '\n';
  for (const auto& example : r.anomaly_examples) out << "  " << example << '\n';
}

}  // namespace

std::string sim_rate_plan_csv() {
  std::string csv = "prefix,description,price_fen_per_minute,connect_fee_fen,first_block_s,next_block_s\n";
  for (const auto& row : plan_rows) {
    csv += row.prefix;
    csv += ',';
    const std::string_view description = row.description;
    if (description.find_first_of(",\"") == std::string_view::npos) {
      csv += description;
    } else {  // quoted, "" for a quote
      csv += '"';
      for (char c : description) csv += c == '"' ? std::string("\"\"") : std::string(1, c);
      csv += '"';
    }
    csv += ',';
    csv += row.price_fen;
    csv += ',';
    csv += row.connect_fen;
    csv += ',' + std::to_string(row.first_block) + ',' + std::to_string(row.next_block) + '\n';
  }
  return csv;
}

int run_switch_sim(const SimOptions& options, std::ostream& out, std::ostream& err) {
  std::string why;
  if (!options_valid(options, &why)) {
    err << "switch-sim: " << why << '\n';
    return exit_bad_options;
  }
  SimReport report;
  {
    const auto now_ns = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                       std::chrono::system_clock::now().time_since_epoch())
                                                       .count());
    char nonce[32];
    std::snprintf(nonce, sizeof nonce, "%012llx",
                  static_cast<unsigned long long>(splitmix64(splitmix64(options.seed) ^ now_ns) &
                                                  0xffffffffffffULL));
    report.run_id = nonce;
  }

  try {
    zmq::context_t context(1);
    if (options.setup) {
      const int code = run_setup(options, context, report, err);
      if (code != exit_ok) return code;
    }

    zmq::socket_t socket(context, zmq::socket_type::dealer);
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::sndhwm, 0);  // bounded by `concurrency` already
    socket.set(zmq::sockopt::rcvhwm, 0);
    {
      ConnectWatch watch(context, socket, "switch-" + report.run_id);
      try {
        socket.connect(options.endpoint);
      } catch (const zmq::error_t& e) {
        err << "switch-sim: bad endpoint " << options.endpoint << ": " << e.what() << '\n';
        return exit_bad_options;
      }
      if (!watch.wait(Clock::now() + from_seconds(options.reply_timeout_seconds))) {
        err << "switch-sim: cannot reach the daemon at " << options.endpoint << " within "
            << fixed(options.reply_timeout_seconds, 2) << " s\n";
        return exit_unreachable;
      }
    }

    Simulator simulator(options, socket, report, options.own_plan || report.setup_ran);
    simulator.run();
    if (options.json) out << report_json(options, report).dump() << '\n';
    else print_text(out, options, report);
  } catch (const zmq::error_t& e) {
    err << "switch-sim: ZeroMQ: " << e.what() << '\n';
    return exit_unreachable;
  }
  return report.anomalies == 0 ? exit_ok : exit_anomaly;
}

}  // namespace huawu::cli
