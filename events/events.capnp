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
                               # (a settled call of an agent's user also moves billed seconds from
                               # the agent's trafficPool to its trafficUsed; callRevenue's owner is
                               # the user's agent, empty for the provider's own users)

  payload :union {
    ledgerCreated @5 :LedgerCreated;
    accountOpened @6 :AccountOpened;
    walletRecharged @7 :WalletRecharged;
    accountClosed @8 :AccountClosed;
    ratePlanImported @9 :RatePlanImported;
    callAuthorized @10 :CallAuthorized;
    callSettled @11 :CallSettled;
    callRejected @12 :CallRejected;
    holdExpired @13 :HoldExpired;
    agentAdded @14 :AgentAdded;
    agentPriceSet @15 :AgentPriceSet;
    levelPriceSet @16 :LevelPriceSet;
    agentSuspended @17 :AgentSuspended;
    agentResumed @18 :AgentResumed;
    agentPaymentRecorded @19 :AgentPaymentRecorded;
    agentDepositReleased @20 :AgentDepositReleased;
    trafficPurchased @21 :TrafficPurchased;
    agentCreditSet @22 :AgentCreditSet;
    principalAdded @23 :PrincipalAdded;
    principalPasswordChanged @24 :PrincipalPasswordChanged;
    cardBatchIssued @25 :CardBatchIssued;
    cardsVoided @26 :CardsVoided;
    cardRedeemed @27 :CardRedeemed;
    cardRedemptionFailed @28 :CardRedemptionFailed;
    accountTransferred @29 :AccountTransferred;
    contractSigned @30 :ContractSigned;
    noticeSent @31 :NoticeSent;
    contractAmended @32 :ContractAmended;
    obligationWaived @33 :ObligationWaived;
    ticketOpened @34 :TicketOpened;
    ticketResponded @35 :TicketResponded;
    ticketClosed @36 :TicketClosed;
    promotionRequested @37 :PromotionRequested;
    promotionApproved @38 :PromotionApproved;
    promotionRejected @39 :PromotionRejected;
    promotionWithdrawn @40 :PromotionWithdrawn;
    obligationAlerted @41 :ObligationAlerted;
  }
}

enum Unit {
  cnyUnits @0;        # 1 unit = 0.0001 yuan
  trafficSeconds @1;  # billed seconds
}

enum LedgerAccountKind {
  externalCash @0;    # money entering or leaving the system
  userWallet @1;      # a user's prepaid balance (owner = account id)
  userHold @2;        # money held for authorized calls (owner = account id)
  callRevenue @3;     # the provider's revenue from rated calls
  userArrears @4;     # what a user owes for calls its wallet could not cover (owner = account id; <= 0)
  # Agents (issue 4). CNY units unless said otherwise.
  agentPrepaid @5;      # an agent's traffic account with its parent: paid in minus traffic bought (owner = agent)
  agentDeposit @6;      # the security deposit an agent has with its parent (owner = agent)
  wholesaleRevenue @7;  # traffic sold to sub-agents (owner = the selling agent; empty: the provider)
  feeRevenue @8;        # franchise fees and other payments received (owner = the parent; empty: the provider)
  depositForfeited @9;  # deposits the parent kept (owner = the parent; empty: the provider)
  trafficPool @10;      # traffic seconds an agent has prepaid and not used (owner = agent)
  trafficSource @11;    # traffic seconds the provider sold to level-1 agents (owner empty; <= 0)
  trafficUsed @12;      # traffic seconds an agent's users' calls were billed (owner = agent)
  # Cards and closing (issue 5).
  forfeitedBalances @13;  # what closed accounts left behind on purpose (owner = the user's agent; empty: the provider)
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
  agent @3 :Text;               # the agent the user is bound to; empty: the provider's own user
}

struct WalletRecharged {
  account @0 :Text;
  amountUnits @1 :Int64;
  sourceReference @2 :Text;
  balanceAfterUnits @3 :Int64;
}

enum BalanceDisposition {
  none @0;         # the balance was zero
  refunded @1;     # paid out to external cash (with `reference`)
  transferred @2;  # moved to `transferTo`, an open account of the same agent
  forfeited @3;    # kept (forfeitedBalances), only when asked for explicitly
}

struct AccountClosed {
  account @0 :Text;
  remainingBalanceUnits @1 :Int64;
  disposition @2 :BalanceDisposition;
  transferTo @3 :Text;   # disposition transferred: the account that received the balance
  reference @4 :Text;    # disposition refunded: the payout's reference
}

