// Random requests through the writer against a reference model: 10,000
// open/recharge/close requests, with collisions, closed and unknown accounts,
// bad amounts, refunds and retries (same key, same or other content). After
// every request the outcome must match the model and the postings and state
// invariants hold (DESIGN.md §5); at the end a rebuild from sequence 1 equals
// the live state byte for byte, and the audit passes.
#include <catch2/catch.hpp>
#include <cctype>
#include <cstdlib>
#include <map>
#include <random>

#include "events/limits.h"
#include "events/rejection.h"
#include "ledger/audit.h"
#include "tests/property_seed.h"
#include "tests/test_support.h"

namespace huawu {
namespace {

constexpr std::uint64_t default_seed = 0x6875'6177'7500'0001;
constexpr int requests_total = 10'000;
constexpr int burst_requests_max = 96;

// ---- the reference model ---------------------------------------------------
//
// The business rules written out again, independently of decide.cc. Where a
// request breaks several rules, the model reports the first in this order:
// the key, the account id, then (open) the amount before existence, (recharge
// and close) existence and status before the amount or balance.

struct ModelAccount {
  bool open = true;
  std::int64_t balance_units = 0;
};

bool valid_account_id(const std::string& id) {
  // The grammar of events/ids.h, restated for the ids this test generates.
  if (id.empty() || id.size() > limits::account_id_length_max) return false;
  if (!std::isalnum(static_cast<unsigned char>(id[0]))) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
      return false;
  return true;
}

bool same_content(const Command& a, const Command& b) {
  if (a.index() != b.index()) return false;
  if (auto* x = std::get_if<OpenAccount>(&a)) {
    auto& y = std::get<OpenAccount>(b);
    return x->account == y.account && x->rate_plan == y.rate_plan &&
           x->initial_units == y.initial_units;
  }
  if (auto* x = std::get_if<RechargeWallet>(&a)) {
    auto& y = std::get<RechargeWallet>(b);
    return x->account == y.account && x->amount_units == y.amount_units &&
           x->source_reference == y.source_reference;
  }
  if (auto* x = std::get_if<CloseAccount>(&a)) {
    auto& y = std::get<CloseAccount>(b);
    return x->account == y.account && x->disposition == y.disposition;
  }
  return false;
}

struct Expected {
  std::string rejection = "none";
  bool replayed = false;
  std::uint64_t first_sequence = 0;
  std::optional<Payload> payload;       // for a new event
  std::vector<Event> replayed_events;   // for a replay
  std::int64_t wallet_delta_units = 0;  // what the event's wallet posting adds
};

class Model {
 public:
  explicit Model(std::uint64_t head_sequence) : next_sequence_(head_sequence + 1) {}

  // Decides the request, updates the model, and says what the writer must answer.
  Expected expect(const Request& request) {
    Expected e;
    if (request.idempotency_key.empty()) return reject(e, "idempotency_key_invalid");
    if (auto it = accepted_.find(request.idempotency_key); it != accepted_.end()) {
      if (!same_content(it->second.command, request.command))
        return reject(e, "idempotency_key_reused");
      e.replayed = true;
      e.first_sequence = it->second.first_sequence;
      e.replayed_events = it->second.events;
      return e;
    }
    return std::visit([&](const auto& command) { return decide(e, command); }, request.command);
  }

  // The writer accepted a request the model also accepted: remember its key.
  void remember(const Request& request, const Outcome& outcome) {
    accepted_[request.idempotency_key] =
        Accepted{request.command, outcome.first_sequence, outcome.events};
  }

  const std::map<std::string, ModelAccount>& accounts() const { return accounts_; }
  std::uint64_t next_sequence() const { return next_sequence_; }

 private:
  struct Accepted {
    Command command;
    std::uint64_t first_sequence;
    std::vector<Event> events;
  };

  static Expected reject(Expected& e, std::string name) {
    e.rejection = std::move(name);
    return e;
  }
  Expected accept(Expected& e, Payload payload, std::int64_t wallet_delta_units) {
    e.first_sequence = next_sequence_++;
    e.payload = std::move(payload);
    e.wallet_delta_units = wallet_delta_units;
    return e;
  }
  static std::string amount_problem(std::int64_t units) {
    if (units <= 0) return "amount_must_be_positive";
    if (units > limits::amount_units_max) return "amount_too_large";
    return "";
  }

