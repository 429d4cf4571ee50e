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
