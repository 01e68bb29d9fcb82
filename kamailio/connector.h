#pragma once
// The Kamailio connector inside `huawu serve` (docs/kamailio.md): huawu is an
// evapi client of Kamailio. One thread owns the TCP connection: it reads
// netstring-framed JSON, turns auth_request / call_end / call_failed into the
// same switch requests a ZeroMQ switch sends (same decide, same events, same
// idempotency), and writes auth_reply and disconnect back.
//
//   Kamailio ──▶ socket ─▶ connector thread ─ submit ─▶ Writer
//                              ▲                          │ completion (writer thread)
//                              └──── done queue + eventfd ┘
//
// Nothing here blocks on Kamailio: writes are non-blocking into a bounded
// outbox; a Kamailio that stops reading past it is disconnected (and fails
// its suspended calls closed). A connection that drops is made again with
// exponential backoff; after each (re)connect a second thread reconciles
// (kamailio/reconcile.h): CDRs the ledger has not billed, and holds of calls
// Kamailio no longer has.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "events/event.h"
#include "kamailio/dialog_list.h"
#include "kamailio/netstring.h"
#include "ledger/clock.h"
#include "ledger/config.h"
#include "ledger/reply_times.h"
#include "ledger/store.h"
#include "ledger/writer.h"

namespace huawu::kamailio {

// Unsent bytes to Kamailio past which the connection is dropped.
inline constexpr std::size_t outbox_bytes_max = 4 * 1024 * 1024;
// Live dialogs the connector remembers (for disconnects); past it the oldest
// are not tracked (a hold's expiry then cannot cut them, the grant's timeout
// in Kamailio still does).
inline constexpr std::size_t live_dialogs_max = 1'000'000;

enum class CutResult : std::uint8_t { sent, not_live, not_connected };
const char* cut_result_name(CutResult result);

struct ConnectorStats {
  bool connected = false;
  std::uint64_t connects = 0;
  std::uint64_t auth_requests = 0;
  std::uint64_t grants = 0;
  std::uint64_t denials = 0;
  std::uint64_t settles = 0;
  std::uint64_t disconnects_sent = 0;
  std::uint64_t refused_messages = 0;  // unreadable or incomplete messages
  std::uint64_t live_dialogs = 0;
  std::uint64_t reconciliations = 0;
  // Each auth_request's time in huawu, from reading it to writing its
  // auth_reply: huawu's share of the round trip Kamailio and the caller see.
  ReplyTimes auth_reply_times;
};

class Connector {
 public:
  // Starts the connector thread (which connects in the background). The
  // writer and store must outlive it.
  Connector(KamailioConfig config, Writer& writer, const Store& store);
  ~Connector();
  Connector(const Connector&) = delete;
  Connector& operator=(const Connector&) = delete;

  // Stops reading Kamailio, waits for the answers of every request already
  // submitted (and sends them if still connected), closes. Idempotent.
  void stop();

  // Thread-safe. Holds of this switch's calls expired (the daemon's expiry):
  // cut those whose dialog Kamailio still reports.
  void on_holds_expired(const std::vector<HoldExpired>& expired);
  // Thread-safe. `huawu calls cut CALL-ID`: the SIP Call-ID or huawu's call id.
  CutResult cut(const std::string& call);
  ConnectorStats stats() const;
  const KamailioConfig& config() const { return config_; }

 private:
  enum class Job : std::uint8_t { authorize, settle };
  // An answer from the writer for the connection it was asked on.
  struct Done {
    std::uint64_t connection = 0;
    Job job = Job::authorize;
    std::int64_t tr_index = 0;
    std::int64_t tr_label = 0;
    std::string sip_call_id;
    Outcome outcome;
    std::int64_t received_us = 0;  // steady clock, when the auth_request was read
  };
  // Work handed to the connector thread by other threads.
  struct Order {
    enum class Kind : std::uint8_t { disconnect, cut, dialogs } kind = Kind::disconnect;
    std::string call;                        // disconnect, cut: huawu's call id or the SIP Call-ID
    std::string reason;                      // disconnect
    std::vector<LiveDialog> dialogs;         // dialogs: from Kamailio's list after a reconnect
    std::shared_ptr<std::promise<CutResult>> answer;  // cut
  };

  void run();
  bool try_connect();
  void close_connection(const std::string& why);
  void on_readable();
  void on_message(const std::string& payload);
  void flush_outbox();
  void send(const std::string& json);
  void drain_done();
  void drain_orders();
  // Queues a request for submit_pending, which hands the turn's requests to
  // the writer at once.
  void submit(Job job, std::int64_t tr_index, std::int64_t tr_label, std::string sip_call_id, Request request,
              std::int64_t received_us = 0);
  void submit_pending();
  void deny(std::int64_t tr_index, std::int64_t tr_label, const std::string& sip_call_id, Rejection reason,
            std::int64_t received_us);
  bool disconnect(const std::string& call, const std::string& reason);
  void reconcile_loop();
  void reconcile(std::int64_t connected_at_us);
  void wake();

  const KamailioConfig config_;
  Writer& writer_;
  const Store& store_;
  const std::string actor_;

  int wake_fd_ = -1;  // eventfd: answers or orders are waiting, or stop was asked
  std::atomic<bool> stopping_ = false;
  std::thread thread_;

  mutable std::mutex mutex_;
  std::vector<Done> done_;             // guarded by mutex_
  std::vector<Order> orders_;          // guarded by mutex_
  std::uint64_t in_flight_ = 0;        // guarded by mutex_: submitted, not yet answered
  bool woken_ = false;                 // guarded by mutex_: the eventfd was written and not yet drained
  std::condition_variable all_answered_;  // guarded by mutex_
  ConnectorStats stats_;               // guarded by mutex_
  std::uint64_t connect_failures_ = 0; // guarded by mutex_: since the last connect
  std::uint64_t settle_refusals_ = 0;  // guarded by mutex_
  // Reconciliation: the connect instants (wall clock, µs) still to reconcile.
  std::vector<std::int64_t> reconcile_requests_;  // guarded by mutex_
  bool reconcile_closed_ = false;                 // guarded by mutex_
  std::condition_variable reconcile_wanted_;      // guarded by mutex_

  // Connector thread only.
  int socket_ = -1;
  std::uint64_t connection_ = 0;  // counts connections; answers for an older one are dropped
  NetstringReader reader_;
  std::vector<std::pair<Request, Completion>> pending_;  // read this turn, for the writer
  std::string outbox_;
  std::size_t outbox_sent_ = 0;  // bytes of outbox_ already sent
  std::int64_t backoff_ms_ = 0;
  std::int64_t next_connect_ms_ = 0;
  // Dialogs Kamailio reported up (call_start, or its list after a
  // reconnect), by huawu call id.
  std::unordered_map<std::string, LiveDialog> live_;

  std::thread reconciler_;
};

}  // namespace huawu::kamailio
