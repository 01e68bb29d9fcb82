// huawu_raw_rocksdb_bench: the ceiling for huawu's append path. Writes the
// same records the ledger writes for a WalletRecharged (8-byte big-endian
// event key + value of the measured size, with --values-from, real values sampled from
// the ledger benchmark's store; the same idempotency key and a value of the
// measured size) plus the head record, in sync=true WriteBatches of the
// measured group-commit size, into a fresh RocksDB opened with the options of
// ledger/store.cc. Nothing else: no decide, no encoding, no hashing.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "ledger/store.h"
#include "ops/bench/cpu_time.h"

namespace {

// The same text as append_bench.cc's recharge_key(): "recharge-" and the
// index zero-padded to fill `key_bytes`.
std::string recharge_key(std::uint64_t index, std::size_t key_bytes) {
  std::string digits = std::to_string(index);
  std::string key = "recharge-";
  if (key.size() + digits.size() < key_bytes)
    key.append(key_bytes - key.size() - digits.size(), '0');
  return key + digits;
}

// Random bytes that values are cut from at shifting offsets: values differ
// from each other as real events do (every one carries two fresh hashes).
class ValueSource {
 public:
  explicit ValueSource(std::size_t value_bytes_max) : pool_(pool_bytes + value_bytes_max) {
    std::mt19937_64 random(20241124);
    for (char& c : pool_) c = static_cast<char>(random());
  }
  rocksdb::Slice value(std::uint64_t index, std::size_t bytes) const {
    return {pool_.data() + (index * 97) % pool_bytes, bytes};
  }

 private:
  static constexpr std::size_t pool_bytes = 1 << 20;
  std::vector<char> pool_;
};

// Real event values sampled from a huawu store (the one the ledger benchmark
// just wrote), so RocksDB's block compression and compaction see bytes that
// compress like the ledger's do. Random bytes would not compress at all.
class SampledEvents {
 public:
  static constexpr std::size_t sample_events_max = 16'384;

  SampledEvents(const std::string& store_path, std::uint64_t from, std::size_t value_bytes) {
    std::string why;
    auto store = huawu::Store::open(store_path, &why);
    if (!store) throw std::runtime_error(why);
    store->scan_events(from, [&](std::uint64_t, std::string_view bytes) {
      if (bytes.size() == value_bytes) values_.emplace_back(bytes);
      return values_.size() < sample_events_max;
    });
    if (values_.empty())
      throw std::runtime_error("no event of the requested size in " + store_path);
  }
  rocksdb::Slice value(std::uint64_t index) const {
    const std::string& v = values_[index % values_.size()];
    return {v.data(), v.size()};
  }
  std::size_t size() const { return values_.size(); }

