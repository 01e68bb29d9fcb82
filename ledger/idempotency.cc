#include "ledger/idempotency.h"

#include <cstring>

namespace huawu {

std::string encode_idempotency(const IdempotencyRecord& record) {
  std::string out(44, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(record.first_sequence >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i) out[8 + i] = static_cast<char>(record.event_count >> (24 - 8 * i));
  std::memcpy(out.data() + 12, record.fingerprint.data(), record.fingerprint.size());
  return out;
}

std::optional<IdempotencyRecord> decode_idempotency(std::string_view bytes) {
  if (bytes.size() != 44) return std::nullopt;
  IdempotencyRecord record;
  for (int i = 0; i < 8; ++i)
    record.first_sequence = (record.first_sequence << 8) | static_cast<std::uint8_t>(bytes[i]);
  for (int i = 0; i < 4; ++i)
    record.event_count = (record.event_count << 8) | static_cast<std::uint8_t>(bytes[8 + i]);
  std::memcpy(record.fingerprint.data(), bytes.data() + 12, record.fingerprint.size());
  return record;
}

}  // namespace huawu
