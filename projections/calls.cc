#include "projections/calls.h"

#include <algorithm>
#include <vector>

#include "events/bytes.h"
#include "events/invariant.h"

namespace huawu {

HoldState hold_of(std::uint64_t sequence, std::int64_t ledger_time_us, const CallAuthorized& e) {
  HoldState hold;
  hold.switch_id = e.switch_id;
  hold.call_id = e.call_id;
  hold.account = e.account;
  hold.caller = e.caller;
  hold.callee = e.callee;
  hold.hold_id = sequence;
  hold.hold_units = e.hold_units;
  hold.requested_seconds = e.requested_seconds;
  hold.granted_seconds = e.granted_seconds;
  hold.authorized_time_us = ledger_time_us;
  hold.expires_at_us = e.expires_at_us;
  hold.rate = e.rate;
  return hold;
}

std::string call_key_of(const Payload& payload) {
  if (const auto* e = std::get_if<CallAuthorized>(&payload)) return call_key(e->switch_id, e->call_id);
  if (const auto* e = std::get_if<CallSettled>(&payload)) return call_key(e->switch_id, e->call_id);
  if (const auto* e = std::get_if<HoldExpired>(&payload)) return call_key(e->switch_id, e->call_id);
  return {};
}

const char* call_event_problem(const HoldState* hold, const Event& event) {
  if (const auto* e = std::get_if<CallAuthorized>(&event.payload)) {
    if (hold) return "a call authorized twice";
    if (e->expires_at_us < event.ledger_time_us) return "a hold that expires before it is placed";
    return nullptr;
  }
  if (const auto* e = std::get_if<CallSettled>(&event.payload)) {
    switch (e->origin) {
      case CallOrigin::recorded:
        if (hold) return "a call record for an authorized call";
        if (e->hold_id != 0 || e->released_units != 0) return "a call record that releases a hold";
        return nullptr;
      case CallOrigin::authorized:
        if (!hold || hold->expired) return "a settle without an active hold";
        if (e->released_units != hold->hold_units) return "a settle that releases another amount than its hold";
        break;
      case CallOrigin::late_settle:
        if (!hold || !hold->expired) return "a late settle without an expired hold";
        if (e->released_units != 0) return "a late settle that releases a hold";
        break;
    }
    if (e->hold_id != hold->hold_id || e->account != hold->account) return "a settle for another hold";
    if (e->rate != hold->rate) return "a settle at another rate than its authorization";
    return nullptr;
  }
  if (const auto* e = std::get_if<HoldExpired>(&event.payload)) {
    if (!hold || hold->expired) return "an expiry without an active hold";
    if (e->hold_id != hold->hold_id || e->account != hold->account || e->released_units != hold->hold_units)
      return "an expiry for another hold";
    if (event.ledger_time_us < hold->expires_at_us) return "a hold expired before its time";
    return nullptr;
  }
  return nullptr;
}

const char* Calls::problem(const Event& event) const {
  const std::string key = call_key_of(event.payload);
  if (key.empty()) return nullptr;
  return call_event_problem(find(key), event);
}

void Calls::apply(std::uint64_t sequence, const Event& event) {
  const std::string key = call_key_of(event.payload);
  if (key.empty()) return;
  auto it = holds_.find(key);
  const HoldState* hold = it == holds_.end() ? nullptr : &it->second;
  const char* why = call_event_problem(hold, event);
  HUAWU_ASSERT(why == nullptr, why);
  if (const auto* e = std::get_if<CallAuthorized>(&event.payload)) {
    HoldState added = hold_of(sequence, event.ledger_time_us, *e);
    expiry_.emplace(added.expires_at_us, key);
    holds_.emplace(key, std::move(added));
  } else if (const auto* settled = std::get_if<CallSettled>(&event.payload)) {
    if (settled->origin == CallOrigin::recorded) return;
    if (!it->second.expired) expiry_.erase({it->second.expires_at_us, key});
    holds_.erase(it);
  } else if (std::holds_alternative<HoldExpired>(event.payload)) {
    expiry_.erase({it->second.expires_at_us, key});
    it->second.expired = true;
  }
}

const HoldState* Calls::find(std::string_view key) const {
  auto it = holds_.find(key);
  return it == holds_.end() ? nullptr : &it->second;
}

bool Calls::check_invariants(std::string* why) const {
  std::size_t active = 0;
  for (const auto& [key, hold] : holds_) {
    if (hold.hold_units <= 0 || call_key(hold.switch_id, hold.call_id) != key) {
      *why = "hold " + key + " is malformed";
      return false;
    }
    if (!hold.expired) {
      ++active;
      if (!expiry_.count({hold.expires_at_us, key})) {
        *why = "hold " + key + " is missing from the expiry index";
        return false;
      }
    }
  }
  if (active != expiry_.size()) {
    *why = "the expiry index lists holds that are not active";
    return false;
  }
  return true;
}

void Calls::serialize(std::string& out) const {
  std::vector<const std::pair<const std::string, HoldState>*> sorted;
  sorted.reserve(holds_.size());
  for (const auto& entry : holds_) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
  ByteWriter w;
  w.u64(sorted.size());
  for (const auto* entry : sorted) {
    const HoldState& h = entry->second;
    w.str(entry->first);
    w.str(h.switch_id);
    w.str(h.call_id);
    w.str(h.account);
    w.str(h.caller);
    w.str(h.callee);
    w.u64(h.hold_id);
    w.i64(h.hold_units);
    w.i64(h.requested_seconds);
    w.i64(h.granted_seconds);
    w.i64(h.authorized_time_us);
    w.i64(h.expires_at_us);
    w.str(h.rate.prefix);
    w.i64(h.rate.price_units_per_minute);
    w.i64(h.rate.connect_fee_units);
    w.u64(h.rate.first_block_seconds);
    w.u64(h.rate.next_block_seconds);
    w.u8(h.expired ? 1 : 0);
  }
  out.append(w.bytes());
}

bool Calls::deserialize(std::string_view bytes, std::string* why) {
  ByteReader r(bytes);
  *this = Calls{};
  const std::uint64_t count = r.u64();
  std::string previous;
  for (std::uint64_t i = 0; i < count && !r.failed(); ++i) {
    std::string key = r.str();
    HoldState h;
    h.switch_id = r.str();
    h.call_id = r.str();
    h.account = r.str();
    h.caller = r.str();
    h.callee = r.str();
    h.hold_id = r.u64();
    h.hold_units = r.i64();
    h.requested_seconds = r.i64();
    h.granted_seconds = r.i64();
    h.authorized_time_us = r.i64();
    h.expires_at_us = r.i64();
    h.rate.prefix = r.str();
    h.rate.price_units_per_minute = r.i64();
    h.rate.connect_fee_units = r.i64();
    const std::uint64_t first_block = r.u64();
    const std::uint64_t next_block = r.u64();
    const std::uint8_t expired = r.u8();
    if (r.failed()) break;
    // Blocks as every rate has them (1-3600 s), checked before the cast.
    if (first_block < 1 || first_block > 3600 || next_block < 1 || next_block > 3600) {
      *why = "calls snapshot: a hold's rate block is not 1-3600 seconds";
      return false;
    }
    h.rate.first_block_seconds = static_cast<std::uint32_t>(first_block);
    h.rate.next_block_seconds = static_cast<std::uint32_t>(next_block);
    if (expired > 1 || (i > 0 && key <= previous)) {
      *why = "calls snapshot: not canonical";
      return false;
    }
    previous = key;
    h.expired = expired == 1;
    if (!h.expired) expiry_.emplace(h.expires_at_us, key);
    holds_.emplace(std::move(key), std::move(h));
  }
  if (r.failed() || !r.at_end()) {
    *why = "calls snapshot: truncated or trailing bytes";
    return false;
  }
  return check_invariants(why);
}

}  // namespace huawu
