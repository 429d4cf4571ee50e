// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// DiagnosticsMonitor: every rule fires on a program that has the problem and stays silent on a healthy one; the
// pool's compensation for blocked workers makes the blockingCallFromThread deadlock finish.
#include "messagelog.h"
#include "reactortest.h"

#include <qtwisted/deferred.h>
#include <qtwisted/diagnostics.h>
#include <qtwisted/errors.h>
#include <qtwisted/reactor.h>
#include <qtwisted/threadpool.h>
#include <qtwisted/threads.h>
#include <qtwisted/trace.h>

#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace qtwisted;
using namespace std::chrono_literals;
using namespace Qt::StringLiterals;
using reactortest::runWithWatchdog;
using reactortest::whenTrue;

namespace {

/// Thresholds small enough for a test to run in well under a second per rule.
DiagnosticThresholds quick()
{
    DiagnosticThresholds t;
    t.stall = 60ms;
    t.saturation = 150ms;
    t.starvation = 500ms;
    t.queueWait = 80ms;
    t.queueWaitWindow = 2000ms;
    t.longRunningJob = 120ms;
    t.sampleInterval = 10ms;
    t.hotLoopWindow = 300ms;
    return t;
}

QList<DiagnosticFinding> ofRule(const QList<DiagnosticFinding>& all, DiagnosticRule rule)
{
    QList<DiagnosticFinding> out;
    for (const auto& f : all) {
        if (f.rule == rule)
            out.append(f);
    }
    return out;
}

QString describe(const QList<DiagnosticFinding>& all)
{
    QStringList lines;
    for (const auto& f : all)
        lines.append(toString(f.rule) + u": "_s + f.message);
    return lines.join(u"\n"_s);
}

/// Polls `monitor.findings()` from another thread while the reactor thread may be stalled.
class Observer {
public:
    explicit Observer(const DiagnosticsMonitor& monitor)
        : m_thread([this, &monitor] {
            while (!m_stop.load()) {
                const auto all = monitor.findings();
                {
                    std::lock_guard lock(m_mutex);
                    for (const auto& f : all) {
                        if (f.ongoing())
                            m_seenOngoing.append(f);
                    }
                }
                std::this_thread::sleep_for(5ms);
            }
        })
    {
    }
    ~Observer()
    {
        m_stop.store(true);
        m_thread.join();
    }
    Observer(const Observer&) = delete;
    Observer& operator=(const Observer&) = delete;
    Observer(Observer&&) = delete;
    Observer& operator=(Observer&&) = delete;

    QList<DiagnosticFinding> seenOngoing()
    {
        std::lock_guard lock(m_mutex);
        return m_seenOngoing;
    }

private:
    std::atomic<bool> m_stop { false };
    std::mutex m_mutex;
    QList<DiagnosticFinding> m_seenOngoing;
    std::thread m_thread;
};

} // namespace

