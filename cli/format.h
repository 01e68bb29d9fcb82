#pragma once
// How the huawu command shows events, outcomes and money to people and scripts.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "events/event.h"
#include "projections/balances.h"

namespace huawu::cli {

// "2026-11-24T08:45:29.123456Z"
std::string format_time_utc(std::int64_t us);

// China Standard Time, in which the contract's days and months are counted.
inline constexpr std::int64_t china_offset_us = 8LL * 3600 * 1'000'000;

// A --from/--to bound: "2026-11-25" (a day in China time; `end`: the instant
// after it) or "2026-11-25T08:30[:00](Z|+08:00)". UTC microseconds, or
// nullopt when the text is neither.
std::optional<std::int64_t> parse_time_bound(std::string_view text, bool end);

// The China-time day of a UTC instant, "2026-11-25", and its month, "2026-11".
std::string china_day(std::int64_t utc_us);
std::string china_month(std::int64_t utc_us);

// The event's payload and postings as JSON; money as *_units integers plus a
// yuan text field beside each.
nlohmann::json event_json(std::uint64_t sequence, const Event& event);
nlohmann::json stored_event_json(const StoredEvent& stored);

// One line for people: "WalletRecharged account=A1 amount=50.0000 …".
std::string event_summary(const Event& event);

const char* status_name(AccountStatus status);
const char* kind_name(LedgerAccountKind kind);
const char* principal_role_name(PrincipalRole role);  // "provider", "agent", "auditor"  // "agent_prepaid", as in the schema
const char* call_origin_name(CallOrigin origin);
// Contracts (issue 6).
const char* renewal_policy_name(RenewalPolicy policy);  // "repeat", "once", "none"
const char* notice_party_name(NoticeParty party);       // "provider", "agent"
const char* notice_kind_name(NoticeKind kind);          // "renewal_objection", ...
nlohmann::json contract_terms_json(const ContractTerms& terms);
// A contract term's value as people write it: fen for the price, yuan for
// money, the policy's name for renewals, the number otherwise.
std::string format_term_value(std::string_view param, std::int64_t value);
nlohmann::json notice_json(const NoticeSent& notice);
const char* call_stage_name(CallStage stage);

// Price units as fen with at most 2 decimals: 750 -> "7.5" (the rate CSV's form).
std::string format_fen(std::int64_t units);

// One JSON object as one line. Bytes that are not UTF-8 (a typo in an
// argument echoed back in an error) are replaced, never a crash.
std::string json_line(const nlohmann::json& j);

}  // namespace huawu::cli
