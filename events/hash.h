#pragma once
// The hash chain: hash = BLAKE2b-256(prev_hash || be64(sequence) || event bytes).
#include <cstdint>
#include <string>
#include <string_view>

#include "events/event.h"

namespace huawu {

Hash chain_hash(const Hash& prev_hash, std::uint64_t sequence, std::string_view event_bytes);

// Lower-case hex, for logs and `huawu events`.
std::string to_hex(const Hash& hash);

}  // namespace huawu