class TestDiagnostics : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // ---- rule 1: reactor stall -------------------------------------------------------------------------------

    void stallIsReportedWhileItLastsAndNamesTheCall()
    {
        MessageLog log;
        Reactor reactor;
        DiagnosticsMonitor monitor(reactor, quick());
        QSignalSpy ended(&monitor, &DiagnosticsMonitor::findingEnded);
        Observer observer(monitor);
        std::thread producer;
        reactor.callWhenRunning([&] {
            producer = std::thread([&] {
                ScopedJobLabel label(u"sleepy call"_s);
                reactor.callFromThread([] { std::this_thread::sleep_for(400ms); });
            });
        });
        whenTrue(
            reactor,
            [&] { return !ofRule(monitor.findings(), DiagnosticRule::ReactorStall).isEmpty() && ended.count() > 0; },
            [&] { reactor.stop(); });
        QVERIFY(runWithWatchdog(reactor));
        producer.join();

        // Seen while the reactor thread was still inside the call, naming it.
        const auto live = ofRule(observer.seenOngoing(), DiagnosticRule::ReactorStall);
        QVERIFY2(!live.isEmpty(), qPrintable(describe(monitor.findings())));
        QVERIFY2(live.front().message.contains(u"callFromThread"_s), qPrintable(live.front().message));
        QVERIFY2(live.front().message.contains(u"sleepy call"_s), qPrintable(live.front().message));
        // One finding, ended, with the stall's full length.
        const auto stalls = ofRule(monitor.findings(), DiagnosticRule::ReactorStall);
        QCOMPARE(stalls.size(), 1);
        QVERIFY(!stalls.front().ongoing());
        QVERIFY2(
            stalls.front().durationNs(0) >= 350'000'000, qPrintable(QString::number(stalls.front().durationNs(0))));
        QCOMPARE(log.count("qtwisted.diagnostics", { u"reactor stall"_s }), 1);
    }

    void healthyReactorReportsNothing()
    {
        Reactor reactor;
        DiagnosticsMonitor monitor(reactor, quick());
        std::atomic<int> ran { 0 };
        std::thread producer;
        reactor.callWhenRunning([&] {
            producer = std::thread([&] {
                for (int i = 0; i < 2000; ++i) {
                    reactor.callFromThread([&ran] { ran.fetch_add(1); });
                    if (i % 100 == 0)
                        std::this_thread::sleep_for(5ms);
                }
            });
            for (int i = 0; i < 50; ++i)
                reactor.callLater(std::chrono::milliseconds(i * 4), [] { std::this_thread::sleep_for(1ms); });
        });
        reactor.callLater(400ms, [&] { reactor.stop(); });
        QVERIFY(runWithWatchdog(reactor));
        producer.join();
        QCOMPARE(ran.load(), 2000);
        QVERIFY2(monitor.findings().isEmpty(), qPrintable(describe(monitor.findings())));
    }

    // ---- rule 2: saturation and starvation -------------------------------------------------------------------

    void saturatedPoolIsReportedWithASize()
    {
        Reactor reactor;
        ThreadPool pool(2, 2, u"small"_s);
        pool.start();
        DiagnosticsMonitor monitor(reactor, quick());
        monitor.watch(pool);
        for (int i = 0; i < 100; ++i)
            pool.callInThread([] { std::this_thread::sleep_for(10ms); });
        whenTrue(
            reactor, [&] { return !ofRule(monitor.findings(), DiagnosticRule::PoolSaturation).isEmpty(); },
            [&] { reactor.stop(); });
        QVERIFY(runWithWatchdog(reactor));
        const auto found = ofRule(monitor.findings(), DiagnosticRule::PoolSaturation);
        QCOMPARE(found.front().pool, u"small"_s);
        QVERIFY2(found.front().message.contains(u"All 2 workers"_s), qPrintable(found.front().message));
        QVERIFY(found.front().suggestedMaxThreads.has_value());
        QVERIFY(*found.front().suggestedMaxThreads > 2);
#ifdef Q_OS_LINUX
        // the workers sleep: the kernel says so, and more threads would help
        QVERIFY2(found.front().message.contains(u"2 waiting in the kernel"_s), qPrintable(found.front().message));
#endif
        pool.adjustPoolsize(0, 0); // do not wait for the rest
        pool.stop();
    }

#ifdef Q_OS_LINUX
    /// Workers busy on every CPU: raising the maximum would not help, and the finding says so instead — also when
    /// there are more workers than CPUs, each then running only part of the time (the review's case: 10 spinning
    /// workers on 2 CPUs must not read as "waiting in the kernel").
    void cpuBoundSaturationProposesNoMoreThreads_data()
    {
        QTest::addColumn<int>("perCpu");
        QTest::newRow("one worker per CPU") << 1;
        QTest::newRow("four workers per CPU") << 4;
    }

    void cpuBoundSaturationProposesNoMoreThreads()
    {
        QFETCH(int, perCpu);
        const int cpus = std::max(1, QThread::idealThreadCount());
        const int workers = cpus * perCpu;
        Reactor reactor;
        ThreadPool pool(workers, workers, u"cpu"_s);
        pool.start();
        DiagnosticsMonitor monitor(reactor, quick());
        monitor.watch(pool);
        std::atomic<bool> quit { false };
        for (int i = 0; i < workers * 40; ++i) {
            pool.callInThread([&quit] {
                const auto end = std::chrono::steady_clock::now() + 20ms;
                while (!quit.load(std::memory_order_relaxed) && std::chrono::steady_clock::now() < end) { }
            });
        }
        whenTrue(
            reactor, [&] { return !ofRule(monitor.findings(), DiagnosticRule::PoolSaturation).isEmpty(); },
            [&] { reactor.stop(); });
        QVERIFY(runWithWatchdog(reactor));
        quit.store(true);
        pool.stop();
        const auto found = ofRule(monitor.findings(), DiagnosticRule::PoolSaturation).front();
        QVERIFY2(found.remedy.contains(u"CPUs"_s), qPrintable(found.message + u" / "_s + found.remedy));
        QVERIFY(!found.suggestedMaxThreads.has_value());
        QVERIFY2(found.message.contains(u" 0 waiting in the kernel"_s), qPrintable(found.message));
    }
