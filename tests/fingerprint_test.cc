// Request fingerprints are stored with every accepted request's idempotency
// key (ledger/command.h): a retry is recognised by an equal fingerprint. If a
// build computed another fingerprint for the same request, a retry across an
// upgrade would be refused with idempotency_key_reused instead of getting its
// original answer. These golden values pin the fingerprint of one request of
// every command kind (issue 16's test list; recorded from the code of issue 15,
// whose Kamailio fields leave a ZeroMQ request's fingerprint as it was).
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "events/hash.h"
#include "ledger/command.h"

namespace huawu {
namespace {

std::vector<std::pair<const char*, Command>> one_of_each() {
  ContractTerms terms;
  terms.prepaid_minutes = 10'000;
  terms.price_units_per_minute = 850;
  terms.deposit_units = 50'000'000;
  SwitchRequest kamailio{"kamailio", "s:abc@host", SettleCall{"abc@host", 1'764'900'000'000'000, 30'001, 16, "caller_bye"}};
  kamailio.via = SwitchVia::kamailio;
  kamailio.sip_call_id = "abc@host";
  return {
      {"CreateLedger", CreateLedger{"dianxin-hz", "Hangzhou Dianxin"}},
      {"OpenAccount", OpenAccount{"13800138000", "basic", 500'000, "zj-hz"}},
      {"RechargeWallet", RechargeWallet{"13800138000", 1'234, "ICBC-1"}},
      {"CloseAccount", CloseAccount{"13800138000", CloseDisposition::refund, "", "REF-1"}},
      {"ImportRatePlan", ImportRatePlan{"basic", "basic.csv", {Rate{"86", "China", 1'000, 0, 60, 60}}}},
      {"SwitchRequest authorize", SwitchRequest{"sw1", "a-1", AuthorizeCall{"c1", "13800138000", "8610", "8621", 60, 1}}},
      {"SwitchRequest settle", SwitchRequest{"sw1", "s-1", SettleCall{"c1", 2, 65'432, 16}}},
      {"SwitchRequest record", SwitchRequest{"sw1", "r-1", RecordCall{"c2", "13800138000", "", "8621", 3, 1'000, 16}}},
      {"SwitchRequest kamailio", kamailio},
      {"ExpireHolds", ExpireHolds{}},
      {"AddAgent", AddAgent{"zj", "", "Zhejiang", 350}},
      {"SetAgentPrice", SetAgentPrice{"zj", 420}},
      {"SetLevelPrice", SetLevelPrice{2, 450}},
      {"SuspendAgent", SuspendAgent{"zj", "unpaid"}},
      {"ResumeAgent", ResumeAgent{"zj"}},
      {"RecordAgentPayment", RecordAgentPayment{"zj", AgentPaymentKind::deposit, 5'000'0000, "ICBC-2"}},
      {"ReleaseDeposit", ReleaseDeposit{"zj", 1'000, DepositDisposition::forfeited, "breach"}},
      {"BuyTraffic", BuyTraffic{"zj", 500'000}},
      {"SetAgentCredit", SetAgentCredit{"zj", 1'000'000, 600}},
      {"AddPrincipal", AddPrincipal{"ops-li", PrincipalRole::agent, "zj", "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA"}},
      {"SetPrincipalPassword", SetPrincipalPassword{"ops-li", "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA"}},
      {"IssueCards", IssueCards{"zj-hz", CardKind::account, 20'000, 300'000, "talk-plus", 1'830'000'000'000'000}},
      {"VoidCards", VoidCards{"B000001", 5, 9, "lost"}},
      {"ActivateCard", ActivateCard{"1000000000000016", "4792079805989100"}},
      {"RedeemCard", RedeemCard{"13800138000", "2000000000200010", "4792079805989100"}},
      {"TransferAccount", TransferAccount{"13800138000", "zj-nb", ConsentParty::both_agents, "AGR-1"}},
      {"SignContract", SignContract{"HZ-1", "zj", "2024-03-01", "2024-03-04", terms}},
      {"SendNotice", SendNotice{"HZ-1", NoticeParty::agent, NoticeKind::service_termination, NoticeMethod::courier,
                                1'735'689'600'000'000, "2025-06-30", "exit"}},
      {"AmendContract", AmendContract{"HZ-1", "2025-01-01", {TermChange{"term-months", 36}}, "SA-1"}},
      {"WaiveObligation", WaiveObligation{"HZ-1/O-PAY", "agreed"}},
      {"OpenTicket", OpenTicket{"13800138000", "no audio", 1'735'689'600'000'000}},
      {"RespondTicket", RespondTicket{"T000001", 1'735'693'200'000'000, TicketParty::agent}},
      {"CloseTicket", CloseTicket{"T000001"}},
      {"RequestPromotion", RequestPromotion{"zj-hz", "basic", 2'000, "2026-12-01", "2026-12-31"}},
      {"ApprovePromotion", ApprovePromotion{"P000001", "FILING-1"}},
      {"RejectPromotion", RejectPromotion{"P000001", "no filing"}},
      {"WithdrawPromotion", WithdrawPromotion{"P000001", "ended"}},
      {"CheckObligations", CheckObligations{}},
  };
}

TEST_CASE("request fingerprints are pinned for every command kind", "[fingerprint][golden]") {
  const std::vector<std::pair<const char*, const char*>> golden = {
#include "tests/fingerprint_golden.inc"
  };
  const auto commands = one_of_each();
  REQUIRE(commands.size() == std::variant_size_v<Command> + 3);  // three more switch requests
  REQUIRE(golden.size() == commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    INFO(commands[i].first);
    CHECK(std::string(golden[i].first) == commands[i].first);
    CHECK(to_hex(request_fingerprint(commands[i].second)) == golden[i].second);
  }
}

TEST_CASE("a PIN or a password hash is not part of a fingerprint", "[fingerprint]") {
  // A retry of a redemption with the PIN typed again is still a retry, and
  // the fingerprint stored beside the key reveals nothing of the PIN.
  CHECK(request_fingerprint(RedeemCard{"a", "2000000000200010", "1111"}) ==
        request_fingerprint(RedeemCard{"a", "2000000000200010", "2222"}));
  CHECK(request_fingerprint(SetPrincipalPassword{"ops", "$argon2id$one"}) ==
        request_fingerprint(SetPrincipalPassword{"ops", "$argon2id$two"}));
  CHECK(request_fingerprint(RedeemCard{"a", "2000000000200010", "1111"}) !=
        request_fingerprint(RedeemCard{"b", "2000000000200010", "1111"}));
}

}  // namespace
}  // namespace huawu
