#pragma once
// What an agent operator may reach, for the verbs of the huawu command. The
// rule is the ledger's own (ledger/scope.h): decide applies it to every
// change against the state it decides on, and the command applies the same
// rule to queries on the follower's state before a verb runs
// (cli/dispatch.cc), with the target each verb names in the verb table
// (cli/verb_table.h TargetRule). A target outside the subtree gets the very
// answer a target that does not exist gets, so an agent learns nothing about
// others. Provider operators and auditors are not restricted here (an
// auditor's changes are refused where every change passes: run_request, and
// by decide).
#include "ledger/scope.h"

namespace huawu::cli {

using huawu::Scope;
using huawu::scope_answer;
using huawu::ScopeAnswer;
using huawu::Target;
using huawu::TargetKind;

}  // namespace huawu::cli
