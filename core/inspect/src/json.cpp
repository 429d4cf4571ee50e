// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "json_p.h"

#include <QSet>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <system_error>

namespace qtwisted::detail {

namespace {

constexpr qsizetype kLinearKeyScan = 16; // objects up to this size check duplicates without a hash set

bool isIdentifier(const QString& key)
{
    if (key.isEmpty())
        return false;
    for (qsizetype i = 0; i < key.size(); ++i) {
        const char16_t c = key.at(i).unicode();
        const bool letter = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || c == u'_';
        const bool digit = c >= u'0' && c <= u'9';
        if (!letter && !(digit && i > 0))
            return false;
    }
    return true;
}

QString hexByte(unsigned char byte)
{
    return QStringLiteral("0x") + QString::number(byte, 16).rightJustified(2, QLatin1Char('0')).toUpper();
}

QString codePoint(char32_t c)
{
    return QStringLiteral("U+")
        + QString::number(static_cast<uint>(c), 16).rightJustified(4, QLatin1Char('0')).toUpper();
}

/// Names the character at `p` for a message: 'x' for printable ASCII, else its byte value.
QString describeByte(char c)
{
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x21 && byte < 0x7f)
        return QStringLiteral("'%1'").arg(QLatin1Char(c));
    if (byte < 0x20 || byte == 0x7f)
        return QStringLiteral("control character %1").arg(codePoint(byte));
    if (byte == 0x20)
        return QStringLiteral("a space");
    return QStringLiteral("byte %1").arg(hexByte(byte));
}

QString loneSurrogate(char16_t unit)
{
    return QStringLiteral("lone surrogate \\u")
        + QString::number(static_cast<uint>(unit), 16).rightJustified(4, QLatin1Char('0'));
}

class Parser {
public:
    Parser(QByteArrayView input, const JsonLimits& limits)
        : m_begin(input.data())
        , m_p(input.data())
        , m_end(input.data() + input.size())
        , m_limits(limits)
    {
    }

    std::optional<JsonValue> parse()
    {
        if (m_end - m_p >= 3 && static_cast<unsigned char>(m_p[0]) == 0xef && static_cast<unsigned char>(m_p[1]) == 0xbb
            && static_cast<unsigned char>(m_p[2]) == 0xbf)
            m_p += 3;
        skipWhitespace();
        if (m_p == m_end) {
            fail(QStringLiteral("empty input"));
            return std::nullopt;
        }
        JsonValue root;
        if (!parseValue(root))
            return std::nullopt;
        skipWhitespace();
        if (m_p != m_end) {
            fail(QStringLiteral("unexpected %1 after the end of the JSON value").arg(describeByte(*m_p)));
            return std::nullopt;
        }
        return root;
    }

    QString errorPath() const { return m_errorPath; }
    qsizetype errorOffset() const { return m_errorOffset; }
    const QString& errorRule() const { return m_errorRule; }

private:
    enum class Segment { Key, Index };
    struct PathItem {
        Segment kind;
        QString key;
        qsizetype index = 0;
    };

    bool fail(QString rule) { return failAt(m_p, std::move(rule)); }
    bool failAt(const char* at, QString rule)
    {
        m_errorOffset = at - m_begin;
        m_errorRule = std::move(rule);
        QString path = QStringLiteral("$");
        for (const PathItem& item : m_path)
            path = item.kind == Segment::Key ? jsonPathKey(path, item.key) : jsonPathIndex(path, item.index);
        m_errorPath = path;
        return false;
    }

    void skipWhitespace() noexcept
    {
        while (m_p != m_end && (*m_p == ' ' || *m_p == '\t' || *m_p == '\n' || *m_p == '\r'))
            ++m_p;
    }

    bool countValue()
    {
        if (++m_values > m_limits.maxValues)
            return fail(QStringLiteral("more than %1 values in the document").arg(m_limits.maxValues));
        return true;
    }

