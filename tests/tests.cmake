# Unit tests: one cmocka program per tests/unit/test_<module>.c, one ctest each.
if(NOT CMOCKA_FOUND)
  message(FATAL_ERROR "cmocka not found: run 'make deps' (installs libcmocka-dev)")
endif()
file(GLOB TSC_UNIT_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/unit/test_*.c)
foreach(src ${TSC_UNIT_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_link_libraries(${name} PRIVATE tlsscope_lib PkgConfig::CMOCKA)
  add_test(NAME unit/${name} COMMAND ${name})
  set_tests_properties(unit/${name} PROPERTIES ENVIRONMENT
                       "TSC_SOURCE_DIR=${CMAKE_SOURCE_DIR};TSC_BINARY_DIR=${CMAKE_BINARY_DIR}")
endforeach()
