#pragma once
// The domain form of events: plain C++ values that decide produces, the codec
// encodes, and projections apply. Mirrors events.capnp field for field.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <functional>
#include <variant>
#include <vector>

namespace huawu {

enum class Unit : std::uint8_t { cny_units = 0, traffic_seconds = 1 };
inline constexpr std::size_t unit_count = 2;

enum class LedgerAccountKind : std::uint8_t {
  external_cash = 0,  // money entering or leaving the system
  user_wallet = 1,    // a user's prepaid, available balance (owner = account)
  user_hold = 2,      // money held for authorized calls (owner = account)
  call_revenue = 3,   // the provider's revenue from rated calls
  user_arrears = 4,   // what a user owes for calls its wallet could not cover (<= 0)
  // Agents (issue 4; events.capnp says what each holds).
  agent_prepaid = 5,
  agent_deposit = 6,
  wholesale_revenue = 7,
  fee_revenue = 8,
  deposit_forfeited = 9,
  traffic_pool = 10,    // traffic seconds
  traffic_source = 11,  // traffic seconds
  traffic_used = 12,    // traffic seconds
  forfeited_balances = 13,  // balances closed accounts left on purpose (issue 5)
};
inline constexpr std::uint8_t ledger_account_kind_max = 13;

// Kinds kept per user account (in AccountState) rather than as ledger-wide accounts.
inline bool is_user_account_kind(LedgerAccountKind kind) {
  return kind == LedgerAccountKind::user_wallet || kind == LedgerAccountKind::user_hold ||
         kind == LedgerAccountKind::user_arrears;
}

struct Posting {
  LedgerAccountKind kind = LedgerAccountKind::external_cash;
  std::string owner;  // account id; empty for system-wide ledger accounts
  Unit unit = Unit::cny_units;
  std::int64_t amount = 0;
  bool operator==(const Posting&) const = default;
};

struct LedgerCreated {
  std::string provider_id;
  std::string provider_name;
  std::string currency;
  std::int32_t utc_offset_minutes = 0;
  bool operator==(const LedgerCreated&) const = default;
};

struct AccountOpened {
  std::string account;
  std::string rate_plan;
  std::int64_t initial_balance_units = 0;
  std::string agent;  // the agent the user is bound to; empty: the provider's own user
  bool operator==(const AccountOpened&) const = default;
};

struct WalletRecharged {
  std::string account;
  std::int64_t amount_units = 0;
  std::string source_reference;
  std::int64_t balance_after_units = 0;
  bool operator==(const WalletRecharged&) const = default;
};

enum class BalanceDisposition : std::uint8_t { none = 0, refunded = 1, transferred = 2, forfeited = 3 };

struct AccountClosed {
  std::string account;
  std::int64_t remaining_balance_units = 0;
  BalanceDisposition disposition = BalanceDisposition::none;
  std::string transfer_to;  // transferred: the account that received the balance
  std::string reference;    // refunded: the payout's reference
  bool operator==(const AccountClosed&) const = default;
};

// One row of a rate plan (ledger/rating.h states the billing rule).
struct Rate {
  std::string prefix;  // dialled digits, 1..limits::rate_prefix_digits_max
  std::string description;
  std::int64_t price_units_per_minute = 0;
  std::int64_t connect_fee_units = 0;
  std::uint32_t first_block_seconds = 60;
  std::uint32_t next_block_seconds = 60;
  bool operator==(const Rate&) const = default;
};

struct RatePlanImported {
  std::string plan;
  std::string source_name;
  std::vector<Rate> rates;
  bool operator==(const RatePlanImported&) const = default;
};

// The rate a call is billed with, fixed when it is authorized or recorded.
struct CallRate {
  std::string prefix;
  std::int64_t price_units_per_minute = 0;
  std::int64_t connect_fee_units = 0;
  std::uint32_t first_block_seconds = 60;
  std::uint32_t next_block_seconds = 60;
  std::string promotion;  // B3.2: the approved promotion the price carries; empty: none
  bool operator==(const CallRate&) const = default;
};

// The connector a switch request came through (issue 15).
enum class SwitchVia : std::uint8_t { zeromq = 0, kamailio = 1 };

struct CallAuthorized {
  std::string switch_id;
  std::string call_id;
  std::string account;
  std::string caller;
  std::string callee;
  std::int64_t requested_seconds = 0;
  std::int64_t granted_seconds = 0;
  std::int64_t hold_units = 0;
  CallRate rate;
  std::int64_t switch_time_us = 0;
  std::int64_t expires_at_us = 0;
  SwitchVia via = SwitchVia::zeromq;
  std::string sip_call_id;  // empty: call_id is the switch's own id (docs/kamailio.md §2)
  std::int64_t balance_after_units = 0;  // wallet + held after it
  bool operator==(const CallAuthorized&) const = default;
};

enum class CallOrigin : std::uint8_t { authorized = 0, recorded = 1, late_settle = 2 };

struct CallSettled {
  std::string switch_id;
  std::string call_id;
  std::string account;
  std::string caller;
  std::string callee;
  CallOrigin origin = CallOrigin::authorized;
  std::uint64_t hold_id = 0;
  std::int64_t released_units = 0;
  std::int64_t answered_time_us = 0;
  std::int64_t duration_ms = 0;
  std::uint32_t disconnect_cause = 0;
  CallRate rate;
  std::int64_t billed_seconds = 0;
  std::int64_t cost_units = 0;
  std::int64_t wallet_debit_units = 0;
  std::int64_t arrears_units = 0;
  bool over_grant = false;
  std::int64_t balance_after_units = 0;
  SwitchVia via = SwitchVia::zeromq;
  std::string sip_call_id;
  std::string end_reason;  // as the switch said; empty when it did not
  bool operator==(const CallSettled&) const = default;
};

enum class CallStage : std::uint8_t { authorize = 0, settle = 1, record = 2 };

struct CallRejected {
  std::string switch_id;
  std::string call_id;
  std::string account;
  CallStage stage = CallStage::authorize;
  std::string reason;
  std::uint64_t original_sequence = 0;
  SwitchVia via = SwitchVia::zeromq;
  std::string sip_call_id;
  bool operator==(const CallRejected&) const = default;
};

struct HoldExpired {
  std::string switch_id;
  std::string call_id;
  std::string account;
  std::uint64_t hold_id = 0;
  std::int64_t released_units = 0;
  bool operator==(const HoldExpired&) const = default;
};

// Agents (issue 4; events.capnp says what each field means).
struct AgentAdded {
  std::string agent;
  std::string parent;  // empty: the provider
  std::string name;
  std::uint32_t level = 1;
  std::int64_t price_units_per_minute = 0;  // 0: the level's price
  bool operator==(const AgentAdded&) const = default;
};

struct AgentPriceSet {
  std::string agent;
  std::int64_t price_units_per_minute = 0;  // 0: back to the level's price
  bool operator==(const AgentPriceSet&) const = default;
};

struct LevelPriceSet {
  std::uint32_t level = 1;
  std::int64_t price_units_per_minute = 0;  // 0: none
  bool operator==(const LevelPriceSet&) const = default;
};

struct AgentSuspended {
  std::string agent;
  std::string reason;
  bool operator==(const AgentSuspended&) const = default;
};

struct AgentResumed {
  std::string agent;
  bool operator==(const AgentResumed&) const = default;
};

enum class AgentPaymentKind : std::uint8_t { traffic = 0, deposit = 1, franchise_fee = 2, other = 3 };

struct AgentPaymentRecorded {
  std::string agent;
  AgentPaymentKind kind = AgentPaymentKind::traffic;
  std::int64_t amount_units = 0;
  std::string reference;
  bool operator==(const AgentPaymentRecorded&) const = default;
};

enum class DepositDisposition : std::uint8_t { refunded = 0, forfeited = 1 };

struct AgentDepositReleased {
  std::string agent;
  std::int64_t amount_units = 0;
  DepositDisposition disposition = DepositDisposition::refunded;
  std::string reason;
  bool operator==(const AgentDepositReleased&) const = default;
};

struct TrafficPurchased {
  std::string agent;
  std::string seller;  // the parent; empty: the provider
  std::int64_t minutes = 0;
  std::int64_t price_units_per_minute = 0;
  std::int64_t cost_units = 0;
  bool operator==(const TrafficPurchased&) const = default;
};

struct AgentCreditSet {
  std::string agent;
  std::int64_t prepayment_credit_units = 0;
  std::int64_t traffic_overdraft_seconds = 0;
  bool operator==(const AgentCreditSet&) const = default;
};

// Principals (issue 4): never a password or its hash in the log.
enum class PrincipalRole : std::uint8_t { provider = 0, agent = 1, auditor = 2 };

struct PrincipalAdded {
  std::string name;
  PrincipalRole role = PrincipalRole::provider;
  std::string agent;  // role agent: the agent it acts for
  bool operator==(const PrincipalAdded&) const = default;
};

struct PrincipalPasswordChanged {
  std::string name;
  bool operator==(const PrincipalPasswordChanged&) const = default;
};

// Cards (issue 5; events.capnp says how numbers and PINs come from serials).
enum class CardKind : std::uint8_t { account = 0, recharge = 1 };

struct CardBatchIssued {
  std::string batch;
  std::string agent;
  CardKind kind = CardKind::account;
  std::uint64_t count = 0;
  std::uint64_t first_serial = 0;
  std::int64_t face_units = 0;
  std::string rate_plan;
  std::int64_t expires_at_us = 0;  // 0: never
  std::string key_id;
  bool operator==(const CardBatchIssued&) const = default;
};

struct CardsVoided {
  std::string batch;
  std::uint64_t first_serial = 0;
  std::uint64_t last_serial = 0;  // inclusive
  std::string reason;
  bool operator==(const CardsVoided&) const = default;
};

struct CardRedeemed {
  std::uint64_t serial = 0;
  std::string batch;
  std::string account;
  CardKind kind = CardKind::recharge;
  std::int64_t face_units = 0;
  std::int64_t balance_after_units = 0;
  bool operator==(const CardRedeemed&) const = default;
};

struct CardRedemptionFailed {
  std::uint64_t serial = 0;  // 0: no card has the number given
  std::string account;       // empty for an activation
  CardKind kind = CardKind::recharge;
  std::string reason;
  bool operator==(const CardRedemptionFailed&) const = default;
};

enum class ConsentParty : std::uint8_t { provider = 0, both_agents = 1 };

struct AccountTransferred {
  std::string account;
  std::string from_agent;
  std::string to_agent;
  ConsentParty consent_by = ConsentParty::provider;
  std::string consent_reference;
  bool operator==(const AccountTransferred&) const = default;
};

// Contracts (issue 6; events.capnp says what each field means). Dates are
// China dates "YYYY-MM-DD" (empty: none).
enum class RenewalPolicy : std::uint8_t { repeat = 0, once = 1, none = 2 };

struct ContractTerms {
  std::uint32_t level = 1;
  std::int64_t prepaid_minutes = 0;
  std::int64_t price_units_per_minute = 0;
  std::int64_t deposit_units = 0;
  std::int64_t franchise_fee_units = 0;
  std::uint32_t pay_within_workdays = 0;
  std::int64_t accounts = 0;
  std::uint32_t accounts_within_workdays = 0;
  std::int64_t active_users = 0;
  std::uint32_t sla_hours = 4;
  std::uint32_t term_months = 24;
  std::uint32_t renewal_months = 24;
  RenewalPolicy renewals = RenewalPolicy::repeat;
  bool operator==(const ContractTerms&) const = default;
};

struct ContractSigned {
  std::string contract;
  std::string agent;
  std::string signed_date;
  std::string counter_signed_date;
  ContractTerms terms;
  std::string calendar_version;
  bool operator==(const ContractSigned&) const = default;
};

enum class NoticeParty : std::uint8_t { provider = 0, agent = 1 };
enum class NoticeKind : std::uint8_t {
  renewal_objection = 0,
  service_termination = 1,
  business_change = 2,
  negotiation_request = 3,
  general = 4,
};
enum class NoticeMethod : std::uint8_t { courier = 0, fax = 1, email = 2 };

struct NoticeSent {
  std::string notice;
  std::string contract;
  NoticeParty from = NoticeParty::provider;
  NoticeKind kind = NoticeKind::general;
  NoticeMethod method = NoticeMethod::courier;
  std::int64_t sent_us = 0;
  std::string deemed_received;
  std::string last_service_day;
  std::string subject;
  bool compliant = true;
  std::string earliest_compliant_last_day;
  bool operator==(const NoticeSent&) const = default;
};

// Clause 8: a supplementary agreement (events.capnp says what each field means).
struct TermChange {
  std::string param;  // "term-months", "price", "renewals", ... (contract_term_params())
  std::int64_t value = 0;
  bool operator==(const TermChange&) const = default;
};

struct ContractAmended {
  std::string contract;
  std::uint32_t amendment = 0;
  std::string effective_date;
  std::vector<TermChange> changes;
  std::string reference;
  bool operator==(const ContractAmended&) const = default;
};

struct ObligationWaived {
  std::string obligation;
  std::string contract;  // empty: a ticket under no contract
  std::string reason;
  bool operator==(const ObligationWaived&) const = default;
};

// Tickets (A3.2, B3.4).
enum class TicketParty : std::uint8_t { provider = 0, agent = 1 };

struct TicketOpened {
  std::string ticket;
  std::string account;
  std::string agent;
  std::string contract;
  std::string summary;
  std::int64_t reported_us = 0;
  std::uint32_t sla_hours = 4;
  std::string schedule;
  std::int64_t due_us = 0;  // 0: indeterminate
  std::int32_t unknown_year = 0;
  std::string calendar_version;
  bool operator==(const TicketOpened&) const = default;
};

struct TicketResponded {
  std::string ticket;
  std::int64_t at_us = 0;
  TicketParty by = TicketParty::provider;
  bool operator==(const TicketResponded&) const = default;
};

struct TicketClosed {
  std::string ticket;
  bool operator==(const TicketClosed&) const = default;
};

// Promotions (B3.2).
struct PromotionRequested {
  std::string promotion;
  std::string agent;
  std::string plan;
  std::uint32_t discount_basis_points = 0;  // 1..10000
  std::string from_date;
  std::string to_date;
  bool operator==(const PromotionRequested&) const = default;
};

struct PromotionApproved {
  std::string promotion;
  std::string filing_reference;
  bool operator==(const PromotionApproved&) const = default;
};

struct PromotionRejected {
  std::string promotion;
  std::string reason;
  bool operator==(const PromotionRejected&) const = default;
};

struct PromotionWithdrawn {
  std::string promotion;
  std::string reason;
  bool operator==(const PromotionWithdrawn&) const = default;
};

enum class AlertKind : std::uint8_t { due_soon = 0, overdue = 1, calendar_unknown = 2 };

struct ObligationAlerted {
  std::string obligation;
  std::string contract;
  AlertKind kind = AlertKind::due_soon;
  std::string bearer;
  std::string deadline;
  std::int32_t unknown_year = 0;
  bool operator==(const ObligationAlerted&) const = default;
};

using Payload = std::variant<LedgerCreated, AccountOpened, WalletRecharged, AccountClosed,
                             RatePlanImported, CallAuthorized, CallSettled, CallRejected,
                             HoldExpired, AgentAdded, AgentPriceSet, LevelPriceSet, AgentSuspended,
                             AgentResumed, AgentPaymentRecorded, AgentDepositReleased,
                             TrafficPurchased, AgentCreditSet, PrincipalAdded, PrincipalPasswordChanged,
                             CardBatchIssued, CardsVoided, CardRedeemed, CardRedemptionFailed,
                             AccountTransferred, ContractSigned, NoticeSent, ContractAmended,
                             ObligationWaived, TicketOpened, TicketResponded, TicketClosed,
                             PromotionRequested, PromotionApproved, PromotionRejected, PromotionWithdrawn,
                             ObligationAlerted>;

// Calls are unique per switch: the key of a call in the ledger's projections
// and in the store's `calls` family. Switch and call ids are printable ASCII
// without spaces (decide checks), so the space keeps the pair unambiguous.
std::string call_key(std::string_view switch_id, std::string_view call_id);

struct Event {
  std::int64_t ledger_time_us = 0;
  std::int64_t business_time_us = 0;
  std::string actor;
  std::string idempotency_key;
  std::vector<Posting> postings;
  Payload payload;
  bool operator==(const Event&) const = default;
};

using Hash = std::array<std::uint8_t, 32>;

// Lets maps keyed by std::string be searched with a std::string_view without
// building a temporary string (C++20 heterogeneous lookup).
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// An event as the store holds it: its place in the log and the hash chain.
struct StoredEvent {
  std::uint64_t sequence = 0;
  Hash prev_hash{};
  Hash hash{};
  Event event;
};

// The event type's name as written in the log ("WalletRecharged").
const char* payload_name(const Payload& payload);

// Postings sum to zero per unit and respect the per-event posting limit.
// Checked before encoding and after decoding (pair assertion).
bool postings_balance(const std::vector<Posting>& postings);

}  // namespace huawu
