// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <QLoggingCategory>

namespace qtwisted {
Q_DECLARE_LOGGING_CATEGORY(lcDeferred)
Q_DECLARE_LOGGING_CATEGORY(lcReactor)
Q_DECLARE_LOGGING_CATEGORY(lcThreadPool)
Q_DECLARE_LOGGING_CATEGORY(lcDiagnostics)
} // namespace qtwisted
