#include "ledger/auth.h"

#include <sodium.h>

#include "ledger/store.h"

namespace huawu {

std::optional<std::string> hash_password(std::string_view password, std::string* why) {
  if (password.size() < password_length_min || password.size() > password_length_max) {
    *why = "an operation password has " + std::to_string(password_length_min) + " to " +
           std::to_string(password_length_max) + " characters";
    return std::nullopt;
  }
  if (sodium_init() < 0) {
    *why = "libsodium cannot start";
    return std::nullopt;
  }
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    *why = "argon2id ran out of memory";
    return std::nullopt;
  }
  return std::string(out);
}

bool verify_password(const std::string& hash, std::string_view password) {
  if (password.size() > password_length_max || sodium_init() < 0) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

AuthResult LoginGuard::authenticate(const Store& store, const std::string& name, std::string_view password,
                                    std::int64_t now_us) {
  {
    std::lock_guard lock(mutex_);
    auto it = records_.find(name);
    if (it != records_.end() && it->second.locked_until_us > now_us) return AuthResult::locked;
  }
  // Outside the lock: argon2id takes tens of milliseconds by design. An
  // unknown name is checked against a fixed dummy hash, so it costs the same.
  static const std::string dummy = [] {
    std::string why;
    return hash_password("not a password of anyone", &why).value_or("");
  }();
  const auto stored = store.get_credential(name);
  const bool ok = verify_password(stored ? *stored : dummy, password) && stored.has_value();
  std::lock_guard lock(mutex_);
  Record& record = records_[name];
  if (ok) {
    record = Record{};
    return AuthResult::ok;
  }
  if (now_us - record.window_start_us > window_us_) record = Record{0, now_us, 0};
  if (++record.failures >= failures_max_) {
    record.locked_until_us = now_us + lock_us_;
    record.failures = 0;
    record.window_start_us = now_us;
  }
  return AuthResult::denied;
}

}  // namespace huawu
