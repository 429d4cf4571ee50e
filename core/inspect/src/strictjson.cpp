// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "strictjson_p.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace qtwisted::detail {

namespace {

bool isSpace(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool isDigit(char c) noexcept
{
    return c >= '0' && c <= '9';
}

bool isDelimiter(char c) noexcept
{
    return isSpace(c) || c == ',' || c == ':' || c == '[' || c == ']' || c == '{' || c == '}' || c == '"';
}

int hexValue(char c) noexcept
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/// The four hex digits at `at`, or -1.
int hex4(QByteArrayView in, qsizetype at) noexcept
{
    if (at + 4 > in.size())
        return -1;
    int code = 0;
    for (qsizetype i = at; i < at + 4; ++i) {
        const int h = hexValue(in[i]);
        if (h < 0)
            return -1;
        code = code * 16 + h;
    }
    return code;
}

qsizetype skipBom(QByteArrayView in) noexcept
{
    return in.startsWith("\xef\xbb\xbf") ? 3 : 0;
}

/// One pass over the raw text, token by token: tracks where it is (the JSON path), the key sets of the open objects
/// and the nesting depth. It relies on Qt's parser for the syntax, so on text Qt refused it only reads the part Qt
/// read (it never crashes on anything, it just does not judge what it does not understand).
class Scanner {
public:
    Scanner(QByteArrayView input, int maxDepth, const QString* target = nullptr)
        : m_in(input)
        , m_maxDepth(maxDepth)
        , m_target(target)
    {
    }

    /// False at the first broken rule (or, when locating, once the target was found).
    bool run()
    {
        qsizetype i = skipBom(m_in);
        while (i < m_in.size()) {
            const char c = m_in[i];
            if (isSpace(c)) {
                ++i;
            } else if (m_stack.empty() && m_rootDone) {
                return fail(QStringLiteral("$"), i, QStringLiteral("unexpected data after the end of the JSON value"));
            } else if (c == '{' || c == '[') {
                if (!valueStart(i))
                    return false;
                if (std::ssize(m_stack) >= m_maxDepth)
                    return fail(currentPath(), i, QStringLiteral("nesting deeper than %1 levels").arg(m_maxDepth));
                m_stack.emplace_back();
                m_stack.back().object = c == '{';
                m_awaitValue = c == '[';
                ++i;
            } else if (c == '}' || c == ']') {
                if (!m_stack.empty())
                    m_stack.pop_back();
                m_rootDone = m_stack.empty();
                m_awaitValue = false;
                ++i;
            } else if (c == ',') {
                if (!m_stack.empty()) {
                    Frame& top = m_stack.back();
                    if (top.object) {
                        top.expectKey = true;
                        m_awaitValue = false;
                    } else {
                        ++top.index;
                        m_awaitValue = true;
                    }
                }
                ++i;
            } else if (c == ':') {
                m_awaitValue = true;
                ++i;
            } else if (c == '"') {
                if (!string(i))
                    return false;
            } else {
                if (!scalar(i))
                    return false;
            }
        }
        return true;
    }

    QString errorMessage() const { return jsonErrorMessage(m_in, m_errorPath, m_errorOffset, m_errorRule); }
    JsonLocation found() const { return m_found; }
    QSet<QString>& nonIntegerNumbers() { return m_nonInteger; }

    /// Where the scan stopped: a value cut off by the end (its path; a number's or literal's start), else the value
    /// it waits for, else the innermost open container (at `stop`, where Qt stopped).
    struct Position {
        QString path;
        qsizetype offset = 0;
        bool cutNumber = false; ///< a well-formed number reached the end
    };
    Position position(qsizetype stop) const
    {
        if (m_cut != Cut::None)
            return { currentPath(), m_cut == Cut::String ? stop : m_cutStart, m_cut == Cut::Number };
        return { m_awaitValue ? currentPath() : containerPath(), stop, false };
    }

private:
    struct Frame {
        bool object = false;
        qsizetype index = 0; ///< arrays: the current element
        bool expectKey = true; ///< objects: the next string is a key
        bool hasKey = false;
        QString key; ///< objects: the current member's key
        qsizetype keyOffset = -1;
        QSet<QString> keys;
    };

    bool fail(const QString& path, qsizetype offset, const QString& rule)
    {
        m_errorPath = path;
        m_errorOffset = offset;
        m_errorRule = rule;
        return false;
    }

    QString pathOf(std::size_t frames) const
    {
        QString path = QStringLiteral("$");
        for (std::size_t f = 0; f < frames; ++f) {
            const Frame& frame = m_stack[f];
            if (frame.object && frame.hasKey)
                path = jsonPathKey(path, frame.key);
            else if (!frame.object)
                path = jsonPathIndex(path, frame.index);
        }
        return path;
    }

    QString currentPath() const { return pathOf(m_stack.size()); }
    QString containerPath() const { return pathOf(m_stack.empty() ? 0 : m_stack.size() - 1); }

    /// A value begins at `offset`: when locating, is it the one?
    bool valueStart(qsizetype offset)
    {
        m_awaitValue = false;
        m_rootDone = m_stack.empty(); // a top-level string or scalar (Qt refuses them; the scan never stops there)
        if (!m_target || currentPath() != *m_target)
            return true;
        m_found.value = offset;
        if (!m_stack.empty() && m_stack.back().object)
            m_found.key = m_stack.back().keyOffset;
        return fail(*m_target, offset, QStringLiteral("found"));
    }

    /// The input ends inside the string that starts at `start`.
    bool cutString(qsizetype& i, qsizetype start, bool isKey)
    {
        i = m_in.size();
        if (!isKey) {
            m_cut = Cut::String;
            m_cutStart = start;
        }
        return true;
    }

    /// A string at `i` (its opening quote); leaves `i` after it.
    bool string(qsizetype& i)
    {
        const qsizetype start = i;
        const bool isKey = !m_stack.empty() && m_stack.back().object && m_stack.back().expectKey;
        if (!isKey && !valueStart(start))
            return false;
        QString decoded;
        bool escaped = false;
        qsizetype runStart = ++i;
        while (i < m_in.size() && m_in[i] != '"') {
            const auto byte = static_cast<unsigned char>(m_in[i]);
            if (byte < 0x20) {
                return fail(currentPath(), i,
                    QStringLiteral("control character U+%1 must be escaped in a string")
                        .arg(QString::number(byte, 16).toUpper().rightJustified(4, QLatin1Char('0'))));
            }
            if (byte != '\\') {
                ++i;
                continue;
            }
            if (isKey) {
                decoded += QString::fromUtf8(m_in.sliced(runStart, i - runStart));
                escaped = true;
            }
            if (i + 6 > m_in.size() && (i + 1 >= m_in.size() || m_in[i + 1] == 'u'))
                return cutString(i, start, isKey); // cut off: Qt has said so
            const char e = m_in[i + 1];
            if (e == 'u') {
                const int code = hex4(m_in, i + 2);
                if (code < 0)
                    return fail(currentPath(), i, QStringLiteral("invalid \\u escape: expected 4 hex digits"));
                int low = -1;
                if (code >= 0xd800 && code <= 0xdbff && i + 7 < m_in.size() && m_in[i + 6] == '\\'
                    && m_in[i + 7] == 'u')
                    low = hex4(m_in, i + 8);
                const bool paired = low >= 0xdc00 && low <= 0xdfff;
                if ((code >= 0xd800 && code <= 0xdfff) && !paired) {
                    return fail(
                        currentPath(), i, QStringLiteral("lone surrogate \\u%1").arg(code, 4, 16, QLatin1Char('0')));
                }
                if (isKey) {
                    decoded += QChar(static_cast<char16_t>(code));
                    if (paired)
                        decoded += QChar(static_cast<char16_t>(low));
                }
                i += paired ? 12 : 6;
            } else {
                static constexpr char kEscapes[] = "\"\\/bfnrt";
                static constexpr char kMeaning[] = "\"\\/\b\f\n\r\t";
                const char* at = std::find(kEscapes, kEscapes + 8, e);
                if (at == kEscapes + 8) {
                    return fail(currentPath(), i,
                        QStringLiteral("invalid escape '\\%1'").arg(QString::fromUtf8(m_in.sliced(i + 1, 1))));
                }
                if (isKey)
                    decoded += QLatin1Char(kMeaning[at - kEscapes]);
                i += 2;
            }
            runStart = i;
        }
        if (i >= m_in.size())
            return cutString(i, start, isKey); // unterminated: Qt has said so
        if (isKey) {
            QString key = escaped ? decoded + QString::fromUtf8(m_in.sliced(runStart, i - runStart))
                                  : QString::fromUtf8(m_in.sliced(runStart, i - runStart));
            Frame& top = m_stack.back();
            top.expectKey = false;
            top.hasKey = true;
            top.keyOffset = start;
            top.key = key;
            if (!m_target && top.keys.contains(key))
                return fail(currentPath(), start, QStringLiteral("duplicate key"));
            if (!m_target)
                top.keys.insert(std::move(key));
        }
        ++i;
        return true;
    }

    /// A number or a literal at `i`; leaves `i` after it.
    bool scalar(qsizetype& i)
    {
        const qsizetype start = i;
        while (i < m_in.size() && !isDelimiter(m_in[i]))
            ++i;
        if (!valueStart(start))
            return false;
        const QByteArrayView token = m_in.sliced(start, i - start);
        if (i == m_in.size()) {
            m_cut = Cut::Scalar;
            m_cutStart = start;
        }
        if (token == "NaN" || token == "Infinity" || token == "-Infinity")
            return fail(currentPath(), start, QStringLiteral("NaN and Infinity are not allowed in JSON"));
        const char first = token.front();
        if (first != '-' && first != '.' && !isDigit(first)) {
            if (token == "true" || token == "false" || token == "null")
                return true;
            const auto byte = static_cast<unsigned char>(first);
            QString found;
            if (byte < 0x20)
                found = QStringLiteral("control character U+%1")
                            .arg(QString::number(byte, 16).toUpper().rightJustified(4, QLatin1Char('0')));
            else if (byte >= 0x80)
                found = QStringLiteral("byte 0x%1").arg(QString::number(byte, 16).toUpper());
            else
                found = QLatin1Char('\'') + QString::fromUtf8(token.first(std::min<qsizetype>(token.size(), 20)))
                    + QLatin1Char('\'');
            const bool key = !m_stack.empty() && m_stack.back().object && m_stack.back().expectKey;
            return fail(key ? containerPath() : currentPath(), start,
                (key ? QStringLiteral("expected a key in double quotes, found %1")
                     : QStringLiteral("expected a value, found %1"))
                    .arg(found));
        }
        // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
        qsizetype p = first == '-' ? 1 : 0;
        auto digits = [&] {
            const qsizetype from = p;
            while (p < token.size() && isDigit(token[p]))
                ++p;
            return p > from;
        };
        const auto invalid = [&](const char* what) {
            return fail(currentPath(), start, QStringLiteral("invalid number: %1").arg(QLatin1String(what)));
        };
        if (p >= token.size() || !isDigit(token[p]))
            return invalid("expected a digit first");
        if (token[p] == '0' && p + 1 < token.size() && isDigit(token[p + 1]))
            return fail(currentPath(), start, QStringLiteral("leading zeros are not allowed"));
        digits();
        bool integer = true;
        if (p < token.size() && token[p] == '.') {
            ++p;
            integer = false;
            if (!digits())
                return invalid("expected a digit after '.'");
        }
        if (p < token.size() && (token[p] == 'e' || token[p] == 'E')) {
            ++p;
            integer = false;
            if (p < token.size() && (token[p] == '+' || token[p] == '-'))
                ++p;
            if (!digits())
                return invalid("expected a digit in the exponent");
        }
        if (p != token.size())
            return invalid("unexpected characters");
        if (!integer && !m_target)
            m_nonInteger.insert(currentPath());
        if (m_cut == Cut::Scalar)
            m_cut = Cut::Number;
        return true;
    }

    enum class Cut : std::uint8_t { None, String, Scalar, Number };

    QByteArrayView m_in;
    Cut m_cut = Cut::None;
    qsizetype m_cutStart = 0;
    int m_maxDepth;
    const QString* m_target;
    std::vector<Frame> m_stack;
    bool m_awaitValue = true;
    bool m_rootDone = false; ///< the top-level value has been read
    QSet<QString> m_nonInteger;
    JsonLocation m_found;
    QString m_errorPath;
    qsizetype m_errorOffset = 0;
    QString m_errorRule;
};

bool isIdentifier(const QString& key)
{
    if (key.isEmpty() || key.front().isDigit())
        return false;
    return std::all_of(key.begin(), key.end(), [](QChar c) {
        return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') || c == u'_';
    });
}

} // namespace

TextPosition textPosition(QByteArrayView input, qsizetype offset) noexcept
{
    TextPosition pos;
    offset = std::clamp<qsizetype>(offset, 0, input.size());
    for (qsizetype i = 0; i < offset; ++i) {
        const auto byte = static_cast<unsigned char>(input[i]);
        if (byte == '\n') {
            ++pos.line;
            pos.column = 1;
        } else if ((byte & 0xc0U) != 0x80U) {
            ++pos.column; // a continuation byte is part of a character already counted
        }
    }
    return pos;
}

QString jsonErrorMessage(QByteArrayView input, const QString& path, qsizetype offset, const QString& rule)
{
    const TextPosition pos = textPosition(input, offset);
    return QStringLiteral("%1: %2 (line %3, column %4)").arg(path, rule).arg(pos.line).arg(pos.column);
}

void appendJsonString(QByteArray& out, QStringView text)
{
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    for (const char c : text.toUtf8()) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            out += "\\u00";
            out += kHex[u >> 4];
            out += kHex[u & 0xf];
        } else {
            out += c;
        }
    }
    out += '"';
}

