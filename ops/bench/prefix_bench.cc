// Prefix lookup benchmark (issue 3 target: >= 2,000,000 lookups/s on a
// 50,000-prefix plan). Builds a realistic plan — country codes, then mobile
// and city blocks under them, 3 to 9 digits — and looks up random dialled
// numbers of 11-15 digits, most of which hit a long prefix.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "ledger/rating.h"

int main(int argc, char** argv) {
  CLI::App app{"huawu prefix lookup benchmark"};
  std::size_t prefixes = 50'000, lookups = 10'000'000;
  app.add_option("--prefixes", prefixes, "rates in the plan")->check(CLI::Range(1, 200'000));
  app.add_option("--lookups", lookups, "numbers to look up")->check(CLI::Range(1, 100'000'000));
  CLI11_PARSE(app, argc, argv);

  std::mt19937_64 random(42);
  huawu::PrefixTable table;
  std::unordered_set<std::string> seen;
  std::vector<std::string> plan;
  while (plan.size() < prefixes) {
    // A country code of 1-3 digits, then 2-6 more digits for a block.
    std::string prefix = std::to_string(1 + random() % 999);
    const std::size_t extra = 2 + random() % 5;
    for (std::size_t i = 0; i < extra; ++i) prefix.push_back(static_cast<char>('0' + random() % 10));
    if (!seen.insert(prefix).second) continue;
    table.insert(huawu::Rate{prefix, "block", 750, 0, 60, 60});
    plan.push_back(prefix);
  }
  // Dialled numbers: a plan prefix (so lookups walk deep) plus digits to 11-15.
  std::vector<std::string> numbers(1 << 16);
  for (std::string& number : numbers) {
    number = plan[random() % plan.size()];
    const std::size_t length = 11 + random() % 5;
    while (number.size() < length) number.push_back(static_cast<char>('0' + random() % 10));
  }

  std::size_t found = 0;
  const auto started = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < lookups; ++i)
    found += table.lookup(numbers[i & (numbers.size() - 1)]) != nullptr;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("plan                 %zu prefixes\n", table.size());
  std::printf("lookups              %zu in %.3f s (%zu matched)\n", lookups, seconds, found);
  std::printf("rate                 %.0f lookups/s (target >= 2000000)\n",
              static_cast<double>(lookups) / seconds);
  return found == lookups ? 0 : 1;
}
