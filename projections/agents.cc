#include "projections/agents.h"

#include "events/bytes.h"
#include "events/ids.h"
#include "events/invariant.h"
#include "events/limits.h"

namespace huawu {

namespace {
const std::set<std::string, std::less<>> no_children;
}

bool is_valid_agent_id(std::string_view id) { return is_valid_account_id(id) && id != "provider"; }

bool is_valid_wholesale_price(std::int64_t price_units_per_minute) {
  return price_units_per_minute >= 0 && price_units_per_minute <= limits::rate_price_fen_max * 100;
}

std::string_view agent_of(const Payload& payload) {
  if (const auto* e = std::get_if<AgentAdded>(&payload)) return e->agent;
  if (const auto* e = std::get_if<AgentPriceSet>(&payload)) return e->agent;
  if (const auto* e = std::get_if<AgentSuspended>(&payload)) return e->agent;
  if (const auto* e = std::get_if<AgentResumed>(&payload)) return e->agent;
  return {};
}

const char* agent_event_problem(const AgentState* current, const AgentState* parent, const Event& event) {
  if (!event.postings.empty()) return "an agent event with postings";
  if (const auto* added = std::get_if<AgentAdded>(&event.payload)) {
    if (current) return "agent added twice";
    if (!is_valid_agent_id(added->agent)) return "agent id invalid";
    if (added->parent == added->agent) return "an agent under itself";
    if (!added->parent.empty() && !parent) return "agent added under a parent that does not exist";
    const std::uint32_t level = parent ? parent->level + 1 : 1;
    if (added->level != level) return "agent level is not its parent's plus one";
    if (added->level > limits::agent_level_max) return "agent tree deeper than its limit";
    if (!is_valid_text(added->name, limits::name_length_max) || added->name.empty()) return "agent name invalid";
    if (!is_valid_wholesale_price(added->price_units_per_minute)) return "agent price out of range";
    return nullptr;
  }
  if (!current) return "event for an agent never added";
  if (const auto* price = std::get_if<AgentPriceSet>(&event.payload)) {
    if (!is_valid_wholesale_price(price->price_units_per_minute)) return "agent price out of range";
  } else if (const auto* suspended = std::get_if<AgentSuspended>(&event.payload)) {
    if (current->suspended) return "agent suspended twice";
    if (!is_valid_text(suspended->reason, limits::reference_length_max)) return "suspension reason invalid";
  } else if (std::holds_alternative<AgentResumed>(event.payload)) {
    if (!current->suspended) return "agent resumed without being suspended";
  }
  return nullptr;
}

void apply_to_agent(AgentState& agent, std::uint64_t sequence, const Event& event) {
  if (const auto* added = std::get_if<AgentAdded>(&event.payload)) {
    agent = AgentState{added->parent, added->name, added->level, added->price_units_per_minute, false, {}, sequence};
  } else if (const auto* price = std::get_if<AgentPriceSet>(&event.payload)) {
    agent.price_units_per_minute = price->price_units_per_minute;
  } else if (const auto* suspended = std::get_if<AgentSuspended>(&event.payload)) {
    agent.suspended = true;
    agent.suspend_reason = suspended->reason;
  } else if (std::holds_alternative<AgentResumed>(event.payload)) {
    agent.suspended = false;
    agent.suspend_reason.clear();
  }
}

const char* Agents::problem(const Event& event, const CallTraffic& call) const {
  std::array<FundsUpdate, 2> updates;
  std::size_t count = 0;
  return check(event, call, updates, &count);
}

const char* Agents::check(const Event& event, const CallTraffic& call, std::array<FundsUpdate, 2>& updates,
                          std::size_t* count) const {
  if (const char* why = funds_update(*this, event, call, updates, count)) return why;
  if (const auto* opened = std::get_if<AccountOpened>(&event.payload)) {
    if (!opened->agent.empty() && !find(opened->agent)) return "account bound to an agent that does not exist";
    return nullptr;
  }
  if (const auto* transferred = std::get_if<AccountTransferred>(&event.payload)) {
    if (!transferred->to_agent.empty() && !find(transferred->to_agent)) return "a user moved to an agent that does not exist";
    if (!transferred->from_agent.empty() && bound_users(transferred->from_agent) == 0)
      return "a user moved from an agent without users";
    return nullptr;
  }
  if (const auto* level = std::get_if<LevelPriceSet>(&event.payload)) {
    if (!event.postings.empty()) return "a level price event with postings";
    if (level->level < 1 || level->level > limits::agent_level_max) return "level out of range";
    if (!is_valid_wholesale_price(level->price_units_per_minute)) return "level price out of range";
    return nullptr;
  }
  const std::string_view id = agent_of(event.payload);
  if (id.empty()) return nullptr;
  const auto* added = std::get_if<AgentAdded>(&event.payload);
  return agent_event_problem(find(id), added ? find(added->parent) : nullptr, event);
}

void Agents::apply(std::uint64_t sequence, const Event& event, const CallTraffic& call) {
  std::array<FundsUpdate, 2> updates;
  std::size_t count = 0;
  const char* why = check(event, call, updates, &count);
  HUAWU_ASSERT(why == nullptr, why);
  for (std::size_t i = 0; i < count; ++i) agents_.find(updates[i].agent)->second.funds = updates[i].funds;
  if (const auto* settled = std::get_if<CallSettled>(&event.payload); settled && !call.agent.empty()) {
    Entry& entry = agents_.find(call.agent)->second;
    const std::int64_t price = effective_price_units(entry.state);
    // Bounded: billed <= 10^7 s per call, price <= 10^8 units/minute.
    entry.days[china_day_number(event.ledger_time_us)] +=
        AgentDayFigures{1, settled->billed_seconds, settled->cost_units, settled->billed_seconds * price};
  }
  if (const auto* opened = std::get_if<AccountOpened>(&event.payload)) {
    if (!opened->agent.empty()) ++agents_.find(opened->agent)->second.bound_users;
    return;
  }
  if (const auto* transferred = std::get_if<AccountTransferred>(&event.payload)) {
    if (!transferred->from_agent.empty()) --agents_.find(transferred->from_agent)->second.bound_users;
    if (!transferred->to_agent.empty()) ++agents_.find(transferred->to_agent)->second.bound_users;
    return;
  }
  if (const auto* level = std::get_if<LevelPriceSet>(&event.payload)) {
    if (level->price_units_per_minute == 0) level_prices_.erase(level->level);
    else level_prices_[level->level] = level->price_units_per_minute;
    return;
  }
  const std::string_view id = agent_of(event.payload);
  if (id.empty()) return;
  if (const auto* added = std::get_if<AgentAdded>(&event.payload)) {
    children_[added->parent].insert(added->agent);
    agents_.emplace(added->agent, Entry{});
  }
  apply_to_agent(agents_.find(id)->second.state, sequence, event);
}

const AgentState* Agents::find(std::string_view agent) const {
  auto it = agents_.find(agent);
  return it == agents_.end() ? nullptr : &it->second.state;
}

std::int64_t Agents::level_price_units(std::uint32_t level) const {
  auto it = level_prices_.find(level);
  return it == level_prices_.end() ? 0 : it->second;
}

std::int32_t china_day_number(std::int64_t utc_us) {
  constexpr std::int64_t day_us = 86'400LL * 1'000'000;
  const std::int64_t china_us = utc_us + 8LL * 3600 * 1'000'000;
  // Floor division: instants before 1970 belong to negative days.
  return static_cast<std::int32_t>(china_us >= 0 ? china_us / day_us : (china_us - day_us + 1) / day_us);
}

const AgentFunds* Agents::agent_funds(std::string_view agent) const {
  auto it = agents_.find(agent);
  return it == agents_.end() ? nullptr : &it->second.funds;
}

const std::set<std::string, std::less<>>& Agents::children(std::string_view parent) const {
  auto it = children_.find(parent);
  return it == children_.end() ? no_children : it->second;
}

std::uint64_t Agents::bound_users(std::string_view agent) const {
  auto it = agents_.find(agent);
  return it == agents_.end() ? 0 : it->second.bound_users;
}

bool Agents::check_invariants(std::string* why) const {
  std::size_t children_total = 0;
  for (const auto& [parent, kids] : children_) {
    children_total += kids.size();
    if (!parent.empty() && !find(parent)) {
      *why = "agent tree: children listed under " + parent + ", which does not exist";
      return false;
    }
    for (const std::string& kid : kids) {
      const AgentState* child = find(kid);
      if (!child || child->parent != parent) {
        *why = "agent tree: " + kid + " is listed under " + parent + " but is not its child";
        return false;
      }
    }
  }
  if (children_total != agents_.size()) {
    *why = "agent tree: children lists and agents disagree";
    return false;
  }
  for (const auto& [id, entry] : agents_) {
    const AgentState& agent = entry.state;
    const AgentState* parent = agent.parent.empty() ? nullptr : find(agent.parent);
    if (!agent.parent.empty() && !parent) {
      *why = "agent " + id + " has a parent that does not exist";
      return false;
    }
    if (agent.level != (parent ? parent->level + 1 : 1) || agent.level > limits::agent_level_max) {
      *why = "agent " + id + " is not one level below its parent";
      return false;
    }
    if (!is_valid_wholesale_price(agent.price_units_per_minute)) {
      *why = "agent " + id + " has a price out of range";
      return false;
    }
    const AgentFunds& f = entry.funds;
    if (f.reserved_seconds < 0 || f.deposit_units < 0 || f.credit_line_units < 0 || f.overdraft_seconds < 0 ||
        f.paid_traffic_units < 0 || f.bought_units < 0 || f.used_seconds < 0 || f.bought_seconds < 0) {
      *why = "agent " + id + " has funds that break their rules";
      return false;
    }
  }
  return true;
}

void Agents::serialize(std::string& out) const {
  ByteWriter w;
  w.u64(agents_.size());
  for (const auto& [id, entry] : agents_) {
    const AgentState& a = entry.state;
    w.str(id);
    w.str(a.parent);
    w.str(a.name);
    w.u64(a.level);
    w.i64(a.price_units_per_minute);
    w.u8(a.suspended ? 1 : 0);
    w.str(a.suspend_reason);
    w.u64(a.added_sequence);
    w.u64(entry.bound_users);
    const AgentFunds& f = entry.funds;
    for (std::int64_t v : {f.pool_seconds, f.reserved_seconds, f.deposit_units, f.credit_line_units,
                           f.overdraft_seconds, f.paid_traffic_units, f.bought_units, f.bought_seconds, f.used_seconds})
      w.i64(v);
    w.u64(entry.days.size());
    for (const auto& [day, d] : entry.days) {
      w.i64(day);
      for (std::int64_t v : {d.calls, d.billed_seconds, d.revenue_units, d.wholesale_cost_x60}) w.i64(v);
    }
  }
  w.u64(level_prices_.size());
  for (const auto& [level, price] : level_prices_) {
    w.u64(level);
    w.i64(price);
  }
  out.append(w.bytes());
}

bool Agents::deserialize(std::string_view bytes, std::string* why) {
  ByteReader r(bytes);
  *this = Agents{};
  const std::uint64_t count = r.u64();
  for (std::uint64_t i = 0; i < count && !r.failed(); ++i) {
    std::string id = r.str();
    Entry entry;
    AgentState& a = entry.state;
    a.parent = r.str();
    a.name = r.str();
    const std::uint64_t level = r.u64();
    a.price_units_per_minute = r.i64();
    const std::uint8_t suspended = r.u8();
    a.suspend_reason = r.str();
    a.added_sequence = r.u64();
    entry.bound_users = r.u64();
    AgentFunds& f = entry.funds;
    for (std::int64_t* v : {&f.pool_seconds, &f.reserved_seconds, &f.deposit_units,
                            &f.credit_line_units, &f.overdraft_seconds, &f.paid_traffic_units, &f.bought_units,
                            &f.bought_seconds, &f.used_seconds})
      *v = r.i64();
    const std::uint64_t days = r.u64();
    for (std::uint64_t d = 0; d < days && !r.failed(); ++d) {
      const std::int64_t day = r.i64();
      AgentDayFigures figures;
      for (std::int64_t* v : {&figures.calls, &figures.billed_seconds, &figures.revenue_units,
                              &figures.wholesale_cost_x60})
        *v = r.i64();
      if (day < INT32_MIN || day > INT32_MAX ||
          (!entry.days.empty() && entry.days.rbegin()->first >= day) || figures.calls <= 0) {
        *why = "agents snapshot: bad day figures";
        return false;
      }
      entry.days.emplace_hint(entry.days.end(), static_cast<std::int32_t>(day), figures);
    }
    // Canonical only: ids strictly increasing, so equal states have one image.
    if (level > limits::agent_level_max || suspended > 1 ||
        (!agents_.empty() && !(agents_.rbegin()->first < id))) {
      *why = "agents snapshot: bad agent record";
      return false;
    }
    a.level = static_cast<std::uint32_t>(level);
    a.suspended = suspended == 1;
    children_[a.parent].insert(id);
    agents_.emplace_hint(agents_.end(), std::move(id), std::move(entry));
  }
  const std::uint64_t levels = r.u64();
  for (std::uint64_t i = 0; i < levels && !r.failed(); ++i) {
    const std::uint64_t level = r.u64();
    const std::int64_t price = r.i64();
    if (level < 1 || level > limits::agent_level_max || price <= 0 || !is_valid_wholesale_price(price) ||
        (!level_prices_.empty() && level_prices_.rbegin()->first >= level)) {
      *why = "agents snapshot: bad level price";
      return false;
    }
    level_prices_.emplace_hint(level_prices_.end(), static_cast<std::uint32_t>(level), price);
  }
  if (r.failed() || !r.at_end()) {
    *why = "agents snapshot: truncated or trailing bytes";
    return false;
  }
  return check_invariants(why);
}

}  // namespace huawu
