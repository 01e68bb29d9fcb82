#include "cli/command_line.h"

#include <algorithm>
#include <cstdlib>

#include "cli/context.h"
#include "events/invariant.h"

namespace huawu::cli {

namespace {

std::string default_data_dir() {
  const char* env = std::getenv("HUAWU_DATA");
  return env && *env ? env : "./huawu-data";
}

// The first words in the order `huawu --help` has always listed them.
constexpr std::string_view top_level_order[] = {
    "init",    "account", "recharge",  "recharge-card", "cards",   "balance",    "rates",   "calls",
    "kamailio", "holds",  "agent",     "payment",       "deposit", "traffic",    "stats",   "principal",
    "pricing", "contract", "notice",   "notices",       "obligations", "obligation", "ticket", "tickets",
    "sla",     "promo",   "calendar",  "events",        "audit",   "serve",      "tail",    "login",
    "switch-sim"};

const GroupSpec* find_group(std::string_view path) {
  for (const GroupSpec& group : group_table())
    if (group.path == path) return &group;
  return nullptr;
}

bool has_children(std::string_view path) {
  for (const VerbSpec& verb : verb_table())
    if (verb.path.size() > path.size() && verb.path.substr(0, path.size()) == path && verb.path[path.size()] == ' ')
      return true;
  return false;
}

std::size_t words(std::string_view path) { return static_cast<std::size_t>(std::count(path.begin(), path.end(), ' ')) + 1; }

bool on_side(const VerbSpec& verb, Side side) { return side == Side::command || verb.run != nullptr; }

}  // namespace

std::string_view kind_name(ArgKind kind) {
  switch (kind) {
    case ArgKind::text: return "text";
    case ArgKind::integer: return "an integer";
    case ArgKind::flag: return "a flag";
    case ArgKind::list: return "a list";
    case ArgKind::number: return "a number";
  }
  return "unknown";
}

CommandLine::CommandLine(Side side)
    : app_("huawu (话务): event-sourced ledger for prepaid internet telephony"), data_dir_(default_data_dir()) {
  app_.require_subcommand(1);
  app_.set_version_flag("--version", "huawu 0.2.0");
  if (side == Side::command)
    data_option_ = app_.add_option("--data", data_dir_, "data directory (default $HUAWU_DATA, else ./huawu-data)");
  auto wanted = [&](std::string_view word) {
    if (const VerbSpec* verb = find_verb(word)) return on_side(*verb, side);
    for (const VerbSpec& verb : verb_table())
      if (on_side(verb, side) && verb.path.substr(0, verb.path.find(' ')) == word) return true;
    return false;
  };
  for (std::string_view word : top_level_order)
    if (wanted(word)) node_app(word);
  for (const VerbSpec& verb : verb_table())
    if (on_side(verb, side)) node_app(verb.path);
}

// The subcommand at `path`, made (with its parents) on first use.
CLI::App* CommandLine::node_app(std::string_view path) {
  for (const Node& node : nodes_)
    if (node.path == path) return node.app;
  const auto space = path.rfind(' ');
  CLI::App* parent = space == std::string_view::npos ? &app_ : node_app(path.substr(0, space));
  const std::string name(space == std::string_view::npos ? path : path.substr(space + 1));
  Node& node = nodes_.emplace_back();
  node.path = path;
  node.verb = find_verb(path);
  if (node.verb) {
    node.app = parent->add_subcommand(name, std::string(node.verb->help));
    if (!node.verb->footer.empty()) node.app->footer(std::string(node.verb->footer));
    // A verb with verbs below it (calls, calls cut) checks its own required arguments after the parse.
    add_args(node, node.verb->args, !has_children(path));
    return node.app;
  }
  const GroupSpec* group = find_group(path);
  HUAWU_ASSERT(group != nullptr, "a verb's path goes through an undeclared group");
  node.app = parent->add_subcommand(name, std::string(group->help));
  node.app->require_subcommand(1);
  add_args(node, group->args, true);
  return node.app;
}

void CommandLine::add_args(Node& node, const std::vector<ArgSpec>& args, bool enforce_required) {
  for (const ArgSpec& arg : args) {
    Slot& slot = slots_.emplace_back();
    slot.arg = &arg;
    const std::string name(arg.name);
    const std::string help(arg.help);
    switch (arg.kind) {
      case ArgKind::text: slot.option = node.app->add_option(name, slot.text, help); break;
      case ArgKind::integer:
        // The range is checked without a word in --help, which names the type as it always has.
        slot.option = node.app->add_option(name, slot.integer, help)
                          ->check(CLI::Range(arg.min, arg.max).description(""))
                          ->type_name(arg.min >= 0 ? "UINT" : "INT");
        break;
      case ArgKind::flag: slot.option = node.app->add_flag(name, slot.flag, help); break;
      case ArgKind::list: slot.option = node.app->add_option(name, slot.list, help); break;
      case ArgKind::number: slot.option = node.app->add_option(name, slot.number, help); break;
    }
    if (arg.required && enforce_required) slot.option->required();
    if (arg.hidden) slot.option->group("");
    node.slots.push_back(&slot);
  }
}

bool CommandLine::data_given() const { return data_option_ && data_option_->count() > 0; }

// The deepest verb the command line named.
const CommandLine::Node* CommandLine::chosen() const {
  const Node* best = nullptr;
  for (const Node& node : nodes_)
    if (node.verb && node.app->parsed() && (!best || words(node.path) > words(best->path))) best = &node;
  return best;
}

VerbCall CommandLine::call_of(const Node& verb) const {
  VerbCall call{static_cast<std::uint16_t>(verb.verb->id), {}};
  auto add = [&call](const Slot& slot) {
    const std::string name(slot.arg->name);
    switch (slot.arg->kind) {
      case ArgKind::text: call.args.push_back({name, slot.text}); break;
      case ArgKind::integer: call.args.push_back({name, slot.integer}); break;
      case ArgKind::flag: call.args.push_back({name, FlagGiven{}}); break;
      case ArgKind::list: call.args.push_back({name, slot.list}); break;
      case ArgKind::number: call.args.push_back({name, slot.number}); break;
    }
  };
  for (const Slot* slot : verb.slots)
    if (slot->option->count() > 0) add(*slot);
  // A group's option (calendar --calendar) counts for its verb when the verb's own was not given.
  for (const Node& group : nodes_) {
    if (group.verb || !verb.path.starts_with(std::string(group.path) + " ")) continue;
    for (const Slot* slot : group.slots) {
      const bool own = std::any_of(call.args.begin(), call.args.end(),
                                   [&](const VerbArg& a) { return a.name == slot->arg->name; });
      if (slot->option->count() > 0 && !own && find_arg(*verb.verb, slot->arg->name)) add(*slot);
    }
  }
  return call;
}

std::variant<VerbCall, int> CommandLine::parse(const std::vector<std::string>& args, std::ostream& out,
                                               std::ostream& err) {
  // CLI11 takes a vector in reverse order.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app_.parse(reversed);
    const Node* verb = chosen();
    if (!verb) return exit_bad_input;  // cannot happen: a verb is required
    VerbCall call = call_of(*verb);
    for (const ArgSpec& arg : verb->verb->args)
      if (arg.required && !std::any_of(call.args.begin(), call.args.end(),
                                       [&](const VerbArg& a) { return a.name == arg.name; }))
        throw CLI::RequiredError(std::string(arg.name));
    return call;
  } catch (const CLI::ParseError& e) {
    // Exit 0 for --help/--version, 2 for every usage error (CLI11 gives 1xx).
    return app_.exit(e, out, err) == 0 ? exit_ok : exit_bad_input;
  }
}

}  // namespace huawu::cli
