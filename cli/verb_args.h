#pragma once
// A verb's arguments as its handler reads them (cli/verb_table.h): each by
// the name the table declares, given or else the table's default. A call is
// checked against the table first (check_call, cli/dispatch.h), so asking
// for an undeclared name or the wrong kind is our bug: an assertion.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cli/verb_table.h"
#include "events/control_protocol.h"

namespace huawu::cli {

class VerbArgs {
 public:
  // `call` must have passed check_call for `verb`.
  VerbArgs(const VerbSpec& verb, const VerbCall& call);

  const std::string& text(std::string_view name) const;
  std::int64_t integer(std::string_view name) const;
  bool flag(std::string_view name) const;
  const std::vector<std::string>& list(std::string_view name) const;
  double number(std::string_view name) const;
  // Whether the call gave `name` (a default was not used).
  bool given(std::string_view name) const;
  const VerbSpec& verb() const { return verb_; }

 private:
  std::size_t index_of(std::string_view name, ArgKind kind) const;

  const VerbSpec& verb_;
  std::vector<VerbArg::Value> values_;  // per declared argument, in the table's order
  std::vector<bool> given_;
};

// The value the table gives `arg` when a call leaves it out.
VerbArg::Value default_value(const ArgSpec& arg);

// Whether `call` gives the flag `name` (--json, before any check).
bool call_has_flag(const VerbCall& call, std::string_view name);

// Sets `name` to `value` in `call`, replacing a value given before.
void set_arg(VerbCall& call, std::string_view name, VerbArg::Value value);

}  // namespace huawu::cli
