// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// The examples of "Using Threads in Twisted" (Twisted's documentation), written in C++ line for line, run in one
// reactor: what each prints, in which order, and in which thread each piece ran.
#include <qtwisted/reactor.h>
#include <qtwisted/threads.h>

#include <QMutex>
#include <QTest>
#include <QThread>

#include <chrono>

using namespace std::chrono_literals;

namespace {

struct Line {
    QString text;
    QString thread;
    bool mainThread;
    friend bool operator==(const Line& a, const Line& b) { return a.text == b.text && a.thread == b.thread; }
};

QMutex g_mutex;
QList<Line> g_lines;
QtMessageHandler g_previous = nullptr;

void record(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    if (type == QtInfoMsg && context.category && qstrcmp(context.category, "default") == 0) {
        QMutexLocker lock(&g_mutex);
        QThread* t = QThread::currentThread();
        g_lines.append({ message, t->objectName(), t == QCoreApplication::instance()->thread() });
    }
    g_previous(type, context, message);
}

QThread* g_notThreadSafeThread = nullptr;
int g_notThreadSafeArg = 0;

// ---- the howto's functions, in C++ ------------------------------------------------------------------------------

void notThreadSafe(int x)
{
    g_notThreadSafeThread = QThread::currentThread();
    g_notThreadSafeArg = x;
}

void aSillyBlockingMethod(const QString& x)
{
    QThread::sleep(2);
    qInfo().noquote() << x;
}

void aSillyBlockingMethodOne(const QString& x)
{
    QThread::sleep(2);
    qInfo().noquote() << x;
}

void aSillyBlockingMethodTwo(const QString& x)
{
    qInfo().noquote() << x;
}

int doLongCalculation()
{
    // .... do long calculation here ...
    return 3;
}

void printResult(int x)
{
    qInfo() << x;
}

qtwisted::Deferred<QString> getPage(const QString& url)
{
    qtwisted::Deferred<QString> page;
    qtwisted::Reactor::instance().callLater(
        10ms, [page, url]() mutable { page.callback(QStringLiteral("<html>the page at %1</html>").arg(url)); });
    return page;
}

} // namespace

class TestHowto : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { g_previous = qInstallMessageHandler(record); }
    void cleanupTestCase() { qInstallMessageHandler(g_previous); }

    void examplesRunAsTheHowtoSays()
    {
        // ---- the howto's examples --------------------------------------------------------------------------------
        using namespace qtwisted;
        auto& reactor = Reactor::instance();

        reactor.callFromThread(notThreadSafe, 3); // runs notThreadSafe(3) in the reactor thread

        reactor.callInThread(aSillyBlockingMethod, QStringLiteral("2 seconds have passed"));

        threads::callMultipleInThread({ [] { aSillyBlockingMethodOne(QStringLiteral("Calling First")); },
            [] { aSillyBlockingMethodTwo(QStringLiteral("And the second")); } });

        threads::deferToThread(doLongCalculation).addCallback(printResult); // printResult(3) in the reactor thread

        reactor.callInThread([&reactor] {
            try {
                QString page = threads::blockingCallFromThread(reactor, getPage, QStringLiteral("http://..."));
                qInfo() << page; // getPage returns Deferred<QString>
            } catch (const std::exception& e) {
                qInfo() << e.what();
            }
            reactor.callFromThread([&reactor] { reactor.stop(); });
        });

        reactor.suggestThreadPoolSize(30);
        reactor.run();
        // ---- end of the verbatim part ----------------------------------------------------------------------------

        QCOMPARE(g_notThreadSafeArg, 3);
        QCOMPARE(g_notThreadSafeThread, QCoreApplication::instance()->thread());
        QCOMPARE(reactor.getThreadPool().maxThreads(), 30);
        QVERIFY(!reactor.isRunning());
        QVERIFY(reactor.getThreadPool().isJoined());

        QMutexLocker lock(&g_mutex);
        auto find = [](const QString& text) -> const Line* {
            for (const Line& l : g_lines) {
                if (l.text == text)
                    return &l;
            }
            return nullptr;
        };
        const Line* twoSeconds = find(QStringLiteral("2 seconds have passed"));
        const Line* first = find(QStringLiteral("Calling First"));
        const Line* second = find(QStringLiteral("And the second"));
        const Line* result = find(QStringLiteral("3"));
        const Line* page = find(QStringLiteral("\"<html>the page at http://...</html>\""));
        QVERIFY(twoSeconds);
        QVERIFY(first);
        QVERIFY(second);
        QVERIFY(result);
        QVERIFY(page);
        // Blocking work ran in the pool's named threads; the callback ran in the reactor thread.
        QVERIFY(!twoSeconds->mainThread);
        QVERIFY(twoSeconds->thread.startsWith(QStringLiteral("PoolThread-qtwisted.reactor-")));
        QVERIFY(!first->mainThread);
        QCOMPARE(second->thread, first->thread); // callMultipleInThread: one worker, in order
        QVERIFY(g_lines.indexOf(*first) < g_lines.indexOf(*second));
        QVERIFY(result->mainThread);
        QVERIFY(!page->mainThread); // printed by the worker that blocked on the reactor
        QCOMPARE(g_lines.size(), 5); // nothing else printed, nothing printed twice
    }
};

QTEST_GUILESS_MAIN(TestHowto)
#include "tst_howto.moc"
