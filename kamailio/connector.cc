#include "kamailio/connector.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "events/invariant.h"
#include "events/limits.h"
#include "kamailio/call_id.h"
#include "kamailio/cdr_file.h"
#include "kamailio/dialog_list.h"
#include "kamailio/messages.h"
#include "kamailio/reconcile.h"
#include "kamailio/requests.h"
#include "kamailio/sip_codes.h"
#include "ledger/switch_reply.h"

namespace huawu::kamailio {

namespace {

// How long a connect may take before it counts as failed, and how long the
// stopping connector tries to hand its last answers to Kamailio.
constexpr int connect_timeout_ms = 1000;
constexpr int final_flush_ms = 1000;
// Bytes read per wake-up, so answers waiting are never starved by a flood.
constexpr std::size_t read_bytes_per_turn = 1024 * 1024;
// How long `huawu calls cut` waits for the connector thread.
constexpr auto cut_wait = std::chrono::seconds(5);
constexpr int dialog_list_timeout_ms = 3000;

// Log the first few of a kind of trouble, then every thousandth.
bool worth_logging(std::uint64_t count) { return count <= 10 || count % 1000 == 0; }

}  // namespace

const char* cut_result_name(CutResult result) {
  switch (result) {
    case CutResult::sent: return "sent";
    case CutResult::not_live: return "call_not_live";
    case CutResult::not_connected: return "kamailio_not_connected";
  }
  return "unknown";
}

Connector::Connector(KamailioConfig config, Writer& writer, const Store& store)
    : config_(std::move(config)), writer_(writer), store_(store), actor_("switch:" + config_.switch_id) {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  HUAWU_ASSERT(wake_fd_ >= 0, "eventfd for the Kamailio connector");
  backoff_ms_ = config_.reconnect_min_ms;
  thread_ = std::thread([this] { run(); });
  pthread_setname_np(thread_.native_handle(), "huawu-kamailio");
  reconciler_ = std::thread([this] { reconcile_loop(); });
  pthread_setname_np(reconciler_.native_handle(), "huawu-reconcile");
}

Connector::~Connector() {
  stop();
  ::close(wake_fd_);
}

void Connector::stop() {
  if (stopping_.exchange(true)) return;
  wake();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(mutex_);
    reconcile_closed_ = true;
  }
  reconcile_wanted_.notify_all();
  if (reconciler_.joinable()) reconciler_.join();
}

void Connector::wake() {
  {
    // One write to the eventfd until the connector thread drains: answers of
    // a whole writer batch wake it once.
    std::lock_guard lock(mutex_);
    if (woken_) return;
    woken_ = true;
  }
  const std::uint64_t one = 1;
  const ssize_t written = ::write(wake_fd_, &one, sizeof one);
  (void)written;  // the counter only saturates; a wake-up is pending then
}

ConnectorStats Connector::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void Connector::on_holds_expired(const std::vector<HoldExpired>& expired) {
  bool any = false;
  {
    std::lock_guard lock(mutex_);
    for (const HoldExpired& hold : expired) {
      if (hold.switch_id != config_.switch_id) continue;
      orders_.push_back(Order{Order::Kind::disconnect, hold.call_id, "hold_expired", {}, nullptr});
      any = true;
    }
  }
  if (any) wake();
}

CutResult Connector::cut(const std::string& call) {
  if (stopping_.load()) return CutResult::not_connected;
  auto answer = std::make_shared<std::promise<CutResult>>();
  auto future = answer->get_future();
  {
    std::lock_guard lock(mutex_);
    orders_.push_back(Order{Order::Kind::cut, call, "operator_cut", {}, answer});
  }
  wake();
  if (future.wait_for(cut_wait) != std::future_status::ready) return CutResult::not_connected;
  return future.get();
}

// ---- the connector thread --------------------------------------------------

