// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// The project's strict JSON parser (core/src/json_p.h): every class of bad input gives one error naming the JSON path,
// the rule, the line and the column; good input parses to the values written, in key order; output reads back equal.
#include "../../core/inspect/src/json_p.h"

#include <QRandomGenerator>
#include <QTest>

using qtwisted::detail::JsonError;
using qtwisted::detail::JsonLimits;
using qtwisted::detail::JsonValue;
using qtwisted::detail::parseJson;
using qtwisted::detail::serializeJson;

namespace {

QString errorOf(QByteArrayView input, const JsonLimits& limits = {})
{
    JsonError error;
    const auto value = parseJson(input, &error, limits);
    if (value)
        return QStringLiteral("<parsed>");
    return error.message();
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
    QString path = QStringLiteral("$");
    for (int i = 0; i < depth; ++i)
        path += segment;
    return path;
}

} // namespace

class TestJson : public QObject {
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
        row("truncated object", R"({"a": 1)",
            QStringLiteral("$: unexpected end of input: expected ',' or '}' (line 1, column 8)"));
        row("truncated after key", R"({"a")",
            QStringLiteral("$.a: unexpected end of input: expected ':' (line 1, column 5)"));
        row("truncated string", "{\"a\": \"xy",
            QStringLiteral("$.a: unexpected end of input in a string (line 1, column 10)"));
        row("truncated array", R"({"steps": [1, 2)",
            QStringLiteral("$.steps: unexpected end of input: expected ',' or ']' (line 1, column 16)"));
        row("truncated literal", "[tru",
            QStringLiteral("$[0]: unexpected end of input in the literal true (line 1, column 5)"));
        row("truncated number", "[-", QStringLiteral("$[0]: unexpected end of input in a number (line 1, column 3)"));
        row("truncated escape", "[\"\\u12",
            QStringLiteral("$[0]: unexpected end of input in a string (line 1, column 7)"));
        // not JSON
        row("word", "hello", QStringLiteral("$: expected a value, found 'h' (line 1, column 1)"));
        row("html", "<html>", QStringLiteral("$: expected a value, found '<' (line 1, column 1)"));
        row("single quotes", "{'a': 1}",
            QStringLiteral("$: expected a key in double quotes, found ''' (line 1, column 2)"));
        row("unquoted key", "{a: 1}",
            QStringLiteral("$: expected a key in double quotes, found 'a' (line 1, column 2)"));
        row("missing colon", R"({"a" 1})",
            QStringLiteral("$.a: expected ':' after the key, found '1' (line 1, column 6)"));
        row("missing comma", "[1 2]", QStringLiteral("$: expected ',' or ']', found '2' (line 1, column 4)"));
        row("misspelt literal", "[nul]", QStringLiteral("$[0]: invalid literal: expected null (line 1, column 2)"));
        row("literal with tail", "[truex]", QStringLiteral("$[0]: invalid literal: expected true (line 1, column 2)"));
        row("trailing garbage", "{} x",
            QStringLiteral("$: unexpected 'x' after the end of the JSON value (line 1, column 4)"));
        row("two values", "1 2",
            QStringLiteral("$: unexpected '2' after the end of the JSON value (line 1, column 3)"));
        row("trailing comma array", "[1,]", QStringLiteral("$: trailing comma before ']' (line 1, column 4)"));
        row("trailing comma object", R"({"a":1,})", QStringLiteral("$: trailing comma before '}' (line 1, column 8)"));
        row("comment", "[1] // no",
            QStringLiteral("$: unexpected '/' after the end of the JSON value (line 1, column 5)"));
        row("multi-line position", "{\n  \"a\": [1,\n   2,, 3]\n}",
            QStringLiteral("$.a[2]: expected a value, found ',' (line 3, column 6)"));
        row("column counts characters", "{\"\xc3\xa9\": x}",
            QStringLiteral("$[\"\u00e9\"]: expected a value, found 'x' (line 1, column 7)"));
        row("odd key quoted in path", R"({"a b": [1,]})",
            QStringLiteral("$[\"a b\"]: trailing comma before ']' (line 1, column 12)"));
        // numbers: NaN / Infinity, leading zeros, malformed, huge
        row("NaN", R"({"x": NaN})", QStringLiteral("$.x: NaN and Infinity are not allowed in JSON (line 1, column 7)"));
        row("Infinity", "[Infinity]",
            QStringLiteral("$[0]: NaN and Infinity are not allowed in JSON (line 1, column 2)"));
        row("-Infinity", "[-Infinity]",
            QStringLiteral("$[0]: NaN and Infinity are not allowed in JSON (line 1, column 2)"));
        row("leading zeros", R"({"n": 007})", QStringLiteral("$.n: leading zeros are not allowed (line 1, column 7)"));
        row("negative leading zero", "[-01]", QStringLiteral("$[0]: leading zeros are not allowed (line 1, column 2)"));
        row("dot without digits", "[1.]",
            QStringLiteral("$[0]: invalid number: expected a digit after '.' (line 1, column 4)"));
        row("leading dot", "[.5]", QStringLiteral("$[0]: expected a value, found '.' (line 1, column 2)"));
        row("plus sign", "[+1]", QStringLiteral("$[0]: expected a value, found '+' (line 1, column 2)"));
        row("empty exponent", "[1e]",
            QStringLiteral("$[0]: invalid number: expected a digit in the exponent (line 1, column 4)"));
        row("hex", "[0x10]", QStringLiteral("$: expected ',' or ']', found 'x' (line 1, column 3)"));
        row("huge", "[1e400]", QStringLiteral("$[0]: number out of the range of a double (line 1, column 2)"));
        row("huge negative", "[-1e400]",
            QStringLiteral("$[0]: number out of the range of a double (line 1, column 2)"));
        row("huge digits", "[" + QByteArray(400, '9') + "]",
            QStringLiteral("$[0]: number out of the range of a double (line 1, column 2)"));
        // strings: escapes, surrogates, control characters, UTF-8
        row("invalid escape", R"(["a\qb"])", QStringLiteral("$[0]: invalid escape '\\q' (line 1, column 4)"));
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
        row("invalid UTF-8", "[\"\xff\"]", QStringLiteral("$[0]: invalid UTF-8 (byte 0xFF) (line 1, column 3)"));
        row("overlong UTF-8", "[\"\xe0\x80\xaf\"]",
            QStringLiteral("$[0]: invalid UTF-8 (overlong encoding) (line 1, column 3)"));
        row("encoded surrogate", "[\"\xed\xa0\x80\"]",
            QStringLiteral("$[0]: invalid UTF-8 (encoded surrogate U+D800) (line 1, column 3)"));
        row("beyond U+10FFFF", "[\"\xf4\x90\x80\x80\"]",
            QStringLiteral("$[0]: invalid UTF-8 (beyond U+10FFFF) (line 1, column 3)"));
        row("bad continuation", "[\"\xe2\x82\"]", QStringLiteral("$[0]: invalid UTF-8 (byte 0x22) (line 1, column 3)"));
        row("truncated UTF-8", "[\"\xe2\x82",
            QStringLiteral("$[0]: invalid UTF-8 (truncated sequence) (line 1, column 3)"));
        row("UTF-8 outside strings", "[\xff]",
            QStringLiteral("$[0]: expected a value, found byte 0xFF (line 1, column 2)"));
        row("NUL byte outside strings", QByteArray("[1,\0]", 5),
            QStringLiteral("$[1]: expected a value, found control character U+0000 (line 1, column 4)"));
        // duplicate keys
        row("duplicate key", R"({"a": 1, "a": 2})", QStringLiteral("$.a: duplicate key (line 1, column 10)"));
        row("duplicate nested key", R"({"p": {"min": 1, "min": 2}})",
            QStringLiteral("$.p.min: duplicate key (line 1, column 18)"));
        // nesting
        row("65 arrays", nested(65, '[', ']'),
            deepPath(64, QStringLiteral("[0]"))
                + QStringLiteral(": nesting deeper than 64 levels (line 1, column 65)"));
        row("100000 arrays", nested(100000, '[', ']'),
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
        QCOMPARE(errorOf(input), message);
    }