    bool parseValue(JsonValue& out)
    {
        if (m_p == m_end)
            return fail(QStringLiteral("unexpected end of input: expected a value"));
        if (!countValue())
            return false;
        const qsizetype offset = m_p - m_begin;
        bool ok = false;
        switch (*m_p) {
        case '{':
            ok = parseObject(out);
            break;
        case '[':
            ok = parseArray(out);
            break;
        case '"': {
            QString s;
            ok = parseString(s);
            out = JsonValue(std::move(s));
            break;
        }
        case 't':
            ok = parseLiteral("true");
            out = JsonValue(true);
            break;
        case 'f':
            ok = parseLiteral("false");
            out = JsonValue(false);
            break;
        case 'n':
            ok = parseLiteral("null");
            out = JsonValue();
            break;
        case 'N':
        case 'I':
            return fail(QStringLiteral("NaN and Infinity are not allowed in JSON"));
        default:
            if (*m_p == '-' || (*m_p >= '0' && *m_p <= '9')) {
                ok = parseNumber(out);
                break;
            }
            return fail(QStringLiteral("expected a value, found %1").arg(describeByte(*m_p)));
        }
        out.setOffset(offset);
        return ok;
    }

    bool parseLiteral(const char* word)
    {
        const char* start = m_p;
        for (const char* w = word; *w; ++w, ++m_p) {
            if (m_p == m_end)
                return failAt(
                    m_p, QStringLiteral("unexpected end of input in the literal %1").arg(QLatin1String(word)));
            if (*m_p != *w)
                return failAt(start, QStringLiteral("invalid literal: expected %1").arg(QLatin1String(word)));
        }
        if (m_p != m_end
            && ((*m_p >= 'a' && *m_p <= 'z') || (*m_p >= 'A' && *m_p <= 'Z') || (*m_p >= '0' && *m_p <= '9')))
            return failAt(start, QStringLiteral("invalid literal: expected %1").arg(QLatin1String(word)));
        return true;
    }

    static bool isDigit(char c) noexcept { return c >= '0' && c <= '9'; }

    bool parseNumber(JsonValue& out)
    {
        const char* start = m_p;
        bool integer = true;
        if (*m_p == '-') {
            ++m_p;
            if (m_p != m_end && (*m_p == 'I' || *m_p == 'N'))
                return failAt(start, QStringLiteral("NaN and Infinity are not allowed in JSON"));
            if (m_p == m_end)
                return fail(QStringLiteral("unexpected end of input in a number"));
            if (!isDigit(*m_p))
                return fail(QStringLiteral("invalid number: expected a digit after '-'"));
        }
        if (*m_p == '0') {
            ++m_p;
            if (m_p != m_end && isDigit(*m_p))
                return failAt(start, QStringLiteral("leading zeros are not allowed"));
        } else {
            while (m_p != m_end && isDigit(*m_p))
                ++m_p;
        }
        if (m_p != m_end && *m_p == '.') {
            integer = false;
            ++m_p;
            if (m_p == m_end)
                return fail(QStringLiteral("unexpected end of input in a number"));
            if (!isDigit(*m_p))
                return fail(QStringLiteral("invalid number: expected a digit after '.'"));
            while (m_p != m_end && isDigit(*m_p))
                ++m_p;
        }
        if (m_p != m_end && (*m_p == 'e' || *m_p == 'E')) {
            integer = false;
            ++m_p;
            if (m_p != m_end && (*m_p == '+' || *m_p == '-'))
                ++m_p;
            if (m_p == m_end)
                return fail(QStringLiteral("unexpected end of input in a number"));
            if (!isDigit(*m_p))
                return fail(QStringLiteral("invalid number: expected a digit in the exponent"));
            while (m_p != m_end && isDigit(*m_p))
                ++m_p;
        }
        double value = 0;
        const auto [end, ec] = std::from_chars(start, m_p, value, std::chars_format::general);
        if (ec == std::errc::result_out_of_range || (ec == std::errc() && !std::isfinite(value)))
            return failAt(start, QStringLiteral("number out of the range of a double"));
        if (ec != std::errc() || end != m_p)
            return failAt(start, QStringLiteral("invalid number"));
        out = JsonValue(value, integer);
        return true;
    }

    static int hexValue(char c) noexcept
    {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    }

