#pragma once
// Operation passwords (issue 4, clause B3.6): argon2id hashes made with
// libsodium at its interactive limits (64 MiB, 2 passes), checked in
// constant time; and the guard that locks a principal after repeated
// failures. A wrong name and a wrong password are the same failure to the
// caller (authenticate() says only "denied"), so a guess learns nothing about
// which principals exist.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace huawu {

class Store;

inline constexpr std::size_t password_length_min = 8;
inline constexpr std::size_t password_length_max = 256;

// The argon2id hash of a password (libsodium's string form, with its salt
// and limits), or nullopt with *why (too short or long, out of memory).
std::optional<std::string> hash_password(std::string_view password, std::string* why);
bool verify_password(const std::string& hash, std::string_view password);

enum class AuthResult : std::uint8_t { ok, denied, locked };

// Counts failures per principal name (names that do not exist too, so they
// look the same): `failures_max` failures within `window_seconds` lock the
// name for `lock_seconds`. Thread-safe.
class LoginGuard {
 public:
  LoginGuard(int failures_max = 5, std::int64_t window_seconds = 300, std::int64_t lock_seconds = 900)
      : failures_max_(failures_max), window_us_(window_seconds * 1'000'000), lock_us_(lock_seconds * 1'000'000) {}

  // Checks `password` against the stored hash of `name` at time `now_us`.
  AuthResult authenticate(const Store& store, const std::string& name, std::string_view password,
                          std::int64_t now_us);

 private:
  struct Record {
    int failures = 0;
    std::int64_t window_start_us = 0;
    std::int64_t locked_until_us = 0;
  };
  const int failures_max_;
  const std::int64_t window_us_;
  const std::int64_t lock_us_;
  std::mutex mutex_;
  std::unordered_map<std::string, Record> records_;
};

}  // namespace huawu
