#pragma once
// decide: the pure heart of the ledger. It reads state through a view and
// returns events or one named rejection. It never writes, never reads the
// clock (the ledger time comes in with the call) and never does I/O.
#include <cstdint>
#include <string_view>
#include <vector>

#include "events/event.h"
#include "events/rejection.h"
#include "ledger/command.h"
#include "projections/balances.h"

namespace huawu {

// What decide may read. The writer passes the committed state layered with
// the events already decided earlier in the same batch.
class DecideView {
 public:
  virtual ~DecideView() = default;
  virtual bool ledger_created() const = 0;
  virtual const AccountState* find_account(std::string_view account) const = 0;
};

struct Decision {
  Rejection rejection = Rejection::none;
  std::vector<Event> events;  // empty iff rejected
};

Decision decide(const DecideView& view, const Request& request, std::int64_t ledger_time_us);

}  // namespace huawu
