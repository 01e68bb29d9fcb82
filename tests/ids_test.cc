// Identifier grammars (events/ids.h): account ids, idempotency keys and free
// text. Every byte value is tried against the grammar written in the header,
// so a change to the accepted alphabet shows up here.
#include "events/ids.h"

#include <catch2/catch.hpp>
#include <string>

#include "events/limits.h"

namespace huawu {
namespace {

// The account id alphabet from ids.h, spelled out independently of ids.cc.
bool is_letter_or_digit(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string byte_string(unsigned byte) { return std::string(1, static_cast<char>(byte)); }

TEST_CASE("account ids: valid examples", "[ids]") {
  const std::string valid[] = {
      "13800138000",
      "acme-0001",
      "a",
      "Z",
      "0",
      "a_b.c-d",
      "A1_",
      "x..y",
      "9-",
      std::string(limits::account_id_length_max, 'a'),  // exactly 64
      "0" + std::string(limits::account_id_length_max - 1, '-'),
  };
  for (const std::string& id : valid) {
    INFO("id = '" << id << "'");
    CHECK(is_valid_account_id(id));
  }
}

TEST_CASE("account ids: invalid examples", "[ids]") {
  const std::string invalid[] = {
      "",
      std::string(limits::account_id_length_max + 1, 'a'),  // 65
      "-abc",
      "_abc",
      ".abc",  // must start with a letter or digit
      "a b",
      " a",
      "a ",
      "a\tb",
      "a\n",
      "张三",
      "caf\xc3\xa9",
      "\xff",
      "a\x80",  // bytes above ASCII
      "a/b",
      "a@b",
      "a+b",
      "a:b",
      "a,b",
      "a;b",
      "a'b",
      "a\"b",
      std::string("a\0b", 3),  // an embedded NUL must not end the check early
  };
  for (const std::string& id : invalid) {
    INFO("id = '" << id << "' (" << id.size() << " bytes)");
    CHECK_FALSE(is_valid_account_id(id));
  }
}

TEST_CASE("account ids: every byte value as first and as later character", "[ids]") {
  for (unsigned byte = 0; byte < 256; ++byte) {
    INFO("byte = " << byte);
    const auto c = static_cast<unsigned char>(byte);
    const bool later_ok = is_letter_or_digit(c) || c == '_' || c == '.' || c == '-';
    CHECK(is_valid_account_id(byte_string(byte)) == is_letter_or_digit(c));
    CHECK(is_valid_account_id("a" + byte_string(byte)) == later_ok);
    CHECK(is_valid_account_id("a" + byte_string(byte) + "z") == later_ok);
  }
}

TEST_CASE("idempotency keys: 1..128 graphic ASCII characters, kept verbatim", "[ids]") {
  CHECK(is_valid_idempotency_key("k"));
  CHECK(is_valid_idempotency_key("req-2024-01-01T00:00:00Z#1"));
  CHECK(is_valid_idempotency_key("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"));
  CHECK(is_valid_idempotency_key(std::string(limits::idempotency_key_length_max, 'k')));

  CHECK_FALSE(is_valid_idempotency_key(""));
  CHECK_FALSE(is_valid_idempotency_key(std::string(limits::idempotency_key_length_max + 1, 'k')));
  CHECK_FALSE(is_valid_idempotency_key("has space"));
  CHECK_FALSE(is_valid_idempotency_key(" lead"));
  CHECK_FALSE(is_valid_idempotency_key("trail\n"));
  CHECK_FALSE(is_valid_idempotency_key("键"));
  CHECK_FALSE(is_valid_idempotency_key(std::string("a\0b", 3)));

  // Byte by byte: 0x21 '!' through 0x7e '~' and nothing else (no space, no
  // DEL, no bytes above ASCII).
  for (unsigned byte = 0; byte < 256; ++byte) {
    INFO("byte = " << byte);
    const bool graphic = byte >= 0x21 && byte <= 0x7e;
    CHECK(is_valid_idempotency_key(byte_string(byte)) == graphic);
    CHECK(is_valid_idempotency_key("key-" + byte_string(byte)) == graphic);
  }
}

TEST_CASE("text: bounded length in bytes and no control characters", "[ids]") {
  CHECK(is_valid_text("", 0));
  CHECK(is_valid_text("", limits::name_length_max));
  CHECK(is_valid_text("Acme Telecom Co., Ltd.", limits::name_length_max));
  CHECK(is_valid_text("中国电信", limits::name_length_max));  // UTF-8 names are allowed
  CHECK(is_valid_text(std::string(limits::name_length_max, 'n'), limits::name_length_max));
  CHECK_FALSE(
      is_valid_text(std::string(limits::name_length_max + 1, 'n'), limits::name_length_max));
  CHECK_FALSE(is_valid_text(std::string(limits::reference_length_max + 1, 'r'),
                            limits::reference_length_max));
  // The limit counts bytes, not characters: "中" is three bytes in UTF-8.
  CHECK(is_valid_text("中", 3));
  CHECK_FALSE(is_valid_text("中", 2));
  CHECK_FALSE(is_valid_text("line\nbreak", limits::name_length_max));
  CHECK_FALSE(is_valid_text("tab\there", limits::name_length_max));
  CHECK_FALSE(is_valid_text(std::string("nul\0", 4), limits::name_length_max));

  // ASCII byte by byte: C0 controls (0x00..0x1f) and DEL (0x7f) are refused;
  // space and every other character pass. Bytes above ASCII are covered by
  // the UTF-8 test below.
  for (unsigned byte = 0; byte < 0x80; ++byte) {
    INFO("byte = " << byte);
    const bool allowed = byte >= 0x20 && byte != 0x7f;
    CHECK(is_valid_text(byte_string(byte), 1) == allowed);
    CHECK(is_valid_text("ref " + byte_string(byte) + " end", 16) == allowed);
  }
}

TEST_CASE("text: well-formed UTF-8 only, no C1 controls", "[ids]") {
  // Text ends up in JSON output and on terminals: invalid UTF-8 would make the
  // JSON writer throw, so it is refused at the door.
  struct Row {
    std::string text;
    bool valid;
  };
  const Row rows[] = {
      {"\xc2\xa0", true},             // U+00A0 no-break space, first above C1
      {"\xc2\x80", false},            // U+0080, a C1 control
      {"\xc2\x9f", false},            // U+009F, the last C1 control
      {"\xe4\xb8\xad\xe6\x96\x87", true},  // 中文
      {"\xf0\x9f\x93\x9e", true},       // U+1F4DE telephone receiver
      {"\xf4\x8f\xbf\xbf", true},       // U+10FFFF, the largest code point
      {"\xff", false},                // never valid in UTF-8
      {"\x80", false},                // a lone continuation byte
      {"\xc3", false},                // a lead byte with nothing after it
      {"\xe4\xb8", false},            // a truncated 3-byte sequence
      {"\xc0\xaf", false},            // overlong '/'
      {"\xe0\x80\xaf", false},        // overlong '/', 3 bytes
      {"\xed\xa0\x80", false},        // U+D800, a surrogate
      {"\xf4\x90\x80\x80", false},    // U+110000, past the largest code point
      {"ok \xe4\xb8\xad then \xff", false},
  };
  for (const Row& row : rows) {
    INFO("text bytes: " << row.text.size());
    CHECK(is_valid_text(row.text, limits::name_length_max) == row.valid);
  }
}

}  // namespace
}  // namespace huawu
