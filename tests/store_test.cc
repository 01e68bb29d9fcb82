// The event store on its own (ledger/store.h): creating and opening, the
// append contract, the hash chain, and the idempotency and snapshot column
// families (DESIGN.md §4).
#include "ledger/store.h"

#include <openssl/sha.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "events/codec.h"
#include "events/hash.h"
#include "ledger/idempotency.h"
#include "tests/test_support.h"

namespace huawu {
namespace {

using test::TempDir;

Event make_event(std::int64_t ledger_time_us, std::string key, Payload payload,
                 std::vector<Posting> postings = {}) {
  Event event;
  event.ledger_time_us = ledger_time_us;
  event.business_time_us = ledger_time_us;
  event.actor = test::test_actor;
  event.idempotency_key = std::move(key);
  event.postings = std::move(postings);
  event.payload = std::move(payload);
  return event;
}

std::vector<Posting> cash_to_wallet(const std::string& account, std::int64_t units) {
  return {Posting{LedgerAccountKind::external_cash, "", Unit::cny_units, -units},
          Posting{LedgerAccountKind::user_wallet, account, Unit::cny_units, units}};
}

// Builds appends the way the writer does: encode each event, chain its hash
// to the one before, and continue the store's head.
class Chain {
 public:
  explicit Chain(const Store& store)
      : store_(store),
        next_sequence_(store.head_sequence() + 1),
        prev_hash_(store.head_hash()),
        batch_(store.new_batch()) {}

  void add(const Event& event) {
    StoredRecord record{next_sequence_, prev_hash_, {}, encode_event(event)};
    record.hash = chain_hash(prev_hash_, next_sequence_, record.event_bytes);
    batch_.add_event(next_sequence_, record.hash, encode_stored(record));
    prev_hash_ = record.hash;
    ++next_sequence_;
  }
  void remember(std::string key, const IdempotencyRecord& record) {
    batch_.add_idempotency(key, encode_idempotency(record));
  }
  std::uint64_t next_sequence() const { return next_sequence_; }
  bool append_to(Store& store, std::string* why) {
    AppendBatch batch = take();
    return store.append(batch, why);
  }
  AppendBatch take() {
    AppendBatch out = std::move(batch_);
    batch_ = store_.new_batch();
    return out;
  }

