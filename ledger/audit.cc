#include "ledger/audit.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "events/codec.h"
#include "events/hash.h"

namespace huawu {

namespace {

// A finding: the first sequence at which the log is not what it should be.
struct Finding {
  std::uint64_t sequence = 0;
  std::string problem;
  bool found() const { return !problem.empty(); }
};

struct VerifiedEvent {
  std::uint64_t sequence;
  std::string event_bytes;  // hash already checked
};

// Chunks of verified events from the chain checker to the rebuilder. Bounded,
// so memory stays flat however long the log is.
class Channel {
 public:
  static constexpr std::size_t chunk_events = 1024;
  static constexpr std::size_t chunks_max = 16;

  // Blocks while full. Returns false once the consumer has stopped.
  bool push(std::vector<VerifiedEvent>&& chunk) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return stopped_ || chunks_.size() < chunks_max; });
    if (stopped_) return false;
    chunks_.push_back(std::move(chunk));
    changed_.notify_all();
    return true;
  }
  // Blocks while empty. Returns false at the end of the stream.
  bool pop(std::vector<VerifiedEvent>& chunk) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return closed_ || !chunks_.empty(); });
    if (chunks_.empty()) return false;
    chunk = std::move(chunks_.front());
    chunks_.pop_front();
    changed_.notify_all();
    return true;
  }
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }
  void stop() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::vector<VerifiedEvent>> chunks_;  // guarded by mutex_
  bool closed_ = false;                            // guarded by mutex_
  bool stopped_ = false;                           // guarded by mutex_
};

// Stage 1: keys, sequences, links and hashes, in log order. Returns the
// number of events verified and the last hash.
// `through`: the last sequence to check. An event past it is a finding (it
// is past the head), unless the log is growing (`growing`): then it is
// simply not this audit's.
std::uint64_t check_chain(const Store& store, std::uint64_t through, bool growing, Channel& channel,
                          Finding& finding, Hash& last_hash) {
  Hash prev_hash{};
  std::uint64_t expected = 1;
  std::vector<VerifiedEvent> chunk;
  chunk.reserve(Channel::chunk_events);
  store.scan_events(1, [&](std::uint64_t sequence, std::string_view bytes) {
    if (growing && sequence > through) return false;
    std::string why;
    auto decoded = decode_stored(bytes, &why);
    if (!decoded) return finding = {expected, why}, false;
    if (sequence != expected || decoded->sequence != sequence) {
      finding = {expected, "sequence " + std::to_string(decoded->sequence) +
                               " stored under key " + std::to_string(sequence)};
      return false;
    }
    if (sequence > through)
      return finding = {sequence, "event past the head " + std::to_string(through)}, false;
    if (decoded->prev_hash != prev_hash)
      return finding = {sequence, "previous hash does not match the event before"}, false;
    if (chain_hash(prev_hash, sequence, decoded->event_bytes) != decoded->hash)
      return finding = {sequence, "hash mismatch: stored event was altered"}, false;
    prev_hash = decoded->hash;
    ++expected;
    chunk.push_back({sequence, std::move(decoded->event_bytes)});
    if (chunk.size() == Channel::chunk_events) {
      if (!channel.push(std::move(chunk))) return false;
      chunk = {};
      chunk.reserve(Channel::chunk_events);
    }
    return true;
  });
  if (!chunk.empty()) channel.push(std::move(chunk));
  channel.close();
  last_hash = prev_hash;
  return expected - 1;
}

}  // namespace

namespace {

// A growing log (a daemon serving it) is audited up to a sequence the live
// state had reached, and compared with that state's bytes.
struct Bound {
  std::uint64_t through = 0;
  std::string_view live_bytes;
};

AuditReport audit(const Store& store, const LedgerState* live, const Bound* bound) {
  AuditReport report;
  const std::uint64_t through = bound ? bound->through : store.head_sequence();
  const auto started = std::chrono::steady_clock::now();
  Finding finding;

  std::optional<std::string> checkpoint = store.get_snapshot("state");
  if (checkpoint) {
    LedgerState parsed;
    std::string why;
    if (parsed.deserialize(*checkpoint, &why)) report.checkpoint_sequence = parsed.applied_through();
    else finding = {0, "checkpoint unreadable: " + why};
    // A checkpoint written after the bound was taken is not this audit's to compare.
    if (bound && report.checkpoint_sequence > through) report.checkpoint_sequence = 0;
  }

  LedgerState rebuilt;
  if (!finding.found()) {
    // Two stages on two threads: the chain check (read, canonical form,
    // hashes) and the rebuild (decode, apply, compare with the checkpoint).
    Channel channel;
    Finding chain_finding;
    Hash last_hash{};
    std::uint64_t chain_events = 0;
    std::exception_ptr chain_error;
    std::thread checker([&] {
      try {
        chain_events = check_chain(store, through, bound != nullptr, channel, chain_finding, last_hash);
      } catch (...) {
        chain_error = std::current_exception();  // rethrown on the caller's thread
        channel.close();
      }
    });
    std::vector<VerifiedEvent> chunk;
    while (!finding.found() && channel.pop(chunk)) {
      for (VerifiedEvent& verified : chunk) {
        std::string why;
        auto event = decode_event(verified.event_bytes, &why);
        if (!event) {
          finding = {verified.sequence, why};
          break;
        }
        if (std::string problem = rebuilt.problem(verified.sequence, *event); !problem.empty()) {
          finding = {verified.sequence, "event cannot be applied: " + problem};
          break;
        }
        rebuilt.apply(verified.sequence, *event);
        if (verified.sequence == report.checkpoint_sequence && rebuilt.serialize() != *checkpoint) {
          finding = {verified.sequence, "checkpoint differs from the state rebuilt from the log"};
          break;
        }
      }
    }
    channel.stop();
    checker.join();
    if (chain_error) std::rethrow_exception(chain_error);
    // Both stages go in log order, so the lower sequence is the first finding.
    if (chain_finding.found() && (!finding.found() || chain_finding.sequence < finding.sequence))
      finding = chain_finding;
    report.events = finding.found() ? finding.sequence - 1 : chain_events;
    if (!finding.found()) {
      report.checkpoint_matches = report.checkpoint_sequence != 0;
      if (chain_events != through || (!bound && last_hash != store.head_hash()))
        finding = {chain_events + 1, "log ends at " + std::to_string(chain_events) +
                                         " but the head says " +
                                         std::to_string(store.head_sequence())};
    }
  }
  if (!finding.found() && report.checkpoint_sequence > report.events)
    finding = {report.checkpoint_sequence, "checkpoint is ahead of the log"};
  std::string why;
  if (!finding.found() && !rebuilt.check_invariants(&why)) finding = {report.events, why};
  if (!finding.found() && (live || bound)) {
    report.live_compared = true;
    const std::string live_bytes = live ? live->serialize() : std::string(bound->live_bytes);
    if (live_bytes != rebuilt.serialize())
      finding = {through, "live state differs from the state rebuilt from the log"};
  }
  report.first_bad_sequence = finding.sequence;
  report.problem = finding.problem;
  report.ok = !finding.found();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace

AuditReport audit_verify(const Store& store, const LedgerState* live) {
  return audit(store, live, nullptr);
}

AuditReport audit_verify_through(const Store& store, std::uint64_t through,
                                 std::string_view live_state_bytes) {
  const Bound bound{through, live_state_bytes};
  return audit(store, nullptr, &bound);
}

}  // namespace huawu
