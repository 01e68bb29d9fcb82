#include "events/frame_codec.h"

#include <capnp/serialize.h>

#include <cstring>

namespace huawu::frame {

kj::ArrayPtr<const capnp::word> as_words(std::string_view bytes, std::vector<capnp::word>& buffer) {
  const std::size_t words = bytes.size() / sizeof(capnp::word);
  if (reinterpret_cast<std::uintptr_t>(bytes.data()) % alignof(capnp::word) == 0)
    return {reinterpret_cast<const capnp::word*>(bytes.data()), words};
  buffer.resize(words);
  std::memcpy(buffer.data(), bytes.data(), words * sizeof(capnp::word));
  return {buffer.data(), words};
}

kj::ArrayPtr<const capnp::word> as_words(std::string_view bytes) {
  thread_local std::vector<capnp::word> scratch;
  return as_words(bytes, scratch);
}

std::string text(capnp::Text::Reader reader) { return std::string(reader.cStr(), reader.size()); }

capnp::Text::Reader as_text(const std::string& s) {
  return capnp::Text::Reader(s.data(), s.size());
}

std::size_t text_words(std::size_t bytes) { return bytes / sizeof(capnp::word) + 1; }

std::string serialize_message(capnp::MessageBuilder& message) {
  std::string out(capnp::computeSerializedSizeInWords(message) * sizeof(capnp::word), '\0');
  kj::ArrayOutputStream stream(kj::arrayPtr(reinterpret_cast<kj::byte*>(out.data()), out.size()));
  capnp::writeMessage(stream, message);
  return out;
}

std::string describe(const kj::Exception& e) {
  std::string out(e.getDescription().begin(), e.getDescription().size());
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

bool fail(std::string* why, std::string reason) {
  *why = std::move(reason);
  return false;
}

// ---- the shape of a frame -----------------------------------------------------
//
// Visits every object reachable from the root through Cap'n Proto's checked
// getters, fields this build does not know included. Each visit is charged to
// the reader's traversal limit and each level to its nesting limit, so a
// hand-made frame (deep nesting, many pointers to one object, a list claiming
// more than the frame holds) throws here, before any field is read. The work
// is bounded by the traversal limit.

namespace {

bool walk_struct(capnp::AnyStruct::Reader object, std::string* why) {
  for (auto pointer : object.getPointerSection())
    if (!walk(pointer, why)) return false;
  return true;
}

}  // namespace

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

// ---- the checks every frame gets ------------------------------------------------

bool decode_message(std::string_view bytes, const Limits& limits, const char* what,
                    std::string* why, kj::FunctionParam<void(capnp::MessageReader&)> read) {
  if (bytes.size() > limits.bytes_max) {
    *why = std::string(what) + " of " + std::to_string(bytes.size()) +
           " bytes is larger than the " + limits.limit_name + " of " +
           std::to_string(limits.bytes_max);
    return false;
  }
  if (bytes.size() % sizeof(capnp::word) != 0) {
    *why =
        std::string(what) + " length " + std::to_string(bytes.size()) + " is not a multiple of 8";
    return false;
  }
  kj::Maybe<kj::Exception> failure = kj::runCatchingExceptions([&] {
    std::vector<capnp::word> aligned;  // when the buffer is not reused: freed on return
    const auto words = limits.reuse_buffer ? as_words(bytes) : as_words(bytes, aligned);
    capnp::ReaderOptions options;
    options.traversalLimitInWords = limits.reader_words_max;
    options.nestingLimit = limits.nesting_max;
    capnp::FlatArrayMessageReader reader(words, options);
    if (reader.getEnd() != words.end()) {
      *why = std::string(what) + " has bytes after its message";
      return;
    }
    if (!walk(reader.getRoot<capnp::AnyPointer>(), why)) return;
    read(reader);
  });
  KJ_IF_MAYBE(e, failure) {
    *why = std::string("malformed ") + what + ": " + describe(*e);
    return false;
  }
  return true;
}

}  // namespace huawu::frame
