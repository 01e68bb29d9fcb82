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
}

# Daemon -> command.
struct ControlReply {
  exitCode @0 :Int32;      # the verb's exit code, 0..255
  out @1 :Text;            # what the verb wrote to standard output, at most 64 MiB
  err @2 :Text;            # what it wrote to standard error, at most 64 MiB
}
