#include "ledger/history.h"

#include "events/codec.h"
#include "events/invariant.h"
#include "ledger/ledger.h"

namespace huawu {

bool state_at_sequence(const Store& store, std::uint64_t sequence, LedgerState& state, std::string* why) {
  HUAWU_ASSERT(state.applied_through() == 0, "an empty state to fill");
  const std::uint64_t head = store.head_sequence();
  if (sequence == 0 || sequence > head) {
    *why = "sequence " + std::to_string(sequence) + " is not in the log (1.." + std::to_string(head) + ")";
    return false;
  }
  if (auto checkpoint = store.checkpoint_at_or_before(sequence)) {
    std::string reason;
    // A kept checkpoint is only a shortcut: one that does not load (or does
    // not name the sequence it is kept under) means a replay from 1.
    if (state.deserialize(checkpoint->second, &reason) && state.applied_through() == checkpoint->first) {
      if (replay_into(store, state, why, sequence)) return true;
      return false;
    }
    state = LedgerState{};
  }
  return replay_into(store, state, why, sequence);
}

namespace {

std::int64_t ledger_time_of(const Store& store, std::uint64_t sequence) {
  const auto bytes = store.get_event(sequence);
  std::string why;
  const auto stored = bytes ? decode_stored_event(*bytes, &why) : std::nullopt;
  if (!stored) throw StorageError("event " + std::to_string(sequence) + " unreadable: " + why);
  return stored->event.ledger_time_us;
}

}  // namespace

std::uint64_t sequence_at_time(const Store& store, std::int64_t time_us) {
  // Invariant: every sequence <= low is at or before time_us, every one > high is after it.
  std::uint64_t low = 0;
  std::uint64_t high = store.head_sequence();
  while (low < high) {
    const std::uint64_t middle = low + (high - low + 1) / 2;
    if (ledger_time_of(store, middle) <= time_us) low = middle;
    else high = middle - 1;
  }
  return low;
}

}  // namespace huawu
