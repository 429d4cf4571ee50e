// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <QtGlobal>

#include <atomic>
#include <mutex>

/// Records every message (from any thread) while it exists, and passes it on to QtTest's handler, so a test can
/// assert that something was logged exactly once, in which category and at which level.
class MessageLog {
public:
    MessageLog()
    {
        s_log.store(this);
        s_previous = qInstallMessageHandler(&MessageLog::handle);
    }
    ~MessageLog()
    {
        qInstallMessageHandler(s_previous);
        s_log.store(nullptr);
    }
    MessageLog(const MessageLog&) = delete;
    MessageLog& operator=(const MessageLog&) = delete;
    MessageLog(MessageLog&&) = delete;
    MessageLog& operator=(MessageLog&&) = delete;

    /// Messages at warning level or above whose category starts with `categoryPrefix` (any when null), containing
    /// every needle.
    int count(const char* categoryPrefix, const QStringList& needles) const
    {
        std::lock_guard lock(m_mutex);
        int n = 0;
        for (const Entry& e : m_entries) {
            if (e.type != QtWarningMsg && e.type != QtCriticalMsg && e.type != QtFatalMsg)
                continue;
            if (categoryPrefix && !e.category.startsWith(categoryPrefix))
                continue;
            bool all = true;
            for (const QString& needle : needles)
                all = all && e.text.contains(needle);
            n += all ? 1 : 0;
        }
        return n;
    }

private:
    struct Entry {
        QtMsgType type;
        QByteArray category;
        QString text;
    };

    static void handle(QtMsgType type, const QMessageLogContext& context, const QString& text)
    {
        if (MessageLog* log = s_log.load()) {
            std::lock_guard lock(log->m_mutex);
            log->m_entries.append({ type, QByteArray(context.category), text });
        }
        s_previous(type, context, text);
    }

    static inline std::atomic<MessageLog*> s_log { nullptr };
    static inline QtMessageHandler s_previous = nullptr;
    mutable std::mutex m_mutex;
    QList<Entry> m_entries;
};
