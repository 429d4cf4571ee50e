# SPDX-FileCopyrightText: 2026 The qtwisted authors
# SPDX-License-Identifier: MIT
# qtwisted_add_library(<target> EXPORT_NAME <Name> [INSTALL] [EXPORT_SET <set>, default QTwistedTargets]
#                      SOURCES <files...> [PUBLIC_LIBRARIES <targets...>] [PRIVATE_LIBRARIES <targets...>])
# Adds one of the project's libraries the same way for all of them: a static library `qtwisted_<x>` aliased as
# QTwisted::<Name>, built as position-independent code with the project's warnings, its headers in the `include/`
# folder beside the calling CMakeLists.txt, and, with INSTALL (and QTWISTED_INSTALL on), installed into the QTwisted
# package's export set with those headers. Resources added later with qt_add_resources(... OUTPUT_TARGETS <var>)
# are installed with qtwisted_install_resource_targets(<var's value>).
function(qtwisted_add_library target)
    cmake_parse_arguments(ARG "INSTALL" "EXPORT_NAME;EXPORT_SET" "SOURCES;PUBLIC_LIBRARIES;PRIVATE_LIBRARIES" ${ARGN})
    if(NOT ARG_EXPORT_NAME)
        message(FATAL_ERROR "qtwisted_add_library(${target}): EXPORT_NAME is required")
    endif()
    add_library(${target} STATIC ${ARG_SOURCES})
    add_library(QTwisted::${ARG_EXPORT_NAME} ALIAS ${target})
    target_include_directories(${target} PUBLIC
        $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
        $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    target_link_libraries(${target}
        PUBLIC ${ARG_PUBLIC_LIBRARIES}
        PRIVATE ${ARG_PRIVATE_LIBRARIES} $<BUILD_INTERFACE:QTwisted::CompilerOptions>)
    string(REPLACE "_" "-" output_name "${target}")
    set_target_properties(${target} PROPERTIES
        OUTPUT_NAME ${output_name}
        EXPORT_NAME ${ARG_EXPORT_NAME}
        POSITION_INDEPENDENT_CODE ON
        VERSION ${PROJECT_VERSION})
    if(NOT ARG_EXPORT_SET)
        set(ARG_EXPORT_SET QTwistedTargets)
    endif()
    if(ARG_INSTALL AND QTWISTED_INSTALL)
        install(TARGETS ${target}
            EXPORT ${ARG_EXPORT_SET}
            ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT QTwisted_Development
            LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT QTwisted_Runtime)
        install(DIRECTORY include/qtwisted
            DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
            COMPONENT QTwisted_Development
            FILES_MATCHING PATTERN "*.h")
    endif()
endfunction()

# Installs the object libraries qt_add_resources() made for a static library: its users link them too.
function(qtwisted_install_resource_targets)
    if(QTWISTED_INSTALL AND ARGN)
        install(TARGETS ${ARGN}
            EXPORT QTwistedTargets
            OBJECTS DESTINATION ${CMAKE_INSTALL_LIBDIR}/qtwisted COMPONENT QTwisted_Development)
    endif()
endfunction()
