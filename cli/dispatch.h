#pragma once
// Running one typed verb call (events/control_protocol.h VerbCall) against
// the verb table (cli/verb_table.h): the same path for the command on its own
// store and for the daemon answering a forwarded request.
#include <optional>
#include <string>

#include "cli/context.h"
#include "cli/verb_table.h"
#include "events/control_protocol.h"

namespace huawu::cli {

// Why a call does not fit its verb. Each is a refusal with exit 2.
struct CallRefusal {
  std::string error;    // verb_unknown, verb_not_forwardable, argument_unknown, argument_repeated,
                        // argument_kind, argument_missing, argument_out_of_range
  std::string message;  // e.g. "recharge-card redeem needs --pin"
};

// The verb `call` names when every argument fits its declaration (a known
// name, given once, of its kind, within its range, every required one
// there); else the refusal. `on_ledger_only`: verbs of a command of their own
// (init, serve...) are refused, as a daemon must.
const VerbSpec* check_call(const VerbCall& call, bool on_ledger_only, CallRefusal* refusal);

// Runs a checked call of a verb on a ledger: --json, an agent operator's
// scope (the verb's target rule, checked against the committed state), then
// the handler. A storage error is exit 3 with its message.
int run_on_ledger(const VerbSpec& verb, VerbCall call, Context& ctx);

// The daemon's answer to an admitted request: its typed call checked and
// run, or its command line (older commands, `huawu switch-sim`) parsed with
// the same table first. `data_dir` is what the verbs see as theirs.
ControlReply answer_control(const ControlRequest& request, LedgerAccess& access, const std::string& data_dir);

}  // namespace huawu::cli
