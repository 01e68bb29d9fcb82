#pragma once
// The verb table: every verb of the huawu command declared once, with its
// arguments (name, kind, required or default, help), its target for an agent
// operator's scope (cli/scope.h), whether it reads or changes the ledger,
// where it runs and its handler. From it come the command line (CLI11,
// cli/command_line.h) and --help, the typed call the command sends a daemon
// (events/control_protocol.h VerbCall), the daemon's check of that call and
// its dispatch (cli/dispatch.h), and the scope rule.
//
// The entries live per area: cli/verbs_accounts.cc, cli/verbs_agents.cc,
// cli/verbs_contracts.cc and cli/verbs_local.cc; their order is the order of
// `huawu --help`.
#include <cstdint>
#include <limits>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/card_csv.h"
#include "cli/context.h"
#include "cli/scope.h"
#include "cli/verb_ids.h"
#include "events/control_protocol.h"

namespace huawu::cli {

class VerbArgs;

struct ArgSpec {
  std::string_view name;  // "ACCOUNT": positional, in declaration order; "--card": an option
  ArgKind kind = ArgKind::text;
  bool required = false;
  std::string_view help;
  std::string_view default_text = {};  // text: the value when absent
  std::int64_t default_integer = 0;    // integer: the value when absent
  double default_number = 0;           // number: the value when absent
  std::int64_t min = std::numeric_limits<std::int64_t>::min();  // integer: the range accepted
  std::int64_t max = std::numeric_limits<std::int64_t>::max();
  bool hidden = false;  // set by the command for the daemon, never typed: not in --help
  bool path = false;    // a file the daemon reads: sent as an absolute path (its directory is not ours)
};

// Declaring arguments (the table reads like the command line).
constexpr ArgSpec text(std::string_view name, std::string_view help, std::string_view default_text = {}) {
  return ArgSpec{.name = name, .help = help, .default_text = default_text};
}
constexpr ArgSpec required(std::string_view name, std::string_view help) {
  return ArgSpec{.name = name, .required = true, .help = help};
}
constexpr ArgSpec integer(std::string_view name, std::string_view help, std::int64_t min, std::int64_t max,
                          std::int64_t default_integer = 0, bool is_required = false) {
  return ArgSpec{.name = name, .kind = ArgKind::integer, .required = is_required, .help = help,
                 .default_integer = default_integer, .min = min, .max = max};
}
constexpr ArgSpec flag(std::string_view name, std::string_view help) {
  return ArgSpec{.name = name, .kind = ArgKind::flag, .help = help};
}
constexpr ArgSpec list(std::string_view name, std::string_view help, bool is_required) {
  return ArgSpec{.name = name, .kind = ArgKind::list, .required = is_required, .help = help};
}
constexpr ArgSpec number(std::string_view name, std::string_view help, double default_number) {
  return ArgSpec{.name = name, .kind = ArgKind::number, .help = help, .default_number = default_number};
}
constexpr ArgSpec key_arg() { return text("--key", "idempotency key: a retry with the same key changes nothing"); }
constexpr ArgSpec json_arg(std::string_view help = "print one JSON object") { return flag("--json", help); }

inline constexpr std::int64_t uint32_max = std::numeric_limits<std::uint32_t>::max();
inline constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();

// What an agent operator's request reaches: `kind`, named by the argument
// `arg` (empty: the kind alone, e.g. ledger-wide). When that argument is
// absent or empty, an agent target is the operator's own agent (`agent tree`
// with no ROOT shows its own subtree) unless `empty_is_ledger` (`account
// open` without --agent opens a provider's own user: the provider's call).
struct TargetRule {
  TargetKind kind = TargetKind::ledger;
  std::string_view arg = {};
  bool empty_is_ledger = false;
};

enum class Access : std::uint8_t {
  reads,   // queries: never submits a request
  writes,  // submits requests (an auditor's are refused in run_request)
};

// The command's side of one run: where it runs, the person's streams and
// what a verb keeps between its preparation and its reply.
struct CommandRun {
  std::string data_dir;
  bool data_given = false;  // --data was on the command line (serve: it wins over the config)
  std::ostream& out;
  std::ostream& err;
  bool json = false;                  // the person asked for JSON
  std::unique_ptr<CardCsv> card_csv;  // cards issue: the PIN file, reserved before the ledger is asked
};

// Runs on a ledger: in the command on its own store, or in the daemon.
using LedgerHandler = int (*)(Context&, const VerbArgs&);
// Runs in a command of its own (init, serve, tail, login, switch-sim, calendar).
using LocalHandler = int (*)(CommandRun&, const VerbArgs&);
// On the command's side before the verb runs or goes to a daemon: may add to
// the call (a password's hash) or stop with an exit code (exit_ok: go on).
using Prepare = int (*)(CommandRun&, VerbCall&);
// On the command's side with a daemon's reply to a verb that has one: the
// daemon answered in JSON (--json is sent for it); this makes the output.
using Finish = int (*)(CommandRun&, const ControlReply&);

struct VerbSpec {
  VerbId id = VerbId::none;
  std::string_view path;  // "recharge-card redeem"
  std::string_view help;
  std::vector<ArgSpec> args;
  TargetRule target;
  Access access = Access::reads;
  LedgerHandler run = nullptr;        // set for a verb on a ledger...
  LocalHandler run_local = nullptr;   // ...or for one of a command of its own
  Prepare prepare = nullptr;
  Finish finish = nullptr;
  std::string_view footer = {};       // more --help text
};

// A word of a path that is not itself a verb ("account", "cards"): its help,
// and options its verbs share (calendar --calendar FILE).
struct GroupSpec {
  std::string_view path;
  std::string_view help;
  std::vector<ArgSpec> args;
};

// Every verb and group, in --help order; checked once (unique ids and paths,
// every target argument declared, a parent before its children).
const std::vector<VerbSpec>& verb_table();
const std::vector<GroupSpec>& group_table();
// The verb with `id`, or null.
const VerbSpec* find_verb(std::uint16_t id);
// The verb at `path` ("balance"), or null.
const VerbSpec* find_verb(std::string_view path);
// The declaration of `name` among `verb`'s arguments, or null.
const ArgSpec* find_arg(const VerbSpec& verb, std::string_view name);

// The areas' entries (cli/verbs_*.cc).
void add_account_verbs(std::vector<VerbSpec>& table, std::vector<GroupSpec>& groups);
void add_agent_verbs(std::vector<VerbSpec>& table, std::vector<GroupSpec>& groups);
void add_contract_verbs(std::vector<VerbSpec>& table, std::vector<GroupSpec>& groups);
void add_local_verbs(std::vector<VerbSpec>& table, std::vector<GroupSpec>& groups);

}  // namespace huawu::cli
