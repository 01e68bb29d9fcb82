// The process crash_test starts and kills with SIGKILL: it opens the ledger
// in DIR and submits opens and recharges from several threads as fast as the
// writer takes them, with a small checkpoint interval so checkpoints are cut
// short too. Each acknowledged request is reported on stdout only after its
// completion, which the writer runs after the commit (DESIGN.md §1:
// acknowledged means durable).
//
// Usage: crash_child DIR CYCLE THREADS CHECKPOINT_INTERVAL
// Output lines:
//   R <head>                  ready: the ledger is open at this head
//   A <key> <first_sequence>  acknowledged
//   X <key> <rejection>       refused (the test treats this as a failure)
//   E <reason>                could not open the ledger
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "events/rejection.h"
#include "tests/test_support.h"

namespace {

using namespace huawu;

// Requests each thread keeps in flight: enough for group commits of dozens of
// requests, few enough that the log stays small for the checks after each kill.
constexpr std::ptrdiff_t in_flight_per_thread_max = 16;
constexpr int requests_per_thread_max = 1'000'000;  // the kill comes long before

void write_all(std::string_view text) {
  while (!text.empty()) {
    const ssize_t written = ::write(STDOUT_FILENO, text.data(), text.size());
    if (written <= 0) std::_Exit(3);  // the parent is gone
    text.remove_prefix(static_cast<std::size_t>(written));
  }
}

// Written in two pieces on purpose, so a kill can fall between them and leave
// a partial last line: the test must ignore it.
void report(const std::string& first_part, const std::string& rest) {
  write_all(first_part);
  write_all(rest);
}

void submitter(Writer& writer, const std::string& cycle, int thread) {
  std::counting_semaphore<in_flight_per_thread_max> slots(in_flight_per_thread_max);
  const std::string prefix = "c" + cycle + "-" + std::to_string(thread);
  const std::string wallet = prefix + "-wallet";
  for (int n = 0; n < requests_per_thread_max; ++n) {
    const std::string key = prefix + "-" + std::to_string(n);
    Request request = n == 0        ? test::open_request(key, wallet, 100)
                      : n % 25 == 0 ? test::open_request(key, key + "-acct", n)
                                    : test::recharge_request(key, wallet, n);
    slots.acquire();
    writer.submit(std::move(request), [key, &slots](Outcome&& outcome) {
      if (outcome.rejection == Rejection::none)
        report("A " + key + " ", std::to_string(outcome.first_sequence) + "\n");
      else
        report("X " + key + " ", std::string(rejection_name(outcome.rejection)) + "\n");
      slots.release();
    });
  }
  for (std::ptrdiff_t i = 0; i < in_flight_per_thread_max; ++i) slots.acquire();
}

}  // namespace

int main(int argc, char** argv) {
  // Standard output carries this program's own lines; logs go to standard error.
  spdlog::set_default_logger(spdlog::stderr_color_mt("huawu"));
  spdlog::set_level(spdlog::level::warn);
  if (argc != 5) {
    std::fprintf(stderr, "usage: crash_child DIR CYCLE THREADS CHECKPOINT_INTERVAL\n");
    return 2;
  }
  const std::string path = argv[1];
  const std::string cycle = argv[2];
  const int threads = std::atoi(argv[3]);
  WriterOptions options;
  options.checkpoint_interval_events = std::strtoull(argv[4], nullptr, 10);

  SystemClock clock;
  std::string open_why;
  std::string create_why;
  auto ledger = Ledger::open(path, clock, &open_why, options);
  if (!ledger)
    ledger =
        Ledger::create(path, test::test_identity(), test::test_actor, clock, &create_why, options);
  if (!ledger) {
    write_all("E " + open_why + "; " + create_why + "\n");
    return 1;
  }
  write_all("R " + std::to_string(ledger->store().head_sequence()) + "\n");

  std::vector<std::thread> submitters;
  for (int t = 0; t < threads; ++t)
    submitters.emplace_back([&, t] { submitter(ledger->writer(), cycle, t); });
  for (std::thread& thread : submitters) thread.join();
  ledger->close();
  return 0;
}
