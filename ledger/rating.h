#pragma once
// Rating: the one statement of how a call is billed (issue 3, clause A2.1).
//
//   billed seconds: 0 for a zero-length (unanswered) call; otherwise the
//     duration rounded up to whole seconds, then the first block if the call
//     fits in it, else first block + ceil((duration - first) / next) * next.
//   cost: 0 for a zero-length call; otherwise
//     connect fee + billed seconds * price per minute / 60,
//     rounded up to the unit (0.0001 yuan) once, at the end.
//
// Prices are written in fen with at most 2 decimals ("7.5" fen/minute) and
// kept as units: 1 fen = 100 units, so every price is exact.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace huawu {

struct Rate {
  std::string prefix;  // dialled digits, 1..limits::rate_prefix_digits_max
  std::string description;
  std::int64_t price_units_per_minute = 0;
  std::int64_t connect_fee_units = 0;
  std::uint32_t first_block_seconds = 60;
  std::uint32_t next_block_seconds = 60;
  bool operator==(const Rate&) const = default;
};

// "7.5" -> 750 units; refuses signs, exponents, more than 2 decimals and
// prices above limits::rate_price_fen_max, setting *why.
std::optional<std::int64_t> parse_fen(std::string_view text, std::string* why);

std::int64_t billed_seconds(std::int64_t duration_ms, std::uint32_t first_block_seconds,
                            std::uint32_t next_block_seconds);
std::int64_t call_cost_units(const Rate& rate, std::int64_t duration_ms);

// Longest-prefix match over the dialled digits: a digit trie, so a lookup
// costs one step per digit whatever the plan's size.
class PrefixTable {
 public:
  // Replaces any rate with the same prefix. Prefixes must be all digits.
  void insert(const Rate& rate);
  // The rate of the longest prefix of `number` in the table, or null.
  const Rate* lookup(std::string_view number) const;
  std::size_t size() const { return rates_.size(); }

 private:
  struct Node {
    std::int32_t child[10];
    std::int32_t rate;  // index in rates_, or -1
  };
  std::int32_t new_node();
  std::vector<Node> nodes_{Node{{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1}, -1}};
  std::vector<Rate> rates_;
};

}  // namespace huawu
