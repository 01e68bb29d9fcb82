// huawu_cards_bench: the redemption half of the cards benchmark
// (ops/bench/cards.sh, issue 5). Talks to a running daemon over its control
// socket (ipc://DATA/control.sock) exactly as the `huawu` command does: one
// ControlRequest with a typed VerbCall (the verb's id and its arguments, as
// `huawu` parses them from its command line) per verb on a DEALER socket,
// one ControlReply{exit_code, out, err} back.
//
//   1. (--open-agent) opens the accounts PREFIX000001..PREFIXnnnnnn of that
//      agent with `account open ID --agent A --plan P --json` (as typed calls);
//   2. redeems the first --redeems vouchers of the CSV `huawu cards issue`
//      wrote (number,pin,batch,kind,face_yuan,expires), voucher i into account
//      i mod --accounts, with `recharge-card redeem ACCOUNT --card N --pin P
//      --json`; every reply must be exit 0 with "ok":true;
//   3. sends the first --replays of them again: each must be refused with
//      card_already_redeemed (exit 1);
//   4. asks `balance ID --json` of every account: each must hold exactly its
//      vouchers' face values, and the sum --redeems x face.
//
// Each of --connections threads has its own DEALER socket and one request
// outstanding at a time, so the latency is one request's round trip through
// the daemon (decide, group commit, reply). Anything unexpected is an anomaly
// (printed, the first few, to standard error); exit 1 when there is any.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "cli/verb_ids.h"
#include "events/control_codec.h"
#include "events/limits.h"
#include "events/money.h"
#include "ledger/daemon.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Voucher {
  std::string number, pin;
};

struct Options {
  std::string data_dir, csv, prefix = "CB", open_agent, open_plan, results;
  std::uint64_t accounts = 0, redeems = 0, replays = 1000, connections = 8;
};

// Counts anomalies; prints the first few.
class Anomalies {
 public:
  void report(const std::string& what) {
    const std::uint64_t n = count_.fetch_add(1) + 1;
    if (n > 10) return;
    std::lock_guard lock(mutex_);
    std::fprintf(stderr, "anomaly: %s\n", what.c_str());
  }
  std::uint64_t count() const { return count_.load(); }

 private:
  std::atomic<std::uint64_t> count_{0};
  std::mutex mutex_;
};

// One DEALER socket with one request outstanding at a time.
class Connection {
 public:
  Connection(zmq::context_t& context, const std::string& endpoint) : socket_(context, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(huawu::limits::control_reply_bytes_max));
    socket_.set(zmq::sockopt::rcvtimeo, 120'000);  // a daemon that stopped: give up, do not hang
    socket_.connect(endpoint);
  }

  // The reply, or exit 3 with the reason in err when none came or it did not decode.
  huawu::ControlReply ask(huawu::cli::VerbId verb, std::vector<huawu::VerbArg> args) {
    huawu::ControlRequest request{"local:operator", {}, "", ""};
    args.push_back({"--json", huawu::FlagGiven{}});
    request.call = huawu::VerbCall{static_cast<std::uint16_t>(verb), std::move(args)};
    const std::string frame = huawu::encode_control_request(request);
    socket_.send(zmq::buffer(frame), zmq::send_flags::none);
    zmq::message_t reply;
    if (!socket_.recv(reply, zmq::recv_flags::none)) return {3, "", "no reply within 120 s"};
    std::string why;
    auto decoded = huawu::decode_control_reply(std::string_view(reply.data<char>(), reply.size()), &why);
    if (!decoded) return {3, "", "undecodable reply: " + why};
    return std::move(*decoded);
  }

 private:
  zmq::socket_t socket_;
};

// `huawu recharge-card redeem ACCOUNT --card NUMBER --pin PIN --json`, typed.
huawu::ControlReply redeem(Connection& c, const std::string& account, const Voucher& v) {
  return c.ask(huawu::cli::VerbId::recharge_card_redeem, {{"ACCOUNT", account}, {"--card", v.number}, {"--pin", v.pin}});
}