void Connector::run() {
  for (;;) {
    if (stopping_.load()) break;
    const std::int64_t now_ms = steady_ms();
    if (socket_ < 0 && now_ms >= next_connect_ms_) try_connect();
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {socket_, 0, 0}};
    nfds_t count = 1;
    if (socket_ >= 0) {
      fds[1].events = static_cast<short>(POLLIN | (outbox_.size() > outbox_sent_ ? POLLOUT : 0));
      count = 2;
    }
    const std::int64_t wait_ms =
        socket_ >= 0 ? 1000 : std::clamp<std::int64_t>(next_connect_ms_ - steady_ms(), 0, 1000);
    if (::poll(fds, count, static_cast<int>(wait_ms)) < 0 && errno != EINTR) {
      spdlog::error("huawu: kamailio: poll failed: {}", std::strerror(errno));
    }
    if (fds[0].revents & POLLIN) {
      std::uint64_t ignored = 0;
      const ssize_t got = ::read(wake_fd_, &ignored, sizeof ignored);
      (void)got;  // EAGAIN: nothing more to read; everything is drained below either way
    }
    drain_done();
    drain_orders();
    if (socket_ >= 0 && count == 2 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) on_readable();
    // One hand-over to the writer for everything read this turn, one write to
    // Kamailio for everything answered: on this machine a thread woken on the
    // other core costs ~24 us (docs/architecture.md §1), a syscall a few.
    submit_pending();
    flush_outbox();
    // The count follows the table once a turn, wherever the turn changed it.
    std::lock_guard lock(mutex_);
    stats_.live_dialogs = live_.size();
  }
  // Stopping: nothing new is read; every request submitted is answered, and
  // the answers go to Kamailio while the connection lasts.
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (in_flight_ == 0 && done_.empty()) break;
      all_answered_.wait_for(lock, std::chrono::milliseconds(50));
    }
    drain_done();
  }
  drain_orders();
  const std::int64_t flush_until_ms = steady_ms() + final_flush_ms;
  while (socket_ >= 0 && outbox_.size() > outbox_sent_ && steady_ms() < flush_until_ms) {
    pollfd out{socket_, POLLOUT, 0};
    ::poll(&out, 1, 50);
    flush_outbox();
  }
  if (socket_ >= 0) close_connection("huawu is stopping");
}

