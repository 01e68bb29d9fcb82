// The Calls and RatePlans projections (projections/calls.h, rate_plans.h) and
// what LedgerState checks across them: applying sequences of events, the
// expiry index, the rules each event must satisfy (problem() names each), the
// snapshot bytes (canonical: one state, one image) and the invariants.
#include "projections/calls.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events/bytes.h"
#include "events/event.h"
#include "events/limits.h"
#include "projections/ledger_state.h"
#include "projections/rate_plans.h"
#include "tests/posting_builders.h"

namespace huawu {
namespace {

constexpr std::int64_t second_us = 1'000'000;
constexpr std::int64_t t0 = 1'735'660'800'000'000;
constexpr const char* sw = "sw1";

const CallRate r86{"86", 750, 0, 60, 60, {}};
const CallRate r44{"44", 750, 0, 1, 1, {}};
const std::vector<Rate> p1_rates = {Rate{"86", "China", 750, 0, 60, 60},
                                    Rate{"8613", "China mobile", 900, 100, 30, 6},
                                    Rate{"44", "UK", 750, 0, 1, 1}};

Event event_at(std::int64_t time_us, Payload payload, std::vector<Posting> postings = {}) {
  Event e;
  e.ledger_time_us = time_us;
  e.business_time_us = time_us;
  e.actor = "test";
  e.idempotency_key = "k";
  e.postings = std::move(postings);
  e.payload = std::move(payload);
  return e;
}

using test::cash;
using test::wallet;
using test::hold;

CallAuthorized authorization(std::string call, std::string account, std::int64_t hold_units,
                             std::int64_t expires_at_us, CallRate rate = r86,
                             std::string switch_id = sw) {
  return CallAuthorized{std::move(switch_id), std::move(call), std::move(account), "8610000000",
                        "8620123456", 60, 60, hold_units, std::move(rate), t0 - second_us,
                        expires_at_us};
}

CallSettled settlement(std::string call, std::string account, CallOrigin origin,
                       std::uint64_t hold_id, std::int64_t released, std::int64_t balance_after,
                       CallRate rate = r86) {
  CallSettled s;
  s.switch_id = sw;
  s.call_id = std::move(call);
  s.account = std::move(account);
  s.caller = "8610000000";
  s.callee = "8620123456";
  s.origin = origin;
  s.hold_id = hold_id;
  s.released_units = released;
  s.rate = std::move(rate);
  s.balance_after_units = balance_after;  // cost 0: a call never answered
  return s;
}

std::string why_of(const char* problem) { return problem ? problem : ""; }

// The (call key, expiry) of due holds, in the order for_each_due gives them.
std::vector<std::string> due_keys(const Calls& calls, std::int64_t time_us,
                                  std::size_t stop_after = SIZE_MAX) {
  std::vector<std::string> keys;
  calls.for_each_due(time_us, [&](const std::string& key, const HoldState& h) {
    CHECK(key == call_key(h.switch_id, h.call_id));
    CHECK_FALSE(h.expired);
    CHECK(h.expires_at_us <= time_us);
    keys.push_back(key);
    return keys.size() < stop_after;
  });
  return keys;
}

void require_invariants(const Calls& calls) {
  std::string why;
  const bool held = calls.check_invariants(&why);
  INFO(why);
  REQUIRE(held);
}

// ---- Calls: applying events -------------------------------------------------------------

TEST_CASE("calls projection: holds from authorization to settle or expiry", "[calls][projection]") {
  Calls calls;
  const CallAuthorized a = authorization("a", "alice", 750, t0 + 300 * second_us);
  const CallAuthorized b = authorization("b", "bob", 1'500, t0 + 200 * second_us);
  // Same expiry as b: the key orders them ("sw1 b" < "sw2 a").
  const CallAuthorized c = authorization("a", "alice", 13, t0 + 200 * second_us, r44, "sw2");
  calls.apply(3, event_at(t0, a));
  calls.apply(4, event_at(t0 + second_us, b));
  calls.apply(5, event_at(t0 + second_us, c));
  require_invariants(calls);
  CHECK(calls.active_holds() == 3);
  CHECK(calls.expired_holds() == 0);

  const HoldState* found = calls.find("sw1 a");
  REQUIRE(found);
  CHECK(*found == hold_of(3, t0, a));
  CHECK(found->hold_id == 3);
  CHECK(found->authorized_time_us == t0);
  CHECK(found->expires_at_us == t0 + 300 * second_us);
  CHECK(found->rate == r86);
  CHECK_FALSE(found->expired);
  CHECK(calls.find("sw2 a")->rate == r44);
  CHECK(calls.find("sw1 c") == nullptr);
  CHECK(calls.find("sw1") == nullptr);

  // Due holds, earliest first; a hold is due at its expiry time.
  CHECK(due_keys(calls, t0 + 199 * second_us).empty());
  CHECK(due_keys(calls, t0 + 200 * second_us) == std::vector<std::string>{"sw1 b", "sw2 a"});
  CHECK(due_keys(calls, t0 + 300 * second_us) ==
        std::vector<std::string>{"sw1 b", "sw2 a", "sw1 a"});
  CHECK(due_keys(calls, t0 + 300 * second_us, 1) == std::vector<std::string>{"sw1 b"});

  // b expires: kept, marked expired, no longer due.
  calls.apply(6, event_at(t0 + 200 * second_us, HoldExpired{sw, "b", "bob", 4, 1'500}));
  require_invariants(calls);
  CHECK(calls.find("sw1 b")->expired);
  CHECK(calls.active_holds() == 2);
  CHECK(calls.expired_holds() == 1);
  CHECK(due_keys(calls, t0 + 300 * second_us) == std::vector<std::string>{"sw2 a", "sw1 a"});

  // a is settled: gone.
  calls.apply(7, event_at(t0 + 210 * second_us,
                          settlement("a", "alice", CallOrigin::authorized, 3, 750, 10'000)));
  require_invariants(calls);
  CHECK(calls.find("sw1 a") == nullptr);
  CHECK(calls.active_holds() == 1);

  // b is settled late: gone too.
  calls.apply(8, event_at(t0 + 220 * second_us,
                          settlement("b", "bob", CallOrigin::late_settle, 4, 0, 1'500)));
  require_invariants(calls);
  CHECK(calls.find("sw1 b") == nullptr);
  CHECK(calls.expired_holds() == 0);

  // A call record changes no hold; other events are not about calls.
  const std::string before = [&] {
    std::string out;
    calls.serialize(out);
    return out;
  }();
  calls.apply(9, event_at(t0 + 230 * second_us,
                          settlement("z", "alice", CallOrigin::recorded, 0, 0, 10'000)));
  calls.apply(10, event_at(t0 + 230 * second_us,
                           CallRejected{sw, "y", "alice", CallStage::authorize, "insufficient_balance", 0}));
  calls.apply(11, event_at(t0 + 230 * second_us, WalletRecharged{"alice", 1, "", 1}));
  std::string after;
  calls.serialize(after);
  CHECK(after == before);
  CHECK(calls.active_holds() == 1);
  std::size_t seen = 0;
  calls.for_each_hold([&](const std::string& key, const HoldState&) {
    CHECK(key == "sw2 a");
    ++seen;
  });
  CHECK(seen == 1);
}

TEST_CASE("calls projection: call_key_of names the call of call events only", "[calls][projection]") {
  CHECK(call_key_of(authorization("c1", "alice", 1, t0)) == "sw1 c1");
  CHECK(call_key_of(settlement("c1", "alice", CallOrigin::recorded, 0, 0, 0)) == "sw1 c1");
  CHECK(call_key_of(HoldExpired{"sw9", "c2", "alice", 3, 1}) == "sw9 c2");
  CHECK(call_key_of(CallRejected{sw, "c1", "alice", CallStage::settle, "call_not_authorized", 0}).empty());
  CHECK(call_key_of(RatePlanImported{"p1", "p1.csv", p1_rates}).empty());
  CHECK(call_key_of(AccountOpened{"alice", "", 0, {}}).empty());
}

// ---- Calls and LedgerState: the rules ---------------------------------------------------------

// A ledger with alice (10,000), an active hold "sw1 a" (750, expires at
// t0 + 1000 s) and an expired one "sw1 x" (750): alice has 9,250 available
// and 750 held; the last ledger time is t0 + 180 s.
LedgerState ledger_with_holds() {
  LedgerState state;
  std::uint64_t sequence = 0;
  auto apply = [&](Event e) {
    const std::string why = state.problem(sequence + 1, e);
    INFO(why);
    REQUIRE(why.empty());
    state.apply(++sequence, e);
  };
  apply(event_at(t0, LedgerCreated{"telco-1", "Acme", "CNY", 480}));
  apply(event_at(t0, RatePlanImported{"p1", "p1.csv", p1_rates}));
  apply(event_at(t0, AccountOpened{"alice", "p1", 10'000, {}}, {cash(-10'000), wallet("alice", 10'000)}));
  apply(event_at(t0, AccountOpened{"bob", "p1", 0, {}}));
  apply(event_at(t0, authorization("a", "alice", 750, t0 + 1000 * second_us),  // 5
                 {wallet("alice", -750), hold("alice", 750)}));
  apply(event_at(t0, authorization("x", "alice", 750, t0 + 180 * second_us),   // 6
                 {wallet("alice", -750), hold("alice", 750)}));
  apply(event_at(t0 + 180 * second_us, HoldExpired{sw, "x", "alice", 6, 750},
                 {hold("alice", -750), wallet("alice", 750)}));
  return state;
}

TEST_CASE("calls projection: problem() names each broken rule", "[calls][projection]") {
  const LedgerState state = ledger_with_holds();
  REQUIRE(state.balances().find("alice")->balance_units == 9'250);
  REQUIRE(state.balances().find("alice")->held_units == 750);
  const std::int64_t t = t0 + 200 * second_us;
  const std::vector<Posting> release_750 = {hold("alice", -750), wallet("alice", 750)};
  CallSettled other_rate = settlement("a", "alice", CallOrigin::authorized, 5, 750, 10'000, r44);
  CallSettled other_account = settlement("a", "bob", CallOrigin::authorized, 5, 750, 0);
  struct Row {
    const char* rule;
    Event event;
    std::string expected;
    bool balances_agree = true;  // the money is right: LedgerState names the call rule
  };
  // clang-format off
  const std::vector<Row> rows = {
    {"settle without a hold",
     event_at(t, settlement("nope", "alice", CallOrigin::authorized, 0, 0, 10'000)),
     "a settle without an active hold"},
    {"settle of an expired hold as if active",
     event_at(t, settlement("x", "alice", CallOrigin::authorized, 6, 0, 10'000)),
     "a settle without an active hold"},
    {"settle releasing another amount",
     event_at(t, settlement("a", "alice", CallOrigin::authorized, 5, 700, 10'000),
              {hold("alice", -700), wallet("alice", 700)}),
     "a settle that releases another amount than its hold"},
    {"settle naming another hold",
     event_at(t, settlement("a", "alice", CallOrigin::authorized, 999, 750, 10'000), release_750),
     "a settle for another hold"},
    {"settle naming another account",
     event_at(t, other_account), "a settle for another hold", false},
    {"settle at another rate",
     event_at(t, other_rate, release_750),
     "a settle at another rate than its authorization"},
    {"late settle of an active hold",
     event_at(t, settlement("a", "alice", CallOrigin::late_settle, 5, 0, 10'000)),
     "a late settle without an expired hold"},
    {"late settle without any hold",
     event_at(t, settlement("nope", "alice", CallOrigin::late_settle, 0, 0, 10'000)),
     "a late settle without an expired hold"},
    {"late settle releasing money",
     event_at(t, settlement("x", "alice", CallOrigin::late_settle, 6, 750, 10'000), release_750),
     "a late settle that releases a hold"},
    {"record of an authorized call",
     event_at(t, settlement("a", "alice", CallOrigin::recorded, 0, 0, 10'000)),
     "a call record for an authorized call"},
    {"record of a call with an expired hold",
     event_at(t, settlement("x", "alice", CallOrigin::recorded, 0, 0, 10'000)),
     "a call record for an authorized call"},
    {"record naming a hold",
     event_at(t, settlement("new", "alice", CallOrigin::recorded, 5, 0, 10'000)),
     "a call record that releases a hold"},
    {"expiry before its time",
     event_at(t, HoldExpired{sw, "a", "alice", 5, 750}, release_750),
     "a hold expired before its time"},
    {"expiry one microsecond early",
     event_at(t0 + 1000 * second_us - 1, HoldExpired{sw, "a", "alice", 5, 750}, release_750),
     "a hold expired before its time"},
    {"expiry of an expired hold",
     event_at(t, HoldExpired{sw, "x", "alice", 6, 750}, release_750),
     "an expiry without an active hold"},
    {"expiry without a hold",
     event_at(t, HoldExpired{sw, "nope", "alice", 5, 750}, release_750),
     "an expiry without an active hold"},
    {"expiry of another amount",
     event_at(t0 + 1000 * second_us, HoldExpired{sw, "a", "alice", 5, 700},
              {hold("alice", -700), wallet("alice", 700)}),
     "an expiry for another hold"},
    {"expiry naming another hold id",
     event_at(t0 + 1000 * second_us, HoldExpired{sw, "a", "alice", 6, 750}, release_750),
     "an expiry for another hold"},
    {"double authorization",
     event_at(t, authorization("a", "alice", 750, t + 180 * second_us),
              {wallet("alice", -750), hold("alice", 750)}),
     "a call authorized twice"},
    {"authorization of a call with an expired hold",
     event_at(t, authorization("x", "alice", 750, t + 180 * second_us),
              {wallet("alice", -750), hold("alice", 750)}),
     "a call authorized twice"},
    {"hold expiring before it is placed",
     event_at(t, authorization("new", "alice", 750, t - 1), {wallet("alice", -750), hold("alice", 750)}),
     "a hold that expires before it is placed"},
  };
  // clang-format on
  const std::uint64_t next = state.applied_through() + 1;
  for (const Row& row : rows) {
    INFO(row.rule);
    CHECK(why_of(state.calls().problem(row.event)) == row.expected);
    if (row.balances_agree) {
      CHECK(why_of(state.balances().problem(row.event)).empty());
      CHECK(state.problem(next, row.event) == row.expected);
    } else {
      CHECK_FALSE(state.problem(next, row.event).empty());
    }
  }

  // And the events that do follow the rules have no problem.
  const std::vector<Event> fine = {
      event_at(t, settlement("a", "alice", CallOrigin::authorized, 5, 750, 10'000), release_750),
      event_at(t, settlement("x", "alice", CallOrigin::late_settle, 6, 0, 10'000)),
      event_at(t, settlement("new", "alice", CallOrigin::recorded, 0, 0, 10'000)),
      event_at(t0 + 1000 * second_us, HoldExpired{sw, "a", "alice", 5, 750}, release_750),
      event_at(t, authorization("new", "alice", 750, t), {wallet("alice", -750), hold("alice", 750)}),
  };
  for (const Event& e : fine) {
    INFO(payload_name(e.payload));
    CHECK(state.problem(next, e).empty());
  }
}

// ---- RatePlans ------------------------------------------------------------------------------

TEST_CASE("rate plans projection: imports, re-imports, lookups", "[calls][projection]") {
  RatePlans plans;
  CHECK(plans.size() == 0);
  CHECK(plans.find("p1") == nullptr);
  plans.apply(2, event_at(t0, RatePlanImported{"p1", "p1.csv", p1_rates}));
  plans.apply(3, event_at(t0, RatePlanImported{"p0", "p0.csv", {Rate{"1", "NA", 300, 0, 6, 6}}}));
  // Not imports: nothing changes.
  plans.apply(4, event_at(t0, AccountOpened{"alice", "p1", 0, {}}));
  REQUIRE(plans.find("p1"));
  CHECK(plans.size() == 2);
  CHECK(plans.find("p1")->imports == 1);
  CHECK(plans.find("p1")->imported_sequence == 2);
  CHECK(plans.find("p1")->source_name == "p1.csv");
  CHECK(plans.find("p1")->table.size() == 3);
  CHECK(plans.find("p1")->table.lookup("8613800138000")->prefix == "8613");
  CHECK(plans.find("p1")->table.lookup("8620123")->prefix == "86");
  CHECK(plans.find("p1")->table.lookup("12125550100") == nullptr);
  CHECK(plans.find_shared("p1").get() == plans.find("p1"));
  std::vector<std::string> order;
  plans.for_each([&](const RatePlanState& p) { order.push_back(p.plan); });
  CHECK(order == std::vector<std::string>{"p0", "p1"});

  // A re-import replaces the table; the table it replaces is unchanged.
  const auto old_table = plans.find_shared("p1");
  plans.apply(5, event_at(t0, RatePlanImported{"p1", "p1-v2.csv", {Rate{"86", "China", 1'500, 0, 60, 60}}}));
  CHECK(plans.size() == 2);
  CHECK(plans.find("p1")->imports == 2);
  CHECK(plans.find("p1")->imported_sequence == 5);
  CHECK(plans.find("p1")->source_name == "p1-v2.csv");
  CHECK(plans.find("p1")->table.size() == 1);
  CHECK(plans.find("p1")->table.lookup("8613800138000")->price_units_per_minute == 1'500);
  CHECK(old_table->table.lookup("8613800138000")->price_units_per_minute == 900);
  CHECK(old_table->imports == 1);
}

TEST_CASE("rate plans projection: problem() names each broken rule", "[calls][projection]") {
  auto with = [](auto change) {
    RatePlanImported import{"p1", "p1.csv", p1_rates};
    change(import);
    return import;
  };
  const std::string digits_21(limits::rate_prefix_digits_max + 1, '8');
  const std::int64_t price_max = limits::rate_price_fen_max * 100;
  struct Row {
    const char* rule;
    RatePlanImported import;
    std::string expected;
  };
  // clang-format off
  const std::vector<Row> rows = {
    {"duplicate prefix",   with([](auto& i) { i.rates.push_back(Rate{"86", "again", 1, 0, 60, 60}); }),
                           "a rate plan lists one prefix twice"},
    {"block 0",            with([](auto& i) { i.rates[1].first_block_seconds = 0; }),
                           "a rate block is not 1-3600 seconds"},
    {"next block 0",       with([](auto& i) { i.rates[1].next_block_seconds = 0; }),
                           "a rate block is not 1-3600 seconds"},
    {"block 3601",         with([](auto& i) { i.rates[2].next_block_seconds = 3601; }),
                           "a rate block is not 1-3600 seconds"},
    {"bad plan id",        with([](auto& i) { i.plan = "bad plan"; }),
                           "the rate plan id is not valid"},
    {"empty plan id",      with([](auto& i) { i.plan = ""; }),
                           "the rate plan id is not valid"},
    {"plan id too long",   with([](auto& i) { i.plan = std::string(limits::account_id_length_max + 1, 'p'); }),
                           "the rate plan id is not valid"},
    {"bad source name",    with([](auto& i) { i.source_name = "p1\n.csv"; }),
                           "the rate plan source name is not valid text"},
    {"no rates",           with([](auto& i) { i.rates.clear(); }),
                           "a rate plan without rates"},
    {"empty prefix",       with([](auto& i) { i.rates[0].prefix = ""; }),
                           "a rate prefix is not 1-20 digits"},
    {"prefix not digits",  with([](auto& i) { i.rates[0].prefix = "8a"; }),
                           "a rate prefix is not 1-20 digits"},
    {"prefix too long",    with([&](auto& i) { i.rates[0].prefix = digits_21; }),
                           "a rate prefix is not 1-20 digits"},
    {"description",        with([](auto& i) { i.rates[0].description = std::string(65, 'd'); }),
                           "a rate description is too long or not printable text"},
    {"negative price",     with([](auto& i) { i.rates[0].price_units_per_minute = -1; }),
                           "a rate price is out of range"},
    {"price too high",     with([&](auto& i) { i.rates[0].price_units_per_minute = price_max + 1; }),
                           "a rate price is out of range"},
    {"negative fee",       with([](auto& i) { i.rates[0].connect_fee_units = -1; }),
                           "a rate price is out of range"},
    {"fee too high",       with([&](auto& i) { i.rates[0].connect_fee_units = price_max + 1; }),
                           "a rate price is out of range"},
  };
  // clang-format on
  RatePlans plans;
  LedgerState state;
  state.apply(1, event_at(t0, LedgerCreated{"telco-1", "Acme", "CNY", 480}));
  for (const Row& row : rows) {
    INFO(row.rule);
    CHECK(why_of(rate_plan_problem(row.import)) == row.expected);
    CHECK(why_of(plans.problem(event_at(t0, row.import))) == row.expected);
    CHECK(state.problem(2, event_at(t0, row.import)) == row.expected);
  }
  // The limits themselves are fine.
  const RatePlanImported edge = with([&](auto& i) {
    i.rates[0].prefix = std::string(limits::rate_prefix_digits_max, '8');
    i.rates[0].price_units_per_minute = price_max;
    i.rates[0].connect_fee_units = price_max;
    i.rates[1].first_block_seconds = 3600;
    i.rates[1].next_block_seconds = 1;
    i.rates[2].description = std::string(limits::rate_description_length_max, 'd');
    i.plan = std::string(limits::account_id_length_max, 'p');
  });
  CHECK(rate_plan_problem(edge) == nullptr);
  CHECK(state.problem(2, event_at(t0, edge)).empty());
  // An import moves no money.
  const Event with_postings = event_at(t0, RatePlanImported{"p1", "p1.csv", p1_rates}, {cash(-1), cash(1)});
  CHECK(why_of(plans.problem(with_postings)) == "a rate plan import moves no money");
  CHECK(state.problem(2, with_postings) == "a rate plan import moves no money");
}

// ---- snapshots -------------------------------------------------------------------------------

std::string bytes_of(const Calls& calls) {
  std::string out;
  calls.serialize(out);
  return out;
}
std::string bytes_of(const RatePlans& plans) {
  std::string out;
  plans.serialize(out);
  return out;
}

Calls calls_with_holds() {
  Calls calls;
  calls.apply(3, event_at(t0, authorization("a", "alice", 750, t0 + 300 * second_us)));
  calls.apply(4, event_at(t0, authorization("b", "bob", 1'500, t0 + 200 * second_us, r44)));
  calls.apply(5, event_at(t0, authorization("a", "carol", 13, t0 + 200 * second_us, r44, "sw2")));
  calls.apply(6, event_at(t0 + 200 * second_us, HoldExpired{sw, "b", "bob", 4, 1'500}));
  return calls;
}

RatePlans plans_with_imports() {
  RatePlans plans;
  plans.apply(2, event_at(t0, RatePlanImported{"p1", "p1.csv", p1_rates}));
  plans.apply(3, event_at(t0, RatePlanImported{"p0", "p0.csv", {Rate{"1", "NA", 300, 0, 6, 6}}}));
  plans.apply(4, event_at(t0, RatePlanImported{"p1", "p1-v2.csv", p1_rates}));
  return plans;
}

// A hold in the documented snapshot layout (calls.h), with raw field values
// so a test can write what serialize() never would.
struct RawHold {
  std::string key;
  HoldState hold;
  std::uint64_t first_block = 60;
  std::uint64_t next_block = 60;
  std::uint8_t expired = 0;
};
RawHold raw_hold(std::string call, std::uint64_t hold_id, std::int64_t expires_at_us) {
  RawHold raw;
  raw.key = call_key(sw, call);
  raw.hold = hold_of(hold_id, t0, authorization(call, "alice", 750, expires_at_us));
  return raw;
}
std::string calls_image(const std::vector<RawHold>& holds) {
  ByteWriter w;
  w.u64(holds.size());
  for (const RawHold& raw : holds) {
    const HoldState& h = raw.hold;
    w.str(raw.key);
    w.str(h.switch_id);
    w.str(h.call_id);
    w.str(h.account);
    w.str(h.caller);
    w.str(h.callee);
    w.u64(h.hold_id);
    w.i64(h.hold_units);
    w.i64(h.requested_seconds);
    w.i64(h.granted_seconds);
    w.i64(h.authorized_time_us);
    w.i64(h.expires_at_us);
    w.str(h.rate.prefix);
    w.i64(h.rate.price_units_per_minute);
    w.i64(h.rate.connect_fee_units);
    w.u64(raw.first_block);
    w.u64(raw.next_block);
    w.u8(raw.expired);
  }
  return w.take();
}

struct RawRate {
  Rate rate;
  std::uint64_t first_block = 60;
  std::uint64_t next_block = 60;
};
struct RawPlan {
  std::string plan;
  std::vector<RawRate> rates;
};
std::string plans_image(const std::vector<RawPlan>& plans) {
  ByteWriter w;
  w.u64(plans.size());
  for (const RawPlan& plan : plans) {
    w.str(plan.plan);
    w.str("p.csv");
    w.u64(2);
    w.u64(1);
    w.u64(plan.rates.size());
    for (const RawRate& raw : plan.rates) {
      w.str(raw.rate.prefix);
      w.str(raw.rate.description);
      w.i64(raw.rate.price_units_per_minute);
      w.i64(raw.rate.connect_fee_units);
      w.u64(raw.first_block);
      w.u64(raw.next_block);
    }
  }
  return w.take();
}
RawRate raw_rate(std::string prefix) { return RawRate{Rate{std::move(prefix), "d", 750, 0, 60, 60}}; }

TEST_CASE("calls projection: snapshot bytes round-trip exactly", "[calls][projection][snapshot]") {
  const Calls calls = calls_with_holds();
  const std::string image = bytes_of(calls);
  Calls restored;
  std::string why;
  REQUIRE(restored.deserialize(image, &why));
  CHECK(bytes_of(restored) == image);
  CHECK(restored.active_holds() == 2);
  CHECK(restored.expired_holds() == 1);
  for (const char* key : {"sw1 a", "sw1 b", "sw2 a"}) {
    INFO(key);
    REQUIRE(restored.find(key));
    CHECK(*restored.find(key) == *calls.find(key));
  }
  CHECK(due_keys(restored, t0 + 300 * second_us) == due_keys(calls, t0 + 300 * second_us));
  require_invariants(restored);
  // The hand-written layout is the documented one.
  RawHold a = raw_hold("a", 3, t0 + 300 * second_us);
  Calls one;
  one.apply(3, event_at(t0, authorization("a", "alice", 750, t0 + 300 * second_us)));
  CHECK(bytes_of(one) == calls_image({a}));

  // An empty projection too.
  Calls empty;
  REQUIRE(restored.deserialize(bytes_of(empty), &why));
  CHECK(bytes_of(restored) == bytes_of(empty));
  CHECK(restored.active_holds() == 0);

  // Rate plans.
  const RatePlans plans = plans_with_imports();
  RatePlans plans_restored;
  REQUIRE(plans_restored.deserialize(bytes_of(plans), &why));
  CHECK(bytes_of(plans_restored) == bytes_of(plans));
  CHECK(plans_restored.find("p1")->imports == 2);
  CHECK(plans_restored.find("p1")->imported_sequence == 4);
  CHECK(plans_restored.find("p1")->table.lookup("8613800138000")->prefix == "8613");
}

TEST_CASE("calls projection: snapshots refuse truncated, trailing and non-canonical bytes",
          "[calls][projection][snapshot]") {
  const std::string image = bytes_of(calls_with_holds());
  std::string why;
  for (std::size_t n = 0; n < image.size(); ++n) {
    INFO("first " << n << " bytes");
    Calls calls;
    why.clear();
    REQUIRE_FALSE(calls.deserialize(image.substr(0, n), &why));
    CHECK_FALSE(why.empty());
  }
  Calls calls;
  CHECK_FALSE(calls.deserialize(image + '\0', &why));
  CHECK(why == "calls snapshot: truncated or trailing bytes");

  const RawHold a = raw_hold("a", 3, t0 + 300 * second_us);
  const RawHold b = raw_hold("b", 4, t0 + 200 * second_us);
  REQUIRE(calls.deserialize(calls_image({a, b}), &why));
  auto changed = [](RawHold raw, auto change) {
    change(raw);
    return raw;
  };
  struct Row {
    const char* what;
    std::string bytes;
  };
  // clang-format off
  const std::vector<Row> rows = {
    {"keys out of order",        calls_image({b, a})},
    {"a key twice",              calls_image({a, a})},
    {"expired flag 2",           calls_image({changed(a, [](RawHold& r) { r.expired = 2; })})},
    {"key of another call",      calls_image({changed(a, [](RawHold& r) { r.key = "sw1 z"; })})},
    {"key without the switch",   calls_image({changed(a, [](RawHold& r) { r.key = "a"; })})},
    {"hold of zero units",       calls_image({changed(a, [](RawHold& r) { r.hold.hold_units = 0; })})},
    {"negative hold",            calls_image({changed(a, [](RawHold& r) { r.hold.hold_units = -750; })})},
    // The blocks are 32-bit values written as 64 bits: a high bit set is
    // another image of the same state, which canonical form forbids.
    {"first block 2^32 + 60",    calls_image({changed(a, [](RawHold& r) { r.first_block = (std::uint64_t{1} << 32) + 60; })})},
    {"next block 2^32 + 60",     calls_image({changed(a, [](RawHold& r) { r.next_block = (std::uint64_t{1} << 32) + 60; })})},
    // A hold's rate is a plan's row: blocks of 1-3600 s. A zero block would
    // reach billed_seconds at the settle and stop the writer (HUAWU_ASSERT).
    {"first block 0",            calls_image({changed(a, [](RawHold& r) { r.first_block = 0; })})},
    {"next block 0",             calls_image({changed(a, [](RawHold& r) { r.next_block = 0; })})},
    {"count larger than holds",  [&] { std::string s = calls_image({a}); s[7] = 2; return s; }()},
  };
  // clang-format on
  for (const Row& row : rows) {
    INFO(row.what);
    why.clear();
    CHECK_FALSE(calls.deserialize(row.bytes, &why));
    CHECK_FALSE(why.empty());
  }
}

// Canonical form, whatever the change: any image deserialize accepts is the
// one serialize writes for the state it read.
TEST_CASE("calls projection: every accepted snapshot image is canonical", "[calls][projection][snapshot]") {
  const std::string calls_bytes = bytes_of(calls_with_holds());
  const std::string plans_bytes = bytes_of(plans_with_imports());
  std::string why;
  std::map<std::string, int> accepted_changes;
  for (const std::uint8_t mask : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
    for (std::size_t i = 0; i < calls_bytes.size(); ++i) {
      std::string bytes = calls_bytes;
      bytes[i] = static_cast<char>(bytes[i] ^ static_cast<char>(mask));
      Calls calls;
      if (!calls.deserialize(bytes, &why)) continue;
      INFO("calls image, byte " << i << " ^ " << int{mask});
      ++accepted_changes["calls"];
      CHECK(bytes_of(calls) == bytes);
    }
    for (std::size_t i = 0; i < plans_bytes.size(); ++i) {
      std::string bytes = plans_bytes;
      bytes[i] = static_cast<char>(bytes[i] ^ static_cast<char>(mask));
      RatePlans plans;
      if (!plans.deserialize(bytes, &why)) continue;
      INFO("rate plans image, byte " << i << " ^ " << int{mask});
      ++accepted_changes["plans"];
      CHECK(bytes_of(plans) == bytes);
    }
  }
  // Changes to free fields (caller digits, times, prices) are other states.
  CHECK(accepted_changes["calls"] > 0);
  CHECK(accepted_changes["plans"] > 0);
}

TEST_CASE("rate plans projection: snapshots refuse truncated, trailing and non-canonical bytes",
          "[calls][projection][snapshot]") {
  const std::string image = bytes_of(plans_with_imports());
  std::string why;
  for (std::size_t n = 0; n < image.size(); ++n) {
    INFO("first " << n << " bytes");
    RatePlans plans;
    REQUIRE_FALSE(plans.deserialize(image.substr(0, n), &why));
  }
  RatePlans plans;
  CHECK_FALSE(plans.deserialize(image + '\0', &why));
  CHECK(why == "rate plans snapshot: truncated or trailing bytes");

  REQUIRE(plans.deserialize(plans_image({{"p0", {raw_rate("1")}}, {"p1", {raw_rate("86")}}}), &why));
  RawRate block_high = raw_rate("86");
  block_high.first_block = (std::uint64_t{1} << 32) + 60;
  RawRate next_high = raw_rate("86");
  next_high.next_block = (std::uint64_t{1} << 32) + 60;
  RawRate block_0 = raw_rate("86");
  block_0.first_block = 0;
  struct Row {
    const char* what;
    std::string bytes;
  };
  // clang-format off
  const std::vector<Row> rows = {
    {"plans out of order",      plans_image({{"p1", {raw_rate("86")}}, {"p0", {raw_rate("1")}}})},
    {"a plan twice",            plans_image({{"p1", {raw_rate("86")}}, {"p1", {raw_rate("1")}}})},
    {"duplicate prefix",        plans_image({{"p1", {raw_rate("86"), raw_rate("86")}}})},
    {"bad plan id",             plans_image({{"bad plan", {raw_rate("86")}}})},
    {"block 0",                 plans_image({{"p1", {block_0}}})},
    {"no rates",                plans_image({{"p1", {}}})},
    {"first block 2^32 + 60",   plans_image({{"p1", {block_high}}})},
    {"next block 2^32 + 60",    plans_image({{"p1", {next_high}}})},
  };
  // clang-format on
  for (const Row& row : rows) {
    INFO(row.what);
    why.clear();
    CHECK_FALSE(plans.deserialize(row.bytes, &why));
    CHECK_FALSE(why.empty());
  }
}

// ---- LedgerState across projections ----------------------------------------------------------

struct Sections {
  std::string magic;
  std::uint64_t applied = 0;
  std::int64_t time = 0;
  std::string info, balances, plans, calls, agents, principals, cards, contracts, tickets, promotions;
};
Sections sections_of(const std::string& image) {
  ByteReader r(image);
  Sections s;
  s.magic = r.str();
  s.applied = r.u64();
  s.time = r.i64();
  s.info = r.str();
  s.balances = r.str();
  s.plans = r.str();
  s.calls = r.str();
  s.agents = r.str();
  s.principals = r.str();
  s.cards = r.str();
  s.contracts = r.str();
  s.tickets = r.str();
  s.promotions = r.str();
  REQUIRE_FALSE(r.failed());
  REQUIRE(r.at_end());
  return s;
}
std::string image_of(const Sections& s) {
  ByteWriter w;
  w.str(s.magic);
  w.u64(s.applied);
  w.i64(s.time);
  w.str(s.info);
  w.str(s.balances);
  w.str(s.plans);
  w.str(s.calls);
  w.str(s.agents);
  w.str(s.principals);
  w.str(s.cards);
  w.str(s.contracts);
  w.str(s.tickets);
  w.str(s.promotions);
  return w.take();
}

// A ledger with alice and bob (10,000 each) and one authorization by `holder`.
LedgerState ledger_where(const std::string& holder) {
  LedgerState state;
  state.apply(1, event_at(t0, LedgerCreated{"telco-1", "Acme", "CNY", 480}));
  state.apply(2, event_at(t0, RatePlanImported{"p1", "p1.csv", p1_rates}));
  state.apply(3, event_at(t0, AccountOpened{"alice", "p1", 10'000, {}}, {cash(-10'000), wallet("alice", 10'000)}));
  state.apply(4, event_at(t0, AccountOpened{"bob", "p1", 10'000, {}}, {cash(-10'000), wallet("bob", 10'000)}));
  if (!holder.empty())
    state.apply(5, event_at(t0, authorization("c1", holder, 750, t0 + 180 * second_us),
                            {wallet(holder, -750), hold(holder, 750)}));
  return state;
}

TEST_CASE("ledger state: snapshots of calls and rate plans round-trip", "[calls][projection][snapshot]") {
  LedgerState state = ledger_with_holds();
  const std::string image = state.serialize();
  LedgerState restored;
  std::string why;
  REQUIRE(restored.deserialize(image, &why));
  CHECK(restored.serialize() == image);
  CHECK(restored.check_invariants(&why));
  CHECK(restored.calls().find("sw1 a") != nullptr);
  CHECK(restored.calls().find("sw1 x")->expired);
  CHECK(restored.rate_plans().find("p1") != nullptr);
  for (std::size_t n = 0; n < image.size(); ++n) {
    LedgerState partial;
    REQUIRE_FALSE(partial.deserialize(image.substr(0, n), &why));
  }
  CHECK_FALSE(restored.deserialize(image + 'x', &why));
}

TEST_CASE("ledger state: check_invariants catches holds that disagree with held money",
          "[calls][projection]") {
  std::string why;
  const LedgerState alice_holds = ledger_where("alice");
  const LedgerState bob_holds = ledger_where("bob");
  const LedgerState no_holds = ledger_where("");
  REQUIRE(alice_holds.check_invariants(&why));
  REQUIRE(bob_holds.check_invariants(&why));
  REQUIRE(no_holds.check_invariants(&why));

  // A hold the accounts do not hold: the totals differ.
  Sections s = sections_of(alice_holds.serialize());
  s.balances = sections_of(no_holds.serialize()).balances;
  LedgerState spliced;
  REQUIRE(spliced.deserialize(image_of(s), &why));
  why.clear();
  CHECK_FALSE(spliced.check_invariants(&why));
  CHECK(why == "account alice holds 0 units but its active holds sum to 750");

  // Money held without a hold.
  s = sections_of(alice_holds.serialize());
  s.calls = sections_of(no_holds.serialize()).calls;
  REQUIRE(spliced.deserialize(image_of(s), &why));
  why.clear();
  CHECK_FALSE(spliced.check_invariants(&why));
  CHECK(why == "account alice holds 750 units but its active holds sum to 0");

  // An expired hold is money back in the wallet: it counts for nothing.
  LedgerState expired = ledger_where("alice");
  expired.apply(6, event_at(t0 + 180 * second_us, HoldExpired{sw, "c1", "alice", 5, 750},
                            {hold("alice", -750), wallet("alice", 750)}));
  CHECK(expired.check_invariants(&why));

  // The totals agree, but the hold is bob's while alice holds the money:
  // every hold must be in its own account's held money.
  s = sections_of(alice_holds.serialize());
  s.calls = sections_of(bob_holds.serialize()).calls;
  REQUIRE(spliced.deserialize(image_of(s), &why));
  why.clear();
  CHECK_FALSE(spliced.check_invariants(&why));
  INFO(why);
}

}  // namespace
}  // namespace huawu
