#pragma once
// The verbs of the huawu command. Each returns the process exit code:
// 0 done, 1 refused by a business rule or audit finding, 2 bad input,
// 3 storage trouble (no store, store in use, unreadable).
#include <cstdint>
#include <optional>
#include <string>

namespace huawu::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_refused = 1;
inline constexpr int exit_bad_input = 2;
inline constexpr int exit_storage = 3;

struct Global {
  std::string data_dir;
  bool json = false;
};

int verb_init(const Global& g, const std::string& provider_id, const std::string& provider_name);
int verb_account_open(const Global& g, const std::string& account, const std::string& initial,
                      const std::string& plan, const std::string& key);
int verb_recharge(const Global& g, const std::string& account, const std::string& amount,
                  const std::string& reference, const std::string& key);
int verb_account_close(const Global& g, const std::string& account, bool refund,
                       const std::string& key);
int verb_balance(const Global& g, const std::string& account);
int verb_events(const Global& g, std::uint64_t from, std::uint64_t limit);
int verb_audit_verify(const Global& g);

}  // namespace huawu::cli
