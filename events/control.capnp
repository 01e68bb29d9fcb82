@0xe064a97d606bfa98;
# huawu control protocol: the `huawu` command talking to a daemon that serves
# its data directory (events/control_protocol.h). One message per ZeroMQ
# frame, standard unpacked encoding; codec in events/control_codec.cc.
#
# Evolution rule (guarded by the golden-bytes tests in
# tests/control_codec_test.cc): fields are append-only. Never renumber,
# retype or re-default anything here; add new fields with the next ordinal.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("huawu::schema");

# Command -> daemon.
struct ControlRequest {
  principal @0 :Text;      # who asks, at most 128 bytes
  args @1 :List(Text);     # the verb and its arguments: at most 64, each at most 4096 bytes
  password @2 :Text;       # the principal's operation password (for `login`), at most 256 bytes
  token @3 :Text;          # or a session token from `login`, at most 128 bytes
  call @4 :VerbCall;       # the verb, parsed by the command; when set, `args` is ignored
}

# One verb and its arguments as the command parsed them (cli/verb_table.h):
# the daemon runs it without parsing a command line again.
struct VerbCall {
  verb @0 :UInt16;         # the verb's id (cli/verb_ids.h); an id is never reused
  args @1 :List(VerbArg);  # the arguments given; absent ones take the verb's defaults
}

# At most 64 text values in a call (each item of a list counts), each at most
# 4096 bytes; names at most 64 bytes.
struct VerbArg {
  name @0 :Text;           # as the verb table declares it: "ACCOUNT", "--card"
  value :union {
    text @1 :Text;
    integer @2 :Int64;
    flag @3 :Void;         # given (an absent flag is not sent)
    list @4 :List(Text);   # a repeatable option's values
    number @5 :Float64;
  }
}

# Daemon -> command.
struct ControlReply {
  exitCode @0 :Int32;      # the verb's exit code, 0..255
  out @1 :Text;            # what the verb wrote to standard output, at most 64 MiB
  err @2 :Text;            # what it wrote to standard error, at most 64 MiB
}
