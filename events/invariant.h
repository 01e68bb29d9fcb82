#pragma once
// Assertions are for huawu's own bugs and stay on in every build: a broken
// invariant in a ledger must stop the process, not corrupt money quietly.
// (Business rule violations are Rejection values, never assertions.)
#include <cstdio>
#include <cstdlib>

#define HUAWU_ASSERT(condition, message)                                                   \
  do {                                                                                     \
    if (!(condition)) [[unlikely]] {                                                       \
      std::fprintf(stderr, "huawu: invariant broken at %s:%d: %s (%s)\n", __FILE__, __LINE__, \
                   message, #condition);                                                   \
      std::abort();                                                                        \
    }                                                                                      \
  } while (false)
