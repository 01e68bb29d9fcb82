#pragma once
// The state decide sees: the committed projections plus every event decided
// but not yet applied (the batch being decided and the batch in flight to
// disk). The committed state is never touched before a batch is durable; this
// overlay holds the pending effects instead, as full copies of the accounts,
// holds and rate plans they touched, and forgets each once its last pending
// event is applied.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ledger/decide.h"
#include "ledger/store.h"
#include "projections/ledger_state.h"

namespace huawu {

class PendingView final : public DecideView {
 public:
  // `store` answers which calls were billed in committed batches; null in
  // tests that decide against a state alone (then only pending ones count).
  explicit PendingView(const LedgerState& committed, const Store* store = nullptr,
                       CallPolicy policy = {}, CardPolicy card_policy = {},
                       std::shared_ptr<const CardKey> card_key = nullptr,
                       std::shared_ptr<const WorkCalendar> calendar = nullptr, ContractPolicy contract_policy = {})
      : committed_(committed), store_(store), policy_(policy), card_policy_(card_policy),
        card_key_(std::move(card_key)), calendar_(std::move(calendar)), contract_policy_(std::move(contract_policy)) {}

  bool ledger_created() const override { return ledger_created_ || committed_.info().created(); }
  const AccountState* find_account(std::string_view account) const override;
  const RatePlanState* find_rate_plan(std::string_view plan) const override;
  const HoldState* find_hold(std::string_view call_key) const override;
  std::optional<std::uint64_t> call_billed_at(std::string_view call_key) const override;
  void for_each_due_hold(std::int64_t time_us,
                         const std::function<bool(const HoldState&)>& fn) const override;
  const CallPolicy& call_policy() const override { return policy_; }
  const AgentState* find_agent(std::string_view agent) const override;
  const AgentFunds* agent_funds(std::string_view agent) const override;
  const PrincipalState* find_principal(std::string_view name) const override;
  std::int64_t level_price_units(std::uint32_t level) const override;
  const CardKey* card_key() const override { return card_key_.get(); }
  const CardPolicy& card_policy() const override { return card_policy_; }
  const WorkCalendar& work_calendar() const override { return calendar_ ? *calendar_ : default_calendar(); }
  const CardBatchState* find_card_batch(std::string_view batch) const override;
  const CardBatchState* card_batch_of_serial(std::uint64_t serial) const override;
  const CardUse* find_card_use(std::uint64_t serial) const override;
  const CardFailures* card_failures(std::uint64_t serial) const override;
  const CardFailures* account_card_failures(std::string_view account) const override;
  std::uint64_t card_batches_issued() const override;
  std::uint64_t next_card_serial() const override;
  const ContractState* find_contract(std::string_view contract) const override;
  std::uint64_t notices_sent() const override;
  const ContractPolicy& contract_policy() const override { return contract_policy_; }
  void for_each_contract(const std::function<void(const ContractState&)>& fn) const override;
  const Waiver* find_waiver(std::string_view obligation) const override;
  bool alert_raised(std::string_view key) const override;
  const TicketState* find_ticket(std::string_view ticket) const override;
  std::uint64_t tickets_opened() const override;
  void for_each_unanswered_ticket(const std::function<void(const TicketState&)>& fn) const override;
  const PromotionState* find_promotion(std::string_view promotion) const override;
  std::uint64_t promotions_requested() const override;
  void for_each_promotion_of(std::string_view agent,
                             const std::function<void(const PromotionState&)>& fn) const override;

  // Records a decided event, with the same rules the projections apply after
  // the commit.
  void apply(std::uint64_t sequence, const Event& event);

  // Called after `event` was applied to the committed state: its copies are
  // dropped unless a later pending event changed them again.
  void forget(std::uint64_t sequence, const Event& event);

  std::size_t pending_accounts() const { return accounts_.size(); }

 private:
  template <class T>
  struct Entry {
    T state;
    std::uint64_t last_sequence = 0;
  };
  template <class T>
  using Map = std::unordered_map<std::string, Entry<T>, StringHash, std::equal_to<>>;

  void apply_call(std::uint64_t sequence, const Event& event);
  void apply_agent(std::uint64_t sequence, const Event& event);
  void apply_funds(std::uint64_t sequence, const Event& event);
  void apply_account(std::uint64_t sequence, const Event& event);
  void apply_card(std::uint64_t sequence, const Event& event);
  void forget_card(std::uint64_t sequence, const Event& event);
  void apply_contract(std::uint64_t sequence, const Event& event);
  void forget_contract(std::uint64_t sequence, const Event& event);
  void apply_ticket_or_promotion(std::uint64_t sequence, const Event& event);
  void forget_ticket_or_promotion(std::uint64_t sequence, const Event& event);
  // The agents whose funds `event` changes (the event was applied).
  void forget_funds(std::uint64_t sequence, const Event& event);

  const LedgerState& committed_;
  const Store* store_;
  const CallPolicy policy_;
  const CardPolicy card_policy_;
  const std::shared_ptr<const CardKey> card_key_;
  const std::shared_ptr<const WorkCalendar> calendar_;
  const ContractPolicy contract_policy_;
  Map<AccountState> accounts_;
  Map<std::optional<HoldState>> holds_;  // nullopt: the call's hold is gone (settled)
  Map<std::uint64_t> billed_calls_;      // call key -> sequence of its CallSettled
  Map<std::shared_ptr<const RatePlanState>> rate_plans_;
  Map<AgentState> agents_;
  Map<AgentFunds> funds_;
  Map<PrincipalState> principals_;
  std::unordered_map<std::uint32_t, Entry<std::int64_t>> level_prices_;
  Map<CardBatchState> card_batches_;  // new batches, and batches with a pending void
  std::unordered_map<std::uint64_t, Entry<CardUse>> card_uses_;
  std::unordered_map<std::uint64_t, Entry<CardFailures>> card_failures_;
  Map<CardFailures> account_card_failures_;
  Entry<std::uint64_t> next_card_serial_;    // last_sequence 0: none pending
  Entry<std::uint64_t> card_batches_issued_; // last_sequence 0: none pending
  Map<ContractState> contracts_;
  Entry<std::uint64_t> notices_sent_;        // last_sequence 0: none pending
  Map<Waiver> waivers_;
  Map<bool> alerts_;                         // alert_key()s raised by pending events
  Map<TicketState> tickets_;
  Entry<std::uint64_t> tickets_opened_;      // last_sequence 0: none pending
  Map<PromotionState> promotions_;
  Entry<std::uint64_t> promotions_requested_;  // last_sequence 0: none pending
  bool ledger_created_ = false;
};

}  // namespace huawu
