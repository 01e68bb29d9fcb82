#pragma once
// The state decide sees: the committed projections plus every event decided
// but not yet applied (the batch being decided and the batch in flight to
// disk). The committed state is never touched before a batch is durable; this
// overlay holds the pending effects instead, as full copies of the accounts
// they touched, and forgets an account once its last pending event is applied.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ledger/decide.h"
#include "projections/ledger_state.h"

namespace huawu {

class PendingView final : public DecideView {
 public:
  explicit PendingView(const LedgerState& committed) : committed_(committed) {}

  bool ledger_created() const override { return ledger_created_ || committed_.info().created(); }
  const AccountState* find_account(std::string_view account) const override;

  // Records a decided event, with the same per-account rule the projection
  // applies after the commit.
  void apply(std::uint64_t sequence, const Event& event);

  // Called after `event` was applied to the committed state: the copy of its
  // account is dropped unless a later pending event changed it again.
  void forget(std::uint64_t sequence, const Event& event);

  std::size_t pending_accounts() const { return accounts_.size(); }

 private:
  struct Entry {
    AccountState state;
    std::uint64_t last_sequence = 0;
  };
  const LedgerState& committed_;
  std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> accounts_;
  bool ledger_created_ = false;
};

}  // namespace huawu
