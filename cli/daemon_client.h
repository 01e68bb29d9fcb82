#pragma once
// The command's side of the control protocol (events/control_protocol.h).
#include <optional>
#include <string>
#include <vector>

#include "events/control_protocol.h"

namespace huawu::cli {

// When a daemon serves `data_dir`, sends it the verb's typed call and returns its
// reply: the verb's output and exit code; nullopt when no daemon serves the
// directory. Exit 3 (storage trouble) with a message when the daemon stops
// before answering.
// The request names the principal in $HUAWU_PRINCIPAL with the session token
// in $HUAWU_TOKEN (from `huawu login`); without them it asks as the local
// operator, which a daemon accepts only while the ledger has no principals.
std::optional<ControlReply> forward_to_daemon(const std::string& data_dir, const VerbCall& call);

// A control request for `args` from the caller named by the environment.
ControlRequest control_request_from_environment(std::vector<std::string> args, const std::string& default_principal);

// `huawu login NAME`: asks the daemon serving `data_dir` for a session token
// with the principal's password; prints the token. Exit 3 without a daemon.
int login_to_daemon(const std::string& data_dir, const std::string& principal, const std::string& password);

}  // namespace huawu::cli
