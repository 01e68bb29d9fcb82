@0x8b007664292aeb4c;
# huawu switch protocol: what a softswitch sends the daemon and what it gets
# back (docs/switch-protocol.md). One message per ZeroMQ frame, standard
# unpacked encoding. The plain C++ forms are in events/switch_protocol.h; the
# codec, with every validation rule, is events/switch_codec.cc.
#
# Evolution rule (guarded by the golden-bytes tests in
# tests/switch_codec_test.cc): fields, union members and enumerants are
# append-only. Never renumber, retype or re-default anything here; add new
# fields with the next ordinal. Switches in the field speak the old schema.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("huawu::schema");

# Switch -> daemon.
struct SwitchRequest {
  switchId @0 :Text;     # which switch, 1..64 bytes of 0x21..0x7e; call ids are unique per switch
  requestKey @1 :Text;   # switch-chosen, 1..64 bytes of 0x21..0x7e; a retry reuses it

  body :union {
    authorize @2 :AuthorizeCall;
    settle @3 :SettleCall;
    callRecord @4 :RecordCall;
  }

  # Before connecting a call: may it start, and for how long?
  struct AuthorizeCall {
    callId @0 :Text;            # 1..64 bytes of 0x21..0x7e
    account @1 :Text;           # the paying account, at most 64 bytes
    caller @2 :Text;            # calling number, printable ASCII, 0..32 bytes
    callee @3 :Text;            # dialled digits, 1..32 of [0-9]
    requestedSeconds @4 :Int64; # seconds the switch asks for, >= 0
    switchTimeUs @5 :Int64;     # the switch's clock, UTC microseconds, >= 0
  }

  # After hang-up of an authorized call: the real duration.
  struct SettleCall {
    callId @0 :Text;
    answeredTimeUs @1 :Int64;    # UTC microseconds; 0 when never answered
    billedDurationMs @2 :Int64;  # milliseconds from answer to hang-up, 0..10^10
    disconnectCause @3 :UInt32;  # Q.850 cause code (16 = normal clearing)
  }

  # A call the switch connected without asking: rated and debited all the same.
  struct RecordCall {
    callId @0 :Text;
    account @1 :Text;
    caller @2 :Text;
    callee @3 :Text;
    answeredTimeUs @4 :Int64;
    durationMs @5 :Int64;
    disconnectCause @6 :UInt32;
  }
}

# Daemon -> switch: one reply per request, sent only after the outcome is durable.
struct SwitchReply {
  kind @0 :Kind;
  requestKey @1 :Text;        # echoed; empty when the request was unreadable
  reason @2 :Text;            # empty when accepted; else a named reason
  sequence @3 :UInt64;        # the ledger event that holds the outcome; 0 for errors

  # authorize
  grantedSeconds @4 :Int64;
  holdId @5 :UInt64;          # 0 when nothing was granted
  holdUnits @6 :Int64;        # 1 unit = 0.0001 yuan

  # settle / record
  billedSeconds @7 :Int64;
  costUnits @8 :Int64;
  balanceUnits @9 :Int64;     # the wallet's balance after (available + held)
  overGrant @10 :Bool;        # the call ran past its grant; debited in full
  arrearsUnits @11 :Int64;    # cost the wallet could not cover

  enum Kind {
    authorize @0;
    settle @1;
    record @2;
    error @3;                 # the request could not be read; nothing was recorded
  }
}
