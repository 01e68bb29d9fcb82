#pragma once
// The huawu command line, built from the verb table (cli/verb_table.h) with
// CLI11: every verb, its arguments and --help. Parsing gives the typed
// VerbCall the command runs or sends to a daemon. The daemon builds one only
// for a request that carries a command line instead of a call (an older
// command, `huawu switch-sim`); a typed call never meets CLI11 there.
#include <CLI/CLI.hpp>

#include <deque>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "cli/verb_table.h"
#include "events/control_protocol.h"

namespace huawu::cli {

enum class Side {
  command,  // the huawu process a person runs: every verb, and --data
  daemon,   // inside `huawu serve`: the verbs on a ledger only
};

class CommandLine {
 public:
  explicit CommandLine(Side side);
  CommandLine(const CommandLine&) = delete;
  CommandLine& operator=(const CommandLine&) = delete;

  // Parses `args` (without the program name) into the call of one verb; or,
  // after printing --help, --version or a usage error, the exit code (0 for
  // help and version, 2 for every usage error).
  std::variant<VerbCall, int> parse(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

  // After parse: --data, or $HUAWU_DATA, else ./huawu-data.
  const std::string& data_dir() const { return data_dir_; }
  bool data_given() const;

 private:
  // Where CLI11 puts one argument's value.
  struct Slot {
    const ArgSpec* arg = nullptr;
    CLI::Option* option = nullptr;
    std::string text;
    std::int64_t integer = 0;
    double number = 0;
    bool flag = false;
    std::vector<std::string> list;
  };
  // A verb or a group and its CLI11 subcommand.
  struct Node {
    std::string_view path;
    const VerbSpec* verb = nullptr;  // null: a group
    CLI::App* app = nullptr;
    std::vector<Slot*> slots;
  };

  CLI::App* node_app(std::string_view path);
  void add_args(Node& node, const std::vector<ArgSpec>& args, bool enforce_required);
  const Node* chosen() const;
  VerbCall call_of(const Node& verb) const;

  CLI::App app_;
  std::deque<Slot> slots_;  // stable addresses: CLI11 holds pointers into them
  std::deque<Node> nodes_;
  std::string data_dir_;
  CLI::Option* data_option_ = nullptr;
};

// The value of `slot`-like argument `arg` as text, for messages.
std::string_view kind_name(ArgKind kind);

}  // namespace huawu::cli
