// Crash test: a child process (crash_child) writes to the ledger as fast as it
// can and is killed with SIGKILL at a random moment, 25 times over. After
// each kill the ledger must reopen with every acknowledged request present
// exactly once, a consistent head, a passing audit, and a state equal to a
// rebuild from sequence 1 (DESIGN.md §1: acknowledged means durable;
// fail-stop; projections never run ahead of the log).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <charconv>
#include <chrono>
#include <map>
#include <random>

#include "events/codec.h"
#include "ledger/audit.h"
#include "tests/test_support.h"

#ifndef HUAWU_CRASH_CHILD
#error "store.cmake passes the path of crash_child as HUAWU_CRASH_CHILD"
#endif

extern char** environ;

namespace huawu {
namespace {

constexpr std::uint64_t crash_seed = 0x6372'6173'6800'0001;
constexpr int cycles = 25;
constexpr int run_ms_min = 50;
constexpr int run_ms_max = 400;
constexpr std::uint64_t child_checkpoint_interval_events = 64;
constexpr auto child_ready_timeout = std::chrono::seconds(30);

// What a child printed, split into complete lines.
struct ChildOutput {
  std::optional<std::uint64_t> ready_head;
  std::vector<std::pair<std::string, std::uint64_t>> acks;  // key, first_sequence
  std::vector<std::string> failures;  // refusals, open errors, malformed lines
  std::size_t partial_bytes = 0;      // an unfinished last line: not an acknowledgement
};

std::optional<std::uint64_t> parse_number(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

ChildOutput parse_child_output(std::string_view text) {
  ChildOutput out;
  std::size_t start = 0;
  for (std::size_t end = text.find('\n'); end != std::string_view::npos;
       start = end + 1, end = text.find('\n', start)) {
    const std::string_view line = text.substr(start, end - start);
    if (line.starts_with("A ")) {
      const std::size_t space = line.rfind(' ');
      auto sequence = parse_number(line.substr(space + 1));
      if (space > 2 && sequence) {
        out.acks.emplace_back(std::string(line.substr(2, space - 2)), *sequence);
        continue;
      }
    } else if (line.starts_with("R ")) {
      if (auto head = parse_number(line.substr(2)); head && !out.ready_head) {
        out.ready_head = head;
        continue;
      }
    }
    out.failures.emplace_back(line);
  }
  out.partial_bytes = text.size() - start;
  return out;
}

struct ChildRun {
  std::string output;
  bool became_ready = false;
  int wait_status = 0;
};

// Starts crash_child, lets it run `run_time` after it reports ready, kills it
// with SIGKILL and collects everything it wrote before dying.
ChildRun run_and_kill_child(const std::string& path, int cycle, int threads,
                            std::chrono::milliseconds run_time) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);  // dup2 clears CLOEXEC
  const std::string cycle_text = std::to_string(cycle);
  const std::string threads_text = std::to_string(threads);
  const std::string interval_text = std::to_string(child_checkpoint_interval_events);
  char* argv[] = {const_cast<char*>(HUAWU_CRASH_CHILD),     const_cast<char*>(path.c_str()),
                  const_cast<char*>(cycle_text.c_str()),    const_cast<char*>(threads_text.c_str()),
                  const_cast<char*>(interval_text.c_str()), nullptr};
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, HUAWU_CRASH_CHILD, &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (spawned != 0) {
    ::close(fds[0]);
    throw std::runtime_error("posix_spawn failed: " + std::to_string(spawned));
  }

  ChildRun run;
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + child_ready_timeout;
  char buffer[65536];
  bool open = true;
  while (open) {
    if (!run.became_ready && run.output.find('\n') != std::string::npos) {
      run.became_ready = run.output.starts_with("R ");
      if (!run.became_ready) break;  // an error line: no point waiting
      deadline = clock::now() + run_time;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0) break;
    pollfd poll_fd{fds[0], POLLIN, 0};
    if (::poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n > 0)
      run.output.append(buffer, static_cast<std::size_t>(n));
    else
      open = false;  // the child exited on its own
  }
  ::kill(pid, SIGKILL);
  // Whatever the child wrote before it died is still in the pipe.
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;)
    run.output.append(buffer, static_cast<std::size_t>(n));
  ::close(fds[0]);
  ::waitpid(pid, &run.wait_status, 0);
  return run;
}

}  // namespace

TEST_CASE("child output: complete lines count, a partial last line is ignored", "[crash]") {
  const ChildOutput out =
      parse_child_output("R 17\nA c1-0-0 18\nA c1-1-0 19\nX c1-0-1 account_not_found\nA c1-0-2 2");
  CHECK(out.ready_head == std::optional<std::uint64_t>(17));
  REQUIRE(out.acks.size() == 2);
  CHECK(out.acks[0] == std::pair<std::string, std::uint64_t>{"c1-0-0", 18});
  CHECK(out.acks[1] == std::pair<std::string, std::uint64_t>{"c1-1-0", 19});
  CHECK(out.failures == std::vector<std::string>{"X c1-0-1 account_not_found"});
  CHECK(out.partial_bytes == std::string_view("A c1-0-2 2").size());

  // Cut in the middle of the key, or just before the newline: never an ack.
  CHECK(parse_child_output("R 1\nA c1-0").acks.empty());
  CHECK(parse_child_output("R 1\nA c1-0-0 ").acks.empty());
  CHECK(parse_child_output("R 1\nA c1-0-0 ").partial_bytes == 9);
  // A complete line that is not well formed is a failure, not an ack.
  const ChildOutput bad = parse_child_output("A c1-0-0 12x\nA  5\n");
  CHECK(bad.acks.empty());
  CHECK(bad.failures.size() == 2);
  CHECK(bad.partial_bytes == 0);
}

