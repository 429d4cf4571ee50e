// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <QRegularExpression>
#include <QSyntaxHighlighter>
#include <QTextCharFormat>

#include <vector>

namespace qtwisted::detail {

/// Colours a recipe's Python or C++: keywords, strings, comments, numbers, and the names of Twisted's and
/// qtwisted's threading API (what a recipe is about). Line by line; a C++ block comment may span lines.
class CodeHighlighter : public QSyntaxHighlighter {
    Q_OBJECT
public:
    enum class Language { Python, Cpp };

    CodeHighlighter(Language language, QTextDocument* document);

    /// The format given to the text matched by each rule (for tests).
    static QTextCharFormat keywordFormat();
    static QTextCharFormat apiFormat();
    static QTextCharFormat stringFormat();
    static QTextCharFormat commentFormat();

protected:
    void highlightBlock(const QString& text) override;

private:
    struct Rule {
        QRegularExpression pattern;
        QTextCharFormat format;
    };
    Language m_language;
    std::vector<Rule> m_rules; // in order: later rules win where they overlap (strings and comments last)
};

} // namespace qtwisted::detail
