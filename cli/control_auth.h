#pragma once
// Who is asking on the daemon's control socket (issue 4, clauses 5 and B3.6).
// Once the ledger has a principal, every request must name one and prove it:
// `login` with the operation password gets a session token, and later
// requests carry the token. A wrong name and a wrong password get the same
// answer; repeated failures lock the name (ledger/auth.h). Until the first
// principal is added the socket, which lives in the data directory, is the
// local provider operator's, as the embedded path is.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <variant>

#include "events/control_protocol.h"
#include "events/event.h"
#include "ledger/auth.h"
#include "ledger/ledger.h"

namespace huawu::cli {

struct Caller {
  std::string name;   // the principal; empty for the local operator
  std::string actor;  // what its events record: "principal:NAME", or "local:operator"
  PrincipalRole role = PrincipalRole::provider;
  std::string agent;  // role agent: the agent it acts for
};

class ControlAuth {
 public:
  static constexpr std::int64_t session_seconds = 12 * 3600;

  explicit ControlAuth(Ledger& ledger) : ledger_(ledger) {}

  // The caller of `request`, or the reply that answers it instead: a refusal,
  // or for `login` the session token. Thread-safe.
  std::variant<Caller, ControlReply> admit(const ControlRequest& request);

 private:
  struct Session {
    std::string principal;
    std::int64_t expires_us = 0;
  };
  Ledger& ledger_;
  LoginGuard guard_;
  std::mutex mutex_;
  std::unordered_map<std::string, Session> sessions_;
};

}  // namespace huawu::cli