    void duplicateKeyInLargeObject()
    {
        QByteArray doc = "{";
        for (int i = 0; i < 40; ++i)
            doc += "\"k" + QByteArray::number(i) + "\": " + QByteArray::number(i) + ", ";
        const qsizetype at = doc.size();
        doc += "\"k17\": 0}";
        QCOMPARE(errorOf(doc), QStringLiteral("$.k17: duplicate key (line 1, column %1)").arg(at + 1));
    }

    void limits()
    {
        const QByteArray big(qsizetype { 16 } * 1024 * 1024 + 1, ' ');
        QCOMPARE(errorOf(big),
            QStringLiteral("$: the input is 16777217 bytes, more than the limit of 16777216 bytes (line 1, column 1)"));
        JsonLimits small;
        small.maxBytes = 4;
        QCOMPARE(errorOf("[1,2]", small),
            QStringLiteral("$: the input is 5 bytes, more than the limit of 4 bytes (line 1, column 1)"));
        JsonLimits few;
        few.maxValues = 3;
        QCOMPARE(
            errorOf("[1,2,3]", few), QStringLiteral("$[2]: more than 3 values in the document (line 1, column 6)"));
        QVERIFY(parseJson("[1,2]", nullptr, few));
        JsonLimits shallow;
        shallow.maxDepth = 2;
        QVERIFY(parseJson("[[1]]", nullptr, shallow));
        QCOMPARE(
            errorOf("[[[1]]]", shallow), QStringLiteral("$[0][0]: nesting deeper than 2 levels (line 1, column 3)"));
        QVERIFY(parseJson(nested(64, '[', ']'), nullptr)); // 64 levels are allowed
    }

