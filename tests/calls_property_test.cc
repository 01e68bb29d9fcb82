// Random call traffic through the real writer against a reference model:
// rate plan imports and re-imports, accounts opened, recharged and closed,
// authorizations, settles (within and past the grant, zero-length, late,
// duplicated under new keys), call records, hold expiry as the ManualClock
// moves on, retries with the same key (same or other content) and keys a
// switch cannot use. After every batch the state's invariants hold; after
// every burst each account's numbers equal the model's and its held money is
// the sum of its active holds; at the end no call was billed twice, a rebuild
// from sequence 1 and a reopened ledger equal the live state byte for byte,
// and the audit passes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <type_traits>

#include "events/limits.h"
#include "events/rejection.h"
#include "ledger/audit.h"
#include "tests/property_seed.h"
#include "tests/test_support.h"

namespace huawu {
namespace {

constexpr std::uint64_t default_seed = 0x6875'6177'7500'0003;
constexpr int requests_total = 15'000;
constexpr int burst_requests_max = 64;
constexpr CallPolicy policy{600, 30};
constexpr const char* operator_actor = "test:operator";
constexpr const char* caller = "8610000000";

// ---- the reference model ---------------------------------------------------------------
//
// The rules of decide.cc and decide_calls.cc written out again: the order in
// which a request's rules are checked, the billing rule (ledger/rating.h)
// and the grant (the most whole seconds whose cost the available balance
// pays, found here by search rather than by formula).

// Billed seconds and cost, restated from the comment in ledger/rating.h.
std::int64_t model_billed_seconds(const CallRate& r, std::int64_t duration_ms) {
  if (duration_ms == 0) return 0;
  const std::int64_t seconds = (duration_ms + 999) / 1000;
  const std::int64_t first = r.first_block_seconds, next = r.next_block_seconds;
  if (seconds <= first) return first;
  const std::int64_t blocks_after_first = (seconds - first) / next + ((seconds - first) % next != 0 ? 1 : 0);
  return first + blocks_after_first * next;
}
std::int64_t model_cost(const CallRate& r, std::int64_t duration_ms) {
  const std::int64_t billed = model_billed_seconds(r, duration_ms);
  if (billed == 0) return 0;
  const std::int64_t exact_60ths = r.connect_fee_units * 60 + billed * r.price_units_per_minute;
  return exact_60ths / 60 + (exact_60ths % 60 != 0 ? 1 : 0);
}

// A canonical text of everything a command asks for: equal texts, same request.
struct Describe {
  std::ostringstream& out;
  void operator()(const CreateLedger& c) { out << "create|" << c.provider_id << "|" << c.provider_name; }
  void operator()(const OpenAccount& c) { out << "open|" << c.account << "|" << c.rate_plan << "|" << c.initial_units; }
  void operator()(const RechargeWallet& c) {
    out << "recharge|" << c.account << "|" << c.amount_units << "|" << c.source_reference;
  }
  void operator()(const CloseAccount& c) { out << "close|" << c.account << "|" << static_cast<int>(c.disposition); }
  void operator()(const ImportRatePlan& c) {
    out << "import|" << c.plan << "|" << c.source_name;
    for (const Rate& r : c.rates)
      out << "|" << r.prefix << "," << r.description << "," << r.price_units_per_minute << ","
          << r.connect_fee_units << "," << r.first_block_seconds << "," << r.next_block_seconds;
  }
  void operator()(const ExpireHolds&) { out << "expire"; }
  // Agent and principal commands are not generated here (tests/agents_*_test.cc).
  template <class Other>
  void operator()(const Other&) { throw std::logic_error("not generated"); }
  void operator()(const SwitchRequest& c) {
    out << "switch|" << c.switch_id << "|" << c.request_key << "|";
    std::visit(*this, c.body);
  }
  void operator()(const AuthorizeCall& c) {
    out << "authorize|" << c.call_id << "|" << c.account << "|" << c.caller << "|" << c.callee << "|"
        << c.requested_seconds << "|" << c.switch_time_us;
  }
  void operator()(const SettleCall& c) {
    out << "settle|" << c.call_id << "|" << c.answered_time_us << "|" << c.billed_duration_ms << "|"
        << c.disconnect_cause;
  }
  void operator()(const RecordCall& c) {
    out << "record|" << c.call_id << "|" << c.account << "|" << c.caller << "|" << c.callee << "|"
        << c.answered_time_us << "|" << c.duration_ms << "|" << c.disconnect_cause;
  }
};
std::string describe(const Command& command) {
  std::ostringstream out;

  std::visit(Describe{out}, command);
  return out.str();
}

bool printable_without_space(std::string_view key, std::size_t length_max) {
  if (key.empty() || key.size() > length_max) return false;
  for (char c : key)
    if (c <= ' ' || c > '~') return false;
  return true;
}

// What a payload says, for failure messages.
std::string show(const Payload& payload) {
  std::ostringstream out;
  out << payload_name(payload);
  if (const auto* a = std::get_if<CallAuthorized>(&payload))
    out << " " << a->switch_id << "/" << a->call_id << " " << a->account << " requested " << a->requested_seconds
        << " granted " << a->granted_seconds << " hold " << a->hold_units << " rate " << a->rate.prefix << "@"
        << a->rate.price_units_per_minute << " expires " << a->expires_at_us;
  if (const auto* c = std::get_if<CallSettled>(&payload))
    out << " " << c->switch_id << "/" << c->call_id << " " << c->account << " origin " << int{static_cast<std::uint8_t>(c->origin)}
        << " hold " << c->hold_id << " released " << c->released_units << " ms " << c->duration_ms << " rate "
        << c->rate.prefix << "@" << c->rate.price_units_per_minute << " billed " << c->billed_seconds << " cost "
        << c->cost_units << " debit " << c->wallet_debit_units << " arrears " << c->arrears_units << " over "
        << c->over_grant << " after " << c->balance_after_units;
  if (const auto* r = std::get_if<CallRejected>(&payload))
    out << " " << r->switch_id << "/" << r->call_id << " " << r->account << " stage "
        << int{static_cast<std::uint8_t>(r->stage)} << " " << r->reason << " original " << r->original_sequence;
  if (const auto* h = std::get_if<HoldExpired>(&payload))
    out << " " << h->switch_id << "/" << h->call_id << " " << h->account << " hold " << h->hold_id << " released "
        << h->released_units;
  if (const auto* w = std::get_if<WalletRecharged>(&payload))
    out << " " << w->account << " +" << w->amount_units << " after " << w->balance_after_units;
  if (const auto* c = std::get_if<AccountClosed>(&payload))
    out << " " << c->account << " remaining " << c->remaining_balance_units;
  return out.str();
}

struct ModelAccount {
  bool open = true;
  std::string plan;
  std::int64_t available = 0;
  std::int64_t held = 0;
  std::int64_t owed = 0;
};

struct ModelHold {
  std::string switch_id, call_id, account, callee;
  std::uint64_t hold_id = 0;
  std::int64_t units = 0;
  std::int64_t granted = 0;
  std::int64_t expires_at_us = 0;
  CallRate rate;
  bool expired = false;
};

struct Expected {
  std::string rejection = "none";
  bool replayed = false;
  std::uint64_t first_sequence = 0;
  std::vector<Payload> payloads;      // for new events
  std::vector<Event> replayed_events; // for a replay: the original's events
};

class Model {
 public:
  explicit Model(std::uint64_t head_sequence) : next_sequence_(head_sequence + 1) {}

