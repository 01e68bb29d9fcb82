#include "kamailio/call_id.h"

#include <sodium.h>

#include "events/hash.h"
#include "events/limits.h"

namespace huawu::kamailio {

namespace {

bool fits_verbatim(std::string_view id) {
  if (id.empty() || id.size() > verbatim_call_id_bytes_max || id.front() == hashed_call_id_mark) return false;
  for (char c : id)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

}  // namespace

std::optional<std::string> huawu_call_id(std::string_view sip_call_id) {
  if (sip_call_id.empty() || sip_call_id.size() > limits::sip_call_id_bytes_max) return std::nullopt;
  if (fits_verbatim(sip_call_id)) return std::string(sip_call_id);
  const Hash hash = digest(sip_call_id);
  // 32 bytes are 43 base64 characters without padding; sodium writes a NUL.
  char encoded[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(encoded, sizeof encoded, hash.data(), hash.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return std::string(1, hashed_call_id_mark) + encoded;
}

std::string authorize_key(std::string_view call_id) { return "a:" + std::string(call_id); }
std::string settle_key(std::string_view call_id) { return "s:" + std::string(call_id); }
std::string record_key(std::string_view call_id) { return "r:" + std::string(call_id); }

static_assert(verbatim_call_id_bytes_max + 2 <= limits::request_key_length_max);
static_assert(45 + 2 <= limits::request_key_length_max);

}  // namespace huawu::kamailio