    void everyTruncationIsAnError()
    {
        const QByteArray doc = R"({"name": "t", "steps": [{"at": 0, "queue": {"api": "callInThread", "count": 2,
            "sleepMs": [10, 20], "failureRate": 0.5, "print": "a\"b\u00e9"}}, {"at": 1e3, "stop": {}}], "x": [true, false, null]})";
        QVERIFY(parseJson(doc, nullptr));
        for (qsizetype n = 0; n < doc.size(); ++n) {
            JsonError error;
            QVERIFY2(!parseJson(doc.left(n), &error), doc.left(n).constData());
            QVERIFY2(error.rule.contains(QStringLiteral("end of input")) || error.rule == QStringLiteral("empty input"),
                qPrintable(error.message()));
            QVERIFY(error.line >= 1 && error.column >= 1);
        }
    }

    void corruptedInputNeverCrashes()
    {
        // Seeded byte flips, insertions and deletions of a valid document: each result is a value or one error.
        const QByteArray doc
            = R"({"a": [1, -2.5e3, "x\n\u00e9\ud83d\ude00", {"b": null, "c": [true, false]}], "d": {}})";
        QRandomGenerator random(1234);
        for (int i = 0; i < 20000; ++i) {
            QByteArray mutated = doc;
            const int edits = 1 + static_cast<int>(random.bounded(4));
            for (int e = 0; e < edits && !mutated.isEmpty(); ++e) {
                const auto at = static_cast<qsizetype>(random.bounded(static_cast<quint32>(mutated.size())));
                switch (random.bounded(3)) {
                case 0:
                    mutated[at] = static_cast<char>(random.bounded(256));
                    break;
                case 1:
                    mutated.insert(at, static_cast<char>(random.bounded(256)));
                    break;
                default:
                    mutated.remove(at, 1);
                }
            }
            JsonError error;
            if (!parseJson(mutated, &error)) {
                QVERIFY(error.path.startsWith(QLatin1Char('$')));
                QVERIFY(!error.rule.isEmpty());
                QVERIFY(error.line >= 1 && error.column >= 1);
            }
        }
    }

    void parsesValues()
    {
        JsonError error;
        const auto value = parseJson("\xef\xbb\xbf { \"z\": 1, \"a\": [true, false, null, -0, 1.5e3, 12, "
                                     "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\\u0000\"],"
                                     " \"\xc3\xa9\": {} } ",
            &error);
        QVERIFY2(value, qPrintable(error.message()));
        QVERIFY(value->isObject());
        const auto& members = value->object();
        QCOMPARE(members.size(), std::size_t { 3 });
        QCOMPARE(members[0].key, QStringLiteral("z")); // key order is kept
        QCOMPARE(members[1].key, QStringLiteral("a"));
        QCOMPARE(members[2].key, QStringLiteral("\u00e9"));
        QVERIFY(value->find(u"z")->isIntegerLiteral());
        const auto& a = value->find(u"a")->array();
        QCOMPARE(a.size(), std::size_t { 7 });
        QVERIFY(a[0].isBool() && a[0].toBool());
        QVERIFY(a[1].isBool() && !a[1].toBool());
        QVERIFY(a[2].isNull());
        QVERIFY(a[3].isIntegerLiteral());
        QCOMPARE(a[4].toDouble(), 1500.0);
        QVERIFY(!a[4].isIntegerLiteral()); // written with an exponent
        QCOMPARE(a[5].toDouble(), 12.0);
        QVERIFY(a[5].isIntegerLiteral());
        QCOMPARE(a[6].toString(),
            QStringLiteral("\"\\/\b\f\n\r\t\u00e9") + QString::fromUtf8("\xf0\x9f\x98\x80") + QChar(0));
        QVERIFY(value->find(u"\u00e9")->isObject());
        QCOMPARE(value->find(u"a")->offset(), 19); // byte offset of its '[' (after the BOM)
    }

    void roundTrip_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::newRow("scalars") << QByteArray(
            "[0, -0, 1, -1, 0.1, 1e-300, 1.7976931348623157e308, 9007199254740993, true, null]");
        QTest::newRow("strings") << QByteArray(R"(["", "a\"b\\c", "\u0001\u001f\n", "\u00e9\ud83d\ude00", "\u0000"])");
        QTest::newRow("nested") << QByteArray(R"({"a": {"b": [[], {}, [{"c": 1}]]}, "d": "e"})");
        QTest::newRow("deep") << nested(64, '[', ']');
    }

    void roundTrip()
    {
        QFETCH(QByteArray, input);
        const auto value = parseJson(input, nullptr);
        QVERIFY(value);
        for (int indent : { 0, 2 }) {
            const QByteArray written = serializeJson(*value, indent);
            JsonError error;
            const auto again = parseJson(written, &error);
            QVERIFY2(again, qPrintable(error.message() + QLatin1Char('\n') + QString::fromUtf8(written)));
            QCOMPARE(*again, *value);
            QCOMPARE(serializeJson(*again, indent), written);
        }
    }
};

QTEST_GUILESS_MAIN(TestJson)
#include "tst_json.moc"
