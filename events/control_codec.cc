#include "events/control_codec.h"

#include <capnp/message.h>

#include "events/control.capnp.h"
#include "events/frame_codec.h"
#include "events/limits.h"

namespace huawu {

namespace s = huawu::schema;

namespace {

// Control traffic is rare and a reply can be large: the aligned copy of an
// unaligned frame is not kept for the next call.
constexpr frame::Limits control_limits(std::size_t bytes_max, std::uint64_t reader_words_max) {
  return {.bytes_max = bytes_max,
          .reader_words_max = reader_words_max,
          .nesting_max = limits::control_reader_nesting_max,
          .limit_name = "limit",
          .reuse_buffer = false};
}
constexpr frame::Limits request_limits =
    control_limits(limits::control_request_bytes_max, limits::control_request_reader_words_max);
constexpr frame::Limits reply_limits =
    control_limits(limits::control_reply_bytes_max, limits::control_reply_reader_words_max);

std::optional<ControlRequest> read_request(s::ControlRequest::Reader r, std::string* why) {
  ControlRequest out;
  out.principal = frame::text(r.getPrincipal());
  out.password = frame::text(r.getPassword());
  out.token = frame::text(r.getToken());
  auto args = r.getArgs();
  // Counted before anything is copied.
  if (args.size() > limits::control_args_max) {
    *why = "more than " + std::to_string(limits::control_args_max) + " args";
    return std::nullopt;
  }
  out.args.reserve(args.size());
  for (auto arg : args) out.args.push_back(frame::text(arg));
  if (!control_request_valid(out, why)) return std::nullopt;
  return out;
}

std::optional<ControlReply> read_reply(s::ControlReply::Reader r, std::string* why) {
  ControlReply out;
  out.exit_code = r.getExitCode();
  out.out = frame::text(r.getOut());
  out.err = frame::text(r.getErr());
  if (!control_reply_valid(out, why)) return std::nullopt;
  return out;
}

}  // namespace

bool control_request_valid(const ControlRequest& request, std::string* why) {
  std::string ignored;
  if (!why) why = &ignored;
  if (request.principal.size() > limits::actor_length_max)
    return frame::fail(
        why, "principal longer than " + std::to_string(limits::actor_length_max) + " bytes");
  if (request.password.size() > 256) return frame::fail(why, "password longer than 256 bytes");
  if (request.token.size() > 128) return frame::fail(why, "token longer than 128 bytes");
  if (request.args.size() > limits::control_args_max)
    return frame::fail(why, "more than " + std::to_string(limits::control_args_max) + " args");
  for (std::size_t i = 0; i < request.args.size(); ++i)
    if (request.args[i].size() > limits::control_arg_bytes_max)
      return frame::fail(why, "arg " + std::to_string(i) + " longer than " +
                                  std::to_string(limits::control_arg_bytes_max) + " bytes");
  return true;
}

bool control_reply_valid(const ControlReply& reply, std::string* why) {
  std::string ignored;
  if (!why) why = &ignored;
  if (reply.exit_code < 0 || reply.exit_code > 255)
    return frame::fail(why, "exit code " + std::to_string(reply.exit_code) + " outside 0..255");
  if (reply.out.size() > limits::control_reply_text_bytes_max)
    return frame::fail(
        why, "out longer than " + std::to_string(limits::control_reply_text_bytes_max) + " bytes");
  if (reply.err.size() > limits::control_reply_text_bytes_max)
    return frame::fail(
        why, "err longer than " + std::to_string(limits::control_reply_text_bytes_max) + " bytes");
  return true;
}

std::string encode_control_request(const ControlRequest& request) {
  std::size_t words = 10 + frame::text_words(request.principal.size()) + request.args.size() +
                      frame::text_words(request.password.size()) + frame::text_words(request.token.size());
  for (const std::string& arg : request.args) words += frame::text_words(arg.size());
  // One first segment big enough for the whole message: a single segment.
  capnp::MallocMessageBuilder message(static_cast<unsigned>(words));
  auto root = message.initRoot<s::ControlRequest>();
  root.setPrincipal(frame::as_text(request.principal));
  auto args = root.initArgs(static_cast<unsigned>(request.args.size()));
  for (unsigned i = 0; i < request.args.size(); ++i) args.set(i, frame::as_text(request.args[i]));
  // Left null when empty: a request without them is as small as before.
  if (!request.password.empty()) root.setPassword(frame::as_text(request.password));
  if (!request.token.empty()) root.setToken(frame::as_text(request.token));
  return frame::serialize_message(message);
}

std::string encode_control_reply(const ControlReply& reply) {
  const std::size_t words =
      8 + frame::text_words(reply.out.size()) + frame::text_words(reply.err.size());
  capnp::MallocMessageBuilder message(static_cast<unsigned>(words));
  auto root = message.initRoot<s::ControlReply>();
  root.setExitCode(reply.exit_code);
  root.setOut(frame::as_text(reply.out));
  root.setErr(frame::as_text(reply.err));
  return frame::serialize_message(message);
}

std::optional<ControlRequest> decode_control_request(std::string_view bytes, std::string* why) {
  return frame::decode_frame<s::ControlRequest, ControlRequest>(
      bytes, request_limits, "control request", why, read_request);
}

std::optional<ControlReply> decode_control_reply(std::string_view bytes, std::string* why) {
  return frame::decode_frame<s::ControlReply, ControlReply>(bytes, reply_limits, "control reply",
                                                            why, read_reply);
}

}  // namespace huawu
