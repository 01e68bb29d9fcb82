#include "events/codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>
#include <vector>

#include "events/events.capnp.h"
#include "events/limits.h"
#include "events/invariant.h"

namespace huawu {

namespace s = huawu::schema;

namespace {

capnp::ReaderOptions event_reader_options() {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = limits::event_reader_words_max;
  options.nestingLimit = limits::event_reader_nesting_max;
  return options;
}

// Cap'n Proto reads words in place; bytes from RocksDB or a socket carry no
// alignment promise, so unaligned input is copied into an aligned buffer. The
// buffer is per thread and reused: decoding is on every hot read path.
kj::ArrayPtr<const capnp::word> as_words(std::string_view bytes) {
  thread_local std::vector<capnp::word> scratch;
  const std::size_t words = bytes.size() / sizeof(capnp::word);
  if (reinterpret_cast<std::uintptr_t>(bytes.data()) % alignof(capnp::word) == 0)
    return {reinterpret_cast<const capnp::word*>(bytes.data()), words};
  scratch.resize(words);
  std::memcpy(scratch.data(), bytes.data(), words * sizeof(capnp::word));
  return {scratch.data(), words};
}

// The first segment of every message built here: per thread, reused. Thread
// storage starts zeroed, and MallocMessageBuilder zeroes what it used of a
// caller's first segment when it is destroyed, as the next builder requires.
// Encoding is on the writer's hot path; this saves a calloc and a free per
// message. Larger messages spill into segments the builder allocates.
// Big enough for the largest stored record, so that one is always a single
// segment (asserted in encode_stored).
constexpr std::size_t first_segment_words = limits::event_bytes_max / sizeof(capnp::word) + 64;

kj::ArrayPtr<capnp::word> first_segment() {
  thread_local std::vector<capnp::word> words(first_segment_words);  // value-initialized: zero
  return kj::arrayPtr(words.data(), words.size());
}

// Serializes straight into the returned string: no intermediate flat array.
std::string serialize_message(capnp::MessageBuilder& message) {
  std::string out(capnp::computeSerializedSizeInWords(message) * sizeof(capnp::word), '\0');
  kj::ArrayOutputStream stream(kj::arrayPtr(reinterpret_cast<kj::byte*>(out.data()), out.size()));
  capnp::writeMessage(stream, message);
  return out;
}

std::string text(capnp::Text::Reader reader) { return std::string(reader.cStr(), reader.size()); }

// Cap'n Proto's std::string conversion goes through c_str() and would cut a
// text at an embedded NUL; pass the explicit size so bytes survive whole.
capnp::Text::Reader as_text(const std::string& s) { return capnp::Text::Reader(s.data(), s.size()); }

// ---- encode ---------------------------------------------------------------

struct PayloadWriter {
  s::Event::Payload::Builder payload;
  void operator()(const LedgerCreated& e) {
    auto b = payload.initLedgerCreated();
    b.setProviderId(as_text(e.provider_id));
    b.setProviderName(as_text(e.provider_name));
    b.setCurrency(as_text(e.currency));
    b.setUtcOffsetMinutes(e.utc_offset_minutes);
  }
  void operator()(const AccountOpened& e) {
    auto b = payload.initAccountOpened();
    b.setAccount(as_text(e.account));
    b.setRatePlan(as_text(e.rate_plan));
    b.setInitialBalanceUnits(e.initial_balance_units);
  }
  void operator()(const WalletRecharged& e) {
    auto b = payload.initWalletRecharged();
    b.setAccount(as_text(e.account));
    b.setAmountUnits(e.amount_units);
    b.setSourceReference(as_text(e.source_reference));
    b.setBalanceAfterUnits(e.balance_after_units);
  }
  void operator()(const AccountClosed& e) {
    auto b = payload.initAccountClosed();
    b.setAccount(as_text(e.account));
    b.setRemainingBalanceUnits(e.remaining_balance_units);
    b.setDisposition(static_cast<s::BalanceDisposition>(e.disposition));
  }
};

// ---- decode ---------------------------------------------------------------

std::optional<Payload> read_payload(s::Event::Payload::Reader payload, std::string* why) {
  switch (payload.which()) {
    case s::Event::Payload::LEDGER_CREATED: {
      auto r = payload.getLedgerCreated();
      return LedgerCreated{text(r.getProviderId()), text(r.getProviderName()), text(r.getCurrency()),
                           r.getUtcOffsetMinutes()};
    }
    case s::Event::Payload::ACCOUNT_OPENED: {
      auto r = payload.getAccountOpened();
      return AccountOpened{text(r.getAccount()), text(r.getRatePlan()), r.getInitialBalanceUnits()};
    }
    case s::Event::Payload::WALLET_RECHARGED: {
      auto r = payload.getWalletRecharged();
      return WalletRecharged{text(r.getAccount()), r.getAmountUnits(), text(r.getSourceReference()),
                             r.getBalanceAfterUnits()};
    }
    case s::Event::Payload::ACCOUNT_CLOSED: {
      auto r = payload.getAccountClosed();
      const auto disposition = static_cast<std::uint16_t>(r.getDisposition());
      if (disposition > static_cast<std::uint16_t>(BalanceDisposition::refunded)) {
        *why = "unknown balance disposition " + std::to_string(disposition);
        return std::nullopt;
      }
      return AccountClosed{text(r.getAccount()), r.getRemainingBalanceUnits(),
                           static_cast<BalanceDisposition>(disposition)};
    }
  }
  *why = "unknown event type " + std::to_string(static_cast<unsigned>(payload.which()));
  return std::nullopt;
}

std::optional<Event> read_event(s::Event::Reader reader, std::string* why) {
  Event event;
  event.ledger_time_us = reader.getLedgerTimeUs();
  event.business_time_us = reader.getBusinessTimeUs();
  event.actor = text(reader.getActor());
  event.idempotency_key = text(reader.getIdempotencyKey());
  auto postings = reader.getPostings();
  if (postings.size() > limits::postings_per_event_max) {
    *why = "too many postings";
    return std::nullopt;
  }
  event.postings.reserve(postings.size());
  for (auto p : postings) {
    const auto kind = static_cast<std::uint16_t>(p.getKind());
    const auto unit = static_cast<std::uint16_t>(p.getUnit());
    if (kind > static_cast<std::uint16_t>(LedgerAccountKind::user_wallet) || unit >= unit_count) {
      *why = "posting with unknown ledger account kind or unit";
      return std::nullopt;
    }
    event.postings.push_back(Posting{static_cast<LedgerAccountKind>(kind), text(p.getOwner()),
                                     static_cast<Unit>(unit), p.getAmount()});
  }
  if (!postings_balance(event.postings)) {
    *why = "postings do not sum to zero per unit";
    return std::nullopt;
  }
  auto payload = read_payload(reader.getPayload(), why);
  if (!payload) return std::nullopt;
  event.payload = std::move(*payload);
  return event;
}

}  // namespace

std::string encode_event(const Event& event) {
  HUAWU_ASSERT(postings_balance(event.postings), "postings must sum to zero per unit");
  capnp::MallocMessageBuilder message(first_segment());
  auto root = message.initRoot<s::Event>();
  root.setLedgerTimeUs(event.ledger_time_us);
  root.setBusinessTimeUs(event.business_time_us);
  root.setActor(as_text(event.actor));
  root.setIdempotencyKey(as_text(event.idempotency_key));
  auto postings = root.initPostings(static_cast<unsigned>(event.postings.size()));
  for (unsigned i = 0; i < event.postings.size(); ++i) {
    const Posting& p = event.postings[i];
    postings[i].setKind(static_cast<s::LedgerAccountKind>(p.kind));
    postings[i].setOwner(as_text(p.owner));
    postings[i].setUnit(static_cast<s::Unit>(p.unit));
    postings[i].setAmount(p.amount);
  }
  std::visit(PayloadWriter{root.initPayload()}, event.payload);
  std::string bytes = serialize_message(message);
  HUAWU_ASSERT(bytes.size() <= limits::event_bytes_max, "event larger than limits::event_bytes_max");
  return bytes;
}

std::optional<Event> decode_event(std::string_view bytes, std::string* why) {
  std::string ignored;
  if (!why) why = &ignored;
  if (bytes.size() % sizeof(capnp::word) != 0 || bytes.size() > limits::event_bytes_max) {
    *why = "event bytes have an invalid length " + std::to_string(bytes.size());
    return std::nullopt;
  }
  std::optional<Event> event;
  kj::Maybe<kj::Exception> failure = kj::runCatchingExceptions([&] {
    const auto words = as_words(bytes);
    capnp::FlatArrayMessageReader reader(words, event_reader_options());
    if (reader.getEnd() != words.end()) {
      *why = "event has bytes after its message";
      return;
    }
    event = read_event(reader.getRoot<s::Event>(), why);
  });
  KJ_IF_MAYBE(e, failure) {
    *why = std::string("malformed event: ") + e->getDescription().cStr();
    return std::nullopt;
  }
  return event;
}

std::string encode_stored(const StoredRecord& record) {
  capnp::MallocMessageBuilder message(first_segment());
  auto root = message.initRoot<s::StoredEvent>();
  // Field order here is allocation order, which makes the message canonical
  // (pre-order layout, single segment); asserted below.
  root.setSequence(record.sequence);
  root.setPrevHash(kj::arrayPtr(record.prev_hash.data(), record.prev_hash.size()));
  root.setHash(kj::arrayPtr(record.hash.data(), record.hash.size()));
  root.setEvent(kj::arrayPtr(reinterpret_cast<const kj::byte*>(record.event_bytes.data()),
                             record.event_bytes.size()));
  HUAWU_ASSERT(record.sequence >= 1, "sequences start at 1");
  HUAWU_ASSERT(message.getSegmentsForOutput().size() == 1, "stored event must be one segment");
  // Pair assertion: what goes to disk is exactly what decode_stored accepts.
  HUAWU_ASSERT(capnp::SegmentArrayMessageReader(message.getSegmentsForOutput()).isCanonical(),
               "stored event must be canonical");
  return serialize_message(message);
}

std::optional<StoredRecord> decode_stored(std::string_view bytes, std::string* why) {
  std::string ignored;
  if (!why) why = &ignored;
  if (bytes.size() % sizeof(capnp::word) != 0 || bytes.size() > 2 * limits::event_bytes_max) {
    *why = "stored record has an invalid length " + std::to_string(bytes.size());
    return std::nullopt;
  }
  std::optional<StoredRecord> record;
  kj::Maybe<kj::Exception> failure = kj::runCatchingExceptions([&] {
    const auto words = as_words(bytes);
    capnp::FlatArrayMessageReader reader(words, event_reader_options());
    if (reader.getEnd() != words.end()) {
      *why = "stored record has bytes after its message";
      return;
    }
    if (!reader.isCanonical()) {
      *why = "stored record is not in canonical form";
      return;
    }
    auto root = reader.getRoot<s::StoredEvent>();
    auto prev = root.getPrevHash();
    auto hash = root.getHash();
    if (prev.size() != sizeof(Hash) || hash.size() != sizeof(Hash)) {
      *why = "stored record hash fields are not 32 bytes";
      return;
    }
    StoredRecord out;
    out.sequence = root.getSequence();
    std::memcpy(out.prev_hash.data(), prev.begin(), sizeof(Hash));
    std::memcpy(out.hash.data(), hash.begin(), sizeof(Hash));
    auto event = root.getEvent();
    out.event_bytes.assign(reinterpret_cast<const char*>(event.begin()), event.size());
    record = std::move(out);
  });
  KJ_IF_MAYBE(e, failure) {
    *why = std::string("malformed stored record: ") + e->getDescription().cStr();
    return std::nullopt;
  }
  return record;
}

std::optional<StoredEvent> decode_stored_event(std::string_view bytes, std::string* why) {
  auto record = decode_stored(bytes, why);
  if (!record) return std::nullopt;
  auto event = decode_event(record->event_bytes, why);
  if (!event) return std::nullopt;
  return StoredEvent{record->sequence, record->prev_hash, record->hash, std::move(*event)};
}

}  // namespace huawu
