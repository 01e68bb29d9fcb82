#include "kamailio/reconcile.h"

#include <latch>
#include <unordered_map>
#include <unordered_set>

#include "events/codec.h"
#include "kamailio/call_id.h"
#include "kamailio/messages.h"
#include "kamailio/requests.h"
#include "kamailio/sip_codes.h"

namespace huawu::kamailio {

namespace {

// Submits every request at once (one group commit for many) and waits for
// all their outcomes, in order.
std::vector<Outcome> submit_all(Writer& writer, std::vector<Request> requests) {
  std::vector<Outcome> outcomes(requests.size());
  if (requests.empty()) return outcomes;
  std::latch answered(static_cast<std::ptrdiff_t>(requests.size()));
  std::vector<std::pair<Request, Completion>> batch;
  batch.reserve(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i)
    batch.emplace_back(std::move(requests[i]), [&outcomes, &answered, i](Outcome&& outcome) {
      outcomes[i] = std::move(outcome);
      answered.count_down();
    });
  writer.submit_many(batch);
  answered.wait();
  return outcomes;
}

void note(BackfillReport& report, std::string line) {
  if (report.problems.size() < BackfillReport::problems_max) report.problems.push_back(std::move(line));
}

// The SIP Call-ID a CallAuthorized at `sequence` recorded. Throws
// StorageError when the event cannot be read: a hold's event is always there.
std::string sip_call_id_of_authorization(const Store& store, std::uint64_t sequence) {
  auto bytes = store.get_event(sequence);
  std::string why = "missing";
  auto stored = bytes ? decode_stored_event(*bytes, &why) : std::nullopt;
  if (!stored) throw StorageError("event " + std::to_string(sequence) + " unreadable: " + why);
  const auto* authorized = std::get_if<CallAuthorized>(&stored->event.payload);
  return authorized ? authorized->sip_call_id : std::string();
}

}  // namespace

BackfillReport backfill(Writer& writer, const Store& store, const std::string& switch_id,
                        const std::vector<Cdr>& cdrs, const std::string& actor) {
  BackfillReport report;
  report.cdrs = cdrs.size();
  // Which calls hold money, in one read of the state for every CDR.
  struct Candidate {
    const Cdr* cdr;
    std::string call_id;
    bool held = false;
  };
  std::vector<Candidate> candidates;
  std::unordered_set<std::string> seen;  // a Call-ID twice in the CDRs is billed once
  for (const Cdr& cdr : cdrs) {
    auto call_id = huawu_call_id(cdr.sip_call_id);
    if (!call_id) {
      ++report.unusable;
      note(report, "a CDR with an empty or over-long Call-ID (" + std::to_string(cdr.sip_call_id.size()) + " bytes)");
      continue;
    }
    if (!seen.insert(*call_id).second) continue;
    candidates.push_back(Candidate{&cdr, std::move(*call_id)});
  }
  writer.read_and_wait([&](const LedgerState& state) {
    for (Candidate& c : candidates) {
      const HoldState* hold = state.calls().find(call_key(switch_id, c.call_id));
      c.held = hold != nullptr;
    }
  });

  std::vector<Request> requests;
  std::vector<const Candidate*> asked;
  for (const Candidate& c : candidates) {
    const Cdr& cdr = *c.cdr;
    if (!c.held) {
      // No hold: billed already (a billed call never holds again), or never authorized.
      if (store.get_call(call_key(switch_id, c.call_id))) {
        ++report.already_billed;
        continue;
      }
      if (!cdr.answered) {
        ++report.not_answered;
        continue;
      }
      auto callee = dialled_digits(cdr.destination);
      if (!callee) {
        ++report.unusable;
        note(report, "call " + c.call_id + ": the destination is not 1-32 digits");
        continue;
      }
      const SettleCall ended = answered_settle(c.call_id, cdr.answer_time_us, cdr.end_time_us, cdr.end_reason);
      RecordCall record{c.call_id,           cdr.account,         usable_caller(cdr.caller),
                        *callee,             ended.answered_time_us, ended.billed_duration_ms,
                        ended.disconnect_cause, ended.end_reason};
      requests.push_back(kamailio_request(switch_id, record_key(c.call_id), std::move(record), cdr.sip_call_id, actor));
      asked.push_back(&c);
      continue;
    }
    // The same content a live call_end or call_failed gives (kamailio/connector.cc),
    // so that a pass racing the live message is a retry of it, not a conflict.
    SettleCall settle = cdr.answered ? answered_settle(c.call_id, cdr.answer_time_us, cdr.end_time_us, cdr.end_reason)
                                     : unanswered_settle(c.call_id, cdr.sip_code);
    requests.push_back(kamailio_request(switch_id, settle_key(c.call_id), std::move(settle), cdr.sip_call_id, actor));
    asked.push_back(&c);
  }

  const std::vector<Outcome> outcomes = submit_all(writer, std::move(requests));
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const Outcome& outcome = outcomes[i];
    const Candidate& c = *asked[i];
    if (outcome.rejection == Rejection::idempotency_key_reused) {
      // The live message billed the call with other numbers first; it stays billed once.
      ++report.already_billed;
      continue;
    }
    if (outcome.rejection != Rejection::none) {
      // storage_failed, writer_stopped: the pass stops being useful; say so.
      ++report.refused;
      note(report, "call " + c.call_id + ": " + std::string(rejection_name(outcome.rejection)));
      continue;
    }
    const Payload& payload = outcome.events.front().payload;
    if (const auto* rejected = std::get_if<CallRejected>(&payload)) {
      if (rejected->reason == "call_already_settled") {
        ++report.already_billed;
      } else {
        ++report.refused;
        note(report, "call " + c.call_id + ": refused " + rejected->reason);
      }
    } else if (const auto* settled = std::get_if<CallSettled>(&payload)) {
      if (settled->origin == CallOrigin::recorded) ++report.recorded;
      else if (settled->duration_ms == 0) ++report.released;
      else ++report.settled;
    }
  }
  return report;
}

