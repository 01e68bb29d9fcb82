#pragma once
// Commands: what a client asks the ledger to do. decide() turns a command into
// events or a named rejection.
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "events/event.h"
#include "events/switch_protocol.h"

namespace huawu {

struct CreateLedger {
  std::string provider_id;
  std::string provider_name;
};

struct OpenAccount {
  std::string account;
  std::string rate_plan;  // empty: none yet
  std::int64_t initial_units = 0;
  std::string agent;      // the agent the user is bound to; empty: the provider's own user
};

struct RechargeWallet {
  std::string account;
  std::int64_t amount_units = 0;
  std::string source_reference;
};

// What happens to a closing account's balance (issue 5): a close with money
// left and no disposition is refused (account_has_balance).
enum class CloseDisposition : std::uint8_t {
  none = 0,      // only a zero balance closes so
  refund = 1,    // paid out to external cash, with a reference
  transfer = 2,  // moved to another open account of the same agent
  forfeit = 3,   // kept, only when asked for explicitly
};

struct CloseAccount {
  std::string account;
  CloseDisposition disposition = CloseDisposition::none;
  std::string transfer_to;  // transfer: the receiving account
  std::string reference;    // refund: the payout's reference
};

// A whole rate plan (`huawu rates import`); replaces the plan from this event on.
struct ImportRatePlan {
  std::string plan;
  std::string source_name;
  std::vector<Rate> rates;
};

// Releases holds whose expiry time the ledger time has passed. The daemon
// sends one every `expiry_interval_ms`; refused with nothing_to_expire when
// no hold is due.
struct ExpireHolds {};

// Agents (issue 4, clauses B3.1 and 4.1). Prices are CNY units per minute
// (1 fen = 100 units); 0 means "the level's price".
struct AddAgent {
  std::string agent;
  std::string parent;  // empty: the provider (a level-1 agent)
  std::string name;
  std::int64_t price_units_per_minute = 0;
};

struct SetAgentPrice {
  std::string agent;
  std::int64_t price_units_per_minute = 0;
};

struct SetLevelPrice {
  std::uint32_t level = 1;
  std::int64_t price_units_per_minute = 0;
};

struct SuspendAgent {
  std::string agent;
  std::string reason;
};

struct ResumeAgent {
  std::string agent;
};

// Money an agent paid its parent, from outside the system.
struct RecordAgentPayment {
  std::string agent;
  AgentPaymentKind kind = AgentPaymentKind::traffic;
  std::int64_t amount_units = 0;
  std::string reference;
};

// Part or all of a deposit refunded to the agent or forfeited to its parent.
struct ReleaseDeposit {
  std::string agent;
  std::int64_t amount_units = 0;
  DepositDisposition disposition = DepositDisposition::refunded;
  std::string reason;  // required to forfeit
};

// Clause 4.1: whole minutes at the agent's wholesale price.
struct BuyTraffic {
  std::string agent;
  std::int64_t minutes = 0;
};

struct SetAgentCredit {
  std::string agent;
  std::int64_t prepayment_credit_units = 0;
  std::int64_t traffic_overdraft_seconds = 0;
};

// Principals (issue 4). The password hash (argon2id, made by the command
// from the password) goes to the store's `credentials` family in the same
// write as the event, never into the log; the fingerprint leaves it out, so
// a retry that hashed the same password with a new salt is still a retry.
struct AddPrincipal {
  std::string name;
  PrincipalRole role = PrincipalRole::provider;
  std::string agent;  // role agent only
  std::string password_hash;
};

struct SetPrincipalPassword {
  std::string name;
  std::string password_hash;
};

// Cards (issue 5, clauses A2.3, A2.4 and B2.2). The PIN key's id comes from
// the ledger (DecideView::card_key), not from the request.
struct IssueCards {
  std::string agent;
  CardKind kind = CardKind::account;
  std::uint64_t count = 0;
  std::int64_t face_units = 0;
  std::string rate_plan;           // account cards: the plan accounts open on
  std::int64_t expires_at_us = 0;  // 0: never
};

// Voids a batch (first/last 0: all of it) or a range of its serials.
struct VoidCards {
  std::string batch;
  std::uint64_t first_serial = 0;
  std::uint64_t last_serial = 0;
  std::string reason;
};

// The PIN is checked and forgotten: it is not part of the request's
// fingerprint (ledger/command.cc), so it is stored nowhere, not even hashed.
struct ActivateCard {
  std::string number;
  std::string pin;
};

struct RedeemCard {
  std::string account;
  std::string number;
  std::string pin;
};

// Clause 6.3: a user moves to another agent only with written consent.
struct TransferAccount {
  std::string account;
  std::string to_agent;
  ConsentParty consent_by = ConsentParty::provider;
  std::string consent_reference;  // empty: consent_required
};

// The card commands, which decide_card handles (ledger/decide_cards.cc).
template <class C>
concept CardCommand = std::is_same_v<C, IssueCards> || std::is_same_v<C, VoidCards> ||
                      std::is_same_v<C, ActivateCard> || std::is_same_v<C, RedeemCard> ||
                      std::is_same_v<C, TransferAccount>;

// Contracts (issue 6, clauses 7, 6.5, B3.5): dates are China dates "YYYY-MM-DD".
struct SignContract {
  std::string contract;
  std::string agent;
  std::string signed_date;
  std::string counter_signed_date;  // empty: the same day
  ContractTerms terms;
};

// A notice under a contract; the ledger derives its deemed receipt (6.5) and,
// for a service termination, whether it came a month ahead (B3.5).
struct SendNotice {
  std::string contract;
  NoticeParty from = NoticeParty::provider;
  NoticeKind kind = NoticeKind::general;
  NoticeMethod method = NoticeMethod::courier;
  std::int64_t sent_us = 0;
  std::string last_service_day;  // service_termination only
  std::string subject;
};

// Clause 8: a supplementary agreement changes terms from its effective day.
struct AmendContract {
  std::string contract;
  std::string effective_date;
  std::vector<TermChange> changes;  // values in the ledger's units (events.capnp TermChange)
  std::string reference;
};

// Lets an obligation go (its id as `huawu obligations` shows it).
struct WaiveObligation {
  std::string obligation;
  std::string reason;
};

// A3.2 and B3.4: trouble tickets of bound users.
struct OpenTicket {
  std::string account;
  std::string summary;
  std::int64_t reported_us = 0;
};

struct RespondTicket {
  std::string ticket;
  std::int64_t at_us = 0;
  TicketParty by = TicketParty::provider;
};

struct CloseTicket {
  std::string ticket;
};

// B3.2: promotions, requested by an agent, approved with a filing by the provider.
struct RequestPromotion {
  std::string agent;
  std::string plan;
  std::uint32_t discount_basis_points = 0;
  std::string from_date;
  std::string to_date;
};

struct ApprovePromotion {
  std::string promotion;
  std::string filing_reference;
};

struct RejectPromotion {
  std::string promotion;
  std::string reason;
};

struct WithdrawPromotion {
  std::string promotion;
  std::string reason;
};

// Raises the alerts of obligations that became due soon or overdue by the
// ledger time (the daemon sends one every `[contract] alert_interval_seconds`);
// refused with nothing_to_alert when there is nothing new.
struct CheckObligations {};

// The contract-compliance commands, which decide_contract handles
// (ledger/decide_contracts.cc, decide_tickets.cc, decide_promotions.cc).
template <class C>
concept ContractCommand =
    std::is_same_v<C, SignContract> || std::is_same_v<C, SendNotice> || std::is_same_v<C, AmendContract> ||
    std::is_same_v<C, WaiveObligation> || std::is_same_v<C, OpenTicket> || std::is_same_v<C, RespondTicket> ||
    std::is_same_v<C, CloseTicket> || std::is_same_v<C, RequestPromotion> || std::is_same_v<C, ApprovePromotion> ||
    std::is_same_v<C, RejectPromotion> || std::is_same_v<C, WithdrawPromotion> ||
    std::is_same_v<C, CheckObligations>;

// The agent commands, which decide_agent handles (ledger/decide_agents.cc).
template <class C>
concept AgentCommand = std::is_same_v<C, AddAgent> || std::is_same_v<C, SetAgentPrice> ||
                       std::is_same_v<C, SetLevelPrice> || std::is_same_v<C, SuspendAgent> ||
                       std::is_same_v<C, ResumeAgent> || std::is_same_v<C, RecordAgentPayment> ||
                       std::is_same_v<C, ReleaseDeposit> || std::is_same_v<C, BuyTraffic> ||
                       std::is_same_v<C, SetAgentCredit>;

// Switch requests (events/switch_protocol.h) are commands as they are: the
// idempotency key is switch_idempotency_key(switch id, request key).
using Command = std::variant<CreateLedger, OpenAccount, RechargeWallet, CloseAccount,
                             ImportRatePlan, SwitchRequest, ExpireHolds, AddAgent, SetAgentPrice,
                             SetLevelPrice, SuspendAgent, ResumeAgent, RecordAgentPayment, ReleaseDeposit,
                             BuyTraffic, SetAgentCredit, AddPrincipal, SetPrincipalPassword, IssueCards,
                             VoidCards, ActivateCard, RedeemCard, TransferAccount, SignContract, SendNotice,
                             AmendContract, WaiveObligation, OpenTicket, RespondTicket, CloseTicket,
                             RequestPromotion, ApprovePromotion, RejectPromotion, WithdrawPromotion,
                             CheckObligations>;

// The idempotency key of a switch request: the switch's own namespace, with
// spaces that no key a person types can contain.
std::string switch_idempotency_key(std::string_view switch_id, std::string_view request_key);

struct Request {
  Command command;
  std::string idempotency_key;   // required; the CLI makes a random one when none is given
  std::string actor;             // the principal making the request
  std::int64_t business_time_us = 0;  // 0: same as the ledger time
};

// A digest of what the request asks for (command and its fields, not the
// actor or times): two requests with one key must have the same fingerprint,
// or the second is refused with idempotency_key_reused.
Hash request_fingerprint(const Command& command);

// The credential an accepted request stores beside its events (name, argon2id
// hash), or null: what the writer adds to the same atomic write.
const std::string* credential_of(const Command& command, std::string* name);

}  // namespace huawu
