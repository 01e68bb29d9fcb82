#include "cli/verb_args.h"

#include "events/invariant.h"

namespace huawu::cli {

VerbArg::Value default_value(const ArgSpec& arg) {
  switch (arg.kind) {
    case ArgKind::text: return std::string(arg.default_text);
    case ArgKind::integer: return arg.default_integer;
    case ArgKind::flag: return FlagGiven{};  // never read: an absent flag is false
    case ArgKind::list: return std::vector<std::string>();
    case ArgKind::number: return arg.default_number;
  }
  return std::string();
}

VerbArgs::VerbArgs(const VerbSpec& verb, const VerbCall& call) : verb_(verb) {
  values_.reserve(verb.args.size());
  given_.assign(verb.args.size(), false);
  for (const ArgSpec& arg : verb.args) values_.push_back(default_value(arg));
  for (const VerbArg& arg : call.args) {
    for (std::size_t i = 0; i < verb.args.size(); ++i) {
      if (verb.args[i].name != arg.name) continue;
      HUAWU_ASSERT(arg.kind() == verb.args[i].kind, "an unchecked call reached a handler");
      values_[i] = arg.value;
      given_[i] = true;
    }
  }
}

std::size_t VerbArgs::index_of(std::string_view name, ArgKind kind) const {
  for (std::size_t i = 0; i < verb_.args.size(); ++i)
    if (verb_.args[i].name == name) {
      HUAWU_ASSERT(verb_.args[i].kind == kind, "a handler reads an argument as another kind");
      return i;
    }
  HUAWU_ASSERT(false, "a handler reads an argument its verb does not declare");
  return 0;
}

const std::string& VerbArgs::text(std::string_view name) const {
  return std::get<std::string>(values_[index_of(name, ArgKind::text)]);
}

std::int64_t VerbArgs::integer(std::string_view name) const {
  return std::get<std::int64_t>(values_[index_of(name, ArgKind::integer)]);
}

bool VerbArgs::flag(std::string_view name) const { return given_[index_of(name, ArgKind::flag)]; }

const std::vector<std::string>& VerbArgs::list(std::string_view name) const {
  return std::get<std::vector<std::string>>(values_[index_of(name, ArgKind::list)]);
}

double VerbArgs::number(std::string_view name) const {
  return std::get<double>(values_[index_of(name, ArgKind::number)]);
}

bool VerbArgs::given(std::string_view name) const {
  for (std::size_t i = 0; i < verb_.args.size(); ++i)
    if (verb_.args[i].name == name) return given_[i];
  HUAWU_ASSERT(false, "a handler asks for an argument its verb does not declare");
  return false;
}

bool call_has_flag(const VerbCall& call, std::string_view name) {
  for (const VerbArg& arg : call.args)
    if (arg.name == name && arg.kind() == ArgKind::flag) return true;
  return false;
}

void set_arg(VerbCall& call, std::string_view name, VerbArg::Value value) {
  for (VerbArg& arg : call.args)
    if (arg.name == name) {
      arg.value = std::move(value);
      return;
    }
  call.args.push_back(VerbArg{std::string(name), std::move(value)});
}

}  // namespace huawu::cli
