# SPDX-FileCopyrightText: 2026 The qtwisted authors
# SPDX-License-Identifier: MIT
# One INTERFACE target carries the warnings and the strict Qt defines for every target of the project.
add_library(qtwisted_compiler_options INTERFACE)
add_library(QTwisted::CompilerOptions ALIAS qtwisted_compiler_options)

target_compile_features(qtwisted_compiler_options INTERFACE cxx_std_20)
target_compile_options(qtwisted_compiler_options INTERFACE
    $<$<CXX_COMPILER_ID:GNU,Clang>:
        -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wold-style-cast -Wnon-virtual-dtor
        -Woverloaded-virtual -Wsuggest-override>
    $<$<BOOL:${QTWISTED_WERROR}>:-Werror>)
target_compile_definitions(qtwisted_compiler_options INTERFACE
    QT_NO_KEYWORDS
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_FOREACH
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    QT_NO_URL_CAST_FROM_STRING
    QT_USE_QSTRINGBUILDER)

# Sanitizer lanes (CMakePresets.json: asan, tsan). Applied to every target through the same INTERFACE target.
set(QTWISTED_SANITIZE "" CACHE STRING "Sanitizers to build with, e.g. 'address;undefined' or 'thread'")
if(QTWISTED_SANITIZE)
    list(JOIN QTWISTED_SANITIZE "," _qtwisted_sanitizers)
    target_compile_options(qtwisted_compiler_options INTERFACE
        -fsanitize=${_qtwisted_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(qtwisted_compiler_options INTERFACE -fsanitize=${_qtwisted_sanitizers})
    if("undefined" IN_LIST QTWISTED_SANITIZE)
        # Qt is built without RTTI checks in mind: vptr checks on Qt's own objects report false positives.
        target_compile_options(qtwisted_compiler_options INTERFACE -fno-sanitize=vptr)
    endif()
endif()

# Fuzzing (preset `fuzz`, clang only): coverage instrumentation for everything, libFuzzer's main for tests/fuzz.
option(QTWISTED_FUZZ "Build the libFuzzer targets (clang)" OFF)
if(QTWISTED_FUZZ)
    target_compile_options(qtwisted_compiler_options INTERFACE -fsanitize=fuzzer-no-link)
endif()

# Schedule noise (test-only; preset tsan-noise): seeded yields and short sleeps at the core's hand-off points.
option(QTWISTED_SCHEDULE_NOISE "Inject seeded scheduling noise at hand-off points (tests only)" OFF)
if(QTWISTED_SCHEDULE_NOISE)
    target_compile_definitions(qtwisted_compiler_options INTERFACE QTWISTED_SCHEDULE_NOISE)
endif()
