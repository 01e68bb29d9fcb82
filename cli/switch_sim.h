#pragma once
// `huawu switch-sim`: a load generator that behaves like a softswitch. It
// speaks the switch protocol (docs/switch-protocol.md) to a daemon over one
// ZeroMQ DEALER socket, starts calls at a given rate, settles them, sends a
// share of requests twice (retransmissions), and checks every reply against
// the protocol's rules and against its own rating of the call. See
// cli/switch_sim.cc for the simulation model.
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

namespace huawu::cli {

struct SimOptions {
  std::string endpoint = "tcp://127.0.0.1:7750";
  std::string switch_id = "sim-1";
  double rate_calls_per_second = 1000;  // new calls started per second (Poisson arrivals)
  double duration_seconds = 5;          // how long to start new calls; then drain
  std::size_t accounts = 100;           // accounts <account_prefix><index, 5 digits from 00001>
  std::string account_prefix = "sim-";
  std::size_t concurrency = 200;        // most calls in progress at once
  double duplicates_percent = 1;        // requests sent twice with the same key (retransmissions)
  double record_percent = 2;            // calls reported only as CallRecord (never authorized)
  double unanswered_percent = 10;       // calls that end with duration 0
  double overrun_percent = 1;           // settles reporting a duration past the grant
  double talk_ms_max = 20;              // wall time between authorize reply and settle (compressed call)
  std::uint64_t seed = 1;
  double reply_timeout_seconds = 10;    // a request not answered by then is an anomaly
  bool setup = false;                   // first import the plan and open the accounts via the control socket
  std::string data_dir;                 // for setup: where control.sock is
  std::string initial_yuan = "1000";    // for setup: each account's opening balance
  std::string agent;                    // for setup: the agent the accounts are bound to (empty: none)
  bool json = false;
  // The accounts are on the simulator's own plan (sim_rate_plan_csv()), so
  // costs, billed seconds and holds are checked against it. Setting it false
  // (accounts on some other plan) skips those checks unless setup ran.
  bool own_plan = true;
};

// Reply latencies of one request kind, in microseconds (first reply to the
// original send; a retransmission's reply is not counted).
struct SimLatency {
  std::size_t count = 0;
  double p50_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
};

struct SimReport {
  std::string run_id;              // the run nonce in every request key and call id
  bool setup_ran = false;
  double setup_seconds = 0;
  std::size_t setup_accounts_opened = 0;   // opened now
  std::size_t setup_accounts_existing = 0; // opened by an earlier run (already done / exists)
  double wall_seconds = 0;         // from the first call started to the end of the drain
  double start_phase_seconds = 0;  // of which calls were being started
  std::uint64_t calls_started = 0;
  std::uint64_t starts_delayed = 0;  // arrivals that waited for a free slot (concurrency limit)
  std::uint64_t requests_sent = 0;   // including retransmissions
  std::uint64_t replies_received = 0;
  std::uint64_t authorize_sent = 0, authorized = 0, authorize_refused = 0;
  std::map<std::string, std::uint64_t> authorize_refused_by_reason;
  std::uint64_t settle_sent = 0, settled = 0, settle_refused = 0;
  std::map<std::string, std::uint64_t> settle_refused_by_reason;
  std::uint64_t settled_unanswered = 0, settled_over_grant = 0, settled_with_arrears = 0;
  std::uint64_t record_sent = 0, recorded = 0, record_refused = 0;
  std::map<std::string, std::uint64_t> record_refused_by_reason;
  std::uint64_t duplicates_sent = 0, duplicates_matched = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t late_replies = 0;  // replies that came after their request timed out
  std::int64_t billed_cost_units = 0;  // settles and records
  std::int64_t arrears_units = 0;
  double requests_per_second = 0;       // requests_sent / wall_seconds
  double settled_calls_per_second = 0;  // (settled + recorded) / wall_seconds
  SimLatency authorize_latency, settle_latency, record_latency;
  // Anomalies, by kind:
  //   transport   reply_timeout, unknown_reply_key, undecodable_reply, multipart_reply,
  //               error_reply (kind=error), wrong_kind, send_failed, drain_incomplete
  //   retries     duplicate_mismatch (a retransmission's reply differs from the original's)
  //   authorize   grant_exceeds_request, hold_mismatch (hold id/units not > 0 with a grant),
  //               refusal_with_grant, hold_units_mismatch*, accepted_without_rate*,
  //               refused_rated_destination*
  //   settle      settle_refused (each authorized call is settled once), over_grant_mismatch,
  //               arrears_without_over_grant
  //   billing     cost_mismatch*, billed_seconds_mismatch*, negative_cost, negative_balance,
  //               arrears_out_of_range (arrears < 0 or > cost)
  //   (* only when the accounts are on the simulator's plan: own_plan or setup)
  std::uint64_t anomalies = 0;
  std::map<std::string, std::uint64_t> anomalies_by_kind;  // e.g. "cost_mismatch"
  std::vector<std::string> anomaly_examples;               // at most sim_anomaly_examples_max
};

inline constexpr std::size_t sim_anomaly_examples_max = 20;

// Runs the simulation and prints the report to `out` (text, or one JSON object
// with json=true); problems that stop the run go to `err`. Returns 0 when no
// anomaly was seen, 1 otherwise (also when setup failed), 2 for bad options,
// 3 when the daemon (or, for setup, its control socket) cannot be reached.
int run_switch_sim(const SimOptions& options, std::ostream& out, std::ostream& err);

// The rate plan the simulator imports in setup, as CSV text in the
// `huawu rates import` format: Chinese mobile and fixed prefixes, a few
// international ones, 60/60, 6/6 and 30/6 blocks, some connect fees. The
// callees the simulator dials come from these prefixes, plus a small share
// (3 %) that matches none (`999…`).
std::string sim_rate_plan_csv();

// The plan id the simulator's accounts use ("sim").
inline constexpr const char* sim_plan_id = "sim";

}  // namespace huawu::cli
