#include "ledger/pending_view.h"

#include <map>

#include "events/invariant.h"

namespace huawu {

namespace {

template <class MapT>
void forget_entry(MapT& map, std::string_view key, std::uint64_t sequence) {
  auto it = map.find(key);
  if (it != map.end() && it->second.last_sequence <= sequence) map.erase(it);
}

}  // namespace

const AccountState* PendingView::find_account(std::string_view account) const {
  auto it = accounts_.find(account);
  if (it != accounts_.end()) return &it->second.state;
  return committed_.balances().find(account);
}

const RatePlanState* PendingView::find_rate_plan(std::string_view plan) const {
  auto it = rate_plans_.find(plan);
  if (it != rate_plans_.end()) return it->second.state.get();
  return committed_.rate_plans().find(plan);
}

const AgentState* PendingView::find_agent(std::string_view agent) const {
  auto it = agents_.find(agent);
  if (it != agents_.end()) return &it->second.state;
  return committed_.agents().find(agent);
}

const AgentFunds* PendingView::agent_funds(std::string_view agent) const {
  auto it = funds_.find(agent);
  if (it != funds_.end()) return &it->second.state;
  return committed_.agents().agent_funds(agent);
}

const PrincipalState* PendingView::find_principal(std::string_view name) const {
  auto it = principals_.find(name);
  if (it != principals_.end()) return &it->second.state;
  return committed_.principals().find(name);
}

std::int64_t PendingView::level_price_units(std::uint32_t level) const {
  auto it = level_prices_.find(level);
  if (it != level_prices_.end()) return it->second.state;
  return committed_.agents().level_price_units(level);
}

const CardBatchState* PendingView::find_card_batch(std::string_view batch) const {
  auto it = card_batches_.find(batch);
  if (it != card_batches_.end()) return &it->second.state;
  return committed_.cards().find_card_batch(batch);
}

const CardBatchState* PendingView::card_batch_of_serial(std::uint64_t serial) const {
  if (const CardBatchState* committed = committed_.cards().card_batch_of_serial(serial))
    return find_card_batch(committed->issued.batch);
  // A batch issued in a pending event: there are few (one event each).
  for (const auto& [id, entry] : card_batches_)
    if (entry.state.contains(serial)) return &entry.state;
  return nullptr;
}

const CardUse* PendingView::find_card_use(std::uint64_t serial) const {
  auto it = card_uses_.find(serial);
  if (it != card_uses_.end()) return &it->second.state;
  return committed_.cards().find_card_use(serial);
}

const CardFailures* PendingView::card_failures(std::uint64_t serial) const {
  auto it = card_failures_.find(serial);
  if (it != card_failures_.end()) return &it->second.state;
  return committed_.cards().card_failures(serial);
}

const CardFailures* PendingView::account_card_failures(std::string_view account) const {
  auto it = account_card_failures_.find(account);
  if (it != account_card_failures_.end()) return &it->second.state;
  return committed_.cards().account_card_failures(account);
}

std::uint64_t PendingView::card_batches_issued() const {
  return card_batches_issued_.last_sequence != 0 ? card_batches_issued_.state
                                                 : committed_.cards().card_batches_issued();
}

std::uint64_t PendingView::next_card_serial() const {
  return next_card_serial_.last_sequence != 0 ? next_card_serial_.state : committed_.cards().next_card_serial();
}

const ContractState* PendingView::find_contract(std::string_view contract) const {
  auto it = contracts_.find(contract);
  if (it != contracts_.end()) return &it->second.state;
  return committed_.contracts().find(contract);
}

std::uint64_t PendingView::notices_sent() const {
  return notices_sent_.last_sequence != 0 ? notices_sent_.state : committed_.contracts().notices_sent();
}

void PendingView::for_each_contract(const std::function<void(const ContractState&)>& fn) const {
  // Id order, pending copies in place of their committed states.
  std::map<std::string_view, const ContractState*> all;
  committed_.contracts().for_each([&](const std::string& id, const ContractState& state) { all[id] = &state; });
  for (const auto& [id, entry] : contracts_) all[id] = &entry.state;
  for (const auto& [id, state] : all) fn(*state);
}

const Waiver* PendingView::find_waiver(std::string_view obligation) const {
  auto it = waivers_.find(obligation);
  if (it != waivers_.end()) return &it->second.state;
  return committed_.contracts().find_waiver(obligation);
}

bool PendingView::alert_raised(std::string_view key) const {
  return alerts_.find(key) != alerts_.end() || committed_.contracts().alert_raised(key);
}

const TicketState* PendingView::find_ticket(std::string_view ticket) const {
  auto it = tickets_.find(ticket);
  if (it != tickets_.end()) return &it->second.state;
  return committed_.tickets().find(ticket);
}

std::uint64_t PendingView::tickets_opened() const {
  return tickets_opened_.last_sequence != 0 ? tickets_opened_.state : committed_.tickets().opened();
}

void PendingView::for_each_unanswered_ticket(const std::function<void(const TicketState&)>& fn) const {
  std::map<std::string_view, const TicketState*> all;
  committed_.tickets().for_each_unanswered([&](const TicketState& t) { all[t.opened.ticket] = &t; });
  for (const auto& [id, entry] : tickets_) all[id] = &entry.state;
  for (const auto& [id, ticket] : all)
    if (!ticket->responded()) fn(*ticket);
}

const PromotionState* PendingView::find_promotion(std::string_view promotion) const {
  auto it = promotions_.find(promotion);
  if (it != promotions_.end()) return &it->second.state;
  return committed_.promotions().find(promotion);
}

std::uint64_t PendingView::promotions_requested() const {
  return promotions_requested_.last_sequence != 0 ? promotions_requested_.state : committed_.promotions().requested();
}

void PendingView::for_each_promotion_of(std::string_view agent,
                                        const std::function<void(const PromotionState&)>& fn) const {
  if (const std::vector<std::string>* ids = committed_.promotions().of_agent(agent))
    for (const std::string& id : *ids) fn(*find_promotion(id));
  // Requested in a pending event: there are few.
  for (const auto& [id, entry] : promotions_)
    if (entry.state.requested.agent == agent && !committed_.promotions().find(id)) fn(entry.state);
}

const HoldState* PendingView::find_hold(std::string_view call_key) const {
  auto it = holds_.find(call_key);
  if (it != holds_.end()) return it->second.state ? &*it->second.state : nullptr;
  return committed_.calls().find(call_key);
}

std::optional<std::uint64_t> PendingView::call_billed_at(std::string_view call_key) const {
  auto it = billed_calls_.find(call_key);
  if (it != billed_calls_.end()) return it->second.state;
  return store_ ? store_->get_call(call_key) : std::nullopt;
}

void PendingView::for_each_due_hold(std::int64_t time_us,
                                    const std::function<bool(const HoldState&)>& fn) const {
  // A hold with a pending change was settled or expired already. Holds placed
  // by pending events are not due yet: they expire granted + grace seconds
  // after their batch's ledger time.
  committed_.calls().for_each_due(time_us, [&](const std::string& key, const HoldState& hold) {
    return holds_.count(key) != 0 || fn(hold);
  });
}

void PendingView::apply(std::uint64_t sequence, const Event& event) {
  if (std::holds_alternative<LedgerCreated>(event.payload)) ledger_created_ = true;
  if (const auto* import = std::get_if<RatePlanImported>(&event.payload)) {
    const RatePlanState* current = find_rate_plan(import->plan);
    auto& entry = rate_plans_[import->plan];
    entry.state = build_rate_plan(sequence, current ? current->imports + 1 : 1, *import);
    entry.last_sequence = sequence;
  }
  // Funds first: a call's reservation is read from its hold before it changes.
  apply_funds(sequence, event);
  apply_call(sequence, event);
  apply_agent(sequence, event);
  if (const std::string_view name = principal_of(event.payload); !name.empty()) {
    const PrincipalState* current = find_principal(name);
    const char* why = principal_event_problem(current, *this, event);
    HUAWU_ASSERT(why == nullptr, why);
    auto [it, inserted] = principals_.try_emplace(std::string(name));
    auto& entry = it->second;
    if (inserted && current) entry.state = *current;
    apply_to_principal(entry.state, sequence, event);
    entry.last_sequence = sequence;
  }
  apply_card(sequence, event);
  apply_contract(sequence, event);
  apply_ticket_or_promotion(sequence, event);
  apply_account(sequence, event);
}

void PendingView::apply_contract(std::uint64_t sequence, const Event& event) {
  if (const auto* waived = std::get_if<ObligationWaived>(&event.payload)) {
    HUAWU_ASSERT(find_waiver(waived->obligation) == nullptr, "an obligation waived twice");
    waivers_[waived->obligation] =
        Entry<Waiver>{Waiver{waived->contract, waived->reason, sequence, event.business_time_us}, sequence};
    return;
  }
  if (const auto* alerted = std::get_if<ObligationAlerted>(&event.payload)) {
    const std::string key = alert_key(alerted->obligation, alerted->kind);
    HUAWU_ASSERT(!alert_raised(key), "an alert raised twice");
    alerts_[key] = Entry<bool>{true, sequence};
    return;
  }
  const std::string_view id = contract_of(event.payload);
  if (id.empty()) return;
  const ContractState* current = find_contract(id);
  const char* why = contract_event_problem(current, notices_sent(), *this, event);
  HUAWU_ASSERT(why == nullptr, why);
  auto [it, inserted] = contracts_.try_emplace(std::string(id));
  if (const auto* signed_event = std::get_if<ContractSigned>(&event.payload)) {
    it->second.state = ContractState{*signed_event, sequence, {}, {}, {}, {}};
  } else {
    if (inserted) it->second.state = *current;
    if (const auto* notice = std::get_if<NoticeSent>(&event.payload)) {
      it->second.state.notices.push_back(*notice);
      notices_sent_ = Entry<std::uint64_t>{notices_sent() + 1, sequence};
    } else {
      it->second.state.amendments.push_back(std::get<ContractAmended>(event.payload));
    }
  }
  it->second.last_sequence = sequence;
}

void PendingView::forget_contract(std::uint64_t sequence, const Event& event) {
  if (const auto* waived = std::get_if<ObligationWaived>(&event.payload))
    forget_entry(waivers_, waived->obligation, sequence);
  if (const auto* alerted = std::get_if<ObligationAlerted>(&event.payload))
    forget_entry(alerts_, alert_key(alerted->obligation, alerted->kind), sequence);
  const std::string_view id = contract_of(event.payload);
  if (id.empty()) return;
  forget_entry(contracts_, id, sequence);
  if (std::holds_alternative<NoticeSent>(event.payload) && notices_sent_.last_sequence <= sequence) notices_sent_ = {};
}

void PendingView::apply_ticket_or_promotion(std::uint64_t sequence, const Event& event) {
  if (const std::string_view id = ticket_of(event.payload); !id.empty()) {
    const TicketState* current = find_ticket(id);
    const char* why = ticket_event_problem(current, tickets_opened(), event);
    HUAWU_ASSERT(why == nullptr, why);
    if (std::holds_alternative<TicketOpened>(event.payload))
      tickets_opened_ = Entry<std::uint64_t>{tickets_opened() + 1, sequence};
    auto [it, inserted] = tickets_.try_emplace(std::string(id));
    if (inserted && current) it->second.state = *current;
    apply_to_ticket(it->second.state, sequence, event);
    it->second.last_sequence = sequence;
  }
  if (const std::string_view id = promotion_of(event.payload); !id.empty()) {
    const PromotionState* current = find_promotion(id);
    const char* why = promotion_event_problem(current, promotions_requested(), event);
    HUAWU_ASSERT(why == nullptr, why);
    if (std::holds_alternative<PromotionRequested>(event.payload))
      promotions_requested_ = Entry<std::uint64_t>{promotions_requested() + 1, sequence};
    auto [it, inserted] = promotions_.try_emplace(std::string(id));
    if (inserted && current) it->second.state = *current;
    apply_to_promotion(it->second.state, sequence, event);
    it->second.last_sequence = sequence;
  }
}

void PendingView::forget_ticket_or_promotion(std::uint64_t sequence, const Event& event) {
  if (const std::string_view id = ticket_of(event.payload); !id.empty()) {
    forget_entry(tickets_, id, sequence);
    if (tickets_opened_.last_sequence <= sequence) tickets_opened_ = {};
  }
  if (const std::string_view id = promotion_of(event.payload); !id.empty()) {
    forget_entry(promotions_, id, sequence);
    if (promotions_requested_.last_sequence <= sequence) promotions_requested_ = {};
  }
}

void PendingView::apply_account(std::uint64_t sequence, const Event& event) {
  const std::string_view id = account_of(event.payload);
  if (id.empty()) return;
  // An entry here always stands for an account that exists: the event that
  // created it opened the account or copied it from the committed state.
  auto copy = [&](std::string_view account_id, bool* existed) -> Entry<AccountState>& {
    auto [it, inserted] = accounts_.try_emplace(std::string(account_id));
    *existed = true;
    if (inserted) {
      const AccountState* committed = committed_.balances().find(account_id);
      *existed = committed != nullptr;
      if (committed) it->second.state = *committed;
    }
    return it->second;
  };
  bool existed = true;
  Entry<AccountState>& account = copy(id, &existed);
  apply_to_account(account.state, existed, sequence, event);
  account.last_sequence = sequence;
  // A close that transfers its balance credits a second account.
  if (const std::string_view receiving_id = receiving_account_of(event.payload); !receiving_id.empty()) {
    bool receiving_existed = true;
    Entry<AccountState>& receiving = copy(receiving_id, &receiving_existed);
    const char* why = receiving_account_problem(receiving_existed ? &receiving.state : nullptr,
                                                accounts_.find(id)->second.state, event);
    HUAWU_ASSERT(why == nullptr, why);
    apply_to_receiving_account(receiving.state, event);
    receiving.last_sequence = sequence;
  }
}

void PendingView::apply_card(std::uint64_t sequence, const Event& event) {
  const bool card_event = std::holds_alternative<CardBatchIssued>(event.payload) ||
                          std::holds_alternative<CardsVoided>(event.payload) ||
                          std::holds_alternative<CardRedeemed>(event.payload) ||
                          std::holds_alternative<CardRedemptionFailed>(event.payload);
  if (!card_event) return;
  const char* why = card_event_problem(*this, *this, event);
  HUAWU_ASSERT(why == nullptr, why);
  if (const auto* issued = std::get_if<CardBatchIssued>(&event.payload)) {
    card_batches_issued_ = Entry<std::uint64_t>{card_batches_issued() + 1, sequence};
    next_card_serial_ = Entry<std::uint64_t>{issued->first_serial + issued->count, sequence};
    card_batches_[issued->batch] =
        Entry<CardBatchState>{CardBatchState{*issued, sequence, event.ledger_time_us, {}, 0}, sequence};
  } else if (const auto* voided = std::get_if<CardsVoided>(&event.payload)) {
    auto [it, inserted] = card_batches_.try_emplace(voided->batch);
    if (inserted) it->second.state = *committed_.cards().find_card_batch(voided->batch);
    it->second.state.voids.push_back(VoidedRange{voided->first_serial, voided->last_serial, sequence});
    it->second.last_sequence = sequence;
  } else if (const auto* redeemed = std::get_if<CardRedeemed>(&event.payload)) {
    card_uses_[redeemed->serial] = Entry<CardUse>{CardUse{redeemed->account, sequence, event.ledger_time_us}, sequence};
  } else if (const auto* failed = std::get_if<CardRedemptionFailed>(&event.payload)) {
    if (!card_failure_counts(*failed)) return;
    if (failed->serial != 0) {
      auto [it, inserted] = card_failures_.try_emplace(failed->serial);
      if (inserted)
        if (const CardFailures* committed = committed_.cards().card_failures(failed->serial)) it->second.state = *committed;
      it->second.state.add(event.ledger_time_us);
      it->second.last_sequence = sequence;
    }
    if (!failed->account.empty()) {
      auto [it, inserted] = account_card_failures_.try_emplace(failed->account);
      if (inserted)
        if (const CardFailures* committed = committed_.cards().account_card_failures(failed->account))
          it->second.state = *committed;
      it->second.state.add(event.ledger_time_us);
      it->second.last_sequence = sequence;
    }
  }
}

void PendingView::forget_card(std::uint64_t sequence, const Event& event) {
  if (const auto* issued = std::get_if<CardBatchIssued>(&event.payload)) {
    forget_entry(card_batches_, issued->batch, sequence);
    if (card_batches_issued_.last_sequence <= sequence) card_batches_issued_ = {};
    if (next_card_serial_.last_sequence <= sequence) next_card_serial_ = {};
  } else if (const auto* voided = std::get_if<CardsVoided>(&event.payload)) {
    forget_entry(card_batches_, voided->batch, sequence);
  } else if (const auto* redeemed = std::get_if<CardRedeemed>(&event.payload)) {
    auto it = card_uses_.find(redeemed->serial);
    if (it != card_uses_.end() && it->second.last_sequence <= sequence) card_uses_.erase(it);
  } else if (const auto* failed = std::get_if<CardRedemptionFailed>(&event.payload)) {
    auto it = card_failures_.find(failed->serial);
    if (it != card_failures_.end() && it->second.last_sequence <= sequence) card_failures_.erase(it);
    if (!failed->account.empty()) forget_entry(account_card_failures_, failed->account, sequence);
  }
}

void PendingView::apply_agent(std::uint64_t sequence, const Event& event) {
  if (const auto* level = std::get_if<LevelPriceSet>(&event.payload)) {
    level_prices_[level->level] = Entry<std::int64_t>{level->price_units_per_minute, sequence};
    return;
  }
  const std::string_view id = agent_of(event.payload);
  if (id.empty()) return;
  const auto* added = std::get_if<AgentAdded>(&event.payload);
  const AgentState* parent = added ? find_agent(added->parent) : nullptr;
  const AgentState* current = find_agent(id);
  const char* why = agent_event_problem(current, parent, event);
  HUAWU_ASSERT(why == nullptr, why);
  auto [it, inserted] = agents_.try_emplace(std::string(id));
  if (inserted && current) it->second.state = *current;
  apply_to_agent(it->second.state, sequence, event);
  it->second.last_sequence = sequence;
}

void PendingView::apply_funds(std::uint64_t sequence, const Event& event) {
  const bool settling = std::holds_alternative<CallSettled>(event.payload) ||
                        std::holds_alternative<HoldExpired>(event.payload);
  const bool calling = settling || std::holds_alternative<CallAuthorized>(event.payload);
  const AccountState* account = calling ? find_account(account_of(event.payload)) : nullptr;
  // The hold is looked up only for an agent's user (most calls may have none).
  const bool agent_call = account && !account->agent.empty();
  const CallTraffic traffic =
      call_traffic_of(event, account, agent_call && settling ? find_hold(call_key_of(event.payload)) : nullptr);
  // Only an agent's call or an agent money event changes funds; the
  // projection checks every other event's postings when it applies them.
  if (!agent_call && funds_agents_of(event.payload)[0].empty()) return;
  std::array<FundsUpdate, 2> updates;
  std::size_t count = 0;
  const char* why = funds_update(*this, event, traffic, updates, &count);
  HUAWU_ASSERT(why == nullptr, why);
  for (std::size_t i = 0; i < count; ++i) {
    auto& entry = funds_[std::string(updates[i].agent)];
    entry.state = updates[i].funds;
    entry.last_sequence = sequence;
  }
}

void PendingView::forget_funds(std::uint64_t sequence, const Event& event) {
  if (funds_.empty()) return;
  for (const std::string_view agent : funds_agents_of(event.payload))
    if (!agent.empty()) forget_entry(funds_, agent, sequence);
  if (const std::string_view account = account_of(event.payload); !account.empty()) {
    const AccountState* state = committed_.balances().find(account);
    if (state && !state->agent.empty()) forget_entry(funds_, state->agent, sequence);
  }
}

void PendingView::apply_call(std::uint64_t sequence, const Event& event) {
  const std::string key = call_key_of(event.payload);
  if (key.empty()) return;
  auto [it, inserted] = holds_.try_emplace(key);
  if (inserted) {
    const HoldState* committed = committed_.calls().find(key);
    if (committed) it->second.state = *committed;
  }
  std::optional<HoldState>& hold = it->second.state;
  const char* why = call_event_problem(hold ? &*hold : nullptr, event);
  HUAWU_ASSERT(why == nullptr, why);
  if (const auto* authorized = std::get_if<CallAuthorized>(&event.payload)) {
    hold = hold_of(sequence, event.ledger_time_us, *authorized);
  } else if (const auto* settled = std::get_if<CallSettled>(&event.payload)) {
    if (settled->origin != CallOrigin::recorded) hold.reset();
    billed_calls_[key] = Entry<std::uint64_t>{sequence, sequence};
  } else if (std::holds_alternative<HoldExpired>(event.payload)) {
    hold->expired = true;
  }
  it->second.last_sequence = sequence;
}

void PendingView::forget(std::uint64_t sequence, const Event& event) {
  if (const auto* import = std::get_if<RatePlanImported>(&event.payload))
    forget_entry(rate_plans_, import->plan, sequence);
  if (const std::string key = call_key_of(event.payload); !key.empty()) {
    forget_entry(holds_, key, sequence);
    forget_entry(billed_calls_, key, sequence);
  }
  if (const auto* level = std::get_if<LevelPriceSet>(&event.payload)) {
    auto it = level_prices_.find(level->level);
    if (it != level_prices_.end() && it->second.last_sequence <= sequence) level_prices_.erase(it);
  }
  if (const std::string_view agent = agent_of(event.payload); !agent.empty())
    forget_entry(agents_, agent, sequence);
  forget_funds(sequence, event);
  if (const std::string_view name = principal_of(event.payload); !name.empty())
    forget_entry(principals_, name, sequence);
  forget_card(sequence, event);
  forget_contract(sequence, event);
  forget_ticket_or_promotion(sequence, event);
  const std::string_view id = account_of(event.payload);
  if (!id.empty()) forget_entry(accounts_, id, sequence);
  if (const std::string_view receiving = receiving_account_of(event.payload); !receiving.empty())
    forget_entry(accounts_, receiving, sequence);
}

}  // namespace huawu
