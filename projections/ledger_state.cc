#include "projections/ledger_state.h"

#include "events/invariant.h"
#include "events/bytes.h"

namespace huawu {

namespace {
constexpr std::string_view snapshot_magic = "huawu-state-v2";
}

std::string LedgerState::problem(std::uint64_t sequence, const Event& event) const {
  if (sequence != applied_through_ + 1) return "events apply in sequence without gaps";
  if (event.ledger_time_us < last_ledger_time_us_) return "ledger time goes backwards";
  if (const char* why = info_.problem(sequence, event)) return why;
  if (const char* why = balances_.problem(event)) return why;
  if (const char* why = rate_plans_.problem(event)) return why;
  if (const char* why = calls_.problem(event)) return why;
  return {};
}

void LedgerState::apply(std::uint64_t sequence, const Event& event) {
  HUAWU_ASSERT(sequence == applied_through_ + 1, "events apply in sequence without gaps");
  HUAWU_ASSERT(event.ledger_time_us >= last_ledger_time_us_, "ledger time never goes backwards");
  info_.apply(sequence, event);
  balances_.apply(sequence, event);
  rate_plans_.apply(sequence, event);
  calls_.apply(sequence, event);
  applied_through_ = sequence;
  last_ledger_time_us_ = event.ledger_time_us;
}

bool LedgerState::check_invariants(std::string* why) const {
  if (!balances_.check_invariants(why) || !calls_.check_invariants(why)) return false;
  // Every active hold is money in its account's hold.
  std::int64_t held_units = 0;
  calls_.for_each_hold([&](const std::string&, const HoldState& hold) {
    if (!hold.expired) held_units += hold.hold_units;
  });
  if (held_units != balances_.held_total_units()) {
    *why = "active holds sum to " + std::to_string(held_units) + " units but accounts hold " +
           std::to_string(balances_.held_total_units());
    return false;
  }
  return true;
}

// Layout: str magic, u64 applied_through, i64 last ledger time, then one length-prefixed section per
// projection in a fixed order (ledger info, balances, rate plans, calls).
std::string LedgerState::serialize() const {
  ByteWriter w;
  w.str(snapshot_magic);
  w.u64(applied_through_);
  w.i64(last_ledger_time_us_);
  std::string section;
  info_.serialize(section);
  w.str(section);
  section.clear();
  balances_.serialize(section);
  w.str(section);
  section.clear();
  rate_plans_.serialize(section);
  w.str(section);
  section.clear();
  calls_.serialize(section);
  w.str(section);
  return w.take();
}

bool LedgerState::deserialize(std::string_view bytes, std::string* why) {
  ByteReader r(bytes);
  if (r.str() != snapshot_magic) {
    *why = "snapshot: unknown format";
    return false;
  }
  applied_through_ = r.u64();
  last_ledger_time_us_ = r.i64();
  const std::string info = r.str();
  const std::string balances = r.str();
  const std::string rate_plans = r.str();
  const std::string calls = r.str();
  if (r.failed() || !r.at_end()) {
    *why = "snapshot: truncated or trailing bytes";
    return false;
  }
  return info_.deserialize(info, why) && balances_.deserialize(balances, why) &&
         rate_plans_.deserialize(rate_plans, why) && calls_.deserialize(calls, why);
}

}  // namespace huawu
