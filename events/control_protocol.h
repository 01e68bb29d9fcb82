#pragma once
// The control protocol: how the `huawu` command talks to a daemon serving its
// data directory (ZeroMQ, ipc socket `control.sock` in the data directory).
// The command parses its command line once, into a typed VerbCall (the verb's
// id in the verb table, cli/verb_table.h, and its arguments by name and
// kind); the daemon checks the call against the same table and runs the
// verb on its ledger, then sends back what the verb printed and its exit
// code, so the output is the same with or without a daemon. A request
// without a call carries the command line as text (`args`): older commands
// and `huawu switch-sim` send those, and `login` is one.
// Schema: events/control.capnp; codec: events/control_codec.h.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "events/limits.h"

namespace huawu {

// The kinds an argument of a verb can have; the order is the wire union's
// and the order of VerbArg::Value's alternatives.
enum class ArgKind : std::uint8_t {
  text,     // one string: an id, an amount, a day
  integer,  // a whole number, range-checked against the verb table
  flag,     // present or not
  list,     // a repeatable option: one string per value
  number,   // a decimal number (the switch simulator's rates and percents)
};

// A flag that was given (an absent flag is not sent).
struct FlagGiven {
  bool operator==(const FlagGiven&) const = default;
};

struct VerbArg {
  using Value = std::variant<std::string, std::int64_t, FlagGiven, std::vector<std::string>, double>;
  std::string name;  // as the verb table declares it: "ACCOUNT", "--card"
  Value value;
  ArgKind kind() const { return static_cast<ArgKind>(value.index()); }
  bool operator==(const VerbArg&) const = default;
};
static_assert(std::variant_size_v<VerbArg::Value> == static_cast<std::size_t>(ArgKind::number) + 1);

// One verb, parsed: what the daemon runs without a command line.
struct VerbCall {
  std::uint16_t verb = 0;     // cli/verb_ids.h: an id is never reused for another verb
  std::vector<VerbArg> args;  // the arguments given; an absent one takes the table's default
  bool operator==(const VerbCall&) const = default;
};

// Limits of a VerbCall. events/limits.h is shared by every protocol; these
// bound only the typed call and sit beside it. Every text value counts
// against limits::control_args_max (a list's items one by one), so a call is
// never larger than the argument list it replaces.
inline constexpr std::size_t verb_arg_name_bytes_max = 64;
inline constexpr std::size_t verb_call_values_max = limits::control_args_max;
static_assert(verb_call_values_max * (limits::control_arg_bytes_max + verb_arg_name_bytes_max + 64) +
                  limits::actor_length_max + 1024 <
              limits::control_request_bytes_max);

struct ControlRequest {
  std::string principal;          // who asks (the local operator until principals exist)
  std::vector<std::string> args;  // without a call: the command line, e.g. {"balance", "A1", "--json"}
  std::string password;           // for `login`: the operation password
  std::string token;              // else: the session token `login` gave
  std::optional<VerbCall> call;   // the verb, typed; when present the daemon ignores `args`
  bool operator==(const ControlRequest&) const = default;
};

struct ControlReply {
  std::int32_t exit_code = 0;
  std::string out;  // what the verb wrote to standard output
  std::string err;  // what it wrote to standard error
  bool operator==(const ControlReply&) const = default;
};

}  // namespace huawu
