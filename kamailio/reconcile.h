#pragma once
// Reconciliation with Kamailio (docs/kamailio.md §5): what Kamailio did while
// huawu was not listening. Both passes go through the writer like every
// request, with the keys of a live call's requests, so nothing they submit
// can bill a call a second time.
//
//   backfill      acc CDRs -> Settle (authorized calls) or Record (calls the
//                 ledger never saw), for each call the ledger has not billed
//   release_holds active holds of this switch whose dialog Kamailio no longer
//                 has -> Settle with duration 0
#include <cstdint>
#include <string>
#include <vector>

#include "kamailio/cdr_file.h"
#include "kamailio/dialog_list.h"
#include "ledger/store.h"
#include "ledger/writer.h"

namespace huawu::kamailio {

struct BackfillReport {
  std::size_t cdrs = 0;
  std::size_t already_billed = 0;   // billed live (or by an earlier pass): skipped
  std::size_t not_answered = 0;     // never answered and holding nothing: nothing to bill
  std::size_t settled = 0;          // an authorized call billed from its CDR
  std::size_t recorded = 0;         // a call the ledger never authorized, billed from its CDR
  std::size_t released = 0;         // an authorized call that was never answered: hold released
  std::size_t refused = 0;          // recorded as CallRejected (e.g. account_closed)
  std::size_t unusable = 0;         // a CDR whose Call-ID or number cannot be billed (problems say which)
  std::vector<std::string> problems;  // at most problems_max, one line each
  static constexpr std::size_t problems_max = 20;
};

// Bills the CDRs the ledger has not seen, as `actor`, on switch `switch_id`.
// Blocks until every request it submitted is answered. Throws StorageError
// when the store cannot be read.
BackfillReport backfill(Writer& writer, const Store& store, const std::string& switch_id,
                        const std::vector<Cdr>& cdrs, const std::string& actor);

// Settles with duration 0 every active hold of `switch_id` authorized before
// `authorized_before_us` (ledger time) whose call is not among `live`: a call
// Kamailio no longer has, whose end huawu missed and no CDR billed. Returns
// the SIP Call-IDs (or call ids) released.
std::vector<std::string> release_holds_without_dialog(Writer& writer, const Store& store, const std::string& switch_id,
                                                      const std::vector<LiveDialog>& live,
                                                      std::int64_t authorized_before_us, const std::string& actor);

}  // namespace huawu::kamailio
