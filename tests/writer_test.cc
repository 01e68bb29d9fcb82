// The writer through Ledger, the way the CLI and the daemon use it: group
// commit, deciding against the batch, idempotent retries, every rejection,
// ledger time, checkpoints, and the follower that serves every read
// (docs/architecture.md §1, §4).
#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <map>
#include <set>
#include <thread>

#include "events/codec.h"
#include "events/limits.h"
#include "events/rejection.h"
#include "ledger/history.h"
#include "tests/test_support.h"

namespace huawu {
namespace {

using test::close_request;
using test::open_request;
using test::recharge_request;
using test::TempDir;

// A ledger in a fresh temp directory on a ManualClock.
struct Fixture {
  TempDir tmp;
  std::string path = tmp.sub("ledger");
  ManualClock clock{test::start_time_us};
  std::unique_ptr<Ledger> ledger;

  explicit Fixture(WriterOptions options = {}) {
    ledger = test::create_ledger(path, clock, options);
  }
  Writer& writer() { return ledger->writer(); }
  Outcome submit(Request request) { return writer().submit_and_wait(std::move(request)); }
  void reopen(WriterOptions options = {}) {
    ledger.reset();
    ledger = test::open_ledger(path, clock, options);
  }
  // What a rejected or replayed request must leave untouched.
  struct Snapshot {
    std::uint64_t head_sequence;
    Hash head_hash;
    std::string state;
  };
  Snapshot snapshot() const {
    return {ledger->store().head_sequence(), ledger->store().head_hash(),
            ledger->state().serialize()};
  }
  void check_unchanged(const Snapshot& before) const {
    CHECK(ledger->store().head_sequence() == before.head_sequence);
    CHECK(ledger->store().head_hash() == before.head_hash);
    CHECK(ledger->state().serialize() == before.state);
  }
  std::int64_t balance(std::string_view account) const {
    const AccountState* state = ledger->state().balances().find(account);
    REQUIRE(state);
    return state->balance_units;
  }
};

std::string name_of(Rejection rejection) { return std::string(rejection_name(rejection)); }

#define REQUIRE_ACCEPTED(outcome) REQUIRE(name_of((outcome).rejection) == "none")

}  // namespace

TEST_CASE("a new ledger holds only LedgerCreated", "[writer]") {
  Fixture f;
  CHECK(f.ledger->store().head_sequence() == 1);
  CHECK(f.ledger->state().info().created());
  CHECK(f.ledger->state().info().ledger().provider_id == test::test_identity().provider_id);
  const auto log = test::read_log(f.ledger->store());
  REQUIRE(log.size() == 1);
  CHECK(std::holds_alternative<LedgerCreated>(log[0].event.payload));
  CHECK(log[0].event.ledger_time_us == test::start_time_us);
  CHECK(log[0].event.actor == test::test_actor);
}

TEST_CASE("an accepted request returns its events and sequence, and applies them", "[writer]") {
  Fixture f;
  const Outcome opened = f.submit(open_request("k1", "alice", 2'500));
  REQUIRE_ACCEPTED(opened);
  CHECK_FALSE(opened.replayed);
  CHECK(opened.first_sequence == 2);
  REQUIRE(opened.events.size() == 1);
  const auto* payload = std::get_if<AccountOpened>(&opened.events[0].payload);
  REQUIRE(payload);
  CHECK(payload->account == "alice");
  CHECK(payload->initial_balance_units == 2'500);
  CHECK(opened.events[0].idempotency_key == "k1");
  CHECK(f.balance("alice") == 2'500);
  // The event in the store is the one the outcome returned.
  const auto log = test::read_log(f.ledger->store());
  REQUIRE(log.size() == 2);
  CHECK(log[1].event == opened.events[0]);
}

TEST_CASE("a retry with the same key and content replays the original outcome", "[writer]") {
  Fixture f;
  REQUIRE_ACCEPTED(f.submit(open_request("open-a", "a")));
  const Outcome original = f.submit(recharge_request("pay-1", "a", 500, "receipt-1"));
  REQUIRE_ACCEPTED(original);
  REQUIRE(original.first_sequence == 3);
  const auto before = f.snapshot();

  SECTION("in a later batch") {
    const Outcome retry = f.submit(recharge_request("pay-1", "a", 500, "receipt-1"));
    REQUIRE_ACCEPTED(retry);
    CHECK(retry.replayed);
    CHECK(retry.first_sequence == original.first_sequence);
    CHECK(retry.events == original.events);
    f.check_unchanged(before);
    CHECK(f.balance("a") == 500);
  }
  SECTION("after close and reopen") {
    f.reopen();
    const Outcome retry = f.submit(recharge_request("pay-1", "a", 500, "receipt-1"));
    REQUIRE_ACCEPTED(retry);
    CHECK(retry.replayed);
    CHECK(retry.first_sequence == original.first_sequence);
    CHECK(retry.events == original.events);
    f.check_unchanged(before);
  }
  SECTION("the actor and business time are not part of the request's content") {
    Request retry_request = recharge_request("pay-1", "a", 500, "receipt-1");
    retry_request.actor = "someone-else";
    retry_request.business_time_us = test::start_time_us - 3'600 * test::second_us;
    const Outcome retry = f.submit(std::move(retry_request));
    CHECK(retry.replayed);
    CHECK(retry.events == original.events);
    f.check_unchanged(before);
  }
}

TEST_CASE("two identical requests in one batch append once and the second replays", "[writer]") {
  Fixture f;
  REQUIRE_ACCEPTED(f.submit(open_request("open-a", "a")));
  const auto head_before = f.ledger->store().head_sequence();
  const auto batches_before = f.writer().batches_committed();
  const auto outcomes = test::submit_in_one_batch(
      f.writer(), {recharge_request("twice", "a", 300), recharge_request("twice", "a", 300)});
  CHECK(f.writer().batches_committed() == batches_before + 1);
  REQUIRE_ACCEPTED(outcomes[0]);
  REQUIRE_ACCEPTED(outcomes[1]);
  CHECK_FALSE(outcomes[0].replayed);
  CHECK(outcomes[1].replayed);
  CHECK(outcomes[0].first_sequence == head_before + 1);
  CHECK(outcomes[1].first_sequence == outcomes[0].first_sequence);
  REQUIRE(outcomes[0].events.size() == 1);
  CHECK(outcomes[1].events == outcomes[0].events);
  CHECK(f.ledger->store().head_sequence() == head_before + 1);
  CHECK(f.balance("a") == 300);

  // And a retry in yet another batch still sees the one event.
  const Outcome later = f.submit(recharge_request("twice", "a", 300));
  CHECK(later.replayed);
  CHECK(later.events == outcomes[0].events);
  CHECK(f.ledger->store().head_sequence() == head_before + 1);
}

TEST_CASE("the same key with different content is refused: idempotency_key_reused", "[writer]") {
  Fixture f;
  REQUIRE_ACCEPTED(f.submit(open_request("open-a", "a")));
  REQUIRE_ACCEPTED(f.submit(recharge_request("pay-1", "a", 500)));

  SECTION("in a later batch") {
    const auto before = f.snapshot();
    // Each field of the command is part of its content.
    for (Request request :
         {recharge_request("pay-1", "a", 501), recharge_request("pay-1", "b", 500),
          recharge_request("pay-1", "a", 500, "other-ref"), open_request("pay-1", "a"),
          close_request("pay-1", "a", true)}) {
      const Outcome outcome = f.submit(std::move(request));
      CHECK(name_of(outcome.rejection) == "idempotency_key_reused");
      CHECK_FALSE(outcome.replayed);
      CHECK(outcome.first_sequence == 0);
      CHECK(outcome.events.empty());
    }
    f.check_unchanged(before);
  }
  SECTION("within one batch") {
    const auto head_before = f.ledger->store().head_sequence();
    const auto outcomes = test::submit_in_one_batch(
        f.writer(), {recharge_request("fresh", "a", 10), recharge_request("fresh", "a", 11)});
    REQUIRE_ACCEPTED(outcomes[0]);
    CHECK(name_of(outcomes[1].rejection) == "idempotency_key_reused");
    CHECK(f.ledger->store().head_sequence() == head_before + 1);
    CHECK(f.balance("a") == 510);
  }
  SECTION("after close and reopen") {
    f.reopen();
    const auto before = f.snapshot();
    CHECK(name_of(f.submit(recharge_request("pay-1", "a", 499)).rejection) ==
          "idempotency_key_reused");
    f.check_unchanged(before);
  }
}

// One line a request, the expected rejection beside it (TigerBeetle's table
// style). Every row is refused, appends nothing and stores no key.
TEST_CASE("every rejection the writer can give appends nothing", "[writer]") {
  Fixture f;
  REQUIRE_ACCEPTED(f.submit(open_request("setup-1", "open-empty")));
  REQUIRE_ACCEPTED(f.submit(open_request("setup-2", "funded", 900)));
  REQUIRE_ACCEPTED(f.submit(open_request("setup-3", "closed")));
  REQUIRE_ACCEPTED(f.submit(close_request("setup-4", "closed", false)));
  REQUIRE_ACCEPTED(f.submit(recharge_request("setup-5", "funded", 100)));

  struct Row {
    Request request;
    Rejection expected;
  };
  const std::string too_long_text(limits::reference_length_max + 1, 'x');
  const std::string control_text = "line\nbreak";
  std::vector<Row> rows = {
      {Request{test::test_identity(), "r-create", test::test_actor, 0},
       Rejection::ledger_already_created},
      {open_request("r-open-exists", "funded"), Rejection::account_exists},
      {open_request("r-open-exists-closed", "closed"), Rejection::account_exists},
      {open_request("r-open-bad-id", "has space"), Rejection::account_id_invalid},
      {open_request("r-open-empty-id", ""), Rejection::account_id_invalid},
      {open_request("r-open-negative", "new-1", -1), Rejection::amount_must_be_positive},
      {open_request("r-open-huge", "new-2", limits::amount_units_max + 1),
       Rejection::amount_too_large},
      {Request{OpenAccount{"new-3", "bad plan!", 0, {}}, "r-open-plan", test::test_actor, 0},
       Rejection::text_invalid},
      {recharge_request("r-rc-missing", "nobody", 100), Rejection::account_not_found},
      {recharge_request("r-rc-closed", "closed", 100), Rejection::account_closed},
      {recharge_request("r-rc-zero", "funded", 0), Rejection::amount_must_be_positive},
      {recharge_request("r-rc-negative", "funded", -100), Rejection::amount_must_be_positive},
      {recharge_request("r-rc-huge", "funded", limits::amount_units_max + 1),
       Rejection::amount_too_large},
      {recharge_request("r-rc-ref-long", "funded", 1, too_long_text), Rejection::text_invalid},
      {recharge_request("r-rc-ref-control", "funded", 1, control_text), Rejection::text_invalid},
      {recharge_request("r-rc-bad-id", "-starts-with-dash", 1), Rejection::account_id_invalid},
      {close_request("r-close-missing", "nobody", true), Rejection::account_not_found},
      {close_request("r-close-closed", "closed", true), Rejection::account_closed},
      {close_request("r-close-balance", "funded", false), Rejection::account_has_balance},
      {recharge_request("", "funded", 1), Rejection::idempotency_key_invalid},
      {recharge_request(std::string(limits::idempotency_key_length_max + 1, 'k'), "funded", 1),
       Rejection::idempotency_key_invalid},
      {recharge_request("setup-5", "funded", 101), Rejection::idempotency_key_reused},
  };
  for (Row& row : rows) {
    const std::string key = row.request.idempotency_key;
    INFO("key '" << key << "' expects " << name_of(row.expected));
    const auto before = f.snapshot();
    const Outcome outcome = f.submit(std::move(row.request));
    CHECK(name_of(outcome.rejection) == name_of(row.expected));
    CHECK_FALSE(outcome.replayed);
    CHECK(outcome.first_sequence == 0);
    CHECK(outcome.events.empty());
    f.check_unchanged(before);
    // A refused request stores no outcome for its key: only setup-5 was ever accepted.
    if (key != "setup-5" && !key.empty() && key.size() <= limits::idempotency_key_length_max)
      CHECK_FALSE(f.ledger->store().get_idempotency(key));
  }
  // Since nothing was stored, the same key may later carry a request that succeeds.
  REQUIRE_ACCEPTED(f.submit(recharge_request("r-rc-zero", "funded", 1)));
  CHECK(f.balance("funded") == 1'001);
}

TEST_CASE("balance_limit_exceeded: a wallet cannot pass limits::balance_units_max", "[writer]") {
  Fixture f;
  REQUIRE_ACCEPTED(f.submit(open_request("open", "whale", limits::amount_units_max)));
  // Fill the wallet to exactly the limit with the largest allowed recharges,
  // in batches so the test stays quick.
  const std::int64_t recharges = limits::balance_units_max / limits::amount_units_max - 1;
  REQUIRE(limits::balance_units_max % limits::amount_units_max == 0);
  std::int64_t done = 0;
  while (done < recharges) {
    std::vector<Request> batch;
    for (; done < recharges && batch.size() < 2'000; ++done)
      batch.push_back(
          recharge_request("fill-" + std::to_string(done), "whale", limits::amount_units_max));
    for (const Outcome& outcome : test::submit_all(f.writer(), std::move(batch)))
      REQUIRE_ACCEPTED(outcome);
  }
  REQUIRE(f.balance("whale") == limits::balance_units_max);
  const auto before = f.snapshot();
  CHECK(name_of(f.submit(recharge_request("over", "whale", 1)).rejection) ==
        "balance_limit_exceeded");
  f.check_unchanged(before);
  // Closing with a refund of the whole maximum balance still balances.
  const Outcome closed = f.submit(close_request("close", "whale", true));
  REQUIRE_ACCEPTED(closed);
  CHECK(std::get<AccountClosed>(closed.events[0].payload).remaining_balance_units ==
        limits::balance_units_max);
  std::string why;
  CHECK(f.ledger->state().check_invariants(&why));
}

TEST_CASE("ledger_not_created: a store without LedgerCreated refuses everything else", "[writer]") {
  TempDir tmp;
  std::string why;
  auto store = Store::create(tmp.sub("bare"), &why);
  REQUIRE(store);
  LedgerState state;
  ManualClock clock(test::start_time_us);
  Writer writer(*store, state, clock);
  for (Request request :
       {open_request("k1", "a"), recharge_request("k2", "a", 1), close_request("k3", "a", false)}) {
    const Outcome outcome = writer.submit_and_wait(std::move(request));
    CHECK(name_of(outcome.rejection) == "ledger_not_created");
  }
  CHECK(store->head_sequence() == 0);
  // Creating the ledger first makes the same requests acceptable, even in the same batch.
  const auto outcomes = test::submit_in_one_batch(
      writer, {Request{test::test_identity(), "create", test::test_actor, 0},
               open_request("k1", "a"), recharge_request("k2", "a", 1)});
  for (const Outcome& outcome : outcomes) CHECK(name_of(outcome.rejection) == "none");
  writer.close();
  CHECK(store->head_sequence() == 3);
}

TEST_CASE("writer_stopped: requests after close are refused at once", "[writer]") {
  Fixture f;
  REQUIRE_ACCEPTED(f.submit(open_request("open", "a")));
  const std::uint64_t head = f.ledger->store().head_sequence();
  f.ledger->close();
  f.ledger->close();  // idempotent
  bool ran = false;
  Outcome outcome;
  f.writer().submit(recharge_request("late", "a", 1), [&](Outcome&& o) {
    ran = true;  // runs on this thread: the writer is gone
    outcome = std::move(o);
  });
  CHECK(ran);
  CHECK(name_of(outcome.rejection) == "writer_stopped");
  CHECK(name_of(f.submit(open_request("late-2", "b")).rejection) == "writer_stopped");
  CHECK(f.ledger->store().head_sequence() == head);
  CHECK_FALSE(f.ledger->store().get_idempotency("late"));
}

TEST_CASE("storage_failed: after a failed append the writer refuses every write (fail-stop)",
          "[writer]") {
  Fixture f;
  REQUIRE_ACCEPTED(f.submit(open_request("open", "a", 100)));
  const auto before = f.snapshot();
  REQUIRE(test::break_write_ahead_log(f.path));
  CHECK(name_of(f.submit(recharge_request("lost", "a", 5)).rejection) == "storage_failed");
  CHECK(f.ledger->store().failed());
  // The state did not run ahead of the log.
  f.check_unchanged(before);
  // Later requests are refused without touching the store, even those that
  // would append nothing.
  CHECK(name_of(f.submit(recharge_request("after", "a", 5)).rejection) == "storage_failed");
  CHECK(name_of(f.submit(recharge_request("after-2", "nobody", 5)).rejection) == "storage_failed");
  f.check_unchanged(before);

  // A restart recovers what was acknowledged, and nothing else.
  f.reopen();
  f.check_unchanged(before);
  CHECK_FALSE(f.ledger->store().get_idempotency("lost"));
  REQUIRE_ACCEPTED(f.submit(recharge_request("lost", "a", 5)));
  CHECK(f.balance("a") == 105);
}

// Issue 16: a read that fails on the writer thread (a calls record or an
// idempotency record the store cannot give back whole) used to escape the
// thread and end the process; it is fail-stop like a failed append.
TEST_CASE("storage_failed: a failed read while deciding stops writes instead of ending the process",
          "[writer]") {
  SECTION("a billed-call record of the wrong size") {
    Fixture f;
    REQUIRE_ACCEPTED(f.submit(open_request("open", "a", 100)));
    f.ledger.reset();
    test::RawStore(f.path).put("calls", call_key("sw1", "c-broken"), "xyz");
    f.reopen();
    const auto before = f.snapshot();
    // No hold for the call: decide asks the store whether it was billed.
    Request settle{SwitchRequest{"sw1", "s-1", SettleCall{"c-broken", 1, 1'000, 16}},
                   switch_idempotency_key("sw1", "s-1"), "switch:sw1", 0};
    CHECK(name_of(f.submit(std::move(settle)).rejection) == "storage_failed");
    CHECK(name_of(f.submit(recharge_request("after", "a", 5)).rejection) == "storage_failed");
    f.check_unchanged(before);
    CHECK(f.writer().fail_stopped());
  }
  SECTION("an idempotency record that does not decode") {
    Fixture f;
    REQUIRE_ACCEPTED(f.submit(open_request("open", "a", 100)));
    f.ledger.reset();
    test::RawStore(f.path).put("idempotency", "retry-me", "not a record");
    f.reopen();
    const auto before = f.snapshot();
    CHECK(name_of(f.submit(recharge_request("retry-me", "a", 5)).rejection) == "storage_failed");
    CHECK(name_of(f.submit(recharge_request("after", "a", 5)).rejection) == "storage_failed");
    f.check_unchanged(before);
    // A restart serves again (the broken record is the operator's to repair).
    f.reopen();
    REQUIRE_ACCEPTED(f.submit(recharge_request("after", "a", 5)));
    CHECK(f.balance("a") == 105);
  }
}

TEST_CASE("group commit: concurrent requests from many threads all complete, gap-free",
          "[writer]") {
  Fixture f;
  constexpr int threads = 4;
  constexpr int per_thread = 400;
  // Each thread opens its own account first, then recharges it.
  std::vector<Request> opens;
  for (int t = 0; t < threads; ++t)
    opens.push_back(open_request("open-" + std::to_string(t), "t" + std::to_string(t)));
  for (const Outcome& outcome : test::submit_all(f.writer(), std::move(opens)))
    REQUIRE_ACCEPTED(outcome);
  const std::uint64_t head_before = f.ledger->store().head_sequence();
  const std::uint64_t batches_before = f.writer().batches_committed();

  std::vector<std::vector<Outcome>> outcomes(threads, std::vector<Outcome>(per_thread));
  std::latch done(threads * per_thread);
  std::vector<std::thread> submitters;
  for (int t = 0; t < threads; ++t) {
    submitters.emplace_back([&, t] {
      for (int n = 0; n < per_thread; ++n) {
        f.writer().submit(recharge_request("t" + std::to_string(t) + "-" + std::to_string(n),
                                           "t" + std::to_string(t), n + 1),
                          [&, t, n](Outcome&& outcome) {
                            outcomes[t][n] = std::move(outcome);
                            done.count_down();
                          });
      }
    });
  }
  for (auto& thread : submitters) thread.join();
  done.wait();

  constexpr std::uint64_t requests = threads * per_thread;
  std::set<std::uint64_t> sequences;
  for (int t = 0; t < threads; ++t) {
    std::uint64_t last_sequence = 0;
    for (int n = 0; n < per_thread; ++n) {
      const Outcome& outcome = outcomes[t][n];
      REQUIRE_ACCEPTED(outcome);
      CHECK_FALSE(outcome.replayed);
      // One submitter's requests keep their order in the log.
      CHECK(outcome.first_sequence > last_sequence);
      last_sequence = outcome.first_sequence;
      sequences.insert(outcome.first_sequence);
    }
  }
  CHECK(sequences.size() == requests);
  CHECK(*sequences.begin() == head_before + 1);
  CHECK(*sequences.rbegin() == head_before + requests);
  CHECK(f.ledger->store().head_sequence() == head_before + requests);
  const std::uint64_t batches = f.writer().batches_committed() - batches_before;
  CHECK(batches >= 1);
  CHECK(batches < requests);
  // Each account got 1 + 2 + ... + per_thread.
  for (int t = 0; t < threads; ++t)
    CHECK(f.balance("t" + std::to_string(t)) == per_thread * (per_thread + 1) / 2);
  std::string why;
  CHECK(f.ledger->state().check_invariants(&why));
  CHECK(test::rebuild_from_log(f.ledger->store()).serialize() == f.ledger->state().serialize());
}

// A clock that moves on by one microsecond each time it is read: every batch
// the writer stamps gets a ledger time of its own.
class CountingClock final : public Clock {
 public:
  std::int64_t now_us() override { return ++now_us_; }

 private:
  std::atomic<std::int64_t> now_us_{test::start_time_us};
};

TEST_CASE("one append is one batch with one ledger time, under concurrent load", "[writer]") {
  // ops/bench/raw_replay_bench.cc recovers the group commits from the log by
  // ledger time; requests decided while a batch waits for the committer join
  // that batch and its time, so the distinct times are exactly the appends.
  TempDir tmp;
  CountingClock clock;
  auto ledger = test::create_ledger(tmp.sub("ledger"), clock);
  Writer& writer = ledger->writer();
  constexpr int threads = 4;
  constexpr int per_thread = 300;
  std::vector<Request> opens;
  for (int t = 0; t < threads; ++t) opens.push_back(open_request("open-" + std::to_string(t), "t" + std::to_string(t)));
  for (const Outcome& outcome : test::submit_all(writer, std::move(opens))) REQUIRE_ACCEPTED(outcome);
  const std::uint64_t head_before = ledger->store().head_sequence();
  const std::uint64_t batches_before = writer.batches_committed();

  std::latch done(threads * per_thread);
  std::atomic<int> accepted = 0;
  std::vector<std::thread> submitters;
  for (int t = 0; t < threads; ++t) {
    submitters.emplace_back([&, t] {
      for (int n = 0; n < per_thread; ++n)
        writer.submit(recharge_request("t" + std::to_string(t) + "-" + std::to_string(n), "t" + std::to_string(t), 1),
                      [&](Outcome&& outcome) {
                        if (outcome.rejection == Rejection::none) ++accepted;
                        done.count_down();
                      });
    });
  }
  for (auto& thread : submitters) thread.join();
  done.wait();
  REQUIRE(accepted == threads * per_thread);

  const std::uint64_t appends = writer.batches_committed() - batches_before;
  std::set<std::int64_t> ledger_times;
  for (std::uint64_t sequence = head_before + 1; sequence <= ledger->store().head_sequence(); ++sequence) {
    const auto bytes = ledger->store().get_event(sequence);
    REQUIRE(bytes.has_value());
    std::string why;
    const auto stored = decode_stored_event(*bytes, &why);
    REQUIRE(stored.has_value());
    ledger_times.insert(stored->event.ledger_time_us);
  }
  CHECK(ledger->store().head_sequence() == head_before + threads * per_thread);
  CHECK(appends >= 1);
  CHECK(ledger_times.size() == appends);
}

TEST_CASE("decide sees the events decided earlier in the same batch", "[writer]") {
  Fixture f;
  const std::uint64_t head = f.ledger->store().head_sequence();
  const std::uint64_t batches_before = f.writer().batches_committed();
  // One line a request, with what decide must answer given the lines above it.
  struct Row {
    Request request;
    const char* expected;
  };
  std::vector<Row> rows = {
      {open_request("1", "a"), "none"},
      {recharge_request("2", "a", 700), "none"},                // sees the open
      {close_request("3", "a", false), "account_has_balance"},  // sees the 700
      {close_request("4", "a", true), "none"},                  // refunds the 700
      {recharge_request("5", "a", 1), "account_closed"},        // sees the close
      {open_request("6", "b", 50), "none"},
      {open_request("7", "b"), "account_exists"},  // sees the open
      {recharge_request("8", "b", 25), "none"},    // 50 + 25
  };
  std::vector<Request> requests;
  for (const Row& row : rows) requests.push_back(row.request);
  const auto outcomes = test::submit_in_one_batch(f.writer(), std::move(requests));
  CHECK(f.writer().batches_committed() == batches_before + 1);
  REQUIRE(outcomes.size() == rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    INFO("request " << i + 1);
    CHECK(name_of(outcomes[i].rejection) == rows[i].expected);
  }
  // Accepted requests got consecutive sequences in submission order.
  CHECK(outcomes[0].first_sequence == head + 1);
  CHECK(outcomes[1].first_sequence == head + 2);
  CHECK(outcomes[3].first_sequence == head + 3);
  CHECK(outcomes[5].first_sequence == head + 4);
  CHECK(outcomes[7].first_sequence == head + 5);
  CHECK(std::get<WalletRecharged>(outcomes[1].events[0].payload).balance_after_units == 700);
  const auto& closed = std::get<AccountClosed>(outcomes[3].events[0].payload);
  CHECK(closed.remaining_balance_units == 700);
  CHECK(closed.disposition == BalanceDisposition::refunded);
  CHECK(std::get<WalletRecharged>(outcomes[7].events[0].payload).balance_after_units == 75);

  const AccountState* a = f.ledger->state().balances().find("a");
  REQUIRE(a);
  CHECK(a->status == AccountStatus::closed);
  CHECK(a->balance_units == 0);
  CHECK(f.balance("b") == 75);
  CHECK(f.ledger->state().balances().ledger_account_units(
            {LedgerAccountKind::external_cash, "", Unit::cny_units}) == -75);
  CHECK(test::rebuild_from_log(f.ledger->store()).serialize() == f.ledger->state().serialize());
}

TEST_CASE("ledger time never goes backwards, even when the clock does", "[writer]") {
  Fixture f;
  const std::int64_t t0 = test::start_time_us;
  f.clock.set_us(t0 + 10 * test::second_us);
  const Outcome first = f.submit(open_request("1", "a"));
  REQUIRE_ACCEPTED(first);
  CHECK(first.events[0].ledger_time_us == t0 + 10 * test::second_us);
  // Business time defaults to the ledger time.
  CHECK(first.events[0].business_time_us == first.events[0].ledger_time_us);

  f.clock.set_us(t0 - 3'600 * test::second_us);  // the clock jumps back an hour
  const Outcome second = f.submit(recharge_request("2", "a", 1));
  REQUIRE_ACCEPTED(second);
  CHECK(second.events[0].ledger_time_us == first.events[0].ledger_time_us);

  // Also across a restart: recovery restores the last ledger time.
  f.reopen();
  f.clock.set_us(t0 - 7'200 * test::second_us);
  const Outcome third = f.submit(recharge_request("3", "a", 1));
  REQUIRE_ACCEPTED(third);
  CHECK(third.events[0].ledger_time_us == first.events[0].ledger_time_us);

  // A business time given by the client is kept as it is.
  f.clock.set_us(t0 + 20 * test::second_us);
  Request with_business_time = recharge_request("4", "a", 1);
  with_business_time.business_time_us = t0 - 86'400 * test::second_us;
  const Outcome fourth = f.submit(std::move(with_business_time));
  REQUIRE_ACCEPTED(fourth);
  CHECK(fourth.events[0].ledger_time_us == t0 + 20 * test::second_us);
  CHECK(fourth.events[0].business_time_us == t0 - 86'400 * test::second_us);

  std::int64_t last_us = 0;
  for (const StoredEvent& stored : test::read_log(f.ledger->store())) {
    CHECK(stored.event.ledger_time_us >= last_us);
    last_us = stored.event.ledger_time_us;
  }
  CHECK(f.ledger->state().last_ledger_time_us() == t0 + 20 * test::second_us);
}

TEST_CASE("checkpoints: written every interval, loaded on reopen, equal to a full rebuild",
          "[writer]") {
  constexpr std::uint64_t interval = 5;
  WriterOptions options;
  options.checkpoint_interval_events = interval;
  Fixture f(options);
  // One request per batch, so a checkpoint follows every `interval` events.
  for (int n = 0; n < 23; ++n) {
    const std::string account = "acct-" + std::to_string(n % 4);
    const Outcome outcome = n < 4 ? f.submit(open_request("o" + std::to_string(n), account, n))
                                  : f.submit(recharge_request("r" + std::to_string(n), account, n));
    REQUIRE_ACCEPTED(outcome);
  }
  const std::uint64_t head = f.ledger->store().head_sequence();
  REQUIRE(head == 24);
  // Sequence 1 is LedgerCreated; the last checkpoint is the last multiple of the interval.
  const std::uint64_t expected_checkpoint = head / interval * interval;
  auto checkpoint_bytes = f.ledger->store().get_snapshot("state");
  REQUIRE(checkpoint_bytes);
  LedgerState checkpoint;
  std::string why;
  REQUIRE(checkpoint.deserialize(*checkpoint_bytes, &why));
  CHECK(checkpoint.applied_through() == expected_checkpoint);

  // The checkpoint equals the state rebuilt from events 1..checkpoint.
  LedgerState prefix;
  for (const StoredEvent& stored : test::read_log(f.ledger->store()))
    if (stored.sequence <= expected_checkpoint) prefix.apply(stored.sequence, stored.event);
  CHECK(prefix.serialize() == *checkpoint_bytes);

  const std::string live = f.ledger->state().serialize();
  SECTION("a clean close checkpoints the head") {
    f.reopen(options);
    auto at_close = f.ledger->store().get_snapshot("state");
    REQUIRE(at_close);
    CHECK(*at_close == live);
    CHECK(f.ledger->state().serialize() == live);
    CHECK(test::rebuild_from_log(f.ledger->store()).serialize() == live);
  }
  SECTION("a checkpoint behind the head is loaded and the tail replayed") {
    // As after a crash: the latest checkpoint names an event before the head.
    f.ledger.reset();
    {
      test::RawStore raw(f.path);
      raw.put("snapshots", "state", *checkpoint_bytes);
    }
    f.reopen(options);
    CHECK(f.ledger->state().applied_through() == head);
    CHECK(f.ledger->state().serialize() == live);
    CHECK(test::rebuild_from_log(f.ledger->store()).serialize() == live);
    // The writer goes on from there.
    REQUIRE_ACCEPTED(f.submit(recharge_request("after", "acct-1", 1)));
    CHECK(f.ledger->store().head_sequence() == head + 1);
  }
  SECTION("an unreadable checkpoint is ignored and the log replayed from sequence 1") {
    f.ledger.reset();
    {
      test::RawStore raw(f.path);
      raw.put("snapshots", "state", "not a checkpoint");
    }
    f.reopen(options);
    CHECK(f.ledger->state().serialize() == live);
  }
}

// Issue 16: reads run on the follower's thread, never on the writer's. A read
// that does not end holds up neither decisions nor replies; it sees a prefix
// of the log; a read issued after a reply sees that reply's write.
TEST_CASE("follower: a read that runs for long delays no decision and no reply", "[writer][follower]") {
  Fixture f;
  REQUIRE_ACCEPTED(f.submit(open_request("open", "a", 100)));
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<std::uint64_t> seen;
  f.writer().read([&, released](const LedgerState& state) {
    seen.set_value(state.applied_through());
    released.wait();  // a slow query: it holds the follower until released
  });
  const std::uint64_t seen_sequence = seen.get_future().get();
  CHECK(seen_sequence == 2);
  // 200 writes are decided, made durable and answered while the read runs.
  for (int i = 0; i < 200; ++i)
    REQUIRE_ACCEPTED(f.submit(recharge_request("r-" + std::to_string(i), "a", 1)));
  CHECK(f.writer().answered_through() == 202);
  // The read still sees the state it began with.
  release.set_value();
  std::int64_t balance = 0;
  std::uint64_t applied = 0;
  f.writer().read_and_wait([&](const LedgerState& state) {
    applied = state.applied_through();
    balance = state.balances().find("a")->balance_units;
  });
  // A read asked for after the replies sees every one of them.
  CHECK(applied == 202);
  CHECK(balance == 300);
}

TEST_CASE("follower: read-your-writes, and a read for a later sequence waits for it", "[writer][follower]") {
  Fixture f;
  for (int i = 0; i < 50; ++i) {
    const Outcome outcome = f.submit(open_request("open-" + std::to_string(i), "acct-" + std::to_string(i), i));
    REQUIRE_ACCEPTED(outcome);
    // Every read after a reply finds the write, with no wait named.
    bool found = false;
    f.writer().read_and_wait([&](const LedgerState& state) {
      found = state.balances().find("acct-" + std::to_string(i)) != nullptr &&
              state.applied_through() >= outcome.first_sequence;
    });
    REQUIRE(found);
  }
  // A read for a sequence not yet written runs once it is.
  std::atomic<std::uint64_t> seen{0};
  const std::uint64_t next = f.writer().answered_through() + 1;
  std::thread reader([&] {
    f.writer().read_and_wait([&](const LedgerState& state) { seen = state.applied_through(); }, next);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(seen.load() == 0);
  REQUIRE_ACCEPTED(f.submit(recharge_request("later", "acct-1", 5)));
  reader.join();
  CHECK(seen.load() >= next);
}

TEST_CASE("follower: the committed state equals the writer's after every batch, and a rebuild", "[writer][follower]") {
  Fixture f;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        const std::string account = "t" + std::to_string(t) + "-" + std::to_string(i % 10);
        if (i < 10) f.submit(open_request("o-" + account, account, 10));
        else f.submit(recharge_request("r-" + std::to_string(t) + "-" + std::to_string(i), account, 1));
      }
    });
  for (std::thread& thread : threads) thread.join();
  const std::string live = f.ledger->state().serialize();
  CHECK(f.ledger->state().applied_through() == f.ledger->store().head_sequence());
  CHECK(test::rebuild_from_log(f.ledger->store()).serialize() == live);
  // The writer's state ran ahead by nothing once all is answered: a reopen
  // (which copies the recovered state) decides the same.
  f.reopen();
  CHECK(f.ledger->state().serialize() == live);
  REQUIRE_ACCEPTED(f.submit(recharge_request("after", "t0-0", 1)));
}

// Issue 16: scope is decided by the writer against the state it decides on,
// so a transfer of the target racing an agent operator's request can never
// let the operator act on an account outside its reach (the check used to
// run on the committed state before the submit: time of check to time of
// use). Every recharge the operator got accepted is checked against the
// account's agent at that point of the log.
TEST_CASE("scope race: an agent operator's requests and concurrent transfers of its target", "[writer][scope]") {
  Fixture f;
  const std::string hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
  const auto op = [](Command command, std::string key) {
    return Request{std::move(command), std::move(key), "local:operator", 0};
  };
  REQUIRE_ACCEPTED(f.submit(op(AddAgent{"bj", "", "Beijing", 500}, "a-bj")));
  REQUIRE_ACCEPTED(f.submit(op(AddAgent{"sh", "", "Shanghai", 500}, "a-sh")));
  REQUIRE_ACCEPTED(f.submit(op(OpenAccount{"u", "", 0, "bj"}, "o-u")));
  REQUIRE_ACCEPTED(f.submit(op(AddPrincipal{"op-bj", PrincipalRole::agent, "bj", hash}, "p-op")));

  constexpr int rounds = 400;
  std::atomic<bool> done{false};
  std::atomic<bool> transfers_refused{false};
  std::thread mover([&] {
    for (int i = 0; i < rounds; ++i) {
      const std::string to = i % 2 == 0 ? "sh" : "bj";
      const Outcome moved = f.writer().submit_and_wait(
          op(TransferAccount{"u", to, ConsentParty::provider, "C-" + std::to_string(i)}, "t-" + std::to_string(i)));
      if (moved.rejection != Rejection::none) transfers_refused = true;
    }
    done = true;
  });
  int accepted = 0, refused = 0;
  for (int i = 0; !done.load() || i < rounds; ++i) {
    const Outcome outcome = f.submit(Request{RechargeWallet{"u", 1, ""}, "r-" + std::to_string(i), "principal:op-bj", 0});
    if (outcome.rejection == Rejection::none) ++accepted;
    else {
      // Out of reach: the answer a missing account gets.
      REQUIRE(name_of(outcome.rejection) == "account_not_found");
      ++refused;
    }
  }
  mover.join();
  CHECK_FALSE(transfers_refused.load());
  INFO(accepted << " accepted, " << refused << " refused");
  CHECK(accepted > 0);

  // Replay: every accepted recharge by the operator found the account bound to bj.
  std::string agent_of_u;
  int recharges_seen = 0;
  for (const StoredEvent& stored : test::read_log(f.ledger->store())) {
    const Event& event = stored.event;
    if (const auto* opened = std::get_if<AccountOpened>(&event.payload)) agent_of_u = opened->agent;
    if (const auto* moved = std::get_if<AccountTransferred>(&event.payload)) agent_of_u = moved->to_agent;
    if (std::holds_alternative<WalletRecharged>(event.payload)) {
      ++recharges_seen;
      CHECK(event.actor == "principal:op-bj");
      INFO("sequence " << stored.sequence);
      REQUIRE(agent_of_u == "bj");
    }
  }
  CHECK(recharges_seen == accepted);
  CHECK(f.balance("u") == accepted);
}

// Issue 16: point-in-time reads (ledger/history.h): the state after any
// sequence equals a replay from sequence 1 to it, whichever kept checkpoint
// it starts from; the kept ones are bounded; a ledger time finds the last
// sequence at or before it.
TEST_CASE("point in time: the state at any sequence, from the nearest kept checkpoint", "[writer][history]") {
  WriterOptions options;
  options.checkpoint_interval_events = 40;
  Fixture f(options);
  REQUIRE_ACCEPTED(f.submit(open_request("open", "a", 0)));
  std::map<std::uint64_t, std::int64_t> balance_at;  // sequence -> balance after it
  std::map<std::uint64_t, std::int64_t> time_at;     // sequence -> its ledger time
  for (int i = 1; i <= 600; ++i) {
    if (i % 7 == 0) f.clock.advance_us(test::second_us);
    const Outcome outcome = f.submit(recharge_request("r-" + std::to_string(i), "a", i));
    REQUIRE_ACCEPTED(outcome);
    balance_at[outcome.first_sequence] = std::get<WalletRecharged>(outcome.events.at(0).payload).balance_after_units;
    time_at[outcome.first_sequence] = outcome.events.at(0).ledger_time_us;
  }
  const Store& store = f.ledger->store();
  const std::vector<std::uint64_t> kept = store.kept_checkpoints();
  CHECK(kept.size() == limits::checkpoints_kept_max);  // bounded: the oldest were dropped
  CHECK(kept.front() > 40);
  for (const std::uint64_t sequence : {std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{3}, kept.front() - 1,
                                       kept.front(), kept.front() + 1, kept.back() - 3, kept.back(),
                                       store.head_sequence()}) {
    INFO("sequence " << sequence);
    LedgerState at;
    std::string why;
    REQUIRE(state_at_sequence(store, sequence, at, &why));
    CHECK(at.applied_through() == sequence);
    LedgerState from_one;
    REQUIRE(replay_into(store, from_one, &why, sequence));
    CHECK(at.serialize() == from_one.serialize());
    if (balance_at.count(sequence)) CHECK(at.balances().find("a")->balance_units == balance_at.at(sequence));
  }
  LedgerState past_head;
  std::string why;
  CHECK_FALSE(state_at_sequence(store, store.head_sequence() + 1, past_head, &why));
  CHECK(why.find("not in the log") != std::string::npos);

  // A ledger time: the last sequence at or before it.
  CHECK(sequence_at_time(store, test::start_time_us - 1) == 0);
  CHECK(sequence_at_time(store, test::start_time_us) >= 2);
  for (const auto& [sequence, time_us] : time_at) {
    const std::uint64_t found = sequence_at_time(store, time_us);
    REQUIRE(found >= sequence);
    REQUIRE(time_at.count(found));
    CHECK(time_at.at(found) == time_us);
    if (time_at.count(found + 1)) CHECK(time_at.at(found + 1) > time_us);
  }
  CHECK(sequence_at_time(store, INT64_MAX) == store.head_sequence());
}

}  // namespace huawu
