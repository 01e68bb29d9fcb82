#include "cli/app.h"

#include <filesystem>

#include "cli/command_line.h"
#include "cli/dispatch.h"
#include "cli/verb_args.h"
#include "events/invariant.h"

namespace huawu::cli {

namespace {

// The call as a daemon gets it: files as absolute paths (its working
// directory is not ours), and --json for a verb whose reply this command
// finishes itself (cards issue writes its PIN file from the JSON).
VerbCall for_daemon(const VerbSpec& verb, VerbCall call) {
  for (VerbArg& arg : call.args)
    if (const ArgSpec* spec = find_arg(verb, arg.name); spec && spec->path)
      arg.value = std::filesystem::absolute(std::get<std::string>(arg.value)).lexically_normal().string();
  if (verb.finish) set_arg(call, "--json", FlagGiven{});
  return call;
}

// The command's own path when no daemon serves the data directory.
int run_embedded(const VerbSpec& verb, VerbCall call, CommandRun& run) {
  EmbeddedAccess embedded(run.data_dir);
  Context ctx{run.data_dir, run.json, run.out, run.err, embedded, run.card_csv.get()};
  const int code = run_on_ledger(verb, std::move(call), ctx);
  if (run.card_csv) run.card_csv->discard();  // a PIN file reserved for a batch that was not issued
  return code;
}

}  // namespace

int run_app(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, const Forward& forward) {
  CommandLine line(Side::command);
  auto parsed = line.parse(args, out, err);
  if (const int* code = std::get_if<int>(&parsed)) return *code;
  VerbCall call = std::get<VerbCall>(std::move(parsed));
  CallRefusal refusal;
  const VerbSpec* verb = check_call(call, false, &refusal);
  HUAWU_ASSERT(verb != nullptr, "the command line gave a call its own table refuses");
  CommandRun run{line.data_dir(), line.data_given(), out, err, call_has_flag(call, "--json"), nullptr};
  if (verb->run_local) return verb->run_local(run, VerbArgs(*verb, call));
  if (verb->prepare)
    if (const int code = verb->prepare(run, call); code != exit_ok) return code;
  if (forward)
    if (auto reply = forward(run.data_dir, for_daemon(*verb, call))) {
      if (verb->finish) return verb->finish(run, *reply);
      out << reply->out << std::flush;
      err << reply->err << std::flush;
      return reply->exit_code;
    }
  return run_embedded(*verb, std::move(call), run);
}

}  // namespace huawu::cli