QString jsonPathKey(const QString& path, const QString& key)
{
    if (isIdentifier(key))
        return path + QLatin1Char('.') + key;
    QByteArray quoted;
    appendJsonString(quoted, key);
    return path + QLatin1Char('[') + QString::fromUtf8(quoted) + QLatin1Char(']');
}

QString jsonPathIndex(const QString& path, qsizetype index)
{
    return path + QLatin1Char('[') + QString::number(index) + QLatin1Char(']');
}

std::optional<StrictJson> parseStrictJson(QByteArrayView input, const StrictJsonLimits& limits, QString* error)
{
    auto refuse = [&](const QString& message) -> std::optional<StrictJson> {
        if (error)
            *error = message;
        return std::nullopt;
    };
    if (input.size() > limits.maxBytes) {
        return refuse(jsonErrorMessage(input, QStringLiteral("$"), 0,
            QStringLiteral("the input is %1 bytes, more than the limit of %2 bytes")
                .arg(input.size())
                .arg(limits.maxBytes)));
    }
    const QByteArrayView body = input.sliced(skipBom(input));
    if (std::all_of(body.begin(), body.end(), isSpace))
        return refuse(jsonErrorMessage(input, QStringLiteral("$"), input.size(), QStringLiteral("empty input")));

    QJsonParseError parseError {};
    const QJsonDocument doc = QJsonDocument::fromJson(input.toByteArray(), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        // What Qt read before it stopped may break a rule of ours first (a 100000-deep '[' is refused at depth 65).
        // The scan reads on to the end of the token Qt stopped in, to name it ("NaN", "hello").
        const qsizetype qtStop = std::clamp<qsizetype>(parseError.offset, 0, input.size());
        qsizetype stop = qtStop;
        while (stop < input.size() && !isDelimiter(input[stop]))
            ++stop;
        Scanner prefix(input.first(stop), limits.maxDepth);
        if (!prefix.run())
            return refuse(prefix.errorMessage());
        const Scanner::Position at = prefix.position(qtStop);
        const QString rule = parseError.error == QJsonParseError::IllegalNumber && at.cutNumber
            ? QStringLiteral("number out of the range of a double")
            : QStringLiteral("not valid JSON: %1").arg(parseError.errorString());
        return refuse(jsonErrorMessage(input, at.path, at.offset, rule));
    }
    Scanner scanner(input, limits.maxDepth);
    if (!scanner.run())
        return refuse(scanner.errorMessage());
    StrictJson result;
    result.root = doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
    result.nonIntegerNumbers = std::move(scanner.nonIntegerNumbers());
    return result;
}

JsonLocation locateJson(QByteArrayView input, const QString& path)
{
    Scanner scanner(input, std::numeric_limits<int>::max(), &path);
    scanner.run();
    return scanner.found();
}

} // namespace qtwisted::detail
