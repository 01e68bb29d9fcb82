#include "ledger/pending_view.h"

namespace huawu {

const AccountState* PendingView::find_account(std::string_view account) const {
  auto it = accounts_.find(account);
  if (it != accounts_.end()) return &it->second.state;
  return committed_.balances().find(account);
}

void PendingView::apply(std::uint64_t sequence, const Event& event) {
  if (std::holds_alternative<LedgerCreated>(event.payload)) ledger_created_ = true;
  const std::string_view id = account_of(event.payload);
  if (id.empty()) return;
  // An entry here always stands for an account that exists: the event that
  // created it opened the account or copied it from the committed state.
  auto [it, inserted] = accounts_.try_emplace(std::string(id));
  bool existed = true;
  if (inserted) {
    const AccountState* committed = committed_.balances().find(id);
    existed = committed != nullptr;
    if (committed) it->second.state = *committed;
  }
  apply_to_account(it->second.state, existed, sequence, event);
  it->second.last_sequence = sequence;
}

void PendingView::forget(std::uint64_t sequence, const Event& event) {
  const std::string_view id = account_of(event.payload);
  if (id.empty()) return;
  auto it = accounts_.find(id);
  if (it != accounts_.end() && it->second.last_sequence <= sequence) accounts_.erase(it);
}

}  // namespace huawu
