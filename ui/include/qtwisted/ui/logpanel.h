// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <QGroupBox>

class QDateTime;
class QPlainTextEdit;

namespace qtwisted {

/// The "Log" box: what jobs and callbacks print, with the time and the thread (the last few thousand lines).
class LogPanel : public QGroupBox {
    Q_OBJECT
public:
    explicit LogPanel(QWidget* parent = nullptr);

    void appendOutput(const QDateTime& time, const QString& threadName, const QString& text);
    /// A separator line before a scenario's output.
    void appendHeading(const QString& title);

private:
    QPlainTextEdit* m_log;
};

} // namespace qtwisted