  Expected expect(const Request& request, std::int64_t now_us) {
    now_us_ = now_us;
    Expected e;
    if (auto it = accepted_.find(request.idempotency_key); it != accepted_.end()) {
      if (it->second.content != describe(request.command)) return reject(e, "idempotency_key_reused");
      e.replayed = true;
      e.first_sequence = it->second.first_sequence;
      e.replayed_events = it->second.events;
      return e;
    }
    if (const auto* s = std::get_if<SwitchRequest>(&request.command)) {
      const std::string_view call_id = std::visit([](const auto& b) -> std::string_view { return b.call_id; }, s->body);
      if (!printable_without_space(s->switch_id, limits::switch_id_length_max) ||
          !printable_without_space(s->request_key, limits::request_key_length_max) ||
          !printable_without_space(call_id, limits::call_id_length_max))
        return reject(e, "switch_request_invalid");
    }
    std::visit([&](const auto& command) { decide(e, request, command); }, request.command);
    return e;
  }

  void remember(const Request& request, const Outcome& outcome) {
    accepted_[request.idempotency_key] =
        Accepted{describe(request.command), outcome.first_sequence, outcome.events};
  }

  const std::map<std::string, ModelAccount>& accounts() const { return accounts_; }
  const std::map<std::string, ModelHold>& holds() const { return holds_; }
  const std::map<std::string, std::uint64_t>& billed() const { return billed_; }
  std::uint64_t next_sequence() const { return next_sequence_; }
  std::int64_t revenue() const { return revenue_; }

 private:
  struct Accepted {
    std::string content;
    std::uint64_t first_sequence;
    std::vector<Event> events;
  };

