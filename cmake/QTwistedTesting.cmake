# SPDX-FileCopyrightText: 2026 The qtwisted authors
# SPDX-License-Identifier: MIT
# qtwisted_add_test(<name> SOURCES ... [LABELS ...] [TIMEOUT s] [LIBRARIES ...] [GUI])
# One QtTest executable per class, registered with CTest with a label, a hard timeout and, for GUI tests, the
# offscreen platform.
function(qtwisted_add_test name)
    cmake_parse_arguments(ARG "GUI" "TIMEOUT" "SOURCES;LABELS;LIBRARIES" ${ARGN})
    if(NOT ARG_TIMEOUT)
        set(ARG_TIMEOUT 120)
    endif()
    if(NOT ARG_LABELS)
        set(ARG_LABELS core)
    endif()
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE QTwisted::Core Qt6::Test QTwisted::CompilerOptions ${ARG_LIBRARIES})
    add_test(NAME ${name} COMMAND ${name})
    set(env "QT_FATAL_CRITICALS=0")
    if(ARG_GUI)
        list(APPEND env "QT_QPA_PLATFORM=offscreen")
    endif()
    set_tests_properties(${name} PROPERTIES
        LABELS "${ARG_LABELS}"
        TIMEOUT ${ARG_TIMEOUT}
        ENVIRONMENT "${env}")
endfunction()
