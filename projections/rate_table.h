#pragma once
// A rate plan's rows, searchable by longest prefix of the dialled digits.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "events/event.h"

namespace huawu {

// Billed seconds of a call (the rule is stated in ledger/rating.h): 0 for a
// zero-length call; otherwise the duration rounded up to whole seconds, then
// the first block if the call fits in it, else first block +
// ceil((duration - first) / next) * next.
std::int64_t billed_seconds(std::int64_t duration_ms, std::uint32_t first_block_seconds,
                            std::uint32_t next_block_seconds);

class ByteWriter;
class ByteReader;

// One rate row in the byte layout of snapshots and request fingerprints:
// str prefix, str description, i64 price, i64 connect fee, u64 first block,
// u64 next block.
// read_rate: nullopt when a block does not fit 32 bits (a cast would make
// two images one state).
void write_rate(ByteWriter& w, const Rate& rate);
std::optional<Rate> read_rate(ByteReader& r);

// Longest-prefix match over the dialled digits: a digit trie, so a lookup
// costs one step per digit whatever the plan's size.
class PrefixTable {
 public:
  // Replaces any rate with the same prefix. Prefixes must be all digits.
  void insert(const Rate& rate);
  // The rate of the longest prefix of `number` in the table, or null.
  const Rate* lookup(std::string_view number) const;
  std::size_t size() const { return rates_.size(); }
  // Rows in insertion order.
  const std::vector<Rate>& rates() const { return rates_; }

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
