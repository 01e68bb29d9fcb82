# Unit tests of value types (money, ids), the event codec, the balances
# projection and decide. One executable per test file, each TEST_CASE
# registered with CTest on its own as "<file>/<test case>" with the label
# "unit", so `ctest -R money_test` or `ctest -L unit` picks them out.
foreach(unit_test money_test ids_test codec_test fingerprint_test balances_test decide_test rating_test rate_csv_test config_test switch_codec_test control_codec_test switch_sim_test calls_decide_test calls_projection_test reply_times_test agents_test agents_money_test scope_test cards_test calendar_test contracts_test amendments_test tickets_test promotions_test alerts_test verb_table_test)
  add_executable(${unit_test} ${unit_test}.cc)
  huawu_test_sources(${unit_test})
  target_link_libraries(${unit_test} PRIVATE huawu_test_main huawu_ledger huawu_flags)
  catch_discover_tests(${unit_test} TEST_PREFIX "${unit_test}/" PROPERTIES LABELS unit)
endforeach()
target_compile_definitions(config_test PRIVATE
  HUAWU_EXAMPLE_CONFIG="${PROJECT_SOURCE_DIR}/ops/huawu.example.toml")
target_link_libraries(switch_sim_test PRIVATE huawu_cli cppzmq)
target_link_libraries(scope_test PRIVATE huawu_cli)
target_link_libraries(verb_table_test PRIVATE huawu_cli)

# The Kamailio connector's pure parts (issue 15): framing, messages, Call-ID
# mapping, SIP codes, CDR files and the dialog list's replies. One executable.
add_executable(kamailio_test kamailio_test.cc kamailio_files_test.cc)
huawu_test_sources(kamailio_test)
target_link_libraries(kamailio_test PRIVATE huawu_test_main huawu_kamailio huawu_flags)
catch_discover_tests(kamailio_test TEST_PREFIX "kamailio_test/" PROPERTIES LABELS unit)
