#include "cli/verb_table.h"

#include <set>

#include "events/invariant.h"

namespace huawu::cli {

namespace {

struct Tables {
  std::vector<VerbSpec> verbs;
  std::vector<GroupSpec> groups;
  std::vector<const VerbSpec*> by_id;  // index: the id
};

bool declares(const VerbSpec& verb, std::string_view name) { return find_arg(verb, name) != nullptr; }

std::string_view parent_of(std::string_view path) {
  const auto space = path.rfind(' ');
  return space == std::string_view::npos ? std::string_view() : path.substr(0, space);
}

// The table's own rules; a broken one is our bug, found at the first run.
void check(const Tables& t) {
  std::set<std::string_view> paths;
  for (const GroupSpec& group : t.groups) HUAWU_ASSERT(paths.insert(group.path).second, "a group declared twice");
  for (const VerbSpec& verb : t.verbs) {
    HUAWU_ASSERT(verb.id != VerbId::none, "a verb without an id");
    HUAWU_ASSERT((verb.run == nullptr) != (verb.run_local == nullptr), "a verb runs on a ledger or on its own");
    HUAWU_ASSERT(verb.target.arg.empty() || declares(verb, verb.target.arg), "a target names an undeclared arg");
    const std::string_view parent = parent_of(verb.path);
    HUAWU_ASSERT(parent.empty() || paths.count(parent) == 1, "a verb declared before its group");
    HUAWU_ASSERT(paths.insert(verb.path).second, "a verb path declared twice");
    std::set<std::string_view> names;
    for (const ArgSpec& arg : verb.args) {
      HUAWU_ASSERT(names.insert(arg.name).second, "an argument declared twice");
      HUAWU_ASSERT(arg.name.size() <= verb_arg_name_bytes_max, "an argument name longer than the wire allows");
    }
  }
}

Tables build() {
  Tables t;
  add_local_verbs(t.verbs, t.groups);
  add_account_verbs(t.verbs, t.groups);
  add_agent_verbs(t.verbs, t.groups);
  add_contract_verbs(t.verbs, t.groups);
  check(t);
  for (const VerbSpec& verb : t.verbs) {
    const auto id = static_cast<std::size_t>(verb.id);
    if (t.by_id.size() <= id) t.by_id.resize(id + 1, nullptr);
    HUAWU_ASSERT(t.by_id[id] == nullptr, "a verb id given twice");
    t.by_id[id] = &verb;
  }
  return t;
}

const Tables& tables() {
  static const Tables t = build();
  return t;
}

}  // namespace

const std::vector<VerbSpec>& verb_table() { return tables().verbs; }
const std::vector<GroupSpec>& group_table() { return tables().groups; }

const VerbSpec* find_verb(std::uint16_t id) {
  const auto& by_id = tables().by_id;
  return id < by_id.size() ? by_id[id] : nullptr;
}

const VerbSpec* find_verb(std::string_view path) {
  for (const VerbSpec& verb : verb_table())
    if (verb.path == path) return &verb;
  return nullptr;
}

const ArgSpec* find_arg(const VerbSpec& verb, std::string_view name) {
  for (const ArgSpec& arg : verb.args)
    if (arg.name == name) return &arg;
  return nullptr;
}

}  // namespace huawu::cli