    /// Reads the 4 hex digits of a \u escape at m_p (after the 'u').
    bool parseHex4(const char* escape, char16_t& out)
    {
        unsigned value = 0;
        for (int i = 0; i < 4; ++i, ++m_p) {
            if (m_p == m_end)
                return fail(QStringLiteral("unexpected end of input in a string"));
            const int h = hexValue(*m_p);
            if (h < 0)
                return failAt(escape, QStringLiteral("invalid \\u escape: expected 4 hex digits"));
            value = value * 16 + static_cast<unsigned>(h);
        }
        out = static_cast<char16_t>(value);
        return true;
    }

    /// Decodes one UTF-8 sequence at m_p (its first byte is >= 0x80), strictly: no overlong forms, no encoded
    /// surrogates, nothing above U+10FFFF.
    bool decodeUtf8(char32_t& out)
    {
        const char* start = m_p;
        const auto b0 = static_cast<unsigned char>(*m_p);
        int length = 0;
        char32_t min = 0;
        if (b0 >= 0xc2 && b0 <= 0xdf) {
            length = 2;
            out = b0 & 0x1fU;
            min = 0x80;
        } else if (b0 >= 0xe0 && b0 <= 0xef) {
            length = 3;
            out = b0 & 0x0fU;
            min = 0x800;
        } else if (b0 >= 0xf0 && b0 <= 0xf4) {
            length = 4;
            out = b0 & 0x07U;
            min = 0x10000;
        } else {
            return fail(QStringLiteral("invalid UTF-8 (byte %1)").arg(hexByte(b0)));
        }
        ++m_p;
        for (int i = 1; i < length; ++i, ++m_p) {
            if (m_p == m_end)
                return failAt(start, QStringLiteral("invalid UTF-8 (truncated sequence)"));
            const auto b = static_cast<unsigned char>(*m_p);
            if ((b & 0xc0U) != 0x80U)
                return failAt(start, QStringLiteral("invalid UTF-8 (byte %1)").arg(hexByte(b)));
            out = (out << 6) | (b & 0x3fU);
        }
        if (out < min)
            return failAt(start, QStringLiteral("invalid UTF-8 (overlong encoding)"));
        if (out >= 0xd800 && out <= 0xdfff)
            return failAt(start, QStringLiteral("invalid UTF-8 (encoded surrogate %1)").arg(codePoint(out)));
        if (out > 0x10ffff)
            return failAt(start, QStringLiteral("invalid UTF-8 (beyond U+10FFFF)"));
        return true;
    }

    bool parseString(QString& out)
    {
        ++m_p; // the opening quote
        const char* runStart = m_p; // plain ASCII is copied in runs
        auto flush = [&] {
            if (m_p != runStart)
                out.append(QLatin1String(runStart, m_p - runStart));
        };
        for (;;) {
            if (m_p == m_end)
                return fail(QStringLiteral("unexpected end of input in a string"));
            const auto c = static_cast<unsigned char>(*m_p);
            if (c == '"') {
                flush();
                ++m_p;
                return true;
            }
            if (c < 0x20)
                return fail(QStringLiteral("control character %1 must be escaped in a string").arg(codePoint(c)));
            if (c == '\\') {
                flush();
                if (!parseEscape(out))
                    return false;
                runStart = m_p;
                continue;
            }
            if (c >= 0x80) {
                flush();
                char32_t cp = 0;
                if (!decodeUtf8(cp))
                    return false;
                if (QChar::requiresSurrogates(cp)) {
                    out.append(QChar(QChar::highSurrogate(cp)));
                    out.append(QChar(QChar::lowSurrogate(cp)));
                } else {
                    out.append(QChar(static_cast<char16_t>(cp)));
                }
                runStart = m_p;
                continue;
            }
            ++m_p;
        }
    }

