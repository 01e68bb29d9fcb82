# Store, writer, audit, property and crash tests (tests/CMakeLists.txt includes this file).

# Temp directories, ledgers on a ManualClock, request builders, raw RocksDB access.
# No Catch here: crash_child links it too.
add_library(huawu_store_test_support STATIC test_support.cc)
target_link_libraries(huawu_store_test_support PUBLIC huawu_ledger PRIVATE huawu_flags)

foreach(test_name store_test writer_test audit_test property_test crash_test calls_property_test principals_test
    kamailio_connector_test)
  add_executable(${test_name} ${test_name}.cc)
  huawu_test_sources(${test_name})
  target_link_libraries(${test_name}
    PRIVATE huawu_store_test_support huawu_test_main huawu_ledger huawu_flags)
  catch_discover_tests(${test_name} TEST_PREFIX "${test_name}: " PROPERTIES LABELS store TIMEOUT 300)
endforeach()
target_link_libraries(kamailio_connector_test PRIVATE huawu_kamailio)

# The child process the crash test starts and SIGKILLs.
add_executable(crash_child crash_child.cc)
target_link_libraries(crash_child PRIVATE huawu_store_test_support huawu_ledger huawu_flags)

# Tests that run other programs find them by absolute path, built first.
target_compile_definitions(audit_test PRIVATE HUAWU_BIN="$<TARGET_FILE:huawu>")
add_dependencies(audit_test huawu)
target_compile_definitions(crash_test PRIVATE HUAWU_CRASH_CHILD="$<TARGET_FILE:crash_child>")
add_dependencies(crash_test crash_child)

# Integration tests that start the real daemon (`huawu serve`) on loopback ports.
add_library(huawu_daemon_test_support STATIC daemon_support.cc)
target_link_libraries(huawu_daemon_test_support
  PUBLIC huawu_ledger cppzmq nlohmann_json::nlohmann_json PRIVATE huawu_flags)
target_compile_definitions(huawu_daemon_test_support PRIVATE HUAWU_BIN="$<TARGET_FILE:huawu>")
add_dependencies(huawu_daemon_test_support huawu)
foreach(test_name daemon_test daemon_cards_test daemon_contracts_test daemon_crash_test)
  add_executable(${test_name} ${test_name}.cc)
  huawu_test_sources(${test_name})
  target_link_libraries(${test_name}
    PRIVATE huawu_daemon_test_support huawu_store_test_support huawu_test_main huawu_flags)
  catch_discover_tests(${test_name} TEST_PREFIX "${test_name}: " PROPERTIES LABELS daemon TIMEOUT 300)
endforeach()

# Authorize latency while slow queries run (issue 16). It measures time, so
# it is a benchmark (ops/bench/slow_query.sh runs it), not a CTest test: on a
# shared machine its 2x bound failed under load from other processes.
add_executable(daemon_latency_test daemon_latency_test.cc)
huawu_test_sources(daemon_latency_test)
target_link_libraries(daemon_latency_test
  PRIVATE huawu_daemon_test_support huawu_store_test_support huawu_test_main huawu_flags)

# SIP integration tests (issue 15): the daemon with its Kamailio connector, a real
# Kamailio (ops/kamailio/run.sh with huawu.cfg) and SIPp callers and callee
# (tests/sipp/*.xml), on loopback ports chosen at run time. They fail, never
# skip, when kamailio or sipp is missing (ops/deps.sh installs them).
add_executable(kamailio_sip_test kamailio_sip_test.cc kamailio_support.cc)
huawu_test_sources(kamailio_sip_test)
target_link_libraries(kamailio_sip_test
  PRIVATE huawu_daemon_test_support huawu_store_test_support huawu_test_main huawu_flags)
target_compile_definitions(kamailio_sip_test PRIVATE
  HUAWU_KAMAILIO_RUN_SH="${PROJECT_SOURCE_DIR}/ops/kamailio/run.sh"
  HUAWU_KAMAILIO_CFG="${PROJECT_SOURCE_DIR}/ops/kamailio/huawu.cfg"
  HUAWU_SIPP_DIR="${PROJECT_SOURCE_DIR}/tests/sipp")
catch_discover_tests(kamailio_sip_test TEST_PREFIX "kamailio_sip_test: " PROPERTIES LABELS daemon TIMEOUT 300)
