#pragma once
// The wire id of every verb (events/control.capnp VerbCall.verb). A command
// and a daemon of different versions must agree on them, so ids are
// append-only like the schema: a new verb takes the next free number, a
// removed verb's number is never given to another. 0 is no verb.
#include <cstdint>

namespace huawu::cli {

enum class VerbId : std::uint16_t {
  none = 0,
  // Accounts, cards and money (cli/verbs_accounts.cc).
  account_open = 1,
  account_close = 2,
  account_activate = 3,
  account_transfer = 4,
  recharge = 5,
  recharge_card_redeem = 6,
  cards_issue = 7,
  cards_batches = 8,
  cards_show = 9,
  cards_void = 10,
  balance = 11,
  rates_import = 12,
  rates_show = 13,
  rates_lookup = 14,
  calls = 15,
  calls_cut = 16,
  kamailio_backfill = 17,
  kamailio_status = 18,
  holds = 19,
  events = 20,
  audit_verify = 21,
  // Agents, principals, prices (cli/verbs_agents.cc).
  agent_add = 30,
  agent_price = 31,
  agent_suspend = 32,
  agent_resume = 33,
  agent_tree = 34,
  agent_credit = 35,
  agent_statement = 36,
  payment_record = 37,
  deposit_refund = 38,
  deposit_forfeit = 39,
  traffic_buy = 40,
  stats = 41,
  principal_add = 42,
  principal_passwd = 43,
  principal_list = 44,
  pricing_set_level = 45,
  // Contracts and compliance (cli/verbs_contracts.cc).
  contract_sign = 60,
  contract_status = 61,
  contract_list = 62,
  contract_amend = 63,
  notice_send = 64,
  notices = 65,
  obligations = 66,
  obligation_waive = 67,
  ticket_open = 68,
  ticket_respond = 69,
  ticket_close = 70,
  ticket_show = 71,
  tickets = 72,
  sla_report = 73,
  promo_request = 74,
  promo_approve = 75,
  promo_reject = 76,
  promo_withdraw = 77,
  promo_show = 78,
  promo_list = 79,
  // Verbs of a command of their own, never sent to a daemon (cli/verbs_local.cc).
  init = 100,
  serve = 101,
  tail = 102,
  login = 103,
  switch_sim = 104,
  calendar_is_workday = 105,
  calendar_add_workdays = 106,
  calendar_add_months = 107,
  calendar_period_end = 108,
  calendar_deemed_receipt = 109,
  calendar_latest_notice = 110,
  calendar_sla_due = 111,
};

}  // namespace huawu::cli
