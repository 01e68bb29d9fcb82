#pragma once
// The daemon (`huawu serve`): one process that owns a data directory and
// serves it over ZeroMQ.
//
//   switch ROUTER  (default tcp://127.0.0.1:7750)  switch requests, one reply
//                  each after the commit (docs/switch-protocol.md)
//   control ROUTER (ipc://DATA/control.sock)       the `huawu` command's verbs
//   PUB            (default tcp://127.0.0.1:7751)  every committed event
//                  (ledger/publisher.h)
//
// Every request goes through the one Writer: the daemon only reads frames,
// submits requests and sends back what their completions produce. One I/O
// thread owns the ROUTER sockets; completions arrive from the writer thread
// through a queue and an eventfd. Control requests run on a few worker
// threads, because a verb waits for its commit or reads the state.
//
// While it serves, the daemon holds an flock on DATA/daemon.lock, so the
// `huawu` command knows to talk to it (a lock dies with its process, unlike a
// pid file), and writes DATA/daemon.json with its pid and bound endpoints.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "events/limits.h"
#include "events/control_protocol.h"
#include "events/switch_protocol.h"
#include "ledger/config.h"
#include "ledger/ledger.h"
#include "ledger/reply_times.h"
#include "ledger/writer.h"

namespace huawu {

std::string daemon_lock_path(const std::string& data_dir);
std::string daemon_info_path(const std::string& data_dir);
// ipc://ABSOLUTE-DATA-DIR/control.sock
std::string control_endpoint(const std::string& data_dir);

// The daemon lock of a data directory, held for the life of this object.
class DaemonLock {
 public:
  // Refuses (nullptr, *why) when another process holds it.
  static std::unique_ptr<DaemonLock> acquire(const std::string& data_dir, std::string* why);
  ~DaemonLock();
  DaemonLock(const DaemonLock&) = delete;
  DaemonLock& operator=(const DaemonLock&) = delete;

 private:
  explicit DaemonLock(int fd) : fd_(fd) {}
  int fd_;
};

// True when a process holds the daemon lock of `data_dir`: a daemon serves it.
bool daemon_serving(const std::string& data_dir);

// Runs one control request (the `huawu` verbs); called on a worker thread.
using ControlHandler = std::function<ControlReply(const ControlRequest&)>;

// Runs `fn` on a thread of its own in the idle scheduling class (else at
// nice limits::query_thread_nice), which only gets CPU time nothing else
// wants, and waits for it. A fresh thread, because an unprivileged thread
// cannot raise itself back out of the idle class. The daemon runs queries so.
void run_when_idle(const std::function<void()>& fn);

struct DaemonEndpoints {
  std::string switch_endpoint;
  std::string publish_endpoint;
  std::string control_endpoint;
};

class Daemon {
 public:
  // Binds the switch and control sockets. `publish_endpoint` is what the
  // event publisher bound (for daemon.json). Refuses (nullptr, *why) when an
  // endpoint cannot be bound.
  static std::unique_ptr<Daemon> start(const DaemonConfig& config, Ledger& ledger,
                                       std::string publish_endpoint, ControlHandler control,
                                       std::string* why);
  ~Daemon();

  // Serves until stop(). Then it takes no new request, waits for the replies
  // of every request already taken and returns; the caller closes the ledger
  // (which drains the writer and writes a checkpoint).
  void run();
  // Async-signal-safe: may be called from a signal handler.
  void stop();

  // Called on the I/O thread with the holds the daemon's expiry released
  // (issue 15: the Kamailio connector cuts calls still up). Set before run().
  using HoldsExpiredHook = std::function<void(const std::vector<HoldExpired>&)>;
  void on_holds_expired(HoldsExpiredHook hook) { on_holds_expired_ = std::move(hook); }

  const DaemonEndpoints& endpoints() const { return endpoints_; }
  // Every switch reply's time in the daemon since it started (read after
  // run() returns). The last minute's are logged every minute.
  const ReplyTimes& reply_times() const { return reply_times_total_; }
  static constexpr std::int64_t reply_times_log_interval_ms = 60'000;

  static constexpr std::size_t control_workers = limits::control_workers;
  static constexpr std::int64_t frame_bytes_max = limits::switch_socket_frame_bytes_max;

 private:
  Daemon() = default;

  // Requests the daemon makes itself, on a timer.
  enum class OwnRequest : std::uint8_t { none, expiry, obligation_check };
  // A reply waiting for the I/O thread, with the envelope it goes back with
  // (none for the daemon's own requests).
  struct SwitchDone {
    std::vector<std::string> envelope;
    std::string request_key;
    SwitchReplyKind kind;
    Outcome outcome;
    std::int64_t received_us = 0;  // steady clock, when its frame was read
    OwnRequest own = OwnRequest::none;
  };
  struct ControlJob {
    std::vector<std::string> envelope;
    ControlRequest request;
  };
  struct ControlDone {
    std::vector<std::string> envelope;
    ControlReply reply;
  };

  // Decodes one switch frame into `to_submit` (or answers it at once when it
  // cannot be read).
  void on_switch_frames(std::vector<zmq::message_t>& frames,
                        std::vector<std::pair<Request, Completion>>& to_submit);
  void on_control_frames(std::vector<zmq::message_t>& frames);
  void send_replies();
  void maybe_expire_holds(std::int64_t now_ms);
  // Issue 6: asks the ledger to raise the alerts of obligations due soon or
  // overdue by ledger time (CheckObligations); each one raised is logged here
  // and published with every other event.
  void maybe_check_obligations(std::int64_t now_ms);
  void submit_own(OwnRequest own, Command command, std::string key, std::string actor);
  void maybe_log_reply_times(std::int64_t now_ms);
  void wake();
  void control_worker();

  DaemonConfig config_;
  Ledger* ledger_ = nullptr;
  ControlHandler control_;
  HoldsExpiredHook on_holds_expired_;
  DaemonEndpoints endpoints_;

  zmq::context_t context_{1};
  zmq::socket_t switch_socket_;
  zmq::socket_t control_socket_;
  int wake_fd_ = -1;  // eventfd: replies are waiting, or stop was asked
  std::atomic<bool> stopping_ = false;

  std::mutex done_mutex_;
  std::vector<SwitchDone> switch_done_;    // guarded by done_mutex_
  std::vector<ControlDone> control_done_;  // guarded by done_mutex_
  bool woken_ = false;                     // guarded by done_mutex_
  // I/O thread only.
  ReplyTimes reply_times_total_;
  ReplyTimes reply_times_window_;
  std::int64_t next_reply_times_log_ms_ = 0;

  std::mutex jobs_mutex_;
  std::condition_variable jobs_changed_;   // guarded by jobs_mutex_
  std::deque<ControlJob> jobs_;            // guarded by jobs_mutex_
  bool jobs_closed_ = false;               // guarded by jobs_mutex_
  std::vector<std::thread> workers_;

  // I/O thread only.
  std::uint64_t in_flight_ = 0;  // requests taken and not yet answered
  std::uint64_t malformed_ = 0;
  bool expiry_in_flight_ = false;
  std::int64_t next_expiry_ms_ = 0;
  std::uint64_t expiry_counter_ = 0;
  bool check_in_flight_ = false;
  std::int64_t next_check_ms_ = 0;
  std::uint64_t check_counter_ = 0;
  std::int64_t started_us_ = 0;
};

}  // namespace huawu
