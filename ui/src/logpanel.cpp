// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "panelutil_p.h"

#include <qtwisted/ui/logpanel.h>

#include <QDateTime>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace qtwisted {

namespace {
constexpr int kLogLines = 5000;
}

LogPanel::LogPanel(QWidget* parent)
    : QGroupBox(tr("Log"), parent)
    , m_log(new QPlainTextEdit)
{
    m_log->setObjectName(QStringLiteral("log"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(kLogLines);
    m_log->setFont(detail::monospaceFont());
    m_log->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_log->setPlaceholderText(tr("What jobs and callbacks print appears here, with the time and the thread."));
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_log);
}

void LogPanel::appendOutput(const QDateTime& time, const QString& threadName, const QString& text)
{
    m_log->appendPlainText(QStringLiteral("%1  %2  %3")
                               .arg(time.toString(QStringLiteral("HH:mm:ss.zzz")), threadName.leftJustified(30), text));
}

void LogPanel::appendHeading(const QString& title)
{
    m_log->appendPlainText(tr("── %1 ──").arg(title));
}

} // namespace qtwisted
