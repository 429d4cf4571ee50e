// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

namespace qtwisted::detail {

struct JsonMember;

/// One JSON value (RFC 8259) as parsed by parseJson(): objects keep their key order; numbers are doubles that
/// remember whether they were written as an integer literal (no fraction, no exponent).
class JsonValue {
public:
    enum class Type : std::uint8_t { Null, Bool, Number, String, Array, Object };
    using Array = std::vector<JsonValue>;
    using Object = std::vector<JsonMember>;

    JsonValue() = default;
    // The constructors are defined after JsonMember: the variant's cleanup needs Object's element type complete.
    explicit JsonValue(bool value);
    /// A number; `integerLiteral` says how it is written back (see serializeJson()).
    explicit JsonValue(double value, bool integerLiteral = false);
    explicit JsonValue(QString value);
    explicit JsonValue(Array value);
    explicit JsonValue(Object value);

    Type type() const noexcept { return static_cast<Type>(m_value.index()); }
    bool isNull() const noexcept { return type() == Type::Null; }
    bool isBool() const noexcept { return type() == Type::Bool; }
    bool isNumber() const noexcept { return type() == Type::Number; }
    bool isString() const noexcept { return type() == Type::String; }
    bool isArray() const noexcept { return type() == Type::Array; }
    bool isObject() const noexcept { return type() == Type::Object; }
    /// A number written without fraction or exponent ("12", "-3"; not "12.0" or "1e3").
    bool isIntegerLiteral() const noexcept { return isNumber() && m_integer; }

    /// The value, or false / 0 / an empty string / an empty container when it holds another type.
    bool toBool() const noexcept;
    double toDouble() const noexcept;
    QString toString() const;
    const Array& array() const noexcept;
    const Object& object() const noexcept;
    Array& array();
    Object& object();

    /// The member `key` of an object, nullptr if absent or not an object.
    const JsonValue* find(QStringView key) const noexcept;

    /// Byte offset of the value's first character in the parsed input (0 for values built in code).
    qsizetype offset() const noexcept { return m_offset; }
    void setOffset(qsizetype offset) noexcept { m_offset = offset; }

    /// "null", "a boolean", "a number", "a string", "an array", "an object": for messages.
    static QString typeName(Type type);

    friend bool operator==(const JsonValue& a, const JsonValue& b);

private:
    std::variant<std::monostate, bool, double, QString, Array, Object> m_value;
    qsizetype m_offset = 0;
    bool m_integer = false;
};

/// One member of a JSON object.
struct JsonMember {
    QString key;
    JsonValue value;
    qsizetype keyOffset = 0; ///< byte offset of the key's opening quote in the parsed input

    friend bool operator==(const JsonMember& a, const JsonMember& b) { return a.key == b.key && a.value == b.value; }
};

inline JsonValue::JsonValue(bool value)
    : m_value(value)
{
}

inline JsonValue::JsonValue(double value, bool integerLiteral)
    : m_value(value)
    , m_integer(integerLiteral)
{
}

inline JsonValue::JsonValue(QString value)
    : m_value(std::move(value))
{
}

inline JsonValue::JsonValue(Array value)
    : m_value(std::move(value))
{
}

inline JsonValue::JsonValue(Object value)
    : m_value(std::move(value))
{
}

/// What parseJson() accepts at most; anything beyond is an error, never a partial result.
struct JsonLimits {
    qsizetype maxBytes = qsizetype { 16 } * 1024 * 1024;
    int maxDepth = 64; ///< nested arrays/objects; the top-level container is depth 1
    qsizetype maxValues = 4'000'000; ///< bounds memory: every value, key-value pair or element counts once
};

/// Why a document was refused: where (JSON path, line and column, both from 1) and which rule it broke.
struct JsonError {
    QString path; ///< `$`, `$.steps[3].count`, `$["odd key"]`
    int line = 0;
    int column = 0; ///< in characters (code points) from the start of the line
    QString rule; ///< e.g. "leading zeros are not allowed"

    /// "$.steps[3].count: leading zeros are not allowed (line 9, column 18)".
    QString message() const;
};

/// Line and column (from 1, column in code points) of a byte offset into `input`.
struct JsonPosition {
    int line = 1;
    int column = 1;
};
JsonPosition jsonPosition(QByteArrayView input, qsizetype offset) noexcept;

/// Appends a path segment for a key: `.name` for identifier-like keys, `["odd key"]` otherwise.
QString jsonPathKey(const QString& path, const QString& key);
QString jsonPathIndex(const QString& path, qsizetype index);

/// Strict RFC 8259 parser: exactly one value, no trailing data, no NaN/Infinity, no leading zeros, no duplicate keys,
/// valid UTF-8 only (a leading UTF-8 byte order mark is skipped), no lone surrogates, no raw control characters in
/// strings. On failure returns nullopt and fills `error` (if given). Never recurses deeper than limits.maxDepth.
std::optional<JsonValue> parseJson(QByteArrayView input, JsonError* error, const JsonLimits& limits = {});

/// Writes a value as UTF-8 JSON that parseJson() reads back equal. `indent` 0 writes one line; numbers are written
/// in their shortest round-trip form (integer literals as integers).
QByteArray serializeJson(const JsonValue& value, int indent = 2);

} // namespace qtwisted::detail
