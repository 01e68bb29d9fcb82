#include "events/control_codec.h"

#include <capnp/any.h>
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

// The request struct as it was before `call` existed: 0 data words and
// principal, args, password, token. A request without a call is encoded at
// this size, so its bytes are exactly what an older command sent (pinned by
// tests/control_codec_test.cc); a newer reader sees the missing pointer as
// no call.
constexpr std::uint16_t request_v2_pointers = 4;

VerbArg::Value read_value(s::VerbArg::Value::Reader v) {
  switch (v.which()) {
    case s::VerbArg::Value::TEXT: return frame::text(v.getText());
    case s::VerbArg::Value::INTEGER: return v.getInteger();
    case s::VerbArg::Value::FLAG: return FlagGiven{};
    case s::VerbArg::Value::LIST: {
      std::vector<std::string> items;
      for (auto item : v.getList()) items.push_back(frame::text(item));
      return items;
    }
    case s::VerbArg::Value::NUMBER: return v.getNumber();
  }
  return std::string();  // a union member of a newer schema: checked as text
}

std::optional<VerbCall> read_call(s::VerbCall::Reader r, std::string* why) {
  VerbCall out;
  out.verb = r.getVerb();
  auto args = r.getArgs();
  std::size_t values = args.size();
  // Counted before anything is copied.
  for (auto arg : args)
    if (arg.getValue().isList()) values += arg.getValue().getList().size();
  if (values > verb_call_values_max) {
    *why = "more than " + std::to_string(verb_call_values_max) + " values in the verb call";
    return std::nullopt;
  }
  out.args.reserve(args.size());
  for (auto arg : args) {
    if (!arg.getValue().isText() && !arg.getValue().isInteger() && !arg.getValue().isFlag() &&
        !arg.getValue().isList() && !arg.getValue().isNumber()) {
      *why = "argument " + frame::text(arg.getName()) + " of an unknown kind";
      return std::nullopt;
    }
    out.args.push_back(VerbArg{frame::text(arg.getName()), read_value(arg.getValue())});
  }
  return out;
}

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
  if (r.hasCall()) {
    out.call = read_call(r.getCall(), why);
    if (!out.call) return std::nullopt;
  }
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

bool call_valid(const VerbCall& call, std::string* why) {
  std::size_t values = 0;
  for (const VerbArg& arg : call.args) {
    if (arg.name.empty() || arg.name.size() > verb_arg_name_bytes_max)
      return frame::fail(why, "argument name empty or longer than " + std::to_string(verb_arg_name_bytes_max) +
                                  " bytes");
    const auto* items = std::get_if<std::vector<std::string>>(&arg.value);
    const auto* text = std::get_if<std::string>(&arg.value);
    values += items ? items->size() + 1 : 1;
    if (text && text->size() > limits::control_arg_bytes_max)
      return frame::fail(why, "argument " + arg.name + " longer than " +
                                  std::to_string(limits::control_arg_bytes_max) + " bytes");
    if (items)
      for (const std::string& item : *items)
        if (item.size() > limits::control_arg_bytes_max)
          return frame::fail(why, "a value of argument " + arg.name + " longer than " +
                                      std::to_string(limits::control_arg_bytes_max) + " bytes");
  }
  if (values > verb_call_values_max)
    return frame::fail(why, "more than " + std::to_string(verb_call_values_max) + " values in the verb call");
  return true;
}

std::size_t call_words(const VerbCall& call) {
  std::size_t words = 4 + 4 * call.args.size();
  for (const VerbArg& arg : call.args) {
    words += frame::text_words(arg.name.size());
    if (const auto* text = std::get_if<std::string>(&arg.value)) words += frame::text_words(text->size());
    if (const auto* items = std::get_if<std::vector<std::string>>(&arg.value))
      for (const std::string& item : *items) words += 1 + frame::text_words(item.size());
  }
  return words;
}

void write_call(s::VerbCall::Builder b, const VerbCall& call) {
  b.setVerb(call.verb);
  auto args = b.initArgs(static_cast<unsigned>(call.args.size()));
  for (unsigned i = 0; i < call.args.size(); ++i) {
    const VerbArg& arg = call.args[i];
    args[i].setName(frame::as_text(arg.name));
    auto value = args[i].initValue();
    switch (arg.kind()) {
      case ArgKind::text: value.setText(frame::as_text(std::get<std::string>(arg.value))); break;
      case ArgKind::integer: value.setInteger(std::get<std::int64_t>(arg.value)); break;
      case ArgKind::flag: value.setFlag(); break;
      case ArgKind::list: {
        const auto& items = std::get<std::vector<std::string>>(arg.value);
        auto list = value.initList(static_cast<unsigned>(items.size()));
        for (unsigned j = 0; j < items.size(); ++j) list.set(j, frame::as_text(items[j]));
        break;
      }
      case ArgKind::number: value.setNumber(std::get<double>(arg.value)); break;
    }
  }
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
  if (request.call && !call_valid(*request.call, why)) return false;
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
  if (request.call) words += call_words(*request.call);
  // One first segment big enough for the whole message: a single segment.
  capnp::MallocMessageBuilder message(static_cast<unsigned>(words));
  // Without a call, the struct of an older command's request (request_v2_pointers);
  // only its four pointers are written below.
  auto root = request.call ? message.initRoot<s::ControlRequest>()
                           : message.getRoot<capnp::AnyPointer>()
                                 .initAsAnyStruct(0, request_v2_pointers)
                                 .as<s::ControlRequest>();
  root.setPrincipal(frame::as_text(request.principal));
  // A typed request has no command line: its args stay null.
  if (!request.call || !request.args.empty()) {
    auto args = root.initArgs(static_cast<unsigned>(request.args.size()));
    for (unsigned i = 0; i < request.args.size(); ++i) args.set(i, frame::as_text(request.args[i]));
  }
  // Left null when empty: a request without them is as small as before.
  if (!request.password.empty()) root.setPassword(frame::as_text(request.password));
  if (!request.token.empty()) root.setToken(frame::as_text(request.token));
  if (request.call) write_call(root.initCall(), *request.call);
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
