#include "ledger/command.h"

#include "events/bytes.h"
#include "events/hash.h"

namespace huawu {

namespace {
struct Canonical {
  ByteWriter& w;
  void operator()(const CreateLedger& c) {
    w.u8(0);
    w.str(c.provider_id);
    w.str(c.provider_name);
  }
  void operator()(const OpenAccount& c) {
    w.u8(1);
    w.str(c.account);
    w.str(c.rate_plan);
    w.i64(c.initial_units);
  }
  void operator()(const RechargeWallet& c) {
    w.u8(2);
    w.str(c.account);
    w.i64(c.amount_units);
    w.str(c.source_reference);
  }
  void operator()(const CloseAccount& c) {
    w.u8(3);
    w.str(c.account);
    w.u8(c.refund ? 1 : 0);
  }
};
}  // namespace

Hash request_fingerprint(const Command& command) {
  ByteWriter w;
  std::visit(Canonical{w}, command);
  return digest(w.bytes());
}

}  // namespace huawu
