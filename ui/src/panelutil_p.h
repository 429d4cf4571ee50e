// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <QFont>

namespace qtwisted::detail {

/// The fixed-width font of the log, the sources and the pool's numbers.
inline QFont monospaceFont()
{
    QFont f(QStringLiteral("monospace"));
    f.setStyleHint(QFont::TypeWriter);
    return f;
}

} // namespace qtwisted::detail
