#include "events/ids.h"

#include "events/limits.h"

namespace huawu {

namespace {
bool is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
}  // namespace

bool is_valid_account_id(std::string_view id) {
  if (id.empty() || id.size() > limits::account_id_length_max) return false;
  if (!is_alnum(id.front())) return false;
  for (char c : id)
    if (!is_alnum(c) && c != '_' && c != '.' && c != '-') return false;
  return true;
}

bool is_valid_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > limits::idempotency_key_length_max) return false;
  for (char c : key)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

bool is_valid_text(std::string_view text, std::size_t length_max) {
  if (text.size() > length_max) return false;
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

}  // namespace huawu
