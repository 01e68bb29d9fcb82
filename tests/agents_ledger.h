#pragma once
// A ledger decided one request at a time for the agent tests: decide against
// a LedgerState and apply each decided event to it at once, as the writer
// does (tests/decide_fixture.h), with the whole-state
// invariants (double entry per unit, funds equal to their ledger accounts,
// reservations equal to the active holds) checked after every request. Keeps
// every event, so a test can rebuild the state from sequence 1.
#include <catch2/catch.hpp>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "events/codec.h"
#include "events/rejection.h"
#include "ledger/command.h"
#include "ledger/decide.h"
#include "tests/decide_fixture.h"
#include "projections/ledger_state.h"

namespace Catch {
template <>
struct StringMaker<huawu::Rejection> {
  static std::string convert(huawu::Rejection r) { return std::string(huawu::rejection_name(r)); }
};
}  // namespace Catch

namespace huawu::test {

inline constexpr std::int64_t agents_start_us = 1'735'660'800'000'000;  // 2025-01-01 00:00 UTC+8
inline constexpr std::int64_t fen = 100;                                 // units

// A fixed PIN key for tests (a data directory's is random).
inline std::shared_ptr<const CardKey> test_card_key() {
  std::array<unsigned char, 32> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i * 7 + 1);
  return std::make_shared<const CardKey>(make_card_key(bytes));
}

class AgentsLedger {
 public:
  explicit AgentsLedger(CardPolicy card_policy = {})
      : view_(LedgerState{}, DecideSettings{CallPolicy{}, card_policy, test_card_key(), nullptr, {}}) {
    REQUIRE(submit(CreateLedger{"telco-1", "Acme Telecom"}) == Rejection::none);
    // 10 fen a minute on 60/60 blocks; 6/6 blocks to 852.
    REQUIRE(submit(ImportRatePlan{"retail", "retail.csv",
                                  {Rate{"86", "China", 10 * fen, 0, 60, 60}, Rate{"852", "Hong Kong", 30 * fen, 0, 6, 6}}}) ==
            Rejection::none);
  }
  AgentsLedger(const AgentsLedger&) = delete;
  AgentsLedger& operator=(const AgentsLedger&) = delete;

  // Decides and applies one request; returns its rejection (none: applied).
  Rejection submit(Command command, std::string actor = "local:operator") {
    Request request{std::move(command), "k-" + std::to_string(next_key_++), std::move(actor), 0};
    if (const auto* sw = std::get_if<SwitchRequest>(&request.command))
      request.idempotency_key = switch_idempotency_key(sw->switch_id, sw->request_key);
    last_ = view_.commit(request, now_us_);
    events_.insert(events_.end(), last_.events.begin(), last_.events.end());
    std::string why;
    const bool held = state().check_invariants(&why);
    INFO(why);
    REQUIRE(held);
    return last_.rejection;
  }

  // A switch request; returns the refusal's reason ("" when accepted).
  std::string switch_reason(SwitchBody body) {
    const std::string key = "r-" + std::to_string(next_key_);
    REQUIRE(submit(SwitchRequest{"sw1", key, std::move(body)}) == Rejection::none);
    REQUIRE(!last_.events.empty());
    const auto* refused = std::get_if<CallRejected>(&last_.events[0].payload);
    return refused ? refused->reason : "";
  }

  void advance_seconds(std::int64_t seconds) { now_us_ += seconds * 1'000'000; }
  // The ledger's clock moves to `time_us` (never back).
  void advance_to(std::int64_t time_us) {
    REQUIRE(time_us >= now_us_);
    now_us_ = time_us;
  }
  std::int64_t now_us() const { return now_us_; }
  const LedgerState& state() const { return view_.ahead_state(); }
  const Agents& agents() const { return state().agents(); }
  const AgentFunds& funds(const std::string& agent) const { return *state().agents().agent_funds(agent); }
  const Decision& last() const { return last_; }
  const std::vector<Event>& events() const { return events_; }
  std::int64_t ledger_units(LedgerAccountKind kind, const std::string& owner, Unit unit = Unit::cny_units) const {
    return state().balances().ledger_account_units(LedgerAccountKey{kind, owner, unit});
  }

 private:
  AheadView view_;
  std::int64_t now_us_ = agents_start_us;
  std::uint64_t next_key_ = 0;
  Decision last_;
  std::vector<Event> events_;
};

// Every event the ledger kept round-trips the codec, and the state rebuilt
// from sequence 1 and the state restored from a snapshot equal the live one;
// returns the restored state for further checks.
inline LedgerState require_replay_equals_live(const AgentsLedger& ledger) {
  for (const Event& event : ledger.events()) {
    std::string why;
    const auto decoded = decode_event(encode_event(event), &why);
    INFO(payload_name(event.payload) << ": " << why);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == event);
  }
  LedgerState rebuilt;
  std::uint64_t sequence = 0;
  for (const Event& event : ledger.events()) rebuilt.apply(++sequence, event);
  CHECK(rebuilt.serialize() == ledger.state().serialize());
  LedgerState restored;
  std::string why;
  REQUIRE(restored.deserialize(ledger.state().serialize(), &why));
  CHECK(restored.serialize() == ledger.state().serialize());
  return restored;
}

inline AuthorizeCall authorize_call(std::string call, std::string account, std::int64_t seconds = 60,
                                    std::string callee = "8620123456") {
  return AuthorizeCall{std::move(call), std::move(account), "8610000000", std::move(callee), seconds,
                       agents_start_us};
}

}  // namespace huawu::test