#endif

    void poolThatKeepsUpReportsNothing()
    {
        Reactor reactor;
        ThreadPool pool(0, 4, u"ample"_s);
        pool.start();
        DiagnosticsMonitor monitor(reactor, quick());
        monitor.watch(pool);
        reactor.callWhenRunning([&] {
            for (int i = 0; i < 40; ++i) {
                reactor.callLater(std::chrono::milliseconds(i * 8),
                    [&pool] { pool.callInThread([] { std::this_thread::sleep_for(5ms); }); });
            }
        });
        reactor.callLater(500ms, [&] { reactor.stop(); });
        QVERIFY(runWithWatchdog(reactor));
        pool.stop();
        QCOMPARE(pool.stats().completed, quint64 { 40 });
        QVERIFY2(monitor.findings().isEmpty(), qPrintable(describe(monitor.findings())));
    }

    // ---- rule 3: exhaustion by blocking calls, the deadlock, and the remedy ---------------------------------

    /// Twisted #5298 / crochet #70: every worker of a pool waits in blockingCallFromThread for a Deferred whose
    /// job is queued in the same pool. Without compensation it never ends: the monitor says so, as a deadlock,
    /// and turning compensation on (the default) lets it finish.
    void blockingDeadlockIsReportedAndTheRemedyEndsIt()
    {
        Reactor reactor;
        ThreadPool pool(2, 2, u"tight"_s);
        pool.setBlockedWorkersCompensated(false);
        pool.start();
        DiagnosticsMonitor monitor(reactor, quick());
        monitor.watch(pool);
        std::atomic<int> done { 0 };
        for (int i = 0; i < 2; ++i) {
            pool.callInThread([&] {
                const int v = threads::blockingCallFromThread(
                    reactor, [&] { return threads::deferToThreadPool(reactor, pool, [] { return 21; }); });
                if (v == 21)
                    done.fetch_add(1);
            });
        }
        bool remedied = false;
        whenTrue(
            reactor,
            [&] {
                const auto found = ofRule(monitor.findings(), DiagnosticRule::BlockingExhaustion);
                return !found.isEmpty() && found.back().severity == DiagnosticSeverity::Critical;
            },
            [&] {
                const auto found = ofRule(monitor.findings(), DiagnosticRule::BlockingExhaustion).back();
                QVERIFY2(found.message.startsWith(u"Deadlock"_s), qPrintable(found.message));
                QCOMPARE(found.workers.size(), 2);
                QVERIFY(!found.jobs.isEmpty());
                QCOMPARE(done.load(), 0);
                remedied = true;
                pool.setBlockedWorkersCompensated(true);
                whenTrue(
                    reactor, [&] { return done.load() == 2; }, [&] { reactor.stop(); });
            });
        QVERIFY(runWithWatchdog(reactor));
        QVERIFY(remedied);
        QCOMPARE(done.load(), 2);
        pool.stop();
        // The watchdog sees the pool drained at its next sample and ends the finding.
        QTRY_VERIFY(!ofRule(monitor.findings(), DiagnosticRule::BlockingExhaustion).back().ongoing());
    }

    /// The same program with the default (compensating) pool finishes on its own.
    void compensatedPoolFinishesTheDeadlockProgram()
    {
        Reactor reactor;
        ThreadPool pool(4, 4, u"lending"_s);
        QVERIFY(pool.blockedWorkersCompensated());
        pool.start();
        std::atomic<int> done { 0 };
        std::atomic<int> peakWorkers { 0 };
        for (int i = 0; i < 4; ++i) {
            pool.callInThread([&] {
                const int v = threads::blockingCallFromThread(reactor, [&] {
                    return threads::deferToThreadPool(reactor, pool, [&pool, &peakWorkers] {
                        int seen = pool.stats().workers;
                        int prev = peakWorkers.load();
                        while (seen > prev && !peakWorkers.compare_exchange_weak(prev, seen)) { }
                        return 21;
                    });
                });
                if (v == 21)
                    done.fetch_add(1);
            });
        }
        whenTrue(
            reactor, [&] { return done.load() == 4; }, [&] { reactor.stop(); });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(done.load(), 4);
        QVERIFY(peakWorkers.load() > 4); // workers were lent beyond the maximum...
        QVERIFY(peakWorkers.load() <= 8); // ...never more than the maximum again
        pool.stop();
    }

    /// Lent workers that run long jobs are progress, not a deadlock, even when no job starts for a while.
    void lentWorkersRunningLongJobsAreNotADeadlock()
    {
        Reactor reactor;
        ThreadPool pool(2, 2, u"lent"_s);
        pool.start();
        DiagnosticsMonitor monitor(reactor, quick());
        monitor.watch(pool);
        std::atomic<int> done { 0 };
        for (int i = 0; i < 2; ++i) {
            pool.callInThread([&] {
                threads::blockingCallFromThread(reactor, [&] {
                    return threads::deferToThreadPool(reactor, pool, [] { std::this_thread::sleep_for(900ms); });
                });
                done.fetch_add(1);
            });
        }
        whenTrue(
            reactor, [&] { return done.load() == 2; }, [&] { reactor.stop(); });
        QVERIFY(runWithWatchdog(reactor));
        pool.stop();
        const auto found = ofRule(monitor.findings(), DiagnosticRule::BlockingExhaustion);
        QVERIFY(!found.isEmpty()); // the lending was reported...
        for (const auto& f : monitor.findings())
            QVERIFY2(f.severity != DiagnosticSeverity::Critical, qPrintable(f.message)); // ...as a warning only
    }

    // ---- rule 4: queue wait ----------------------------------------------------------------------------------

    void longQueueWaitIsReportedPerLabel()
    {
        Reactor reactor;
        ThreadPool pool(1, 1, u"single"_s);
        pool.start();
        DiagnosticsMonitor monitor(reactor, quick());
        monitor.watch(pool);
        for (int i = 0; i < 12; ++i) {
            // two labels: a label all jobs carry would only repeat the pool's own finding
            ScopedJobLabel label(i % 3 == 0 ? u"other job"_s : u"short job"_s);
            pool.callInThread([] { std::this_thread::sleep_for(25ms); });
        }
        whenTrue(
            reactor,
            [&] {
                for (const auto& f : ofRule(monitor.findings(), DiagnosticRule::QueueWait)) {
                    if (f.message.contains(u"short job"_s))
                        return true;
                }
                return false;
            },
            [&] { reactor.stop(); });
        QVERIFY2(runWithWatchdog(reactor), qPrintable(describe(monitor.findings())));
        const auto found = ofRule(monitor.findings(), DiagnosticRule::QueueWait);
        QVERIFY(found.front().message.contains(u"p95"_s));
        pool.stop();
    }

    // ---- rule 5: long-running job ----------------------------------------------------------------------------

    void longJobIsReportedWhileItRunsUnlessExpected()
    {
        Reactor reactor;
        ThreadPool pool(2, 2, u"long"_s);
        pool.start();
        DiagnosticsMonitor monitor(reactor, quick());
        monitor.watch(pool);
        std::atomic<bool> release { false };
        std::atomic<int> finished { 0 };
        pool.callInThread([&] {
            while (!release.load())
                std::this_thread::sleep_for(2ms);
            finished.fetch_add(1);
        });
        {
            ScopedExpectedLongJobs expected;
            pool.callInThread([] { std::this_thread::sleep_for(400ms); });
        }
        whenTrue(
            reactor, [&] { return !ofRule(monitor.findings(), DiagnosticRule::LongRunningJob).isEmpty(); },
            [&] {
                const auto found = ofRule(monitor.findings(), DiagnosticRule::LongRunningJob);
                QCOMPARE(found.size(), 1); // the expected-long one is exempt
                QVERIFY(found.front().ongoing()); // reported while it runs
                release.store(true);
                whenTrue(
                    reactor,
                    [&] {
                        return finished.load() == 1
                            && !ofRule(monitor.findings(), DiagnosticRule::LongRunningJob).front().ongoing();
                    },
                    [&] { reactor.stop(); });
            });
        QVERIFY(runWithWatchdog(reactor));
        pool.stop();
        QCOMPARE(ofRule(monitor.findings(), DiagnosticRule::LongRunningJob).size(), 1);
    }

    // ---- rule 6: unhandled error -----------------------------------------------------------------------------

    void unhandledErrorIsAFinding()
    {
        MessageLog log; // the Deferred's own "Unhandled error" line is expected
        Reactor reactor;
        DiagnosticsMonitor monitor(reactor, quick());
        {
            Deferred<int> d;
            d.errback(Failure::make(std::runtime_error("lost on the floor")));
        }
        {
            Deferred<int> handled;
            handled.addErrback([](const Failure&) { return 0; });
            handled.errback(Failure::make(std::runtime_error("caught")));
        }
        const auto found = ofRule(monitor.findings(), DiagnosticRule::UnhandledError);
        QCOMPARE(found.size(), 1);
        QVERIFY(found.front().message.contains(u"lost on the floor"_s));
        // where it was made: this file and line
        QVERIFY2(found.front().message.contains(u"tst_diagnostics.cpp:"_s), qPrintable(found.front().message));
    }

    void unhandledErrorOfAThreadNamesItsJob()
    {
        MessageLog log;
        Reactor reactor;
        DiagnosticsMonitor monitor(reactor, quick());
        reactor.callWhenRunning([&] {
            threads::deferToThreadPool(reactor, reactor.getThreadPool(), []() -> int {
                throw std::runtime_error("thread failed");
            }); // the Deferred is dropped at once: its failure reaches nobody
        });
        whenTrue(
            reactor, [&] { return !ofRule(monitor.findings(), DiagnosticRule::UnhandledError).isEmpty(); },
            [&] { reactor.stop(); });
        QVERIFY(runWithWatchdog(reactor));
        const auto found = ofRule(monitor.findings(), DiagnosticRule::UnhandledError).front();
        QVERIFY2(found.message.contains(u"thread failed"_s), qPrintable(found.message));
        QCOMPARE(found.jobs.size(), 1);
        QCOMPARE(found.pool, u"qtwisted.reactor"_s);
        QVERIFY2(found.message.contains(u"job #%1"_s.arg(found.jobs.front())), qPrintable(found.message));
    }

    // ---- rule 7: shutdown with blocked callers ---------------------------------------------------------------

    void shutdownNamesTheBlockedCallers()
    {
        Reactor reactor;
        DiagnosticsMonitor monitor(reactor, quick());
        std::atomic<bool> released { false };
        std::atomic<bool> waiting { false };
        QThread* caller = QThread::create([&] {
            try {
                threads::blockingCallFromThread(reactor, [&] {
                    waiting.store(true);
                    return Deferred<int>(); // never fired
                });
            } catch (const ReactorNotRunning&) {
                released.store(true);
            }
        });
        caller->setObjectName(u"waiting-caller"_s);
        reactor.callWhenRunning([&] { caller->start(); });
        whenTrue(
            reactor, [&] { return waiting.load(); }, [&] { reactor.stop(); });
        QVERIFY(runWithWatchdog(reactor));
        QVERIFY(caller->wait(5000));
        delete caller;
        QVERIFY(released.load());
        const auto found = ofRule(monitor.findings(), DiagnosticRule::ShutdownWithBlockedCallers);
        QCOMPARE(found.size(), 1);
        QVERIFY2(found.front().message.contains(u"waiting-caller"_s), qPrintable(found.front().message));
    }

    // ---- rule 8: reactor hot loop -----------------------------------------------------------------------------

    void selfReschedulingCallIsAHotLoop()
    {
        Reactor reactor;
        DiagnosticsMonitor monitor(reactor, quick());
        bool spinning = true;
        int runs = 0;
        std::function<void()> spin;
        spin = [&] {
            ++runs;
            if (spinning)
                reactor.callLater(0, spin);
        };
        reactor.callWhenRunning([&] { reactor.callLater(0, spin); });
        whenTrue(
            reactor, [&] { return !ofRule(monitor.findings(), DiagnosticRule::ReactorHotLoop).isEmpty(); },
            [&] {
                spinning = false;
                whenTrue(
                    reactor,
                    [&] { return !ofRule(monitor.findings(), DiagnosticRule::ReactorHotLoop).front().ongoing(); },
                    [&] { reactor.stop(); });
            });
        QVERIFY2(runWithWatchdog(reactor), qPrintable(describe(monitor.findings())));
        const auto found = ofRule(monitor.findings(), DiagnosticRule::ReactorHotLoop);
        QCOMPARE(found.size(), 1);
        QVERIFY2(found.front().message.contains(u"runs/s"_s), qPrintable(found.front().message));
        QVERIFY(runs > 300); // it ran at least the rule's rate over one window
    }

    void aShortChunkedLoopIsNotAHotLoop()
    {
        Reactor reactor;
        DiagnosticsMonitor monitor(reactor, quick());
        int left = 100; // work cut into 100 chunks, each queued by the one before
        std::function<void()> chunk;
        chunk = [&] {
            std::this_thread::sleep_for(100us);
            if (--left > 0)
                reactor.callLater(0, chunk);
        };
        reactor.callWhenRunning([&] { reactor.callLater(0, chunk); });
        reactor.callLater(800ms, [&] { reactor.stop(); });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(left, 0);
        QVERIFY2(monitor.findings().isEmpty(), qPrintable(describe(monitor.findings())));
    }

    // ---- the monitor itself ----------------------------------------------------------------------------------

    void badThresholdsAreRefusedByName_data()
    {
        QTest::addColumn<int>("field");
        QTest::addColumn<int>("value");
        QTest::addColumn<QString>("name");
        QTest::newRow("negative stall") << 0 << -5 << u"stall"_s;
        QTest::newRow("zero stall") << 0 << 0 << u"stall"_s;
        QTest::newRow("absurd long job") << 1 << 100'000'000 << u"longRunningJob"_s;
        QTest::newRow("zero sample") << 2 << 0 << u"sampleInterval"_s;
        QTest::newRow("no findings kept") << 3 << 0 << u"maxFindings"_s;
        QTest::newRow("negative queue wait") << 4 << -1 << u"queueWait"_s;
    }

    void badThresholdsAreRefusedByName()
    {
        QFETCH(int, field);
        QFETCH(int, value);
        QFETCH(QString, name);
        DiagnosticThresholds t;
        const auto v = std::chrono::milliseconds(value);
        switch (field) {
        case 0:
            t.stall = v;
            break;
        case 1:
            t.longRunningJob = v;
            break;
        case 2:
            t.sampleInterval = v;
            break;
        case 3:
            t.maxFindings = value;
            break;
        default:
            t.queueWait = v;
            break;
        }
        Reactor reactor;
        try {
            DiagnosticsMonitor monitor(reactor, t);
            QFAIL("accepted");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(u"::"_s + name), e.what());
        }
        // A monitor already running keeps its thresholds when given bad ones.
        DiagnosticsMonitor monitor(reactor, quick());
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, monitor.setThresholds(t));
        QCOMPARE(monitor.thresholds().stall, quick().stall);
    }

    void oneMonitorPerReactor()
    {
        Reactor reactor;
        DiagnosticsMonitor first(reactor, quick());
        QVERIFY_THROWS_EXCEPTION(std::logic_error, DiagnosticsMonitor(reactor, quick()));
    }

    void keptFindingsAreBoundedAndDropsCounted()
    {
        MessageLog log;
        Reactor reactor;
        DiagnosticThresholds t = quick();
        t.maxFindings = 3;
        DiagnosticsMonitor monitor(reactor, t);
        for (int i = 0; i < 5; ++i) {
            Deferred<int> d;
            d.errback(Failure::make(std::runtime_error("error " + std::to_string(i))));
        }
        const auto kept = monitor.findings();
        QCOMPARE(kept.size(), 3);
        QCOMPARE(monitor.droppedFindings(), quint64 { 2 });
        QVERIFY(kept.front().message.contains(u"error 2"_s)); // the oldest went
        QVERIFY(kept.back().message.contains(u"error 4"_s));
    }

    void findingsAreRecordedInTheTrace()
    {
        MessageLog log;
        Reactor reactor;
        TraceRecorder recorder;
        recorder.attach(reactor);
        DiagnosticsMonitor monitor(reactor, quick());
        reactor.callWhenRunning([&] { reactor.callFromThread([] { std::this_thread::sleep_for(200ms); }); });
        whenTrue(
            reactor,
            [&] {
                const auto s = ofRule(monitor.findings(), DiagnosticRule::ReactorStall);
                return !s.isEmpty() && !s.front().ongoing();
            },
            [&] { reactor.stop(); });
        QVERIFY(runWithWatchdog(reactor));
        std::vector<TraceEvent> events;
        recorder.drain(events);
        int started = 0;
        int ended = 0;
        for (const TraceEvent& e : events) {
            if (e.kind == TraceEventKind::FindingStarted)
                ++started;
            if (e.kind == TraceEventKind::FindingEnded) {
                ++ended;
                QCOMPARE(e.newMin, static_cast<int>(DiagnosticRule::ReactorStall));
                QVERIFY(e.durationNs >= 150'000'000);
                QVERIFY(TraceStrings::text(e.labelId).contains(u"callFromThread"_s));
            }
        }
        QCOMPARE(started, 1);
        QCOMPARE(ended, 1);
    }
};

QTEST_GUILESS_MAIN(TestDiagnostics)
#include "tst_diagnostics.moc"