# One row of a rate plan. Prices are CNY units (1 fen = 100 units).
struct RateEntry {
  prefix @0 :Text;               # dialled digits
  description @1 :Text;
  priceUnitsPerMinute @2 :Int64;
  connectFeeUnits @3 :Int64;
  firstBlockSeconds @4 :UInt32;
  nextBlockSeconds @5 :UInt32;
}

# A whole rate plan; it replaces an earlier plan with the same id from this
# event on (earlier calls keep the rate they were authorized or rated with).
struct RatePlanImported {
  plan @0 :Text;
  sourceName @1 :Text;           # the file it was read from, for people
  rates @2 :List(RateEntry);
}

# The rate a call is billed with, fixed when it was authorized or recorded.
struct CallRate {
  prefix @0 :Text;
  priceUnitsPerMinute @1 :Int64;
  connectFeeUnits @2 :Int64;
  firstBlockSeconds @3 :UInt32;
  nextBlockSeconds @4 :UInt32;
  promotion @5 :Text;   # B3.2: the approved promotion whose discount the price and
                        # connect fee carry (issue 6); empty: the plan's own price
}

# A call may start: `grantedSeconds` at `rate`, with `holdUnits` moved from
# the wallet to the user's hold account. The hold id is this event's sequence.
struct CallAuthorized {
  switchId @0 :Text;
  callId @1 :Text;
  account @2 :Text;
  caller @3 :Text;
  callee @4 :Text;
  requestedSeconds @5 :Int64;
  grantedSeconds @6 :Int64;
  holdUnits @7 :Int64;
  rate @8 :CallRate;
  switchTimeUs @9 :Int64;
  expiresAtUs @10 :Int64;        # ledger time after which the hold is released
  via @11 :SwitchVia;            # which connector the request came through (issue 15)
  sipCallId @12 :Text;           # the SIP Call-ID when callId is its mapping (docs/kamailio.md §2)
  balanceAfterUnits @13 :Int64;  # wallet + held after it (an authorization moves money between the two)
}

# The connector a switch request came through.
enum SwitchVia {
  zeromq @0;     # the ZeroMQ switch protocol (docs/switch-protocol.md)
  kamailio @1;   # the Kamailio evapi connector (docs/kamailio.md)
}

enum CallOrigin {
  authorized @0;     # settled against its hold
  recorded @1;       # a call record the switch never asked about
  lateSettle @2;     # settled after its hold had expired
}

# A call ended and was billed. Releases the hold (if any) and debits the cost:
# what the wallet covers from it, the rest (over-grant only) as arrears.
struct CallSettled {
  switchId @0 :Text;
  callId @1 :Text;
  account @2 :Text;
  caller @3 :Text;
  callee @4 :Text;
  origin @5 :CallOrigin;
  holdId @6 :UInt64;              # sequence of CallAuthorized; 0 for a record
  releasedUnits @7 :Int64;        # hold given back to the wallet
  answeredTimeUs @8 :Int64;
  durationMs @9 :Int64;
  disconnectCause @10 :UInt32;
  rate @11 :CallRate;
  billedSeconds @12 :Int64;
  costUnits @13 :Int64;
  walletDebitUnits @14 :Int64;
  arrearsUnits @15 :Int64;        # cost - walletDebit
  overGrant @16 :Bool;            # ran past the granted seconds
  balanceAfterUnits @17 :Int64;   # wallet + held after this event
  via @18 :SwitchVia;
  sipCallId @19 :Text;
  endReason @20 :Text;            # how the call ended, as the switch said (Kamailio: caller_bye, credit_timeout, ...)
}

enum CallStage {
  authorize @0;
  settle @1;
  record @2;
}

# A switch request the ledger refused; recorded so that nothing a switch sends
# is dropped silently and a retry gets the same answer.
struct CallRejected {
  switchId @0 :Text;
  callId @1 :Text;
  account @2 :Text;               # as the switch sent it (may be empty or unknown)
  stage @3 :CallStage;
  reason @4 :Text;                # a rejection name: insufficient_balance, …
  originalSequence @5 :UInt64;    # for call_already_*: the event that holds the call
  via @6 :SwitchVia;
  sipCallId @7 :Text;
}

