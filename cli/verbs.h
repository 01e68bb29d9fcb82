#pragma once
// The verbs of the huawu command. Each returns the process exit code:
// 0 done, 1 refused by a business rule or audit finding, 2 bad input,
// 3 storage trouble (no store, store in use, unreadable).
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "cli/context.h"

namespace huawu::cli {

// Accounts and money (verbs.cc).
int verb_account_open(Context& ctx, const std::string& account, const std::string& initial,
                      const std::string& plan, const std::string& agent, const std::string& key);
int verb_recharge(Context& ctx, const std::string& account, const std::string& amount,
                  const std::string& reference, const std::string& key);
// What happens to a closing account's balance: at most one of the three.
struct CloseChoice {
  bool refund = false;
  std::string reference;    // with refund
  std::string transfer_to;  // another account of the same agent
  bool forfeit = false;
};
int verb_account_close(Context& ctx, const std::string& account, const CloseChoice& choice, const std::string& key);
// Clause 6.3: `consent_by` provider | both-agents; `to_agent` "provider": the provider's own users.
int verb_account_transfer(Context& ctx, const std::string& account, const std::string& to_agent,
                          const std::string& consent, const std::string& consent_by, const std::string& key);
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

// The Kamailio connector (kamailio_verbs.cc, issue 15). Backfill bills the
// acc CDRs of FILE or DIR the ledger has not seen; status and cut need the
// daemon's connector.
int verb_kamailio_backfill(Context& ctx, const std::string& path, const std::string& switch_id);
int verb_kamailio_status(Context& ctx);
// `call`: the SIP Call-ID or huawu's call id of a live Kamailio call.
int verb_calls_cut(Context& ctx, const std::string& call);

// The agent tree (agent_verbs.cc). Prices are fen per minute with up to 2
// decimals ("8.5"); `parent` "provider" adds a level-1 agent.
int verb_agent_add(Context& ctx, const std::string& agent, const std::string& parent, const std::string& name,
                   const std::string& price, const std::string& key);
// `price` "level": the agent buys at its level's price again.
int verb_agent_price(Context& ctx, const std::string& agent, const std::string& price, const std::string& key);
// `price` "none": the level has no price.
int verb_pricing_set_level(Context& ctx, std::uint32_t level, const std::string& price, const std::string& key);
int verb_agent_suspend(Context& ctx, const std::string& agent, const std::string& reason, const std::string& key);
int verb_agent_resume(Context& ctx, const std::string& agent, const std::string& key);
// `root` "provider" (or empty): the whole tree.
int verb_agent_tree(Context& ctx, const std::string& root);

// Agents' money and traffic (agent_money_verbs.cc). Amounts in yuan, up to 4
// decimals; `kind` traffic|deposit|franchise_fee|other.
int verb_payment_record(Context& ctx, const std::string& agent, const std::string& kind, const std::string& amount,
                        const std::string& reference, const std::string& key);
int verb_deposit_release(Context& ctx, const std::string& agent, const std::string& amount, bool forfeit,
                         const std::string& reason, const std::string& key);
// `minutes`: whole minutes.
int verb_traffic_buy(Context& ctx, const std::string& agent, const std::string& minutes, const std::string& key);
// `huawu stats AGENT`: per day or month (China time), `by` "day" or "month".
int verb_stats(Context& ctx, const std::string& agent, const std::string& from, const std::string& to,
               const std::string& by);
// `huawu agent statement AGENT`: every posting touching the agent, running balances.
int verb_agent_statement(Context& ctx, const std::string& agent, const std::string& from, const std::string& to);
int verb_agent_credit(Context& ctx, const std::string& agent, const std::string& prepayment_credit,
                      const std::string& overdraft_minutes, const std::string& key);

// Principals (principal_verbs.cc). `role` provider|agent|auditor; the hash
// comes from read_password_hash, on the command's side.
int verb_principal_add(Context& ctx, const std::string& name, const std::string& role, const std::string& agent,
                       const std::string& password_hash, const std::string& key);
int verb_principal_passwd(Context& ctx, const std::string& name, const std::string& password_hash,
                          const std::string& key);
int verb_principal_list(Context& ctx);
// Reads an operation password (terminal without echo, twice; or one line of
// stdin) and returns its argon2id hash, or nullopt with *why.
std::optional<std::string> read_password_hash(bool from_stdin, std::ostream& err, std::string* why);
// The password itself (for `huawu login`); `confirm`: ask twice on a terminal.
std::optional<std::string> read_password(bool from_stdin, bool confirm, std::ostream& err, std::string* why);

}  // namespace huawu::cli
