#pragma once
// `huawu audit verify`: recompute the whole hash chain and rebuild every
// projection from sequence 1 in memory, then compare with the checkpoint and
// the live state.
#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/store.h"
#include "projections/ledger_state.h"

namespace huawu {

struct AuditReport {
  bool ok = false;
  std::uint64_t events = 0;            // events verified
  double seconds = 0;
  std::uint64_t first_bad_sequence = 0;  // 0 when none
  std::string problem;                 // empty when ok
  std::uint64_t checkpoint_sequence = 0;  // 0 when the store has no checkpoint
  bool checkpoint_matches = false;
  bool live_compared = false;
};

// `live` may be null (nothing to compare). Never throws for bad data: a bad
// event is a finding, reported with its sequence.
AuditReport audit_verify(const Store& store, const LedgerState* live);

// The same for a log that is still growing (a daemon serves it): checks
// sequences 1..through and compares the rebuilt state with the serialized
// live state as it was at `through` (LedgerState::serialize()).
AuditReport audit_verify_through(const Store& store, std::uint64_t through,
                                 std::string_view live_state_bytes);

}  // namespace huawu