    bool parseEscape(QString& out)
    {
        const char* escape = m_p;
        ++m_p;
        if (m_p == m_end)
            return fail(QStringLiteral("unexpected end of input in a string"));
        const char e = *m_p++;
        switch (e) {
        case '"':
            out.append(QLatin1Char('"'));
            return true;
        case '\\':
            out.append(QLatin1Char('\\'));
            return true;
        case '/':
            out.append(QLatin1Char('/'));
            return true;
        case 'b':
            out.append(QLatin1Char('\b'));
            return true;
        case 'f':
            out.append(QLatin1Char('\f'));
            return true;
        case 'n':
            out.append(QLatin1Char('\n'));
            return true;
        case 'r':
            out.append(QLatin1Char('\r'));
            return true;
        case 't':
            out.append(QLatin1Char('\t'));
            return true;
        case 'u':
            break;
        default: {
            m_p = escape;
            const auto byte = static_cast<unsigned char>(e);
            return fail(byte >= 0x21 && byte < 0x7f
                    ? QStringLiteral("invalid escape '\\%1'").arg(QLatin1Char(e))
                    : QStringLiteral("invalid escape: '\\' followed by %1").arg(describeByte(e)));
        }
        }
        char16_t unit = 0;
        if (!parseHex4(escape, unit))
            return false;
        if (QChar::isLowSurrogate(unit))
            return failAt(escape, loneSurrogate(unit));
        if (!QChar::isHighSurrogate(unit)) {
            out.append(QChar(unit));
            return true;
        }
        if (m_end - m_p < 2 || m_p[0] != '\\' || m_p[1] != 'u')
            return failAt(escape, loneSurrogate(unit));
        const char* second = m_p;
        m_p += 2;
        char16_t low = 0;
        if (!parseHex4(second, low))
            return false;
        if (!QChar::isLowSurrogate(low))
            return failAt(escape, loneSurrogate(unit));
        out.append(QChar(unit));
        out.append(QChar(low));
        return true;
    }

    bool enter()
    {
        if (++m_depth > m_limits.maxDepth)
            return fail(QStringLiteral("nesting deeper than %1 levels").arg(m_limits.maxDepth));
        return true;
    }

    bool parseArray(JsonValue& out)
    {
        if (!enter())
            return false;
        ++m_p;
        JsonValue::Array items;
        skipWhitespace();
        if (m_p != m_end && *m_p == ']') {
            ++m_p;
            --m_depth;
            out = JsonValue(std::move(items));
            return true;
        }
        for (;;) {
            m_path.push_back({ Segment::Index, {}, static_cast<qsizetype>(items.size()) });
            JsonValue item;
            skipWhitespace();
            if (!parseValue(item))
                return false;
            items.push_back(std::move(item));
            m_path.pop_back();
            skipWhitespace();
            if (m_p == m_end)
                return fail(QStringLiteral("unexpected end of input: expected ',' or ']'"));
            if (*m_p == ']') {
                ++m_p;
                break;
            }
            if (*m_p != ',')
                return fail(QStringLiteral("expected ',' or ']', found %1").arg(describeByte(*m_p)));
            ++m_p;
            skipWhitespace();
            if (m_p != m_end && *m_p == ']')
                return fail(QStringLiteral("trailing comma before ']'"));
        }
        --m_depth;
        out = JsonValue(std::move(items));
        return true;
    }

    bool parseObject(JsonValue& out)
    {
        if (!enter())
            return false;
        ++m_p;
        JsonValue::Object members;
        QSet<QString> keys;
        skipWhitespace();
        if (m_p != m_end && *m_p == '}') {
            ++m_p;
            --m_depth;
            out = JsonValue(std::move(members));
            return true;
        }
        for (;;) {
            skipWhitespace();
            if (m_p == m_end)
                return fail(QStringLiteral("unexpected end of input: expected a key"));
            if (*m_p != '"')
                return fail(QStringLiteral("expected a key in double quotes, found %1").arg(describeByte(*m_p)));
            const char* keyStart = m_p;
            QString key;
            if (!parseString(key))
                return false;
            m_path.push_back({ Segment::Key, key, 0 });
            if (!countValue())
                return false;
            if (isDuplicate(members, keys, key))
                return failAt(keyStart, QStringLiteral("duplicate key"));
            skipWhitespace();
            if (m_p == m_end)
                return fail(QStringLiteral("unexpected end of input: expected ':'"));
            if (*m_p != ':')
                return fail(QStringLiteral("expected ':' after the key, found %1").arg(describeByte(*m_p)));
            ++m_p;
            skipWhitespace();
            JsonValue value;
            if (!parseValue(value))
                return false;
            members.push_back({ std::move(key), std::move(value), keyStart - m_begin });
            m_path.pop_back();
            skipWhitespace();
            if (m_p == m_end)
                return fail(QStringLiteral("unexpected end of input: expected ',' or '}'"));
            if (*m_p == '}') {
                ++m_p;
                break;
            }
            if (*m_p != ',')
                return fail(QStringLiteral("expected ',' or '}', found %1").arg(describeByte(*m_p)));
            ++m_p;
            skipWhitespace();
            if (m_p != m_end && *m_p == '}')
                return fail(QStringLiteral("trailing comma before '}'"));
        }
        --m_depth;
        out = JsonValue(std::move(members));
        return true;
    }