# A hold whose call was never settled in time, released by ledger time.
struct HoldExpired {
  switchId @0 :Text;
  callId @1 :Text;
  account @2 :Text;
  holdId @3 :UInt64;
  releasedUnits @4 :Int64;
}

# Agents (issue 4, clauses B3.1 and 4.1). An agent sits under the provider
# (level 1, the party to the cooperation agreement) or under another agent.

# A new agent. Its parent sells it traffic at `priceUnitsPerMinute` (CNY
# units, 1 fen = 100 units); 0 means the provider's price for its level.
struct AgentAdded {
  agent @0 :Text;
  parent @1 :Text;                # empty: the provider
  name @2 :Text;
  level @3 :UInt32;               # depth under the provider, 1 for its direct agents
  priceUnitsPerMinute @4 :Int64;  # 0: the level's price
}

# The parent changes the price it sells an agent traffic at, from this event on.
struct AgentPriceSet {
  agent @0 :Text;
  priceUnitsPerMinute @1 :Int64;  # 0: back to the level's price
}

# The provider's wholesale price for every agent of one level that has no
# price of its own, from this event on.
struct LevelPriceSet {
  level @0 :UInt32;
  priceUnitsPerMinute @1 :Int64;  # 0: none
}

# New calls of the agent's subtree (its sub-agents' users too) are refused
# until it is resumed; calls in progress still settle.
struct AgentSuspended {
  agent @0 :Text;
  reason @1 :Text;
}

struct AgentResumed {
  agent @0 :Text;
}

enum AgentPaymentKind {
  traffic @0;        # prepayment for traffic (agentPrepaid)
  deposit @1;        # security deposit (agentDeposit)
  franchiseFee @2;   # franchise fee, the parent's revenue (feeRevenue)
  other @3;          # anything else paid to the parent (feeRevenue)
}

# Money an agent paid its parent (the provider for a level-1 agent), from
# outside the system: external cash -> the account of `kind`.
struct AgentPaymentRecorded {
  agent @0 :Text;
  kind @1 :AgentPaymentKind;
  amountUnits @2 :Int64;
  reference @3 :Text;
}

enum DepositDisposition {
  refunded @0;   # paid back to the agent (external cash)
  forfeited @1;  # kept by the parent (depositForfeited)
}

# Part or all of a deposit leaves it; deposits are never edited.
struct AgentDepositReleased {
  agent @0 :Text;
  amountUnits @1 :Int64;
  disposition @2 :DepositDisposition;
  reason @3 :Text;
}

# Clause 4.1: `minutes` of traffic bought at the agent's wholesale price. The
# pool grows by minutes * 60 seconds, taken from the parent's pool (from the
# provider's carriage for a level-1 agent); the agent's prepaid account pays
# cost = minutes * price exactly, to the seller's wholesale revenue.
struct TrafficPurchased {
  agent @0 :Text;
  seller @1 :Text;                # the parent; empty: the provider
  minutes @2 :Int64;
  priceUnitsPerMinute @3 :Int64;
  costUnits @4 :Int64;
}

# What the parent allows an agent: how far below zero its prepaid account may
# go for purchases, and its traffic pool for authorizations.
struct AgentCreditSet {
  agent @0 :Text;
  prepaymentCreditUnits @1 :Int64;
  trafficOverdraftSeconds @2 :Int64;
}

# Principals (issue 4, clauses 5 and B3.6): who may act through the daemon.
# Operation passwords are hashed (argon2id) and kept outside the log, in the
# store's `credentials` family; the log records only who changed what.
enum PrincipalRole {
  provider @0;  # the provider's operators: everything
  agent @1;     # an agent's operators: its own subtree
  auditor @2;   # reads everything, changes nothing
}

struct PrincipalAdded {
  name @0 :Text;
  role @1 :PrincipalRole;
  agent @2 :Text;   # for role agent: the agent it acts for; else empty
}

# The principal's operation password was set anew (by the event's actor).
struct PrincipalPasswordChanged {
  name @0 :Text;
}

# Cards (issue 5, clauses A2.3, A2.4 and B2.2). A batch is one event whatever
# its size: card k of the batch has serial firstSerial + k, its number is the
# kind digit (1 account, 2 recharge), the serial in 14 digits and a Luhn check
# digit; its PIN is derived from the serial with the secret key `keyId` names
# (a keyed BLAKE2b in the data directory), so no PIN is stored anywhere.
enum CardKind {
  account @0;   # opens a user account of the batch's agent with the face value (activation)
  recharge @1;  # credits the face value to an existing account (a voucher)
}