  static Expected& reject(Expected& e, std::string name) {
    e.rejection = std::move(name);
    return e;
  }
  void event(Expected& e, Payload payload) {
    if (e.payloads.empty()) e.first_sequence = next_sequence_;
    ++next_sequence_;
    e.payloads.push_back(std::move(payload));
  }
  void refuse_call(Expected& e, const std::string& switch_id, const std::string& call_id,
                   const std::string& account, CallStage stage, std::string reason,
                   std::uint64_t original = 0) {
    event(e, CallRejected{switch_id, call_id, account, stage, std::move(reason), original});
  }

  // The open account's rate for a dialled number, or the reason there is none.
  std::string find_rate(const std::string& account_id, const std::string& callee, ModelAccount** account,
                        CallRate* rate) {
    auto it = accounts_.find(account_id);
    if (it == accounts_.end()) return "account_not_found";
    if (!it->second.open) return "account_closed";
    auto plan = plans_.find(it->second.plan);
    if (it->second.plan.empty() || plan == plans_.end()) return "no_rate_plan";
    const Rate* best = nullptr;
    for (const Rate& r : plan->second)
      if (callee.compare(0, r.prefix.size(), r.prefix) == 0 && (!best || r.prefix.size() > best->prefix.size()))
        best = &r;
    if (!best) return "no_rate_for_destination";
    *account = &it->second;
    *rate = CallRate{best->prefix, best->price_units_per_minute, best->connect_fee_units,
                     best->first_block_seconds, best->next_block_seconds, {}};
    return "";
  }

  // The billing of a call against its account (ledger rules: what the wallet
  // cannot pay becomes arrears).
  CallSettled bill(ModelAccount& account, CallSettled s) {
    s.cost_units = model_cost(s.rate, s.duration_ms);
    s.billed_seconds = model_billed_seconds(s.rate, s.duration_ms);
    const std::int64_t wallet = account.available + s.released_units;
    s.wallet_debit_units = std::min(s.cost_units, wallet);
    s.arrears_units = s.cost_units - s.wallet_debit_units;
    account.available = wallet - s.wallet_debit_units;
    account.held -= s.released_units;
    account.owed += s.arrears_units;
    s.balance_after_units = account.available + account.held;
    revenue_ += s.cost_units;
    return s;
  }

  void decide(Expected& e, const Request&, const OpenAccount& c) {
    if (accounts_.contains(c.account)) return void(reject(e, "account_exists"));
    if (!c.rate_plan.empty() && !plans_.contains(c.rate_plan)) return void(reject(e, "rate_plan_not_found"));
    accounts_[c.account] = ModelAccount{true, c.rate_plan, c.initial_units, 0, 0};
    event(e, AccountOpened{c.account, c.rate_plan, c.initial_units, {}});
  }

  void decide(Expected& e, const Request&, const RechargeWallet& c) {
    auto it = accounts_.find(c.account);
    if (it == accounts_.end()) return void(reject(e, "account_not_found"));
    if (!it->second.open) return void(reject(e, "account_closed"));
    it->second.available += c.amount_units;
    event(e, WalletRecharged{c.account, c.amount_units, c.source_reference,
                             it->second.available + it->second.held});
  }

  void decide(Expected& e, const Request&, const CloseAccount& c) {
    auto it = accounts_.find(c.account);
    if (it == accounts_.end()) return void(reject(e, "account_not_found"));
    ModelAccount& a = it->second;
    if (!a.open) return void(reject(e, "account_closed"));
    if (a.held > 0) return void(reject(e, "account_has_holds"));
    if (a.available > 0 && c.disposition != CloseDisposition::refund) return void(reject(e, "account_has_balance"));
    const std::int64_t remaining = a.available;
    a.open = false;
    a.available = 0;
    event(e, AccountClosed{c.account, remaining,
                           remaining > 0 ? BalanceDisposition::refunded : BalanceDisposition::none, {}, {}});
  }

  void decide(Expected& e, const Request&, const ImportRatePlan& c) {
    plans_[c.plan] = c.rates;
    event(e, RatePlanImported{c.plan, c.source_name, c.rates});
  }

  void decide(Expected& e, const Request&, const ExpireHolds&) {
    std::set<std::pair<std::int64_t, std::string>> due;
    for (const auto& [key, h] : holds_)
      if (!h.expired && h.expires_at_us <= now_us_) due.emplace(h.expires_at_us, key);
    if (due.empty()) return void(reject(e, "nothing_to_expire"));
    std::size_t count = 0;
    for (const auto& [at, key] : due) {
      if (count++ == limits::holds_expired_per_request_max) break;
      ModelHold& h = holds_.at(key);
      h.expired = true;
      ModelAccount& a = accounts_.at(h.account);
      a.available += h.units;
      a.held -= h.units;
      event(e, HoldExpired{h.switch_id, h.call_id, h.account, h.hold_id, h.units});
    }
  }

