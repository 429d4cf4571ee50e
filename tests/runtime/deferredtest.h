// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// What the tst_deferred_* suites share: Twisted's test_defer.py helpers in C++, and a log capture that fails a test
// which leaves an unexpected "Unhandled error in Deferred" behind.
#pragma once

#include <qtwisted/deferred.h>
#include <qtwisted/errors.h>
#include <qtwisted/failure.h>
#include <qtwisted/outcome.h>

#include <QList>
#include <QMessageLogContext>
#include <QString>
#include <QStringList>
#include <QTest>

#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

namespace deferredtest {

using namespace qtwisted;
using namespace Qt::StringLiterals;

/// Twisted's GenericError.
class GenericError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct NotAnException {
    int code = 7;
};

struct MoveOnly {
    explicit MoveOnly(int v)
        : value(std::make_unique<int>(v))
    {
    }
    std::unique_ptr<int> value;
};

inline Failure genericFailure(const char* what)
{
    return Failure::make(GenericError(what));
}

/// Records every message (forwarding it to QtTest's handler, so QTest::ignoreMessage still works).
class LogCapture {
public:
    struct Entry {
        QtMsgType type;
        QString category;
        QString message;
    };

    LogCapture()
    {
        s_current = this;
        m_previous = qInstallMessageHandler(&LogCapture::handler);
    }
    ~LogCapture()
    {
        qInstallMessageHandler(m_previous);
        s_current = nullptr;
    }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;
    LogCapture(LogCapture&&) = delete;
    LogCapture& operator=(LogCapture&&) = delete;

    /// The messages of category qtwisted.deferred seen so far; forgets them.
    QList<Entry> takeDeferred()
    {
        const std::lock_guard lock(m_mutex);
        QList<Entry> taken;
        QList<Entry> kept;
        for (auto& e : m_entries)
            (e.category == u"qtwisted.deferred"_s ? taken : kept).append(e);
        m_entries = kept;
        return taken;
    }

private:
    static void handler(QtMsgType type, const QMessageLogContext& context, const QString& message)
    {
        QtMessageHandler previous = nullptr;
        if (LogCapture* self = s_current) {
            const std::lock_guard lock(self->m_mutex);
            self->m_entries.append({ type, QString::fromUtf8(context.category ? context.category : ""), message });
            previous = self->m_previous;
        }
        if (previous)
            previous(type, context, message);
    }

    static inline LogCapture* s_current = nullptr;
    QtMessageHandler m_previous = nullptr;
    std::mutex m_mutex;
    QList<Entry> m_entries;
};

inline QStringList messagesOf(const QList<LogCapture::Entry>& entries)
{
    QStringList out;
    for (const auto& e : entries)
        out.append(e.message);
    return out;
}

/// Twisted's test_boundedStackDepth helper: top -> inner[n-1] -> ... -> inner[0] -> last, the inners fired
/// deepest first, then `last`; returns the frame address of the callback that runs at the end.
struct StackProbe {
    std::vector<quintptr> frames;
    bool recordedEarly = false;
};

inline StackProbe chainDeferreds(int howMany)
{
    StackProbe probe;
    Deferred<void> top;
    std::vector<Deferred<void>> innerDeferreds(static_cast<std::size_t>(howMany));
    const std::vector<Deferred<void>> originalInners = innerDeferreds;
    Deferred<void> last;

    Deferred<void> inner = innerDeferreds.back();
    innerDeferreds.pop_back();
    top.addCallback([inner] { return inner; });
    top.addCallback([&probe] { probe.frames.push_back(reinterpret_cast<quintptr>(__builtin_frame_address(0))); });
    while (!innerDeferreds.empty()) {
        Deferred<void> newInner = innerDeferreds.back();
        innerDeferreds.pop_back();
        inner.addCallback([newInner] { return newInner; });
        inner = newInner;
    }
    inner.addCallback([last] { return last; });

    top.callback();
    for (auto d : originalInners)
        d.callback();
    probe.recordedEarly = !probe.frames.empty();
    last.callback();
    return probe;
}

/// Installed for each test function (init()/cleanup()): every test must leave no unexpected "Unhandled error in
/// Deferred" behind; tests that expect one take it.
class UnhandledErrorCheck {
public:
    void begin() { m_log.emplace(); }
    QList<LogCapture::Entry> take() { return m_log->takeDeferred(); }
    void end()
    {
        const QStringList unexpected = messagesOf(m_log->takeDeferred());
        m_log.reset();
        if (!QTest::currentTestFailed())
            QVERIFY2(
                unexpected.isEmpty(), qPrintable(u"unexpected qtwisted.deferred log: "_s + unexpected.join(u" | ")));
    }

private:
    std::optional<LogCapture> m_log;
};

} // namespace deferredtest
