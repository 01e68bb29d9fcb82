// huawu_append_bench: appends WalletRecharged events through the real Writer
// (decide, encode, hash chain, one sync WriteBatch per group commit, apply)
// and measures events/s, the mean group-commit size and the stored record
// sizes. ops/bench/raw_rocksdb_bench.cc replays the same write pattern on bare
// RocksDB; ops/bench/append.sh runs both and compares.
//
// Producers submit asynchronously and only block when the writer's queue is
// full (limits::writer_queue_requests_max), so every batch the writer takes is
// as large as the queue allows: this measures the writer, not the clients.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <latch>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "events/invariant.h"
#include "events/money.h"
#include "ledger/ledger.h"
#include "ops/bench/cpu_time.h"

namespace {

using namespace huawu;

constexpr const char* actor = "local:operator";

// 1380013xxxx: mobile-number-like ids, as the demo uses.
std::string account_id(std::uint64_t index) { return std::to_string(13'800'130'000ULL + index); }

// Fixed width, so every recharge event and idempotency key has the same size
// and the raw RocksDB run can reproduce the keys exactly
// (raw_rocksdb_bench.cc builds "recharge-" + zero-padded index).
std::string recharge_key(std::uint64_t index) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "recharge-%010" PRIu64, index);
  return buffer;
}

std::string payment_reference(std::uint64_t index) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "wxpay-4200%010" PRIu64, index);
  return buffer;
}

