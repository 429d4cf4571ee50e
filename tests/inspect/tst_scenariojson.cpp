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

    void duplicateKeyInLargeObject()
    {
        QByteArray doc = "{";
        for (int i = 0; i < 40; ++i)
            doc += "\"k" + QByteArray::number(i) + "\": " + QByteArray::number(i) + ", ";
        const qsizetype at = doc.size();
        doc += "\"k17\": 0}";
        QCOMPARE(errorOf(doc), QStringLiteral("$.k17: duplicate key (line 1, column %1)").arg(at + 1));
    }

    void sameKeyInDifferentObjects()
    {
        QVERIFY(parseStrictJson(R"([{"a": 1, "b": {"a": 2}}, {"a": 3}, {"b": [{"a": 4}, {"a": 5}]}])", {}, nullptr));
    }

    void limits()
    {
        const QByteArray big(qsizetype { 16 } * 1024 * 1024 + 1, ' ');
        QCOMPARE(errorOf(big),
            QStringLiteral("$: the input is 16777217 bytes, more than the limit of 16777216 bytes (line 1, column 1)"));
        StrictJsonLimits small;
        small.maxBytes = 4;
        QCOMPARE(errorOf("[1,2]", small),
            QStringLiteral("$: the input is 5 bytes, more than the limit of 4 bytes (line 1, column 1)"));
        QVERIFY(parseStrictJson("[1]", small, nullptr));
        StrictJsonLimits shallow;
        shallow.maxDepth = 2;
        QVERIFY(parseStrictJson("[[1]]", shallow, nullptr));
        QCOMPARE(
            errorOf("[[[1]]]", shallow), QStringLiteral("$[0][0]: nesting deeper than 2 levels (line 1, column 3)"));
        QVERIFY(parseStrictJson(nested(64, '[', ']'), {}, nullptr)); // 64 levels are allowed
        QVERIFY(parseStrictJson(nestedObjects(64), {}, nullptr));
    }

    void everyTruncationIsAnError()
    {
        // Not a raw string: moc misreads \" inside one and drops the slots that follow.
        const QByteArray doc
            = "{\"name\": \"t\", \"steps\": [{\"at\": 0, \"queue\": {\"api\": \"callInThread\", \"count\": 2,\n"
              "  \"sleepMs\": [10, 20], \"failureRate\": 0.5, \"print\": \"a\\\"b\\u00e9\"}}, {\"at\": 1e3, "
              "\"stop\": {}}], \"x\": [true, false, null]}";
        QVERIFY(parseStrictJson(doc, {}, nullptr));
        for (qsizetype n = 0; n < doc.size(); ++n) {
            const QString error = errorOf(doc.left(n));
            QVERIFY2(wellFormed(error), qPrintable(QString::fromUtf8(doc.left(n)) + QStringLiteral(" -> ") + error));
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
            QString error;
            const auto value = parseStrictJson(mutated, {}, &error);
            if (value)
                QVERIFY(value->root.isObject() || value->root.isArray());
            else
                QVERIFY2(wellFormed(error), qPrintable(error));
        }
    }

    void parsesValues()
    {
        QString error;
        const auto value = parseStrictJson("\xef\xbb\xbf { \"z\": 1, \"a\": [true, false, null, -0, 1.5e3, 12, "
                                           "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\\u0000\", 12.0, 1E2],"
                                           " \"\xc3\xa9\": {} } ",
            {}, &error);
        QVERIFY2(value, qPrintable(error));
        QVERIFY(value->root.isObject());
        const QJsonObject o = value->root.toObject();
        QCOMPARE(o.size(), 3);
        QCOMPARE(o.value(u"z").toInteger(), qint64 { 1 });
        const QJsonArray a = o.value(u"a").toArray();
        QCOMPARE(a.size(), 9);
        QCOMPARE(a[0], QJsonValue(true));
        QCOMPARE(a[1], QJsonValue(false));
        QVERIFY(a[2].isNull());
        QCOMPARE(a[4].toDouble(), 1500.0);
        QCOMPARE(a[6].toString(),
            QStringLiteral("\"\\/\b\f\n\r\t\u00e9") + QString::fromUtf8("\xf0\x9f\x98\x80") + QChar(0));
        QVERIFY(o.value(u"\u00e9").isObject());
        // Written with a fraction or an exponent: not integers, whatever Qt stores.
        const QSet<QString> expected { QStringLiteral("$.a[4]"), QStringLiteral("$.a[7]"), QStringLiteral("$.a[8]") };
        QCOMPARE(value->nonIntegerNumbers, expected);
    }

    void lineAndColumn()
    {
        const QByteArray text = "ab\n\xc3\xa9x\n\n\xf0\x9f\x98\x80y";
        QCOMPARE(textPosition(text, 0).line, 1);
        QCOMPARE(textPosition(text, 0).column, 1);
        QCOMPARE(textPosition(text, 2).column, 3); // the '\n' itself is on line 1
        QCOMPARE(textPosition(text, 3).line, 2);
        QCOMPARE(textPosition(text, 3).column, 1);
        QCOMPARE(textPosition(text, 5).column, 2); // 'x' after the two-byte 'é'
        QCOMPARE(textPosition(text, 7).line, 3);
        QCOMPARE(textPosition(text, 8).line, 4);
        QCOMPARE(textPosition(text, 12).column, 2); // 'y' after a four-byte character
        QCOMPARE(textPosition(text, 1000).line, 4); // clamped to the end
        QCOMPARE(textPosition(text, 1000).column, 3);
        QCOMPARE(textPosition(text, -5).column, 1);
    }

    void locatesValuesByPath()
    {
        const QByteArray doc = R"({"a": [10, {"b": "x", "odd key": [true]}], "\u0063": null, "d": {}})";
        struct Case {
            QString path;
            qsizetype value;
            qsizetype key;
        };
        const Case cases[] = {
            { QStringLiteral("$"), 0, -1 },
            { QStringLiteral("$.a"), 6, 1 },
            { QStringLiteral("$.a[0]"), 7, -1 },
            { QStringLiteral("$.a[1]"), 11, -1 },
            { QStringLiteral("$.a[1].b"), 17, 12 },
            { QStringLiteral("$.a[1][\"odd key\"]"), 33, 22 },
            { QStringLiteral("$.a[1][\"odd key\"][0]"), 34, -1 },
            { QStringLiteral("$.c"), 53, 43 }, // the key is written "\u0063"
            { QStringLiteral("$.d"), 64, 59 },
            { QStringLiteral("$.nope"), -1, -1 },
            { QStringLiteral("$.a[2]"), -1, -1 },
        };
        for (const Case& c : cases) {
            const auto at = locateJson(doc, c.path);
            QVERIFY2(at.value == c.value && at.key == c.key,
                qPrintable(QStringLiteral("%1: %2 %3").arg(c.path).arg(at.value).arg(at.key)));
        }
    }

    void paths()
    {
        const QString root = QStringLiteral("$");
        QCOMPARE(jsonPathKey(root, QStringLiteral("steps")), QStringLiteral("$.steps"));
        QCOMPARE(jsonPathKey(root, QStringLiteral("_a9")), QStringLiteral("$._a9"));
        QCOMPARE(jsonPathKey(root, QStringLiteral("9a")), QStringLiteral("$[\"9a\"]"));
        QCOMPARE(jsonPathKey(root, QStringLiteral("a b")), QStringLiteral("$[\"a b\"]"));
        QCOMPARE(jsonPathKey(root, QStringLiteral("q\"\n")), QStringLiteral("$[\"q\\\"\\u000a\"]"));
        QCOMPARE(jsonPathKey(root, QString()), QStringLiteral("$[\"\"]"));
        QCOMPARE(jsonPathIndex(QStringLiteral("$.a"), 12), QStringLiteral("$.a[12]"));
    }

    void escaperWritesWhatQtReads()
    {
        const QString text = QStringLiteral("plain \"quoted\" back\\slash /\t\n\r\b\f\u0001\u001f\u007f \u00e9 ")
            + QString::fromUtf8("\xf0\x9f\x98\x80") + QChar(0);
        QByteArray written;
        appendJsonString(written, text);
        QVERIFY(!written.contains('\n') && !written.contains('\t') && !written.contains('\0'));
        QCOMPARE(written.left(7), QByteArray("\"plain "));
        QByteArray doc = "[" + written + "]";
        QString error;
        const auto back = parseStrictJson(doc, {}, &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(back->root.toArray().at(0).toString(), text);
    }
};

QTEST_GUILESS_MAIN(TestScenarioJson)
#include "tst_scenariojson.moc"
