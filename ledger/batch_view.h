#pragma once
// The state decide sees inside one group commit: the committed projections
// plus the events already decided earlier in the same batch. The committed
// state is never touched before the batch is durable; this overlay holds the
// in-flight effects instead.
#include <string>
#include <string_view>
#include <unordered_map>

#include "ledger/decide.h"
#include "projections/ledger_state.h"

namespace huawu {

class BatchView final : public DecideView {
 public:
  explicit BatchView(const LedgerState& committed) : committed_(committed) {}

  bool ledger_created() const override { return ledger_created_ || committed_.info().created(); }
  const AccountState* find_account(std::string_view account) const override;

  // Records an event decided in this batch, with the same per-account rule
  // the projection applies after the commit.
  void apply(std::uint64_t sequence, const Event& event);

  void clear() {
    accounts_.clear();
    ledger_created_ = false;
  }

 private:
  const LedgerState& committed_;
  std::unordered_map<std::string, AccountState> accounts_;
  bool ledger_created_ = false;
};

}  // namespace huawu
