#include "ledger/daemon.h"

#include <fcntl.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "events/control_codec.h"
#include "events/invariant.h"
#include "events/switch_codec.h"
#include "ledger/switch_reply.h"

namespace huawu {

namespace {

std::string as_string(const zmq::message_t& frame) { return std::string(frame.data<char>(), frame.size()); }

// Sends the envelope frames (the peer's routing id, and any delimiter a REQ
// peer added) and then the payload.
void send_with_envelope(zmq::socket_t& socket, const std::vector<std::string>& envelope,
                        const std::string& payload) {
  for (const std::string& frame : envelope) {
    const auto sent = socket.send(zmq::buffer(frame), zmq::send_flags::sndmore);
    (void)sent;  // A ROUTER drops a message for a peer that is gone: nothing to do.
  }
  const auto sent = socket.send(zmq::buffer(payload), zmq::send_flags::none);
  (void)sent;
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string daemon_lock_path(const std::string& data_dir) { return data_dir + "/daemon.lock"; }
std::string daemon_info_path(const std::string& data_dir) { return data_dir + "/daemon.json"; }
std::string control_endpoint(const std::string& data_dir) {
  return "ipc://" + std::filesystem::absolute(data_dir).lexically_normal().string() + "/control.sock";
}

std::unique_ptr<DaemonLock> DaemonLock::acquire(const std::string& data_dir, std::string* why) {
  const std::string path = daemon_lock_path(data_dir);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    *why = "cannot open " + path;
    return nullptr;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    *why = "a daemon already serves " + data_dir;
    return nullptr;
  }
  return std::unique_ptr<DaemonLock>(new DaemonLock(fd));
}

DaemonLock::~DaemonLock() { ::close(fd_); }  // closing releases the flock

bool daemon_serving(const std::string& data_dir) {
  const int fd = ::open(daemon_lock_path(data_dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
  ::close(fd);
  return held;
}

std::unique_ptr<Daemon> Daemon::start(const DaemonConfig& config, Ledger& ledger,
                                      std::string publish_endpoint, ControlHandler control,
                                      std::string* why) {
  auto daemon = std::unique_ptr<Daemon>(new Daemon());
  daemon->config_ = config;
  daemon->ledger_ = &ledger;
  daemon->control_ = std::move(control);
  daemon->endpoints_.publish_endpoint = std::move(publish_endpoint);
  daemon->endpoints_.control_endpoint = control_endpoint(config.data_dir);
  std::string binding;
  try {
    binding = config.switch_endpoint;
    daemon->switch_socket_ = zmq::socket_t(daemon->context_, zmq::socket_type::router);
    daemon->switch_socket_.set(zmq::sockopt::maxmsgsize, frame_bytes_max);
    daemon->switch_socket_.set(zmq::sockopt::rcvhwm, 200'000);
    daemon->switch_socket_.set(zmq::sockopt::sndhwm, 200'000);
    daemon->switch_socket_.set(zmq::sockopt::linger, 1000);
    daemon->switch_socket_.bind(config.switch_endpoint);
    daemon->endpoints_.switch_endpoint = daemon->switch_socket_.get(zmq::sockopt::last_endpoint);

    binding = daemon->endpoints_.control_endpoint;
    // We hold the daemon lock, so a socket file left here is a dead daemon's.
    std::error_code ignored;
    std::filesystem::remove(binding.substr(6), ignored);
    daemon->control_socket_ = zmq::socket_t(daemon->context_, zmq::socket_type::router);
    daemon->control_socket_.set(zmq::sockopt::linger, 1000);
    daemon->control_socket_.bind(binding);
  } catch (const zmq::error_t& e) {
    *why = "cannot bind " + binding + ": " + e.what();
    return nullptr;
  }
  daemon->wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (daemon->wake_fd_ < 0) {
    *why = "cannot create an eventfd";
    return nullptr;
  }
  for (std::size_t i = 0; i < control_workers; ++i) {
    daemon->workers_.emplace_back([d = daemon.get()] { d->control_worker(); });
    pthread_setname_np(daemon->workers_.back().native_handle(), "huawu-control");
  }
  // daemon.json: written whole, then renamed, so a reader never sees half.
  const std::string info = daemon_info_path(config.data_dir);
  {
    std::ofstream out(info + ".tmp", std::ios::trunc);
    out << "{\"pid\":" << ::getpid()
        << ",\"switch_endpoint\":" << json_string(daemon->endpoints_.switch_endpoint)
        << ",\"publish_endpoint\":" << json_string(daemon->endpoints_.publish_endpoint)
        << ",\"control_endpoint\":" << json_string(daemon->endpoints_.control_endpoint) << "}\n";
  }
  std::filesystem::rename(info + ".tmp", info);
  return daemon;
}

Daemon::~Daemon() {
  {
    std::lock_guard lock(jobs_mutex_);
    jobs_closed_ = true;
  }
  jobs_changed_.notify_all();
  for (std::thread& worker : workers_) worker.join();
  if (wake_fd_ >= 0) ::close(wake_fd_);
  std::error_code ignored;
  std::filesystem::remove(daemon_info_path(config_.data_dir), ignored);
  std::filesystem::remove(endpoints_.control_endpoint.substr(6), ignored);
}

void Daemon::stop() {
  stopping_.store(true);
  const std::uint64_t one = 1;
  const ssize_t written = ::write(wake_fd_, &one, sizeof one);  // async-signal-safe
  (void)written;  // the counter only saturates; a wake-up is already pending then
}

void Daemon::wake() {
  // Called with done_mutex_ held. One write wakes the I/O thread for every
  // reply queued until it drains them.
  if (woken_) return;
  woken_ = true;
  const std::uint64_t one = 1;
  const ssize_t written = ::write(wake_fd_, &one, sizeof one);
  (void)written;
}

void Daemon::run() {
  started_us_ = SystemClock().now_us();
  next_expiry_ms_ = steady_ms() + config_.expiry_interval_ms;
  // The first check soon after start: a daemon down for a while catches up.
  next_check_ms_ = steady_ms() + std::min<std::int64_t>(config_.alert_interval_seconds * 1000, 1000);
  next_reply_times_log_ms_ = steady_ms() + reply_times_log_interval_ms;
  spdlog::info("huawu: serving {}: switch {}, events {}, control {}", config_.data_dir,
               endpoints_.switch_endpoint, endpoints_.publish_endpoint, endpoints_.control_endpoint);
  std::vector<zmq::message_t> frames;
  std::vector<std::pair<Request, Completion>> to_submit;
  for (;;) {
    const bool stopping = stopping_.load();
    if (stopping && in_flight_ == 0 && !expiry_in_flight_ && !check_in_flight_) break;
    const std::int64_t now_ms = steady_ms();
    const std::int64_t next_timer_ms = std::min(next_expiry_ms_, next_check_ms_);
    const long timeout_ms = static_cast<long>(std::clamp<std::int64_t>(next_timer_ms - now_ms, 0, 1000));
    zmq::pollitem_t items[] = {
        {switch_socket_.handle(), 0, static_cast<short>(stopping ? 0 : ZMQ_POLLIN), 0},
        {control_socket_.handle(), 0, static_cast<short>(stopping ? 0 : ZMQ_POLLIN), 0},
        {nullptr, wake_fd_, ZMQ_POLLIN, 0},
    };
    try {
      zmq::poll(items, 3, std::chrono::milliseconds(timeout_ms));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
      continue;  // a signal (stop() already ran in its handler): look again
    }
    if (items[2].revents & ZMQ_POLLIN) {
      std::uint64_t count = 0;
      const ssize_t got = ::read(wake_fd_, &count, sizeof count);
      (void)got;  // EAGAIN: another read took it; replies are drained below either way
    }
    send_replies();
    if (!stopping_.load()) {
      // Bounded per turn, so replies and the other socket are never starved.
      for (int i = 0; i < 4096; ++i) {
        frames.clear();
        if (!zmq::recv_multipart(switch_socket_, std::back_inserter(frames), zmq::recv_flags::dontwait)) break;
        on_switch_frames(frames, to_submit);
      }
      // One hand-over for everything read this turn: one lock, one wake-up.
      ledger_->writer().submit_many(to_submit);
      for (int i = 0; i < 64; ++i) {
        frames.clear();
        if (!zmq::recv_multipart(control_socket_, std::back_inserter(frames), zmq::recv_flags::dontwait)) break;
        on_control_frames(frames);
      }
    }
    maybe_expire_holds(steady_ms());
    maybe_check_obligations(steady_ms());
    maybe_log_reply_times(steady_ms());
  }
  spdlog::info("huawu: stopped taking requests; every taken request was answered ({} malformed frames seen)",
               malformed_);
}

void Daemon::on_switch_frames(std::vector<zmq::message_t>& frames,
                              std::vector<std::pair<Request, Completion>>& to_submit) {
  if (frames.size() < 2) return;  // a ROUTER always adds the routing id: cannot happen
  std::vector<std::string> envelope;
  envelope.reserve(frames.size() - 1);
  for (std::size_t i = 0; i + 1 < frames.size(); ++i) envelope.push_back(as_string(frames[i]));
  const zmq::message_t& payload = frames.back();
  std::string why;
  std::string readable_key;
  std::optional<SwitchRequest> request;
  // A DEALER sends exactly one frame (docs/switch-protocol.md §1); a REQ
  // socket's empty delimiter in front, or any other extra frame, is refused.
  // The error still goes back through the whole envelope, so a REQ peer gets
  // an answer instead of waiting forever.
  if (frames.size() != 2) why = std::to_string(frames.size() - 1) + " frames in the message, not 1 (a REQ socket's envelope?)";
  else request = decode_switch_request(std::string_view(payload.data<char>(), payload.size()), &why, &readable_key);
  if (!request) {
    // Nothing can be recorded for a frame that names no call; answer it,
    // with its request key when that much could be read.
    if (++malformed_ <= 10 || malformed_ % 1000 == 0)
      spdlog::warn("huawu: malformed switch frame ({} bytes, {} so far): {}", payload.size(), malformed_, why);
    SwitchReply reply = malformed_reply();
    reply.request_key = std::move(readable_key);
    send_with_envelope(switch_socket_, envelope, encode_switch_reply(reply));
    return;
  }
  std::string key = switch_idempotency_key(request->switch_id, request->request_key);
  std::string actor = "switch:" + request->switch_id;
  std::string request_key = request->request_key;
  const SwitchReplyKind kind = reply_kind_of(request->body);
  const std::int64_t received_us = steady_us();
  ++in_flight_;
  to_submit.emplace_back(
      Request{std::move(*request), std::move(key), std::move(actor), 0},
      [this, envelope = std::move(envelope), request_key = std::move(request_key), kind,
       received_us](Outcome&& outcome) mutable {
        std::lock_guard lock(done_mutex_);
        switch_done_.push_back(
            SwitchDone{std::move(envelope), std::move(request_key), kind, std::move(outcome), received_us});
        wake();
      });
}

void Daemon::on_control_frames(std::vector<zmq::message_t>& frames) {
  if (frames.size() < 2) return;
  std::vector<std::string> envelope;
  for (std::size_t i = 0; i + 1 < frames.size(); ++i) envelope.push_back(as_string(frames[i]));
  const zmq::message_t& payload = frames.back();
  std::string why;
  auto request = decode_control_request(std::string_view(payload.data<char>(), payload.size()), &why);
  if (!request) {
    send_with_envelope(control_socket_, envelope,
                       encode_control_reply(ControlReply{2, "", "huawu: malformed control request: " + why + "\n"}));
    return;
  }
  ++in_flight_;
  {
    std::lock_guard lock(jobs_mutex_);
    jobs_.push_back(ControlJob{std::move(envelope), std::move(*request)});
  }
  jobs_changed_.notify_one();
}

void run_when_idle(const std::function<void()>& fn) {
  std::exception_ptr failure;
  std::thread query([&] {
    // SCHED_IDLE, not only a high nice value: the scheduler places a woken
    // thread on a CPU that runs only idle-class work as if it were free, so
    // an authorization never waits for a query's time slice. Measured on two
    // cores (tests/daemon_latency_test.cc): at nice 10 and 19 a running audit
    // raised authorize p99 from about 0.5 ms to 3.5-8 ms; idle-class, to
    // 0.9-1.9 ms. The cost: a query gets only the CPU the switch path leaves.
    const auto tid = static_cast<pid_t>(::syscall(SYS_gettid));
    sched_param param{};
    param.sched_priority = 0;
    if (::sched_setscheduler(tid, SCHED_IDLE, &param) != 0 &&
        ::setpriority(PRIO_PROCESS, static_cast<id_t>(tid), limits::query_thread_nice) != 0)
      spdlog::warn("huawu: cannot lower a query thread's priority: {}", std::strerror(errno));
    try {
      fn();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  pthread_setname_np(query.native_handle(), "huawu-query");
  query.join();
  if (failure) std::rethrow_exception(failure);
}

void Daemon::control_worker() {
  for (;;) {
    ControlJob job;
    {
      std::unique_lock lock(jobs_mutex_);
      jobs_changed_.wait(lock, [&] { return jobs_closed_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    ControlReply reply;
    try {
      reply = control_(job.request);
    } catch (const std::exception& e) {
      reply = ControlReply{3, "", std::string("huawu: storage error: ") + e.what() + "\n"};
    }
    std::lock_guard lock(done_mutex_);
    control_done_.push_back(ControlDone{std::move(job.envelope), std::move(reply)});
    wake();
  }
}

void Daemon::send_replies() {
  std::vector<SwitchDone> switch_done;
  std::vector<ControlDone> control_done;
  {
    std::lock_guard lock(done_mutex_);
    switch_done.swap(switch_done_);
    control_done.swap(control_done_);
    woken_ = false;
  }
  for (SwitchDone& done : switch_done) {
    if (done.own == OwnRequest::expiry) {
      expiry_in_flight_ = false;
      // A full request may have left more due: ask again at once.
      if (done.outcome.events.size() == limits::holds_expired_per_request_max) next_expiry_ms_ = 0;
      if (!done.outcome.events.empty()) {
        spdlog::info("huawu: {} holds expired", done.outcome.events.size());
        if (on_holds_expired_) {
          std::vector<HoldExpired> expired;
          for (const Event& event : done.outcome.events)
            if (const auto* hold = std::get_if<HoldExpired>(&event.payload)) expired.push_back(*hold);
          on_holds_expired_(expired);
        }
      }
      continue;
    }
    if (done.own == OwnRequest::obligation_check) {
      check_in_flight_ = false;
      if (done.outcome.events.size() == limits::alerts_per_request_max) next_check_ms_ = 0;
      for (std::size_t i = 0; i < done.outcome.events.size(); ++i) {
        const auto* alert = std::get_if<ObligationAlerted>(&done.outcome.events[i].payload);
        if (!alert) continue;
        spdlog::warn("huawu: obligation {} {} (bearer {}, deadline {}; event {})", alert->obligation,
                     alert_kind_name(alert->kind), alert->bearer,
                     alert->deadline.empty() ? "calendar_unknown " + std::to_string(alert->unknown_year)
                                             : alert->deadline,
                     done.outcome.first_sequence + i);
      }
      continue;
    }
    const SwitchReply reply = switch_reply(std::move(done.request_key), done.kind, done.outcome);
    send_with_envelope(switch_socket_, done.envelope, encode_switch_reply(reply));
    const std::int64_t reply_us = steady_us() - done.received_us;
    reply_times_total_.record(reply_us);
    reply_times_window_.record(reply_us);
    --in_flight_;
  }
  for (ControlDone& done : control_done) {
    send_with_envelope(control_socket_, done.envelope, encode_control_reply(done.reply));
    --in_flight_;
  }
}

void Daemon::maybe_log_reply_times(std::int64_t now_ms) {
  if (now_ms < next_reply_times_log_ms_) return;
  next_reply_times_log_ms_ = now_ms + reply_times_log_interval_ms;
  if (reply_times_window_.count() == 0) return;
  spdlog::info("huawu: switch replies in the last minute: {} (time in the daemon)", reply_times_window_.summary());
  reply_times_window_.clear();
}

void Daemon::submit_own(OwnRequest own, Command command, std::string key, std::string actor) {
  ledger_->writer().submit(Request{std::move(command), std::move(key), std::move(actor), 0},
                           [this, own](Outcome&& outcome) {
                             std::lock_guard lock(done_mutex_);
                             switch_done_.push_back(
                                 SwitchDone{{}, {}, SwitchReplyKind::error, std::move(outcome), 0, own});
                             wake();
                           });
}

void Daemon::maybe_expire_holds(std::int64_t now_ms) {
  if (now_ms < next_expiry_ms_ || expiry_in_flight_ || stopping_.load()) return;
  next_expiry_ms_ = now_ms + config_.expiry_interval_ms;
  expiry_in_flight_ = true;
  // Keys unique to this daemon run; a refused one (nothing due) stores nothing.
  submit_own(OwnRequest::expiry, ExpireHolds{},
             "expiry-" + std::to_string(started_us_) + "-" + std::to_string(++expiry_counter_), "daemon:expiry");
}

void Daemon::maybe_check_obligations(std::int64_t now_ms) {
  if (now_ms < next_check_ms_ || check_in_flight_ || stopping_.load()) return;
  next_check_ms_ = now_ms + config_.alert_interval_seconds * 1000;
  check_in_flight_ = true;
  submit_own(OwnRequest::obligation_check, CheckObligations{},
             "alerts-" + std::to_string(started_us_) + "-" + std::to_string(++check_counter_), "daemon:alerts");
}

}  // namespace huawu
