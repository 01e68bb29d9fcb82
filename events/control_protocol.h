#pragma once
// The control protocol: how the `huawu` command talks to a daemon serving its
// data directory (ZeroMQ, ipc socket `control.sock` in the data directory).
// The command sends its own arguments (everything after the global options);
// the daemon runs the same verb on its ledger and sends back what the verb
// printed and its exit code, so the output is the same with or without a
// daemon. Schema: events/control.capnp; codec: events/control_codec.h.
#include <cstdint>
#include <string>
#include <vector>

namespace huawu {

struct ControlRequest {
  std::string principal;          // who asks (the local operator until principals exist)
  std::vector<std::string> args;  // the verb and its arguments, e.g. {"balance", "A1", "--json"}
  std::string password;           // for `login`: the operation password
  std::string token;              // else: the session token `login` gave
  bool operator==(const ControlRequest&) const = default;
};

struct ControlReply {
  std::int32_t exit_code = 0;
  std::string out;  // what the verb wrote to standard output
  std::string err;  // what it wrote to standard error
  bool operator==(const ControlReply&) const = default;
};

}  // namespace huawu
