#include "ledger/daemon.h"
#include "cli/dispatch.h"

#include <sstream>

#include "cli/command_line.h"
#include "cli/format.h"
#include "cli/verb_args.h"

namespace huawu::cli {

namespace {

bool refuse(CallRefusal* refusal, std::string error, std::string message) {
  *refusal = CallRefusal{std::move(error), std::move(message)};
  return false;
}

bool arg_fits(const VerbSpec& verb, const VerbArg& arg, CallRefusal* refusal) {
  const std::string where = " of " + std::string(verb.path);
  const ArgSpec* spec = find_arg(verb, arg.name);
  if (!spec) return refuse(refusal, "argument_unknown", std::string(verb.path) + " has no argument " + arg.name);
  if (spec->kind != arg.kind())
    return refuse(refusal, "argument_kind",
                  arg.name + where + " is " + std::string(kind_name(spec->kind)) + ", not " +
                      std::string(kind_name(arg.kind())));
  if (const auto* n = std::get_if<std::int64_t>(&arg.value); n && (*n < spec->min || *n > spec->max))
    return refuse(refusal, "argument_out_of_range",
                  arg.name + where + " is " + std::to_string(*n) + ", outside " + std::to_string(spec->min) + ".." +
                      std::to_string(spec->max));
  return true;
}

bool args_fit(const VerbSpec& verb, const VerbCall& call, CallRefusal* refusal) {
  for (std::size_t i = 0; i < call.args.size(); ++i) {
    if (!arg_fits(verb, call.args[i], refusal)) return false;
    for (std::size_t j = 0; j < i; ++j)
      if (call.args[j].name == call.args[i].name)
        return refuse(refusal, "argument_repeated", call.args[i].name + " given twice to " + std::string(verb.path));
  }
  for (const ArgSpec& arg : verb.args) {
    const bool given = std::any_of(call.args.begin(), call.args.end(),
                                   [&](const VerbArg& a) { return a.name == arg.name; });
    if (arg.required && !given)
      return refuse(refusal, "argument_missing", std::string(verb.path) + " needs " + std::string(arg.name));
  }
  return true;
}

// Refuses a target outside an agent operator's reach with the answer a
// missing one gets (cli/scope.h); exit_ok when in reach.
int check_scope(Context& ctx, const Scope& scope, const Target& target) {
  int code = exit_ok;
  Writer* writer = writer_or_report(ctx, &code);
  if (!writer) return code;
  ScopeAnswer answer = ScopeAnswer::allowed;
  writer->read_and_wait([&](const LedgerState& state) { answer = scope_answer(scope, target, state); });
  const char* error = nullptr;
  switch (answer) {
    case ScopeAnswer::allowed: return exit_ok;
    case ScopeAnswer::account_not_found: error = "account_not_found"; break;
    case ScopeAnswer::agent_not_found: error = "agent_not_found"; break;
    case ScopeAnswer::card_not_found: error = "card_not_found"; break;
    case ScopeAnswer::ticket_not_found: error = "ticket_not_found"; break;
    case ScopeAnswer::promotion_not_found: error = "promotion_not_found"; break;
    case ScopeAnswer::permission_denied: error = "permission_denied"; break;
  }
  return print_error(ctx, exit_refused, error, std::string("refused: ") + error);
}

// The verb's target for `scope` (its rule in the table). An agent operator's
// tree starts at its own agent: an empty agent argument becomes that agent.
Target target_of(const VerbSpec& verb, VerbCall& call, const Scope& scope) {
  const TargetRule& rule = verb.target;
  if (rule.arg.empty()) return Target{rule.kind, {}};
  std::string id;
  for (const VerbArg& arg : call.args)
    if (arg.name == rule.arg) id = std::get<std::string>(arg.value);
  if (!id.empty()) return Target{rule.kind, id};
  if (rule.empty_is_ledger) return Target{TargetKind::ledger, {}};
  if (rule.kind != TargetKind::agent) return Target{rule.kind, {}};
  set_arg(call, rule.arg, scope.agent);
  return Target{rule.kind, scope.agent};
}

ControlReply refused(const CallRefusal& refusal, bool json) {
  std::ostringstream out, err;
  // print_error's shape without a ledger: JSON with --json, else a line on err.
  if (json)
    out << json_line(nlohmann::json{{"ok", false}, {"error", refusal.error}, {"message", refusal.message}}) << "\n";
  else
    err << "huawu: " << refusal.message << "\n";
  return ControlReply{exit_bad_input, out.str(), err.str()};
}

}  // namespace

const VerbSpec* check_call(const VerbCall& call, bool on_ledger_only, CallRefusal* refusal) {
  const VerbSpec* verb = find_verb(call.verb);
  if (!verb) {
    refuse(refusal, "verb_unknown",
           "unknown verb id " + std::to_string(call.verb) + " (is this daemon's huawu older than the command's?)");
    return nullptr;
  }
  if (on_ledger_only && !verb->run) {
    refuse(refusal, "verb_not_forwardable", std::string(verb->path) + " runs only in a command of its own");
    return nullptr;
  }
  return args_fit(*verb, call, refusal) ? verb : nullptr;
}

int run_on_ledger(const VerbSpec& verb, VerbCall call, Context& ctx) {
  ctx.json = call_has_flag(call, "--json");
  try {
    if (const Scope* scope = ctx.access.scope()) {
      const Target target = target_of(verb, call, *scope);
      if (const int code = check_scope(ctx, *scope, target); code != exit_ok) return code;
    }
    return verb.run(ctx, VerbArgs(verb, call));
  } catch (const StorageError& e) {
    ctx.err << "huawu: storage error: " << e.what() << "\n";
    return exit_storage;
  }
}

ControlReply answer_control(const ControlRequest& request, LedgerAccess& access, const std::string& data_dir) {
  std::ostringstream out, err;
  VerbCall call;
  if (request.call) {
    call = *request.call;
  } else {
    // An older command or `huawu switch-sim`: its command line, parsed with the same table.
    CommandLine line(Side::daemon);
    auto parsed = line.parse(request.args, out, err);
    if (const int* code = std::get_if<int>(&parsed)) return ControlReply{*code, out.str(), err.str()};
    call = std::move(std::get<VerbCall>(parsed));
  }
  CallRefusal refusal;
  const VerbSpec* verb = check_call(call, true, &refusal);
  if (!verb) return refused(refusal, call_has_flag(call, "--json"));
  Context ctx{data_dir, false, out, err, access};
  // A query (CPU-bound for seconds on a large ledger: statements, audits)
  // runs idle-class so that it never lengthens an authorization; a change
  // keeps its priority, since it mostly waits for its commit.
  int code = exit_ok;
  if (verb->access == Access::reads) run_when_idle([&] { code = run_on_ledger(*verb, std::move(call), ctx); });
  else code = run_on_ledger(*verb, std::move(call), ctx);
  return ControlReply{code, out.str(), err.str()};
}

}  // namespace huawu::cli