  Expected decide(Expected& e, const OpenAccount& c) {
    if (!valid_account_id(c.account)) return reject(e, "account_id_invalid");
    if (c.initial_units < 0) return reject(e, "amount_must_be_positive");
    if (c.initial_units > limits::amount_units_max) return reject(e, "amount_too_large");
    if (accounts_.contains(c.account)) return reject(e, "account_exists");  // closed ones too
    accounts_[c.account] = ModelAccount{true, c.initial_units};
    return accept(e, AccountOpened{c.account, c.rate_plan, c.initial_units, {}}, c.initial_units);
  }

  Expected decide(Expected& e, const RechargeWallet& c) {
    if (!valid_account_id(c.account)) return reject(e, "account_id_invalid");
    auto it = accounts_.find(c.account);
    if (it == accounts_.end()) return reject(e, "account_not_found");
    if (!it->second.open) return reject(e, "account_closed");
    if (std::string problem = amount_problem(c.amount_units); !problem.empty())
      return reject(e, problem);
    if (it->second.balance_units + c.amount_units > limits::balance_units_max)
      return reject(e, "balance_limit_exceeded");
    it->second.balance_units += c.amount_units;
    return accept(
        e, WalletRecharged{c.account, c.amount_units, c.source_reference, it->second.balance_units},
        c.amount_units);
  }

  Expected decide(Expected& e, const CloseAccount& c) {
    if (!valid_account_id(c.account)) return reject(e, "account_id_invalid");
    auto it = accounts_.find(c.account);
    if (it == accounts_.end()) return reject(e, "account_not_found");
    if (!it->second.open) return reject(e, "account_closed");
    const std::int64_t remaining_units = it->second.balance_units;
    if (remaining_units > 0 && c.disposition != CloseDisposition::refund) return reject(e, "account_has_balance");
    it->second = ModelAccount{false, 0};
    const auto disposition =
        remaining_units > 0 ? BalanceDisposition::refunded : BalanceDisposition::none;
    return accept(e, AccountClosed{c.account, remaining_units, disposition, {}, {}}, -remaining_units);
  }

  // Requests this test does not generate (calls have their own property test).
  template <class Other>
  Expected decide(Expected&, const Other&) { throw std::logic_error("not generated"); }

  std::map<std::string, ModelAccount> accounts_;
  std::map<std::string, Accepted> accepted_;
  std::uint64_t next_sequence_;
};

// ---- the generator ---------------------------------------------------------

class Generator {
 public:
  explicit Generator(std::uint64_t generator_seed) : random_(generator_seed) {}

  Request next(int index) {
    // Accounts come from a window of 8 ids that slides every 400 requests, so
    // collisions are frequent while closed accounts do not take over.
    if (index % 400 == 0) window_ += 3;
    if (!keys_.empty() && chance(8)) return retry();
    Request request = fresh("k" + std::to_string(index));
    keys_.push_back(request);
    return request;
  }

 private:
  bool chance(int percent) { return pick(0, 99) < percent; }
  std::int64_t pick(std::int64_t low, std::int64_t high) {
    return std::uniform_int_distribution<std::int64_t>(low, high)(random_);
  }

  std::string account() {
    if (chance(3)) {
      static const char* invalid[] = {"", "-leading-dash", "has space", "semi;colon"};
      return invalid[pick(0, 3)];
    }
    return "u" + std::to_string(window_ + pick(0, 7));
  }

