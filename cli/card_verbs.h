#pragma once
// The card verbs (card_verbs.cc; issue 5).
#include <cstdint>
#include <optional>
#include <string>

#include "cli/card_csv.h"
#include "cli/context.h"

namespace huawu::cli {

struct CardIssueArgs {
  std::string agent;
  std::string kind;     // account | recharge
  std::string count;
  std::string face;     // yuan
  std::string plan;
  std::string expires;  // a day, China time; empty: never
  std::string key;
};

// The command of `cards issue`, or nullopt after printing what is wrong.
std::optional<IssueCards> issue_command_or_report(Context& ctx, const CardIssueArgs& args, int* code);

// `cards issue`: with `csv` (the command's own store), submits and writes
// the PIN file; without (inside the daemon), submits and prints the outcome
// for the command that asked, which then writes the file (finish_card_issue).
int verb_cards_issue(Context& ctx, const CardIssueArgs& args, CardCsv* csv);
int finish_card_issue(Context& ctx, const CardBatchIssued& batch, std::uint64_t sequence, bool replayed, CardCsv& csv);
// The batch event in a daemon's JSON reply to `cards issue --json`, or nullopt.
std::optional<CardBatchIssued> batch_from_reply(const std::string& reply_out, std::uint64_t* sequence, bool* replayed);

// `agent`: its subtree's batches and its own account-card counts; empty: every batch.
int verb_cards_batches(Context& ctx, const std::string& agent);
int verb_cards_show(Context& ctx, const std::string& number);
// `from`/`to`: card numbers (both or neither: the whole batch).
int verb_cards_void(Context& ctx, const std::string& batch, const std::string& from, const std::string& to,
                    const std::string& reason, const std::string& key);
int verb_account_activate(Context& ctx, const std::string& number, const std::string& pin, const std::string& key);
int verb_recharge_card_redeem(Context& ctx, const std::string& account, const std::string& number,
                              const std::string& pin, const std::string& key);
// card_already_redeemed is answered with when and into which account.
Explain card_refusal_explainer(Context& ctx, const std::string& number);

}  // namespace huawu::cli
