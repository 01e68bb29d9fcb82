#include "ledger/audit.h"

#include <chrono>

#include "events/codec.h"
#include "events/hash.h"

namespace huawu {

AuditReport audit_verify(const Store& store, const LedgerState* live) {
  AuditReport report;
  const auto started = std::chrono::steady_clock::now();
  auto fail = [&](std::uint64_t sequence, std::string problem) {
    report.first_bad_sequence = sequence;
    report.problem = std::move(problem);
  };

  std::optional<std::string> checkpoint = store.get_snapshot("state");
  if (checkpoint) {
    LedgerState parsed;
    std::string why;
    if (parsed.deserialize(*checkpoint, &why)) report.checkpoint_sequence = parsed.applied_through();
    else fail(0, "checkpoint unreadable: " + why);
  }

  LedgerState rebuilt;
  Hash prev_hash{};
  std::uint64_t expected = 1;
  if (report.problem.empty()) {
    store.scan_events(1, [&](std::uint64_t sequence, std::string_view bytes) {
      std::string why;
      auto record = decode_stored(bytes, &why);
      if (!record) return fail(expected, why), false;
      if (sequence != expected || record->sequence != sequence)
        return fail(expected, "sequence " + std::to_string(record->sequence) + " stored under key " +
                                  std::to_string(sequence)),
               false;
      if (record->prev_hash != prev_hash)
        return fail(sequence, "previous hash does not match the event before"), false;
      if (chain_hash(prev_hash, sequence, record->event_bytes) != record->hash)
        return fail(sequence, "hash mismatch: stored event was altered"), false;
      auto event = decode_event(record->event_bytes, &why);
      if (!event) return fail(sequence, why), false;
      rebuilt.apply(sequence, *event);
      prev_hash = record->hash;
      ++expected;
      if (sequence == report.checkpoint_sequence) {
        report.checkpoint_matches = rebuilt.serialize() == *checkpoint;
        if (!report.checkpoint_matches)
          return fail(sequence, "checkpoint differs from the state rebuilt from the log"), false;
      }
      return true;
    });
  }
  report.events = expected - 1;

  if (report.problem.empty()) {
    if (report.events != store.head_sequence() || prev_hash != store.head_hash())
      fail(expected, "log ends at " + std::to_string(report.events) + " but the head says " +
                         std::to_string(store.head_sequence()));
  }
  if (report.problem.empty() && report.checkpoint_sequence > report.events)
    fail(report.checkpoint_sequence, "checkpoint is ahead of the log");
  std::string why;
  if (report.problem.empty() && !rebuilt.check_invariants(&why)) fail(report.events, why);
  if (report.problem.empty() && live) {
    report.live_compared = true;
    if (live->serialize() != rebuilt.serialize())
      fail(live->applied_through(), "live state differs from the state rebuilt from the log");
  }
  report.ok = report.problem.empty();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace huawu
