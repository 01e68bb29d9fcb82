#pragma once
// The SIP reply an auth_request refused by huawu gets (docs/kamailio.md §4):
// a default per reason, overridden by [kamailio.sip_codes].
#include <map>
#include <string>
#include <string_view>

namespace huawu::kamailio {

struct SipStatus {
  int code = 403;
  std::string phrase = "Forbidden";
};

SipStatus sip_status_for(std::string_view reason, const std::map<std::string, int>& overrides);

// The standard reason phrase of a SIP final code (RFC 3261 §21 and later RFCs),
// "Refused" for codes without one.
std::string sip_phrase(int code);

// The Q.850 cause of a call that failed with a SIP final code (RFC 3398
// §8.2.6.1, the reverse direction): what a settle of an unanswered call records.
unsigned q850_cause_of_sip(int code);

}  // namespace huawu::kamailio
