#pragma once
// Card PINs (issue 5, clause A2.3). A PIN is never stored: not in the log,
// not in a projection, not in a log file. It is derived when needed from the
// card's serial with a secret key, by a keyed BLAKE2b (libsodium's
// crypto_generichash), so only the key has to be kept secret, and the CSV a
// batch is printed from is the one place PINs are written (mode 0600).
//
// The key is 32 random bytes in DATA/card-pin.key (mode 0600), made when the
// ledger is created (or first opened by a version that has cards) and never
// printed. Its id, a digest of the key under another personalisation, is what
// a batch records, so a PIN can always be checked with the key it came from.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace huawu {

inline constexpr std::size_t card_pin_digits = 16;
inline constexpr const char* card_key_file_name = "card-pin.key";

struct CardKey {
  std::array<unsigned char, 32> bytes{};
  std::string id;  // 16 hex digits
};

// The key with its id computed.
CardKey make_card_key(const std::array<unsigned char, 32>& bytes);

// Writes the PIN of `serial` into `pin` (card_pin_digits digits, no NUL).
void derive_card_pin(const CardKey& key, std::uint64_t serial, char* pin);
std::string derive_card_pin(const CardKey& key, std::uint64_t serial);

// Whether `pin` is the PIN of `serial`, compared in constant time.
bool card_pin_matches(const CardKey& key, std::uint64_t serial, std::string_view pin);

// The key of the data directory, made (random, mode 0600) when there is none;
// nullopt with *why when it cannot be read or made, or is not 32 bytes.
std::optional<CardKey> load_or_create_card_key(const std::string& data_dir, std::string* why);

}  // namespace huawu