  void decide(Expected& e, const Request& request, const SwitchRequest& s) {
    if (const auto* a = std::get_if<AuthorizeCall>(&s.body)) authorize(e, s, *a);
    else if (const auto* c = std::get_if<SettleCall>(&s.body)) settle(e, s, *c);
    else record(e, s, std::get<RecordCall>(s.body));
    (void)request;
  }

  void decide(Expected&, const Request&, const CreateLedger&) { throw std::logic_error("not generated"); }
  template <class Other>
  void decide(Expected&, const Request&, const Other&) { throw std::logic_error("not generated"); }

  // The call must be new: neither billed nor holding money.
  std::string check_new_call(const std::string& key, std::uint64_t* original) {
    if (auto it = billed_.find(key); it != billed_.end()) {
      *original = it->second;
      return "call_already_settled";
    }
    if (auto it = holds_.find(key); it != holds_.end()) {
      *original = it->second.hold_id;
      return "call_already_authorized";
    }
    return "";
  }

  void authorize(Expected& e, const SwitchRequest& s, const AuthorizeCall& c) {
    const std::string key = call_key(s.switch_id, c.call_id);
    ModelAccount* account = nullptr;
    CallRate rate;
    std::uint64_t original = 0;
    std::string why = find_rate(c.account, c.callee, &account, &rate);
    if (why.empty() && c.requested_seconds <= 0) why = "duration_invalid";
    if (why.empty()) why = check_new_call(key, &original);
    if (!why.empty()) return refuse_call(e, s.switch_id, c.call_id, c.account, CallStage::authorize, why, original);
    // The grant: the most whole seconds up to the cap whose cost is paid.
    const std::int64_t cap = std::min(c.requested_seconds, policy.max_call_seconds);
    std::int64_t granted = 0;
    for (std::int64_t seconds = cap; seconds >= 1; --seconds) {
      if (model_cost(rate, seconds * 1000) <= account->available) {
        granted = seconds;
        break;
      }
    }
    const std::int64_t units = std::max<std::int64_t>(model_cost(rate, granted * 1000), 1);
    if (granted == 0 || units > account->available)
      return refuse_call(e, s.switch_id, c.call_id, c.account, CallStage::authorize, "insufficient_balance");
    const std::int64_t expires_at_us = now_us_ + (granted + policy.hold_grace_seconds) * 1'000'000;
    account->available -= units;
    account->held += units;
    holds_[key] = ModelHold{s.switch_id, c.call_id, c.account, c.callee, next_sequence_, units,
                            granted, expires_at_us, rate, false};
    CallAuthorized authorized{s.switch_id, c.call_id, c.account, c.caller, c.callee, c.requested_seconds,
                              granted, units, rate, c.switch_time_us, expires_at_us};
    authorized.balance_after_units = account->available + account->held;
    event(e, std::move(authorized));
  }

  void settle(Expected& e, const SwitchRequest& s, const SettleCall& c) {
    const std::string key = call_key(s.switch_id, c.call_id);
    if (c.billed_duration_ms < 0 || c.billed_duration_ms > limits::call_duration_ms_max)
      return refuse_call(e, s.switch_id, c.call_id, "", CallStage::settle, "duration_invalid");
    if (auto it = billed_.find(key); it != billed_.end())
      return refuse_call(e, s.switch_id, c.call_id, "", CallStage::settle, "call_already_settled", it->second);
    auto it = holds_.find(key);
    if (it == holds_.end())
      return refuse_call(e, s.switch_id, c.call_id, "", CallStage::settle, "call_not_authorized");
    const ModelHold h = it->second;
    ModelAccount& account = accounts_.at(h.account);
    if (!account.open)
      return refuse_call(e, s.switch_id, c.call_id, h.account, CallStage::settle, "account_closed", h.hold_id);
    CallSettled settled;
    settled.switch_id = s.switch_id;
    settled.call_id = c.call_id;
    settled.account = h.account;
    settled.caller = caller;
    settled.callee = h.callee;
    settled.origin = h.expired ? CallOrigin::late_settle : CallOrigin::authorized;
    settled.hold_id = h.hold_id;
    settled.released_units = h.expired ? 0 : h.units;
    settled.answered_time_us = c.answered_time_us;
    settled.duration_ms = c.billed_duration_ms;
    settled.disconnect_cause = c.disconnect_cause;
    settled.rate = h.rate;
    settled.over_grant = c.billed_duration_ms > h.granted * 1000;
    holds_.erase(it);
    billed_[key] = next_sequence_;
    event(e, bill(account, std::move(settled)));
  }

