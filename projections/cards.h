#pragma once
// Cards projection (issue 5, clauses A2.3, A2.4 and B2.2): batches of
// account cards and recharge vouchers, which cards were used (when, by which
// account), voided ranges, and recent failed attempts per card and per
// account for the brute-force guard.
//
// A batch is one event whatever its size, so the projection keeps per-card
// state only for cards that were used or guessed at: 1,000,000 issued cards
// cost one entry. No PIN is here; PINs are derived from serials with the key
// in the data directory (ledger/card_pin.h).
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "events/event.h"

namespace huawu {

class Agents;
class Cards;

struct VoidedRange {
  std::uint64_t first_serial = 0;
  std::uint64_t last_serial = 0;  // inclusive
  std::uint64_t sequence = 0;     // the CardsVoided event
  bool operator==(const VoidedRange&) const = default;
};

struct CardBatchState {
  CardBatchIssued issued;
  std::uint64_t issued_sequence = 0;
  std::int64_t issued_time_us = 0;
  std::vector<VoidedRange> voids;  // in event order
  std::uint64_t used = 0;          // cards activated or redeemed
  bool operator==(const CardBatchState&) const = default;

  std::uint64_t last_serial() const { return issued.first_serial + issued.count - 1; }
  bool contains(std::uint64_t serial) const { return serial >= issued.first_serial && serial <= last_serial(); }
  // The void that covers `serial` first, or null.
  const VoidedRange* void_of(std::uint64_t serial) const;
  // Cards of the batch some void covers (overlapping voids counted once).
  std::uint64_t voided_count() const;
  // Whether voids cover every serial of first..last.
  bool all_voided(std::uint64_t first_serial, std::uint64_t last_serial) const;
  // Whether a card can no longer be used at ledger time `time_us` for its expiry.
  bool expired_at(std::int64_t time_us) const { return issued.expires_at_us != 0 && time_us > issued.expires_at_us; }
};

// A card that was used.
struct CardUse {
  std::string account;
  std::uint64_t sequence = 0;  // the CardRedeemed event
  std::int64_t time_us = 0;    // its ledger time
  bool operator==(const CardUse&) const = default;
};

// The ledger times of the most recent failed attempts (at most
// limits::card_failures_kept, oldest first).
struct CardFailures {
  std::vector<std::int64_t> times_us;
  bool operator==(const CardFailures&) const = default;
  // Failures at or after `from_us`.
  std::size_t count_since(std::int64_t from_us) const;
  // The time the `n`-th most recent failure leaves the window: when a lock of
  // `n` failures in `window_us` ends. 0 when there are fewer than n.
  std::int64_t unlocks_at(std::size_t n, std::int64_t window_us) const;
  void add(std::int64_t time_us);
};

// Whether a failed attempt counts towards a lock (an attempt refused because
// the card was already locked does not extend the lock).
bool card_failure_counts(const CardRedemptionFailed& failed);

// The batch id of the n-th batch (1-based): "B000001".
std::string card_batch_id(std::uint64_t n);

// Why a card event cannot follow the state `cards` shows (agents: whether a
// batch's agent exists), or nullptr. The one statement of the card rules.
const char* card_event_problem(const Cards& cards, const Agents& agents, const Event& event);

// Account cards generated and activated for one agent (obligation O-ACCOUNTS, clause A2.4).
struct AccountCardCounts {
  std::uint64_t generated = 0;
  std::uint64_t activated = 0;
  std::uint64_t voided = 0;
};

class Cards final {
 public:
  const char* problem(const Event& event, const Agents& agents) const;
  void apply(std::uint64_t sequence, const Event& event, const Agents& agents);

  const CardBatchState* find_card_batch(std::string_view batch) const;
  const CardBatchState* card_batch_of_serial(std::uint64_t serial) const;
  const CardUse* find_card_use(std::uint64_t serial) const;
  const CardFailures* card_failures(std::uint64_t serial) const;
  const CardFailures* account_card_failures(std::string_view account) const;
  std::uint64_t card_batches_issued() const { return batches_.size(); }
  std::uint64_t next_card_serial() const { return next_serial_; }

  AccountCardCounts account_cards_of(std::string_view agent) const;
  template <class Fn>  // Fn(const CardBatchState&), in issue order
  void for_each_batch(Fn&& fn) const {
    for (const auto& [first, id] : by_first_serial_) fn(batches_.at(id));
  }

  // Every card used is in its batch, counted once, not voided before its use.
  bool check_invariants(std::string* why) const;

  // Layout: u64 next serial; u64 batches, each: the issued fields, u64
  // sequence, i64 time, u64 used, u64 voids (u64 first, u64 last, u64
  // sequence); u64 uses in serial order (u64 serial, str account, u64
  // sequence, i64 time); failures per card and per account in key order
  // (key, u64 n, n x i64).
  void serialize(std::string& out) const;
  bool deserialize(std::string_view bytes, std::string* why);

 private:
  std::map<std::string, CardBatchState, std::less<>> batches_;
  std::map<std::uint64_t, std::string> by_first_serial_;
  std::unordered_map<std::uint64_t, CardUse> uses_;
  std::unordered_map<std::uint64_t, CardFailures> card_failures_;
  std::unordered_map<std::string, CardFailures, StringHash, std::equal_to<>> account_failures_;
  std::uint64_t next_serial_ = 1;
};

}  // namespace huawu