// Amounts people actually pay: 30, 50, 100, 200 yuan and an odd one.
constexpr std::int64_t recharge_amounts_units[] = {
    30 * units_per_yuan, 50 * units_per_yuan, 100 * units_per_yuan, 200 * units_per_yuan, 123'456};
constexpr std::size_t recharge_amount_count = std::size(recharge_amounts_units);

struct Tally {
  std::atomic<std::uint64_t> rejected{0};
  std::latch done;
  explicit Tally(std::ptrdiff_t requests) : done(requests) {}
};

// CPU seconds of the thread with this name (ledger/writer.cc names its
// threads "huawu-writer" and "huawu-commit"), or -1 when there is none. On a
// machine shared with other work the wall-clock rate drops; a thread's CPU
// per event does not.
double thread_cpu_seconds(const std::string& thread_name) {
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (!std::getline(comm, name) || name != thread_name) continue;
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
    std::istringstream fields(line.substr(line.rfind(')') + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i)
      if (i >= 14) ticks += std::stod(field);
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  return -1;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Imports the plan the accounts open on, then submits OpenAccount for every
// account and waits for all of them.
void open_accounts(Writer& writer, std::uint64_t accounts) {
  const Outcome imported = writer.submit_and_wait(
      Request{ImportRatePlan{"basic", "bench", {Rate{"86", "China", 1'000, 0, 60, 60}}}, "plan-basic", actor, 0});
  HUAWU_ASSERT(imported.rejection == Rejection::none, "the plan imports");
  Tally tally(static_cast<std::ptrdiff_t>(accounts));
  for (std::uint64_t i = 0; i < accounts; ++i) {
    Request request{OpenAccount{account_id(i), "basic", 0, {}}, "open-" + account_id(i), actor, 0};
    writer.submit(std::move(request), [&tally](Outcome&& outcome) {
      if (outcome.rejection != Rejection::none) tally.rejected.fetch_add(1);
      tally.done.count_down();
    });
  }
  tally.done.wait();
  HUAWU_ASSERT(tally.rejected.load() == 0, "every account opens");
}

// Producer `p` of `producers` submits recharges p, p + producers, ...
void produce(Writer& writer, Tally& tally, std::uint64_t accounts, std::uint64_t recharges,
             unsigned p, unsigned producers) {
  for (std::uint64_t i = p; i < recharges; i += producers) {
    Request request{
        RechargeWallet{account_id(i % accounts), recharge_amounts_units[i % recharge_amount_count],
                       payment_reference(i)},
        recharge_key(i), actor, 0};
    writer.submit(std::move(request), [&tally](Outcome&& outcome) {
      if (outcome.rejection != Rejection::none) tally.rejected.fetch_add(1);
      tally.done.count_down();
    });
  }
}

struct Sizes {
  std::uint64_t events = 0;
  std::uint64_t value_bytes_total = 0;
  std::uint64_t value_bytes_min = UINT64_MAX;
  std::uint64_t value_bytes_max = 0;
};

Sizes measure_event_values(const Store& store, std::uint64_t from) {
  Sizes sizes;
  store.scan_events(from, [&](std::uint64_t, std::string_view bytes) {
    ++sizes.events;
    sizes.value_bytes_total += bytes.size();
    sizes.value_bytes_min = std::min<std::uint64_t>(sizes.value_bytes_min, bytes.size());
    sizes.value_bytes_max = std::max<std::uint64_t>(sizes.value_bytes_max, bytes.size());
    return true;
  });
  return sizes;
}

}  // namespace

int main(int argc, char** argv) {
  // Standard output carries this program's own lines; logs go to standard error.
  spdlog::set_default_logger(spdlog::stderr_color_mt("huawu"));
  spdlog::set_level(spdlog::level::warn);
  CLI::App app{"huawu append benchmark: WalletRecharged through the real writer"};
  std::string data_dir, results_path;
  std::uint64_t accounts = 10'000, recharges = 2'000'000;
  unsigned producers = 1;
  app.add_option("--data", data_dir, "fresh store directory (must not exist)")->required();
  app.add_option("--accounts", accounts, "accounts opened before the recharges")
      ->check(CLI::Range(1, 1'000'000));
  app.add_option("--recharges", recharges, "recharge events to append")
      ->check(CLI::Range(1, 100'000'000));
  app.add_option("--producers", producers, "submitting threads")->check(CLI::Range(1, 8));
  app.add_option("--results", results_path, "write name=value results here (for append.sh)");
  CLI11_PARSE(app, argc, argv);

  SystemClock clock;
  std::string why;
  auto ledger = Ledger::create(data_dir, CreateLedger{"bench-provider", "Bench Provider"}, actor,
                               clock, &why);
  if (!ledger) {
    std::fprintf(stderr, "append_bench: %s\n", why.c_str());
    return 1;
  }
  Writer& writer = ledger->writer();

  const auto open_started = std::chrono::steady_clock::now();
  open_accounts(writer, accounts);
  const double open_seconds = seconds_since(open_started);
  // The open phase's completions have run, so these writer-thread values are
  // published to us (latch) and the writer is idle.
  const std::uint64_t batches_before = writer.batches_committed();
  const std::uint64_t first_recharge_sequence = ledger->store().head_sequence() + 1;

  Tally tally(static_cast<std::ptrdiff_t>(recharges));
  const double process_cpu_before = huawu::bench::process_cpu_seconds();
  const double writer_cpu_before = thread_cpu_seconds("huawu-writer");
  const double commit_cpu_before = thread_cpu_seconds("huawu-commit");
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (unsigned p = 0; p < producers; ++p)
    threads.emplace_back([&, p] { produce(writer, tally, accounts, recharges, p, producers); });
  tally.done.wait();
  const double recharge_seconds = seconds_since(started);
  const double process_cpu = huawu::bench::process_cpu_seconds() - process_cpu_before;
  const double writer_cpu = thread_cpu_seconds("huawu-writer") - writer_cpu_before;
  const double commit_cpu = thread_cpu_seconds("huawu-commit") - commit_cpu_before;
  for (auto& t : threads) t.join();
  const std::uint64_t batches = writer.batches_committed() - batches_before;
  HUAWU_ASSERT(tally.rejected.load() == 0, "every recharge is accepted");

  ledger->close();
  // The writer has stopped: the state and store are ours to read.
  std::int64_t expected_total_units = 0;
  for (std::uint64_t i = 0; i < recharges; ++i)
    expected_total_units += recharge_amounts_units[i % recharge_amount_count];
  HUAWU_ASSERT(ledger->state().balances().wallets_total_units() == expected_total_units,
               "wallets hold exactly what was recharged");
  const Sizes sizes = measure_event_values(ledger->store(), first_recharge_sequence);
  HUAWU_ASSERT(sizes.events == recharges, "one event per recharge");
  const std::string sample_key = recharge_key(0);
  const auto sample_record = ledger->store().get_idempotency(sample_key);
  HUAWU_ASSERT(sample_record.has_value(), "the first recharge's key is stored");

  const double events_per_second = static_cast<double>(recharges) / recharge_seconds;
  const double batch_mean = static_cast<double>(recharges) / static_cast<double>(batches);
  const double value_bytes_mean =
      static_cast<double>(sizes.value_bytes_total) / static_cast<double>(sizes.events);
  std::printf("opened %" PRIu64 " accounts in %.2f s\n", accounts, open_seconds);
  std::printf("recharges          %12" PRIu64 " events, %u producer thread(s)\n", recharges,
              producers);
  std::printf("elapsed            %12.2f s\n", recharge_seconds);
  std::printf("rate               %12.0f events/s\n", events_per_second);
  std::printf("process cpu        %12.2f s (%.2f us/event, all threads)\n", process_cpu,
              process_cpu * 1e6 / static_cast<double>(recharges));
  if (writer_cpu_before >= 0)
    std::printf("writer thread cpu  %12.2f s (%.2f us/event)\n", writer_cpu,
                writer_cpu * 1e6 / static_cast<double>(recharges));
  if (commit_cpu_before >= 0)
    std::printf("commit thread cpu  %12.2f s (%.2f us/event)\n", commit_cpu,
                commit_cpu * 1e6 / static_cast<double>(recharges));
  std::printf("group commits      %12" PRIu64 " batches, mean %.1f events/batch\n", batches,
              batch_mean);
  std::printf("event value        %12.1f bytes (min %" PRIu64 ", max %" PRIu64 ")\n",
              value_bytes_mean, sizes.value_bytes_min, sizes.value_bytes_max);
  std::printf("event key          %12d bytes\n", 8);
  std::printf("idempotency key    %12zu bytes\n", sample_key.size());
  std::printf("idempotency value  %12zu bytes\n", sample_record->size());

  if (!results_path.empty()) {
    std::ofstream out(results_path);
    out << "ledger_events=" << recharges << "\n"
        << "ledger_seconds=" << recharge_seconds << "\n"
        << "ledger_events_per_second=" << static_cast<std::uint64_t>(events_per_second) << "\n"
        << "ledger_batches=" << batches << "\n"
        << "ledger_process_cpu_seconds=" << process_cpu << "\n"
        << "ledger_writer_cpu_seconds=" << (writer_cpu_before >= 0 ? writer_cpu : -1) << "\n"
        << "ledger_commit_cpu_seconds=" << (commit_cpu_before >= 0 ? commit_cpu : -1) << "\n"
        << "batch_events_mean=" << batch_mean << "\n"
        << "event_value_bytes=" << static_cast<std::uint64_t>(value_bytes_mean + 0.5) << "\n"
        << "idempotency_key_bytes=" << sample_key.size() << "\n"
        << "idempotency_value_bytes=" << sample_record->size() << "\n"
        << "first_sequence=" << first_recharge_sequence << "\n";
    if (!out) {
      std::fprintf(stderr, "append_bench: cannot write %s\n", results_path.c_str());
      return 1;
    }
  }
  return 0;
}
