// huawu_demo_load: the bulk part of ops/demo.sh. Running `huawu` once per
// request would open RocksDB and fsync 20,000 times; this submits the same
// requests the CLI would (same Request types, actor "local:operator") to one
// Writer asynchronously, so group commit batches them.
//
//   huawu_demo_load load --data DIR --accounts 10000
//       opens accounts 1380013xxxx with initial balances, recharges each once
//   huawu_demo_load summary --data DIR
//       prints account counts, the total wallet balance and the event count
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <latch>
#include <string>

#include "events/invariant.h"
#include "events/money.h"
#include "ledger/ledger.h"

namespace {

using namespace huawu;

constexpr const char* local_actor = "local:operator";  // as cli/verbs.cc

std::string account_id(std::uint64_t index) { return std::to_string(13'800'130'000ULL + index); }

// Yuan as a person types them; parse_yuan turns them into units as the CLI does.
constexpr const char* initial_yuan[] = {"0", "10", "20", "50", "100"};
constexpr const char* recharge_yuan[] = {"30", "50", "100", "200", "12.3456", "88.8"};
constexpr const char* rate_plans[] = {"basic", "talk-plus"};

std::int64_t units(const char* yuan) {
  std::string why;
  const auto parsed = parse_yuan(yuan, &why);
  HUAWU_ASSERT(parsed.has_value(), "demo amounts are valid yuan");
  return *parsed;
}

std::string with_separators(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

// 1161510.9152 -> 1,161,510.9152
std::string yuan_with_separators(std::int64_t units) {
  const std::string plain = format_yuan(units);
  const std::size_t dot = plain.find('.');
  const bool negative = plain.front() == '-';
  const std::uint64_t whole = std::stoull(plain.substr(negative ? 1 : 0, dot - (negative ? 1 : 0)));
  return (negative ? "-" : "") + with_separators(whole) + plain.substr(dot);
}

int load(const std::string& data_dir, std::uint64_t accounts) {
  SystemClock clock;
  std::string why;
  auto ledger = Ledger::open(data_dir, clock, &why);
  if (!ledger) {
    std::fprintf(stderr, "demo_load: %s\n", why.c_str());
    return 3;
  }
  const std::uint64_t head_before = ledger->store().head_sequence();
  const std::uint64_t requests = accounts * 2;
  std::atomic<std::uint64_t> rejected{0};
  std::latch done(static_cast<std::ptrdiff_t>(requests));
  auto completion = [&](Outcome&& outcome) {
    if (outcome.rejection != Rejection::none) rejected.fetch_add(1);
    done.count_down();
  };

  const auto started = std::chrono::steady_clock::now();
  // Every open is queued before the recharges, and the writer takes requests
  // in order, so each recharge finds its account open (committed or earlier
  // in the same batch).
  for (std::uint64_t i = 0; i < accounts; ++i) {
    const std::string id = account_id(i);
    OpenAccount open{id, rate_plans[i % std::size(rate_plans)],
                     units(initial_yuan[i % std::size(initial_yuan)]), {}};
    ledger->writer().submit(Request{std::move(open), "demo-open-" + id, local_actor, 0},
                            completion);
  }
  for (std::uint64_t i = 0; i < accounts; ++i) {
    const std::string id = account_id(i);
    char reference[40];
    std::snprintf(reference, sizeof reference, "alipay-20880012%08" PRIu64, i);
    RechargeWallet recharge{id, units(recharge_yuan[i % std::size(recharge_yuan)]), reference};
    ledger->writer().submit(Request{std::move(recharge), "demo-recharge-" + id, local_actor, 0},
                            completion);
  }
  done.wait();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ledger->close();
  const std::uint64_t events = ledger->store().head_sequence() - head_before;
  const std::uint64_t batches = ledger->writer().batches_committed();
  std::printf("  requests submitted %10s  (%s opens, %s recharges)\n",
              with_separators(requests).c_str(), with_separators(accounts).c_str(),
              with_separators(accounts).c_str());
  std::printf("  rejected           %10s\n", with_separators(rejected.load()).c_str());
  std::printf("  events appended    %10s  in %s group commits\n", with_separators(events).c_str(),
              with_separators(batches).c_str());
  std::printf("  elapsed            %10.3f s\n", seconds);
  std::printf(
      "  rate               %10s events/s\n",
      with_separators(static_cast<std::uint64_t>(static_cast<double>(events) / seconds)).c_str());
  return rejected.load() == 0 ? 0 : 1;
}

int summary(const std::string& data_dir) {
  // Read-only, like `huawu audit verify`: no writer, nothing appended.
  std::string why;
  auto store = Store::open(data_dir, &why);
  LedgerState state;
  if (!store || !recover_state(*store, state, &why)) {
    std::fprintf(stderr, "demo_load: %s\n", why.c_str());
    return 3;
  }
  const Balances& balances = state.balances();
  std::printf("  accounts open      %14s\n", with_separators(balances.accounts_open()).c_str());
  std::printf("  accounts closed    %14s\n", with_separators(balances.accounts_closed()).c_str());
  std::printf("  wallets total      %14s yuan\n",
              yuan_with_separators(balances.wallets_total_units()).c_str());
  std::printf("  events in the log  %14s\n", with_separators(state.applied_through()).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Standard output carries this program's own lines; logs go to standard error.
  spdlog::set_default_logger(spdlog::stderr_color_mt("huawu"));
  spdlog::set_level(spdlog::level::warn);
  CLI::App app{"bulk loader and summary for ops/demo.sh"};
  app.require_subcommand(1);
  std::string data_dir;
  std::uint64_t accounts = 10'000;
  int code = 0;
  auto* load_cmd = app.add_subcommand("load", "open and recharge accounts in one process");
  load_cmd->add_option("--data", data_dir, "store created by `huawu init`")->required();
  load_cmd->add_option("--accounts", accounts, "accounts to open")->check(CLI::Range(1, 10'000));
  load_cmd->callback([&] { code = load(data_dir, accounts); });
  auto* summary_cmd = app.add_subcommand("summary", "print counts and totals");
  summary_cmd->add_option("--data", data_dir, "store directory")->required();
  summary_cmd->callback([&] { code = summary(data_dir); });
  CLI11_PARSE(app, argc, argv);
  return code;
}
