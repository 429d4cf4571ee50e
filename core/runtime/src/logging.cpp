// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "logging_p.h"

namespace qtwisted {
Q_LOGGING_CATEGORY(lcDeferred, "qtwisted.deferred")
Q_LOGGING_CATEGORY(lcReactor, "qtwisted.reactor")
Q_LOGGING_CATEGORY(lcThreadPool, "qtwisted.threadpool")
Q_LOGGING_CATEGORY(lcDiagnostics, "qtwisted.diagnostics")
} // namespace qtwisted