std::vector<std::string> release_holds_without_dialog(Writer& writer, const Store& store, const std::string& switch_id,
                                                      const std::vector<LiveDialog>& live,
                                                      std::int64_t authorized_before_us, const std::string& actor) {
  std::unordered_set<std::string> live_calls;
  for (const LiveDialog& dialog : live) {
    if (dialog.state == dialog_state_deleted) continue;  // ended, not yet freed
    if (auto call_id = huawu_call_id(dialog.sip_call_id)) live_calls.insert(std::move(*call_id));
  }
  struct Orphan {
    std::string call_id;
    std::uint64_t hold_id;
  };
  std::vector<Orphan> orphans;
  writer.read_and_wait([&](const LedgerState& state) {
    state.calls().for_each_hold([&](const std::string&, const HoldState& hold) {
      // A hold authorized after the connection was made belongs to a call
      // Kamailio may not have created its dialog for yet.
      if (hold.expired || hold.switch_id != switch_id || hold.authorized_time_us >= authorized_before_us) return;
      if (!live_calls.contains(hold.call_id)) orphans.push_back(Orphan{hold.call_id, hold.hold_id});
    });
  });
  std::vector<Request> requests;
  std::vector<std::string> released;
  for (const Orphan& orphan : orphans) {
    SettleCall settle;
    settle.call_id = orphan.call_id;
    settle.disconnect_cause = 31;  // normal, unspecified: huawu never saw how it ended
    settle.end_reason = "no_dialog";
    // The SIP Call-ID is in the authorization (the hold's own event).
    std::string sip_call_id = sip_call_id_of_authorization(store, orphan.hold_id);
    requests.push_back(kamailio_request(switch_id, settle_key(orphan.call_id), std::move(settle), sip_call_id, actor));
    released.push_back(orphan.call_id);
  }
  const std::vector<Outcome> outcomes = submit_all(writer, std::move(requests));
  std::vector<std::string> done;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const Outcome& o = outcomes[i];
    if (o.rejection == Rejection::none && !o.events.empty() && std::holds_alternative<CallSettled>(o.events.front().payload))
      done.push_back(released[i]);
  }
  return done;
}

}  // namespace huawu::kamailio
