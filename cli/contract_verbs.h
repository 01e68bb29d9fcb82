#pragma once
// Contracts and notices (contract_verbs.cc; issue 6, clauses 7, 6.5, B3.5).
#include <string>
#include <vector>

#include "cli/context.h"

namespace huawu::cli {

struct ContractSignArgs {
  std::string contract, agent, signed_date, counter_signed_date;
  std::string price;          // fen per minute, e.g. 8.5
  std::string deposit = "0";  // yuan
  std::string franchise_fee = "0";
  std::string renewals = "repeat";
  ContractTerms terms;        // the whole-number parameters
  std::string key;
};

struct NoticeArgs {
  std::string contract, from, kind, method, sent, last_service_day, subject, key;
};

struct ContractAmendArgs {
  std::string contract, effective, reference, key;
  std::vector<std::string> settings;  // PARAM=VALUE, e.g. term-months=36, price=8, renewals=once
};

struct ObligationArgs {
  std::string contract;  // empty: every contract's
  std::string status;    // empty: every status
  std::string as_of;     // empty: today
  int due_within = -1;   // >= 0: only pending ones due within that many days
};

// O-PAY (B3.7), O-ACCOUNTS (A2.4), O-EXIT (B3.5), O-DISPUTE (6.1) and O-SLA
// (A3.2), as of the end of a day or now.
int verb_obligations(Context& ctx, const ObligationArgs& args);
// Clause 8: a supplementary agreement.
int verb_contract_amend(Context& ctx, const ContractAmendArgs& args);
int verb_obligation_waive(Context& ctx, const std::string& obligation, const std::string& reason,
                          const std::string& key);

int verb_contract_sign(Context& ctx, const ContractSignArgs& args);
// `as_of` a China date; empty: today.
int verb_contract_status(Context& ctx, const std::string& contract, const std::string& as_of);
int verb_contract_list(Context& ctx);
int verb_notice_send(Context& ctx, const NoticeArgs& args);
// `contract` empty: every contract's notices.
int verb_notices(Context& ctx, const std::string& contract);

}  // namespace huawu::cli
