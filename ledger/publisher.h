#pragma once
// Publishes every committed event on a ZeroMQ PUB socket (default
// tcp://127.0.0.1:7751), for dashboards and `huawu tail`. Each message has
// two frames: the topic "event" and the StoredEvent record exactly as the
// store holds it (events/events.capnp), which carries its sequence.
//
// Publishing is best effort, as PUB is: the writer hands each durable batch
// over without waiting, a thread of its own sends it, and when subscribers
// or this thread fall far behind, records are dropped and counted. A
// subscriber that sees a gap in sequences reads the missing events from the
// store (`huawu events --from N`).
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

namespace huawu {

class EventPublisher {
 public:
  // Binds the PUB socket; refuses (nullptr, *why) when the endpoint is unusable.
  static std::unique_ptr<EventPublisher> start(const std::string& endpoint, std::string* why);
  // Sends what is queued, then stops.
  ~EventPublisher();

  // Called on the writer thread with each durable batch's records. Never blocks
  // for long: beyond `queued_records_max` the batch is dropped and counted.
  void publish(std::uint64_t first_sequence, std::vector<std::string>&& records);

  const std::string& endpoint() const { return endpoint_; }
  std::uint64_t dropped_records() const;

  static constexpr std::size_t queued_records_max = 1'000'000;

 private:
  EventPublisher() = default;
  void run();

  zmq::context_t context_{1};
  zmq::socket_t socket_;
  std::string endpoint_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;                  // guarded by mutex_
  std::deque<std::vector<std::string>> batches_;     // guarded by mutex_
  std::size_t queued_records_ = 0;                   // guarded by mutex_
  std::uint64_t dropped_records_ = 0;                // guarded by mutex_
  bool stopping_ = false;                            // guarded by mutex_
  std::thread thread_;
};

}  // namespace huawu