    static bool isDuplicate(const JsonValue::Object& members, QSet<QString>& keys, const QString& key)
    {
        if (static_cast<qsizetype>(members.size()) < kLinearKeyScan) {
            return std::any_of(members.begin(), members.end(), [&key](const JsonMember& m) { return m.key == key; });
        }
        if (keys.isEmpty()) {
            for (const JsonMember& m : members)
                keys.insert(m.key);
        }
        if (keys.contains(key))
            return true;
        keys.insert(key);
        return false;
    }

    const char* m_begin;
    const char* m_p;
    const char* m_end;
    const JsonLimits& m_limits;
    int m_depth = 0;
    qsizetype m_values = 0;
    std::vector<PathItem> m_path;
    QString m_errorPath;
    QString m_errorRule;
    qsizetype m_errorOffset = 0;
};

void writeString(QByteArray& out, const QString& s)
{
    out.append('"');
    const QByteArray utf8 = s.toUtf8();
    for (const char c : utf8) {
        const auto byte = static_cast<unsigned char>(c);
        switch (c) {
        case '"':
            out.append("\\\"");
            break;
        case '\\':
            out.append("\\\\");
            break;
        case '\n':
            out.append("\\n");
            break;
        case '\r':
            out.append("\\r");
            break;
        case '\t':
            out.append("\\t");
            break;
        case '\b':
            out.append("\\b");
            break;
        case '\f':
            out.append("\\f");
            break;
        default:
            if (byte < 0x20) {
                char buffer[8];
                std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(byte));
                out.append(buffer);
            } else {
                out.append(c);
            }
        }
    }
    out.append('"');
}

void writeNumber(QByteArray& out, const JsonValue& value)
{
    char buffer[64];
    const double d = value.toDouble();
    std::to_chars_result r {};
    if (value.isIntegerLiteral() && std::abs(d) < 9.0e18)
        r = std::to_chars(buffer, buffer + sizeof buffer, static_cast<long long>(d));
    else
        r = std::to_chars(buffer, buffer + sizeof buffer, d);
    out.append(buffer, r.ptr - buffer);
}

void writeValue(QByteArray& out, const JsonValue& value, int indent, int level)
{
    auto newline = [&](int l) {
        if (indent <= 0)
            return;
        out.append('\n');
        out.append(QByteArray(qsizetype { indent } * l, ' '));
    };
    switch (value.type()) {
    case JsonValue::Type::Null:
        out.append("null");
        break;
    case JsonValue::Type::Bool:
        out.append(value.toBool() ? "true" : "false");
        break;
    case JsonValue::Type::Number:
        writeNumber(out, value);
        break;
    case JsonValue::Type::String:
        writeString(out, value.toString());
        break;
    case JsonValue::Type::Array: {
        const auto& items = value.array();
        out.append('[');
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i > 0)
                out.append(',');
            newline(level + 1);
            writeValue(out, items[i], indent, level + 1);
        }
        if (!items.empty())
            newline(level);
        out.append(']');
        break;
    }
    case JsonValue::Type::Object: {
        const auto& members = value.object();
        out.append('{');
        for (std::size_t i = 0; i < members.size(); ++i) {
            if (i > 0)
                out.append(',');
            newline(level + 1);
            writeString(out, members[i].key);
            out.append(indent > 0 ? ": " : ":");
            writeValue(out, members[i].value, indent, level + 1);
        }
        if (!members.empty())
            newline(level);
        out.append('}');
        break;
    }
    }
}

} // namespace