struct CardBatchIssued {
  batch @0 :Text;          # "B000001", numbered in issue order
  agent @1 :Text;          # the agent the cards are for
  kind @2 :CardKind;
  count @3 :UInt64;
  firstSerial @4 :UInt64;  # serials firstSerial .. firstSerial + count - 1, never reused
  faceUnits @5 :Int64;     # CNY units each card is worth
  ratePlan @6 :Text;       # account cards: the plan the account opens on; else empty
  expiresAtUs @7 :Int64;   # ledger time after which the cards are refused; 0: never
  keyId @8 :Text;          # which PIN key derived the PINs
}

# Cards of a batch that are refused from this event on (those already used stay used).
struct CardsVoided {
  batch @0 :Text;
  firstSerial @1 :UInt64;
  lastSerial @2 :UInt64;   # inclusive
  reason @3 :Text;
}

# A card was used: external cash -> the account's wallet, the face value.
# An account card's activation is the AccountOpened before it, in the same request.
struct CardRedeemed {
  serial @0 :UInt64;
  batch @1 :Text;
  account @2 :Text;
  kind @3 :CardKind;
  faceUnits @4 :Int64;
  balanceAfterUnits @5 :Int64;
}

# An attempt with an unknown card or a wrong PIN (or refused while locked):
# recorded so that repeated guessing locks the card and the account.
struct CardRedemptionFailed {
  serial @0 :UInt64;       # 0: no card has the number given
  account @1 :Text;        # the account it was for; empty for an activation
  kind @2 :CardKind;       # what was attempted: activation or a voucher
  reason @3 :Text;         # card_not_found, card_pin_invalid or card_locked
}

enum ConsentParty {
  provider @0;     # the provider consented in writing
  bothAgents @1;   # both agents consented in writing
}

# Clause 6.3: a user moves to another agent, only with recorded written consent.
struct AccountTransferred {
  account @0 :Text;
  fromAgent @1 :Text;
  toAgent @2 :Text;
  consentBy @3 :ConsentParty;
  consentReference @4 :Text;
}

# Contracts (issue 6, clauses 7, 6.5, B3.5, B3.7, A2.4, A3.2). Dates are China
# dates as "YYYY-MM-DD" text (empty: none), as the contract writes them.
enum RenewalPolicy {
  repeat @0;  # renews for renewalMonths at every expiry nobody objects to
  once @1;    # renews once
  none @2;    # ends at the end of its first term
}

# What the agreement fixes: the first traffic volume, money, deadlines, SLA, term.
struct ContractTerms {
  level @0 :UInt32;
  prepaidMinutes @1 :Int64;
  priceUnitsPerMinute @2 :Int64;
  depositUnits @3 :Int64;
  franchiseFeeUnits @4 :Int64;
  payWithinWorkdays @5 :UInt32;       # B3.7
  accounts @6 :Int64;                 # A2.4: account records generated for the agent
  accountsWithinWorkdays @7 :UInt32;
  activeUsers @8 :Int64;              # A2.4: valid users activated
  slaHours @9 :UInt32;                # A3.2: response within working hours
  termMonths @10 :UInt32;             # clause 7
  renewalMonths @11 :UInt32;
  renewals @12 :RenewalPolicy;
}

struct ContractSigned {
  contract @0 :Text;
  agent @1 :Text;
  signed @2 :Text;          # the agent's signature
  counterSigned @3 :Text;   # the provider's; effective on the later of the two
  terms @4 :ContractTerms;
  calendarVersion @5 :Text; # the working-day schedule its deadlines are computed with
}

enum NoticeParty {
  provider @0;
  agent @1;
}

enum NoticeKind {
  renewalObjection @0;    # clause 7: the contract is not to renew at the end of its term
  serviceTermination @1;  # B3.5: the agent ends customer service (one month's notice)
  businessChange @2;      # B3.5
  negotiationRequest @3;  # 6.1: arbitration may follow 30 days after its receipt
  general @4;
}

enum NoticeMethod {
  courier @0;  # deemed received on the 4th day after hand-over (6.5)
  fax @1;      # on the 2nd day after sending
  email @2;
}

