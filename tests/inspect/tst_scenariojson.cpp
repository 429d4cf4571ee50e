// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// What the scenario reader adds to Qt's JSON parser (core/inspect/src/strictjson_p.h): every class of bad input gives
// one error naming the JSON path, the rule, the line and the column (Qt's syntax errors included); duplicate keys,
// deep nesting and what Qt lets through (invalid escapes, lone surrogates, raw control characters, "1.", ".5") are
// refused; a value can be found again by its path; the one string escaper writes what Qt reads back.
#include "../../core/inspect/src/strictjson_p.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTest>

using qtwisted::detail::appendJsonString;
using qtwisted::detail::jsonPathIndex;
using qtwisted::detail::jsonPathKey;
using qtwisted::detail::locateJson;
using qtwisted::detail::parseStrictJson;
using qtwisted::detail::StrictJsonLimits;
using qtwisted::detail::textPosition;

namespace {

QString errorOf(QByteArrayView input, const StrictJsonLimits& limits = {})
{
    QString error;
    if (parseStrictJson(input, limits, &error))
        return QStringLiteral("<parsed>");
    return error;
}

QByteArray nested(int depth, char open, char close)
{
    return QByteArray(depth, open) + QByteArray(depth, close);
}

QByteArray nestedObjects(int depth)
{
    QByteArray out;
    for (int i = 0; i < depth; ++i)
        out += "{\"a\":";
    out += "0";
    out += QByteArray(depth, '}');
    return out;
}

QString deepPath(int depth, const QString& segment)
{
    return QStringLiteral("$") + segment.repeated(depth);
}

/// "<path>: <rule> (line L, column C)" with L, C >= 1.
bool wellFormed(const QString& message)
{
    static const QRegularExpression shape(QStringLiteral(R"(^\$.*?: .+ \(line [1-9]\d*, column [1-9]\d*\)$)"),
        QRegularExpression::DotMatchesEverythingOption);
    return shape.match(message).hasMatch();
}

} // namespace

