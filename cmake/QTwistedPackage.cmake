# SPDX-FileCopyrightText: 2026 The qtwisted authors
# SPDX-License-Identifier: MIT
# The installable package: `find_package(QTwisted 0.1 REQUIRED)` + `target_link_libraries(app PRIVATE QTwisted::Core)`.
# The targets are installed where they are defined (core/CMakeLists.txt); this file writes the export and the config
# and version files.
include(CMakePackageConfigHelpers)

set(QTWISTED_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/QTwisted"
    CACHE STRING "Where QTwistedConfig.cmake is installed, relative to the prefix")

install(EXPORT QTwistedTargets
    NAMESPACE QTwisted::
    FILE QTwistedTargets.cmake
    DESTINATION "${QTWISTED_INSTALL_CMAKEDIR}"
    COMPONENT QTwisted_Development)

if(TARGET qtwisted_testing)
    # QTwisted::Testing links Qt6::Test: its own export set, loaded only for find_package(... COMPONENTS Testing).
    install(EXPORT QTwistedTestingTargets
        NAMESPACE QTwisted::
        FILE QTwistedTestingTargets.cmake
        DESTINATION "${QTWISTED_INSTALL_CMAKEDIR}"
        COMPONENT QTwisted_Development)
endif()

configure_package_config_file(
    "${CMAKE_CURRENT_LIST_DIR}/QTwistedConfig.cmake.in"
    "${CMAKE_CURRENT_BINARY_DIR}/QTwistedConfig.cmake"
    INSTALL_DESTINATION "${QTWISTED_INSTALL_CMAKEDIR}")

# 0.x: a minor release may change the API (semantic versioning, item 4), so find_package(QTwisted 0.1) accepts
# 0.1.* only. From 1.0 on this becomes SameMajorVersion.
if(PROJECT_VERSION_MAJOR EQUAL 0)
    set(_qtwisted_compatibility SameMinorVersion)
else()
    set(_qtwisted_compatibility SameMajorVersion)
endif()
write_basic_package_version_file(
    "${CMAKE_CURRENT_BINARY_DIR}/QTwistedConfigVersion.cmake"
    VERSION ${PROJECT_VERSION}
    COMPATIBILITY ${_qtwisted_compatibility})
unset(_qtwisted_compatibility)

install(FILES
    "${CMAKE_CURRENT_BINARY_DIR}/QTwistedConfig.cmake"
    "${CMAKE_CURRENT_BINARY_DIR}/QTwistedConfigVersion.cmake"
    DESTINATION "${QTWISTED_INSTALL_CMAKEDIR}"
    COMPONENT QTwisted_Development)
