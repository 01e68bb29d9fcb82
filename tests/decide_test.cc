// decide (ledger/decide.h): every named rejection and every accepted command
// with its exact event. Written as tables in the manner of TigerBeetle's
// state_machine_tests: one row a request, the expected result beside it
// (STYLE "TigerBeetle"). Rows run in order against a LedgerState; accepted
// events are applied before the next row, so later rows see earlier ones.
#include "ledger/decide.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.h"
#include "events/limits.h"
#include "events/rejection.h"
#include "ledger/command.h"
#include "projections/ledger_state.h"
#include "tests/decide_fixture.h"
#include "tests/posting_builders.h"

namespace Catch {
template <>
struct StringMaker<huawu::Rejection> {
  static std::string convert(huawu::Rejection r) { return std::string(huawu::rejection_name(r)); }
};
}  // namespace Catch

namespace huawu {
namespace {

constexpr std::int64_t second_us = 1'000'000;
constexpr std::int64_t start_us = 1'735'660'800'000'000;  // 2025-01-01 00:00 UTC+8
constexpr std::int64_t amount_max = limits::amount_units_max;
constexpr std::int64_t balance_max = limits::balance_units_max;
constexpr const char* actor = "local:operator";
constexpr const char* auto_key = "<row key>";  // replaced by a key unique to the row

// ---- requests and expected results ---------------------------------------------

Request create(std::string provider_id, std::string name) {
  return Request{CreateLedger{std::move(provider_id), std::move(name)}, auto_key, actor, 0};
}
Request open(std::string account, std::int64_t initial_units = 0, std::string plan = "") {
  return Request{OpenAccount{std::move(account), std::move(plan), initial_units, {}}, auto_key, actor,
                 0};
}
Request recharge(std::string account, std::int64_t amount_units, std::string reference = "") {
  return Request{RechargeWallet{std::move(account), amount_units, std::move(reference)}, auto_key,
                 actor, 0};
}
Request close(std::string account, bool refund = false) {
  return Request{CloseAccount{std::move(account), refund ? CloseDisposition::refund : CloseDisposition::none, {}, {}}, auto_key, actor, 0};
}
const std::vector<Rate> plan_rates = {Rate{"86", "China", 750, 0, 60, 60}};
Request import_plan(std::string plan) {
  return Request{ImportRatePlan{std::move(plan), "plan.csv", plan_rates}, auto_key, actor, 0};
}
Request keyed(std::string key, Request request) {
  request.idempotency_key = std::move(key);
  return request;
}
Request at_business_time(std::int64_t business_time_us, Request request) {
  request.business_time_us = business_time_us;
  return request;
}

using test::cash;
using test::wallet;

struct Expect {
  Expect(Rejection r) : rejection(r) {}  // NOLINT: implicit, so a row can name just the rejection
  Expect(Payload p, std::vector<Posting> ps) : payload(std::move(p)), postings(std::move(ps)) {}
  Rejection rejection = Rejection::none;
  std::optional<Payload> payload;  // set iff accepted
  std::vector<Posting> postings;
};
Expect ok(Payload payload, std::vector<Posting> postings = {}) {
  return Expect(std::move(payload), std::move(postings));
}

struct Row {
  Request request;
  Expect expect;
};

std::string row_key(std::size_t index) { return "row-" + std::to_string(index); }

// ---- checks ------------------------------------------------------------------------

void require_same_decision(const Decision& a, const Decision& b) {
  REQUIRE(a.rejection == b.rejection);
  REQUIRE(a.events == b.events);
}

// Checks one decision against its row; the event's envelope comes from the
// request and the ledger time (decide reads no clock, DESIGN §1).
void check_decision(const Decision& decision, const Request& request, const Expect& expect,
                    std::int64_t ledger_time_us) {
  REQUIRE(decision.rejection == expect.rejection);
  if (!expect.payload) {
    REQUIRE(decision.events.empty());
    return;
  }
  REQUIRE(decision.events.size() == 1);
  const Event& event = decision.events.front();
  INFO("event " << payload_name(event.payload));
  CHECK(event.ledger_time_us == ledger_time_us);
  CHECK(event.business_time_us ==
        (request.business_time_us != 0 ? request.business_time_us : ledger_time_us));
  CHECK(event.actor == request.actor);
  CHECK(event.idempotency_key == request.idempotency_key);
  CHECK(payload_name(event.payload) == std::string(payload_name(*expect.payload)));
  CHECK(event.payload == *expect.payload);
  CHECK(event.postings == expect.postings);
  // Double entry (DESIGN §5): every event's postings sum to zero per unit.
  CHECK(postings_balance(event.postings));
}

// Runs the rows in order against `state`, committing accepted events.
void run_table(LedgerState& state, std::vector<Row> rows) {
  std::uint64_t sequence = state.applied_through();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    Request& request = rows[i].request;
    if (request.idempotency_key == auto_key) request.idempotency_key = row_key(i);
    const std::int64_t ledger_time_us = start_us + static_cast<std::int64_t>(i) * second_us;
    INFO("row " << i << ": expect " << rejection_name(rows[i].expect.rejection));

    test::AheadView view(state);
    const std::string state_before = state.serialize();
    const Decision decision = decide(view, request, ledger_time_us);
    // Pure: the same inputs give the same decision, and nothing was written.
    require_same_decision(decide(view, request, ledger_time_us), decision);
    REQUIRE(state.serialize() == state_before);

    check_decision(decision, request, rows[i].expect, ledger_time_us);
    for (const Event& event : decision.events) state.apply(++sequence, event);
    std::string why;
    const bool held = state.check_invariants(&why);
    INFO(why);
    REQUIRE(held);
  }
}

// ---- the scenario table ----------------------------------------------------------------

TEST_CASE("decide: one request a row, against the committed state", "[decide]") {
  const std::int64_t balance_1 = 500'000 + 1'234;         // alice after her first recharge
  const std::int64_t balance_2 = balance_1 + amount_max;  // and after the largest one
  constexpr BalanceDisposition refunded = BalanceDisposition::refunded;
  constexpr BalanceDisposition none = BalanceDisposition::none;
  const std::string name_too_long(limits::name_length_max + 1, 'n');
  const std::string id_too_long(limits::account_id_length_max + 1, 'a');
  const std::string key_too_long(limits::idempotency_key_length_max + 1, 'k');
  const std::string reference_longest(limits::reference_length_max, 'r');
  const std::string reference_too_long = reference_longest + "r";
  const std::int64_t int64_min = std::numeric_limits<std::int64_t>::min();
  const std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
  const std::int64_t an_hour_before_us = start_us - 3600 * second_us;
  LedgerState state;
  // clang-format off
  run_table(state, {
    // request                                      expected result
    // -- before the ledger exists
    {keyed("", open("alice")),                      Rejection::idempotency_key_invalid},
    {open("alice", 500'000),                        Rejection::ledger_not_created},
    {recharge("alice", 100),                        Rejection::ledger_not_created},
    {close("alice", true),                          Rejection::ledger_not_created},
    {create("-telco", "Acme Telecom"),              Rejection::account_id_invalid},
    {create("", "Acme Telecom"),                    Rejection::account_id_invalid},
    {create("telco-1", "Acme\nTelecom"),            Rejection::text_invalid},
    {create("telco-1", name_too_long),              Rejection::text_invalid},
    // China Standard Time, UTC+8 = 480 minutes (DESIGN §3, §7).
    {create("telco-1", "Acme Telecom"),             ok(LedgerCreated{"telco-1", "Acme Telecom",
                                                                     "CNY", 480})},
    {create("telco-2", "Other Telecom"),            Rejection::ledger_already_created},
    {create("-telco", ""),                          Rejection::ledger_already_created},

    // -- idempotency keys: 1..128 characters 0x21..0x7e, checked first
    {keyed("", recharge("alice", 1)),               Rejection::idempotency_key_invalid},
    {keyed("has space", recharge("alice", 1)),      Rejection::idempotency_key_invalid},
    {keyed(key_too_long, recharge("alice", 1)),     Rejection::idempotency_key_invalid},
    {keyed("键", recharge("alice", 1)),             Rejection::idempotency_key_invalid},

    // -- open
    {open("-alice"),                                Rejection::account_id_invalid},
    {open(""),                                      Rejection::account_id_invalid},
    {open(id_too_long),                             Rejection::account_id_invalid},
    {open("alice", 0, "bad plan"),                  Rejection::text_invalid},
    {open("alice", -1),                             Rejection::amount_must_be_positive},
    {open("alice", amount_max + 1),                 Rejection::amount_too_large},
    // Money entering the system: external cash -> wallet.
    {open("alice", 500'000),                        ok(AccountOpened{"alice", "", 500'000, {}},
                                                       {cash(-500'000), wallet("alice", 500'000)})},
    {open("alice"),                                 Rejection::account_exists},
    {open("alice", 7, "plan-b"),                    Rejection::account_exists},
    // A rate plan must be imported before accounts are opened on it.
    {open("bob", 0, "plan-a"),                      Rejection::rate_plan_not_found},
    {import_plan("bad plan"),                       Rejection::rate_plan_invalid},
    {import_plan("plan-a"),                         ok(RatePlanImported{"plan-a", "plan.csv", plan_rates})},
    // An empty wallet moves no money, so no postings. The business time is
    // the request's when it gives one.
    {at_business_time(an_hour_before_us,
                      open("bob", 0, "plan-a")),    ok(AccountOpened{"bob", "plan-a", 0, {}})},

    // -- recharge
    {recharge("nobody", 100),                       Rejection::account_not_found},
    {recharge("-alice", 100),                       Rejection::account_id_invalid},
    {recharge("alice", 0),                          Rejection::amount_must_be_positive},
    {recharge("alice", -100),                       Rejection::amount_must_be_positive},
    {recharge("alice", int64_min),                  Rejection::amount_must_be_positive},
    {recharge("alice", amount_max + 1),             Rejection::amount_too_large},
    {recharge("alice", int64_max),                  Rejection::amount_too_large},
    {recharge("alice", 100, "bad\x01reference"),    Rejection::text_invalid},
    {recharge("alice", 100, reference_too_long),    Rejection::text_invalid},
    {recharge("alice", 1'234, "bank-tx-1"),         ok(WalletRecharged{"alice", 1'234, "bank-tx-1",
                                                                       balance_1},
                                                       {cash(-1'234), wallet("alice", 1'234)})},
    {recharge("alice", amount_max,
              reference_longest),                   ok(WalletRecharged{"alice", amount_max,
                                                                       reference_longest,
                                                                       balance_2},
                                                       {cash(-amount_max),
                                                        wallet("alice", amount_max)})},

    // -- close
    {close("nobody"),                               Rejection::account_not_found},
    {close(""),                                     Rejection::account_id_invalid},
    {close("alice"),                                Rejection::account_has_balance},
    // The refund leaves the system: wallet -> external cash.
    {close("alice", true),                          ok(AccountClosed{"alice", balance_2, refunded, {}, {}},
                                                       {cash(balance_2),
                                                        wallet("alice", -balance_2)})},
    {recharge("alice", 100),                        Rejection::account_closed},
    {close("alice", true),                          Rejection::account_closed},
    {close("alice"),                                Rejection::account_closed},
    {open("alice"),                                 Rejection::account_exists},  // never reused
    // Nothing to refund: disposition none and no postings, whatever was asked.
    {close("bob", true),                            ok(AccountClosed{"bob", 0, none, {}, {}})},
  });
  // clang-format on
  CHECK(state.applied_through() == 8);  // the eight rows that were accepted
  CHECK(state.balances().accounts_open() == 0);
  CHECK(state.balances().accounts_closed() == 2);
  CHECK(state.balances().wallets_total_units() == 0);
}

TEST_CASE("decide: closing an empty account with refund=false is accepted", "[decide]") {
  LedgerState state;
  // clang-format off
  run_table(state, {
    {create("telco-1", "Acme"),  ok(LedgerCreated{"telco-1", "Acme", "CNY", 480})},
    {open("carol", 0),           ok(AccountOpened{"carol", "", 0, {}})},
    {close("carol"),             ok(AccountClosed{"carol", 0, BalanceDisposition::none, {}, {}})},
  });
  // clang-format on
}

// balance_limit_exceeded needs a balance near limits::balance_units_max, which
// takes balance_units_max / amount_units_max = 10'000 largest recharges.
TEST_CASE("decide: balance_limit_exceeded is reachable through recharges", "[decide]") {
  static_assert(limits::balance_units_max % limits::amount_units_max == 0);
  constexpr std::int64_t recharges = limits::balance_units_max / limits::amount_units_max;
  LedgerState state;
  std::uint64_t sequence = 0;
  auto commit = [&](const Request& request, std::int64_t ledger_time_us) {
    test::AheadView view(state);
    Decision decision = decide(view, request, ledger_time_us);
    for (const Event& event : decision.events) state.apply(++sequence, event);
    return decision;
  };
  REQUIRE(commit(keyed("k-create", create("telco-1", "Acme")), start_us).rejection ==
          Rejection::none);
  REQUIRE(commit(keyed("k-open", open("whale")), start_us).rejection == Rejection::none);
  for (std::int64_t i = 0; i < recharges; ++i) {
    const Decision d =
        commit(keyed("k-" + std::to_string(i), recharge("whale", amount_max)), start_us);
    REQUIRE(d.rejection == Rejection::none);
    REQUIRE(std::get<WalletRecharged>(d.events.front().payload).balance_after_units ==
            (i + 1) * amount_max);
  }
  REQUIRE(state.balances().find("whale")->balance_units == balance_max);
  const Decision over = commit(keyed("k-over", recharge("whale", 1)), start_us);
  CHECK(over.rejection == Rejection::balance_limit_exceeded);
  CHECK(over.events.empty());
  std::string why;
  CHECK(state.check_invariants(&why));
}

// ---- boundaries against a LedgerState fixture -----------------------------------------------

// A ledger with accounts put where a test needs them (tests/decide_fixture.h),
// e.g. a few units below the balance limit, and a view over it.
struct Fixture {
  LedgerState state;
  DecideSettings settings;
  test::BilledMap billed;
  DecideView view{state, settings, billed};
};

TEST_CASE("decide: limits at their exact boundaries", "[decide]") {
  Fixture f;
  test::fixture_created(f.state);
  test::fixture_account(f.state, "full", balance_max - 5);
  test::fixture_account(f.state, "empty", 0);
  test::fixture_closed_account(f.state, "gone");
  const std::string untouched = f.state.serialize();
  const DecideView& view = f.view;

  const std::string id_longest(limits::account_id_length_max, 'n');
  const std::string plan_too_long(limits::account_id_length_max + 1, 'p');
  // clang-format off
  const std::vector<Row> rows = {
    // request                          expected result
    {recharge("full", 6),               Rejection::balance_limit_exceeded},
    {recharge("full", amount_max),      Rejection::balance_limit_exceeded},
    {recharge("full", 5),               ok(WalletRecharged{"full", 5, "", balance_max},
                                           {cash(-5), wallet("full", 5)})},
    {recharge("empty", amount_max),     ok(WalletRecharged{"empty", amount_max, "", amount_max},
                                           {cash(-amount_max), wallet("empty", amount_max)})},
    {recharge("empty", amount_max + 1), Rejection::amount_too_large},
    {recharge("empty", 1),              ok(WalletRecharged{"empty", 1, "", 1},
                                           {cash(-1), wallet("empty", 1)})},
    {recharge("gone", 1),               Rejection::account_closed},
    {close("full"),                     Rejection::account_has_balance},
    {close("full", true),               ok(AccountClosed{"full", balance_max - 5,
                                                            BalanceDisposition::refunded, {}, {}},
                                           {cash(balance_max - 5),
                                            wallet("full", 5 - balance_max)})},
    {close("gone"),                     Rejection::account_closed},
    {open("full"),                      Rejection::account_exists},
    {open("gone"),                      Rejection::account_exists},
    {open("new", amount_max),           ok(AccountOpened{"new", "", amount_max, {}},
                                           {cash(-amount_max), wallet("new", amount_max)})},
    {open("new", amount_max + 1),       Rejection::amount_too_large},
    {open(id_longest),                  ok(AccountOpened{id_longest, "", 0, {}})},
    {open("new", 0, plan_too_long),     Rejection::text_invalid},
    {create("telco-1", "Acme"),         Rejection::ledger_already_created},
  };
  // clang-format on
  for (std::size_t i = 0; i < rows.size(); ++i) {
    Request request = rows[i].request;
    request.idempotency_key = row_key(i);
    INFO("row " << i);
    const Decision decision = decide(view, request, start_us);
    check_decision(decision, request, rows[i].expect, start_us);
    // Pure: the same inputs give the same decision; the view is unchanged
    // (all rows see the same accounts).
    require_same_decision(decide(view, request, start_us), decision);
    REQUIRE(f.state.serialize() == untouched);
  }
}

TEST_CASE("decide: the actor must be short, non-empty, well-formed text", "[decide]") {
  Fixture f;
  test::fixture_created(f.state);
  test::fixture_account(f.state, "alice", 100);
  const DecideView& view = f.view;
  for (const std::string& bad_actor :
       {std::string(), std::string(limits::actor_length_max + 1, 'a'), std::string("op\0x", 4),
        std::string("\xff")}) {
    Request request = keyed("k", recharge("alice", 1));
    request.actor = bad_actor;
    CHECK(decide(view, request, start_us).rejection == Rejection::text_invalid);
  }
  Request request = keyed("k", recharge("alice", 1));
  request.actor = std::string(limits::actor_length_max, 'a');
  CHECK(decide(view, request, start_us).rejection == Rejection::none);
}

TEST_CASE("decide: a ledger that does not exist refuses all but its creation", "[decide]") {
  Fixture f;  // no LedgerCreated
  const DecideView& view = f.view;
  const Request requests[] = {open("bob"), recharge("alice", 1), close("alice", true)};
  for (Request request : requests) {
    request.idempotency_key = "k";
    CHECK(decide(view, request, start_us).rejection == Rejection::ledger_not_created);
  }
  const Decision created = decide(view, keyed("k", create("telco-1", "Acme")), start_us);
  CHECK(created.rejection == Rejection::none);
  CHECK(created.events.size() == 1);
}

TEST_CASE("decide: only the times differ between two ledger times", "[decide]") {
  Fixture f;
  test::fixture_created(f.state);
  test::fixture_account(f.state, "alice", 10);
  const DecideView& view = f.view;
  const Request request = keyed("k", recharge("alice", 5, "ref"));
  Decision early = decide(view, request, start_us);
  const Decision late = decide(view, request, start_us + second_us);
  REQUIRE(early.events.size() == 1);
  REQUIRE(late.events.size() == 1);
  CHECK(late.events[0].ledger_time_us == start_us + second_us);
  CHECK(late.events[0].business_time_us == start_us + second_us);
  early.events[0].ledger_time_us = late.events[0].ledger_time_us;
  early.events[0].business_time_us = late.events[0].business_time_us;
  CHECK(early.events == late.events);
}

// ---- a batch: decided against the committed state plus its own earlier events ------------

std::vector<Request> batch_requests() {
  std::vector<Request> requests = {
      create("telco-1", "Acme Telecom"),
      create("telco-1", "Acme Telecom"),  // ledger_already_created, from the batch itself
      open("alice", 500'000),
      open("alice", 500'000),  // account_exists, from the batch itself
      recharge("alice", 1'234, "bank-tx-1"),
      recharge("alice", 1),  // balance_after must count the previous recharge
      close("alice"),        // account_has_balance
      close("alice", true),
      recharge("alice", 1),  // account_closed, from the batch itself
      open("bob", 0, "plan-a"),  // rate_plan_not_found
      import_plan("plan-a"),
      open("bob", 0, "plan-a"),  // sees the plan imported earlier in the batch
  };
  for (std::size_t i = 0; i < requests.size(); ++i) requests[i].idempotency_key = row_key(i);
  return requests;
}

TEST_CASE("decide against a state that runs ahead: one batch equals one commit per request",
          "[decide][batch]") {
  const std::vector<Request> requests = batch_requests();

  // One commit per request, each against a fresh view of the committed state.
  LedgerState one_by_one;
  std::vector<Decision> expected;
  for (const Request& request : requests) {
    test::AheadView view(one_by_one);
    expected.push_back(decide(view, request, start_us));
    for (const Event& event : expected.back().events) test::apply_checked(one_by_one, event);
  }

  // One batch, decided against the writer's state as it runs ahead: the
  // committed state stays untouched until the batch is durable.
  LedgerState batched;
  const std::string empty_state = batched.serialize();
  test::AheadView view(batched);
  std::vector<Event> decided;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    INFO("request " << i);
    const Decision decision = decide(view, requests[i], start_us);
    require_same_decision(decision, expected[i]);
    for (const Event& event : decision.events) {
      decided.push_back(event);
      view.apply(decided.size(), event);
    }
    REQUIRE(batched.serialize() == empty_state);
  }
  CHECK(expected[1].rejection == Rejection::ledger_already_created);
  CHECK(expected[3].rejection == Rejection::account_exists);
  CHECK(std::get<WalletRecharged>(expected[5].events.at(0).payload).balance_after_units == 501'235);
  CHECK(expected[6].rejection == Rejection::account_has_balance);
  CHECK(expected[8].rejection == Rejection::account_closed);

  test::commit_batch(batched, view, decided, decided.size());
  CHECK(batched.serialize() == one_by_one.serialize());
}

// While the writer pipelines, a batch is decided on top of the batch still in
// flight to disk: the writer's state has both, the committed state neither
// until each is durable.
TEST_CASE("decide against a state that runs ahead sees the batch in flight", "[decide][batch]") {
  LedgerState committed;
  test::AheadView view(committed);
  std::vector<Event> in_flight;
  for (const Request& request :
       {keyed("k1", create("telco-1", "Acme")), keyed("k2", open("alice", 10)),
        keyed("k3", open("bob", 7))}) {
    const Decision decision = decide(view, request, start_us);
    REQUIRE(decision.rejection == Rejection::none);
    in_flight.push_back(decision.events.at(0));
    view.apply(in_flight.size(), in_flight.back());
  }

  // The next batch: sees what is in flight.
  CHECK(view.ledger_created());
  CHECK(decide(view, keyed("k4", open("alice")), start_us).rejection == Rejection::account_exists);
  const Decision recharged = decide(view, keyed("k5", recharge("alice", 5)), start_us);
  REQUIRE(recharged.rejection == Rejection::none);
  CHECK(std::get<WalletRecharged>(recharged.events.at(0).payload).balance_after_units == 15);
  view.apply(4, recharged.events.at(0));
  CHECK_FALSE(committed.info().created());
  CHECK(committed.balances().find("alice") == nullptr);

  // The batch in flight becomes durable and is applied: the committed state
  // has it, the writer's still has the recharge decided after it too.
  for (const Event& event : in_flight) test::apply_checked(committed, event);
  CHECK(committed.balances().find("bob")->balance_units == 7);
  CHECK(view.find_account("bob")->balance_units == 7);
  CHECK(view.find_account("alice")->balance_units == 15);
  CHECK(committed.balances().find("alice")->balance_units == 10);
  const Decision again = decide(view, keyed("k6", recharge("alice", 1)), start_us);
  REQUIRE(again.rejection == Rejection::none);
  CHECK(std::get<WalletRecharged>(again.events.at(0).payload).balance_after_units == 16);

  // The recharge is durable too: the two states are the same.
  test::commit_batch(committed, view, {recharged.events.at(0)}, 4);
  CHECK(view.find_account("alice")->balance_units == 15);
}

}  // namespace
}  // namespace huawu
