// The balances projection and the ledger state that holds it
// (projections/balances.h, projections/ledger_state.h). Events here are built
// by hand, not by decide, so the projection is tested on its own: apply is the
// only mutation (DESIGN §1), and the snapshot bytes are the "rebuild equals
// live" yardstick, so they must be deterministic and refuse damaged input.
#include "projections/balances.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "events/bytes.h"
#include "events/event.h"
#include "projections/ledger_state.h"
#include "tests/posting_builders.h"

namespace huawu {
namespace {

constexpr std::int64_t second_us = 1'000'000;
constexpr std::int64_t start_us = 1'735'660'800'000'000;  // 2025-01-01 00:00 UTC+8

const LedgerAccountKey external_cash_cny{LedgerAccountKind::external_cash, "", Unit::cny_units};

using test::cash;
using test::wallet;

Event event_at(std::int64_t time_us, Payload payload, std::vector<Posting> postings = {}) {
  Event e;
  e.ledger_time_us = time_us;
  e.business_time_us = time_us;
  e.actor = "test";
  e.idempotency_key = "key-" + std::to_string(time_us);
  e.postings = std::move(postings);
  e.payload = std::move(payload);
  return e;
}

Event created() { return event_at(start_us, LedgerCreated{"telco-1", "Acme Telecom", "CNY", 480}); }

Event opened(std::int64_t t, const std::string& account, std::int64_t initial,
             const std::string& plan = "") {
  std::vector<Posting> postings;
  if (initial > 0) postings = {cash(-initial), wallet(account, initial)};
  return event_at(t, AccountOpened{account, plan, initial, {}}, postings);
}

Event recharged(std::int64_t t, const std::string& account, std::int64_t amount,
                std::int64_t after) {
  return event_at(t, WalletRecharged{account, amount, "ref", after},
                  {cash(-amount), wallet(account, amount)});
}

Event closed(std::int64_t t, const std::string& account, std::int64_t remaining) {
  if (remaining == 0) return event_at(t, AccountClosed{account, 0, BalanceDisposition::none, {}, {}});
  return event_at(t, AccountClosed{account, remaining, BalanceDisposition::refunded, {}, {}},
                  {cash(remaining), wallet(account, -remaining)});
}

// The story every test starts from: alice opens with 50 yuan and recharges
// 0.1234 yuan; bob opens empty on a rate plan; carol opens with 1 yuan and
// closes with a refund.
std::vector<Event> story() {
  return {
      created(),                                                     // 1
      opened(start_us + 1 * second_us, "alice", 500'000),            // 2
      recharged(start_us + 2 * second_us, "alice", 1'234, 501'234),  // 3
      opened(start_us + 3 * second_us, "bob", 0, "plan-a"),          // 4
      opened(start_us + 4 * second_us, "carol", 10'000),             // 5
      closed(start_us + 5 * second_us, "carol", 10'000),             // 6
  };
}

LedgerState state_after(const std::vector<Event>& events) {
  LedgerState state;
  std::uint64_t sequence = 0;
  for (const Event& e : events) state.apply(++sequence, e);
  return state;
}

void require_invariants(const LedgerState& state) {
  std::string why;
  const bool held = state.check_invariants(&why);
  INFO(why);
  REQUIRE(held);
  // External cash mirrors the wallets: what entered the system sits in them.
  REQUIRE(state.balances().ledger_account_units(external_cash_cny) ==
          -state.balances().wallets_total_units());
}

TEST_CASE("apply: open, recharge and close, event by event", "[balances]") {
  const std::vector<Event> events = story();
  LedgerState state;
  const Balances& b = state.balances();
  CHECK(b.find("alice") == nullptr);
  require_invariants(state);

  state.apply(1, events[0]);
  CHECK(state.info().created());
  CHECK(state.info().ledger() == std::get<LedgerCreated>(events[0].payload));
  CHECK(b.accounts_open() == 0);
  CHECK(b.wallets_total_units() == 0);
  require_invariants(state);

  state.apply(2, events[1]);  // alice opens with 500'000
  const AccountState* alice = b.find("alice");
  REQUIRE(alice != nullptr);
  CHECK(alice->status == AccountStatus::open);
  CHECK(alice->balance_units == 500'000);
  CHECK(alice->rate_plan.empty());
  CHECK(alice->opened_sequence == 2);
  CHECK(alice->closed_sequence == 0);
  CHECK(b.accounts_open() == 1);
  CHECK(b.accounts_closed() == 0);
  CHECK(b.wallets_total_units() == 500'000);
  CHECK(b.ledger_account_units(external_cash_cny) == -500'000);
  CHECK(b.ledger_account_units({LedgerAccountKind::user_wallet, "alice", Unit::cny_units}) ==
        500'000);
  CHECK(b.ledger_account_units({LedgerAccountKind::user_wallet, "alice", Unit::traffic_seconds}) ==
        0);
  require_invariants(state);

  state.apply(3, events[2]);  // alice recharges 1'234
  CHECK(b.find("alice")->balance_units == 501'234);
  CHECK(b.find("alice")->opened_sequence == 2);
  CHECK(b.wallets_total_units() == 501'234);
  CHECK(b.ledger_account_units(external_cash_cny) == -501'234);
  require_invariants(state);

  state.apply(4, events[3]);  // bob opens empty on plan-a
  const AccountState* bob = b.find("bob");
  REQUIRE(bob != nullptr);
  CHECK(bob->balance_units == 0);
  CHECK(bob->rate_plan == "plan-a");
  CHECK(bob->opened_sequence == 4);
  CHECK(b.accounts_open() == 2);
  CHECK(b.wallets_total_units() == 501'234);
  require_invariants(state);

  state.apply(5, events[4]);  // carol opens with 10'000
  CHECK(b.accounts_open() == 3);
  CHECK(b.wallets_total_units() == 511'234);
  CHECK(b.ledger_account_units(external_cash_cny) == -511'234);
  require_invariants(state);

  state.apply(6, events[5]);  // carol closes; the refund leaves the system
  const AccountState* carol = b.find("carol");
  REQUIRE(carol != nullptr);  // closed accounts stay known
  CHECK(carol->status == AccountStatus::closed);
  CHECK(carol->balance_units == 0);
  CHECK(carol->opened_sequence == 5);
  CHECK(carol->closed_sequence == 6);
  CHECK(b.accounts_open() == 2);
  CHECK(b.accounts_closed() == 1);
  CHECK(b.wallets_total_units() == 501'234);
  CHECK(b.ledger_account_units(external_cash_cny) == -501'234);
  require_invariants(state);

  CHECK(state.applied_through() == 6);
  CHECK(state.last_ledger_time_us() == start_us + 5 * second_us);
}

TEST_CASE("apply: closing an empty account posts nothing", "[balances]") {
  LedgerState state = state_after(story());
  state.apply(7, closed(start_us + 6 * second_us, "bob", 0));
  CHECK(state.balances().find("bob")->status == AccountStatus::closed);
  CHECK(state.balances().find("bob")->closed_sequence == 7);
  CHECK(state.balances().accounts_open() == 1);
  CHECK(state.balances().accounts_closed() == 2);
  CHECK(state.balances().wallets_total_units() == 501'234);
  require_invariants(state);
}

TEST_CASE("apply: many accounts keep the running totals exact", "[balances]") {
  std::vector<Event> events = {created()};
  std::int64_t t = start_us;
  std::int64_t expected_total = 0;
  std::uint64_t expected_open = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string id = "acct-" + std::to_string(i);
    const std::int64_t initial = i * 7;
    events.push_back(opened(t += second_us, id, initial));
    events.push_back(recharged(t += second_us, id, 100 + i, initial + 100 + i));
    if (i % 3 == 0) {
      events.push_back(closed(t += second_us, id, initial + 100 + i));
    } else {
      expected_total += initial + 100 + i;
      ++expected_open;
    }
  }
  const LedgerState state = state_after(events);
  CHECK(state.balances().wallets_total_units() == expected_total);
  CHECK(state.balances().accounts_open() == expected_open);
  CHECK(state.balances().accounts_closed() == 200 - expected_open);
  std::int64_t summed = 0;
  state.balances().for_each_account(
      [&](const std::string&, const AccountState& a) { summed += a.balance_units; });
  CHECK(summed == expected_total);
  require_invariants(state);
}

// ---- snapshot bytes -----------------------------------------------------------------

std::string balances_bytes(const Balances& b) {
  std::string out;
  b.serialize(out);
  return out;
}

// The snapshot layout, written from the comment in balances.cc rather than
// from its code.
void write_account(ByteWriter& w, const std::string& id, std::uint8_t status,
                   const std::string& plan, std::int64_t balance, std::uint64_t opened_sequence,
                   std::uint64_t closed_sequence) {
  w.str(id);
  w.u8(status);
  w.str(plan);
  w.str("");  // agent: none (the provider's own user)
  w.i64(balance);
  w.i64(0);  // held
  w.i64(0);  // owed
  w.u64(opened_sequence);
  w.u64(closed_sequence);
}
void write_ledger_account(ByteWriter& w, std::uint8_t kind, const std::string& owner,
                          std::uint8_t unit, std::int64_t units) {
  w.u8(kind);
  w.str(owner);
  w.u8(unit);
  w.i64(units);
}

TEST_CASE("Balances::serialize follows the documented layout", "[balances][snapshot]") {
  const LedgerState state = state_after(story());
  // Accounts sorted by id, then ledger accounts in key order.
  ByteWriter w;
  w.u64(3);
  write_account(w, "alice", 0, "", 501'234, 2, 0);
  write_account(w, "bob", 0, "plan-a", 0, 4, 0);
  write_account(w, "carol", 1, "", 0, 5, 6);
  w.u64(1);
  write_ledger_account(w, 0, "", 0, -501'234);  // external cash, CNY units
  CHECK(balances_bytes(state.balances()) == w.bytes());
}

TEST_CASE("Balances: serialize, deserialize, serialize is byte-identical", "[balances][snapshot]") {
  const LedgerState state = state_after(story());
  const std::string bytes = balances_bytes(state.balances());
  Balances copy;
  std::string why;
  REQUIRE(copy.deserialize(bytes, &why));
  CHECK(balances_bytes(copy) == bytes);
  CHECK(copy.wallets_total_units() == state.balances().wallets_total_units());
  CHECK(copy.accounts_open() == state.balances().accounts_open());
  CHECK(copy.accounts_closed() == state.balances().accounts_closed());
  for (const char* id : {"alice", "bob", "carol"}) {
    INFO(id);
    REQUIRE(copy.find(id) != nullptr);
    CHECK(*copy.find(id) == *state.balances().find(id));
  }
  CHECK(copy.ledger_account_units(external_cash_cny) ==
        state.balances().ledger_account_units(external_cash_cny));
  CHECK(copy.check_invariants(&why));

  // Deserialize replaces what was there before.
  Balances reused;
  REQUIRE(reused.deserialize(bytes, &why));
  REQUIRE(reused.deserialize(balances_bytes(Balances{}), &why));
  CHECK(reused.find("alice") == nullptr);
  CHECK(reused.wallets_total_units() == 0);
  CHECK(reused.accounts_open() == 0);
}

TEST_CASE("Balances::deserialize refuses truncated and trailing bytes", "[balances][snapshot]") {
  const std::string bytes = balances_bytes(state_after(story()).balances());
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    INFO("cut to " << size << " of " << bytes.size());
    Balances b;
    std::string why;
    REQUIRE_FALSE(b.deserialize(std::string_view(bytes).substr(0, size), &why));
    REQUIRE_FALSE(why.empty());
  }
  for (const std::string& tail : {std::string(1, '\0'), std::string(8, '\0'), std::string("x")}) {
    Balances b;
    std::string why;
    CHECK_FALSE(b.deserialize(bytes + tail, &why));
    CHECK_THAT(why, Catch::Matchers::Contains("trailing"));
  }
}

TEST_CASE("Balances::deserialize refuses snapshots that break an invariant",
          "[balances][snapshot]") {
  auto one_account = [](std::uint8_t status, std::int64_t balance, std::int64_t cash_units,
                        std::uint8_t kind = 0, std::uint8_t unit = 0) {
    ByteWriter w;
    w.u64(1);
    write_account(w, "alice", status, "", balance, 2, 0);
    w.u64(1);
    write_ledger_account(w, kind, "", unit, cash_units);
    return w.take();
  };
  Balances b;
  std::string why;
  // The same bytes with consistent numbers are accepted: the tests below
  // each break one thing.
  REQUIRE(b.deserialize(one_account(0, 100, -100), &why));

  CHECK_FALSE(b.deserialize(one_account(0, 100, -99), &why));  // does not sum to zero
  CHECK_THAT(why, Catch::Matchers::Contains("not zero"));
  CHECK_FALSE(b.deserialize(one_account(0, -100, 100), &why));  // negative wallet
  CHECK_THAT(why, Catch::Matchers::Contains("negative"));
  CHECK_FALSE(b.deserialize(one_account(2, 100, -100), &why));  // unknown status
  CHECK_THAT(why, Catch::Matchers::Contains("status"));
  CHECK_FALSE(b.deserialize(one_account(0, 100, -100, ledger_account_kind_max + 1), &why));  // unknown kind
  CHECK_THAT(why, Catch::Matchers::Contains("ledger account"));
  CHECK_FALSE(b.deserialize(one_account(0, 100, -100, 0, 2), &why));  // unknown unit
  CHECK_THAT(why, Catch::Matchers::Contains("ledger account"));
  // A count far beyond the bytes present is refused without allocating for it.
  ByteWriter huge;
  huge.u64(~std::uint64_t{0});
  CHECK_FALSE(b.deserialize(huge.bytes(), &why));
}

TEST_CASE("Balances::deserialize refuses non-canonical images", "[balances][snapshot]") {
  // One state has one image: unsorted or repeated ids, and wallets in the
  // ledger-account section, are refused rather than re-serialized differently.
  auto refuses = [](const std::string& bytes) {
    Balances balances;
    std::string why;
    return !balances.deserialize(bytes, &why) && !why.empty();
  };
  ByteWriter unsorted;
  unsorted.u64(2);
  write_account(unsorted, "bob", 0, "", 0, 3, 0);
  write_account(unsorted, "alice", 0, "", 0, 2, 0);
  unsorted.u64(0);
  CHECK(refuses(unsorted.bytes()));

  ByteWriter repeated;
  repeated.u64(2);
  write_account(repeated, "alice", 1, "", 0, 2, 3);
  write_account(repeated, "alice", 1, "", 0, 2, 3);
  repeated.u64(0);
  CHECK(refuses(repeated.bytes()));

  ByteWriter wallet_in_ledger_accounts;
  wallet_in_ledger_accounts.u64(0);
  wallet_in_ledger_accounts.u64(1);
  write_ledger_account(wallet_in_ledger_accounts, 1, "alice", 0, 0);
  CHECK(refuses(wallet_in_ledger_accounts.bytes()));
}

TEST_CASE("LedgerState: serialize, deserialize, serialize is byte-identical",
          "[balances][snapshot]") {
  const LedgerState state = state_after(story());
  const std::string bytes = state.serialize();
  CHECK(state.serialize() == bytes);  // deterministic

  LedgerState copy;
  std::string why;
  REQUIRE(copy.deserialize(bytes, &why));
  CHECK(copy.serialize() == bytes);
  CHECK(copy.applied_through() == 6);
  CHECK(copy.last_ledger_time_us() == start_us + 5 * second_us);
  REQUIRE(copy.info().created());
  CHECK(copy.info().ledger() == state.info().ledger());
  CHECK(*copy.balances().find("alice") == *state.balances().find("alice"));
  require_invariants(copy);

  // A restored state goes on exactly like the original.
  LedgerState original = state_after(story());
  const Event next = recharged(start_us + 9 * second_us, "bob", 5, 5);
  original.apply(7, next);
  copy.apply(7, next);
  CHECK(copy.serialize() == original.serialize());

  // The empty state round-trips too.
  LedgerState empty;
  REQUIRE(empty.deserialize(LedgerState{}.serialize(), &why));
  CHECK(empty.serialize() == LedgerState{}.serialize());
  CHECK_FALSE(empty.info().created());
}

TEST_CASE("LedgerState::deserialize refuses damaged snapshots", "[balances][snapshot]") {
  const std::string bytes = state_after(story()).serialize();
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    INFO("cut to " << size << " of " << bytes.size());
    LedgerState state;
    std::string why;
    REQUIRE_FALSE(state.deserialize(std::string_view(bytes).substr(0, size), &why));
    REQUIRE_FALSE(why.empty());
  }
  LedgerState state;
  std::string why;
  CHECK_FALSE(state.deserialize(bytes + "x", &why));
  CHECK_THAT(why, Catch::Matchers::Contains("trailing"));

  std::string wrong_magic = bytes;
  wrong_magic[8] = 'H';  // first letter of "huawu-state-v1", after its length
  CHECK_FALSE(state.deserialize(wrong_magic, &why));
  CHECK_THAT(why, Catch::Matchers::Contains("unknown format"));
}

}  // namespace
}  // namespace huawu
