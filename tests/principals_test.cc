// Principals and operation passwords (issue 4, clauses 5 and B3.6): argon2id
// hashes at libsodium's interactive limits, principals as events that never
// carry a hash, the hash stored beside the event in the same write, every bad
// input as a named rejection, and the login guard (a wrong name and a wrong
// password look the same; repeated failures lock the name for a while).
#include <catch2/catch.hpp>

#include <sodium.h>

#include "events/codec.h"
#include "ledger/auth.h"
#include "tests/test_support.h"

namespace huawu {
namespace {

using test::TempDir;

struct Fixture {
  TempDir tmp;
  std::string path = tmp.sub("ledger");
  ManualClock clock{test::start_time_us};
  std::unique_ptr<Ledger> ledger = test::create_ledger(path, clock);
  int key = 0;

  Outcome submit(Command command) {
    return ledger->writer().submit_and_wait(
        Request{std::move(command), "k-" + std::to_string(key++), test::test_actor, 0});
  }
  std::string hash(const char* password) {
    std::string why;
    auto h = hash_password(password, &why);
    INFO(why);
    REQUIRE(h.has_value());
    return *h;
  }
};

TEST_CASE("passwords: argon2id at least at libsodium's interactive limits, salted, checked", "[principals]") {
  std::string why;
  const auto a = hash_password("correct horse", &why);
  const auto b = hash_password("correct horse", &why);
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(a->rfind("$argon2id$", 0) == 0);
  // m=65536 KiB (64 MiB) and t=2 are libsodium's interactive limits.
  CHECK(a->find("m=65536,t=2") != std::string::npos);
  CHECK(*a != *b);  // a fresh salt each time
  CHECK(verify_password(*a, "correct horse"));
  CHECK(verify_password(*b, "correct horse"));
  CHECK_FALSE(verify_password(*a, "correct horsE"));
  CHECK_FALSE(verify_password(*a, ""));
  CHECK_FALSE(verify_password("not a hash", "correct horse"));
  CHECK_FALSE(hash_password("short", &why).has_value());
  CHECK_FALSE(hash_password(std::string(password_length_max + 1, 'x'), &why).has_value());
}

TEST_CASE("principals: added with roles, named rejections, and no hash ever in the log", "[principals]") {
  Fixture f;
  REQUIRE(f.submit(AddAgent{"bj", "", "Beijing", 850}).rejection == Rejection::none);
  const std::string alice_hash = f.hash("alice-password");
  REQUIRE(f.submit(AddPrincipal{"alice", PrincipalRole::provider, "", alice_hash}).rejection == Rejection::none);
  REQUIRE(f.submit(AddPrincipal{"bob", PrincipalRole::agent, "bj", f.hash("bob-password")}).rejection ==
          Rejection::none);
  REQUIRE(f.submit(AddPrincipal{"carol", PrincipalRole::auditor, "", f.hash("carol-password")}).rejection ==
          Rejection::none);
  struct Row {
    const char* what;
    Command command;
    Rejection expect;
  };
  const std::string h = f.hash("some-password");
  const std::vector<Row> rows = {
      {"duplicate", AddPrincipal{"alice", PrincipalRole::auditor, "", h}, Rejection::principal_exists},
      {"bad name", AddPrincipal{"a b", PrincipalRole::auditor, "", h}, Rejection::principal_name_invalid},
      {"empty name", AddPrincipal{"", PrincipalRole::auditor, "", h}, Rejection::principal_name_invalid},
      {"agent role without agent", AddPrincipal{"x", PrincipalRole::agent, "", h}, Rejection::principal_agent_mismatch},
      {"auditor with an agent", AddPrincipal{"x", PrincipalRole::auditor, "bj", h}, Rejection::principal_agent_mismatch},
      {"unknown agent", AddPrincipal{"x", PrincipalRole::agent, "nobody", h}, Rejection::agent_not_found},
      {"not a hash", AddPrincipal{"x", PrincipalRole::provider, "", "plain-password"}, Rejection::password_hash_invalid},
      {"passwd of nobody", SetPrincipalPassword{"nobody", h}, Rejection::principal_not_found},
      {"passwd without a hash", SetPrincipalPassword{"alice", ""}, Rejection::password_hash_invalid},
  };
  for (const Row& row : rows) {
    INFO(row.what);
    CHECK(f.submit(row.command).rejection == row.expect);
  }
  // The hash is in the credentials family, written with the event.
  CHECK(f.ledger->store().get_credential("alice") == alice_hash);
  const std::string new_hash = f.hash("alice-new-password");
  REQUIRE(f.submit(SetPrincipalPassword{"alice", new_hash}).rejection == Rejection::none);
  CHECK(f.ledger->store().get_credential("alice") == new_hash);
  // The log records who changed what, never a hash (nor the salt's encoding).
  for (const StoredEvent& stored : test::read_log(f.ledger->store())) {
    const std::string bytes = encode_event(stored.event);
    CHECK(bytes.find("$argon2id$") == std::string::npos);
    CHECK(bytes.find(alice_hash.substr(30)) == std::string::npos);
    if (const auto* changed = std::get_if<PrincipalPasswordChanged>(&stored.event.payload)) {
      CHECK(changed->name == "alice");
      CHECK(stored.event.actor == test::test_actor);
    }
  }
  // The principals projection survives a reopen (checkpoint) and a rebuild.
  f.ledger.reset();
  f.ledger = test::open_ledger(f.path, f.clock);
  std::optional<PrincipalState> bob;
  f.ledger->writer().read_and_wait([&](const LedgerState& state) {
    if (const PrincipalState* p = state.principals().find("bob")) bob = *p;
    CHECK(state.principals().size() == 3);
  });
  REQUIRE(bob.has_value());
  CHECK(bob->role == PrincipalRole::agent);
  CHECK(bob->agent == "bj");
  CHECK(test::rebuild_from_log(f.ledger->store()).principals().size() == 3);
}

TEST_CASE("login guard: wrong name and wrong password look alike, repeated failures lock for a while",
          "[principals]") {
  Fixture f;
  REQUIRE(f.submit(AddPrincipal{"alice", PrincipalRole::provider, "", f.hash("alice-password")}).rejection ==
          Rejection::none);
  LoginGuard guard(3, 300, 900);
  const std::int64_t t = test::start_time_us;
  const Store& store = f.ledger->store();
  CHECK(guard.authenticate(store, "alice", "alice-password", t) == AuthResult::ok);
  CHECK(guard.authenticate(store, "alice", "wrong", t) == AuthResult::denied);
  CHECK(guard.authenticate(store, "nobody", "alice-password", t) == AuthResult::denied);
  // A success clears the count; three failures in the window lock the name,
  // even against the right password.
  CHECK(guard.authenticate(store, "alice", "alice-password", t) == AuthResult::ok);
  for (int i = 0; i < 3; ++i) CHECK(guard.authenticate(store, "alice", "wrong", t + i) == AuthResult::denied);
  CHECK(guard.authenticate(store, "alice", "alice-password", t + 10) == AuthResult::locked);
  CHECK(guard.authenticate(store, "alice", "alice-password", t + 899'000'000) == AuthResult::locked);
  CHECK(guard.authenticate(store, "alice", "alice-password", t + 901'000'000) == AuthResult::ok);
  // Failures spread wider than the window do not add up.
  for (int i = 0; i < 4; ++i)
    CHECK(guard.authenticate(store, "alice", "wrong", t + 1'000'000'000 + i * 200'000'000LL) == AuthResult::denied);
  CHECK(guard.authenticate(store, "alice", "alice-password", t + 1'900'000'000) == AuthResult::ok);
  // Names that do not exist are locked the same way.
  for (int i = 0; i < 3; ++i) CHECK(guard.authenticate(store, "ghost", "x", t + i) == AuthResult::denied);
  CHECK(guard.authenticate(store, "ghost", "x", t + 10) == AuthResult::locked);
}

}  // namespace
}  // namespace huawu
