#pragma once
// Reading the CDR files that Kamailio's acc module writes with db_flatstore
// (ops/kamailio/huawu.cfg; docs/kamailio.md §5): `huawu kamailio backfill` and
// the connector's pass after every (re)connect bill from them the calls whose
// live call_end was lost.
//
// The files are `huawu_cdrs_<process rank>.log` (one per Kamailio process; a
// rotated file keeps the prefix). One line per dialog, answered or failed, 16
// fields separated by '|', in this order:
//
//    0 start_time   acc: whole seconds (answer, or creation if never answered)
//    1 end_time     acc: whole seconds
//    2 duration     acc: seconds, "%f"
//    3 format       "huawu-cdr-1"
//    4 account      From user of the INVITE
//    5 destination  R-URI user
//    6 caller       P-Asserted-Identity user, else From user
//    7 setup_tv     when the INVITE arrived, $TV(Sn) "SECONDS.MICROSECONDS"
//    8 answer_tv    the 200 OK (the call_start time); empty if never answered
//    9 end_tv       the end (the call_end time), or the final negative reply
//   10 acc_start    acc's own answer time, "SECONDS.MILLISECONDS" in 5.6
//   11 acc_end      acc's own end time, likewise
//   12 sip_code     200 when answered, else the final negative code
//   13 end_reason   caller_bye, callee_bye, credit_timeout, billing_disconnect,
//                   other; empty for a failed call
//   14 call_id_hex  the SIP Call-ID, hex (exact: the authority)
//   15 call_id      the SIP Call-ID as flatstore wrote it
//
// flatstore's only escape is "%7C" for a '|' inside a string ('%' itself is not
// escaped), so fields 4..15 are decoded by turning "%7C" back into '|'; the
// Call-ID comes from field 14 and field 15 must agree with it. Example (a
// caller's BYE after 1.007 s):
//
//   1796411427|1796411428|1.007000|huawu-cdr-1|1001|8613800138000|1001|1796411427.826505|1796411427.834125|1796411428.841379|1796411427.834|1796411428.841|200|caller_bye|312d36313137403132372e302e302e31|1-6117@127.0.0.1
//
// Times are read as integers only, never through floating point.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace huawu::kamailio {

// Longer lines are skipped (a Call-ID is at most 1,024 bytes, 3 KiB with its
// hex form; a longer line is not one Kamailio wrote for a call huawu knows).
inline constexpr std::size_t cdr_line_bytes_max = 64 * 1024;
// At most this many problems are described; all are counted.
inline constexpr std::size_t cdr_problems_max = 20;
// The file names read from a directory start with this (cdrs_table + '_').
inline constexpr std::string_view cdr_file_prefix = "huawu_cdrs_";
inline constexpr std::string_view cdr_format = "huawu-cdr-1";

struct Cdr {
  std::string sip_call_id;  // verbatim SIP Call-ID
  std::string account;      // From user
  std::string destination;  // R-URI user as Kamailio had it
  std::string caller;       // P-Asserted-Identity user or From user (else = account)
  bool answered = false;
  std::int64_t answer_time_us = 0;  // 0 when never answered
  std::int64_t end_time_us = 0;     // the end; for a failed call its final reply (0 unknown)
  std::int64_t duration_ms = 0;     // whole ms, rounded down, end - answer; 0 if not answered
  int sip_code = 0;        // 200 when answered; the final code of a failed call (0 unknown)
  std::string end_reason;  // empty for a failed call

  bool operator==(const Cdr&) const = default;
};

// One line (without its '\n'). nullopt + *why when it is not a CDR line of
// this format: wrong field count or format, a bad time or code, a Call-ID whose
// two forms disagree, an end before the answer.
std::optional<Cdr> parse_cdr_line(std::string_view line, std::string* why);

// "SECONDS.FRACTION" (1..6 fraction digits, or none) into microseconds, exactly;
// nullopt when it is not that or is out of range.
std::optional<std::int64_t> parse_time_us(std::string_view text);

// Reads one CDR file, or every file of a directory whose name starts with
// cdr_file_prefix (sorted by name). Lines that cannot be parsed (and a last
// line without its '\n': Kamailio may be writing it, or died writing it) are
// counted in *skipped and described in *problems ("FILE:LINE: why", at most
// cdr_problems_max) and never abort the read. Empty lines are ignored.
// nullopt + *why when the path, or a file in the directory, cannot be read.
// Never throws.
std::optional<std::vector<Cdr>> read_cdrs(const std::string& path, std::size_t* skipped,
                                          std::vector<std::string>* problems, std::string* why);

}  // namespace huawu::kamailio
