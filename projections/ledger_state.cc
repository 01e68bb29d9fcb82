#include "projections/ledger_state.h"

#include <unordered_map>

#include "events/invariant.h"
#include "events/bytes.h"

namespace huawu {

namespace {
constexpr std::string_view snapshot_magic = "huawu-state-v8";
}

CallTraffic call_traffic_of(const Event& event, const AccountState* account, const HoldState* hold) {
  CallTraffic traffic;
  const auto* authorized = std::get_if<CallAuthorized>(&event.payload);
  const auto* settled = std::get_if<CallSettled>(&event.payload);
  const auto* expired = std::get_if<HoldExpired>(&event.payload);
  if (!authorized && !settled && !expired) return traffic;
  if (!account || account->agent.empty()) return traffic;  // Balances reports a missing account
  traffic.agent = account->agent;
  if (authorized) {
    if (authorized->granted_seconds > 0)
      traffic.reserve_seconds = reserved_seconds_of(authorized->granted_seconds, authorized->rate);
    return traffic;
  }
  if (settled) traffic.billed_seconds = settled->billed_seconds;
  // An active hold's reservation comes back; an expired one's came back at expiry.
  if (hold && !hold->expired && (expired || settled->origin == CallOrigin::authorized))
    traffic.release_seconds = reserved_seconds_of(hold->granted_seconds, hold->rate);
  return traffic;
}

CallTraffic LedgerState::call_traffic_of(const Event& event) const {
  const bool settling = std::holds_alternative<CallSettled>(event.payload) ||
                        std::holds_alternative<HoldExpired>(event.payload);
  if (!settling && !std::holds_alternative<CallAuthorized>(event.payload)) return {};
  const AccountState* account = balances_.find(account_of(event.payload));
  // Most users on a busy switch may have no agent: no hold lookup for them.
  if (!account || account->agent.empty()) return {};
  return huawu::call_traffic_of(event, account, settling ? calls_.find(call_key_of(event.payload)) : nullptr);
}

std::string LedgerState::problem(std::uint64_t sequence, const Event& event) const {
  if (sequence != applied_through_ + 1) return "events apply in sequence without gaps";
  if (event.ledger_time_us < last_ledger_time_us_) return "ledger time goes backwards";
  if (const char* why = info_.problem(sequence, event)) return why;
  if (const char* why = balances_.problem(event)) return why;
  if (const char* why = rate_plans_.problem(event)) return why;
  if (const char* why = calls_.problem(event)) return why;
  if (const char* why = agents_.problem(event, call_traffic_of(event))) return why;
  if (const char* why = principals_.problem(event, agents_)) return why;
  if (const char* why = cards_.problem(event, agents_)) return why;
  if (const char* why = contracts_.problem(event, agents_)) return why;
  if (const char* why = tickets_.problem(event)) return why;
  if (const char* why = promotions_.problem(event)) return why;
  // What a ticket or a promotion names must exist.
  if (const auto* opened = std::get_if<TicketOpened>(&event.payload)) {
    const AccountState* account = balances_.find(opened->account);
    if (!account) return "a ticket of an account that does not exist";
    if (account->agent != opened->agent) return "a ticket names another agent than its account's";
    if (!opened->contract.empty() && !contracts_.find(opened->contract)) return "a ticket under a contract never signed";
  }
  if (const auto* requested = std::get_if<PromotionRequested>(&event.payload)) {
    if (!agents_.find(requested->agent)) return "a promotion of an agent that does not exist";
    if (!rate_plans_.find(requested->plan)) return "a promotion of a plan that does not exist";
  }
  if (const auto* waived = std::get_if<ObligationWaived>(&event.payload);
      waived && waived->contract.empty() && waived->obligation.rfind("O-SLA/", 0) != 0)
    return "only a ticket's obligation may be waived without a contract";
  return {};
}

void LedgerState::apply(std::uint64_t sequence, const Event& event) {
  HUAWU_ASSERT(sequence == applied_through_ + 1, "events apply in sequence without gaps");
  HUAWU_ASSERT(event.ledger_time_us >= last_ledger_time_us_, "ledger time never goes backwards");
  // Before the accounts and holds change: the call's agent and reservation.
  const CallTraffic traffic = call_traffic_of(event);
  info_.apply(sequence, event);
  balances_.apply(sequence, event);
  rate_plans_.apply(sequence, event);
  calls_.apply(sequence, event);
  agents_.apply(sequence, event, traffic);
  principals_.apply(sequence, event, agents_);
  cards_.apply(sequence, event, agents_);
  contracts_.apply(sequence, event, agents_);
  tickets_.apply(sequence, event);
  promotions_.apply(sequence, event);
  applied_through_ = sequence;
  last_ledger_time_us_ = event.ledger_time_us;
}

bool LedgerState::check_invariants(std::string* why) const {
  if (!balances_.check_invariants(why) || !calls_.check_invariants(why) || !agents_.check_invariants(why) ||
      !cards_.check_invariants(why))
    return false;
  // Every active hold is money in its own account's hold, and nothing else is.
  std::unordered_map<std::string_view, std::int64_t> held_by_account;
  calls_.for_each_hold([&](const std::string&, const HoldState& hold) {
    if (!hold.expired) held_by_account[hold.account] += hold.hold_units;
  });
  std::string mismatch;
  // Every user is bound to an agent that exists (or to the provider), and
  // each agent's count of bound users is its accounts.
  std::unordered_map<std::string_view, std::uint64_t> users_by_agent;
  balances_.for_each_account([&](const std::string& id, const AccountState& account) {
    if (account.agent.empty()) return;
    if (!agents_.find(account.agent) && mismatch.empty())
      mismatch = "account " + id + " is bound to agent " + account.agent + ", which does not exist";
    ++users_by_agent[account.agent];
  });
  agents_.for_each([&](const std::string& id, const AgentState&) {
    auto it = users_by_agent.find(id);
    const std::uint64_t users = it == users_by_agent.end() ? 0 : it->second;
    if (users != agents_.bound_users(id) && mismatch.empty())
      mismatch = "agent " + id + " counts " + std::to_string(agents_.bound_users(id)) + " bound users but " +
                 std::to_string(users) + " accounts name it";
  });
  // Each agent's funds are its ledger accounts, and its reservation is the
  // billable seconds of its users' active holds.
  std::unordered_map<std::string_view, std::int64_t> reserved_by_agent;
  calls_.for_each_hold([&](const std::string&, const HoldState& hold) {
    if (hold.expired) return;
    const AccountState* account = balances_.find(hold.account);
    if (account && !account->agent.empty())
      reserved_by_agent[account->agent] += reserved_seconds_of(hold.granted_seconds, hold.rate);
  });
  agents_.for_each([&](const std::string& id, const AgentState&) {
    const AgentFunds& f = *agents_.agent_funds(id);
    auto units = [&](LedgerAccountKind kind, Unit unit) {
      return balances_.ledger_account_units(LedgerAccountKey{kind, id, unit});
    };
    auto it = reserved_by_agent.find(id);
    const std::int64_t reserved = it == reserved_by_agent.end() ? 0 : it->second;
    if (mismatch.empty() && (f.prepaid_units() != units(LedgerAccountKind::agent_prepaid, Unit::cny_units) ||
                             f.deposit_units != units(LedgerAccountKind::agent_deposit, Unit::cny_units) ||
                             f.pool_seconds != units(LedgerAccountKind::traffic_pool, Unit::traffic_seconds) ||
                             f.used_seconds != units(LedgerAccountKind::traffic_used, Unit::traffic_seconds)))
      mismatch = "agent " + id + ": funds differ from its ledger accounts";
    if (mismatch.empty() && f.reserved_seconds != reserved)
      mismatch = "agent " + id + " reserves " + std::to_string(f.reserved_seconds) +
                 " seconds but its users' active holds bill " + std::to_string(reserved);
  });
  balances_.for_each_account([&](const std::string& id, const AccountState& account) {
    auto it = held_by_account.find(id);
    const std::int64_t held_units = it == held_by_account.end() ? 0 : it->second;
    if (held_units != account.held_units && mismatch.empty())
      mismatch = "account " + id + " holds " + std::to_string(account.held_units) +
                 " units but its active holds sum to " + std::to_string(held_units);
    if (it != held_by_account.end()) held_by_account.erase(it);
  });
  if (mismatch.empty() && !held_by_account.empty())
    mismatch = "a hold names account " + std::string(held_by_account.begin()->first) + ", which does not exist";
  if (!mismatch.empty()) {
    *why = mismatch;
    return false;
  }
  return true;
}

// Layout: str magic, u64 applied_through, i64 last ledger time, then one length-prefixed section per
// projection in a fixed order (ledger info, balances, rate plans, calls, agents, principals, cards, contracts, tickets,
// promotions).
std::string LedgerState::serialize() const {
  ByteWriter w;
  w.str(snapshot_magic);
  w.u64(applied_through_);
  w.i64(last_ledger_time_us_);
  std::string section;
  info_.serialize(section);
  w.str(section);
  section.clear();
  balances_.serialize(section);
  w.str(section);
  section.clear();
  rate_plans_.serialize(section);
  w.str(section);
  section.clear();
  calls_.serialize(section);
  w.str(section);
  section.clear();
  agents_.serialize(section);
  w.str(section);
  section.clear();
  principals_.serialize(section);
  w.str(section);
  section.clear();
  cards_.serialize(section);
  w.str(section);
  section.clear();
  contracts_.serialize(section);
  w.str(section);
  section.clear();
  tickets_.serialize(section);
  w.str(section);
  section.clear();
  promotions_.serialize(section);
  w.str(section);
  return w.take();
}

bool LedgerState::deserialize(std::string_view bytes, std::string* why) {
  ByteReader r(bytes);
  if (r.str() != snapshot_magic) {
    *why = "snapshot: unknown format";
    return false;
  }
  applied_through_ = r.u64();
  last_ledger_time_us_ = r.i64();
  const std::string info = r.str();
  const std::string balances = r.str();
  const std::string rate_plans = r.str();
  const std::string calls = r.str();
  const std::string agents = r.str();
  const std::string principals = r.str();
  const std::string cards = r.str();
  const std::string contracts = r.str();
  const std::string tickets = r.str();
  const std::string promotions = r.str();
  if (r.failed() || !r.at_end()) {
    *why = "snapshot: truncated or trailing bytes";
    return false;
  }
  return info_.deserialize(info, why) && balances_.deserialize(balances, why) &&
         rate_plans_.deserialize(rate_plans, why) && calls_.deserialize(calls, why) &&
         agents_.deserialize(agents, why) && principals_.deserialize(principals, why) &&
         cards_.deserialize(cards, why) && contracts_.deserialize(contracts, why) &&
         tickets_.deserialize(tickets, why) && promotions_.deserialize(promotions, why);
}

}  // namespace huawu
