@0xc5a1f2d39b8e7a41;
# huawu event schema.
#
# Evolution rule (guarded by the golden-bytes tests in tests/codec_test.cc):
# fields and enumerants are append-only. Never renumber, retype or re-default
# anything here; add new fields with the next ordinal.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("huawu::schema");

# What RocksDB stores for one event (column family `events`, key = big-endian
# sequence). The record is written in Cap'n Proto canonical form, so any change
# to its bytes either breaks canonical form or changes a field that the hash
# chain covers.
struct StoredEvent {
  sequence @0 :UInt64;    # gap-free, assigned by the store, first event = 1
  prevHash @1 :Data;      # 32 bytes; all zero for sequence 1
  hash @2 :Data;          # 32 bytes = SHA-256(prevHash || be64(sequence) || event)
  event @3 :Data;         # one serialized `Event` message
}

# The envelope of every fact, with its payload.
struct Event {
  ledgerTimeUs @0 :Int64;      # when the ledger accepted it, UTC microseconds
  businessTimeUs @1 :Int64;    # when it happened in the business, UTC microseconds
  actor @2 :Text;              # the principal that caused it
  idempotencyKey @3 :Text;     # client-supplied key, kept verbatim
  postings @4 :List(Posting);  # double entry: sums to zero per unit

  payload :union {
    ledgerCreated @5 :LedgerCreated;
    accountOpened @6 :AccountOpened;
    walletRecharged @7 :WalletRecharged;
    accountClosed @8 :AccountClosed;
  }
}

enum Unit {
  cnyUnits @0;        # 1 unit = 0.0001 yuan
  trafficSeconds @1;  # billed seconds
}

enum LedgerAccountKind {
  externalCash @0;    # money entering or leaving the system
  userWallet @1;      # a user's prepaid balance (owner = account id)
}

struct Posting {
  kind @0 :LedgerAccountKind;
  owner @1 :Text;     # account / agent id; empty for system-wide accounts
  unit @2 :Unit;
  amount @3 :Int64;   # positive adds to the ledger account, negative takes from it
}

struct LedgerCreated {
  providerId @0 :Text;
  providerName @1 :Text;
  currency @2 :Text;            # "CNY"
  utcOffsetMinutes @3 :Int32;   # +480 (UTC+08:00)
}

struct AccountOpened {
  account @0 :Text;
  ratePlan @1 :Text;            # empty when none
  initialBalanceUnits @2 :Int64;
}

struct WalletRecharged {
  account @0 :Text;
  amountUnits @1 :Int64;
  sourceReference @2 :Text;
  balanceAfterUnits @3 :Int64;
}

enum BalanceDisposition {
  none @0;       # the balance was zero
  refunded @1;   # paid out to external cash
}

struct AccountClosed {
  account @0 :Text;
  remainingBalanceUnits @1 :Int64;
  disposition @2 :BalanceDisposition;
}
