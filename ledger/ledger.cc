#include "ledger/ledger.h"

#include <spdlog/spdlog.h>

#include "events/codec.h"
#include "events/hash.h"
#include "events/invariant.h"

namespace huawu {

bool replay_into(const Store& store, LedgerState& state, std::string* why, std::uint64_t through) {
  std::uint64_t expected = state.applied_through() + 1;
  Hash prev_hash{};
  if (state.applied_through() > 0) {
    auto bytes = store.get_event(state.applied_through());
    auto record = bytes ? decode_stored(*bytes, why) : std::nullopt;
    if (!record) {
      *why = "checkpoint names event " + std::to_string(state.applied_through()) +
             " which is missing or unreadable";
      return false;
    }
    prev_hash = record->hash;
  }
  bool ok = true;
  store.scan_events(expected, [&](std::uint64_t sequence, std::string_view bytes) {
    if (sequence > through) return false;
    std::string reason;
    auto record = decode_stored(bytes, &reason);
    if (record && (record->sequence != sequence || sequence != expected)) reason = "out of sequence";
    else if (record && record->prev_hash != prev_hash) reason = "does not link to the event before";
    else if (record && chain_hash(prev_hash, sequence, record->event_bytes) != record->hash)
      reason = "hash mismatch";
    if (reason.empty() && sequence > store.head_sequence()) reason = "event past the head";
    std::optional<Event> event;
    if (reason.empty()) event = decode_event(record->event_bytes, &reason);
    if (event) reason = state.problem(sequence, *event);
    if (!reason.empty()) {
      *why = "event " + std::to_string(expected) + " cannot be applied: " + reason;
      ok = false;
      return false;
    }
    state.apply(sequence, *event);
    prev_hash = record->hash;
    ++expected;
    return true;
  });
  if (ok && through != UINT64_MAX && state.applied_through() != through) {
    *why = "log ends at " + std::to_string(state.applied_through()) + " before sequence " + std::to_string(through);
    ok = false;
  } else if (ok && through == UINT64_MAX && state.applied_through() != store.head_sequence()) {
    *why = "log ends at " + std::to_string(state.applied_through()) + " but head says " +
           std::to_string(store.head_sequence());
    ok = false;
  }
  return ok;
}

namespace {

// The data directory's card PIN key, unless the options bring one (tests).
bool with_card_key(const std::string& path, WriterOptions& options, std::string* why) {
  if (options.card_key) return true;
  auto key = load_or_create_card_key(path, why);
  if (!key) return false;
  options.card_key = std::make_shared<const CardKey>(std::move(*key));
  return true;
}

}  // namespace

std::unique_ptr<Ledger> Ledger::create(const std::string& path, const CreateLedger& identity,
                                       const std::string& actor, Clock& clock, std::string* why,
                                       WriterOptions options) {
  auto ledger = std::unique_ptr<Ledger>(new Ledger());
  ledger->store_ = Store::create(path, why);
  if (!ledger->store_ || !with_card_key(path, options, why)) return nullptr;
  ledger->writer_ = std::make_unique<Writer>(*ledger->store_, ledger->state_, clock, options);
  Request request{identity, "ledger-created", actor, 0};
  Outcome outcome = ledger->writer_->submit_and_wait(std::move(request));
  if (outcome.rejection != Rejection::none) {
    *why = "cannot create ledger: " + std::string(rejection_name(outcome.rejection));
    return nullptr;
  }
  return ledger;
}

std::unique_ptr<Ledger> Ledger::open(const std::string& path, Clock& clock, std::string* why,
                                     WriterOptions options) {
  auto ledger = std::unique_ptr<Ledger>(new Ledger());
  ledger->store_ = Store::open(path, why);
  if (!ledger->store_ || !with_card_key(path, options, why) || !recover_state(*ledger->store_, ledger->state_, why))
    return nullptr;
  ledger->writer_ = std::make_unique<Writer>(*ledger->store_, ledger->state_, clock, options);
  return ledger;
}

bool recover_state(const Store& store, LedgerState& state, std::string* why) {
  state = LedgerState{};
  if (auto snapshot = store.get_snapshot("state")) {
    std::string reason;
    if (state.deserialize(*snapshot, &reason) && state.applied_through() <= store.head_sequence() &&
        replay_into(store, state, &reason) && state.check_invariants(&reason)) {
      return true;
    }
    // A checkpoint is only a shortcut: when it is unusable or does not fit
    // the log, rebuild from sequence 1 (and audit verify will say why).
    spdlog::warn("huawu: ignoring checkpoint ({}); rebuilding from sequence 1",
                 reason.empty() ? "ahead of the log" : reason);
    state = LedgerState{};
  }
  return replay_into(store, state, why) && state.check_invariants(why);
}

void Ledger::close() {
  if (writer_) writer_->close();
}

Ledger::~Ledger() { close(); }

}  // namespace huawu