bool Connector::try_connect() {
  const std::size_t colon = config_.evapi_address.rfind(':');
  const std::string host = config_.evapi_address.substr(0, colon);
  const int port = std::stoi(config_.evapi_address.substr(colon + 1));  // checked by the config
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  HUAWU_ASSERT(::inet_pton(AF_INET, host.c_str(), &address.sin_addr) == 1, "evapi_address checked by the config");

  auto failed = [&](const std::string& why) {
    if (socket_ >= 0) ::close(socket_);
    socket_ = -1;
    next_connect_ms_ = steady_ms() + backoff_ms_;
    {
      std::lock_guard lock(mutex_);
      if (worth_logging(++connect_failures_))
        spdlog::warn("huawu: kamailio: cannot connect to evapi {}: {} (retry in {} ms; {} failures)",
                     config_.evapi_address, why, backoff_ms_, connect_failures_);
    }
    backoff_ms_ = std::min(backoff_ms_ * 2, config_.reconnect_max_ms);
    return false;
  };
  socket_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (socket_ < 0) return failed(std::strerror(errno));
  if (::connect(socket_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    if (errno != EINPROGRESS) return failed(std::strerror(errno));
    pollfd pending{socket_, POLLOUT, 0};
    if (::poll(&pending, 1, connect_timeout_ms) <= 0) return failed("timed out");
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(socket_, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) return failed(std::strerror(error));
  }
  // Small JSON messages both ways: send each at once.
  const int one = 1;
  ::setsockopt(socket_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  backoff_ms_ = config_.reconnect_min_ms;
  ++connection_;
  reader_ = NetstringReader();
  outbox_.clear();
  outbox_sent_ = 0;
  const std::int64_t connected_at_us = SystemClock().now_us();
  {
    std::lock_guard lock(mutex_);
    connect_failures_ = 0;
    stats_.connected = true;
    ++stats_.connects;
    reconcile_requests_.push_back(connected_at_us);
  }
  reconcile_wanted_.notify_one();
  spdlog::info("huawu: kamailio: connected to evapi {} (connection {})", config_.evapi_address, connection_);
  return true;
}

void Connector::close_connection(const std::string& why) {
  if (socket_ < 0) return;
  ::close(socket_);
  socket_ = -1;
  outbox_.clear();
  outbox_sent_ = 0;
  next_connect_ms_ = steady_ms() + backoff_ms_;
  {
    std::lock_guard lock(mutex_);
    stats_.connected = false;
  }
  if (stopping_.load())
    spdlog::info("huawu: kamailio: connection {} to {} closed: {}", connection_, config_.evapi_address, why);
  else
    spdlog::warn("huawu: kamailio: connection {} to {} closed: {}; reconnecting in {} ms", connection_,
                 config_.evapi_address, why, backoff_ms_);
}

void Connector::on_readable() {
  char chunk[64 * 1024];
  std::size_t read_bytes = 0;
  while (socket_ >= 0 && read_bytes < read_bytes_per_turn) {
    const ssize_t got = ::recv(socket_, chunk, sizeof chunk, MSG_DONTWAIT);
    if (got == 0) return close_connection("Kamailio closed the connection");
    if (got < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
      return close_connection(std::strerror(errno));
    }
    read_bytes += static_cast<std::size_t>(got);
    // Acknowledge at once. Kamailio's evapi socket keeps Nagle on, and most of
    // its messages (call_start, call_end) get no answer to carry the ACK: with
    // Linux's delayed ACK each such message held the next auth_request back by
    // up to 40 ms. Linux leaves quick-ACK mode by itself, so it is set per read.
    const int one = 1;
    ::setsockopt(socket_, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    reader_.feed(std::string_view(chunk, static_cast<std::size_t>(got)));
    while (socket_ >= 0) {
      auto payload = reader_.next();
      if (!payload) break;
      on_message(*payload);
    }
    if (socket_ >= 0 && reader_.failed()) return close_connection("framing error: " + reader_.error());
  }
}

void Connector::on_message(const std::string& payload) {
  const std::int64_t received_us = steady_us();
  std::string why;
  auto message = parse_inbound(payload, &why);
  if (!message) {
    std::lock_guard lock(mutex_);
    if (worth_logging(++stats_.refused_messages))
      spdlog::warn("huawu: kamailio: refused a message ({} so far): {}", stats_.refused_messages, why);
    return;
  }
  if (auto* bad = std::get_if<BadAuthRequest>(&*message)) {
    {
      std::lock_guard lock(mutex_);
      ++stats_.auth_requests;
      if (worth_logging(++stats_.refused_messages))
        spdlog::warn("huawu: kamailio: refused an auth_request ({} so far): {}", stats_.refused_messages, bad->why);
    }
    return deny(bad->tr_index, bad->tr_label, bad->sip_call_id, Rejection::switch_request_invalid, received_us);
  }
  if (auto* auth = std::get_if<AuthRequest>(&*message)) {
    {
      std::lock_guard lock(mutex_);
      ++stats_.auth_requests;
    }
    auto call_id = huawu_call_id(auth->sip_call_id);
    if (!call_id) return deny(auth->tr_index, auth->tr_label, auth->sip_call_id, Rejection::call_id_invalid, received_us);
    auto digits = dialled_digits(auth->destination);
    if (!digits) return deny(auth->tr_index, auth->tr_label, auth->sip_call_id, Rejection::destination_invalid, received_us);
    // The ledger checks the account's grammar; a text that long is none.
    if (auth->account.size() > limits::account_id_length_max)
      return deny(auth->tr_index, auth->tr_label, auth->sip_call_id, Rejection::account_id_invalid, received_us);
    AuthorizeCall authorize{*call_id,   auth->account, usable_caller(auth->caller), *digits,
                            config_.requested_seconds, auth->setup_time_us};
    return submit(Job::authorize, auth->tr_index, auth->tr_label, auth->sip_call_id,
                  kamailio_request(config_.switch_id, authorize_key(*call_id), std::move(authorize),
                                   auth->sip_call_id, actor_),
                  received_us);
  }
  if (auto* start = std::get_if<CallStart>(&*message)) {
    auto call_id = huawu_call_id(start->sip_call_id);
    if (!call_id) return;
    if (live_.size() < live_dialogs_max) live_[*call_id] = LiveDialog{start->sip_call_id, start->h_entry, start->h_id};
    return;
  }
  if (auto* end = std::get_if<CallEnd>(&*message)) {
    auto call_id = huawu_call_id(end->sip_call_id);
    if (!call_id) return;
    live_.erase(*call_id);
    return submit(Job::settle, 0, 0, end->sip_call_id,
                  kamailio_request(config_.switch_id, settle_key(*call_id),
                                   answered_settle(*call_id, end->answer_time_us, end->end_time_us, end->reason),
                                   end->sip_call_id, actor_));
  }
  if (auto* failed = std::get_if<CallFailed>(&*message)) {
    auto call_id = huawu_call_id(failed->sip_call_id);
    if (!call_id) return;
    live_.erase(*call_id);
    return submit(Job::settle, 0, 0, failed->sip_call_id,
                  kamailio_request(config_.switch_id, settle_key(*call_id),
                                   unanswered_settle(*call_id, failed->sip_code), failed->sip_call_id, actor_));
  }
}

void Connector::submit(Job job, std::int64_t tr_index, std::int64_t tr_label, std::string sip_call_id,
                       Request request, std::int64_t received_us) {
  {
    std::lock_guard lock(mutex_);
    ++in_flight_;
  }
  pending_.emplace_back(std::move(request), [this, connection = connection_, job, tr_index, tr_label, received_us,
                                             sip_call_id = std::move(sip_call_id)](Outcome&& outcome) mutable {
    {
      std::lock_guard lock(mutex_);
      done_.push_back(
          Done{connection, job, tr_index, tr_label, std::move(sip_call_id), std::move(outcome), received_us});
      --in_flight_;
    }
    all_answered_.notify_all();
    wake();
  });
}

void Connector::submit_pending() {
  // Blocks only while the writer's queue is full: then Kamailio waits too,
  // and its 2 s timer fails the call closed.
  if (!pending_.empty()) writer_.submit_many(pending_);
}

void Connector::deny(std::int64_t tr_index, std::int64_t tr_label, const std::string& sip_call_id,
                     Rejection reason, std::int64_t received_us) {
  const std::string name(rejection_name(reason));
  const SipStatus status = sip_status_for(name, config_.sip_codes);
  {
    // Counted before the reply leaves: whoever reads the reply sees it counted.
    std::lock_guard lock(mutex_);
    ++stats_.denials;
    stats_.auth_reply_times.record(steady_us() - received_us);
  }
  send(to_json(AuthReply{tr_index, tr_label, sip_call_id, false, 0, name, status.code, status.phrase}));
}

void Connector::drain_done() {
  std::vector<Done> done;
  {
    std::lock_guard lock(mutex_);
    done.swap(done_);
    woken_ = false;  // orders are drained right after, under the same wake-up
  }
  for (Done& d : done) {
    if (d.job == Job::settle) {
      std::lock_guard lock(mutex_);
      ++stats_.settles;
      const SwitchReply reply = switch_reply("", SwitchReplyKind::settle, d.outcome);
      // A second message for a billed call changes nothing: not worth a warning.
      if (!reply.reason.empty() && reply.reason != "call_already_settled" && worth_logging(++settle_refusals_))
        spdlog::warn("huawu: kamailio: the settle of call {} was refused: {} ({} so far)", d.sip_call_id,
                     reply.reason, settle_refusals_);
      continue;
    }
    // Kamailio answered a suspended transaction of a closed connection with
    // 503 by its own timer; an answer on the new one would match nothing.
    if (d.connection != connection_ || socket_ < 0) continue;
    const SwitchReply reply = switch_reply("", SwitchReplyKind::authorize, d.outcome);
    const bool grant = reply.reason.empty() && reply.granted_seconds > 0;
    {
      // Counted before the reply leaves: whoever reads the reply sees it counted.
      std::lock_guard lock(mutex_);
      ++(grant ? stats_.grants : stats_.denials);
      stats_.auth_reply_times.record(steady_us() - d.received_us);
    }
    if (grant) {
      // Kamailio's timer fires up to a second late (timer_margin_seconds).
      const std::int64_t timeout_seconds =
          std::max<std::int64_t>(1, reply.granted_seconds - config_.timer_margin_seconds);
      send(to_json(AuthReply{d.tr_index, d.tr_label, d.sip_call_id, true, timeout_seconds, "", 0, ""}));
    } else {
      const std::string reason = reply.reason.empty() ? "insufficient_balance" : reply.reason;
      const SipStatus status = sip_status_for(reason, config_.sip_codes);
      send(to_json(AuthReply{d.tr_index, d.tr_label, d.sip_call_id, false, 0, reason, status.code, status.phrase}));
    }
  }
}

void Connector::drain_orders() {
  std::vector<Order> orders;
  {
    std::lock_guard lock(mutex_);
    orders.swap(orders_);
  }
  for (Order& order : orders) {
    switch (order.kind) {
      case Order::Kind::disconnect:
        if (socket_ >= 0 && disconnect(order.call, order.reason))
          spdlog::warn("huawu: kamailio: the hold of call {} expired while Kamailio still had the dialog: cut it",
                       order.call);
        break;
      case Order::Kind::cut:
        if (socket_ < 0) order.answer->set_value(CutResult::not_connected);
        else order.answer->set_value(disconnect(order.call, order.reason) ? CutResult::sent : CutResult::not_live);
        break;
      case Order::Kind::dialogs:
        // Kamailio's own list after a reconnect: what huawu can cut.
        for (LiveDialog& dialog : order.dialogs) {
          auto call_id = huawu_call_id(dialog.sip_call_id);
          if (call_id && live_.size() < live_dialogs_max) live_.try_emplace(*call_id, std::move(dialog));
        }
        break;
    }
  }
}

bool Connector::disconnect(const std::string& call, const std::string& reason) {
  auto it = live_.find(call);
  if (it == live_.end()) {
    // The operator may name the SIP Call-ID.
    if (auto call_id = huawu_call_id(call)) it = live_.find(*call_id);
  }
  if (it == live_.end()) return false;
  const LiveDialog& dialog = it->second;
  send(to_json(Disconnect{dialog.sip_call_id, dialog.h_entry, dialog.h_id, reason}));
  std::lock_guard lock(mutex_);
  ++stats_.disconnects_sent;
  return true;
}

void Connector::send(const std::string& json) {
  if (socket_ < 0) return;
  outbox_ += netstring(json);
  if (outbox_.size() - outbox_sent_ > outbox_bytes_max)
    return close_connection("Kamailio is not reading (over " + std::to_string(outbox_bytes_max) + " bytes unsent)");
  // Written at the end of the turn (run), with everything else answered in it.
}

void Connector::flush_outbox() {
  while (socket_ >= 0 && outbox_sent_ < outbox_.size()) {
    const ssize_t sent =
        ::send(socket_, outbox_.data() + outbox_sent_, outbox_.size() - outbox_sent_, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent > 0) {
      outbox_sent_ += static_cast<std::size_t>(sent);
      continue;
    }
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    return close_connection(sent == 0 ? "send returned 0" : std::strerror(errno));
  }
  if (outbox_sent_ == outbox_.size()) {
    outbox_.clear();
    outbox_sent_ = 0;
  }
}

// ---- reconciliation (its own thread) ---------------------------------------

void Connector::reconcile_loop() {
  for (;;) {
    std::int64_t connected_at_us = 0;
    {
      std::unique_lock lock(mutex_);
      reconcile_wanted_.wait(lock, [&] { return reconcile_closed_ || !reconcile_requests_.empty(); });
      if (reconcile_closed_) return;
      // Several reconnects while a pass ran: one pass covers them all, with
      // the newest connection's instant as the bound for holds.
      connected_at_us = reconcile_requests_.back();
      reconcile_requests_.clear();
    }
    try {
      reconcile(connected_at_us);
    } catch (const StorageError& e) {
      spdlog::error("huawu: kamailio: reconciliation stopped: storage error: {}", e.what());
    }
    std::lock_guard lock(mutex_);
    ++stats_.reconciliations;
  }
}

void Connector::reconcile(std::int64_t connected_at_us) {
  if (!config_.cdr_dir.empty()) {
    std::size_t skipped = 0;
    std::vector<std::string> problems;
    std::string why;
    auto cdrs = read_cdrs(config_.cdr_dir, &skipped, &problems, &why);
    if (!cdrs) {
      spdlog::warn("huawu: kamailio: no CDR backfill: {}", why);
    } else {
      const BackfillReport report = backfill(writer_, store_, config_.switch_id, *cdrs, actor_);
      const auto level = report.settled + report.recorded + report.released + report.refused > 0
                             ? spdlog::level::warn
                             : spdlog::level::info;
      spdlog::log(level,
                  "huawu: kamailio: CDR backfill of {}: {} CDRs, {} billed already, {} settled, {} recorded, "
                  "{} released unanswered, {} refused, {} unusable, {} unreadable lines",
                  config_.cdr_dir, report.cdrs, report.already_billed, report.settled, report.recorded,
                  report.released, report.refused, report.unusable, skipped);
      for (const std::string& problem : report.problems) spdlog::warn("huawu: kamailio: backfill: {}", problem);
      for (const std::string& problem : problems) spdlog::warn("huawu: kamailio: CDR file: {}", problem);
    }
  }
  if (config_.rpc_socket.empty()) return;
  std::string why;
  auto dialogs = list_dialogs(config_.rpc_socket, dialog_list_timeout_ms, &why);
  if (!dialogs) {
    spdlog::warn("huawu: kamailio: cannot list Kamailio's dialogs ({}); holds of calls it lost expire by time", why);
    return;
  }
  std::vector<LiveDialog> live;
  live.reserve(dialogs->size());
  for (const LiveDialog& d : *dialogs)
    if (d.state != dialog_state_deleted) live.push_back(d);
  {
    std::lock_guard lock(mutex_);
    orders_.push_back(Order{Order::Kind::dialogs, {}, {}, std::move(live), nullptr});
  }
  wake();
  const std::vector<std::string> released =
      release_holds_without_dialog(writer_, store_, config_.switch_id, *dialogs, connected_at_us, actor_);
  for (const std::string& call : released)
    spdlog::warn("huawu: kamailio: call {} holds money but Kamailio has no dialog for it and no CDR billed it: "
                 "hold released, nothing billed",
                 call);
  spdlog::info("huawu: kamailio: {} live dialogs in Kamailio, {} holds released", dialogs->size(), released.size());
}

}  // namespace huawu::kamailio
