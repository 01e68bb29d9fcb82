#include "events/hash.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

#include "events/invariant.h"

namespace huawu {

namespace {

// One digest context per thread, reused: creating one per hash costs as much
// as hashing a record. The algorithm is fetched once for the process.
class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new()) {
    HUAWU_ASSERT(context_ != nullptr, "EVP_MD_CTX_new failed");
  }
  ~Sha256() { EVP_MD_CTX_free(context_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void begin() { HUAWU_ASSERT(EVP_DigestInit_ex2(context_, algorithm(), nullptr) == 1, "sha256 init"); }
  void add(const void* data, std::size_t size) {
    HUAWU_ASSERT(EVP_DigestUpdate(context_, data, size) == 1, "sha256 update");
  }
  Hash end() {
    Hash out{};
    unsigned int size = 0;
    HUAWU_ASSERT(EVP_DigestFinal_ex(context_, out.data(), &size) == 1 && size == out.size(),
                 "sha256 final");
    return out;
  }

 private:
  static const EVP_MD* algorithm() {
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    HUAWU_ASSERT(md != nullptr, "OpenSSL has no SHA256");
    return md;
  }
  EVP_MD_CTX* context_;
};

Sha256& sha256() {
  thread_local Sha256 hasher;
  return hasher;
}

}  // namespace

Hash chain_hash(const Hash& prev_hash, std::uint64_t sequence, std::string_view event_bytes) {
  std::uint8_t sequence_be[8];
  for (int i = 0; i < 8; ++i) sequence_be[i] = static_cast<std::uint8_t>(sequence >> (56 - 8 * i));
  Sha256& hasher = sha256();
  hasher.begin();
  hasher.add(prev_hash.data(), prev_hash.size());
  hasher.add(sequence_be, sizeof sequence_be);
  hasher.add(event_bytes.data(), event_bytes.size());
  return hasher.end();
}

Hash digest(std::string_view bytes) {
  Sha256& hasher = sha256();
  hasher.begin();
  hasher.add(bytes.data(), bytes.size());
  return hasher.end();
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
