#pragma once
// Calls projection: the holds of authorized calls not yet settled. A hold is
// active from CallAuthorized until CallSettled or HoldExpired; an expired hold
// is kept (marked expired) so that a late settle is still rated at the rate
// the call was authorized with. Settled calls leave this projection: the
// store's `calls` family remembers them (ledger/store.h), so that a call is
// never billed twice however late a duplicate arrives.
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "events/event.h"

namespace huawu {

struct HoldState {
  std::string switch_id;
  std::string call_id;
  std::string account;
  std::string caller;
  std::string callee;
  std::uint64_t hold_id = 0;  // sequence of the CallAuthorized event
  std::int64_t hold_units = 0;
  std::int64_t requested_seconds = 0;
  std::int64_t granted_seconds = 0;
  std::int64_t authorized_time_us = 0;  // ledger time of the authorization
  std::int64_t expires_at_us = 0;
  CallRate rate;
  bool expired = false;
  bool operator==(const HoldState&) const = default;
};

// The hold a CallAuthorized event at `sequence` creates.
HoldState hold_of(std::uint64_t sequence, std::int64_t ledger_time_us, const CallAuthorized& e);

// Why `event` cannot follow `hold` (null: no hold for its call), or nullptr.
// The one statement of the per-call rules, shared with the writer's overlay.
const char* call_event_problem(const HoldState* hold, const Event& event);

// The call key an event is about, or empty (ledger-wide and non-call events;
// a CallRejected changes no call).
std::string call_key_of(const Payload& payload);

class Calls {
 public:
  const char* problem(const Event& event) const;
  void apply(std::uint64_t sequence, const Event& event);

  // The hold of a call (active or expired), or null.
  const HoldState* find(std::string_view key) const;
  std::size_t active_holds() const { return expiry_.size(); }
  std::size_t expired_holds() const { return holds_.size() - expiry_.size(); }

  template <class Fn>  // Fn(const std::string& key, const HoldState&), unordered
  void for_each_hold(Fn&& fn) const {
    for (const auto& [key, hold] : holds_) fn(key, hold);
  }
  // Active holds with expires_at_us <= time_us, earliest first, until fn returns false.
  template <class Fn>  // bool Fn(const std::string& key, const HoldState&)
  void for_each_due(std::int64_t time_us, Fn&& fn) const {
    for (const auto& [expires_at_us, key] : expiry_) {
      if (expires_at_us > time_us) return;
      if (!fn(key, holds_.at(key))) return;
    }
  }

  bool check_invariants(std::string* why) const;

  // Layout: u64 hold count, then per hold in key order: str key, str switch,
  // str call, str account, str caller, str callee, u64 hold id, i64 hold units,
  // i64 requested, i64 granted, i64 authorized time, i64 expires at, rate
  // (str prefix, i64 price, i64 connect fee, u64 first, u64 next), u8 expired.
  void serialize(std::string& out) const;
  bool deserialize(std::string_view bytes, std::string* why);

 private:
  std::unordered_map<std::string, HoldState, StringHash, std::equal_to<>> holds_;
  std::set<std::pair<std::int64_t, std::string>> expiry_;  // active holds only
};

}  // namespace huawu