 private:
  std::vector<std::string> values_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"raw RocksDB append rate with huawu's record sizes and batch size"};
  std::string data_dir, results_path;
  std::uint64_t events = 2'000'000, first_sequence = 1;
  double batch_events_mean = 1;
  std::size_t event_value_bytes = 0, key_bytes = 0, idempotency_value_bytes = 0;
  app.add_option("--data", data_dir, "fresh database directory (must not exist)")->required();
  app.add_option("--events", events, "events to write")->check(CLI::Range(1, 100'000'000));
  app.add_option("--batch-events", batch_events_mean, "events per WriteBatch (mean; rounded)")
      ->required()
      ->check(CLI::Range(1.0, 1e6));
  app.add_option("--event-value-bytes", event_value_bytes, "bytes per event value")
      ->required()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--idempotency-key-bytes", key_bytes, "bytes per idempotency key")
      ->required()
      ->check(CLI::Range(1, 128));
  app.add_option("--idempotency-value-bytes", idempotency_value_bytes,
                 "bytes per idempotency value")
      ->required()
      ->check(CLI::Range(1, 1024));
  app.add_option("--first-sequence", first_sequence, "sequence of the first event written");
  std::string values_from;
  app.add_option("--values-from", values_from,
                 "huawu store to sample event values from (from --first-sequence on); "
                 "random bytes when not given");
  app.add_option("--results", results_path, "write name=value results here (for append.sh)");
  CLI11_PARSE(app, argc, argv);

  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : huawu::Store::column_family_names())
    families.emplace_back(name, huawu::Store::family_options(name));
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(huawu::Store::db_options(true), data_dir, families, &handles, &raw);
  if (!status.ok()) {
    std::fprintf(stderr, "raw_rocksdb_bench: %s\n", status.ToString().c_str());
    return 1;
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* events_cf = handles[1];
  rocksdb::ColumnFamilyHandle* idempotency_cf = handles[2];
  rocksdb::ColumnFamilyHandle* meta_cf = handles[4];

  const auto batch_events = static_cast<std::uint64_t>(batch_events_mean + 0.5);
  const ValueSource values(std::max(event_value_bytes, idempotency_value_bytes));
  std::unique_ptr<SampledEvents> sampled;
  if (!values_from.empty()) {
    sampled = std::make_unique<SampledEvents>(values_from, first_sequence, event_value_bytes);
    std::printf("event values       %12zu sampled from %s\n", sampled->size(), values_from.c_str());
  }
  rocksdb::WriteOptions write;
  write.sync = true;  // as Store::append: acknowledged means durable
  write.disableWAL = false;
  std::uint64_t batches = 0;

  const double cpu_before = huawu::bench::process_cpu_seconds();
  const auto started = std::chrono::steady_clock::now();
  for (std::uint64_t done = 0; done < events;) {
    const std::uint64_t n = std::min(batch_events, events - done);
    rocksdb::WriteBatch batch;
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint64_t index = done + i;
      batch.Put(events_cf, huawu::sequence_key(first_sequence + index),
                sampled ? sampled->value(index) : values.value(index, event_value_bytes));
    }
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint64_t index = done + i;
      batch.Put(idempotency_cf, recharge_key(index, key_bytes),
                values.value(index * 3 + 1, idempotency_value_bytes));
    }
    // Head: be64(sequence) || 32-byte hash, as Store::append writes it.
    std::string head = huawu::sequence_key(first_sequence + done + n - 1);
    head.append(values.value(done, 32).ToStringView());
    batch.Put(meta_cf, "head", head);
    status = db->Write(write, &batch);
    if (!status.ok()) {
      std::fprintf(stderr, "raw_rocksdb_bench: write failed: %s\n", status.ToString().c_str());
      return 1;
    }
    done += n;
    ++batches;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double cpu_seconds = huawu::bench::process_cpu_seconds() - cpu_before;

  for (auto* handle : handles) {
    // Freeing a handle only releases memory; nothing to act on.
    rocksdb::Status ignored = db->DestroyColumnFamilyHandle(handle);
    (void)ignored;
  }
  status = db->Close();
  if (!status.ok())
    std::fprintf(stderr, "raw_rocksdb_bench: close: %s\n", status.ToString().c_str());

  const double events_per_second = static_cast<double>(events) / seconds;
  std::printf("raw events         %12" PRIu64 " in %" PRIu64 " batches of %" PRIu64 "\n", events,
              batches, batch_events);
  std::printf("elapsed            %12.2f s\n", seconds);
  std::printf("rate               %12.0f events/s\n", events_per_second);
  std::printf("process cpu        %12.2f s (%.2f us/event, all threads)\n", cpu_seconds,
              cpu_seconds * 1e6 / static_cast<double>(events));
  if (!results_path.empty()) {
    std::ofstream out(results_path);
    out << "raw_events=" << events << "\n"
        << "raw_seconds=" << seconds << "\n"
        << "raw_events_per_second=" << static_cast<std::uint64_t>(events_per_second) << "\n"
        << "raw_process_cpu_seconds=" << cpu_seconds << "\n";
    if (!out) return 1;
  }
  return 0;
}
