# SPDX-FileCopyrightText: 2026 The qtwisted authors
# SPDX-License-Identifier: MIT
# CTest driver (cmake -P): builds and runs tests/consumer against qtwisted.
#   MODE=install: `cmake --install` BUILD_DIR into a fresh prefix under WORK_DIR, then find_package(QTwisted)
#   MODE=fetchcontent: FetchContent from SOURCE_DIR
# Passed through: CXX_COMPILER, BUILD_TYPE, CXX_FLAGS (the sanitizer flags the library was built with), GENERATOR,
# QT6_DIR.
foreach(var MODE SOURCE_DIR BUILD_DIR WORK_DIR CXX_COMPILER GENERATOR)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "run.cmake: ${var} is not set")
    endif()
endforeach()

function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        list(JOIN ARGN " " cmd)
        message(FATAL_ERROR "failed (${rc}): ${cmd}")
    endif()
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(configure_args
    -S "${SOURCE_DIR}/tests/consumer" -B "${WORK_DIR}/build" -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
    "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
    "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${CXX_FLAGS}")
if(MODE STREQUAL "install")
    run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix" --component QTwisted_Development)
    if(NOT EXISTS "${WORK_DIR}/prefix/include/qtwisted/detail/chain.h")
        message(FATAL_ERROR "the install is missing include/qtwisted/detail/chain.h")
    endif()
    foreach(file IN ITEMS include/qtwisted/testing.h lib/cmake/QTwisted/QTwistedTestingTargets.cmake)
        if(NOT EXISTS "${WORK_DIR}/prefix/${file}")
            message(FATAL_ERROR "the install is missing ${file}")
        endif()
    endforeach()
    if(NOT EXISTS "${WORK_DIR}/prefix/include/qtwisted/inspect/tracedata.h")
        message(FATAL_ERROR "the install is missing include/qtwisted/inspect/tracedata.h")
    endif()
    # Only the fresh prefix (and the system, for Qt) is searched: nothing of the build tree may leak in.
    run("${CMAKE_COMMAND}" ${configure_args} "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix" "-DQt6_DIR=${QT6_DIR}"
        -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
elseif(MODE STREQUAL "fetchcontent")
    run("${CMAKE_COMMAND}" ${configure_args} "-DQTWISTED_SOURCE_DIR=${SOURCE_DIR}" "-DQt6_DIR=${QT6_DIR}")
else()
    message(FATAL_ERROR "run.cmake: unknown MODE ${MODE}")
endif()
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build" -j 2)
run("${WORK_DIR}/build/consumer")
run("${WORK_DIR}/build/consumer_inspect")
run("${WORK_DIR}/build/consumer_testing")
run("${WORK_DIR}/build/heartbeat/heartbeat" --autoquit)
run("${WORK_DIR}/build/heartbeat/tst_heartbeat")