  void record(Expected& e, const SwitchRequest& s, const RecordCall& c) {
    const std::string key = call_key(s.switch_id, c.call_id);
    ModelAccount* account = nullptr;
    CallRate rate;
    std::uint64_t original = 0;
    std::string why = find_rate(c.account, c.callee, &account, &rate);
    if (why.empty() && (c.duration_ms < 0 || c.duration_ms > limits::call_duration_ms_max))
      why = "duration_invalid";
    if (why.empty()) why = check_new_call(key, &original);
    if (!why.empty()) return refuse_call(e, s.switch_id, c.call_id, c.account, CallStage::record, why, original);
    CallSettled settled;
    settled.switch_id = s.switch_id;
    settled.call_id = c.call_id;
    settled.account = c.account;
    settled.caller = c.caller;
    settled.callee = c.callee;
    settled.origin = CallOrigin::recorded;
    settled.answered_time_us = c.answered_time_us;
    settled.duration_ms = c.duration_ms;
    settled.disconnect_cause = c.disconnect_cause;
    settled.rate = rate;
    billed_[key] = next_sequence_;
    event(e, bill(*account, std::move(settled)));
  }

  std::map<std::string, std::vector<Rate>> plans_;
  std::map<std::string, ModelAccount> accounts_;
  std::map<std::string, ModelHold> holds_;      // call key -> hold (active or expired)
  std::map<std::string, std::uint64_t> billed_; // call key -> sequence of its CallSettled
  std::map<std::string, Accepted> accepted_;    // idempotency key -> the original
  std::uint64_t next_sequence_;
  std::int64_t now_us_ = 0;
  std::int64_t revenue_ = 0;
};

// ---- the generator -----------------------------------------------------------------------

const std::vector<Rate> p1_a = {
    Rate{"86", "China", 750, 0, 60, 60},       Rate{"8613", "China mobile", 900, 100, 30, 6},
    Rate{"1", "North America", 750, 0, 6, 6},  Rate{"44", "UK", 750, 0, 1, 1},
    Rate{"800", "Toll free", 0, 0, 60, 60},    Rate{"852", "Hong Kong", 750, 1'000, 60, 60}};
const std::vector<Rate> p1_b = {
    Rate{"86", "China", 1'500, 0, 60, 60}, Rate{"8613", "China mobile", 600, 0, 1, 1},
    Rate{"44", "UK", 750, 200, 30, 6},     Rate{"801", "Free with fee", 0, 500, 60, 60}};
const std::vector<Rate> p2_a = {Rate{"86", "China", 300, 0, 6, 6}, Rate{"1", "North America", 1'200, 0, 60, 60},
                                Rate{"4", "Europe", 900, 0, 30, 6}, Rate{"8", "Asia", 600, 300, 1, 1}};
const std::vector<Rate> p2_b = {Rate{"86", "China", 450, 50, 1, 1}, Rate{"442", "London", 0, 0, 60, 60},
                                Rate{"1", "North America", 1'000, 0, 6, 6}, Rate{"8", "Asia", 700, 0, 60, 60}};

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : random_(seed) {}

  Request next(int index) {
    if (index % 800 == 0) window_ += 4;
    if (index == 0) return remember(operator_request(ImportRatePlan{"p1", "p1.csv", p1_a}, index));
    if (index == 1) return remember(operator_request(ImportRatePlan{"p2", "p2.csv", p2_a}, index));
    if (!issued_.empty() && chance(10)) return retry(index);
    return remember(fresh(index));
  }

 private:
  bool chance(int percent) { return pick(0, 99) < percent; }
  std::int64_t pick(std::int64_t low, std::int64_t high) {
    return std::uniform_int_distribution<std::int64_t>(low, high)(random_);
  }
  template <class T>
  const T& one_of(const std::vector<T>& items) {
    return items[static_cast<std::size_t>(pick(0, static_cast<std::int64_t>(items.size()) - 1))];
  }

  Request remember(Request request) {
    issued_.push_back(request);
    return request;
  }

  std::string account() {
    if (chance(3)) return "nobody";
    return "u" + std::to_string(window_ + pick(0, 9));
  }
  std::string callee() {
    static const std::vector<std::string> numbers = {
        "8620123456", "8613800138000", "12125550100", "442071234567", "8001234",
        "8011234",    "85221234567",   "86",          "999123"};
    return one_of(numbers);
  }
  // A call the generator asked about before (recent ones mostly), or a new one.
  std::pair<std::string, std::string> known_call() {
    if (calls_.empty() || chance(3)) return {"sw1", "unknown-" + std::to_string(pick(0, 1'000'000))};
    const std::size_t n = calls_.size();
    const std::size_t recent = std::min<std::size_t>(n, 150);
    const std::size_t at = chance(85) ? n - 1 - static_cast<std::size_t>(pick(0, static_cast<std::int64_t>(recent) - 1))
                                      : static_cast<std::size_t>(pick(0, static_cast<std::int64_t>(n) - 1));
    return calls_[at];
  }
  std::pair<std::string, std::string> new_call() {
    const std::int64_t which = pick(0, 99);
    auto call = std::make_pair(which < 75 ? std::string("sw1") : which < 95 ? std::string("sw2") : long_switch(),
                               "c" + std::to_string(call_counter_++));
    if (chance(2)) call.second = "bad call";  // switch_request_invalid
    calls_.push_back(call);
    return call;
  }
  std::int64_t duration_ms() {
    const std::int64_t roll = pick(0, 99);
    if (roll < 12) return 0;
    if (roll < 15) return -pick(1, 5'000);
    if (roll < 16) return limits::call_duration_ms_max + pick(1, 10);
    if (roll < 60) return pick(1, 120'000);     // mostly within a grant
    return pick(120'001, 900'000);              // often past it
  }

  Request operator_request(Command command, int index) {
    return Request{std::move(command), "k" + std::to_string(index), operator_actor, 0};
  }
  // The longest switch id and request keys: the idempotency key is then
  // longer than any key a person may give (limits::idempotency_key_length_max).
  static std::string long_switch() { return "sw-" + std::string(limits::switch_id_length_max - 3, 'x'); }

  Request switch_request(std::string switch_id, SwitchBody body, int index) {
    std::string request_key = "r" + std::to_string(index);
    if (switch_id == long_switch()) request_key.resize(limits::request_key_length_max, '-');
    std::string key = switch_idempotency_key(switch_id, request_key);
    return Request{SwitchRequest{std::move(switch_id), std::move(request_key), std::move(body)},
                   std::move(key), "switch:sw", 0};
  }

  Request fresh(int index) {
    const std::int64_t roll = pick(0, 999);
    if (roll < 15) {
      const bool p1 = chance(60);
      const bool variant_a = chance(50);
      return operator_request(
          ImportRatePlan{p1 ? "p1" : "p2", "plans.csv", p1 ? (variant_a ? p1_a : p1_b) : (variant_a ? p2_a : p2_b)},
          index);
    }
    if (roll < 70) {
      const std::int64_t plan_roll = pick(0, 99);
      const std::string plan = plan_roll < 55 ? "p1" : plan_roll < 85 ? "p2" : plan_roll < 90 ? "" : "p9";
      return operator_request(OpenAccount{account(), plan, chance(20) ? 0 : pick(1, 30'000), {}}, index);
    }
    if (roll < 130)
      return operator_request(RechargeWallet{account(), pick(1, 20'000), chance(50) ? "" : "ref"}, index);
    if (roll < 145) return operator_request(CloseAccount{account(), chance(60) ? CloseDisposition::refund : CloseDisposition::none, {}, {}}, index);
    if (roll < 220) return operator_request(ExpireHolds{}, index);
    if (roll < 560) {
      const auto [switch_id, call_id] = chance(5) ? known_call() : new_call();
      const std::int64_t requested = chance(6) ? -pick(0, 10) : pick(1, 900);
      return switch_request(switch_id,
                            AuthorizeCall{call_id, account(), caller, callee(), requested, index}, index);
    }
    if (roll < 880) {
      const auto [switch_id, call_id] = known_call();
      return switch_request(switch_id, SettleCall{call_id, 1'000 + index, duration_ms(), 16}, index);
    }
    const auto [switch_id, call_id] = chance(10) ? known_call() : new_call();
    return switch_request(switch_id,
                          RecordCall{call_id, account(), caller, callee(), 1'000 + index, duration_ms(), 16},
                          index);
  }

  // An earlier request again: the same (a retry) or, now and then, another
  // request under the same key.
  Request retry(int index) {
    const std::size_t n = issued_.size();
    const std::size_t recent = std::min<std::size_t>(n, 200);
    Request request = issued_[n - 1 - static_cast<std::size_t>(pick(0, static_cast<std::int64_t>(recent) - 1))];
    if (chance(15)) {
      Request other = fresh(index);
      if (auto* s = std::get_if<SwitchRequest>(&request.command)) {
        if (auto* o = std::get_if<SwitchRequest>(&other.command)) {
          o->switch_id = s->switch_id;
          o->request_key = s->request_key;
          other.idempotency_key = request.idempotency_key;
          return other;
        }
        return request;
      }
      if (std::holds_alternative<SwitchRequest>(other.command)) return request;
      other.idempotency_key = request.idempotency_key;
      return other;
    }
    return request;
  }

  std::mt19937_64 random_;
  std::int64_t window_ = 0;
  std::uint64_t call_counter_ = 0;
  std::vector<Request> issued_;
  std::vector<std::pair<std::string, std::string>> calls_;
};

// Every account holds exactly its active holds and no wallet is negative.
std::string accounts_problem(const LedgerState& state) {
  std::map<std::string, std::int64_t> held;
  state.calls().for_each_hold([&](const std::string&, const HoldState& h) {
    if (!h.expired) held[h.account] += h.hold_units;
  });
  std::string problem;
  state.balances().for_each_account([&](const std::string& id, const AccountState& a) {
    const std::int64_t holds = held.count(id) ? held.at(id) : 0;
    if (problem.empty() && (a.balance_units < 0 || a.held_units != holds))
      problem = "account " + id + ": available " + std::to_string(a.balance_units) + ", held " +
                std::to_string(a.held_units) + ", active holds " + std::to_string(holds);
  });
  return problem;
}

}  // namespace

TEST_CASE("random call traffic agrees with a reference model and keeps every invariant",
          "[property][calls]") {
  const std::uint64_t seed = test::property_seed(default_seed);
  INFO("seed " << seed << " (set HUAWU_PROPERTY_SEED to rerun another)");
  test::TempDir tmp;
  ManualClock clock(test::start_time_us);
  WriterOptions options;
  options.checkpoint_interval_events = 2'000;  // checkpoints along the way too
  options.call_policy = policy;
  auto ledger = test::create_ledger(tmp.sub("ledger"), clock, options);
  Model model(ledger->store().head_sequence());
  Generator generator(seed);
  std::mt19937_64 bursts(seed ^ 0xca11);
  std::map<std::string, int> seen;  // rejections, call refusal reasons and other events of note

  int index = 0;
  while (index < requests_total) {
    const int burst = std::min<int>(requests_total - index,
                                    std::uniform_int_distribution<int>(1, burst_requests_max)(bursts));
    std::vector<Request> requests;
    for (int i = 0; i < burst; ++i) requests.push_back(generator.next(index + i));
    // The clock moves on between bursts: now and then far enough that every hold is due.
    const bool jump = std::uniform_int_distribution<int>(0, 99)(bursts) < 4;
    clock.advance_us(jump ? 900 * test::second_us
                          : std::uniform_int_distribution<std::int64_t>(0, 40 * test::second_us)(bursts));
    const std::int64_t now_us = clock.now_us();

    const std::vector<test::Checked> completed =
        test::submit_all_checked(ledger->writer(), requests, accounts_problem);

    for (std::size_t i = 0; i < requests.size(); ++i, ++index) {
      const Request& request = requests[i];
      const Outcome& outcome = completed[i].outcome;
      INFO("request " << index << " key '" << request.idempotency_key << "': " << describe(request.command));
      {
        INFO(completed[i].why);
        REQUIRE(completed[i].invariants_hold);
      }
      const Expected expected = model.expect(request, now_us);
      REQUIRE(std::string(rejection_name(outcome.rejection)) == expected.rejection);
      REQUIRE(outcome.replayed == expected.replayed);
      if (expected.rejection != "none") {
        ++seen[expected.rejection];
        CHECK(outcome.first_sequence == 0);
        CHECK(outcome.events.empty());
        continue;
      }
      REQUIRE(outcome.first_sequence == expected.first_sequence);
      if (expected.replayed) {
        ++seen["replayed"];
        // A retry gets exactly what the original got.
        REQUIRE(outcome.events == expected.replayed_events);
        continue;
      }
      REQUIRE(outcome.events.size() == expected.payloads.size());
      for (std::size_t k = 0; k < outcome.events.size(); ++k) {
        const Event& event = outcome.events[k];
        INFO("event " << k << ": " << show(event.payload) << "\n  model: " << show(expected.payloads[k]));
        REQUIRE(event.payload == expected.payloads[k]);
        CHECK(event.idempotency_key == request.idempotency_key);
        CHECK(event.ledger_time_us == now_us);
        CHECK(test::postings_sum_to_zero(event.postings));
        if (const auto* r = std::get_if<CallRejected>(&event.payload)) ++seen[r->reason];
        if (const auto* s = std::get_if<CallSettled>(&event.payload)) {
          if (s->origin == CallOrigin::late_settle) ++seen["late_settle"];
          if (s->over_grant) ++seen["over_grant"];
          if (s->arrears_units > 0) ++seen["arrears"];
          if (s->origin == CallOrigin::recorded) ++seen["recorded"];
          if (s->origin == CallOrigin::authorized) ++seen["settled"];
          if (s->duration_ms == 0) ++seen["zero_duration"];
        }
        if (std::holds_alternative<HoldExpired>(event.payload)) ++seen["expired"];
        if (std::holds_alternative<CallAuthorized>(event.payload)) ++seen["authorized"];
      }
      model.remember(request, outcome);
    }

    // After the burst the live state holds exactly the model's accounts and holds.
    std::string problem;
    ledger->writer().read_and_wait([&](const LedgerState& state) {
      std::string why;
      if (!state.check_invariants(&why)) problem = "invariants: " + why;
      if (problem.empty()) problem = accounts_problem(state);
      for (const auto& [id, m] : model.accounts()) {
        const AccountState* live = state.balances().find(id);
        if (!problem.empty()) break;
        if (!live || (live->status == AccountStatus::open) != m.open || live->balance_units != m.available ||
            live->held_units != m.held || live->owed_units != m.owed || live->rate_plan != m.plan)
          problem = "account " + id + " differs from the model";
      }
      std::size_t active = 0;
      for (const auto& [key, m] : model.holds()) {
        if (!problem.empty()) break;
        const HoldState* live = state.calls().find(key);
        if (!live || live->expired != m.expired || live->hold_units != m.units || live->hold_id != m.hold_id ||
            live->expires_at_us != m.expires_at_us || live->rate != m.rate)
          problem = "hold " + key + " differs from the model";
        if (!m.expired) ++active;
      }
      if (problem.empty() && (state.calls().active_holds() != active ||
                              state.calls().active_holds() + state.calls().expired_holds() != model.holds().size()))
        problem = "the calls projection holds other calls than the model";
      if (problem.empty() &&
          state.balances().ledger_account_units({LedgerAccountKind::call_revenue, "", Unit::cny_units}) !=
              model.revenue())
        problem = "call revenue differs from the model";
    });
    INFO("after request " << index);
    INFO(problem);
    REQUIRE(problem.empty());
    REQUIRE(ledger->store().head_sequence() + 1 == model.next_sequence());

    // Now and then a restart: the state comes back from the checkpoint and
    // the log, billed calls from the store; the traffic goes on.
    if (std::uniform_int_distribution<int>(0, 99)(bursts) < 2) {
      const std::string before = ledger->state().serialize();
      const std::string path = ledger->store().path();
      ledger.reset();
      ledger = test::open_ledger(path, clock, options);
      REQUIRE(ledger->state().serialize() == before);
      ++seen["restarts"];
    }
  }

  // The generator reached every rule it aims at.
  for (const char* name :
       {"insufficient_balance", "no_rate_for_destination", "call_already_authorized", "call_already_settled",
        "call_not_authorized", "duration_invalid", "account_closed", "account_not_found", "nothing_to_expire",
        "account_has_holds", "account_has_balance", "account_exists", "rate_plan_not_found",
        "idempotency_key_reused", "switch_request_invalid", "replayed", "late_settle", "over_grant",
        "arrears", "recorded", "settled", "zero_duration", "expired", "authorized", "restarts"}) {
    INFO(name);
    CHECK(seen[name] > 0);
  }

  // No call was billed twice: one CallSettled per call key in the whole log.
  const std::vector<StoredEvent> log = test::read_log(ledger->store());
  std::map<std::string, int> settles;
  for (const StoredEvent& stored : log)
    if (const auto* s = std::get_if<CallSettled>(&stored.event.payload))
      ++settles[call_key(s->switch_id, s->call_id)];
  for (const auto& [key, count] : settles) {
    INFO("call " << key);
    CHECK(count == 1);
    CHECK(ledger->store().get_call(key) == model.billed().at(key));
  }
  CHECK(settles.size() == model.billed().size());

  // Rebuilt from sequence 1, the state is byte-identical to the live one.
  const std::string live = ledger->state().serialize();
  CHECK(test::rebuild_from_log(ledger->store()).serialize() == live);
  const AuditReport report = audit_verify(ledger->store(), &ledger->state());
  INFO(report.problem);
  CHECK(report.ok);
  CHECK(report.events == ledger->store().head_sequence());

  // And so is what a restart recovers from the checkpoint and the tail.
  const std::string path = ledger->store().path();
  ledger.reset();
  ledger = test::open_ledger(path, clock, options);
  CHECK(ledger->state().serialize() == live);
}

}  // namespace huawu