struct NoticeSent {
  notice @0 :Text;              # "N000001", numbered in order
  contract @1 :Text;
  from @2 :NoticeParty;
  kind @3 :NoticeKind;
  method @4 :NoticeMethod;
  sentUs @5 :Int64;             # when it was handed over or sent, UTC
  deemedReceived @6 :Text;      # derived: the China dispatch date + 4 or + 2 days
  lastServiceDay @7 :Text;      # serviceTermination: the last day of service
  subject @8 :Text;
  compliant @9 :Bool;           # serviceTermination: deemed received at least one month before the last day
  earliestCompliantLastDay @10 :Text;  # serviceTermination: deemed received + 1 month
}

# Clause 8: a supplementary agreement changes some terms from its effective
# day on. Obligations triggered before that day keep the values they were
# created with; the term in force on the day changes length when the term or
# renewal length changes.
struct TermChange {
  param @0 :Text;   # a `contract sign` option's name without its dashes: "term-months", "price", "renewals", ...
  value @1 :Int64;  # in the ledger's units: price in CNY units per minute, money in CNY units,
                    # renewals 0 repeat, 1 once, 2 none
}

struct ContractAmended {
  contract @0 :Text;
  amendment @1 :UInt32;         # 1, 2, ... per contract, in order
  effective @2 :Text;           # China date the changes apply from
  changes @3 :List(TermChange); # at least one, each parameter at most once
  reference @4 :Text;           # the supplementary agreement's own reference
}

# An obligation the party owed it to let go; its status is `waived` from this event on.
struct ObligationWaived {
  obligation @0 :Text;  # "C1/O-PAY", "C1/O-SLA/T000001", "O-SLA/T000002" (a ticket under no contract)
  contract @1 :Text;    # empty for a ticket under no contract
  reason @2 :Text;
}

enum TicketParty {
  provider @0;
  agent @1;     # B3.4: the agent carries part of its users' customer service
}

# A3.2: a bound user reported a problem; a response is due within the
# contract's working hours, counted in business minutes of `schedule`. The
# due time is fixed when the ticket opens (what the obligation was created with).
struct TicketOpened {
  ticket @0 :Text;          # "T000001", numbered in order
  account @1 :Text;
  agent @2 :Text;           # the account's agent when reported; empty: the provider's own user
  contract @3 :Text;        # the contract in force whose A3.2 applies; empty: none (the clause's 4 hours)
  summary @4 :Text;
  reportedUs @5 :Int64;     # when the user reported it, UTC
  slaHours @6 :UInt32;
  schedule @7 :Text;        # "09:00-18:00", "09:00-12:00,13:00-18:00" or "24x7"
  dueUs @8 :Int64;          # 0: indeterminate (the calendar does not cover unknownYear)
  unknownYear @9 :Int32;
  calendarVersion @10 :Text;
}

struct TicketResponded {
  ticket @0 :Text;
  atUs @1 :Int64;           # when the first response was given, UTC
  by @2 :TicketParty;
}

struct TicketClosed {
  ticket @0 :Text;
}

# B3.2: an agent's promotion. Only once approved and filed does it change
# retail prices, and only for users of the agent's subtree on its plan,
# inside its window, until withdrawn.
struct PromotionRequested {
  promotion @0 :Text;               # "P000001", numbered in order
  agent @1 :Text;
  plan @2 :Text;                    # the rate plan it discounts
  discountBasisPoints @3 :UInt32;   # 1..10000 (0.01% .. 100%)
  from @4 :Text;                    # China dates, both inclusive
  to @5 :Text;
}

struct PromotionApproved {
  promotion @0 :Text;
  filingReference @1 :Text;         # the filing with the authorities (required)
}

struct PromotionRejected {
  promotion @0 :Text;
  reason @1 :Text;
}

# Ends a requested or approved promotion from this event on.
struct PromotionWithdrawn {
  promotion @0 :Text;
  reason @1 :Text;
}

enum AlertKind {
  dueSoon @0;          # still open and due within the alert window
  overdue @1;          # its deadline passed unmet
  calendarUnknown @2;  # its deadline falls in a year the working-day calendar does not cover
}

# The daemon noticed, by ledger time, that an obligation needs attention:
# raised once per obligation and kind, logged and published.
struct ObligationAlerted {
  obligation @0 :Text;
  contract @1 :Text;
  kind @2 :AlertKind;
  bearer @3 :Text;
  deadline @4 :Text;   # "YYYY-MM-DD", or for O-SLA "YYYY-MM-DDTHH:MM+08:00"; empty for calendarUnknown
  unknownYear @5 :Int32;
}