TEST_CASE("SIGKILL at random moments loses no acknowledged request and corrupts nothing",
          "[crash]") {
  INFO("seed " << crash_seed);
  test::TempDir tmp;
  const std::string path = tmp.sub("ledger");
  ManualClock clock(test::start_time_us);
  Hash head_hash_before = test::create_ledger(path, clock)->store().head_hash();

  std::mt19937_64 random(crash_seed);
  std::map<std::string, std::uint64_t> acknowledged;     // every cycle so far
  std::map<std::string, std::uint64_t> sequence_of_key;  // every event so far
  sequence_of_key.emplace("ledger-created", 1);          // Ledger::create's key
  std::uint64_t head_before = 1;
  int partial_lines = 0;
  int checkpoints_behind_head = 0;

  for (int cycle = 0; cycle < cycles; ++cycle) {
    const int threads = 2 + cycle % 3;
    const auto run_time = std::chrono::milliseconds(
        std::uniform_int_distribution<int>(run_ms_min, run_ms_max)(random));
    INFO("cycle " << cycle << ": " << threads << " threads, killed after " << run_time.count()
                  << " ms");
    const ChildRun run = run_and_kill_child(path, cycle, threads, run_time);
    const ChildOutput out = parse_child_output(run.output);
    INFO("child wrote: " << run.output.substr(0, 400));
    REQUIRE(run.became_ready);
    REQUIRE(out.failures.empty());
    // Killed by us, not dead of its own accord (an assertion would abort).
    CHECK(WIFSIGNALED(run.wait_status));
    CHECK(WTERMSIG(run.wait_status) == SIGKILL);
    CHECK(out.ready_head == std::optional<std::uint64_t>(head_before));
    if (out.partial_bytes > 0) ++partial_lines;
    std::size_t acked_twice = 0;
    for (const auto& [key, sequence] : out.acks)
      acked_twice += acknowledged.emplace(key, sequence).second ? 0 : 1;
    CHECK(acked_twice == 0);

    auto ledger = test::open_ledger(path, clock);
    const Store& store = ledger->store();
    const std::uint64_t head = store.head_sequence();
    CHECK(head >= head_before);
    // The log up to the previous head is the one checked then: its last hash
    // is unchanged, and through the chain so is every event before it.
    auto previous_last = store.get_event(head_before);
    REQUIRE(previous_last);
    auto previous_record = decode_stored(*previous_last, nullptr);
    REQUIRE(previous_record);
    CHECK(previous_record->hash == head_hash_before);

    // The audit recomputes the whole chain up to the head, rebuilds the state
    // from sequence 1 and compares it with the checkpoint and with the state
    // the open recovered. Events up to head_before were checked key by key
    // in earlier cycles and the chain covers them, so only the new ones are.
    const AuditReport report = audit_verify(store, &ledger->state());
    INFO(report.problem);
    CHECK(report.ok);
    CHECK(report.events == head);
    CHECK(report.live_compared);
    if (report.checkpoint_sequence != 0) CHECK(report.checkpoint_matches);
    if (report.checkpoint_sequence != 0 && report.checkpoint_sequence < head)
      ++checkpoints_behind_head;

    // The new events: gap-free, ending at the head, each key once in the
    // whole log, each with its idempotency record (written in the same batch).
    std::uint64_t expected_sequence = head_before + 1;
    std::vector<std::string> problems;
    store.scan_events(head_before + 1, [&](std::uint64_t sequence, std::string_view bytes) {
      std::string why;
      auto stored = decode_stored_event(bytes, &why);
      const std::string at = "event " + std::to_string(sequence) + ": ";
      if (!stored) return problems.push_back(at + why), false;
      if (sequence != expected_sequence++) problems.push_back(at + "out of sequence");
      const std::string& key = stored->event.idempotency_key;
      if (!sequence_of_key.emplace(key, sequence).second)
        problems.push_back(at + "key " + key + " twice");
      auto record = test::find_idempotency(store, key);
      if (!record || record->first_sequence != sequence || record->event_count != 1)
        problems.push_back(at + "idempotency record of " + key + " does not name it");
      return problems.size() < 20;
    });
    for (const std::string& problem : problems) UNSCOPED_INFO(problem);
    CHECK(problems.empty());
    CHECK(expected_sequence == head + 1);

    // Every request acknowledged in this cycle is there, at its sequence.
    std::size_t acks_missing = 0;
    for (const auto& [key, sequence] : out.acks) {
      auto found = sequence_of_key.find(key);
      if (found == sequence_of_key.end() || found->second != sequence) {
        ++acks_missing;
        UNSCOPED_INFO("acknowledged key " << key << " at " << sequence
                                          << " is not in the log there");
      }
      auto record = test::find_idempotency(store, key);
      if (!record || record->first_sequence != sequence) ++acks_missing;
    }
    CHECK(acks_missing == 0);
    if (cycle == cycles - 1)
      CHECK(test::rebuild_from_log(store).serialize() == ledger->state().serialize());
    head_before = head;
    head_hash_before = store.head_hash();
  }
  INFO(acknowledged.size() << " acknowledged, " << head_before << " events, " << partial_lines
                           << " partial lines, " << checkpoints_behind_head
                           << " checkpoints behind the head");
  // The kills landed while work was in flight and checkpoints were behind.
  CHECK(acknowledged.size() >= static_cast<std::size_t>(cycles));
  CHECK(checkpoints_behind_head > 0);
}

}  // namespace huawu
