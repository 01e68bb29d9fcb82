#pragma once
// The command line of the compliance verbs that build on contracts (issue 6):
// contract amend, obligation waive, ticket, tickets, sla report and promo.
// cli/app.cc keeps the rest; these register here to keep that file short.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "cli/context.h"
#include "cli/contract_verbs.h"
#include "cli/promo_verbs.h"
#include "cli/scope.h"
#include "cli/ticket_verbs.h"

namespace huawu::cli {

// What a chosen verb sets in run_app (cli/app.cc): its target for an agent
// operator's scope and what it does; and the shared --key and --json.
struct VerbWiring {
  Target& target;
  std::function<int(Context&)>& on_ledger;
  std::string& key;
  bool& json;
};

// The options of every verb here; lives as long as the parse and the run.
struct ComplianceArgs {
  ContractAmendArgs amend;
  std::string obligation, reason;
  TicketArgs ticket;
  std::string contract;
  bool unanswered = false;
  SlaReportArgs sla;
  PromoArgs promo;
};

// `contract` is the `contract` verb, which gains `amend`.
void add_compliance_verbs(CLI::App& app, CLI::App& contract, ComplianceArgs& args, const VerbWiring& wiring);

}  // namespace huawu::cli
