#include "kamailio/sip_codes.h"

#include <array>
#include <utility>

namespace huawu::kamailio {

namespace {

struct DefaultCode {
  std::string_view reason;
  int code;
};

// Refusals a caller can act on get the code that says so; whatever says
// "huawu could not decide" is 503, so the caller's side may retry elsewhere.
constexpr std::array<DefaultCode, 14> default_codes{{
    {"insufficient_balance", 402},
    {"account_not_found", 403},
    {"account_closed", 403},
    {"account_id_invalid", 403},
    {"agent_suspended", 403},
    {"no_rate_for_destination", 404},
    {"no_rate_plan", 404},
    {"destination_invalid", 484},
    {"call_already_authorized", 482},
    {"call_already_settled", 482},
    {"call_id_invalid", 400},
    {"switch_request_invalid", 400},
    {"storage_failed", 503},
    {"writer_stopped", 503},
}};

}  // namespace

std::string sip_phrase(int code) {
  switch (code) {
    case 400: return "Bad Request";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 480: return "Temporarily Unavailable";
    case 482: return "Loop Detected";
    case 484: return "Address Incomplete";
    case 486: return "Busy Here";
    case 488: return "Not Acceptable Here";
    case 500: return "Server Internal Error";
    case 503: return "Service Unavailable";
    case 603: return "Decline";
    default: return "Refused";
  }
}

SipStatus sip_status_for(std::string_view reason, const std::map<std::string, int>& overrides) {
  int code = 403;
  for (const DefaultCode& d : default_codes)
    if (d.reason == reason) code = d.code;
  if (auto it = overrides.find(std::string(reason)); it != overrides.end()) code = it->second;
  return SipStatus{code, sip_phrase(code)};
}

unsigned q850_cause_of_sip(int code) {
  switch (code) {
    case 404: case 485: case 604: return 1;   // unallocated number
    case 486: case 600: return 17;            // user busy
    case 480: return 19;                      // no answer from user
    case 487: return 16;                      // request terminated (the caller hung up first)
    case 408: return 102;                     // recovery on timer expiry
    case 410: return 22;                      // number changed
    case 484: return 28;                      // invalid number format
    case 403: case 603: return 21;            // call rejected
    case 488: case 606: return 65;            // bearer capability not implemented
    case 502: return 38;                      // network out of order
    case 503: return 41;                      // temporary failure
    case 500: case 504: return 41;
    default: return 31;                       // normal, unspecified
  }
}

}  // namespace huawu::kamailio
