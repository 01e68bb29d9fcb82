#include "ledger/batch_view.h"

namespace huawu {

bool BatchView::ledger_created() const {
  return ledger_created_ || (below_ && below_->ledger_created()) || committed_.info().created();
}

const AccountState* BatchView::find_account(std::string_view account) const {
  auto it = accounts_.find(account);
  if (it != accounts_.end()) return &it->second;
  return below_ ? below_->find_account(account) : committed_.balances().find(account);
}

void BatchView::apply(std::uint64_t sequence, const Event& event) {
  if (std::holds_alternative<LedgerCreated>(event.payload)) ledger_created_ = true;
  const std::string_view id = account_of(event.payload);
  if (id.empty()) return;
  auto it = accounts_.find(id);
  bool existed = true;
  if (it == accounts_.end()) {
    const AccountState* current = find_account(id);
    existed = current != nullptr;
    it = accounts_.emplace(std::string(id), current ? *current : AccountState{}).first;
  }
  apply_to_account(it->second, existed, sequence, event);
}

}  // namespace huawu
