#pragma once
// The huawu command line: every verb and its options (CLI11), shared by the
// command and the daemon. The command parses its own arguments; a verb that
// acts on a ledger goes to the daemon serving the data directory when there
// is one (the daemon then parses the same arguments with this same code and
// sends back the verb's output), and otherwise runs here on the store.
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cli/context.h"
#include "events/control_protocol.h"

namespace huawu::cli {

enum class Side {
  command,  // the huawu process a person runs
  daemon,   // inside `huawu serve`, for a forwarded request
};

// Sends the arguments to a daemon serving `data_dir`: its reply, or nullopt
// when no daemon serves it.
using Forward = std::function<std::optional<ControlReply>(const std::string& data_dir,
                                                          const std::vector<std::string>& args)>;

// Parses `args` (without the program name) and runs the verb; returns the
// exit code. On the daemon side `daemon_access` is the daemon's ledger and
// verbs that only make sense in a command of their own (init, serve, tail,
// switch-sim) are unknown.
int run_app(const std::vector<std::string>& args, Side side, std::ostream& out, std::ostream& err,
            LedgerAccess* daemon_access, const Forward& forward);

}  // namespace huawu::cli
