#pragma once
// Point-in-time reads for auditors (issue 16): the ledger as it stood after
// a given sequence, or at a given ledger time. A follower of its own, fed
// from the store instead of the writer: the nearest kept checkpoint at or
// before the sequence (Store::put_checkpoint keeps limits::checkpoints_kept_max
// of them, one every checkpoint interval), then the log replayed through the
// same apply() to exactly that sequence, checking the hash chain as recovery
// does. It runs on the caller's thread and reads only the store, so it holds
// up neither the writer nor the follower.
#include <cstdint>
#include <string>

#include "ledger/store.h"
#include "projections/ledger_state.h"

namespace huawu {

// Fills `state` (which must be empty) with the ledger after `sequence`
// (1..head). False with *why when the sequence is past the head or the log
// cannot be replayed to it.
[[nodiscard]] bool state_at_sequence(const Store& store, std::uint64_t sequence, LedgerState& state, std::string* why);

// The last sequence whose ledger time is at or before `time_us`: 0 when the
// first event is later. Ledger time never goes backwards in the log, so a
// binary search over sequences finds it (log2(head) event reads).
[[nodiscard]] std::uint64_t sequence_at_time(const Store& store, std::int64_t time_us);

}  // namespace huawu
