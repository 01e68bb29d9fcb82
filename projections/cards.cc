#include "projections/cards.h"

#include <algorithm>
#include <cstdio>

#include "events/bytes.h"
#include "events/card_number.h"
#include "events/invariant.h"
#include "events/limits.h"
#include "projections/agents.h"

namespace huawu {

const VoidedRange* CardBatchState::void_of(std::uint64_t serial) const {
  for (const VoidedRange& range : voids)
    if (serial >= range.first_serial && serial <= range.last_serial) return &range;
  return nullptr;
}

namespace {

// A batch's voids by their first serial: both questions below sweep them in order.
std::vector<VoidedRange> sorted_voids(const std::vector<VoidedRange>& voids) {
  std::vector<VoidedRange> sorted = voids;
  std::sort(sorted.begin(), sorted.end(),
            [](const VoidedRange& a, const VoidedRange& b) { return a.first_serial < b.first_serial; });
  return sorted;
}

}  // namespace

std::uint64_t CardBatchState::voided_count() const {
  std::uint64_t count = 0, covered_through = 0;  // serials start at 1
  for (const VoidedRange& range : sorted_voids(voids)) {
    const std::uint64_t from = std::max(range.first_serial, covered_through + 1);
    if (range.last_serial >= from) count += range.last_serial - from + 1;
    covered_through = std::max(covered_through, range.last_serial);
  }
  return count;
}

bool CardBatchState::all_voided(std::uint64_t first_serial, std::uint64_t last_serial) const {
  std::uint64_t next = first_serial;  // the first serial not yet known to be covered
  for (const VoidedRange& range : sorted_voids(voids)) {
    if (range.first_serial > next) break;
    if (range.last_serial >= next) next = range.last_serial + 1;
    if (next > last_serial) return true;
  }
  return next > last_serial;
}

std::size_t CardFailures::count_since(std::int64_t from_us) const {
  return static_cast<std::size_t>(
      std::count_if(times_us.begin(), times_us.end(), [from_us](std::int64_t t) { return t >= from_us; }));
}

std::int64_t CardFailures::unlocks_at(std::size_t n, std::int64_t window_us) const {
  if (n == 0 || times_us.size() < n) return 0;
  return times_us[times_us.size() - n] + window_us;
}

void CardFailures::add(std::int64_t time_us) {
  if (times_us.size() == limits::card_failures_kept) times_us.erase(times_us.begin());
  times_us.push_back(time_us);
}

bool card_failure_counts(const CardRedemptionFailed& failed) { return failed.reason != "card_locked"; }

std::string card_batch_id(std::uint64_t n) {
  char id[32];
  std::snprintf(id, sizeof id, "B%06llu", static_cast<unsigned long long>(n));
  return id;
}

const char* card_event_problem(const Cards& cards, const Agents& agents, const Event& event) {
  if (const auto* issued = std::get_if<CardBatchIssued>(&event.payload)) {
    if (!event.postings.empty()) return "a card batch moves no money until its cards are used";
    if (issued->batch != card_batch_id(cards.card_batches_issued() + 1)) return "card batches are numbered in order";
    if (issued->first_serial != cards.next_card_serial()) return "a card batch does not start at the next serial";
    if (issued->count == 0 || issued->count > limits::card_batch_count_max) return "a card batch of a size out of range";
    if (issued->first_serial + issued->count - 1 > card_serial_max) return "a card batch past the last serial";
    if (issued->face_units <= 0 || issued->face_units > limits::amount_units_max) return "a card's face value out of range";
    if (issued->kind == CardKind::recharge && !issued->rate_plan.empty()) return "recharge vouchers open no account";
    if (issued->key_id.empty()) return "a card batch without its PIN key";
    if (!agents.find_agent(issued->agent)) return "a card batch for an agent that does not exist";
    return nullptr;
  }
  if (const auto* voided = std::get_if<CardsVoided>(&event.payload)) {
    if (!event.postings.empty()) return "voiding cards moves no money";
    const CardBatchState* batch = cards.find_card_batch(voided->batch);
    if (!batch) return "cards voided in a batch that does not exist";
    if (voided->first_serial > voided->last_serial || !batch->contains(voided->first_serial) ||
        !batch->contains(voided->last_serial))
      return "a void range outside its batch";
    return nullptr;
  }
  if (const auto* redeemed = std::get_if<CardRedeemed>(&event.payload)) {
    const CardBatchState* batch = cards.card_batch_of_serial(redeemed->serial);
    if (!batch || batch->issued.batch != redeemed->batch) return "a card used that its batch does not hold";
    if (batch->issued.kind != redeemed->kind || batch->issued.face_units != redeemed->face_units)
      return "a card used as another kind or for another value than its batch's";
    if (cards.find_card_use(redeemed->serial)) return "a card used twice";
    if (batch->void_of(redeemed->serial)) return "a voided card used";
    if (batch->expired_at(event.ledger_time_us)) return "an expired card used";
    // The postings (external cash -> the wallet, the face value) are Balances' to check.
    return nullptr;
  }
  if (const auto* failed = std::get_if<CardRedemptionFailed>(&event.payload)) {
    if (!event.postings.empty()) return "a failed card attempt moves no money";
    if (failed->reason != "card_not_found" && failed->reason != "card_pin_invalid" && failed->reason != "card_locked")
      return "a failed card attempt with an unknown reason";
    if (failed->serial != 0 && !cards.card_batch_of_serial(failed->serial)) return "a failed attempt names a card never issued";
    return nullptr;
  }
  return nullptr;
}

const char* Cards::problem(const Event& event, const Agents& agents) const {
  return card_event_problem(*this, agents, event);
}

void Cards::apply(std::uint64_t sequence, const Event& event, const Agents& agents) {
  const char* why = problem(event, agents);
  HUAWU_ASSERT(why == nullptr, why);
  if (const auto* issued = std::get_if<CardBatchIssued>(&event.payload)) {
    by_first_serial_.emplace(issued->first_serial, issued->batch);
    batches_.emplace(issued->batch, CardBatchState{*issued, sequence, event.ledger_time_us, {}, 0});
    next_serial_ = issued->first_serial + issued->count;
  } else if (const auto* voided = std::get_if<CardsVoided>(&event.payload)) {
    batches_.find(voided->batch)->second.voids.push_back(
        VoidedRange{voided->first_serial, voided->last_serial, sequence});
  } else if (const auto* redeemed = std::get_if<CardRedeemed>(&event.payload)) {
    uses_.emplace(redeemed->serial, CardUse{redeemed->account, sequence, event.ledger_time_us});
    ++batches_.find(redeemed->batch)->second.used;
  } else if (const auto* failed = std::get_if<CardRedemptionFailed>(&event.payload)) {
    if (!card_failure_counts(*failed)) return;
    if (failed->serial != 0) card_failures_[failed->serial].add(event.ledger_time_us);
    if (!failed->account.empty()) {
      auto it = account_failures_.find(failed->account);
      if (it == account_failures_.end()) it = account_failures_.emplace(failed->account, CardFailures{}).first;
      it->second.add(event.ledger_time_us);
    }
  }
}

const CardBatchState* Cards::find_card_batch(std::string_view batch) const {
  auto it = batches_.find(batch);
  return it == batches_.end() ? nullptr : &it->second;
}

const CardBatchState* Cards::card_batch_of_serial(std::uint64_t serial) const {
  auto it = by_first_serial_.upper_bound(serial);
  if (it == by_first_serial_.begin()) return nullptr;
  const CardBatchState& batch = batches_.at(std::prev(it)->second);
  return batch.contains(serial) ? &batch : nullptr;
}

const CardUse* Cards::find_card_use(std::uint64_t serial) const {
  auto it = uses_.find(serial);
  return it == uses_.end() ? nullptr : &it->second;
}

const CardFailures* Cards::card_failures(std::uint64_t serial) const {
  auto it = card_failures_.find(serial);
  return it == card_failures_.end() ? nullptr : &it->second;
}

const CardFailures* Cards::account_card_failures(std::string_view account) const {
  auto it = account_failures_.find(account);
  return it == account_failures_.end() ? nullptr : &it->second;
}

AccountCardCounts Cards::account_cards_of(std::string_view agent) const {
  AccountCardCounts counts;
  for (const auto& [id, batch] : batches_) {
    if (batch.issued.kind != CardKind::account || batch.issued.agent != agent) continue;
    counts.generated += batch.issued.count;
    counts.activated += batch.used;
    counts.voided += batch.voided_count();
  }
  return counts;
}

bool Cards::check_invariants(std::string* why) const {
  std::map<std::string, std::uint64_t, std::less<>> used_by_batch;
  for (const auto& [serial, use] : uses_) {
    const CardBatchState* batch = card_batch_of_serial(serial);
    if (!batch) {
      *why = "card serial " + std::to_string(serial) + " was used but no batch holds it";
      return false;
    }
    const VoidedRange* voided = batch->void_of(serial);
    if (voided && voided->sequence < use.sequence) {
      *why = "card serial " + std::to_string(serial) + " was used after it was voided";
      return false;
    }
    ++used_by_batch[batch->issued.batch];
  }
  std::uint64_t expected_next = 1;
  for (const auto& [first, id] : by_first_serial_) {
    const CardBatchState& batch = batches_.at(id);
    if (first != expected_next) {
      *why = "card batch " + id + " does not follow the one before it";
      return false;
    }
    expected_next = batch.last_serial() + 1;
    auto it = used_by_batch.find(id);
    if ((it == used_by_batch.end() ? 0 : it->second) != batch.used) {
      *why = "card batch " + id + " counts " + std::to_string(batch.used) + " cards used, its cards say otherwise";
      return false;
    }
  }
  if (expected_next != next_serial_) {
    *why = "the next card serial does not follow the last batch";
    return false;
  }
  return true;
}

namespace {

void write_failures(ByteWriter& w, const CardFailures& failures) {
  w.u64(failures.times_us.size());
  for (std::int64_t t : failures.times_us) w.i64(t);
}

bool read_failures(ByteReader& r, CardFailures& failures) {
  const std::uint64_t n = r.u64();
  if (n > limits::card_failures_kept) return false;
  failures.times_us.resize(n);
  for (auto& t : failures.times_us) t = r.i64();
  return true;
}

template <class Map>
std::vector<typename Map::const_pointer> sorted_entries(const Map& map) {
  std::vector<typename Map::const_pointer> entries;
  entries.reserve(map.size());
  for (const auto& entry : map) entries.push_back(&entry);
  std::sort(entries.begin(), entries.end(), [](auto a, auto b) { return a->first < b->first; });
  return entries;
}

}  // namespace

void Cards::serialize(std::string& out) const {
  ByteWriter w;
  w.u64(next_serial_);
  w.u64(batches_.size());
  for (const auto& [id, batch] : batches_) {
    const CardBatchIssued& b = batch.issued;
    w.str(b.batch);
    w.str(b.agent);
    w.u8(static_cast<std::uint8_t>(b.kind));
    w.u64(b.count);
    w.u64(b.first_serial);
    w.i64(b.face_units);
    w.str(b.rate_plan);
    w.i64(b.expires_at_us);
    w.str(b.key_id);
    w.u64(batch.issued_sequence);
    w.i64(batch.issued_time_us);
    w.u64(batch.used);
    w.u64(batch.voids.size());
    for (const VoidedRange& range : batch.voids) {
      w.u64(range.first_serial);
      w.u64(range.last_serial);
      w.u64(range.sequence);
    }
  }
  w.u64(uses_.size());
  for (const auto* entry : sorted_entries(uses_)) {
    w.u64(entry->first);
    w.str(entry->second.account);
    w.u64(entry->second.sequence);
    w.i64(entry->second.time_us);
  }
  w.u64(card_failures_.size());
  for (const auto* entry : sorted_entries(card_failures_)) {
    w.u64(entry->first);
    write_failures(w, entry->second);
  }
  w.u64(account_failures_.size());
  for (const auto* entry : sorted_entries(account_failures_)) {
    w.str(entry->first);
    write_failures(w, entry->second);
  }
  out += w.bytes();
}

bool Cards::deserialize(std::string_view bytes, std::string* why) {
  *this = Cards{};
  ByteReader r(bytes);
  next_serial_ = r.u64();
  const std::uint64_t batches = r.u64();
  for (std::uint64_t i = 0; i < batches && !r.failed(); ++i) {
    CardBatchState batch;
    CardBatchIssued& b = batch.issued;
    b.batch = r.str();
    b.agent = r.str();
    const std::uint8_t kind = r.u8();
    b.count = r.u64();
    b.first_serial = r.u64();
    b.face_units = r.i64();
    b.rate_plan = r.str();
    b.expires_at_us = r.i64();
    b.key_id = r.str();
    batch.issued_sequence = r.u64();
    batch.issued_time_us = r.i64();
    batch.used = r.u64();
    const std::uint64_t voids = r.u64();
    for (std::uint64_t k = 0; k < voids && !r.failed(); ++k) {
      VoidedRange range;
      range.first_serial = r.u64();
      range.last_serial = r.u64();
      range.sequence = r.u64();
      batch.voids.push_back(range);
    }
    if (kind > static_cast<std::uint8_t>(CardKind::recharge)) {
      *why = "snapshot: unknown card kind";
      return false;
    }
    b.kind = static_cast<CardKind>(kind);
    by_first_serial_.emplace(b.first_serial, b.batch);
    batches_.emplace(b.batch, std::move(batch));
  }
  const std::uint64_t uses = r.u64();
  for (std::uint64_t i = 0; i < uses && !r.failed(); ++i) {
    const std::uint64_t serial = r.u64();
    CardUse use;
    use.account = r.str();
    use.sequence = r.u64();
    use.time_us = r.i64();
    uses_.emplace(serial, std::move(use));
  }
  bool failures_ok = true;
  const std::uint64_t card_failures = r.u64();
  for (std::uint64_t i = 0; i < card_failures && !r.failed() && failures_ok; ++i) {
    const std::uint64_t serial = r.u64();
    failures_ok = read_failures(r, card_failures_[serial]);
  }
  const std::uint64_t account_failures = r.u64();
  for (std::uint64_t i = 0; i < account_failures && !r.failed() && failures_ok; ++i) {
    std::string account = r.str();
    failures_ok = read_failures(r, account_failures_[account]);
  }
  if (r.failed() || !r.at_end() || !failures_ok) {
    *why = "snapshot: cards section truncated or malformed";
    return false;
  }
  return true;
}

}  // namespace huawu
