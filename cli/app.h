#pragma once
// The huawu command: parses its command line once with the verb table
// (cli/command_line.h) into a typed call, then runs it. A verb that acts on
// a ledger goes to the daemon serving the data directory when there is one
// (the daemon runs the same call, cli/dispatch.h, and sends back the verb's
// output), and otherwise runs here on the store.
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "events/control_protocol.h"

namespace huawu::cli {

// Sends the call to a daemon serving `data_dir`: its reply, or nullopt when
// no daemon serves it.
using Forward = std::function<std::optional<ControlReply>(const std::string& data_dir, const VerbCall& call)>;

// Parses `args` (without the program name) and runs the verb; returns the exit code.
int run_app(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, const Forward& forward);

}  // namespace huawu::cli
