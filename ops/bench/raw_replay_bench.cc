// huawu_raw_replay_bench: the ceiling for the calls ingest benchmark
// (ops/bench/calls.sh). Reads what the ledger wrote for a range of sequences
// -- every event record with its exact key and bytes, the idempotency record
// of each request, the `calls` record of each billed call, the head -- and
// writes exactly those keys and bytes again, in the same group commits, with
// sync=true, into a fresh RocksDB opened with the store's options. Nothing
// else: no decoding on the write path, no decide, no hashing, no sockets.
//
// Group commits are recovered from the log: the writer stamps one ledger time
// per batch and ledger time never goes backwards, so consecutive events with
// equal ledger time are one batch (two batches that fell in the same
// microsecond merge into one, which only makes the raw side faster).
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "events/codec.h"
#include "ledger/store.h"
#include "ops/bench/cpu_time.h"

namespace {

struct Record {
  int family;  // index into Store::column_family_names()
  std::string key;
  std::string value;
};

struct Batch {
  std::vector<Record> records;
  std::uint64_t last_sequence = 0;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"raw RocksDB rate for exactly the records a huawu store holds"};
  std::string store_path, data_dir, results_path;
  std::uint64_t from = 1, through = UINT64_MAX;
  app.add_option("--replay-from", store_path, "huawu store to read (no daemon may hold it)")->required();
  app.add_option("--from-sequence", from, "first sequence to replay");
  app.add_option("--through-sequence", through, "last sequence to replay (default: the head)");
  app.add_option("--data", data_dir, "fresh database directory (must not exist)")->required();
  app.add_option("--results", results_path, "write name=value results here");
  CLI11_PARSE(app, argc, argv);

  // Load everything first: only the writes are timed.
  std::vector<Batch> batches;
  std::uint64_t events = 0, billed_calls = 0;
  std::size_t bytes = 0;
  {
    std::string why;
    auto store = huawu::Store::open(store_path, &why);
    if (!store) {
      std::fprintf(stderr, "raw_replay_bench: %s\n", why.c_str());
      return 1;
    }
    const auto& names = huawu::Store::column_family_names();
    auto family = [&](const char* name) {
      return static_cast<int>(std::find(names.begin(), names.end(), name) - names.begin());
    };
    const int events_cf = family("events"), idempotency_cf = family("idempotency"), calls_cf = family("calls");
    std::int64_t batch_time_us = -1;
    std::string last_key;
    store->scan_events(from, [&](std::uint64_t sequence, std::string_view stored_bytes) {
      if (sequence > through) return false;
      auto stored = huawu::decode_stored_event(stored_bytes, &why);
      if (!stored) throw std::runtime_error("event " + std::to_string(sequence) + ": " + why);
      const huawu::Event& event = stored->event;
      if (event.ledger_time_us != batch_time_us) {
        batches.emplace_back();
        batch_time_us = event.ledger_time_us;
        last_key.clear();
      }
      Batch& batch = batches.back();
      batch.records.push_back({events_cf, huawu::sequence_key(sequence), std::string(stored_bytes)});
      // One idempotency record per request (a request's events are consecutive).
      if (event.idempotency_key != last_key) {
        auto record = store->get_idempotency(event.idempotency_key);
        if (!record) throw std::runtime_error("no idempotency record for " + event.idempotency_key);
        batch.records.push_back({idempotency_cf, event.idempotency_key, *record});
        last_key = event.idempotency_key;
      }
      if (const auto* settled = std::get_if<huawu::CallSettled>(&event.payload)) {
        batch.records.push_back({calls_cf, huawu::call_key(settled->switch_id, settled->call_id),
                                 huawu::sequence_key(sequence)});
        ++billed_calls;
      }
      batch.last_sequence = sequence;
      ++events;
      return true;
    });
    for (const Batch& batch : batches)
      for (const Record& record : batch.records) bytes += record.key.size() + record.value.size();
  }
  if (batches.empty()) {
    std::fprintf(stderr, "raw_replay_bench: no events from sequence %" PRIu64 "\n", from);
    return 1;
  }

  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : huawu::Store::column_family_names())
    families.emplace_back(name, huawu::Store::family_options(name));
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(huawu::Store::db_options(true), data_dir, families, &handles, &raw);
  if (!status.ok()) {
    std::fprintf(stderr, "raw_replay_bench: %s\n", status.ToString().c_str());
    return 1;
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* meta_cf = handles[4];
  rocksdb::WriteOptions write;
  write.sync = true;  // as Store::append: acknowledged means durable
  write.disableWAL = false;

  const double cpu_before = huawu::bench::process_cpu_seconds();
  const auto started = std::chrono::steady_clock::now();
  for (const Batch& batch : batches) {
    rocksdb::WriteBatch write_batch;
    for (const Record& record : batch.records) write_batch.Put(handles[record.family], record.key, record.value);
    // Head: be64(sequence) || 32-byte hash, as Store::append writes it.
    std::string head = huawu::sequence_key(batch.last_sequence);
    head.append(32, '\x5a');
    write_batch.Put(meta_cf, "head", head);
    status = db->Write(write, &write_batch);
    if (!status.ok()) {
      std::fprintf(stderr, "raw_replay_bench: write failed: %s\n", status.ToString().c_str());
      return 1;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double cpu_seconds = huawu::bench::process_cpu_seconds() - cpu_before;
  for (auto* handle : handles) {
    rocksdb::Status ignored = db->DestroyColumnFamilyHandle(handle);  // frees memory only
    (void)ignored;
  }
  status = db->Close();
  if (!status.ok()) std::fprintf(stderr, "raw_replay_bench: close: %s\n", status.ToString().c_str());

  std::printf("replayed           %12" PRIu64 " events (%" PRIu64 " billed calls) in %zu batches, %.1f MB\n",
              events, billed_calls, batches.size(), static_cast<double>(bytes) / 1e6);
  std::printf("elapsed            %12.2f s\n", seconds);
  std::printf("rate               %12.0f events/s, %.0f billed calls/s\n", static_cast<double>(events) / seconds,
              static_cast<double>(billed_calls) / seconds);
  std::printf("process cpu        %12.2f s\n", cpu_seconds);
  if (!results_path.empty()) {
    std::ofstream out(results_path);
    out << "raw_events=" << events << "\n"
        << "raw_billed_calls=" << billed_calls << "\n"
        << "raw_batches=" << batches.size() << "\n"
        << "raw_seconds=" << seconds << "\n"
        << "raw_calls_per_second=" << static_cast<std::uint64_t>(static_cast<double>(billed_calls) / seconds)
        << "\n";
    if (!out) return 1;
  }
  return 0;
}