  std::int64_t amount() {
    const std::int64_t roll = pick(0, 99);
    if (roll < 8) return 0;
    if (roll < 16) return -pick(1, 1'000'000);
    if (roll < 19) return limits::amount_units_max + pick(1, 1'000);
    if (roll < 22) return limits::amount_units_max;
    return pick(1, 2'000'000);
  }

  Request fresh(std::string key) {
    if (chance(1)) key.clear();  // idempotency_key_invalid
    const std::int64_t roll = pick(0, 99);
    if (roll < 30) {
      const std::int64_t initial_units = chance(50) ? 0 : amount();
      return test::open_request(std::move(key), account(), initial_units);
    }
    if (roll < 75)
      return test::recharge_request(std::move(key), account(), amount(),
                                    chance(50) ? "" : "ref-" + std::to_string(pick(0, 99)));
    return test::close_request(std::move(key), account(), chance(60));
  }

  // An earlier key again: the same request (a client's retry) or, now and
  // then, another request under the same key.
  Request retry() {
    Request request =
        keys_[static_cast<std::size_t>(pick(0, static_cast<std::int64_t>(keys_.size()) - 1))];
    if (chance(30)) {
      std::string key = request.idempotency_key;
      request = fresh(std::move(key));
    }
    return request;
  }

  std::mt19937_64 random_;
  std::int64_t window_ = 0;
  std::vector<Request> keys_;
};

}  // namespace

TEST_CASE("random requests agree with a reference model and keep every invariant", "[property]") {
  const std::uint64_t seed = test::property_seed(default_seed);
  INFO("seed " << seed << " (set HUAWU_PROPERTY_SEED to rerun another)");
  test::TempDir tmp;
  ManualClock clock(test::start_time_us);
  WriterOptions options;
  options.checkpoint_interval_events = 1'000;  // checkpoints happen along the way too
  auto ledger = test::create_ledger(tmp.sub("ledger"), clock, options);
  Model model(ledger->store().head_sequence());
  Generator generator(seed);
  std::mt19937_64 bursts(seed ^ 0xb5);
  std::map<std::string, int> rejections_seen;
  int replays_seen = 0;

  int index = 0;
  while (index < requests_total) {
    const int burst = std::min<int>(
        requests_total - index, std::uniform_int_distribution<int>(1, burst_requests_max)(bursts));
    std::vector<Request> requests;
    for (int i = 0; i < burst; ++i) requests.push_back(generator.next(index + i));
    clock.advance_us(std::uniform_int_distribution<std::int64_t>(0, 5 * test::second_us)(bursts));

    const std::vector<test::Checked> completed =
        test::submit_all_checked(ledger->writer(), requests);

    for (std::size_t i = 0; i < requests.size(); ++i, ++index) {
      const Request& request = requests[i];
      const Outcome& outcome = completed[i].outcome;
      INFO("request " << index << " key '" << request.idempotency_key << "'");
      const Expected expected = model.expect(request);
      REQUIRE(std::string(rejection_name(outcome.rejection)) == expected.rejection);
      CHECK(outcome.replayed == expected.replayed);
      INFO(completed[i].why);
      REQUIRE(completed[i].invariants_hold);
      if (expected.rejection != "none") {
        ++rejections_seen[expected.rejection];
        CHECK(outcome.first_sequence == 0);
        CHECK(outcome.events.empty());
        continue;
      }
      CHECK(outcome.first_sequence == expected.first_sequence);
      if (expected.replayed) {
        ++replays_seen;
        CHECK(outcome.events == expected.replayed_events);
        continue;
      }
      REQUIRE(outcome.events.size() == 1);
      const Event& event = outcome.events[0];
      CHECK(event.payload == *expected.payload);
      CHECK(event.idempotency_key == request.idempotency_key);
      CHECK(test::postings_sum_to_zero(event.postings));
      std::int64_t wallet_units = 0;
      for (const Posting& posting : event.postings)
        if (posting.kind == LedgerAccountKind::user_wallet) wallet_units += posting.amount;
      CHECK(wallet_units == expected.wallet_delta_units);
      model.remember(request, outcome);
    }

    // After the burst the live state holds exactly the model's accounts.
    const Balances& balances = ledger->state().balances();
    std::int64_t wallets_units = 0;
    std::uint64_t open = 0;
    for (const auto& [id, account] : model.accounts()) {
      INFO("account " << id);
      const AccountState* live = balances.find(id);
      REQUIRE(live);
      CHECK((live->status == AccountStatus::open) == account.open);
      CHECK(live->balance_units == account.balance_units);
      wallets_units += account.balance_units;
      open += account.open ? 1 : 0;
    }
    CHECK(balances.accounts_open() == open);
    CHECK(balances.accounts_open() + balances.accounts_closed() == model.accounts().size());
    CHECK(balances.wallets_total_units() == wallets_units);
    CHECK(balances.ledger_account_units({LedgerAccountKind::external_cash, "", Unit::cny_units}) ==
          -wallets_units);
    CHECK(ledger->store().head_sequence() + 1 == model.next_sequence());
  }

  // The generator reached every rule it aims at.
  for (const char* name :
       {"account_id_invalid", "account_exists", "account_not_found", "account_closed",
        "account_has_balance", "amount_must_be_positive", "amount_too_large",
        "idempotency_key_invalid", "idempotency_key_reused"}) {
    INFO(name);
    CHECK(rejections_seen[name] > 0);
  }
  CHECK(replays_seen > 0);

  // Rebuilt from sequence 1, the state is byte-identical to the live one.
  const std::string live = ledger->state().serialize();
  CHECK(test::rebuild_from_log(ledger->store()).serialize() == live);
  const AuditReport report = audit_verify(ledger->store(), &ledger->state());
  INFO(report.problem);
  CHECK(report.ok);
  CHECK(report.live_compared);
  CHECK(report.events == ledger->store().head_sequence());

  // And so is what a restart recovers from the checkpoint and the tail.
  const std::string path = ledger->store().path();
  ledger.reset();
  ledger = test::open_ledger(path, clock, options);
  CHECK(ledger->state().serialize() == live);
}

}  // namespace huawu
