// Principals (issue 4, clauses 5 and B3.6): add provider operators, agent
// operators and auditors, and change their operation passwords. The command
// reads the password (from the terminal without echo, or one line of
// standard input with --password-stdin) and hashes it with argon2id itself:
// what travels to a daemon and into the store is the hash, never the
// password, and the log records only who changed what.
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include <iostream>

#include "cli/format.h"
#include "cli/verbs.h"
#include "ledger/auth.h"

namespace huawu::cli {

namespace {

std::optional<PrincipalRole> role_of(const std::string& text) {
  if (text == "provider") return PrincipalRole::provider;
  if (text == "agent") return PrincipalRole::agent;
  if (text == "auditor") return PrincipalRole::auditor;
  return std::nullopt;
}

// One line from the terminal with echo off.
std::optional<std::string> read_hidden(const char* prompt, std::ostream& err) {
  err << prompt << std::flush;
  termios saved{};
  const bool tty = tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty) {
    termios quiet = saved;
    quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  err << "\n";
  if (!got) return std::nullopt;
  return line;
}

}  // namespace

std::optional<std::string> read_password(bool from_stdin, bool confirm, std::ostream& err, std::string* why) {
  std::string password;
  if (from_stdin) {
    if (!std::getline(std::cin, password)) {
      *why = "--password-stdin: no line on standard input";
      return std::nullopt;
    }
    return password;
  }
  if (!isatty(STDIN_FILENO)) {
    *why = "no terminal to ask for the password on: use --password-stdin";
    return std::nullopt;
  }
  auto first = read_hidden("operation password: ", err);
  if (!first) {
    *why = "no password given";
    return std::nullopt;
  }
  if (confirm) {
    auto again = read_hidden("the same again: ", err);
    if (!again || *first != *again) {
      *why = "the two passwords differ";
      return std::nullopt;
    }
  }
  return first;
}

std::optional<std::string> read_password_hash(bool from_stdin, std::ostream& err, std::string* why) {
  auto password = read_password(from_stdin, true, err, why);
  if (!password) return std::nullopt;
  auto hash = hash_password(*password, why);
  sodium_memzero(password->data(), password->size());
  return hash;
}

int verb_principal_add(Context& ctx, const std::string& name, const std::string& role, const std::string& agent,
                       const std::string& password_hash, const std::string& key) {
  const auto principal_role = role_of(role);
  if (!principal_role)
    return print_error(ctx, exit_bad_input, "role_invalid", "invalid role '" + role + "': provider, agent or auditor");
  return run_request(ctx, Request{AddPrincipal{name, *principal_role, agent, password_hash}, key, {}, 0});
}

int verb_principal_passwd(Context& ctx, const std::string& name, const std::string& password_hash,
                          const std::string& key) {
  return run_request(ctx, Request{SetPrincipalPassword{name, password_hash}, key, {}, 0});
}

int verb_principal_list(Context& ctx) {
  int code = exit_ok;
  Writer* writer = writer_or_report(ctx, &code);
  if (!writer) return code;
  nlohmann::json list = nlohmann::json::array();
  std::string text;
  writer->read_and_wait([&](const LedgerState& ledger) {
    ledger.principals().for_each([&](const std::string& name, const PrincipalState& p) {
      const char* role = principal_role_name(p.role);
      list.push_back({{"name", name}, {"role", role}, {"agent", p.agent}, {"added_sequence", p.added_sequence},
                      {"password_changed_sequence", p.password_changed_sequence}});
      text += name + "  " + role + (p.agent.empty() ? "" : "  agent " + p.agent) + "  password set at sequence " +
              std::to_string(p.password_changed_sequence) + "\n";
    });
  });
  if (ctx.json) ctx.out << json_line(nlohmann::json{{"principals", list}}) << "\n";
  else ctx.out << (text.empty() ? "no principals\n" : text);
  return exit_ok;
}

}  // namespace huawu::cli
