#pragma once
// What the idempotency column family keeps per key: which events the request
// produced and what it asked for. Written in the same WriteBatch as the events.
//
// Value layout (44 bytes): be64 first_sequence | be32 event_count | 32-byte
// request fingerprint (ledger/command.h).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "events/event.h"

namespace huawu {

struct IdempotencyRecord {
  std::uint64_t first_sequence = 0;
  std::uint32_t event_count = 0;
  Hash fingerprint{};
};

std::string encode_idempotency(const IdempotencyRecord& record);
std::optional<IdempotencyRecord> decode_idempotency(std::string_view bytes);

}  // namespace huawu