bool JsonValue::toBool() const noexcept
{
    const bool* b = std::get_if<bool>(&m_value);
    return b && *b;
}

double JsonValue::toDouble() const noexcept
{
    const double* d = std::get_if<double>(&m_value);
    return d ? *d : 0.0;
}

QString JsonValue::toString() const
{
    const QString* s = std::get_if<QString>(&m_value);
    return s ? *s : QString();
}

const JsonValue::Array& JsonValue::array() const noexcept
{
    static const Array empty;
    const Array* a = std::get_if<Array>(&m_value);
    return a ? *a : empty;
}

const JsonValue::Object& JsonValue::object() const noexcept
{
    static const Object empty;
    const Object* o = std::get_if<Object>(&m_value);
    return o ? *o : empty;
}

JsonValue::Array& JsonValue::array()
{
    if (!isArray())
        m_value = Array();
    return std::get<Array>(m_value);
}

JsonValue::Object& JsonValue::object()
{
    if (!isObject())
        m_value = Object();
    return std::get<Object>(m_value);
}

const JsonValue* JsonValue::find(QStringView key) const noexcept
{
    const Object* o = std::get_if<Object>(&m_value);
    if (!o)
        return nullptr;
    for (const JsonMember& m : *o) {
        if (m.key == key)
            return &m.value;
    }
    return nullptr;
}

QString JsonValue::typeName(Type type)
{
    switch (type) {
    case Type::Null:
        return QStringLiteral("null");
    case Type::Bool:
        return QStringLiteral("a boolean");
    case Type::Number:
        return QStringLiteral("a number");
    case Type::String:
        return QStringLiteral("a string");
    case Type::Array:
        return QStringLiteral("an array");
    case Type::Object:
        return QStringLiteral("an object");
    }
    return {};
}

bool operator==(const JsonValue& a, const JsonValue& b)
{
    return a.m_value == b.m_value;
}

QString JsonError::message() const
{
    return QStringLiteral("%1: %2 (line %3, column %4)").arg(path, rule).arg(line).arg(column);
}

JsonPosition jsonPosition(QByteArrayView input, qsizetype offset) noexcept
{
    JsonPosition pos;
    offset = std::clamp<qsizetype>(offset, 0, input.size());
    for (qsizetype i = 0; i < offset; ++i) {
        const auto byte = static_cast<unsigned char>(input[i]);
        if (byte == '\n') {
            ++pos.line;
            pos.column = 1;
        } else if ((byte & 0xc0U) != 0x80U) {
            ++pos.column; // continuation bytes belong to the character already counted
        }
    }
    return pos;
}

QString jsonPathKey(const QString& path, const QString& key)
{
    if (isIdentifier(key))
        return path + QLatin1Char('.') + key;
    QByteArray quoted;
    writeString(quoted, key);
    return path + QLatin1Char('[') + QString::fromUtf8(quoted) + QLatin1Char(']');
}

QString jsonPathIndex(const QString& path, qsizetype index)
{
    return path + QLatin1Char('[') + QString::number(index) + QLatin1Char(']');
}

std::optional<JsonValue> parseJson(QByteArrayView input, JsonError* error, const JsonLimits& limits)
{
    if (input.size() > limits.maxBytes) {
        if (error) {
            *error = { QStringLiteral("$"), 1, 1,
                QStringLiteral("the input is %1 bytes, more than the limit of %2 bytes")
                    .arg(input.size())
                    .arg(limits.maxBytes) };
        }
        return std::nullopt;
    }
    Parser parser(input, limits);
    std::optional<JsonValue> result = parser.parse();
    if (!result && error) {
        const JsonPosition pos = jsonPosition(input, parser.errorOffset());
        *error = { parser.errorPath(), pos.line, pos.column, parser.errorRule() };
    }
    return result;
}

QByteArray serializeJson(const JsonValue& value, int indent)
{
    QByteArray out;
    writeValue(out, value, indent, 0);
    if (indent > 0)
        out.append('\n');
    return out;
}

} // namespace qtwisted::detail
