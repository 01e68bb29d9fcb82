#pragma once
// The command's side of the control protocol (events/control_protocol.h).
#include <optional>
#include <string>
#include <vector>

namespace huawu::cli {

// When a daemon serves `data_dir`, sends it the arguments, prints the verb's
// output it sends back and returns the verb's exit code; nullopt when no
// daemon serves the directory. Exits 3 (storage trouble) when the daemon
// stops before answering.
std::optional<int> forward_to_daemon(const std::string& data_dir, const std::vector<std::string>& args);

}  // namespace huawu::cli
