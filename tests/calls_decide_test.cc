// decide for calls (ledger/decide_calls.cc, issue 3, clause A2.1): grants,
// holds, settles, call records, expiry and every named refusal, as tables in
// the manner of decide_test.cc: one request a row, the expected result beside
// it. Rows run in order against a LedgerState, the way the writer decides;
// accepted events are applied before the next row.
//
// Worked examples use the plan below. Prices are units a minute (1 fen = 100
// units), so 750 units/min = 12.5 units a second.
#include "ledger/decide.h"

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.h"
#include "events/limits.h"
#include "events/rejection.h"
#include "ledger/command.h"
#include "ledger/rating.h"
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
constexpr std::int64_t switch_time_us = start_us - 2 * second_us;
constexpr std::int64_t answered_us = start_us - 90 * second_us;
constexpr std::int64_t grace_s = CallPolicy{}.hold_grace_seconds;
constexpr const char* operator_actor = "local:operator";
constexpr const char* switch_actor = "switch:sw1";
constexpr const char* auto_key = "<row key>";          // replaced by a key unique to the row
constexpr const char* auto_request_key = "<row request key>";
constexpr const char* sw = "sw1";
constexpr const char* caller = "8610000000";

// Dialled numbers and the rows of plan p1 they match.
constexpr const char* china = "8620123456";          // 86: 750/min, 60/60
constexpr const char* mobile = "8613800138000";      // 8613: 900/min, 30/6
constexpr const char* america = "12125550100";       // 1: 750/min, 6/6
constexpr const char* britain = "442071234567";      // 44: 750/min, 1/1
constexpr const char* hong_kong = "85221234567";     // 852: 750/min + 1000 connect, 60/60
constexpr const char* toll_free = "8001234";         // 800: free
constexpr const char* free_with_fee = "8011234";     // 801: 0/min + 500 connect
constexpr const char* nowhere = "999123";            // no prefix of p1

