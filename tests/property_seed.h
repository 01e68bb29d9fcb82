#pragma once
// The seed of a randomized test: fixed by default, so a failure reproduces;
// HUAWU_PROPERTY_SEED=<n> (decimal, or hex with 0x) explores others.
#include <cstdint>
#include <cstdlib>

namespace huawu::test {

inline std::uint64_t property_seed(std::uint64_t default_seed) {
  const char* text = std::getenv("HUAWU_PROPERTY_SEED");
  return text && *text ? std::strtoull(text, nullptr, 0) : default_seed;
}

}  // namespace huawu::test
