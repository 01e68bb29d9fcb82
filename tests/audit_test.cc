// `huawu audit verify` (ledger/audit.h): a healthy store passes; any altered,
// missing or misplaced stored byte is found and named by its sequence
// (DESIGN.md §4: the hash chain, recomputed end to end).
#include "ledger/audit.h"

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>

#include "events/codec.h"
#include "events/hash.h"
#include "tests/test_support.h"

#ifndef HUAWU_BIN
#error "store.cmake passes the path of the huawu binary as HUAWU_BIN"
#endif

namespace huawu {
namespace {

using test::close_request;
using test::open_request;
using test::recharge_request;
using test::TempDir;

constexpr std::uint64_t checkpoint_interval = 16;

struct History {
  std::uint64_t head = 0;
  std::uint64_t checkpoint = 0;  // sequence of the checkpoint left in the store
};

// Builds a ledger of 31 events, one request per batch, and leaves it closed
// with its checkpoint at sequence 16 (behind the head, as after a crash).
// A different `provider_name` gives a second history whose states differ
// from the first while every later event still applies to them.
History build_history(const std::string& path, const std::string& provider_name = "Provider") {
  ManualClock clock(test::start_time_us);
  WriterOptions options;
  options.checkpoint_interval_events = checkpoint_interval;
  std::string why;
  auto ledger = Ledger::create(path, CreateLedger{"provider", provider_name}, test::test_actor,
                               clock, &why, options);
  if (!ledger) throw std::runtime_error(why);
  std::vector<Request> requests;
  for (int n = 0; n < 6; ++n)
    requests.push_back(
        open_request("open-" + std::to_string(n), "acct-" + std::to_string(n), n * 100));
  for (int n = 0; n < 22; ++n) {
    clock.advance_us(test::second_us);
    requests.push_back(recharge_request("pay-" + std::to_string(n), "acct-" + std::to_string(n % 5),
                                        1'000 + n, "receipt-" + std::to_string(n)));
  }
  requests.push_back(close_request("close-1", "acct-1", true));
  requests.push_back(close_request("close-2", "acct-2", true));
  for (Request& request : requests) {
    const Outcome outcome = ledger->writer().submit_and_wait(std::move(request));
    if (outcome.rejection != Rejection::none) throw std::runtime_error("history request refused");
  }
  History history;
  history.head = ledger->store().head_sequence();
  auto checkpoint = ledger->store().get_snapshot("state");
  if (!checkpoint) throw std::runtime_error("no checkpoint written");
  LedgerState parsed;
  if (!parsed.deserialize(*checkpoint, &why)) throw std::runtime_error(why);
  history.checkpoint = parsed.applied_through();
  ledger.reset();  // a clean close checkpoints the head; put the older one back
  test::RawStore(path).put("snapshots", "state", *checkpoint);
  return history;
}

struct Audit {
  AuditReport report;
  bool recovered = false;
};

// What `huawu audit verify` does: open the store, recover the live state as
// an ordinary open would (when it can), and audit.
Audit audit_store(const std::string& path) {
  auto store = test::open_store(path);
  LedgerState live;
  std::string why;
  Audit audit;
  audit.recovered = recover_state(*store, live, &why);
  audit.report = audit_verify(*store, audit.recovered ? &live : nullptr);
  return audit;
}

std::string read_event(const std::string& path, std::uint64_t sequence) {
  auto bytes = test::RawStore(path).get("events", sequence_key(sequence));
  if (!bytes) throw std::runtime_error("no event " + std::to_string(sequence));
  return *bytes;
}

void write_event(const std::string& path, std::uint64_t sequence, std::string_view bytes) {
  test::RawStore(path).put("events", sequence_key(sequence), bytes);
}

// Runs a command, returns its exit code and what it printed.
std::pair<int, std::string> run(const std::string& command) {
  std::FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe);
  std::string output;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int status = ::pclose(pipe);
  REQUIRE(WIFEXITED(status));
  return {WEXITSTATUS(status), output};
}

std::string audit_command(const std::string& path, bool json = false) {
  return std::string("'") + HUAWU_BIN + "' --data '" + path + "' audit verify" +
         (json ? " --json" : "");
}

}  // namespace

TEST_CASE("audit passes a healthy store and compares checkpoint and live state", "[audit]") {
  TempDir tmp;
  const std::string path = tmp.sub("ledger");
  const History history = build_history(path);
  REQUIRE(history.head == 31);
  REQUIRE(history.checkpoint == 16);

  const Audit audit = audit_store(path);
  REQUIRE(audit.recovered);
  const AuditReport& report = audit.report;
  INFO(report.problem);
  CHECK(report.ok);
  CHECK(report.problem.empty());
  CHECK(report.first_bad_sequence == 0);
  CHECK(report.events == history.head);
  CHECK(report.checkpoint_sequence == history.checkpoint);
  CHECK(report.checkpoint_matches);
  CHECK(report.live_compared);
  CHECK(report.seconds >= 0);

  auto store = test::open_store(path);
  const AuditReport without_live = audit_verify(*store, nullptr);
  CHECK(without_live.ok);
  CHECK_FALSE(without_live.live_compared);
  CHECK(without_live.events == history.head);
}

TEST_CASE("audit of a store with no events and no checkpoint is ok", "[audit]") {
  TempDir tmp;
  std::string why;
  auto store = Store::create(tmp.sub("empty"), &why);
  REQUIRE(store);
  const AuditReport report = audit_verify(*store, nullptr);
  CHECK(report.ok);
  CHECK(report.events == 0);
  CHECK(report.checkpoint_sequence == 0);
}

namespace {

// One altered copy of a stored event and what auditing it found.
struct Alteration {
  std::size_t position = 0;
  int flip = 0;  // xor mask
  bool ok = true;
  std::uint64_t first_bad_sequence = 0;
  bool problem_named = false;
  bool recovered = true;
  std::string error;  // an exception in a worker
};

// Each alteration needs the store closed, rewritten and reopened, which is
// fsync-bound: workers run them side by side, each on its own copy of the
// store. Workers record results; the Catch assertions stay on the test thread.
void audit_alterations(const TempDir& tmp, const std::string& path, std::uint64_t sequence,
                       std::vector<Alteration>& alterations) {
  constexpr std::size_t workers = 8;
  const std::string original = read_event(path, sequence);
  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < workers; ++w) {
    const std::string copy = tmp.sub("copy-" + std::to_string(sequence) + "-" + std::to_string(w));
    std::filesystem::copy(path, copy, std::filesystem::copy_options::recursive);
    threads.emplace_back([&, copy, w] {
      for (std::size_t i = w; i < alterations.size(); i += workers) {
        Alteration& a = alterations[i];
        try {
          std::string altered = original;
          altered[a.position] = static_cast<char>(altered[a.position] ^ a.flip);
          write_event(copy, sequence, altered);
          const Audit audit = audit_store(copy);
          a.ok = audit.report.ok;
          a.first_bad_sequence = audit.report.first_bad_sequence;
          a.problem_named = !audit.report.problem.empty();
          a.recovered = audit.recovered;
        } catch (const std::exception& e) {
          a.error = e.what();
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
}

// Alters the event at `sequence` at every `stride`-th byte (and at the
// sequence field, both hashes and the payload whatever the stride), one
// alteration per audit, and checks that each is found at that sequence.
void check_alterations_found(std::uint64_t sequence_choice(const History&), std::size_t stride,
                             std::vector<int> flips) {
  TempDir tmp;
  const std::string path = tmp.sub("ledger");
  const History history = build_history(path);
  const std::uint64_t sequence = sequence_choice(history);
  const std::string original = read_event(path, sequence);
  std::string why;
  auto record = decode_stored(original, &why);
  REQUIRE(record);
  const std::size_t event_offset = original.find(record->event_bytes);
  const std::size_t prev_hash_offset =
      original.find(std::string(record->prev_hash.begin(), record->prev_hash.end()));
  const std::size_t hash_offset =
      original.find(std::string(record->hash.begin(), record->hash.end()));
  REQUIRE(event_offset != std::string::npos);
  REQUIRE(prev_hash_offset != std::string::npos);
  REQUIRE(hash_offset != std::string::npos);

  std::set<std::size_t> positions;
  for (std::size_t i = 0; i < original.size(); i += stride) positions.insert(i);
  // The sequence field is the first data word after the segment table and
  // the root pointer (bytes 16..23).
  for (std::size_t must : {std::size_t{16}, std::size_t{23}, prev_hash_offset,
                           prev_hash_offset + 31, hash_offset, hash_offset + 31, event_offset,
                           event_offset + record->event_bytes.size() / 2, original.size() - 1})
    positions.insert(must);
  std::vector<Alteration> alterations;
  for (std::size_t position : positions)
    for (int flip : flips) {
      Alteration alteration;
      alteration.position = position;
      alteration.flip = flip;
      alterations.push_back(alteration);
    }

  audit_alterations(tmp, path, sequence, alterations);
  for (const Alteration& a : alterations) {
    INFO("event " << sequence << " byte " << a.position << " of " << original.size() << " xor "
                  << a.flip << (a.error.empty() ? "" : ": " + a.error));
    CHECK(a.error.empty());
    CHECK_FALSE(a.ok);
    CHECK(a.first_bad_sequence == sequence);
    CHECK(a.problem_named);
    // An ordinary open refuses a damaged event it has to replay; one covered
    // by the checkpoint is hidden from recovery, never from the audit.
    if (sequence > history.checkpoint) CHECK_FALSE(a.recovered);
  }
  // The untouched store still passes.
  CHECK(audit_store(path).report.ok);
}

}  // namespace

TEST_CASE("audit names an event altered at any one of its stored bytes", "[audit]") {
  // A recharge in the middle of the log, after the checkpoint: every byte,
  // its lowest bit flipped. (The other targets below flip whole bytes; one
  // flip per byte here keeps the sanitizer build under a minute.)
  check_alterations_found([](const History& h) { return h.head / 2 + 4; }, 1, {0x01});
}

TEST_CASE("audit names the first event when it is altered", "[audit]") {
  check_alterations_found([](const History&) { return std::uint64_t{1}; }, 5, {0x01, 0xff});
}

TEST_CASE("audit names the last event when it is altered", "[audit]") {
  check_alterations_found([](const History& h) { return h.head; }, 5, {0x01, 0xff});
}

TEST_CASE("audit names the checkpoint's event when it is altered", "[audit]") {
  check_alterations_found([](const History& h) { return h.checkpoint; }, 5, {0x01, 0xff});
}

TEST_CASE("audit names an event before the checkpoint when it is altered", "[audit]") {
  check_alterations_found([](const History& h) { return h.checkpoint / 2; }, 5, {0x01, 0xff});
}

TEST_CASE("audit finds a missing event, a swap and a duplicate", "[audit]") {
  TempDir tmp;
  const std::string path = tmp.sub("ledger");
  const History history = build_history(path);
  const std::uint64_t middle = 9;

  SECTION("an event deleted from the middle: a gap") {
    test::RawStore(path).erase("events", sequence_key(middle));
    const AuditReport report = audit_store(path).report;
    CHECK_FALSE(report.ok);
    CHECK(report.first_bad_sequence == middle);
  }
  SECTION("the first event deleted") {
    test::RawStore(path).erase("events", sequence_key(1));
    const AuditReport report = audit_store(path).report;
    CHECK_FALSE(report.ok);
    CHECK(report.first_bad_sequence == 1);
  }
  SECTION("the last event deleted: the log ends before the head") {
    test::RawStore(path).erase("events", sequence_key(history.head));
    const AuditReport report = audit_store(path).report;
    CHECK_FALSE(report.ok);
    CHECK(report.first_bad_sequence == history.head);
    CHECK_THAT(report.problem, Catch::Contains("head"));
  }
  SECTION("two events swapped") {
    const std::uint64_t later = history.head - 3;
    const std::string a = read_event(path, middle);
    const std::string b = read_event(path, later);
    {
      test::RawStore raw(path);
      raw.put("events", sequence_key(middle), b);
      raw.put("events", sequence_key(later), a);
    }
    const AuditReport report = audit_store(path).report;
    CHECK_FALSE(report.ok);
    CHECK(report.first_bad_sequence == middle);
  }
  SECTION("two neighbouring events swapped") {
    const std::string a = read_event(path, middle);
    const std::string b = read_event(path, middle + 1);
    {
      test::RawStore raw(path);
      raw.put("events", sequence_key(middle), b);
      raw.put("events", sequence_key(middle + 1), a);
    }
    const AuditReport report = audit_store(path).report;
    CHECK_FALSE(report.ok);
    CHECK(report.first_bad_sequence == middle);
  }
  SECTION("an event copied over the next one") {
    write_event(path, middle + 1, read_event(path, middle));
    const AuditReport report = audit_store(path).report;
    CHECK_FALSE(report.ok);
    CHECK(report.first_bad_sequence == middle + 1);
  }
  SECTION("an event appended past the head") {
    // A well-formed event that continues the chain and applies cleanly, but
    // that the head in the meta column family does not name.
    const std::string last = read_event(path, history.head);
    std::string why;
    auto record = decode_stored(last, &why);
    REQUIRE(record);
    auto last_event = decode_event(record->event_bytes, &why);
    REQUIRE(last_event);
    Event event = *last_event;
    event.idempotency_key = "never-acknowledged";
    event.postings.clear();
    event.payload = AccountOpened{"acct-new", "", 0, {}};
    StoredRecord extra{history.head + 1, record->hash, {}, encode_event(event)};
    extra.hash = chain_hash(extra.prev_hash, extra.sequence, extra.event_bytes);
    write_event(path, history.head + 1, encode_stored(extra));
    const AuditReport report = audit_store(path).report;
    CHECK_FALSE(report.ok);
    CHECK_THAT(report.problem, Catch::Contains("head"));
    CHECK(report.first_bad_sequence == history.head + 1);
  }
}

TEST_CASE("audit finds an event rewritten with a recomputed hash", "[audit]") {
  TempDir tmp;
  const std::string path = tmp.sub("ledger");
  const History history = build_history(path);
  const std::uint64_t target = 12;
  // Rewrite one recharge's source reference and rehash it in place: the
  // record itself is consistent, so the break shows at the next link.
  std::string why;
  auto record = decode_stored(read_event(path, target), &why);
  REQUIRE(record);
  auto event = decode_event(record->event_bytes, &why);
  REQUIRE(event);
  auto* recharge = std::get_if<WalletRecharged>(&event->payload);
  REQUIRE(recharge);
  recharge->source_reference = "forged";
  record->event_bytes = encode_event(*event);
  record->hash = chain_hash(record->prev_hash, target, record->event_bytes);
  write_event(path, target, encode_stored(*record));
  AuditReport report = audit_store(path).report;
  CHECK_FALSE(report.ok);
  CHECK(report.first_bad_sequence == target + 1);

  // Re-chaining every later event still leaves the head hash in the meta
  // column family disagreeing with the log.
  {
    test::RawStore raw(path);
    Hash prev_hash = record->hash;
    for (std::uint64_t sequence = target + 1; sequence <= history.head; ++sequence) {
      auto bytes = raw.get("events", sequence_key(sequence));
      REQUIRE(bytes);
      auto next = decode_stored(*bytes, &why);
      REQUIRE(next);
      next->prev_hash = prev_hash;
      next->hash = chain_hash(prev_hash, sequence, next->event_bytes);
      raw.put("events", sequence_key(sequence), encode_stored(*next));
      prev_hash = next->hash;
    }
  }
  report = audit_store(path).report;
  CHECK_FALSE(report.ok);
  CHECK(report.first_bad_sequence == history.head + 1);
  CHECK_THAT(report.problem, Catch::Contains("head"));
}

TEST_CASE("audit reports a consistently forged event that breaks a rule, without aborting",
          "[audit]") {
  // The strongest forgery: event `target` is rewritten so its recharge claims
  // a balance the wallet never had, and the whole chain after it and the head
  // are recomputed, so every hash agrees. Only the rules of apply can tell;
  // audit must report that as a finding, not trip the writer's assertions.
  TempDir tmp;
  const std::string path = tmp.sub("ledger");
  const History history = build_history(path);
  const std::uint64_t target = 12;
  {
    test::RawStore raw(path);
    Hash prev_hash{};
    std::string why;
    for (std::uint64_t sequence = target; sequence <= history.head; ++sequence) {
      auto bytes = raw.get("events", sequence_key(sequence));
      REQUIRE(bytes);
      auto record = decode_stored(*bytes, &why);
      REQUIRE(record);
      if (sequence == target) {
        auto event = decode_event(record->event_bytes, &why);
        REQUIRE(event);
        auto* recharge = std::get_if<WalletRecharged>(&event->payload);
        REQUIRE(recharge);
        recharge->balance_after_units += 1;  // postings still balance; the claim does not
        record->event_bytes = encode_event(*event);
      } else {
        record->prev_hash = prev_hash;
      }
      record->hash = chain_hash(record->prev_hash, sequence, record->event_bytes);
      raw.put("events", sequence_key(sequence), encode_stored(*record));
      prev_hash = record->hash;
    }
    std::string head = sequence_key(history.head);
    head.append(reinterpret_cast<const char*>(prev_hash.data()), prev_hash.size());
    raw.put("meta", "head", head);
  }
  const Audit audit = audit_store(path);
  CHECK_FALSE(audit.report.ok);
  CHECK(audit.report.first_bad_sequence == target);
  CHECK_THAT(audit.report.problem, Catch::Contains("cannot be applied"));
  // An ordinary open replays only the log after the checkpoint (16 > 12), so
  // it recovers; checking the whole history is what audit is for.
  CHECK(audit.recovered);

  const auto [code, output] = run(audit_command(path));
  CHECK(code == 1);
  CHECK_THAT(output, Catch::Contains("sequence " + std::to_string(target)));
}

TEST_CASE("audit finds a checkpoint or a live state that differs from the log", "[audit]") {
  TempDir tmp;
  const std::string path = tmp.sub("ledger");
  const std::string other_path = tmp.sub("other");
  const History history = build_history(path);
  // The same requests under another provider name: same sequences, other states.
  const History other = build_history(other_path, "Another Provider");
  REQUIRE(other.checkpoint == history.checkpoint);
  auto other_checkpoint = test::RawStore(other_path).get("snapshots", "state");
  REQUIRE(other_checkpoint);

  SECTION("checkpoint") {
    test::RawStore(path).put("snapshots", "state", *other_checkpoint);
    const AuditReport report = audit_store(path).report;
    CHECK_FALSE(report.ok);
    CHECK_FALSE(report.checkpoint_matches);
    CHECK(report.first_bad_sequence == history.checkpoint);
    CHECK_THAT(report.problem, Catch::Contains("checkpoint"));
  }
  SECTION("unreadable checkpoint") {
    test::RawStore(path).put("snapshots", "state", "garbage");
    const AuditReport report = audit_store(path).report;
    CHECK_FALSE(report.ok);
    CHECK_THAT(report.problem, Catch::Contains("checkpoint"));
  }
  SECTION("live state") {
    auto other_store = test::open_store(other_path);
    const LedgerState other_state = test::rebuild_from_log(*other_store);
    auto store = test::open_store(path);
    const AuditReport report = audit_verify(*store, &other_state);
    CHECK_FALSE(report.ok);
    CHECK(report.live_compared);
    CHECK(report.first_bad_sequence == other_state.applied_through());
    CHECK_THAT(report.problem, Catch::Contains("live state"));
  }
}

TEST_CASE("huawu audit verify: exit 0 when healthy, 1 naming the bad sequence", "[audit][cli]") {
  TempDir tmp;
  const std::string path = tmp.sub("ledger");
  const History history = build_history(path);

  auto [healthy_code, healthy_output] = run(audit_command(path));
  INFO(healthy_output);
  CHECK(healthy_code == 0);
  CHECK_THAT(healthy_output,
             Catch::Contains("audit ok: " + std::to_string(history.head) + " events"));
  CHECK_THAT(healthy_output,
             Catch::Contains("checkpoint at sequence " + std::to_string(history.checkpoint)));

  const std::uint64_t bad = 20;
  std::string altered = read_event(path, bad);
  altered[altered.size() - 3] = static_cast<char>(altered[altered.size() - 3] ^ 0x10);
  write_event(path, bad, altered);

  auto [code, output] = run(audit_command(path));
  INFO(output);
  CHECK(code == 1);
  CHECK_THAT(output, Catch::Contains("audit FAILED at sequence " + std::to_string(bad)));

  auto [json_code, json_output] = run(audit_command(path, true));
  INFO(json_output);
  CHECK(json_code == 1);
  CHECK_THAT(json_output, Catch::Contains("\"first_bad_sequence\":" + std::to_string(bad)));
  CHECK_THAT(json_output, Catch::Contains("\"ok\":false"));
}

}  // namespace huawu
