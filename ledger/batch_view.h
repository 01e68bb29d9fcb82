#pragma once
// The state decide sees: the committed projections plus the events decided
// but not yet applied — those of the batch being decided and, while the
// writer pipelines, those of the batch in flight to disk. The committed state
// is never touched before a batch is durable; overlays hold the pending
// effects instead.
#include <string>
#include <string_view>
#include <unordered_map>

#include "ledger/decide.h"
#include "projections/ledger_state.h"

namespace huawu {

class BatchView final : public DecideView {
 public:
  // `below`: the overlay of the batch in flight, or null.
  BatchView(const LedgerState& committed, const BatchView* below)
      : committed_(committed), below_(below) {}

  bool ledger_created() const override;
  const AccountState* find_account(std::string_view account) const override;

  // Records an event decided in this batch, with the same per-account rule
  // the projection applies after the commit.
  void apply(std::uint64_t sequence, const Event& event);

  // Called once the batch below is applied to the committed state: what this
  // overlay holds is a full copy per account, so it stands on its own.
  void drop_below() { below_ = nullptr; }

 private:
  const LedgerState& committed_;
  const BatchView* below_;
  std::unordered_map<std::string, AccountState, StringHash, std::equal_to<>> accounts_;
  bool ledger_created_ = false;
};

}  // namespace huawu
