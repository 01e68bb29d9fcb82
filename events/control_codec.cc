#include "events/control_codec.h"

#include <capnp/any.h>
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "events/control.capnp.h"
#include "events/limits.h"

namespace huawu {

namespace s = huawu::schema;

namespace {

struct FrameLimits {
  std::size_t bytes_max;
  std::uint64_t words_max;
};
constexpr FrameLimits request_limits{limits::control_request_bytes_max,
                                     limits::control_request_reader_words_max};
constexpr FrameLimits reply_limits{limits::control_reply_bytes_max,
                                   limits::control_reply_reader_words_max};

std::string serialize_message(capnp::MessageBuilder& message) {
  std::string out(capnp::computeSerializedSizeInWords(message) * sizeof(capnp::word), '\0');
  kj::ArrayOutputStream stream(kj::arrayPtr(reinterpret_cast<kj::byte*>(out.data()), out.size()));
  capnp::writeMessage(stream, message);
  return out;
}

std::string text(capnp::Text::Reader reader) { return std::string(reader.cStr(), reader.size()); }

capnp::Text::Reader as_text(const std::string& s) {
  return capnp::Text::Reader(s.data(), s.size());
}

// Words a text of `bytes` bytes takes in a message (with its NUL, padded).
std::size_t text_words(std::size_t bytes) { return bytes / sizeof(capnp::word) + 1; }

// Visits every object reachable from the root through Cap'n Proto's checked
// getters, so that deep nesting, many pointers to one object or lists
// claiming more than the frame holds fail on the reader's limits before any
// field is read (as in events/switch_codec.cc).
bool walk(capnp::AnyPointer::Reader pointer, std::string* why);

bool walk_struct(capnp::AnyStruct::Reader object, std::string* why) {
  for (auto pointer : object.getPointerSection())
    if (!walk(pointer, why)) return false;
  return true;
}

bool walk(capnp::AnyPointer::Reader pointer, std::string* why) {
  switch (pointer.getPointerType()) {
    case capnp::PointerType::NULL_:
      return true;
    case capnp::PointerType::STRUCT:
      return walk_struct(pointer.getAs<capnp::AnyStruct>(), why);
    case capnp::PointerType::LIST: {
      auto list = pointer.getAs<capnp::AnyList>();
      if (list.getElementSize() == capnp::ElementSize::POINTER) {
        for (auto element : list.as<capnp::List<capnp::AnyPointer>>())
          if (!walk(element, why)) return false;
      } else if (list.getElementSize() == capnp::ElementSize::INLINE_COMPOSITE) {
        for (auto element : list.as<capnp::List<capnp::AnyStruct>>())
          if (!walk_struct(element, why)) return false;
      }
      return true;
    }
    case capnp::PointerType::CAPABILITY:
      break;
  }
  *why = "capability pointer in a frame that carries none";
  return false;
}

// Cap'n Proto's description of a malformed message, whole and printable: it
// may quote the offending byte, a NUL included, which would cut a C string.
std::string describe(const kj::Exception& e) {
  std::string out(e.getDescription().begin(), e.getDescription().size());
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

// The checks every frame gets, then `read` on its root. `what` names the
// message in reasons ("control request").
template <typename Root, typename Out, typename Read>
std::optional<Out> decode_frame(std::string_view bytes, const FrameLimits& frame, const char* what,
                                std::string* why, Read&& read) {
  std::string ignored;
  if (!why) why = &ignored;
  if (bytes.size() > frame.bytes_max) {
    *why = std::string(what) + " of " + std::to_string(bytes.size()) +
           " bytes is larger than the limit of " + std::to_string(frame.bytes_max);
    return std::nullopt;
  }
  if (bytes.size() % sizeof(capnp::word) != 0) {
    *why =
        std::string(what) + " length " + std::to_string(bytes.size()) + " is not a multiple of 8";
    return std::nullopt;
  }
  std::optional<Out> out;
  kj::Maybe<kj::Exception> failure = kj::runCatchingExceptions([&] {
    // Cap'n Proto reads words in place; a frame carries no alignment promise,
    // so unaligned input is copied. Control traffic is rare and a reply can
    // be large: the copy is not kept for the next call.
    std::vector<capnp::word> aligned;
    kj::ArrayPtr<const capnp::word> words;
    const std::size_t count = bytes.size() / sizeof(capnp::word);
    if (reinterpret_cast<std::uintptr_t>(bytes.data()) % alignof(capnp::word) == 0) {
      words = {reinterpret_cast<const capnp::word*>(bytes.data()), count};
    } else {
      aligned.resize(count);
      std::memcpy(aligned.data(), bytes.data(), count * sizeof(capnp::word));
      words = {aligned.data(), count};
    }
    capnp::ReaderOptions options;
    options.traversalLimitInWords = frame.words_max;
    options.nestingLimit = limits::control_reader_nesting_max;
    capnp::FlatArrayMessageReader reader(words, options);
    if (reader.getEnd() != words.end()) {
      *why = std::string(what) + " has bytes after its message";
      return;
    }
    if (!walk(reader.getRoot<capnp::AnyPointer>(), why)) return;
    out = read(reader.getRoot<Root>(), why);
  });
  KJ_IF_MAYBE(e, failure) {
    *why = std::string("malformed ") + what + ": " + describe(*e);
    return std::nullopt;
  }
  return out;
}

bool fail(std::string* why, std::string reason) {
  *why = std::move(reason);
  return false;
}

std::optional<ControlRequest> read_request(s::ControlRequest::Reader r, std::string* why) {
  ControlRequest out;
  out.principal = text(r.getPrincipal());
  auto args = r.getArgs();
  // Counted before anything is copied.
  if (args.size() > limits::control_args_max) {
    *why = "more than " + std::to_string(limits::control_args_max) + " args";
    return std::nullopt;
  }
  out.args.reserve(args.size());
  for (auto arg : args) out.args.push_back(text(arg));
  if (!control_request_valid(out, why)) return std::nullopt;
  return out;
}

std::optional<ControlReply> read_reply(s::ControlReply::Reader r, std::string* why) {
  ControlReply out;
  out.exit_code = r.getExitCode();
  out.out = text(r.getOut());
  out.err = text(r.getErr());
  if (!control_reply_valid(out, why)) return std::nullopt;
  return out;
}

}  // namespace

bool control_request_valid(const ControlRequest& request, std::string* why) {
  std::string ignored;
  if (!why) why = &ignored;
  if (request.principal.size() > limits::actor_length_max)
    return fail(why,
                "principal longer than " + std::to_string(limits::actor_length_max) + " bytes");
  if (request.args.size() > limits::control_args_max)
    return fail(why, "more than " + std::to_string(limits::control_args_max) + " args");
  for (std::size_t i = 0; i < request.args.size(); ++i)
    if (request.args[i].size() > limits::control_arg_bytes_max)
      return fail(why, "arg " + std::to_string(i) + " longer than " +
                           std::to_string(limits::control_arg_bytes_max) + " bytes");
  return true;
}

bool control_reply_valid(const ControlReply& reply, std::string* why) {
  std::string ignored;
  if (!why) why = &ignored;
  if (reply.exit_code < 0 || reply.exit_code > 255)
    return fail(why, "exit code " + std::to_string(reply.exit_code) + " outside 0..255");
  if (reply.out.size() > limits::control_reply_text_bytes_max)
    return fail(
        why, "out longer than " + std::to_string(limits::control_reply_text_bytes_max) + " bytes");
  if (reply.err.size() > limits::control_reply_text_bytes_max)
    return fail(
        why, "err longer than " + std::to_string(limits::control_reply_text_bytes_max) + " bytes");
  return true;
}

std::string encode_control_request(const ControlRequest& request) {
  std::size_t words = 8 + text_words(request.principal.size()) + request.args.size();
  for (const std::string& arg : request.args) words += text_words(arg.size());
  // One first segment big enough for the whole message: a single segment.
  capnp::MallocMessageBuilder message(static_cast<unsigned>(words));
  auto root = message.initRoot<s::ControlRequest>();
  root.setPrincipal(as_text(request.principal));
  auto args = root.initArgs(static_cast<unsigned>(request.args.size()));
  for (unsigned i = 0; i < request.args.size(); ++i) args.set(i, as_text(request.args[i]));
  return serialize_message(message);
}

std::string encode_control_reply(const ControlReply& reply) {
  const std::size_t words = 8 + text_words(reply.out.size()) + text_words(reply.err.size());
  capnp::MallocMessageBuilder message(static_cast<unsigned>(words));
  auto root = message.initRoot<s::ControlReply>();
  root.setExitCode(reply.exit_code);
  root.setOut(as_text(reply.out));
  root.setErr(as_text(reply.err));
  return serialize_message(message);
}

std::optional<ControlRequest> decode_control_request(std::string_view bytes, std::string* why) {
  return decode_frame<s::ControlRequest, ControlRequest>(bytes, request_limits, "control request",
                                                         why, read_request);
}

std::optional<ControlReply> decode_control_reply(std::string_view bytes, std::string* why) {
  return decode_frame<s::ControlReply, ControlReply>(bytes, reply_limits, "control reply", why,
                                                     read_reply);
}

}  // namespace huawu
