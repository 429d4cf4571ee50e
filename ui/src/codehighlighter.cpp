// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "codehighlighter_p.h"

#include <QColor>
#include <QFont>
#include <QStringList>

namespace qtwisted::detail {

namespace {

QRegularExpression words(const QStringList& list)
{
    return QRegularExpression(QStringLiteral("\\b(?:%1)\\b").arg(list.join(QLatin1Char('|'))));
}

} // namespace

QTextCharFormat CodeHighlighter::keywordFormat()
{
    QTextCharFormat f;
    f.setForeground(QColor(0x1f, 0x4e, 0xa8));
    f.setFontWeight(QFont::Bold);
    return f;
}

QTextCharFormat CodeHighlighter::apiFormat()
{
    QTextCharFormat f;
    f.setForeground(QColor(0x8a, 0x2b, 0xb0));
    return f;
}

QTextCharFormat CodeHighlighter::stringFormat()
{
    QTextCharFormat f;
    f.setForeground(QColor(0x2e, 0x7d, 0x32));
    return f;
}

QTextCharFormat CodeHighlighter::commentFormat()
{
    QTextCharFormat f;
    f.setForeground(QColor(0x75, 0x75, 0x75));
    f.setFontItalic(true);
    return f;
}

CodeHighlighter::CodeHighlighter(Language language, QTextDocument* document)
    : QSyntaxHighlighter(document)
    , m_language(language)
{
    const QStringList python { QStringLiteral("and"), QStringLiteral("as"), QStringLiteral("def"),
        QStringLiteral("class"), QStringLiteral("else"), QStringLiteral("except"), QStringLiteral("finally"),
        QStringLiteral("for"), QStringLiteral("from"), QStringLiteral("if"), QStringLiteral("import"),
        QStringLiteral("in"), QStringLiteral("is"), QStringLiteral("lambda"), QStringLiteral("None"),
        QStringLiteral("not"), QStringLiteral("or"), QStringLiteral("pass"), QStringLiteral("print"),
        QStringLiteral("raise"), QStringLiteral("return"), QStringLiteral("True"), QStringLiteral("False"),
        QStringLiteral("try"), QStringLiteral("while"), QStringLiteral("with"), QStringLiteral("yield") };
    const QStringList cpp { QStringLiteral("auto"), QStringLiteral("bool"), QStringLiteral("catch"),
        QStringLiteral("class"), QStringLiteral("const"), QStringLiteral("double"), QStringLiteral("else"),
        QStringLiteral("for"), QStringLiteral("if"), QStringLiteral("int"), QStringLiteral("namespace"),
        QStringLiteral("nullptr"), QStringLiteral("return"), QStringLiteral("std"), QStringLiteral("struct"),
        QStringLiteral("throw"), QStringLiteral("true"), QStringLiteral("false"), QStringLiteral("try"),
        QStringLiteral("using"), QStringLiteral("void"), QStringLiteral("while"), QStringLiteral("co_await"),
        QStringLiteral("co_return") };
    // The howto's API, in both languages (Twisted's names are qtwisted's names).
    const QStringList api { QStringLiteral("callFromThread"), QStringLiteral("callInThread"),
        QStringLiteral("callMultipleInThread"), QStringLiteral("deferToThread"), QStringLiteral("deferToThreadPool"),
        QStringLiteral("blockingCallFromThread"), QStringLiteral("suggestThreadPoolSize"), QStringLiteral("callLater"),
        QStringLiteral("addCallback"), QStringLiteral("addErrback"), QStringLiteral("addCallbacks"),
        QStringLiteral("addBoth"), QStringLiteral("Deferred"), QStringLiteral("reactor"), QStringLiteral("threads"),
        QStringLiteral("run"), QStringLiteral("stop") };

    m_rules.push_back({ words(language == Language::Python ? python : cpp), keywordFormat() });
    m_rules.push_back({ words(api), apiFormat() });
    QTextCharFormat number;
    number.setForeground(QColor(0xb0, 0x5a, 0x00));
    m_rules.push_back({ QRegularExpression(QStringLiteral("\\b\\d+(?:\\.\\d+)?\\b")), number });
    if (language == Language::Cpp) {
        QTextCharFormat preprocessor;
        preprocessor.setForeground(QColor(0x6a, 0x4a, 0x3c));
        m_rules.push_back({ QRegularExpression(QStringLiteral("^\\s*#\\s*\\w+.*$")), preprocessor });
    }
    m_rules.push_back({ QRegularExpression(QStringLiteral(R"("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')")), stringFormat() });
    m_rules.push_back(
        { QRegularExpression(language == Language::Python ? QStringLiteral("#.*$") : QStringLiteral("//.*$")),
            commentFormat() });
}

void CodeHighlighter::highlightBlock(const QString& text)
{
    for (const Rule& rule : m_rules) {
        for (auto it = rule.pattern.globalMatch(text); it.hasNext();) {
            const QRegularExpressionMatch m = it.next();
            setFormat(static_cast<int>(m.capturedStart()), static_cast<int>(m.capturedLength()), rule.format);
        }
    }
    if (m_language != Language::Cpp)
        return;
    // Block comments, possibly over several lines: state 1 means "inside one at the end of the line".
    setCurrentBlockState(0);
    qsizetype start = previousBlockState() == 1 ? 0 : text.indexOf(QStringLiteral("/*"));
    while (start >= 0) {
        const qsizetype end = text.indexOf(QStringLiteral("*/"), start);
        qsizetype length = 0;
        if (end < 0) {
            setCurrentBlockState(1);
            length = text.size() - start;
        } else {
            length = end - start + 2;
        }
        setFormat(static_cast<int>(start), static_cast<int>(length), commentFormat());
        start = end < 0 ? -1 : text.indexOf(QStringLiteral("/*"), start + length);
    }
}

} // namespace qtwisted::detail
