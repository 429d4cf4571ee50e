// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// QTwisted::Testing, each capability: virtual time, manual pools, results without waiting, the spy, the guard's
// list of leftovers (in-process), and the guard failing deliberately dirty tests (tst_testing_dirty, in a child
// process: its output and exit status).
#include <qtwisted/testing.h>
#include <qtwisted/threads.h>

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>
#include <QThread>

#include <stdexcept>

using namespace qtwisted;
using namespace qtwisted::testing;
using namespace std::chrono_literals;

namespace {

/// A component as an application would write it: asks a server, retries after 10 s, gives up after 3 tries (30 s).
class Retrier {
public:
    explicit Retrier(Reactor& reactor)
        : m_reactor(reactor)
    {
    }
    Deferred<QString> fetch(std::function<bool()> attempt)
    {
        m_attempt = std::move(attempt);
        m_tries = 0;
        m_result = Deferred<QString>();
        tryOnce();
        return m_result;
    }

private:
    void tryOnce()
    {
        ++m_tries;
        if (m_attempt()) {
            m_result.callback(QStringLiteral("ok after %1").arg(m_tries));
            return;
        }
        if (m_tries == 3) {
            m_reactor.callLater(10s, [this] { m_result.errback(Failure::make(std::runtime_error("gave up"))); });
            return;
        }
        m_reactor.callLater(10s, [this] { tryOnce(); });
    }
    Reactor& m_reactor;
    std::function<bool()> m_attempt;
    int m_tries = 0;
    Deferred<QString> m_result;
};

/// The line of `// SITE:<name>` in tst_testing_dirty.cpp.
int siteLine(const char* name)
{
    QFile f(QStringLiteral(QTWISTED_DIRTY_SOURCE));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray marker = QByteArray("// SITE:") + name;
    int line = 0;
    while (!f.atEnd()) {
        ++line;
        const QByteArray text = f.readLine();
        if (text.trimmed().endsWith(marker))
            return line;
    }
    return -1;
}

struct Child {
    int exitCode = -1;
    QString output;
};

Child runDirty(const QStringList& args)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_FATAL_CRITICALS"), QStringLiteral("0"));
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(QTWISTED_DIRTY_EXE), args);
    if (!p.waitForFinished(60000))
        return {};
    return { p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2, QString::fromLocal8Bit(p.readAll()) };
}

/// A pattern (re:) matching tst_testing_dirty.cpp's line of `// SITE:<name>`, as the guard ("file:line") or QtTest
/// ("file(line)") prints it.
QString dirtySite(const char* name)
{
    return QStringLiteral("re:tst_testing_dirty\\.cpp[:(]%1\\b").arg(siteLine(name));
}

bool outputHas(const QString& output, const QString& expected)
{
    if (expected.startsWith(QLatin1String("re:")))
        return QRegularExpression(expected.mid(3)).match(output).hasMatch();
    return output.contains(expected);
}

} // namespace

class TestingTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // ---- virtual time ----
    void advanceRunsCallsDueExactlyAtTheTarget()
    {
        Reactor reactor;
        VirtualClock clock(reactor);
        int ran = 0;
        reactor.callLater(1.0, [&ran] { ++ran; });
        clock.advance(0.999);
        QCOMPARE(ran, 0);
        clock.advance(0.001);
        QCOMPARE(ran, 1);
        reactor.callLater(2s, [&ran] { ++ran; });
        clock.advance(2s);
        QCOMPARE(ran, 2);
    }

    void timeNeverMovesByItself()
    {
        Reactor reactor;
        VirtualClock clock(reactor);
        const double t0 = reactor.seconds();
        bool ran = false;
        reactor.callLater(0.005, [&ran] { ran = true; });
        QTest::qWait(50); // the real event loop turns; the reactor's timer is never armed
        QVERIFY(!ran);
        QCOMPARE(reactor.seconds(), t0);
        QCOMPARE(clock.seconds(), t0);
        clock.advance(0.005);
        QVERIFY(ran);
        QCOMPARE(reactor.seconds(), t0 + 0.005);
    }

    void callsScheduledWhileAdvancingRunWhenDueByTheTarget()
    {
        Reactor reactor;
        VirtualClock clock(reactor);
        QStringList log;
        reactor.callLater(1.0, [&] {
            log << QStringLiteral("a");
            reactor.callLater(0.0, [&] { log << QStringLiteral("b"); }); // due at the target: runs now
            reactor.callLater(0.5, [&] { log << QStringLiteral("c"); }); // due 0.5 s after the target (Twisted)
        });
        clock.advance(2.0);
        QCOMPARE(log, (QStringList { QStringLiteral("a"), QStringLiteral("b") }));
        QCOMPARE(clock.timeToNext(), std::optional<double>(0.5));
    }

    void pumpFlushRunUntilIdleAndPending()
    {
        Reactor reactor;
        VirtualClock clock(reactor);
        QList<double> at;
        const double t0 = clock.seconds();
        for (double d : { 3.0, 1.0, 2.0 })
            reactor.callLater(d, [&] { at << clock.seconds() - t0; });
        QCOMPARE(clock.pending().size(), 3);
        QCOMPARE(clock.pending().first().dueIn, 1.0);
        QVERIFY2(clock.pending().first().site.contains(QStringLiteral("tst_testing.cpp:")),
            qPrintable(clock.pending().first().site));
        clock.pump({ 0.5, 0.5, 1.0 });
        QCOMPARE(at, (QList<double> { 1.0, 2.0 }));
        bool queued = false;
        reactor.callFromThread([&queued] { queued = true; });
        QVERIFY(!queued);
        QCOMPARE(clock.flush(), 1);
        QVERIFY(queued);
        QCOMPARE(clock.runUntilIdle(), 1);
        QCOMPARE(at.size(), 3);
        QCOMPARE(clock.timeToNext(), std::nullopt);
        QVERIFY(clock.pending().isEmpty());
    }

    void delayedCallResetAndDelayUseTheVirtualClock()
    {
        Reactor reactor;
        VirtualClock clock(reactor);
        bool ran = false;
        DelayedCall dc = reactor.callLater(5.0, [&ran] { ran = true; });
        clock.advance(4.0);
        dc.reset(5.0); // now due at 9
        QCOMPARE(dc.getTime(), clock.seconds() + 5.0);
        clock.advance(4.0);
        dc.delay(1.0); // now due at 10
        clock.advance(1.0);
        QVERIFY(!ran);
        clock.advance(1.0);
        QVERIFY(ran);
    }

    void aComponentWaiting30SecondsTakesMilliseconds()
    {
        Reactor reactor;
        VirtualClock clock(reactor);
        Retrier retrier(reactor);
        QElapsedTimer wall;
        wall.start();
        int attempts = 0;
        Deferred<QString> d = retrier.fetch([&attempts] { return ++attempts == 3; });
        assertNoResult(d);
        clock.advance(10s);
        assertNoResult(d);
        clock.advance(10s);
        QCOMPARE(successResultOf(d), QStringLiteral("ok after 3"));

        d = retrier.fetch([] { return false; });
        clock.pump({ 10.0, 10.0, 9.999 }); // each retry is scheduled from when the previous one ran
        QTW_VERIFY_NO_RESULT(d);
        clock.advance(0.001); // 30 s of callLater time
        QCOMPARE(failureResultOf<std::runtime_error>(d).message(), QStringLiteral("gave up"));
        QVERIFY2(wall.elapsed() < 500, qPrintable(QString::number(wall.elapsed())));
        qInfo("60 s of callLater time ran in %lld ms of wall time", static_cast<long long>(wall.elapsed()));
    }

    // ---- deterministic pools ----
    void manualPoolRunsJobsOnlyWhenTold()
    {
        Reactor reactor;
        ManualPool pool(reactor);
        VirtualClock clock(reactor);
        QThread* ranIn = nullptr;
        Deferred<int> d = threads::deferToThreadPool(reactor, reactor.getThreadPool(), [&ranIn] {
            ranIn = QThread::currentThread();
            return 42;
        });
        int plain = 0;
        reactor.callInThread([&plain] { ++plain; });
        QCOMPARE(pool.pendingCount(), 2);
        QCOMPARE(pool.pending().size(), 2);
        QTest::qWait(20);
        QTW_VERIFY_NO_RESULT(d);
        QCOMPARE(reactor.getThreadPool().stats().workers, 0);
        pool.runNext();
        QCOMPARE(ranIn, QThread::currentThread());
        QTW_COMPARE_RESULT(d, 42);
        QCOMPARE(plain, 0);
        QCOMPARE(pool.runAll(), 1);
        QCOMPARE(plain, 1);
        QCOMPARE(pool.pendingCount(), 0);
        const PoolStats stats = reactor.getThreadPool().stats();
        QCOMPARE(stats.completed, quint64(2));
        QCOMPARE(stats.backlog, 0);
    }

    void manualPoolFailuresAndCancel()
    {
        Reactor reactor;
        ManualPool pool(reactor);
        VirtualClock clock(reactor);
        auto failing = threads::deferToThreadPool(
            reactor, reactor.getThreadPool(), []() -> int { throw std::invalid_argument("bad input"); });
        auto cancelled = threads::deferToThreadPool(reactor, reactor.getThreadPool(), [] { return 1; });
        cancelled.cancel();
        clock.flush();
        QTW_VERIFY_FAILURE(cancelled, CancelledError);
        QCOMPARE(pool.pendingCount(), 1);
        pool.runNext();
        QTW_VERIFY_FAILURE(failing, std::invalid_argument);
    }

    // ---- results without waiting ----
    void resultsWithoutWaiting()
    {
        auto v = succeed(QStringLiteral("x"));
        QCOMPARE(successResultOf(v), QStringLiteral("x"));
        QCOMPARE(successResultOf(v), QStringLiteral("x")); // a copyable value stays in the chain
        auto moved = succeed(std::make_unique<int>(7));
        QCOMPARE(*successResultOf(moved), 7);
        successResultOf(succeed());
        auto f = fail<int>(Failure::make(std::out_of_range("range")));
        const Failure failure = failureResultOf<std::logic_error>(f); // base classes match
        QVERIFY(failure.check<std::out_of_range>());
        Deferred<int> pending;
        assertNoResult(pending);
        pending.callback(3);
        QTW_COMPARE_RESULT(pending, 3);
        QTW_VERIFY_SUCCESS(pending);
    }

    // ---- the spy ----
    void spyRecordsWhatHappened()
    {
        Deferred<int> a;
        DeferredSpy<int> sa(a);
        QVERIFY(!sa.fired());
        a.callback(5);
        QVERIFY(sa.fired() && sa.succeeded() && !sa.failed());
        QCOMPARE(sa.value(), 5);
        QCOMPARE(successResultOf(a), 5); // the spy does not change the result

        Deferred<int> b;
        DeferredSpy<int> sb(b);
        b.cancel();
        QVERIFY(sb.cancelled() && sb.failed());
        failureResultOf<CancelledError>(b);

        Deferred<void> c;
        DeferredSpy<void> sc(c);
        c.errback(Failure::make(std::runtime_error("no")));
        QVERIFY(sc.failed() && !sc.cancelled());
        QCOMPARE(sc.failure()->message(), QStringLiteral("no"));
        failureResultOf(c);
    }

    void spyWaitsOnTheRealReactor()
    {
        Reactor reactor; // started by the spy's event loop (embedded mode)
        ThreadPool pool(1, 2, QStringLiteral("spy"));
        pool.start();
        auto d = threads::deferToThreadPool(reactor, pool, [] {
            QThread::msleep(20);
            return 9;
        });
        DeferredSpy<int> spy(d);
        QVERIFY(spy.wait(10s));
        QCOMPARE(spy.value(), 9);
        Deferred<int> never;
        DeferredSpy<int> late(never);
        QElapsedTimer t;
        t.start();
        QVERIFY(!late.wait(50ms));
        QVERIFY(t.elapsed() >= 45);
        never.callback(0);
    }

    // ---- the guard's list, in-process ----
    void guardNamesLeftoversAndTheirSites()
    {
        Reactor reactor;
        ThreadPool pool(0, 1, QStringLiteral("guarded"));
        TestGuard guard;
        QVERIFY(guard.leftovers().isEmpty());

        const int delayedLine = __LINE__ + 1;
        DelayedCall dc = reactor.callLater(5.0, [] {});
        reactor.callFromThread([] {});
        pool.callInThread([] {});
        const int unfiredLine = __LINE__ + 1;
        Deferred<int> unfired;
        {
            Deferred<int> dropped;
            dropped.errback(Failure::make(std::runtime_error("dropped")));
        }
        const QString all = guard.leftovers().join(QLatin1Char('\n'));
        QVERIFY2(all.contains(QStringLiteral("delayed call scheduled at ")), qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("tst_testing.cpp:%1").arg(delayedLine)), qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("still queued for the reactor thread")), qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("queued in pool 'guarded'")), qPrintable(all));
        QVERIFY2(
            all.contains(QStringLiteral("made at %1:%2 never fired").arg(QStringLiteral(__FILE__)).arg(unfiredLine)),
            qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("unhandled failure: std::runtime_error: dropped")), qPrintable(all));
        QCOMPARE(guard.leftovers().size(), 5);

        // Clean up each one: the guard then passes.
        dc.cancel();
        VirtualClock clock(reactor);
        clock.flush();
        ManualPool(pool).runAll();
        expectPending(unfired);
        QCOMPARE(flushUnhandledErrors<std::logic_error>(), 0);
        QCOMPARE(flushUnhandledErrors<std::runtime_error>(), 1);
        QVERIFY2(guard.leftovers().isEmpty(), qPrintable(guard.leftovers().join(QLatin1Char('\n'))));
        QVERIFY(guard.check());
    }

    // ---- the guard failing dirty tests, in a child process ----
    void dirtyTestsFailNamingTheirSites_data()
    {
        QTest::addColumn<QString>("function");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("clean") << "clean" << 0 << QStringList { QStringLiteral("PASS   : DirtyTest::clean()") };
        QTest::newRow("delayed call") << "leavesDelayedCall" << 1
                                      << QStringList { QStringLiteral("FAIL!  : DirtyTest::leavesDelayedCall()"),
                                             QStringLiteral("a delayed call scheduled at"), dirtySite("delayed"),
                                             QStringLiteral("still pending, due in 30.000 s") };
        QTest::newRow("queued call") << "leavesQueuedCall" << 1
                                     << QStringList { QStringLiteral("FAIL!  : DirtyTest::leavesQueuedCall()"),
                                            QStringLiteral("still queued for the reactor thread") };
        QTest::newRow("unhandled failure")
            << "dropsUnhandledFailure" << 1
            << QStringList { QStringLiteral("FAIL!  : DirtyTest::dropsUnhandledFailure()"),
                   QStringLiteral("a Deferred made at"), dirtySite("unhandled"),
                   QStringLiteral("dropped holding an unhandled failure: std::runtime_error: boom") };
        QTest::newRow("flushed failure") << "flushesExpectedFailure" << 0
                                         << QStringList { QStringLiteral(
                                                "PASS   : DirtyTest::flushesExpectedFailure()") };
        QTest::newRow("unfired Deferred") << "neverFiredDeferred" << 1
                                          << QStringList { QStringLiteral("FAIL!  : DirtyTest::neverFiredDeferred()"),
                                                 dirtySite("unfired"), QStringLiteral("never fired") };
        QTest::newRow("opted out") << "optedOutDeferred" << 0
                                   << QStringList { QStringLiteral("PASS   : DirtyTest::optedOutDeferred()") };
        QTest::newRow("pool job") << "leavesPoolJob" << 1
                                  << QStringList { QStringLiteral("FAIL!  : DirtyTest::leavesPoolJob()"),
                                         QStringLiteral("is still queued in pool 'dirty'") };
        QTest::newRow("worker outlives pool")
            << "workerOutlivesPool" << 1
            << QStringList { QStringLiteral("FAIL!  : DirtyTest::workerOutlivesPool()"),
                   QStringLiteral("thread PoolThread-gone"),
                   QStringLiteral("a worker of pool 'gone', outlived its pool") };
        QTest::newRow("timeout while waiting")
            << "timesOutWaiting" << 1
            << QStringList { QStringLiteral("FAIL!  : DirtyTest::timesOutWaiting()"),
                   QStringLiteral("timesOutWaiting() timed out after 1500 ms; pending:"), dirtySite("timeout"),
                   QStringLiteral("re:still pending, due in 5\\d\\.\\d+ s") };
        QTest::newRow("timeout while blocked")
            << "timesOutBlocked" << 3
            << QStringList { QStringLiteral(
                   "FAIL!  : timesOutBlocked() timed out after 1500 ms and its thread does not "
                   "return to the event loop; pending:") };
        QTest::newRow("negative advance")
            << "advanceNegative" << 1
            << QStringList { QStringLiteral("VirtualClock::advance(-1): time only moves forward"),
                   dirtySite("negative") };
        QTest::newRow("empty pool") << "runNextOfEmptyPool" << 1
                                    << QStringList { QStringLiteral(
                                                         "ManualPool::runNext: no job is queued in pool 'empty'"),
                                           dirtySite("emptypool") };
        QTest::newRow("other thread") << "successResultOfOtherThread" << 1
                                      << QStringList { QStringLiteral(
                                                           "successResultOf: the Deferred belongs to another "
                                                           "thread"),
                                             dirtySite("otherthread") };
        QTest::newRow("no result")
            << "successResultOfNoResult" << 1
            << QStringList { QStringLiteral("successResultOf: expected a value, the Deferred holds no result yet"),
                   dirtySite("noresult") };
        QTest::newRow("wrong failure, left unhandled")
            << "failureOfWrongType" << 1
            << QStringList { QStringLiteral(
                                 "failureResultOf: expected a failure of type std::runtime_error, the Deferred "
                                 "holds a failure: std::logic_error: wrong"),
                   dirtySite("wrongtype") };
    }

    void dirtyTestsFailNamingTheirSites()
    {
        QFETCH(QString, function);
        QFETCH(int, exitCode);
        QFETCH(QStringList, expected);
        const Child child = runDirty({ function });
        for (const QString& e : expected)
            QVERIFY2(
                outputHas(child.output, e), qPrintable(QStringLiteral("missing \"%1\" in:\n%2").arg(e, child.output)));
        QCOMPARE(child.exitCode, exitCode);
    }

    void guardOutsideATestFunctionIsRefused()
    {
        const Child child = runDirty({ QStringLiteral("--guard-outside-test") });
        QCOMPARE(child.exitCode, 4);
        QVERIFY2(child.output.contains(QStringLiteral("must be made inside a QtTest test function")),
            qPrintable(child.output));
    }
};

QTEST_GUILESS_MAIN(TestingTest)
#include "tst_testing.moc"
