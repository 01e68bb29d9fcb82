#include "ledger/publisher.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

namespace huawu {

std::unique_ptr<EventPublisher> EventPublisher::start(const std::string& endpoint, std::string* why) {
  auto publisher = std::unique_ptr<EventPublisher>(new EventPublisher());
  try {
    publisher->socket_ = zmq::socket_t(publisher->context_, zmq::socket_type::pub);
    // Far more than a burst of one batch; past it PUB drops for that subscriber.
    publisher->socket_.set(zmq::sockopt::sndhwm, 1'000'000);
    publisher->socket_.set(zmq::sockopt::linger, 0);
    publisher->socket_.bind(endpoint);
    publisher->endpoint_ = publisher->socket_.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    *why = "cannot bind the event publisher to " + endpoint + ": " + e.what();
    return nullptr;
  }
  // The socket moves to the publishing thread; starting the thread is the
  // full memory barrier ZeroMQ asks for when a socket changes threads.
  publisher->thread_ = std::thread([p = publisher.get()] { p->run(); });
  pthread_setname_np(publisher->thread_.native_handle(), "huawu-publish");
  return publisher;
}

EventPublisher::~EventPublisher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EventPublisher::publish(std::uint64_t, std::vector<std::string>&& records) {
  {
    std::lock_guard lock(mutex_);
    if (queued_records_ + records.size() > queued_records_max) {
      dropped_records_ += records.size();
      return;
    }
    queued_records_ += records.size();
    batches_.push_back(std::move(records));
  }
  changed_.notify_one();
}

std::uint64_t EventPublisher::dropped_records() const {
  std::lock_guard lock(mutex_);
  return dropped_records_;
}

void EventPublisher::run() {
  static constexpr std::string_view topic = "event";
  for (;;) {
    std::vector<std::string> batch;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || !batches_.empty(); });
      if (batches_.empty()) return;  // stopping, and everything queued was sent
      batch = std::move(batches_.front());
      batches_.pop_front();
      queued_records_ -= batch.size();
    }
    for (const std::string& record : batch) {
      // PUB never blocks: a send past a subscriber's high-water mark drops for it.
      const auto sent_topic = socket_.send(zmq::buffer(topic), zmq::send_flags::sndmore);
      const auto sent_record = socket_.send(zmq::buffer(record), zmq::send_flags::none);
      if (!sent_topic || !sent_record) spdlog::debug("huawu: publisher dropped a record");
    }
  }
}

}  // namespace huawu
