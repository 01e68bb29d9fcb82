#include "events/hash.h"

#include <sodium.h>

#include <cassert>
#include <stdexcept>

namespace huawu {

namespace {
// libsodium must be initialised once before use; sodium_init is thread safe
// and idempotent, so a function-local static is enough.
void ensure_sodium() {
  static const int ready = sodium_init();
  if (ready < 0) throw std::runtime_error("libsodium failed to initialise");
}
}  // namespace

Hash chain_hash(const Hash& prev_hash, std::uint64_t sequence, std::string_view event_bytes) {
  ensure_sodium();
  std::uint8_t sequence_be[8];
  for (int i = 0; i < 8; ++i) sequence_be[i] = static_cast<std::uint8_t>(sequence >> (56 - 8 * i));
  crypto_generichash_state state;
  Hash out{};
  static_assert(sizeof(Hash) == crypto_generichash_BYTES);
  crypto_generichash_init(&state, nullptr, 0, out.size());
  crypto_generichash_update(&state, prev_hash.data(), prev_hash.size());
  crypto_generichash_update(&state, sequence_be, sizeof sequence_be);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(event_bytes.data()),
                            event_bytes.size());
  crypto_generichash_final(&state, out.data(), out.size());
  return out;
}

std::string to_hex(const Hash& hash) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(hash.size() * 2);
  for (std::uint8_t b : hash) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

}  // namespace huawu