std::string account_id(const Options& o, std::uint64_t index) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%06" PRIu64, index + 1);
  return o.prefix + digits;
}

std::string summary(const huawu::ControlReply& r) {
  std::string text = "exit " + std::to_string(r.exit_code) + ", out " + r.out + ", err " + r.err;
  std::erase(text, '\n');
  return text;
}

// Runs `work(connection, i)` for i in [0, n) over o.connections threads;
// returns the wall seconds and, in *latencies_us, every call's round trip.
template <typename Work>
double run_spread(zmq::context_t& context, const std::string& endpoint, const Options& o, std::uint64_t n,
                  Work work, std::vector<std::uint32_t>* latencies_us) {
  std::atomic<std::uint64_t> next{0};
  std::vector<std::vector<std::uint32_t>> per_thread(o.connections);
  std::vector<std::thread> threads;
  const auto started = Clock::now();
  for (std::uint64_t t = 0; t < o.connections; ++t) {
    threads.emplace_back([&, t] {
      Connection connection(context, endpoint);
      auto& mine = per_thread[t];
      for (std::uint64_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
        const auto sent = Clock::now();
        work(connection, i);
        mine.push_back(static_cast<std::uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent).count()));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (latencies_us) {
    latencies_us->clear();
    for (const auto& mine : per_thread) latencies_us->insert(latencies_us->end(), mine.begin(), mine.end());
    std::sort(latencies_us->begin(), latencies_us->end());
  }
  return seconds;
}

double percentile_ms(const std::vector<std::uint32_t>& sorted_us, double p) {
  if (sorted_us.empty()) return 0;
  const auto at = static_cast<std::size_t>(p * static_cast<double>(sorted_us.size() - 1));
  return sorted_us[at] / 1000.0;
}

// The first `count` vouchers of the CSV and their (single) face value in units.
bool read_vouchers(const std::string& path, std::uint64_t count, std::vector<Voucher>* out,
                   std::int64_t* face_units) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line) || line != "number,pin,batch,kind,face_yuan,expires") {
    std::fprintf(stderr, "%s: not a card file (header number,pin,batch,kind,face_yuan,expires)\n", path.c_str());
    return false;
  }
  *face_units = -1;
  while (out->size() < count && std::getline(in, line)) {
    std::vector<std::string> fields;
    std::size_t from = 0;
    for (std::size_t comma; (comma = line.find(',', from)) != std::string::npos; from = comma + 1)
      fields.push_back(line.substr(from, comma - from));
    fields.push_back(line.substr(from));
    std::string why;
    const auto face = fields.size() == 6 ? huawu::parse_yuan(fields[4], &why) : std::nullopt;
    if (!face || fields[3] != "recharge" || (*face_units >= 0 && *face != *face_units)) {
      std::fprintf(stderr, "%s: line %zu is not a recharge voucher of the batch's face: %s\n", path.c_str(),
                   out->size() + 2, line.c_str());
      return false;
    }
    *face_units = *face;
    out->push_back(Voucher{fields[0], fields[1]});
  }
  if (out->size() < count) {
    std::fprintf(stderr, "%s: %zu vouchers, %" PRIu64 " asked for\n", path.c_str(), out->size(), count);
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "huawu_cards_bench: redeems vouchers through a running daemon's control socket, replays some (each must be "
      "refused card_already_redeemed) and checks every account's balance.\n"
      "Usage: huawu_cards_bench --data DIR --csv VOUCHERS.csv --accounts N --redeems R [--prefix P] "
      "[--connections C] [--replays K] [--open-agent AGENT --open-plan PLAN] [--results FILE]"};
  app.add_option("--data", o.data_dir, "the data directory a daemon serves")->required();
  app.add_option("--csv", o.csv, "the voucher file `huawu cards issue --kind recharge` wrote")->required();
  app.add_option("--accounts", o.accounts, "accounts PREFIX000001.. the vouchers are spread over")
      ->required()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{999'999}));
  app.add_option("--redeems", o.redeems, "vouchers to redeem, the CSV's first ones")
      ->required()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}));
  app.add_option("--prefix", o.prefix, "account id prefix (default CB)");
  app.add_option("--connections", o.connections, "concurrent DEALER sockets, one request in flight each (default 8)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1024}));
  app.add_option("--replays", o.replays, "redeemed vouchers sent again, each must be refused (default 1000)");
  app.add_option("--open-agent", o.open_agent, "first open the accounts, bound to this agent");
  app.add_option("--open-plan", o.open_plan, "with --open-agent: their rate plan");
  app.add_option("--results", o.results, "write the figures here as name=value lines, for a shell to source");
  CLI11_PARSE(app, argc, argv);
  if (o.open_agent.empty() != o.open_plan.empty()) {
    std::fprintf(stderr, "--open-agent and --open-plan go together\n%s", app.help().c_str());
    return 2;
  }
  o.replays = std::min(o.replays, o.redeems);

  std::vector<Voucher> vouchers;
  std::int64_t face_units = 0;
  if (!read_vouchers(o.csv, o.redeems, &vouchers, &face_units)) return 2;

  const std::string endpoint = huawu::control_endpoint(o.data_dir);
  zmq::context_t context(2);
  Anomalies anomalies;

  // 1. Accounts.
  double open_seconds = 0;
  if (!o.open_agent.empty()) {
    open_seconds = run_spread(
        context, endpoint, o, o.accounts,
        [&](Connection& c, std::uint64_t i) {
          const std::string id = account_id(o, i);
          const auto r = c.ask(huawu::cli::VerbId::account_open, {{"ID", id}, {"--agent", o.open_agent}, {"--plan", o.open_plan}});
          if (r.exit_code != 0 || r.out.find("\"ok\":true") == std::string::npos)
            anomalies.report("account open " + id + ": " + summary(r));
        },
        nullptr);
    std::printf("accounts opened    %" PRIu64 " in %.2f s (%.0f/s, %" PRIu64 " connections)\n", o.accounts,
                open_seconds, static_cast<double>(o.accounts) / open_seconds, o.connections);
  }
  const std::uint64_t open_anomalies = anomalies.count();

  // 2. Redemptions.
  std::vector<std::uint32_t> latencies;
  const double redeem_seconds = run_spread(
      context, endpoint, o, o.redeems,
      [&](Connection& c, std::uint64_t i) {
        const std::string account = account_id(o, i % o.accounts);
        const auto r = redeem(c, account, vouchers[i]);
        if (r.exit_code != 0 || r.out.find("\"ok\":true") == std::string::npos)
          anomalies.report("redeem " + vouchers[i].number + " into " + account + ": " + summary(r));
      },
      &latencies);
  const double redeems_per_second = static_cast<double>(o.redeems) / redeem_seconds;
  const double p50 = percentile_ms(latencies, 0.50), p99 = percentile_ms(latencies, 0.99),
               max = latencies.empty() ? 0 : latencies.back() / 1000.0;
  std::printf("redeemed           %" PRIu64 " vouchers in %.2f s: %.0f redemptions/s (%" PRIu64
              " connections)\n",
              o.redeems, redeem_seconds, redeems_per_second, o.connections);
  std::printf("redeem latency     p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", p50, p99, max);
  const std::uint64_t redeem_anomalies = anomalies.count() - open_anomalies;

  // 3. Replays: every one refused, nothing credited twice.
  const double replay_seconds = run_spread(
      context, endpoint, o, o.replays,
      [&](Connection& c, std::uint64_t i) {
        const std::string account = account_id(o, i % o.accounts);
        const auto r = redeem(c, account, vouchers[i]);
        if (r.exit_code != 1 || (r.out + r.err).find("card_already_redeemed") == std::string::npos)
          anomalies.report("replay of " + vouchers[i].number + " into " + account +
                           " not refused card_already_redeemed: " + summary(r));
      },
      nullptr);
  std::printf("replayed           %" PRIu64 " redeemed vouchers in %.2f s: each must be card_already_redeemed\n",
              o.replays, replay_seconds);
  const std::uint64_t replay_anomalies = anomalies.count() - open_anomalies - redeem_anomalies;

  // 4. Balances: each account holds its vouchers, the sum all of them.
  std::vector<std::int64_t> balances(o.accounts, -1);
  run_spread(
      context, endpoint, o, o.accounts,
      [&](Connection& c, std::uint64_t i) {
        const std::string id = account_id(o, i);
        const auto r = c.ask(huawu::cli::VerbId::balance, {{"ID", id}});
        const auto j = nlohmann::json::parse(r.out, nullptr, false);
        if (r.exit_code != 0 || !j.is_object() || !j.contains("balance_units") ||
            !j["balance_units"].is_number_integer()) {
          anomalies.report("balance " + id + ": " + summary(r));
          return;
        }
        balances[i] = j["balance_units"].get<std::int64_t>();
      },
      nullptr);
  std::int64_t total_units = 0;
  for (std::uint64_t i = 0; i < o.accounts; ++i) {
    if (balances[i] < 0) continue;  // reported above
    total_units += balances[i];
    const std::uint64_t vouchers_in = o.redeems / o.accounts + (i < o.redeems % o.accounts ? 1 : 0);
    const std::int64_t expected = static_cast<std::int64_t>(vouchers_in) * face_units;
    if (balances[i] != expected)
      anomalies.report("account " + account_id(o, i) + " holds " + huawu::format_yuan(balances[i]) + " yuan, " +
                       huawu::format_yuan(expected) + " expected");
  }
  const std::int64_t expected_total = static_cast<std::int64_t>(o.redeems) * face_units;
  if (total_units != expected_total)
    anomalies.report("the accounts hold " + huawu::format_yuan(total_units) + " yuan, " +
                     huawu::format_yuan(expected_total) + " expected");
  const std::uint64_t balance_anomalies =
      anomalies.count() - open_anomalies - redeem_anomalies - replay_anomalies;
  std::printf("balances           %" PRIu64 " accounts hold %s yuan (%" PRIu64 " x %s expected: %s)\n", o.accounts,
              huawu::format_yuan(total_units).c_str(), o.redeems, huawu::format_yuan(face_units).c_str(),
              total_units == expected_total ? "equal" : "DIFFERENT");
  std::printf("anomalies          %" PRIu64 " (open %" PRIu64 ", redeem %" PRIu64 ", replay %" PRIu64
              ", balance %" PRIu64 ")\n",
              anomalies.count(), open_anomalies, redeem_anomalies, replay_anomalies, balance_anomalies);

  if (!o.results.empty()) {
    std::ofstream results(o.results);
    results << "accounts_open_seconds=" << open_seconds << "\n"
            << "redeems=" << o.redeems << "\n"
            << "redeem_seconds=" << redeem_seconds << "\n"
            << "redeems_per_second=" << static_cast<std::uint64_t>(redeems_per_second) << "\n"
            << "redeem_p50_ms=" << p50 << "\n"
            << "redeem_p99_ms=" << p99 << "\n"
            << "redeem_max_ms=" << max << "\n"
            << "replays=" << o.replays << "\n"
            << "balance_total_units=" << total_units << "\n"
            << "balance_expected_units=" << expected_total << "\n"
            << "anomalies=" << anomalies.count() << "\n";
    if (!results) {
      std::fprintf(stderr, "%s: cannot write the results\n", o.results.c_str());
      return 1;
    }
  }
  return anomalies.count() == 0 ? 0 : 1;
}
