#include "ledger/writer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <unordered_map>

#include "events/codec.h"
#include "events/hash.h"
#include "events/invariant.h"
#include "ledger/batch_view.h"
#include "ledger/decide.h"
#include "ledger/idempotency.h"

namespace huawu {

namespace {

Outcome rejected(Rejection rejection) {
  Outcome outcome;
  outcome.rejection = rejection;
  return outcome;
}

// Reads back the events an earlier request appended, for its retry's reply.
std::vector<Event> read_events(const Store& store, const IdempotencyRecord& record) {
  std::vector<Event> events;
  for (std::uint64_t i = 0; i < record.event_count; ++i) {
    const std::uint64_t sequence = record.first_sequence + i;
    auto bytes = store.get_event(sequence);
    std::string why;
    auto stored = bytes ? decode_stored_event(*bytes, &why) : std::nullopt;
    if (!stored) throw StorageError("event " + std::to_string(sequence) + " unreadable: " + why);
    events.push_back(std::move(stored->event));
  }
  return events;
}

}  // namespace

Writer::Writer(Store& store, LedgerState& state, Clock& clock, WriterOptions options)
    : store_(store), state_(state), clock_(clock), options_(options) {
  HUAWU_ASSERT(options_.batch_requests_max > 0 && options_.queue_requests_max > 0, "limits");
  HUAWU_ASSERT(state_.applied_through() == store_.head_sequence(), "state is current with the log");
  last_checkpoint_sequence_ = state_.applied_through();
  thread_ = std::thread([this] { run(); });
}

Writer::~Writer() { close(); }

void Writer::submit(Request request, Completion completion) {
  {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return closing_ || queue_.size() < options_.queue_requests_max; });
    if (!closing_) {
      queue_.push_back(Pending{std::move(request), std::move(completion)});
      lock.unlock();
      not_empty_.notify_one();
      return;
    }
  }
  completion(rejected(Rejection::writer_stopped));
}

Outcome Writer::submit_and_wait(Request request) {
  std::promise<Outcome> promise;
  auto future = promise.get_future();
  submit(std::move(request), [&promise](Outcome&& outcome) { promise.set_value(std::move(outcome)); });
  return future.get();
}

void Writer::close() {
  {
    std::lock_guard lock(mutex_);
    if (closing_ && !thread_.joinable()) return;
    closing_ = true;
  }
  not_empty_.notify_all();
  not_full_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Writer::run() {
  std::vector<Pending> batch;
  batch.reserve(options_.batch_requests_max);
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      not_empty_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) break;  // closing and drained
      const std::size_t n = std::min(queue_.size(), options_.batch_requests_max);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    not_full_.notify_all();
    commit(batch);
    batch.clear();
  }
  if (!failed_ && state_.applied_through() != last_checkpoint_sequence_) checkpoint();
}

void Writer::commit(std::vector<Pending>& batch) {
  if (failed_) {
    for (Pending& p : batch) p.completion(rejected(Rejection::storage_failed));
    return;
  }
  // Stamped once per batch at the ledger's door; never before the last event.
  const std::int64_t ledger_time_us = std::max(clock_.now_us(), state_.last_ledger_time_us());

  BatchView view(state_);
  AppendBatch append;
  std::vector<Outcome> outcomes(batch.size());
  // Keys first used in this batch -> index of the request that used them.
  std::unordered_map<std::string, std::size_t> batch_keys;
  std::unordered_map<std::string, IdempotencyRecord> batch_records;
  std::uint64_t sequence = store_.head_sequence() + 1;
  Hash prev_hash = store_.head_hash();
  std::vector<std::size_t> replay_in_batch(batch.size(), SIZE_MAX);

  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Request& request = batch[i].request;
    Outcome& outcome = outcomes[i];
    const Hash fingerprint = request_fingerprint(request.command);

    std::optional<IdempotencyRecord> earlier;
    if (auto it = batch_records.find(request.idempotency_key); it != batch_records.end()) {
      earlier = it->second;
      replay_in_batch[i] = batch_keys.at(request.idempotency_key);
    } else if (!request.idempotency_key.empty()) {
      if (auto bytes = store_.get_idempotency(request.idempotency_key)) {
        earlier = decode_idempotency(*bytes);
        if (!earlier) throw StorageError("idempotency record unreadable");
      }
    }
    if (earlier) {
      if (earlier->fingerprint != fingerprint) {
        outcome.rejection = Rejection::idempotency_key_reused;
        continue;
      }
      outcome.replayed = true;
      outcome.first_sequence = earlier->first_sequence;
      if (replay_in_batch[i] == SIZE_MAX) outcome.events = read_events(store_, *earlier);
      continue;
    }

    Decision decision = decide(view, request, ledger_time_us);
    if (decision.rejection != Rejection::none) {
      outcome.rejection = decision.rejection;
      continue;
    }
    HUAWU_ASSERT(!decision.events.empty(), "an accepted request appends events");
    const IdempotencyRecord record{sequence, static_cast<std::uint32_t>(decision.events.size()),
                                   fingerprint};
    outcome.first_sequence = sequence;
    for (Event& event : decision.events) {
      StoredRecord stored{sequence, prev_hash, {}, encode_event(event)};
      stored.hash = chain_hash(prev_hash, sequence, stored.event_bytes);
      append.events.push_back({sequence, encode_stored(stored)});
      view.apply(sequence, event);
      prev_hash = stored.hash;
      ++sequence;
    }
    outcome.events = std::move(decision.events);
    append.idempotency.emplace_back(request.idempotency_key, encode_idempotency(record));
    batch_records.emplace(request.idempotency_key, record);
    batch_keys.emplace(request.idempotency_key, i);
  }

  if (!append.events.empty()) {
    append.head_sequence = sequence - 1;
    append.head_hash = prev_hash;
    std::string why;
    if (!store_.append(append, &why)) {
      // Fail-stop: nothing of this batch is acknowledged, nothing later is taken.
      failed_ = true;
      spdlog::critical("huawu: {}; refusing all further writes until restart", why);
      for (Pending& p : batch) p.completion(rejected(Rejection::storage_failed));
      return;
    }
    // Apply is the only mutation of the committed state, in sequence order.
    for (const Outcome& outcome : outcomes) {
      if (outcome.replayed || outcome.rejection != Rejection::none) continue;
      for (std::size_t k = 0; k < outcome.events.size(); ++k)
        state_.apply(outcome.first_sequence + k, outcome.events[k]);
    }
    HUAWU_ASSERT(state_.applied_through() == store_.head_sequence(), "state caught up with the log");
    ++batches_committed_;
  }
  // Retries within the batch copy their original's events before any outcome moves.
  for (std::size_t i = 0; i < batch.size(); ++i)
    if (replay_in_batch[i] != SIZE_MAX) outcomes[i].events = outcomes[replay_in_batch[i]].events;
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i].completion(std::move(outcomes[i]));
  if (state_.applied_through() - last_checkpoint_sequence_ >= options_.checkpoint_interval_events)
    checkpoint();
}

void Writer::checkpoint() {
  std::string why;
  if (!store_.put_snapshot("state", state_.serialize(), &why)) {
    failed_ = true;
    spdlog::critical("huawu: {}; refusing all further writes until restart", why);
    return;
  }
  last_checkpoint_sequence_ = state_.applied_through();
}

}  // namespace huawu
