#pragma once
// Internal to events/: the frame machinery the switch and control codecs
// (events/switch_codec.cc, events/control_codec.cc) share. A frame is one
// unpacked Cap'n Proto message from an untrusted peer; decode_frame gives it
// every check that does not depend on the message type (size, framing,
// reader limits, trailing bytes, the shape walk) and turns a kj::Exception
// into a reason. Each codec keeps its own reading, writing and validation.
#include <capnp/any.h>
#include <capnp/message.h>
#include <kj/exception.h>
#include <kj/function.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace huawu::frame {

// What a protocol allows one of its frames.
struct Limits {
  std::size_t bytes_max;           // a larger frame is refused before it is read
  std::uint64_t reader_words_max;  // the reader's traversal limit
  int nesting_max;                 // the reader's nesting limit
  // Names the bound in the size reason: "... is larger than the <limit_name> of N".
  const char* limit_name;
  // Whether the aligned copy of an unaligned frame is kept per thread for the
  // next call (frequent, small frames) or freed after it (rare, large ones).
  bool reuse_buffer;
};

// Cap'n Proto reads words in place; a frame (or stored bytes) carries no
// alignment promise, so unaligned input is copied into `buffer`. Aligned input
// is used where it lies. The words last as long as `bytes` or `buffer` does.
kj::ArrayPtr<const capnp::word> as_words(std::string_view bytes, std::vector<capnp::word>& buffer);
// The same with a per-thread buffer, reused by the next call on the thread.
kj::ArrayPtr<const capnp::word> as_words(std::string_view bytes);

std::string text(capnp::Text::Reader reader);

// Explicit size: Cap'n Proto's std::string conversion goes through c_str()
// and would cut a text at an embedded NUL; bytes after it survive (and are
// then refused by a decoder's grammar checks rather than silently cut).
capnp::Text::Reader as_text(const std::string& s);

// Words a text of `bytes` bytes takes in a message (with its NUL, padded).
std::size_t text_words(std::size_t bytes);

// Serializes straight into the returned string: no intermediate flat array.
std::string serialize_message(capnp::MessageBuilder& message);

// Cap'n Proto's description of a malformed message, whole and printable: it
// may quote the offending byte, a NUL included, which would cut a C string.
std::string describe(const kj::Exception& e);

// Sets *why to `reason` and returns false.
bool fail(std::string* why, std::string reason);

// Visits every object reachable from `pointer`; false and *why set on a
// capability pointer (see frame_codec.cc).
bool walk(capnp::AnyPointer::Reader pointer, std::string* why);

// The checks every frame gets, then `read` on the message (inside the
// exception boundary). False with *why set (why must not be null) when a check
// refuses the frame or Cap'n Proto throws. `what` names the message in
// reasons ("switch request").
bool decode_message(std::string_view bytes, const Limits& limits, const char* what,
                    std::string* why, kj::FunctionParam<void(capnp::MessageReader&)> read);

// decode_message, then `read(root, why)` on its root, which returns
// std::optional<Out> (nullopt with *why set to refuse). why may be null.
template <typename Root, typename Out, typename Read>
std::optional<Out> decode_frame(std::string_view bytes, const Limits& limits, const char* what,
                                std::string* why, Read&& read) {
  std::string ignored;
  if (!why) why = &ignored;
  std::optional<Out> out;
  if (!decode_message(bytes, limits, what, why, [&](capnp::MessageReader& reader) {
        out = read(reader.getRoot<Root>(), why);
      }))
    return std::nullopt;
  return out;
}

}  // namespace huawu::frame
