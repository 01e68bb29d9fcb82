#pragma once
// Encoding and decoding of events with Cap'n Proto. This is the one boundary
// where a kj::Exception (malformed bytes) becomes a value: callers get
// nullopt and a reason, never an exception.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "events/event.h"

namespace huawu {

// Serializes an Event (envelope + payload) as one unpacked Cap'n Proto message.
// Precondition (asserted): the postings balance per unit.
std::string encode_event(const Event& event);

// Decodes and validates an Event: reader limits from limits.h, known payload,
// enums in range, postings balancing. On failure returns nullopt and sets *why.
std::optional<Event> decode_event(std::string_view bytes, std::string* why);

// A payload alone, as an event with an empty envelope: how projections keep
// event payloads in their snapshots, so those bytes evolve by the schema's
// rules too.
std::string encode_payload(const Payload& payload);
std::optional<Payload> decode_payload(std::string_view bytes, std::string* why);
// The payload of type T in `bytes` (encode_payload's), or nullopt when they
// hold anything else.
template <class T>
std::optional<T> decode_payload_as(std::string_view bytes) {
  std::string ignored;
  std::optional<Payload> payload = decode_payload(bytes, &ignored);
  if (!payload || !std::holds_alternative<T>(*payload)) return std::nullopt;
  return std::get<T>(std::move(*payload));
}

// A stored record with its event still encoded: what the hash chain covers.
struct StoredRecord {
  std::uint64_t sequence = 0;
  Hash prev_hash{};
  Hash hash{};
  std::string event_bytes;
};

// Encodes the record in Cap'n Proto canonical form (asserted after encoding).
std::string encode_stored(const StoredRecord& record);

// Decodes a stored record. Refuses bytes that are not exactly one canonical
// message, so a change to any byte of a stored value is detected: it either
// breaks canonical form or changes a field the hash chain checks.
std::optional<StoredRecord> decode_stored(std::string_view bytes, std::string* why);

// Both steps, for readers of the log: record, then its event.
std::optional<StoredEvent> decode_stored_event(std::string_view bytes, std::string* why);

}  // namespace huawu
