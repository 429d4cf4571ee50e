// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonValue>
#include <QSet>
#include <QString>
#include <QStringView>

#include <optional>

namespace qtwisted::detail {

// Qt's JSON parser (QJsonDocument) reads the documents; what it lets through that the project's formats refuse is
// checked by one pass over the raw text (see parseStrictJson()). Errors name a JSON path (`$`, `$.steps[3].count`,
// `$["odd key"]`) and a line and column.

/// Line and column (from 1; the column counts characters, not bytes) of a byte offset into UTF-8 `input`.
struct TextPosition {
    int line = 1;
    int column = 1;
};
TextPosition textPosition(QByteArrayView input, qsizetype offset) noexcept;

/// "<path>: <rule> (line L, column C)", the position being that of `offset` in `input`.
QString jsonErrorMessage(QByteArrayView input, const QString& path, qsizetype offset, const QString& rule);

/// The project's one JSON string escaper (for the streaming trace writer and for keys in paths): appends `text` as a
/// JSON string literal with quotes; '"', '\\' and control characters are escaped, everything else is UTF-8.
void appendJsonString(QByteArray& out, QStringView text);

/// Appends a path segment for a key: `.name` for identifier-like keys, `["odd key"]` otherwise.
QString jsonPathKey(const QString& path, const QString& key);
QString jsonPathIndex(const QString& path, qsizetype index);

struct StrictJsonLimits {
    qsizetype maxBytes = qsizetype { 16 } * 1024 * 1024;
    int maxDepth = 64; ///< nested arrays/objects; the top-level container is depth 1
};

/// A document read by parseStrictJson().
struct StrictJson {
    QJsonValue root; ///< an object or an array (Qt refuses other top-level values)
    /// Paths of the numbers written with a fraction or an exponent ("1.0", "1e3"): Qt stores integral ones as
    /// integers, so this is how "must be an integer" can still refuse them.
    QSet<QString> nonIntegerNumbers;
};

/// Qt's parser plus what it does not refuse: duplicate keys (Qt keeps the last), nesting deeper than
/// limits.maxDepth, invalid escapes ("\q", which Qt drops), lone surrogates (\ud800), unescaped control characters
/// in strings, numbers like "1." or ".5", input larger than limits.maxBytes. Syntax errors are Qt's, with a line and
/// a column. On failure returns nullopt and sets `error` to one message (jsonErrorMessage()'s shape).
std::optional<StrictJson> parseStrictJson(QByteArrayView input, const StrictJsonLimits& limits, QString* error);

/// Where the value at `path` (and its key, in an object) starts in a document parseStrictJson() accepted; -1 for
/// what is not there.
struct JsonLocation {
    qsizetype value = -1;
    qsizetype key = -1;
};
JsonLocation locateJson(QByteArrayView input, const QString& path);

} // namespace qtwisted::detail