class TestScenarioJson : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rejects_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("message");

        auto row = [](const char* name, const QByteArray& input, const QString& message) {
            QTest::newRow(name) << input << message;
        };
        // empty and truncated
        row("empty", "", QStringLiteral("$: empty input (line 1, column 1)"));
        row("whitespace only", "  \n ", QStringLiteral("$: empty input (line 2, column 2)"));
        row("BOM only", "\xef\xbb\xbf", QStringLiteral("$: empty input (line 1, column 2)"));
        row("truncated object", R"({"a": 1)",
            QStringLiteral("$.a: not valid JSON: invalid termination by number (line 1, column 7)"));
        row("truncated after key", R"({"a")",
            QStringLiteral("$: not valid JSON: unterminated string (line 1, column 5)"));
        row("truncated string", "{\"a\": \"xy",
            QStringLiteral("$.a: not valid JSON: unterminated string (line 1, column 10)"));
        row("truncated array", R"({"steps": [1, 2)",
            QStringLiteral("$.steps[1]: not valid JSON: invalid termination by number (line 1, column 15)"));
        row("truncated literal", "[tru", QStringLiteral("$[0]: expected a value, found 'tru' (line 1, column 2)"));
        row("truncated number", "[-",
            QStringLiteral("$[0]: invalid number: expected a digit first (line 1, column 2)"));
        row("truncated escape", "[\"\\u12",
            QStringLiteral("$[0]: not valid JSON: invalid escape sequence (line 1, column 5)"));
        // not JSON
        row("word", "hello", QStringLiteral("$: expected a value, found 'hello' (line 1, column 1)"));
        row("html", "<html>", QStringLiteral("$: expected a value, found '<html>' (line 1, column 1)"));
        row("top-level number", "5", QStringLiteral("$: not valid JSON: illegal value (line 1, column 1)"));
        row("single quotes", "{'a': 1}",
            QStringLiteral("$: expected a key in double quotes, found ''a'' (line 1, column 2)"));
        row("unquoted key", "{a: 1}",
            QStringLiteral("$: expected a key in double quotes, found 'a' (line 1, column 2)"));
        row("missing colon", R"({"a" 1})",
            QStringLiteral("$.a: not valid JSON: missing name separator (line 1, column 6)"));
        row("missing comma", "[1 2]",
            QStringLiteral("$[0]: not valid JSON: missing value separator (line 1, column 4)"));
        row("misspelt literal", "[nul]", QStringLiteral("$[0]: expected a value, found 'nul' (line 1, column 2)"));
        row("literal with tail", "[truex]", QStringLiteral("$[0]: expected a value, found 'truex' (line 1, column 2)"));
        row("trailing garbage", "{} x",
            QStringLiteral("$: unexpected data after the end of the JSON value (line 1, column 4)"));
        row("two values", "[1] [2]",
            QStringLiteral("$: not valid JSON: garbage at the end of the document (line 1, column 5)"));
        row("trailing comma array", "[1,]",
            QStringLiteral("$: not valid JSON: object is missing after a comma (line 1, column 5)"));
        row("trailing comma object", R"({"a":1,})",
            QStringLiteral("$: not valid JSON: object is missing after a comma (line 1, column 9)"));
        row("comment", "[1] // no",
            QStringLiteral("$: unexpected data after the end of the JSON value (line 1, column 5)"));
        row("multi-line position", "{\n  \"a\": [1,\n   2,, 3]\n}",
            QStringLiteral("$.a[3]: not valid JSON: illegal value (line 3, column 7)"));
        row("column counts characters", "{\"\xc3\xa9\": x}",
            QStringLiteral("$[\"\u00e9\"]: expected a value, found 'x' (line 1, column 7)"));
        row("odd key quoted in path", R"({"a b": [1,]})",
            QStringLiteral("$: not valid JSON: object is missing after a comma (line 1, column 13)"));
        // numbers: NaN / Infinity, leading zeros, malformed, huge
        row("NaN", R"({"x": NaN})", QStringLiteral("$.x: NaN and Infinity are not allowed in JSON (line 1, column 7)"));
        row("Infinity", "[Infinity]",
            QStringLiteral("$[0]: NaN and Infinity are not allowed in JSON (line 1, column 2)"));
        row("-Infinity", "[-Infinity]",
            QStringLiteral("$[0]: NaN and Infinity are not allowed in JSON (line 1, column 2)"));
        row("leading zeros", R"({"n": 007})", QStringLiteral("$.n: leading zeros are not allowed (line 1, column 7)"));
        row("negative leading zero", "[-01]", QStringLiteral("$[0]: leading zeros are not allowed (line 1, column 2)"));
        row("dot without digits", "[1.]",
            QStringLiteral("$[0]: invalid number: expected a digit after '.' (line 1, column 2)"));
        row("leading dot", "[.5]", QStringLiteral("$[0]: invalid number: expected a digit first (line 1, column 2)"));
        row("plus sign", "[+1]", QStringLiteral("$[0]: expected a value, found '+1' (line 1, column 2)"));
        row("empty exponent", "[1e]",
            QStringLiteral("$[0]: invalid number: expected a digit in the exponent (line 1, column 2)"));
        row("hex", "[0x10]", QStringLiteral("$[0]: invalid number: unexpected characters (line 1, column 2)"));
        row("huge", "[1e400]", QStringLiteral("$[0]: number out of the range of a double (line 1, column 2)"));
        row("huge negative", "[-1e400]",
            QStringLiteral("$[0]: number out of the range of a double (line 1, column 2)"));
        row("huge digits", "[" + QByteArray(400, '9') + "]",
            QStringLiteral("$[0]: number out of the range of a double (line 1, column 2)"));
        // strings: escapes, surrogates, control characters, UTF-8
        row("invalid escape", R"(["a\qb"])", QStringLiteral("$[0]: invalid escape '\\q' (line 1, column 4)"));
        row("invalid escape in a key", R"({"a\qb": 1})", QStringLiteral("$: invalid escape '\\q' (line 1, column 4)"));
        row("bad \\u", R"(["\u12G4"])",
            QStringLiteral("$[0]: invalid \\u escape: expected 4 hex digits (line 1, column 3)"));
        row("lone high surrogate", R"(["\ud800"])", QStringLiteral("$[0]: lone surrogate \\ud800 (line 1, column 3)"));
        row("lone low surrogate", R"(["\udc00x"])", QStringLiteral("$[0]: lone surrogate \\udc00 (line 1, column 3)"));
        row("high then not low", R"(["\ud800\u0041"])",
            QStringLiteral("$[0]: lone surrogate \\ud800 (line 1, column 3)"));
        row("raw tab", "[\"a\tb\"]",
            QStringLiteral("$[0]: control character U+0009 must be escaped in a string (line 1, column 4)"));
        row("raw newline", "{\"k\": \"a\nb\"}",
            QStringLiteral("$.k: control character U+000A must be escaped in a string (line 1, column 9)"));
        row("invalid UTF-8", "[\"\xff\"]",
            QStringLiteral("$[0]: not valid JSON: invalid UTF8 string (line 1, column 3)"));
        row("overlong UTF-8", "[\"\xe0\x80\xaf\"]",
            QStringLiteral("$[0]: not valid JSON: invalid UTF8 string (line 1, column 3)"));
        row("encoded surrogate", "[\"\xed\xa0\x80\"]",
            QStringLiteral("$[0]: not valid JSON: invalid UTF8 string (line 1, column 3)"));
        row("beyond U+10FFFF", "[\"\xf4\x90\x80\x80\"]",
            QStringLiteral("$[0]: not valid JSON: invalid UTF8 string (line 1, column 3)"));
        row("bad continuation", "[\"\xe2\x82\"]",
            QStringLiteral("$[0]: not valid JSON: invalid UTF8 string (line 1, column 3)"));
        row("truncated UTF-8", "[\"\xe2\x82",
            QStringLiteral("$[0]: not valid JSON: invalid UTF8 string (line 1, column 3)"));
        row("UTF-8 outside strings", "[\xff]",
            QStringLiteral("$[0]: expected a value, found byte 0xFF (line 1, column 2)"));
        row("NUL byte outside strings", QByteArray("[1,\0]", 5),
            QStringLiteral("$[1]: expected a value, found control character U+0000 (line 1, column 4)"));
        // duplicate keys (Qt would keep the last one)
        row("duplicate key", R"({"a": 1, "a": 2})", QStringLiteral("$.a: duplicate key (line 1, column 10)"));
        row("duplicate nested key", R"({"p": {"min": 1, "min": 2}})",
            QStringLiteral("$.p.min: duplicate key (line 1, column 18)"));
        row("duplicate key spelt with an escape", R"({"a": 1, "\u0061": 2})",
            QStringLiteral("$.a: duplicate key (line 1, column 10)"));
        row("duplicate odd key", R"({"a b": 1, "x": [], "a b": 2})",
            QStringLiteral("$[\"a b\"]: duplicate key (line 1, column 21)"));
        row("duplicate key after a nested object", R"([{"k": {"k": 1, "j": 2}, "j": 3, "k": 4}])",
            QStringLiteral("$[0].k: duplicate key (line 1, column 34)"));
        row("duplicate key before a syntax error", R"({"a": 1, "a": 2, ])",
            QStringLiteral("$.a: duplicate key (line 1, column 10)"));
        // nesting
        row("65 arrays", nested(65, '[', ']'),
            deepPath(64, QStringLiteral("[0]"))
                + QStringLiteral(": nesting deeper than 64 levels (line 1, column 65)"));
        row("100000 arrays", nested(100000, '[', ']'),
            deepPath(64, QStringLiteral("[0]"))
                + QStringLiteral(": nesting deeper than 64 levels (line 1, column 65)"));
        row("100000 open arrays", QByteArray(100000, '['),
            deepPath(64, QStringLiteral("[0]"))
                + QStringLiteral(": nesting deeper than 64 levels (line 1, column 65)"));
        row("65 objects", nestedObjects(65),
            deepPath(64, QStringLiteral(".a"))
                + QStringLiteral(": nesting deeper than 64 levels (line 1, column 321)"));
    }

    void rejects()
    {
        QFETCH(QByteArray, input);
        QFETCH(QString, message);
        const QString error = errorOf(input);
        QVERIFY2(wellFormed(error), qPrintable(error));
        QCOMPARE(error, message);
    }
};

QTEST_GUILESS_MAIN(TestScenarioJson)
#include "tst_scenariojson.moc"
