#pragma once
// Helpers for the codec tests (events, switch, control): hex for golden
// bytes, flat messages, and hand-built frames for input no builder makes.
#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace huawu::test {

inline std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

inline std::string unhex(std::string_view text) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2)
    out.push_back(static_cast<char>(nibble(text[i]) * 16 + nibble(text[i + 1])));
  return out;
}

inline std::string flat_bytes(capnp::MessageBuilder& message) {
  const auto words = capnp::messageToFlatArray(message);
  const auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

// A one-segment frame from raw little-endian words, for frames no builder makes.
inline std::string raw_frame(const std::vector<std::uint64_t>& segment) {
  std::string out(8 + segment.size() * 8, '\0');
  const auto count = static_cast<std::uint32_t>(segment.size());
  for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<char>(count >> (8 * i));
  for (std::size_t w = 0; w < segment.size(); ++w)
    for (int i = 0; i < 8; ++i) out[8 + w * 8 + i] = static_cast<char>(segment[w] >> (8 * i));
  return out;
}

// Wire pointers (Cap'n Proto encoding spec): offset in words from the word
// after the pointer, then the kind in the low two bits.
inline std::uint64_t struct_pointer(std::int32_t offset, std::uint16_t data_words, std::uint16_t pointers) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(offset) << 2)) |
         (std::uint64_t{data_words} << 32) | (std::uint64_t{pointers} << 48);
}
inline std::uint64_t list_pointer(std::int32_t offset, unsigned element_size, std::uint32_t count) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(offset) << 2) | 1) |
         (static_cast<std::uint64_t>((count << 3) | element_size) << 32);
}
inline constexpr unsigned byte_elements = 2;
inline constexpr unsigned pointer_elements = 6;

}  // namespace huawu::test
