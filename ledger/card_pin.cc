#include "ledger/card_pin.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "events/invariant.h"

namespace huawu {

namespace {

// Domain separation: the same key never hashes a PIN and its own id alike.
constexpr std::string_view pin_context = "huawu card pin v1";
constexpr std::string_view id_context = "huawu card key id v1";

void ensure_sodium() { HUAWU_ASSERT(sodium_init() >= 0, "libsodium cannot initialise"); }

// Eight decimal digits from 8 bytes: 2^64 / 10^8 leaves a bias below 10^-11.
void eight_digits(const unsigned char* bytes, char* out) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | bytes[i];
  v %= 100'000'000;
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

}  // namespace

CardKey make_card_key(const std::array<unsigned char, 32>& bytes) {
  ensure_sodium();
  CardKey key;
  key.bytes = bytes;
  unsigned char digest[8];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(id_context.data()),
                     id_context.size(), key.bytes.data(), key.bytes.size());
  char hex[2 * sizeof digest + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  key.id = hex;
  return key;
}

void derive_card_pin(const CardKey& key, std::uint64_t serial, char* pin) {
  unsigned char message[pin_context.size() + 8];
  std::memcpy(message, pin_context.data(), pin_context.size());
  for (int i = 0; i < 8; ++i) message[pin_context.size() + i] = static_cast<unsigned char>(serial >> (56 - 8 * i));
  unsigned char digest[16];
  crypto_generichash(digest, sizeof digest, message, sizeof message, key.bytes.data(), key.bytes.size());
  eight_digits(digest, pin);
  eight_digits(digest + 8, pin + 8);
  sodium_memzero(digest, sizeof digest);
}

std::string derive_card_pin(const CardKey& key, std::uint64_t serial) {
  std::string pin(card_pin_digits, '0');
  derive_card_pin(key, serial, pin.data());
  return pin;
}

bool card_pin_matches(const CardKey& key, std::uint64_t serial, std::string_view pin) {
  if (pin.size() != card_pin_digits) return false;
  char expected[card_pin_digits];
  derive_card_pin(key, serial, expected);
  const bool same = sodium_memcmp(expected, pin.data(), card_pin_digits) == 0;
  sodium_memzero(expected, sizeof expected);
  return same;
}

std::optional<CardKey> load_or_create_card_key(const std::string& data_dir, std::string* why) {
  ensure_sodium();
  const std::string path = data_dir + "/" + card_key_file_name;
  std::array<unsigned char, 32> bytes{};
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    // O_EXCL: two processes creating it at once cannot both win.
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      randombytes_buf(bytes.data(), bytes.size());
      const bool written = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) &&
                           ::fsync(fd) == 0;
      ::close(fd);
      if (!written) {
        ::unlink(path.c_str());
        *why = path + ": cannot write the card PIN key";
        return std::nullopt;
      }
      return make_card_key(bytes);
    }
    if (errno == EEXIST) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0) {
    *why = path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  const ssize_t got = ::read(fd, bytes.data(), bytes.size() + 0);
  char extra;
  const ssize_t more = ::read(fd, &extra, 1);
  ::close(fd);
  if (got != static_cast<ssize_t>(bytes.size()) || more != 0) {
    *why = path + ": not a card PIN key (32 bytes)";
    return std::nullopt;
  }
  return make_card_key(bytes);
}

}  // namespace huawu