const std::vector<Rate> p1_rates = {
    Rate{"86", "China", 750, 0, 60, 60},         Rate{"8613", "China mobile", 900, 0, 30, 6},
    Rate{"1", "North America", 750, 0, 6, 6},    Rate{"44", "UK", 750, 0, 1, 1},
    Rate{"852", "Hong Kong", 750, 1'000, 60, 60}, Rate{"800", "Toll free", 0, 0, 60, 60},
    Rate{"801", "Free with fee", 0, 500, 60, 60},
};
const CallRate r86{"86", 750, 0, 60, 60, {}};
const CallRate r8613{"8613", 900, 0, 30, 6, {}};
const CallRate r1{"1", 750, 0, 6, 6, {}};
const CallRate r44{"44", 750, 0, 1, 1, {}};
const CallRate r852{"852", 750, 1'000, 60, 60, {}};
const CallRate r800{"800", 0, 0, 60, 60, {}};
const CallRate r801{"801", 0, 500, 60, 60, {}};

// ---- requests ----------------------------------------------------------------------

Request operator_request(Command command) {
  return Request{std::move(command), auto_key, operator_actor, 0};
}
Request create() { return operator_request(CreateLedger{"telco-1", "Acme Telecom"}); }
Request open(std::string account, std::int64_t initial_units, std::string plan = "p1") {
  return operator_request(OpenAccount{std::move(account), std::move(plan), initial_units, {}});
}
Request recharge(std::string account, std::int64_t amount_units) {
  return operator_request(RechargeWallet{std::move(account), amount_units, ""});
}
Request close(std::string account, bool refund = false) {
  return operator_request(CloseAccount{std::move(account), refund ? CloseDisposition::refund : CloseDisposition::none, {}, {}});
}
Request import(std::string plan, std::vector<Rate> rates) {
  return operator_request(ImportRatePlan{std::move(plan), "p1.csv", std::move(rates)});
}
Request expire() { return operator_request(ExpireHolds{}); }

Request switch_request(SwitchBody body) {
  return Request{SwitchRequest{sw, auto_request_key, std::move(body)}, auto_key, switch_actor, 0};
}
Request authorize(std::string call, std::string account, std::string callee,
                  std::int64_t requested_seconds) {
  return switch_request(AuthorizeCall{std::move(call), std::move(account), caller,
                                      std::move(callee), requested_seconds, switch_time_us});
}
Request settle(std::string call, std::int64_t duration_ms) {
  return switch_request(SettleCall{std::move(call), answered_us, duration_ms, 16});
}
Request record(std::string call, std::string account, std::string callee,
               std::int64_t duration_ms) {
  return switch_request(RecordCall{std::move(call), std::move(account), caller, std::move(callee),
                                   answered_us, duration_ms, 16});
}
// The switch's own keys, verbatim (the idempotency key follows them).
Request with_keys(std::string switch_id, std::string request_key, Request request) {
  auto& r = std::get<SwitchRequest>(request.command);
  r.switch_id = std::move(switch_id);
  r.request_key = std::move(request_key);
  return request;
}
Request keyed(std::string key, Request request) {
  request.idempotency_key = std::move(key);
  return request;
}

// Fills the row's keys: a switch request's idempotency key is derived from
// its switch id and request key (switch_idempotency_key).
void assign_keys(Request& request, const std::string& key) {
  auto* from_switch = std::get_if<SwitchRequest>(&request.command);
  if (from_switch && from_switch->request_key == auto_request_key) from_switch->request_key = key;
  if (request.idempotency_key != auto_key) return;
  request.idempotency_key =
      from_switch ? switch_idempotency_key(from_switch->switch_id, from_switch->request_key) : key;
}

// ---- expected events ------------------------------------------------------------------

using test::cash;
using test::wallet;
using test::hold;
using test::arrears;
using test::revenue;

CallAuthorized authorized(std::string call, std::string account, std::string callee,
                          std::int64_t requested, std::int64_t granted, std::int64_t hold_units,
                          CallRate rate, std::int64_t expires_at_us) {
  return CallAuthorized{sw,        std::move(call), std::move(account), caller,
                        std::move(callee), requested, granted, hold_units,
                        std::move(rate),   switch_time_us, expires_at_us};
}

// What a CallSettled says beyond the call's identity.
struct Billed {
  CallOrigin origin = CallOrigin::authorized;
  std::uint64_t hold_id = 0;
  std::int64_t released = 0;
  std::int64_t duration_ms = 0;
  CallRate rate;
  std::int64_t billed_seconds = 0;
  std::int64_t cost = 0;
  std::int64_t debit = 0;
  std::int64_t arrears = 0;
  bool over_grant = false;
  std::int64_t balance_after = 0;
};
CallSettled settled(std::string call, std::string account, std::string callee, Billed b) {
  CallSettled s;
  s.switch_id = sw;
  s.call_id = std::move(call);
  s.account = std::move(account);
  s.caller = caller;
  s.callee = std::move(callee);
  s.origin = b.origin;
  s.hold_id = b.hold_id;
  s.released_units = b.released;
  s.answered_time_us = answered_us;
  s.duration_ms = b.duration_ms;
  s.disconnect_cause = 16;
  s.rate = std::move(b.rate);
  s.billed_seconds = b.billed_seconds;
  s.cost_units = b.cost;
  s.wallet_debit_units = b.debit;
  s.arrears_units = b.arrears;
  s.over_grant = b.over_grant;
  s.balance_after_units = b.balance_after;
  return s;
}

constexpr CallStage at_authorize = CallStage::authorize;
constexpr CallStage at_settle = CallStage::settle;
constexpr CallStage at_record = CallStage::record;

struct ExpectedEvent {
  Payload payload;
  std::vector<Posting> postings;
};

struct Expect {
  Expect(Rejection r) : rejection(r) {}  // NOLINT: implicit, so a row can name just the rejection
  explicit Expect(std::vector<ExpectedEvent> e) : events(std::move(e)) {}
  Rejection rejection = Rejection::none;
  std::vector<ExpectedEvent> events;  // empty iff rejected
};
Expect ok(Payload payload, std::vector<Posting> postings = {}) {
  return Expect(std::vector<ExpectedEvent>{ExpectedEvent{std::move(payload), std::move(postings)}});
}
// A business refusal of a switch request: an accepted CallRejected event.
Expect refused(std::string call, std::string account, CallStage stage, Rejection reason,
               std::uint64_t original_sequence = 0) {
  return ok(CallRejected{sw, std::move(call), std::move(account), stage,
                         std::string(rejection_name(reason)), original_sequence});
}

struct Row {
  Request request;
  Expect expect;
  std::int64_t advance_seconds = 0;  // the ledger time moves on by this much before the row
};

// ---- checks ------------------------------------------------------------------------------

// Postings sum to zero per unit, computed here independently of postings_balance.
bool sums_to_zero(const std::vector<Posting>& postings) {
  std::array<std::int64_t, unit_count> sums{};
  for (const Posting& p : postings) sums.at(static_cast<std::size_t>(p.unit)) += p.amount;
  for (std::int64_t sum : sums)
    if (sum != 0) return false;
  return true;
}

void check_decision(const Decision& decision, const Request& request, const Expect& expect,
                    std::int64_t ledger_time_us) {
  REQUIRE(decision.rejection == expect.rejection);
  REQUIRE(decision.events.size() == expect.events.size());
  for (std::size_t k = 0; k < decision.events.size(); ++k) {
    const Event& event = decision.events[k];
    INFO("event " << k << ": " << payload_name(event.payload));
    CHECK(event.ledger_time_us == ledger_time_us);
    CHECK(event.business_time_us == ledger_time_us);
    CHECK(event.actor == request.actor);
    CHECK(event.idempotency_key == request.idempotency_key);
    CHECK(payload_name(event.payload) == std::string(payload_name(expect.events[k].payload)));
    // An authorization's balance after is what the account has before it
    // (available + held): the balances projection checks it against the
    // postings when the scenario applies the event; the tables leave it out.
    Payload decided = event.payload;
    if (auto* authorized = std::get_if<CallAuthorized>(&decided)) {
      CHECK(authorized->balance_after_units > 0);
      authorized->balance_after_units = 0;
    }
    CHECK(decided == expect.events[k].payload);
    CHECK(event.postings == expect.events[k].postings);
    CHECK(sums_to_zero(event.postings));
    CHECK(postings_balance(event.postings));
  }
}

// Every account holds exactly the sum of its active holds.
void require_holds_match_accounts(const LedgerState& state) {
  std::map<std::string, std::int64_t> held;
  state.calls().for_each_hold([&](const std::string&, const HoldState& h) {
    if (!h.expired) held[h.account] += h.hold_units;
  });
  state.balances().for_each_account([&](const std::string& id, const AccountState& account) {
    INFO("account " << id);
    REQUIRE(account.held_units == (held.count(id) ? held.at(id) : 0));
    REQUIRE(account.balance_units >= 0);
  });
}

// A ledger decided one request at a time, as the writer does: decide against
// the state, apply each decided event to it at once (checked first), with
// the billed calls the store would index kept beside it.
class Scenario {
 public:
  explicit Scenario(CallPolicy policy = {}) : settings_{policy, {}, nullptr, nullptr, {}} {}
  // The view refers to the members: a Scenario stays where it was made.
  Scenario(const Scenario&) = delete;
  Scenario& operator=(const Scenario&) = delete;

  std::uint64_t next_sequence() const { return state_.applied_through() + 1; }
  std::int64_t now_us() const { return now_us_; }
  // When a hold granted `granted` seconds now expires.
  std::int64_t expires(std::int64_t granted) const {
    return now_us_ + (granted + settings_.call_policy.hold_grace_seconds) * second_us;
  }
  void advance(std::int64_t seconds) { now_us_ += seconds * second_us; }
  const LedgerState& state() const { return state_; }
  const DecideView& view() const { return view_; }

  // Decides and commits one request, whatever the outcome.
  Decision commit(Request request) {
    assign_keys(request, "row-" + std::to_string(rows_++));
    Decision decision = decide(view_, request, now_us_);
    apply(decision);
    return decision;
  }

  // Requests that must be accepted (a scenario's setting).
  void setup(std::vector<Request> requests) {
    for (Request& request : requests) {
      const Decision decision = commit(std::move(request));
      REQUIRE(decision.rejection == Rejection::none);
    }
  }

  void run(std::vector<Row> rows) {
    for (std::size_t i = 0; i < rows.size(); ++i) {
      Request& request = rows[i].request;
      assign_keys(request, "row-" + std::to_string(rows_++));
      advance(rows[i].advance_seconds);
      INFO("row " << i << ": expect " << rejection_name(rows[i].expect.rejection) << " ("
                  << rows[i].expect.events.size() << " events)");
      const std::string state_before = state_.serialize();
      const Decision decision = decide(view_, request, now_us_);
      // Pure: the same inputs give the same decision, and nothing was written.
      const Decision again = decide(view_, request, now_us_);
      REQUIRE(again.rejection == decision.rejection);
      REQUIRE(again.events == decision.events);
      REQUIRE(state_.serialize() == state_before);
      check_decision(decision, request, rows[i].expect, now_us_);
      apply(decision);
    }
  }

 private:
  void apply(const Decision& decision) {
    for (const Event& event : decision.events) {
      test::apply_checked(state_, event);
      if (const auto* s = std::get_if<CallSettled>(&event.payload))
        billed_.calls.emplace(call_key(s->switch_id, s->call_id), state_.applied_through());
    }
    std::string why;
    const bool held = state_.check_invariants(&why);
    INFO(why);
    REQUIRE(held);
    require_holds_match_accounts(state_);
  }

  LedgerState state_;
  DecideSettings settings_;
  test::BilledMap billed_;
  DecideView view_{state_, settings_, billed_};
  std::int64_t now_us_ = start_us;
  std::size_t rows_ = 0;
};

// ---- grants against a LedgerState fixture ---------------------------------------------

// A ledger with one plan (p1) and one account `acct` on it with exactly
// `available_units` to spend, and a view over it.
struct GrantFixture {
  explicit GrantFixture(std::int64_t available_units, CallPolicy policy = {}) : settings{policy, {}, nullptr, nullptr, {}} {
    test::fixture_created(state);
    test::apply_checked(state, test::fixture_event(RatePlanImported{"p1", "p1.csv", p1_rates}));
    test::fixture_account(state, "acct", available_units, "p1");
  }
  GrantFixture(const GrantFixture&) = delete;
  GrantFixture& operator=(const GrantFixture&) = delete;
  LedgerState state;
  DecideSettings settings;
  test::BilledMap billed;
  DecideView view{state, settings, billed};
};

TEST_CASE("calls decide: the grant is what the available balance pays, whole blocks",
          "[decide][calls]") {
  struct GrantRow {
    std::int64_t available_units;
    const char* callee;
    std::int64_t requested;
    std::int64_t granted;  // 0: refused with insufficient_balance
    std::int64_t hold_units;
    CallRate rate;
    std::int64_t max_call_seconds = 7200;
  };
  // clang-format off
  const GrantRow rows[] = {
    // available  callee         requested  granted  hold    rate
    // 60/60 at 750/min: 750 a minute.
    {750,         china,          60,        60,      750,    r86},
    {749,         china,          60,         0,        0,    r86},
    {0,           china,          60,         0,        0,    r86},
    {1'500,       china,        3600,       120,    1'500,    r86},
    {1'499,       china,        3600,        60,      750,    r86},   // one unit less: one block fewer
    {10'000,      china,          30,        30,      750,    r86},   // capped mid-block: held a whole block
    {10'000,      china,          61,        61,    1'500,    r86},
    {10'000'000,  china,        7201,      7200,   90'000,    r86},   // CallPolicy::max_call_seconds
    {10'000'000,  china,        7200,      7200,   90'000,    r86},
    {10'000'000,  china,        3600,        90,    1'500,    r86,    90},
    {750,         china,        3600,        60,      750,    r86,    90},
    {10'000'000,  china,           1,         1,      750,    r86},
    // 30/6 at 900/min: first 30 s = 450, then 6 s = 90.
    {450,         mobile,       3600,        30,      450,    r8613},
    {449,         mobile,       3600,         0,        0,    r8613},
    {540,         mobile,       3600,        36,      540,    r8613},
    {539,         mobile,       3600,        30,      450,    r8613},
    {10'000,      mobile,         31,        31,      540,    r8613},
    // 6/6 at 750/min: 6 s = 75.
    {75,          america,      3600,         6,       75,    r1},
    {74,          america,      3600,         0,        0,    r1},
    {150,         america,      3600,        12,      150,    r1},
    {149,         america,      3600,         6,       75,    r1},
    // 1/1 at 750/min: cost(s) = ceil(12.5 s).
    {13,          britain,      3600,         1,       13,    r44},
    {12,          britain,      3600,         0,        0,    r44},
    {88,          britain,      3600,         7,       88,    r44},
    {87,          britain,      3600,         6,       75,    r44},
    {100,         britain,      3600,         8,      100,    r44},
    {99,          britain,      3600,         7,       88,    r44},
    // Connect fee 1000 + 750/min, 60/60: the first minute costs 1750.
    {1'750,       hong_kong,    3600,        60,    1'750,    r852},
    {1'749,       hong_kong,    3600,         0,        0,    r852},
    {1'000,       hong_kong,    3600,         0,        0,    r852},
    {2'500,       hong_kong,    3600,       120,    2'500,    r852},
    {2'499,       hong_kong,    3600,        60,    1'750,    r852},
    // Free: the grant is what was asked (up to the policy); a hold of one unit.
    {1,           toll_free,     300,       300,        1,    r800},
    {0,           toll_free,     300,         0,        0,    r800},
    {1,           toll_free,    9999,      7200,        1,    r800},
    // Free with a connect fee: the fee is held.
    {500,         free_with_fee, 300,       300,      500,    r801},
    {499,         free_with_fee, 300,         0,        0,    r801},
  };
  // clang-format on
  for (std::size_t i = 0; i < std::size(rows); ++i) {
    const GrantRow& row = rows[i];
    INFO("row " << i << ": available " << row.available_units << " callee " << row.callee
                << " requested " << row.requested << " max " << row.max_call_seconds);
    CallPolicy policy;
    policy.max_call_seconds = row.max_call_seconds;
    const GrantFixture fixture(row.available_units, policy);
    const DecideView& view = fixture.view;
    Request request = authorize("call-" + std::to_string(i), "acct", row.callee, row.requested);
    assign_keys(request, "row-" + std::to_string(i));
    const std::string call = "call-" + std::to_string(i);
    const Expect expect =
        row.granted == 0
            ? refused(call, "acct", at_authorize, Rejection::insufficient_balance)
            : ok(authorized(call, "acct", row.callee, row.requested, row.granted, row.hold_units,
                            row.rate, start_us + (row.granted + grace_s) * second_us),
                 {wallet("acct", -row.hold_units), hold("acct", row.hold_units)});
    check_decision(decide(view, request, start_us), request, expect, start_us);
  }
}

// The exact boundary, for many block counts: a wallet that pays exactly k
// blocks is granted k blocks, one unit less gets k - 1 (none for k = 1).
TEST_CASE("calls decide: exactly k blocks affordable, one unit less one block fewer",
          "[decide][calls]") {
  // Cost of `seconds` billed seconds, restated from the rule in rating.h.
  auto cost_of = [](const CallRate& r, std::int64_t billed) {
    return (r.connect_fee_units * 60 + billed * r.price_units_per_minute + 59) / 60;
  };
  const std::pair<const char*, CallRate> plans[] = {
      {china, r86}, {mobile, r8613}, {america, r1}, {britain, r44}, {hong_kong, r852}};
  int rows = 0;
  for (const auto& [callee, rate] : plans) {
    for (std::int64_t k = 1; k <= 60; ++k) {
      const std::int64_t seconds = rate.first_block_seconds + (k - 1) * rate.next_block_seconds;
      const std::int64_t exact = cost_of(rate, seconds);
      for (const std::int64_t units : {exact, exact - 1}) {
        INFO("callee " << callee << " k " << k << " available " << units);
        const GrantFixture fixture(units);
        Request request = authorize("c", "acct", callee, 7200);
        assign_keys(request, "r" + std::to_string(rows++));
        const Decision d = decide(fixture.view, request, start_us);
        REQUIRE(d.events.size() == 1);
        const std::int64_t expected_seconds =
            units == exact ? seconds : seconds - (k == 1 ? seconds : rate.next_block_seconds);
        if (expected_seconds == 0) {
          const auto& r = std::get<CallRejected>(d.events[0].payload);
          CHECK(r.reason == "insufficient_balance");
        } else {
          const auto& a = std::get<CallAuthorized>(d.events[0].payload);
          CHECK(a.granted_seconds == expected_seconds);
          CHECK(a.hold_units == cost_of(rate, expected_seconds));
          CHECK(a.hold_units <= units);
        }
      }
    }
  }
}

// ---- the scenario tables --------------------------------------------------------------------

void open_accounts(Scenario& s) {
  s.setup({
      create(),                 // 1
      import("p1", p1_rates),   // 2
      open("alice", 10'000),    // 3
      open("bob", 0),           // 4
      open("nopl", 10'000, ""), // 5: no rate plan
      open("carol", 0),         // 6
      close("carol"),           // 7
      open("dave", 750),        // 8
      open("erin", 10'000),     // 9
  });
}

TEST_CASE("calls decide: every refusal of a switch request is a CallRejected event",
          "[decide][calls]") {
  Scenario s;
  open_accounts(s);
  const auto max_ms = limits::call_duration_ms_max;
  using R = Rejection;
  // clang-format off
  s.run({
    // request                                        expected result
    {authorize("c0", "bad id", china, 60),            refused("c0", "bad id", at_authorize, R::account_id_invalid)},
    {authorize("c0", "", china, 60),                  refused("c0", "", at_authorize, R::account_id_invalid)},
    {authorize("c0", "nobody", china, 60),            refused("c0", "nobody", at_authorize, R::account_not_found)},
    {authorize("c0", "nobody", china, 0),             refused("c0", "nobody", at_authorize, R::account_not_found)},
    {authorize("c0", "carol", china, 60),             refused("c0", "carol", at_authorize, R::account_closed)},
    {authorize("c0", "nopl", china, 60),              refused("c0", "nopl", at_authorize, R::no_rate_plan)},
    {authorize("c0", "alice", nowhere, 60),           refused("c0", "alice", at_authorize, R::no_rate_for_destination)},
    {authorize("c0", "alice", "86-20", 60),           refused("c0", "alice", at_authorize, R::no_rate_for_destination)},
    {authorize("c0", "alice", "", 60),                refused("c0", "alice", at_authorize, R::no_rate_for_destination)},
    {authorize("c0", "alice", nowhere, 0),            refused("c0", "alice", at_authorize, R::no_rate_for_destination)},
    {authorize("c0", "alice", china, 0),              refused("c0", "alice", at_authorize, R::duration_invalid)},
    {authorize("c0", "alice", china, -60),            refused("c0", "alice", at_authorize, R::duration_invalid)},
    {authorize("c0", "bob", china, 60),               refused("c0", "bob", at_authorize, R::insufficient_balance)},
    {record("c0", "nobody", china, 1'000),            refused("c0", "nobody", at_record, R::account_not_found)},
    {record("c0", "carol", china, 1'000),             refused("c0", "carol", at_record, R::account_closed)},
    {record("c0", "nopl", china, 1'000),              refused("c0", "nopl", at_record, R::no_rate_plan)},
    {record("c0", "alice", nowhere, 1'000),           refused("c0", "alice", at_record, R::no_rate_for_destination)},
    {record("c0", "alice", china, -1),                refused("c0", "alice", at_record, R::duration_invalid)},
    {record("c0", "alice", china, max_ms + 1),        refused("c0", "alice", at_record, R::duration_invalid)},
    {settle("c0", 1'000),                             refused("c0", "", at_settle, R::call_not_authorized)},
    {settle("c0", -1),                                refused("c0", "", at_settle, R::duration_invalid)},
    {settle("c0", max_ms + 1),                        refused("c0", "", at_settle, R::duration_invalid)},
    // Refusals move no money: nothing above changed an account.
    {expire(),                                        R::nothing_to_expire},
  });
  // clang-format on
  CHECK(s.state().balances().find("alice")->balance_units == 10'000);
  CHECK(s.state().balances().find("bob")->balance_units == 0);
  CHECK(s.state().calls().active_holds() == 0);
  CHECK(s.state().applied_through() == 9 + 22);
}

TEST_CASE("calls decide: keys a switch request cannot be filed under", "[decide][calls]") {
  Scenario s;
  open_accounts(s);
  const std::string longest(limits::switch_id_length_max, 'w');
  const std::string too_long = longest + "w";
  static_assert(limits::switch_id_length_max == limits::request_key_length_max);
  static_assert(limits::switch_id_length_max == limits::call_id_length_max);
  using R = Rejection;
  Request with_empty_actor = authorize("c1", "nobody", china, 60);
  with_empty_actor.actor = "";
  Request bad_keys_empty_actor = with_keys("s w", "r", authorize("c1", "nobody", china, 60));
  bad_keys_empty_actor.actor = "";
  // clang-format off
  s.run({
    // switch id
    {with_keys("s w", "r", authorize("c1", "alice", china, 60)),   R::switch_request_invalid},
    {with_keys("", "r", authorize("c1", "alice", china, 60)),      R::switch_request_invalid},
    {with_keys(too_long, "r", authorize("c1", "alice", china, 60)), R::switch_request_invalid},
    {with_keys("sw\x01", "r", authorize("c1", "alice", china, 60)), R::switch_request_invalid},
    {with_keys("交换机", "r", authorize("c1", "alice", china, 60)), R::switch_request_invalid},
    // request key
    {with_keys(sw, "r 1", settle("c1", 1'000)),                    R::switch_request_invalid},
    {with_keys(sw, "", settle("c1", 1'000)),                       R::switch_request_invalid},
    {with_keys(sw, too_long, settle("c1", 1'000)),                 R::switch_request_invalid},
    // call id
    {authorize("c 1", "alice", china, 60),                         R::switch_request_invalid},
    {authorize("", "alice", china, 60),                            R::switch_request_invalid},
    {authorize(too_long, "alice", china, 60),                      R::switch_request_invalid},
    {settle("c 1", 1'000),                                         R::switch_request_invalid},
    {settle("", 1'000),                                            R::switch_request_invalid},
    {record("c\t1", "alice", china, 1'000),                        R::switch_request_invalid},
    {record(too_long, "alice", china, 1'000),                      R::switch_request_invalid},
    // The idempotency key must be switch_idempotency_key(switch id, request key).
    {keyed("r1", with_keys(sw, "r1", authorize("c1", "alice", china, 60))), R::idempotency_key_invalid},
    {keyed(switch_idempotency_key("sw2", "r1"),
           with_keys(sw, "r1", authorize("c1", "alice", china, 60))),       R::idempotency_key_invalid},
    {keyed(switch_idempotency_key(sw, "r2"),
           with_keys(sw, "r1", authorize("c1", "alice", china, 60))),       R::idempotency_key_invalid},
    {keyed("", with_keys(sw, "r1", authorize("c1", "alice", china, 60))),   R::idempotency_key_invalid},
    // ... checked before the keys themselves, which come before the actor.
    {keyed("k", with_keys("s w", "r", authorize("c1", "alice", china, 60))), R::idempotency_key_invalid},
    {bad_keys_empty_actor,                                         R::switch_request_invalid},
    {with_empty_actor,                                             R::text_invalid},
    // The longest keys are usable: the request is decided (here, refused as a call).
    {with_keys(longest, longest, authorize(longest, "nobody", china, 60)),
     ok(CallRejected{longest, longest, "nobody", at_authorize, "account_not_found", 0})},
  });
  // clang-format on
  CHECK(s.state().applied_through() == 9 + 1);
}

TEST_CASE("calls decide: before the ledger exists", "[decide][calls]") {
  Scenario s;
  Request bad_keys = with_keys("s w", "r", authorize("c1", "alice", china, 60));
  // clang-format off
  s.run({
    {authorize("c1", "alice", china, 60),  Rejection::ledger_not_created},
    {settle("c1", 1'000),                  Rejection::ledger_not_created},
    {record("c1", "alice", china, 1'000),  Rejection::ledger_not_created},
    {expire(),                             Rejection::ledger_not_created},
    {import("p1", p1_rates),               Rejection::ledger_not_created},
    {bad_keys,                             Rejection::switch_request_invalid},
  });
  // clang-format on
}

TEST_CASE("calls decide: authorize, settle within the grant, duplicates", "[decide][calls]") {
  Scenario s;
  open_accounts(s);
  const std::uint64_t c1 = s.next_sequence();  // 10
  const std::uint64_t c1_settled = c1 + 3;
  using R = Rejection;
  // clang-format off
  s.run({
    // alice: 10,000 available. A minute at 750 is held: 9,250 available, 750 held.
    {authorize("c1", "alice", china, 60),
     ok(authorized("c1", "alice", china, 60, 60, 750, r86, s.expires(60)),
        {wallet("alice", -750), hold("alice", 750)})},
    {authorize("c1", "alice", china, 60),          refused("c1", "alice", at_authorize, R::call_already_authorized, c1)},
    {record("c1", "alice", china, 1'000),          refused("c1", "alice", at_record, R::call_already_authorized, c1)},
    // 45 s is one 60 s block: 750. The hold comes back and pays it exactly.
    {settle("c1", 45'000),
     ok(settled("c1", "alice", china, {.origin = CallOrigin::authorized, .hold_id = c1, .released = 750,
                                       .duration_ms = 45'000, .rate = r86, .billed_seconds = 60,
                                       .cost = 750, .debit = 750, .arrears = 0, .over_grant = false,
                                       .balance_after = 9'250}),
        {hold("alice", -750), revenue(750)})},
    // A duplicate under a new key, however late, is never billed again.
    {settle("c1", 45'000),                         refused("c1", "", at_settle, R::call_already_settled, c1_settled)},
    {settle("c1", 90'000),                         refused("c1", "", at_settle, R::call_already_settled, c1_settled)},
    {authorize("c1", "alice", china, 60),          refused("c1", "alice", at_authorize, R::call_already_settled, c1_settled)},
    {record("c1", "alice", china, 1'000),          refused("c1", "alice", at_record, R::call_already_settled, c1_settled)},
    // The same call id from another switch is another call.
    {with_keys("sw2", "r-sw2", authorize("c1", "alice", china, 60)),
     ok(CallAuthorized{"sw2", "c1", "alice", caller, china, 60, 60, 750, r86, switch_time_us,
                       s.expires(60)},
        {wallet("alice", -750), hold("alice", 750)})},
  });
  // clang-format on
  const AccountState* alice = s.state().balances().find("alice");
  CHECK(alice->balance_units == 8'500);
  CHECK(alice->held_units == 750);
  CHECK(s.state().balances().ledger_account_units(
            {LedgerAccountKind::call_revenue, "", Unit::cny_units}) == 750);
}

TEST_CASE("calls decide: zero duration, over the grant, call records, arrears",
          "[decide][calls]") {
  Scenario s;
  open_accounts(s);
  const std::uint64_t c2 = s.next_sequence();  // 10
  const std::uint64_t c3 = c2 + 2;
  const std::uint64_t d1 = c2 + 8;
  const std::uint64_t d1_settled = d1 + 1;
  using R = Rejection;
  // clang-format off
  s.run({
    // alice 10,000 -> 8,500 available, 1,500 held (two minutes).
    {authorize("c2", "alice", china, 120),
     ok(authorized("c2", "alice", china, 120, 120, 1'500, r86, s.expires(120)),
        {wallet("alice", -1'500), hold("alice", 1'500)})},
    // Never answered: costs nothing, not even a connect fee; the hold comes back.
    {settle("c2", 0),
     ok(settled("c2", "alice", china, {.origin = CallOrigin::authorized, .hold_id = c2, .released = 1'500,
                                       .duration_ms = 0, .rate = r86, .billed_seconds = 0, .cost = 0,
                                       .debit = 0, .arrears = 0, .over_grant = false,
                                       .balance_after = 10'000}),
        {hold("alice", -1'500), wallet("alice", 1'500)})},
    // alice 10,000 -> 9,250 available, 750 held.
    {authorize("c3", "alice", china, 60),
     ok(authorized("c3", "alice", china, 60, 60, 750, r86, s.expires(60)),
        {wallet("alice", -750), hold("alice", 750)})},
    // 150 s past a 60 s grant: 3 minutes = 2,250, debited in full from the
    // hold (750) and the wallet (1,500): 7,750 left.
    {settle("c3", 150'000),
     ok(settled("c3", "alice", china, {.origin = CallOrigin::authorized, .hold_id = c3, .released = 750,
                                       .duration_ms = 150'000, .rate = r86, .billed_seconds = 180,
                                       .cost = 2'250, .debit = 2'250, .arrears = 0, .over_grant = true,
                                       .balance_after = 7'750}),
        {hold("alice", -750), wallet("alice", -1'500), revenue(2'250)})},
    // A record of an unauthorized call: 31 s on 30/6 at 900 bills 36 s = 540.
    {record("c4", "alice", mobile, 31'000),
     ok(settled("c4", "alice", mobile, {.origin = CallOrigin::recorded, .hold_id = 0, .released = 0,
                                        .duration_ms = 31'000, .rate = r8613, .billed_seconds = 36,
                                        .cost = 540, .debit = 540, .arrears = 0, .over_grant = false,
                                        .balance_after = 7'210}),
        {wallet("alice", -540), revenue(540)})},
    // A record of zero length moves nothing, yet the call is billed.
    {record("c5", "alice", hong_kong, 0),
     ok(settled("c5", "alice", hong_kong, {.origin = CallOrigin::recorded, .hold_id = 0, .released = 0,
                                           .duration_ms = 0, .rate = r852, .billed_seconds = 0,
                                           .cost = 0, .debit = 0, .arrears = 0, .over_grant = false,
                                           .balance_after = 7'210}))},
    {settle("c5", 1'000),                         refused("c5", "", at_settle, R::call_already_settled, c2 + 5)},
    // Connect fee 1,000 + one minute 750.
    {record("c6", "alice", hong_kong, 1'000),
     ok(settled("c6", "alice", hong_kong, {.origin = CallOrigin::recorded, .hold_id = 0, .released = 0,
                                           .duration_ms = 1'000, .rate = r852, .billed_seconds = 60,
                                           .cost = 1'750, .debit = 1'750, .arrears = 0,
                                           .over_grant = false, .balance_after = 5'460}),
        {wallet("alice", -1'750), revenue(1'750)})},
    // dave: 750 available pays one minute of the ten asked for.
    {authorize("d1", "dave", china, 600),
     ok(authorized("d1", "dave", china, 600, 60, 750, r86, s.expires(60)),
        {wallet("dave", -750), hold("dave", 750)})},
    // 10 minutes = 7,500: the hold pays 750, the rest is arrears.
    {settle("d1", 600'000),
     ok(settled("d1", "dave", china, {.origin = CallOrigin::authorized, .hold_id = d1, .released = 750,
                                      .duration_ms = 600'000, .rate = r86, .billed_seconds = 600,
                                      .cost = 7'500, .debit = 750, .arrears = 6'750, .over_grant = true,
                                      .balance_after = 0}),
        {hold("dave", -750), arrears("dave", -6'750), revenue(7'500)})},
    {authorize("d2", "dave", china, 60),          refused("d2", "dave", at_authorize, R::insufficient_balance)},
    // A record on an empty wallet: all of it is arrears.
    {record("d3", "dave", china, 30'000),
     ok(settled("d3", "dave", china, {.origin = CallOrigin::recorded, .hold_id = 0, .released = 0,
                                      .duration_ms = 30'000, .rate = r86, .billed_seconds = 60,
                                      .cost = 750, .debit = 0, .arrears = 750, .over_grant = false,
                                      .balance_after = 0}),
        {arrears("dave", -750), revenue(750)})},
    {settle("d1", 1'000),                         refused("d1", "", at_settle, R::call_already_settled, d1_settled)},
  });
  // clang-format on
  const Balances& b = s.state().balances();
  CHECK(b.find("alice")->balance_units == 5'460);
  CHECK(b.find("alice")->held_units == 0);
  CHECK(b.find("dave")->balance_units == 0);
  CHECK(b.find("dave")->owed_units == 7'500);
  CHECK(b.ledger_account_units({LedgerAccountKind::user_arrears, "dave", Unit::cny_units}) == -7'500);
  CHECK(b.ledger_account_units({LedgerAccountKind::call_revenue, "", Unit::cny_units}) ==
        2'250 + 540 + 1'750 + 7'500 + 750);
}

TEST_CASE("calls decide: holds block closing, recharges count them, expiry, late settle",
          "[decide][calls]") {
  Scenario s;
  open_accounts(s);
  s.setup({open("fay", 750)});  // 10
  const std::uint64_t e1 = s.next_sequence();  // 11
  const std::int64_t e1_expires = s.expires(60);
  const std::uint64_t e1_expired = e1 + 2;
  const std::uint64_t e1_settled = e1 + 5;
  const std::uint64_t f1 = e1 + 8;
  using R = Rejection;
  // clang-format off
  s.run({
    // erin 10,000 -> 9,250 available, 750 held; the hold expires 60 + 120 s from now.
    {authorize("e1", "erin", china, 60),
     ok(authorized("e1", "erin", china, 60, 60, 750, r86, e1_expires),
        {wallet("erin", -750), hold("erin", 750)})},
    {close("erin", true),                          R::account_has_holds},
    {close("erin"),                                R::account_has_holds},
    // The balance after counts the held money: 9,250 + 750 + 100.
    {recharge("erin", 100),                        ok(WalletRecharged{"erin", 100, "", 10'100},
                                                      {cash(-100), wallet("erin", 100)})},
    {expire(),                                     R::nothing_to_expire},
    {expire(),                                     R::nothing_to_expire, 60 + grace_s - 1},
    // Due exactly at its expiry time.
    {expire(),                                     ok(HoldExpired{sw, "e1", "erin", e1, 750},
                                                      {hold("erin", -750), wallet("erin", 750)}), 1},
    {expire(),                                     R::nothing_to_expire, 3600},
    // An expired hold still names its call.
    {authorize("e1", "erin", china, 60),           refused("e1", "erin", at_authorize, R::call_already_authorized, e1)},
    {record("e1", "erin", china, 1'000),           refused("e1", "erin", at_record, R::call_already_authorized, e1)},
    // A late settle releases nothing and is billed at the authorized rate
    // from the available balance (9,250 + 100 + the 750 released: 10,100).
    {settle("e1", 30'000),
     ok(settled("e1", "erin", china, {.origin = CallOrigin::late_settle, .hold_id = e1, .released = 0,
                                      .duration_ms = 30'000, .rate = r86, .billed_seconds = 60,
                                      .cost = 750, .debit = 750, .arrears = 0, .over_grant = false,
                                      .balance_after = 9'350}),
        {wallet("erin", -750), revenue(750)})},
    {settle("e1", 30'000),                         refused("e1", "", at_settle, R::call_already_settled, e1_settled)},
    {close("erin", true),                          ok(AccountClosed{"erin", 9'350, BalanceDisposition::refunded, {}, {}},
                                                      {cash(9'350), wallet("erin", -9'350)})},
    // fay: all 750 held; expired; then closed with the money back: a late
    // settle finds the account closed.
    {authorize("f1", "fay", china, 60),
     ok(authorized("f1", "fay", china, 60, 60, 750, r86,
                   e1_expires + (3600 + 60 + grace_s) * second_us),
        {wallet("fay", -750), hold("fay", 750)})},
    {expire(),                                     ok(HoldExpired{sw, "f1", "fay", f1, 750},
                                                      {hold("fay", -750), wallet("fay", 750)}), 180},
    {close("fay", true),                           ok(AccountClosed{"fay", 750, BalanceDisposition::refunded, {}, {}},
                                                      {cash(750), wallet("fay", -750)})},
    {settle("f1", 10'000),                         refused("f1", "fay", at_settle, R::account_closed, f1)},
    {authorize("f2", "fay", china, 60),            refused("f2", "fay", at_authorize, R::account_closed)},
  });
  // clang-format on
  (void)e1_expired;
  CHECK(s.state().calls().active_holds() == 0);
  CHECK(s.state().calls().expired_holds() == 1);  // f1: never settled
  CHECK(s.state().balances().find("erin")->status == AccountStatus::closed);
}

TEST_CASE("calls decide: a re-imported plan rates new calls, not calls already authorized",
          "[decide][calls]") {
  Scenario s;
  open_accounts(s);
  s.setup({open("gus", 100'000)});  // 10
  // The new plan: China twice the price, North America dropped.
  const std::vector<Rate> p1_new = {Rate{"86", "China", 1'500, 0, 60, 60},
                                    Rate{"44", "UK", 750, 0, 1, 1}};
  const CallRate r86_new{"86", 1'500, 0, 60, 60, {}};
  const std::uint64_t g0 = s.next_sequence();  // 11
  const std::uint64_t g1 = g0 + 1;
  const std::uint64_t g2 = g0 + 3;
  // clang-format off
  s.run({
    // gus 100,000 -> 99,925 (g0: 6 s at 6/6 = 75) -> 99,175 (g1: 750)
    {authorize("g0", "gus", america, 6),
     ok(authorized("g0", "gus", america, 6, 6, 75, r1, s.expires(6)), {wallet("gus", -75), hold("gus", 75)})},
    {authorize("g1", "gus", china, 60),
     ok(authorized("g1", "gus", china, 60, 60, 750, r86, s.expires(60)), {wallet("gus", -750), hold("gus", 750)})},
    {import("p1", p1_new),                         ok(RatePlanImported{"p1", "p1.csv", p1_new})},
    // -> 97,675 available, held 75 + 750 + 1,500
    {authorize("g2", "gus", china, 60),
     ok(authorized("g2", "gus", china, 60, 60, 1'500, r86_new, s.expires(60)),
        {wallet("gus", -1'500), hold("gus", 1'500)})},
    {authorize("g3", "gus", america, 60),          refused("g3", "gus", at_authorize, Rejection::no_rate_for_destination)},
    // g1 is billed at the rate it was authorized with (750), not the new one.
    {settle("g1", 60'000),
     ok(settled("g1", "gus", china, {.origin = CallOrigin::authorized, .hold_id = g1, .released = 750,
                                     .duration_ms = 60'000, .rate = r86, .billed_seconds = 60,
                                     .cost = 750, .debit = 750, .arrears = 0, .over_grant = false,
                                     .balance_after = 99'250}),
        {hold("gus", -750), revenue(750)})},
    // g0's prefix is gone from the plan; it is still billed at its rate: 7 s -> 12 s = 150.
    {settle("g0", 7'000),
     ok(settled("g0", "gus", america, {.origin = CallOrigin::authorized, .hold_id = g0, .released = 75,
                                       .duration_ms = 7'000, .rate = r1, .billed_seconds = 12,
                                       .cost = 150, .debit = 150, .arrears = 0, .over_grant = true,
                                       .balance_after = 99'100}),
        {hold("gus", -75), wallet("gus", -75), revenue(150)})},
    {settle("g2", 60'000),
     ok(settled("g2", "gus", china, {.origin = CallOrigin::authorized, .hold_id = g2, .released = 1'500,
                                     .duration_ms = 60'000, .rate = r86_new, .billed_seconds = 60,
                                     .cost = 1'500, .debit = 1'500, .arrears = 0, .over_grant = false,
                                     .balance_after = 97'600}),
        {hold("gus", -1'500), revenue(1'500)})},
    // A record is rated with the plan as it is now.
    {record("g4", "gus", china, 60'000),
     ok(settled("g4", "gus", china, {.origin = CallOrigin::recorded, .hold_id = 0, .released = 0,
                                     .duration_ms = 60'000, .rate = r86_new, .billed_seconds = 60,
                                     .cost = 1'500, .debit = 1'500, .arrears = 0, .over_grant = false,
                                     .balance_after = 96'100}),
        {wallet("gus", -1'500), revenue(1'500)})},
  });
  // clang-format on
  const RatePlanState* plan = s.state().rate_plans().find("p1");
  REQUIRE(plan);
  CHECK(plan->imports == 2);
  CHECK(plan->imported_sequence == g0 + 2);
}

TEST_CASE("calls decide: rate plan imports", "[decide][calls]") {
  Scenario s;
  s.setup({create()});
  std::vector<Rate> twice = p1_rates;
  twice.push_back(Rate{"86", "China again", 700, 0, 60, 60});
  std::vector<Rate> zero_block = p1_rates;
  zero_block[0].first_block_seconds = 0;
  // clang-format off
  s.run({
    {open("alice", 10'000, "p1"),           Rejection::rate_plan_not_found},
    {import("bad plan", p1_rates),          Rejection::rate_plan_invalid},
    {import("p1", {}),                      Rejection::rate_plan_invalid},
    {import("p1", twice),                   Rejection::rate_plan_invalid},
    {import("p1", zero_block),              Rejection::rate_plan_invalid},
    {import("p1", p1_rates),                ok(RatePlanImported{"p1", "p1.csv", p1_rates})},
    {open("alice", 10'000, "p1"),           ok(AccountOpened{"alice", "p1", 10'000, {}},
                                               {cash(-10'000), wallet("alice", 10'000)})},
  });
  // clang-format on
}

// decide's events must pass the rules apply asserts (account_event_problem),
// or the writer stops on HUAWU_ASSERT. Arrears are bounded by
// limits::balance_units_max like balances; at the highest price a plan may
// have, the longest call record costs 16,666,700,000,000 units, so 600 of them
// on an empty wallet pass the bound.
TEST_CASE("calls decide: arrears never pass the balance limit", "[decide][calls]") {
  const std::int64_t price_max = limits::rate_price_fen_max * 100;
  const std::int64_t longest_ms = limits::call_duration_ms_max;
  const CallRate dearest{"86", price_max, 0, 60, 60, {}};
  const std::int64_t cost = 16'666'700'000'000;
  REQUIRE(call_cost_units(dearest, longest_ms) == cost);
  const std::int64_t calls_below = limits::balance_units_max / cost;  // 599
  REQUIRE(calls_below == 599);

  Scenario s;
  s.setup({create(), import("dear", {Rate{"86", "Dearest", price_max, 0, 60, 60}}), open("debtor", 0, "dear")});
  for (std::int64_t i = 0; i < calls_below; ++i) {
    const Decision d = s.commit(record("m" + std::to_string(i), "debtor", china, longest_ms));
    REQUIRE(std::get<CallSettled>(d.events.at(0).payload).arrears_units == cost);
  }
  const AccountState* debtor = s.state().balances().find("debtor");
  REQUIRE(debtor->owed_units == calls_below * cost);

  // One more: decided, but not applied here (apply would stop the process).
  Request one_more = record("m-last", "debtor", china, longest_ms);
  assign_keys(one_more, "one-more");
  const Decision d = decide(s.view(), one_more, s.now_us());
  REQUIRE(d.events.size() <= 1);
  for (const Event& event : d.events) {
    INFO(payload_name(event.payload));
    const char* problem = account_event_problem(debtor, event);
    INFO((problem ? problem : ""));
    CHECK(problem == nullptr);
    CHECK(s.state().problem(s.next_sequence(), event).empty());
  }

  // The same through a settle past its grant, at the bound: the debtor pays
  // for a minute at the dearest price, is granted it, and the call runs the
  // longest a call may, far past its grant and past what arrears may hold.
  s.setup({recharge("debtor", price_max)});
  const Decision authorized_call = s.commit(authorize("c1", "debtor", china, 60));
  REQUIRE(authorized_call.events.size() == 1);
  REQUIRE(std::get<CallAuthorized>(authorized_call.events[0].payload).granted_seconds == 60);
  Request over = settle("c1", longest_ms);
  assign_keys(over, "over");
  const Decision settled_call = decide(s.view(), over, s.now_us());
  REQUIRE(settled_call.events.size() == 1);
  const char* problem = account_event_problem(s.state().balances().find("debtor"), settled_call.events[0]);
  INFO((problem ? problem : ""));
  CHECK(problem == nullptr);
  CHECK(s.state().problem(s.next_sequence(), settled_call.events[0]).empty());
}

// ---- expiry in bulk ------------------------------------------------------------------------

TEST_CASE("calls decide: ExpireHolds releases at most holds_expired_per_request_max, earliest first",
          "[decide][calls]") {
  constexpr std::size_t max = limits::holds_expired_per_request_max;
  constexpr std::size_t holds = max + 5;
  Scenario s;
  s.setup({create(), import("p1", p1_rates), open("many", 1'000'000'000)});
  // 1/1 at 750: s seconds hold ceil(12.5 s); expiries differ by the seconds granted.
  std::set<std::pair<std::int64_t, std::string>> order;  // (expires at, call key)
  std::map<std::string, std::pair<std::uint64_t, std::int64_t>> placed;  // call key -> (hold id, units)
  for (std::size_t i = 0; i < holds; ++i) {
    const std::string call = "h" + std::to_string(i);
    const std::int64_t seconds = 1 + static_cast<std::int64_t>((i * 7) % 13);
    const std::uint64_t sequence = s.next_sequence();
    const Decision d = s.commit(authorize(call, "many", britain, seconds));
    REQUIRE(d.rejection == Rejection::none);
    const auto& a = std::get<CallAuthorized>(d.events.at(0).payload);
    REQUIRE(a.granted_seconds == seconds);
    REQUIRE(a.hold_units == (seconds * 750 + 59) / 60);
    order.emplace(a.expires_at_us, call_key(sw, call));
    placed[call] = {sequence, a.hold_units};
  }
  CHECK(s.state().calls().active_holds() == holds);
  s.advance(13 + grace_s);

  std::vector<std::string> expected_keys;
  for (const auto& entry : order) expected_keys.push_back(entry.second);
  std::size_t next = 0;
  for (const std::size_t count : {max, holds - max}) {
    std::vector<ExpectedEvent> events;
    for (std::size_t k = 0; k < count; ++k, ++next) {
      const std::string call = expected_keys[next].substr(std::string_view(sw).size() + 1);
      const auto [hold_id, units] = placed.at(call);
      events.push_back({HoldExpired{sw, call, "many", hold_id, units},
                        {hold("many", -units), wallet("many", units)}});
    }
    s.run({{expire(), Expect(std::move(events))}});
  }
  s.run({{expire(), Rejection::nothing_to_expire}});
  CHECK(s.state().calls().active_holds() == 0);
  CHECK(s.state().calls().expired_holds() == holds);
  CHECK(s.state().balances().find("many")->balance_units == 1'000'000'000);
  CHECK(s.state().balances().find("many")->held_units == 0);
}

// ---- one wallet, many calls at once ----------------------------------------------------------

TEST_CASE("calls decide: parallel authorizations in one batch never hold more than the wallet",
          "[decide][calls][batch]") {
  Scenario committed;
  committed.setup({create(), import("p1", p1_rates), open("hal", 10'000), open("ivy", 777)});
  const std::string before = committed.state().serialize();
  test::AheadView view(committed.state());
  std::mt19937_64 random(42);
  const char* callees[] = {china, mobile, america, britain, hong_kong, free_with_fee, toll_free};
  std::map<std::string, std::int64_t> held;
  std::uint64_t sequence = committed.state().applied_through();
  std::vector<Event> decided;
  int granted = 0, refused_count = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string account = i % 3 == 0 ? "ivy" : "hal";
    const std::int64_t wallet_units = account == "hal" ? 10'000 : 777;
    const char* callee = callees[random() % std::size(callees)];
    const std::int64_t requested = 1 + static_cast<std::int64_t>(random() % 300);
    Request request = authorize("p" + std::to_string(i), account, callee, requested);
    assign_keys(request, "batch-" + std::to_string(i));
    const std::int64_t available_before = view.find_account(account)->balance_units;
    const Decision d = decide(view, request, start_us);
    REQUIRE(d.events.size() == 1);
    INFO("request " << i << " " << account << " " << callee << " " << requested);
    if (const auto* a = std::get_if<CallAuthorized>(&d.events[0].payload)) {
      ++granted;
      CHECK(a->hold_units <= available_before);
      CHECK(a->granted_seconds <= requested);
      held[account] += a->hold_units;
    } else {
      ++refused_count;
      CHECK(std::get<CallRejected>(d.events[0].payload).reason == "insufficient_balance");
    }
    for (const Event& event : d.events) {
      decided.push_back(event);
      view.apply(++sequence, event);
    }
    // What the batch holds so far never exceeds what the wallet had.
    REQUIRE(held[account] <= wallet_units);
    REQUIRE(view.find_account(account)->balance_units == wallet_units - held[account]);
    REQUIRE(view.find_account(account)->held_units == held[account]);
    REQUIRE(committed.state().serialize() == before);
  }
  CHECK(granted > 10);
  CHECK(refused_count > 10);
  // Committed, the batch leaves the same numbers.
  LedgerState state = committed.state();
  std::uint64_t at = state.applied_through();
  for (const Event& event : decided) state.apply(++at, event);
  std::string why;
  CHECK(state.check_invariants(&why));
  require_holds_match_accounts(state);
  CHECK(state.balances().find("hal")->held_units == held["hal"]);
  CHECK(state.balances().find("ivy")->held_units == held["ivy"]);
}

// ---- a batch: decided against the committed state plus its own earlier events ----------

// A committed state with three holds due at `later` and one account each kind.
void batch_base(Scenario& s) {
  s.setup({create(), import("p1", p1_rates), open("alice", 10'000), open("bob", 1'000),
           authorize("h1", "alice", china, 60), authorize("h2", "bob", china, 60),
           authorize("h3", "alice", britain, 100)});
  s.advance(3600);
}

std::vector<Request> mixed_calls() {
  const std::vector<Rate> p1_dearer = {Rate{"86", "China", 1'500, 0, 60, 60},
                                       Rate{"44", "UK", 750, 0, 1, 1}};
  std::vector<Request> requests = {
      settle("h1", 45'000),                    // 0: settles a committed hold
      expire(),                                // 1: expires h2 and h3, not h1 (settled, pending)
      settle("h2", 30'000),                    // 2: late settle of a hold expired in this batch
      settle("h1", 45'000),                    // 3: call_already_settled, from the batch itself
      expire(),                                // 4: nothing_to_expire
      authorize("n1", "alice", china, 60),     // 5
      authorize("n1", "alice", china, 60),     // 6: call_already_authorized, from the batch
      settle("n1", 90'000),                    // 7: over the grant
      record("r1", "bob", china, 30'000),      // 8
      record("r1", "bob", china, 30'000),      // 9: call_already_settled
      close("bob"),                            // 10: bob's wallet is empty (the rest is arrears)
      close("bob", true),                      // 11: account_closed
      authorize("n2", "bob", china, 60),       // 12: account_closed, from the batch
      import("p1", p1_dearer),                 // 13
      authorize("n3", "alice", china, 60),     // 14: at the new price
      recharge("alice", 1'234),                // 15
      authorize("n4", "alice", britain, 100'000),  // 16: capped by the policy and the wallet
      settle("h3", 100'000),                   // 17: late settle of h3
      settle("n3", 0),                         // 18
      close("alice", true),                    // 19: account_has_holds (n4)
      settle("n4", 1'000),                     // 20
      close("alice", true),                    // 21
  };
  for (std::size_t i = 0; i < requests.size(); ++i)
    assign_keys(requests[i], "mixed-" + std::to_string(i));
  return requests;
}

TEST_CASE("calls decide against a state that runs ahead: one batch equals one commit per request",
          "[decide][calls][batch]") {
  const std::vector<Request> requests = mixed_calls();

  // One commit per request.
  Scenario one_by_one;
  batch_base(one_by_one);
  std::vector<Decision> expected;
  for (const Request& request : requests) expected.push_back(one_by_one.commit(request));

  // One batch over the same committed state: nothing is applied until the end.
  Scenario base;
  batch_base(base);
  const std::string committed_before = base.state().serialize();
  test::AheadView batch_view(base.state());
  std::vector<Event> decided;
  std::uint64_t sequence = base.state().applied_through();
  for (std::size_t i = 0; i < requests.size(); ++i) {
    INFO("request " << i);
    const Decision decision = decide(batch_view, requests[i], base.now_us());
    REQUIRE(decision.rejection == expected[i].rejection);
    REQUIRE(decision.events == expected[i].events);
    for (const Event& event : decision.events) {
      decided.push_back(event);
      batch_view.apply(++sequence, event);
    }
    REQUIRE(base.state().serialize() == committed_before);
  }

  // What the batch was meant to show.
  auto payload = [&](std::size_t i) -> const Payload& { return expected.at(i).events.at(0).payload; };
  CHECK(std::get<CallSettled>(payload(0)).origin == CallOrigin::authorized);
  REQUIRE(expected[1].events.size() == 2);
  CHECK(std::get<HoldExpired>(expected[1].events[0].payload).call_id == "h2");
  CHECK(std::get<HoldExpired>(expected[1].events[1].payload).call_id == "h3");
  CHECK(std::get<CallSettled>(payload(2)).origin == CallOrigin::late_settle);
  CHECK(std::get<CallSettled>(payload(2)).released_units == 0);
  CHECK(std::get<CallRejected>(payload(3)).reason == "call_already_settled");
  CHECK(expected[4].rejection == Rejection::nothing_to_expire);
  CHECK(std::get<CallRejected>(payload(6)).reason == "call_already_authorized");
  CHECK(std::get<CallSettled>(payload(7)).over_grant);
  CHECK(std::get<CallRejected>(payload(9)).reason == "call_already_settled");
  CHECK(std::holds_alternative<AccountClosed>(payload(10)));
  CHECK(expected[11].rejection == Rejection::account_closed);
  CHECK(std::get<CallRejected>(payload(12)).reason == "account_closed");
  CHECK(std::get<CallAuthorized>(payload(14)).rate.price_units_per_minute == 1'500);
  CHECK(std::get<CallAuthorized>(payload(16)).granted_seconds < 7200);
  CHECK(std::get<CallSettled>(payload(17)).origin == CallOrigin::late_settle);
  CHECK(expected[19].rejection == Rejection::account_has_holds);
  CHECK(std::holds_alternative<AccountClosed>(payload(21)));

  // Applied at the end, the batch leaves the state one commit per request left.
  LedgerState committed = base.state();
  std::uint64_t at = committed.applied_through();
  for (const Event& event : decided) committed.apply(++at, event);
  CHECK(committed.serialize() == one_by_one.state().serialize());
}

// Two ExpireHolds in one batch: the second skips the holds the first expired.
TEST_CASE("calls decide against a state that runs ahead: a batch expires each hold once",
          "[decide][calls][batch]") {
  constexpr std::size_t max = limits::holds_expired_per_request_max;
  Scenario base;
  base.setup({create(), import("p1", p1_rates), open("many", 1'000'000'000)});
  for (std::size_t i = 0; i < max + 3; ++i)
    REQUIRE(std::holds_alternative<CallAuthorized>(base.commit(authorize("x" + std::to_string(i), "many", britain, 60)).events.at(0).payload));
  base.advance(60 + grace_s);
  test::AheadView view(base.state());
  std::vector<std::size_t> counts;
  std::set<std::string> expired;
  std::uint64_t sequence = base.state().applied_through();
  for (int i = 0; i < 3; ++i) {
    Request request = expire();
    assign_keys(request, "expire-" + std::to_string(i));
    const Decision d = decide(view, request, base.now_us());
    counts.push_back(d.events.size());
    for (const Event& event : d.events) {
      CHECK(expired.insert(std::get<HoldExpired>(event.payload).call_id).second);
      view.apply(++sequence, event);
    }
    if (i == 2) CHECK(d.rejection == Rejection::nothing_to_expire);
  }
  CHECK(counts == std::vector<std::size_t>{max, 3, 0});
  CHECK(view.find_account("many")->held_units == 0);
}

// Which calls were billed is not in the state (it grows with every call):
// decide asks BilledCalls, which the writer answers from the calls in flight
// and then the store's index. A billed call's hold is gone from the state,
// and a second settle of it is refused by that answer alone.
TEST_CASE("calls decide: billed calls are answered by the billed-call index, not the state",
          "[decide][calls]") {
  Scenario s;
  s.setup({create(), import("p1", p1_rates), open("alice", 10'000)});
  test::AheadView view(s.state());
  Request rec = record("c1", "alice", china, 1'000);
  assign_keys(rec, "k1");
  const Decision d = decide(view, rec, start_us);
  REQUIRE(d.events.size() == 1);
  const std::uint64_t sequence = view.ahead_state().applied_through() + 1;
  view.apply(sequence, d.events[0]);
  CHECK(view.call_billed_at(call_key(sw, "c1")) == sequence);
  CHECK(view.ahead_state().calls().find(call_key(sw, "c1")) == nullptr);
  Request again = record("c1", "alice", china, 1'000);
  assign_keys(again, "k2");
  const Decision twice = decide(view, again, start_us);
  REQUIRE(twice.events.size() == 1);
  CHECK(std::get<CallRejected>(twice.events[0].payload).reason == "call_already_settled");
  // Forgotten by the index (as a store that lost it would), the call is billed again.
  view.billed_calls().clear();
  CHECK(view.call_billed_at(call_key(sw, "c1")) == std::nullopt);
  CHECK(std::holds_alternative<CallSettled>(decide(view, again, start_us).events.at(0).payload));
}

}  // namespace
}  // namespace huawu
