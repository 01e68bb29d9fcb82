#pragma once
// Grammar of identifiers that people type: account ids, provider ids, rate plans.
#include <string_view>

namespace huawu {

// An account id is 1..64 characters of [A-Za-z0-9_.-], starting with a letter
// or digit, e.g. "13800138000" or "acme-0001".
bool is_valid_account_id(std::string_view id);

// Idempotency keys are kept verbatim: 1..128 printable ASCII characters
// other than space (0x21..0x7e).
bool is_valid_idempotency_key(std::string_view key);

// Free text (names, references, actors): at most `length_max` bytes of
// well-formed UTF-8 with no control characters (C0, DEL or C1).
bool is_valid_text(std::string_view text, std::size_t length_max);

}  // namespace huawu
