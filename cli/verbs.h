#pragma once
// The verbs of the huawu command. Each returns the process exit code:
// 0 done, 1 refused by a business rule or audit finding, 2 bad input,
// 3 storage trouble (no store, store in use, unreadable).
#include <cstdint>
#include <string>

#include "cli/context.h"

namespace huawu::cli {

// Accounts and money (verbs.cc).
int verb_account_open(Context& ctx, const std::string& account, const std::string& initial,
                      const std::string& plan, const std::string& key);
int verb_recharge(Context& ctx, const std::string& account, const std::string& amount,
                  const std::string& reference, const std::string& key);
int verb_account_close(Context& ctx, const std::string& account, bool refund, const std::string& key);
int verb_balance(Context& ctx, const std::string& account);
int verb_events(Context& ctx, std::uint64_t from, std::uint64_t limit);
int verb_audit_verify(Context& ctx);

// Rate plans (rates_verbs.cc).
int verb_rates_import(Context& ctx, const std::string& plan, const std::string& file,
                      const std::string& key);
int verb_rates_show(Context& ctx, const std::string& plan);
int verb_rates_lookup(Context& ctx, const std::string& plan, const std::string& number);

// Calls and holds (calls_verbs.cc). `from`/`to`: YYYY-MM-DD (China time) or
// an ISO 8601 timestamp with offset; empty: unbounded.
int verb_calls(Context& ctx, const std::string& account, const std::string& from, const std::string& to);
int verb_holds(Context& ctx, const std::string& account);

}  // namespace huawu::cli