 private:
  const Store& store_;
  std::uint64_t next_sequence_;
  Hash prev_hash_;
  AppendBatch batch_;
};

// A small history: the ledger, two accounts, recharges.
std::vector<Event> sample_events() {
  const std::int64_t t = test::start_time_us;
  return {
      make_event(t, "k-created", LedgerCreated{"p", "Provider", "CNY", 480}),
      make_event(t + 1, "k-open-a", AccountOpened{"a", "", 0, {}}),
      make_event(t + 2, "k-open-b", AccountOpened{"b", "plan-1", 7'000, {}},
                 cash_to_wallet("b", 7'000)),
      make_event(t + 3, "k-recharge-a", WalletRecharged{"a", 500, "receipt-1", 500},
                 cash_to_wallet("a", 500)),
      make_event(t + 4, "k-recharge-b", WalletRecharged{"b", 1, "", 7'001}, cash_to_wallet("b", 1)),
  };
}

std::unique_ptr<Store> create_store(const std::string& path) {
  std::string why;
  auto store = Store::create(path, &why);
  INFO(why);
  REQUIRE(store);
  return store;
}

}  // namespace

TEST_CASE("sequence keys are big-endian so byte order equals numeric order", "[store]") {
  const std::vector<std::uint64_t> sequences = {
      0, 1, 2, 255, 256, 65'535, 65'536, 1ull << 32, (1ull << 56) + 1, UINT64_MAX - 1, UINT64_MAX};
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    const std::string key = sequence_key(sequences[i]);
    REQUIRE(key.size() == 8);
    CHECK(sequence_from_key(key) == sequences[i]);
    for (std::size_t j = 0; j < sequences.size(); ++j)
      CHECK((key < sequence_key(sequences[j])) == (sequences[i] < sequences[j]));
  }
  CHECK(sequence_key(0x0102030405060708ull) == std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
}

TEST_CASE("a new store is empty: head 0 with the zero hash, no events", "[store]") {
  TempDir tmp;
  auto store = create_store(tmp.sub("store"));
  CHECK(store->head_sequence() == 0);
  CHECK(store->head_hash() == Hash{});
  CHECK_FALSE(store->failed());
  CHECK_FALSE(store->get_event(1));
  CHECK_FALSE(store->get_snapshot("state"));
  CHECK_FALSE(store->get_idempotency("k"));
  CHECK(test::read_log(*store).empty());
}

TEST_CASE("create refuses a directory that already holds a store", "[store]") {
  TempDir tmp;
  const std::string path = tmp.sub("store");
  {
    auto store = create_store(path);
    Chain chain(*store);
    chain.add(sample_events()[0]);
    std::string why;
    REQUIRE(chain.append_to(*store, &why));

    SECTION("while it is open") {
      std::string refusal;
      CHECK_FALSE(Store::create(path, &refusal));
      CHECK_THAT(refusal, Catch::Contains("already exists"));
    }
  }
  std::string why;
  CHECK_FALSE(Store::create(path, &why));
  CHECK_THAT(why, Catch::Contains("already exists"));
  // The refusal left the existing store as it was.
  auto store = test::open_store(path);
  CHECK(store->head_sequence() == 1);
}

TEST_CASE("open refuses a directory without a store and creates nothing", "[store]") {
  TempDir tmp;
  std::string why;
  SECTION("missing directory") {
    const std::string path = tmp.sub("nothing-here");
    CHECK_FALSE(Store::open(path, &why));
    CHECK_THAT(why, Catch::Contains("no store"));
    CHECK_FALSE(std::filesystem::exists(path));
  }
  SECTION("empty directory") {
    CHECK_FALSE(Store::open(tmp.path(), &why));
    CHECK_THAT(why, Catch::Contains("no store"));
    CHECK(std::filesystem::is_empty(tmp.path()));
  }
}

TEST_CASE("open refuses a store that another Store holds open", "[store]") {
  TempDir tmp;
  const std::string path = tmp.sub("store");
  auto holder = create_store(path);
  std::string why;
  CHECK_FALSE(Store::open(path, &why));
  CHECK_THAT(why, Catch::Contains("in use"));
  holder.reset();
  // Once the holder closes, the store opens again.
  auto store = Store::open(path, &why);
  INFO(why);
  CHECK(store);
}

TEST_CASE("appended events survive a reopen with head sequence, head hash and content", "[store]") {
  TempDir tmp;
  const std::string path = tmp.sub("store");
  const std::vector<Event> events = sample_events();
  Hash head_hash{};
  {
    auto store = create_store(path);
    // Three appends of 1, 3 and 1 events: batches continue one another.
    const std::vector<std::size_t> batch_sizes = {1, 3, 1};
    std::size_t next = 0;
    for (std::size_t size : batch_sizes) {
      Chain chain(*store);
      for (std::size_t i = 0; i < size; ++i) chain.add(events[next++]);
      AppendBatch batch = chain.take();
      std::string why;
      REQUIRE(store->append(batch, &why));
      CHECK(store->head_sequence() == next);
      CHECK(store->head_hash() == batch.head_hash());
      head_hash = batch.head_hash();
    }
  }
  auto store = test::open_store(path);
  CHECK(store->head_sequence() == events.size());
  CHECK(store->head_hash() == head_hash);
  const std::vector<StoredEvent> log = test::read_log(*store);
  REQUIRE(log.size() == events.size());
  for (std::size_t i = 0; i < log.size(); ++i) {
    CHECK(log[i].sequence == i + 1);
    CHECK(log[i].event == events[i]);
    // get_event reads the same bytes the scan does.
    auto bytes = store->get_event(i + 1);
    REQUIRE(bytes);
    std::string why;
    auto single = decode_stored_event(*bytes, &why);
    REQUIRE(single);
    CHECK(single->event == events[i]);
  }
  CHECK(log.back().hash == head_hash);
  CHECK_FALSE(store->get_event(0));
  CHECK_FALSE(store->get_event(events.size() + 1));

  // After the reopen, appends continue the same chain.
  Chain chain(*store);
  chain.add(make_event(test::start_time_us + 10, "k-later", AccountOpened{"c", "", 0, {}}));
  std::string why;
  REQUIRE(chain.append_to(*store, &why));
  CHECK(store->head_sequence() == events.size() + 1);
  CHECK(test::read_log(*store).back().prev_hash == head_hash);
}

TEST_CASE("scan_events starts at the given sequence and stops when told", "[store]") {
  TempDir tmp;
  auto store = create_store(tmp.sub("store"));
  Chain chain(*store);
  for (const Event& event : sample_events()) chain.add(event);
  std::string why;
  REQUIRE(chain.append_to(*store, &why));

  std::vector<std::uint64_t> seen;
  store->scan_events(3, [&](std::uint64_t sequence, std::string_view) {
    seen.push_back(sequence);
    return true;
  });
  CHECK(seen == std::vector<std::uint64_t>{3, 4, 5});

  seen.clear();
  store->scan_events(1, [&](std::uint64_t sequence, std::string_view) {
    seen.push_back(sequence);
    return sequence < 2;
  });
  CHECK(seen == std::vector<std::uint64_t>{1, 2});

  seen.clear();
  store->scan_events(6, [&](std::uint64_t sequence, std::string_view) {
    seen.push_back(sequence);
    return true;
  });
  CHECK(seen.empty());
}

TEST_CASE("the hash chain links every event to the one before", "[store]") {
  TempDir tmp;
  const std::string path = tmp.sub("ledger");
  ManualClock clock(test::start_time_us);
  {
    auto ledger = test::create_ledger(path, clock);
    Writer& writer = ledger->writer();
    REQUIRE(writer.submit_and_wait(test::open_request("o1", "alice", 100)).rejection ==
            Rejection::none);
    REQUIRE(writer.submit_and_wait(test::open_request("o2", "bob")).rejection == Rejection::none);
    const auto outcomes = test::submit_all(
        writer, {test::recharge_request("r1", "alice", 5), test::recharge_request("r2", "bob", 7),
                 test::close_request("c1", "alice", true)});
    for (const Outcome& outcome : outcomes) REQUIRE(outcome.rejection == Rejection::none);
  }
  auto store = test::open_store(path);
  REQUIRE(store->head_sequence() == 6);

  Hash prev_hash{};  // the first event links to the all-zero hash
  std::uint64_t expected = 1;
  store->scan_events(1, [&](std::uint64_t sequence, std::string_view bytes) {
    CHECK(sequence == expected);
    std::string why;
    auto record = decode_stored(bytes, &why);
    INFO(why);
    REQUIRE(record);
    CHECK(record->sequence == sequence);
    CHECK(record->prev_hash == prev_hash);
    CHECK(chain_hash(prev_hash, sequence, record->event_bytes) == record->hash);

    // The documented formula, computed here with OpenSSL's one-shot SHA256
    // (not the project's reused context): SHA-256(prev_hash || be64(sequence) || event bytes).
    std::string input(reinterpret_cast<const char*>(prev_hash.data()), prev_hash.size());
    input += sequence_key(sequence);
    input += record->event_bytes;
    Hash independent{};
    SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), independent.data());
    CHECK(independent == record->hash);

    prev_hash = record->hash;
    ++expected;
    return true;
  });
  CHECK(expected == 7);
  CHECK(prev_hash == store->head_hash());
}

TEST_CASE("idempotency records round trip through the store and a reopen", "[store]") {
  TempDir tmp;
  const std::string path = tmp.sub("store");
  const std::vector<Event> events = sample_events();
  IdempotencyRecord first{1, 1, request_fingerprint(CreateLedger{"p", "Provider"})};
  IdempotencyRecord second{2, 2, request_fingerprint(OpenAccount{"a", "", 0, {}})};
  {
    auto store = create_store(path);
    Chain chain(*store);
    chain.add(events[0]);
    chain.remember("k-created", first);
    chain.add(events[1]);
    chain.add(events[2]);
    chain.remember("key with spaces & symbols/\xe4\xb8\xad", second);
    std::string why;
    REQUIRE(chain.append_to(*store, &why));
    auto record = test::find_idempotency(*store, "k-created");
    REQUIRE(record);
    CHECK(record->first_sequence == 1);
  }
  auto store = test::open_store(path);
  for (const auto& [key, expected] :
       {std::pair{std::string("k-created"), first},
        std::pair{std::string("key with spaces & symbols/\xe4\xb8\xad"), second}}) {
    auto record = test::find_idempotency(*store, key);
    REQUIRE(record);
    CHECK(record->first_sequence == expected.first_sequence);
    CHECK(record->event_count == expected.event_count);
    CHECK(record->fingerprint == expected.fingerprint);
  }
  CHECK_FALSE(store->get_idempotency("k-open-a"));  // never remembered
  CHECK_FALSE(store->get_idempotency(""));
  CHECK(first.fingerprint != second.fingerprint);
}

TEST_CASE("snapshots round trip, are replaced by a later put, and survive a reopen", "[store]") {
  TempDir tmp;
  const std::string path = tmp.sub("store");
  // Binary content with NUL bytes, as serialized states have.
  const std::string first("state\0one\xff", 10);
  const std::string second(100'000, '\x5a');
  {
    auto store = create_store(path);
    std::string why;
    REQUIRE(store->put_snapshot("state", first, &why));
    CHECK(store->get_snapshot("state") == first);
    REQUIRE(store->put_snapshot("state", second, &why));
    REQUIRE(store->put_snapshot("other", first, &why));
    CHECK(store->get_snapshot("state") == second);
    // Snapshots are not events: the head does not move.
    CHECK(store->head_sequence() == 0);
  }
  auto store = test::open_store(path);
  CHECK(store->get_snapshot("state") == second);
  CHECK(store->get_snapshot("other") == first);
  CHECK_FALSE(store->get_snapshot("absent"));
}

TEST_CASE("a failed append stops the store until it is reopened (fail-stop)", "[store]") {
  TempDir tmp;
  const std::string path = tmp.sub("store");
  const std::vector<Event> events = sample_events();
  Hash head_hash{};
  {
    auto store = create_store(path);
    Chain chain(*store);
    chain.add(events[0]);
    chain.add(events[1]);
    std::string why;
    REQUIRE(chain.append_to(*store, &why));
    head_hash = store->head_hash();

    REQUIRE(test::break_write_ahead_log(path));
    Chain failing(*store);
    failing.add(events[2]);
    CHECK_FALSE(failing.append_to(*store, &why));
    CHECK_THAT(why, Catch::Contains("write failed"));
    CHECK(store->failed());
    CHECK(store->head_sequence() == 2);
    CHECK(store->head_hash() == head_hash);

    // Every later write is refused by the store itself, before RocksDB.
    Chain later(*store);
    later.add(events[2]);
    why.clear();
    CHECK_FALSE(later.append_to(*store, &why));
    CHECK_THAT(why, Catch::Contains("refused an earlier write"));
    why.clear();
    CHECK_FALSE(store->put_snapshot("state", "x", &why));
    CHECK_THAT(why, Catch::Contains("refused an earlier write"));
  }
  // A reopen recovers the log as it was before the failed write.
  auto store = test::open_store(path);
  CHECK_FALSE(store->failed());
  CHECK(store->head_sequence() == 2);
  CHECK(store->head_hash() == head_hash);
  CHECK_FALSE(store->get_event(3));
  CHECK(test::read_log(*store).size() == 2);
  Chain chain(*store);
  chain.add(events[2]);
  std::string why;
  CHECK(chain.append_to(*store, &why));
  CHECK(store->head_sequence() == 3);
}

}  // namespace huawu
