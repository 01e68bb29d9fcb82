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
  // Well-formed UTF-8 (shortest form, no surrogates, at most U+10FFFF) without
  // C0 or C1 control characters: what JSON output and terminals can show.
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      if (lead < 0x20 || lead == 0x7f) return false;
      ++i;
      continue;
    }
    std::size_t length = 0;
    char32_t code = 0;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2, code = lead & 0x1f;
    else if (lead >= 0xe0 && lead <= 0xef) length = 3, code = lead & 0x0f;
    else if (lead >= 0xf0 && lead <= 0xf4) length = 4, code = lead & 0x07;
    else return false;
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = (code << 6) | (next & 0x3f);
    }
    const char32_t smallest = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
    if (code < smallest || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    if (code >= 0x80 && code <= 0x9f) return false;
    i += length;
  }
  return true;
}

}  // namespace huawu
