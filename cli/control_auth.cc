#include "cli/control_auth.h"

#include <algorithm>
#include <optional>

#include "cli/context.h"
#include "cli/format.h"
#include "cli/verb_args.h"

namespace huawu::cli {

namespace {

// A refusal as the verb would print it: a JSON line with --json, else a line on err.
ControlReply refusal(const ControlRequest& request, const std::string& error, const std::string& hint = "") {
  const bool json = request.call ? call_has_flag(*request.call, "--json")
                                 : std::find(request.args.begin(), request.args.end(), "--json") != request.args.end();
  if (json) return ControlReply{1, json_line(nlohmann::json{{"ok", false}, {"error", error}, {"message", "refused: " + error}}) + "\n", ""};
  return ControlReply{1, "", "huawu: refused: " + error + hint + "\n"};
}

}  // namespace

std::variant<Caller, ControlReply> ControlAuth::admit(const ControlRequest& request) {
  std::size_t principals = 0;
  std::optional<PrincipalState> named;
  ledger_.writer().read_and_wait([&](const LedgerState& state) {
    principals = state.principals().size();
    if (const PrincipalState* p = state.principals().find(request.principal)) named = *p;
  });
  // `login` is the one request that is not a verb call: an exchange of the password for a token.
  const bool login = !request.call && !request.args.empty() && request.args[0] == "login";
  if (principals == 0) {
    if (login) return refusal(request, "no_principals", ": add one first (huawu principal add); until then no login is needed");
    return Caller{"", "local:operator", PrincipalRole::provider, ""};
  }
  const std::int64_t now = now_us();
  if (login) {
    switch (guard_.authenticate(ledger_.store(), request.principal, request.password, now)) {
      case AuthResult::locked: return refusal(request, "authentication_locked", ": too many failures, try later");
      case AuthResult::denied: return refusal(request, "authentication_failed");
      case AuthResult::ok: break;
    }
    const std::string token = random_hex(32);
    std::lock_guard lock(mutex_);
    // Expired sessions go when a new one comes.
    std::erase_if(sessions_, [&](const auto& entry) { return entry.second.expires_us <= now; });
    sessions_[token] = Session{request.principal, now + session_seconds * 1'000'000};
    return ControlReply{0, token + "\n", ""};
  }
  if (request.token.empty() && !request.password.empty()) {
    // A request may also prove itself with the password, once.
    switch (guard_.authenticate(ledger_.store(), request.principal, request.password, now)) {
      case AuthResult::locked: return refusal(request, "authentication_locked", ": too many failures, try later");
      case AuthResult::denied: return refusal(request, "authentication_failed");
      case AuthResult::ok:
        if (!named) return refusal(request, "authentication_failed");  // added after the read above
        return Caller{request.principal, "principal:" + request.principal, named->role, named->agent};
    }
  }
  if (request.token.empty())
    return refusal(request, "authentication_required",
                   " (huawu login NAME, then set HUAWU_PRINCIPAL=NAME and HUAWU_TOKEN=the token)");
  {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(request.token);
    // A token of another principal, an unknown or an expired one: all the same answer.
    if (it == sessions_.end() || it->second.expires_us <= now || it->second.principal != request.principal ||
        !named)
      return refusal(request, "authentication_failed");
  }
  return Caller{request.principal, "principal:" + request.principal, named->role, named->agent};
}

}  // namespace huawu::cli
