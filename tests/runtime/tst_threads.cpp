// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// qtwisted::threads (twisted.internet.threads) and the reactor's thread APIs, ported from Twisted's
// twisted/test/test_threads.py and twisted/internet/test/test_threads.py (each port names its origin), plus the
// divergences. Every test makes its own Reactor and drives its scenario from inside run() under a watchdog; the
// global reactor (deferToThread, callMultipleInThread) is used by one test only, since it can run once per process.
#include "messagelog.h"
#include "reactortest.h"

#include <qtwisted/reactor.h>
#include <qtwisted/threadpool.h>
#include <qtwisted/threads.h>
#include <qtwisted/trace.h>

#include <QPointer>
#include <QRegularExpression>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <semaphore>
#include <stdexcept>
#include <thread>
#include <typeinfo>
#include <vector>

using namespace qtwisted;
using namespace std::chrono_literals;
using namespace Qt::StringLiterals;
using reactortest::runWithWatchdog;
using reactortest::whenTrue;

namespace {

constexpr auto kWait = 10s; // bound of every wait in a worker thread

class NewError : public std::runtime_error {
public:
    NewError()
        : std::runtime_error("new error")
    {
    }
};

struct NotAnException {
    int code = 7;
};

/// From any thread: stops the reactor if it still runs (shutdown may already have begun).
void stopFromThread(Reactor& reactor)
{
    try {
        reactor.callFromThread([&reactor] {
            if (reactor.isRunning())
                reactor.stop();
        });
    } catch (const ReactorNotRunning&) { // NOLINT(bugprone-empty-catch): already shutting down
    }
}

/// Once the reactor runs, runs `work` in a worker of its pool, then stops the reactor.
void inWorkerThenStop(Reactor& reactor, std::function<void()> work)
{
    reactor.callWhenRunning([&reactor, work = std::move(work)] {
        reactor.callInThread([&reactor, work] {
            work();
            stopFromThread(reactor);
        });
    });
}

/// Runs `fn` in a new thread and waits for it at most kWait; false (the thread is then left detached) if it hangs.
[[nodiscard]] bool runInThreadBounded(std::function<void()> fn)
{
    auto done = std::make_shared<std::binary_semaphore>(0);
    std::thread t([fn = std::move(fn), done] {
        fn();
        done->release();
    });
    if (done->try_acquire_for(kWait)) {
        t.join();
        return true;
    }
    t.detach();
    return false;
}

} // namespace

class TestThreads : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // ---- the reactor's thread APIs -----------------------------------------------------------------------------

    // test_threads.py: ReactorThreadsTests.test_suggestThreadPoolSize
    void suggestThreadPoolSizeSetsMaximum()
    {
        int maxWhileRunning = -1;
        Reactor reactor;
        reactor.suggestThreadPoolSize(34);
        QCOMPARE(reactor.getThreadPool().maxThreads(), 34);
        reactor.suggestThreadPoolSize(4);
        QCOMPARE(reactor.getThreadPool().maxThreads(), 4);
        reactor.callWhenRunning([&] {
            reactor.suggestThreadPoolSize(6);
            maxWhileRunning = reactor.getThreadPool().maxThreads();
            reactor.callLater(0, [&] { reactor.stop(); });
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(maxWhileRunning, 6);
    }

    // test_threads.py: ThreadTestsBuilder.test_suggestThreadPoolSize (internet/test)
    void suggestThreadPoolSizeBeforeThePoolExists()
    {
        int maxWhileRunning = -1;
        Reactor reactor;
        reactor.suggestThreadPoolSize(17);
        reactor.callWhenRunning([&] {
            maxWhileRunning = reactor.getThreadPool().maxThreads();
            reactor.callLater(0, [&] { reactor.stop(); });
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(maxWhileRunning, 17);
    }

    // test_threads.py: ReactorThreadsTests.test_callInThread
    void callInThreadRunsOffTheReactorThread()
    {
        std::atomic<int> inReactorThread { -1 };
        std::atomic<QThread*> thread { nullptr };
        Reactor reactor;
        inWorkerThenStop(reactor, [&] {
            inReactorThread = reactor.isInReactorThread() ? 1 : 0;
            thread = QThread::currentThread();
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(inReactorThread.load(), 0);
        QVERIFY(thread.load() != QThread::currentThread());
    }

    // test_threads.py: ReactorThreadsTests.test_callFromThread
    void callFromThreadFromReactorAndFromWorker()
    {
        bool firedByReactorThread = false;
        bool firedByOtherThread = false;
        QThread* otherThreadCallRanIn = nullptr;
        Reactor reactor;
        auto maybeStop = [&] {
            if (firedByReactorThread && firedByOtherThread)
                reactor.stop();
        };
        reactor.callWhenRunning([&] {
            reactor.callInThread([&] {
                reactor.callFromThread([&] {
                    firedByOtherThread = true;
                    otherThreadCallRanIn = QThread::currentThread();
                    maybeStop();
                });
            });
            reactor.callFromThread([&] {
                firedByReactorThread = true;
                maybeStop();
            });
        });
        QVERIFY(runWithWatchdog(reactor));
        QVERIFY(firedByReactorThread);
        QVERIFY(firedByOtherThread);
        QCOMPARE(otherThreadCallRanIn, QThread::currentThread());
    }

    // test_threads.py: ThreadTestsBuilder.test_callFromThread (internet/test)
    void callFromThreadViaCallInThreadRunsInReactorThread()
    {
        QList<QThread*> result;
        Reactor reactor;
        reactor.callLater(0, [&] {
            reactor.callInThread([&] {
                reactor.callFromThread([&] {
                    result.append(QThread::currentThread());
                    reactor.stop();
                });
            });
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(result, QList<QThread*>({ QThread::currentThread() }));
    }

    // test_threads.py: ThreadTestsBuilder.test_delayedCallFromThread (internet/test)
    void callFromThreadFromADelayedCall()
    {
        bool stopped = false;
        Reactor reactor;
        reactor.callLater(0, [&] {
            reactor.callFromThread([&] {
                stopped = true;
                reactor.stop();
            });
        });
        QVERIFY(runWithWatchdog(reactor)); // runs on the next iteration, not after the watchdog's 10 s
        QVERIFY(stopped);
    }

    // test_threads.py: ReactorThreadsTests.test_wakerOverflow
    void callFromThreadDoesNotOverflow()
    {
        constexpr int kCalls = 100000;
        int ran = 0;
        std::atomic<int> refused { 0 };
        Reactor reactor;
        reactor.callWhenRunning([&] {
            reactor.callInThread([&] {
                for (int i = 0; i < kCalls; ++i) {
                    try {
                        reactor.callFromThread([&] {
                            if (++ran == kCalls)
                                reactor.stop();
                        });
                    } catch (...) {
                        ++refused;
                        break;
                    }
                }
            });
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(refused.load(), 0);
        QCOMPARE(ran, kCalls);
    }

    // test_threads.py: ThreadTestsBuilder.test_isInIOThread (internet/test)
    void isInReactorThreadInTheReactor()
    {
        QList<bool> results;
        Reactor reactor;
        reactor.callWhenRunning([&] {
            results.append(reactor.isInReactorThread());
            reactor.callLater(0, [&] { reactor.stop(); });
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(results, QList<bool>({ true }));
    }

    // test_threads.py: ThreadTestsBuilder.test_isNotInIOThread (internet/test)
    void isInReactorThreadInAWorker()
    {
        std::atomic<int> result { -1 };
        Reactor reactor;
        reactor.callInThread([&] {
            result = reactor.isInReactorThread() ? 1 : 0;
            reactor.callFromThread([&] { reactor.stop(); });
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(result.load(), 0);
    }

    // test_threads.py: ThreadTestsBuilder.test_getThreadPool (internet/test)
    void getThreadPoolStartsWithRunAndStopsBeforeItReturns()
    {
        QList<bool> state;
        Reactor reactor;
        ThreadPool& pool = reactor.getThreadPool();
        QVERIFY2(!pool.isStarted(), "the pool should not start before run()");
        reactor.callWhenRunning([&] {
            state.append(pool.isStarted());
            state.append(pool.isJoined());
            reactor.callLater(0, [&] { reactor.stop(); });
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(state, QList<bool>({ true, false }));
        QVERIFY2(pool.isJoined(), "the pool should be stopped when run() returns");
    }

    // test_threads.py: ThreadTestsBuilder.test_stopThreadPool (internet/test)
    void stopThreadPool()
    {
        // Divergence: Twisted drops its reference to the stopped pool; qtwisted keeps the same, joined pool (so a
        // late submission is refused loudly instead of going to a new pool that never starts).
        Reactor reactor;
        ThreadPool* pool = &reactor.getThreadPool();
        reactor.callWhenRunning([&] { reactor.callLater(0, [&] { reactor.stop(); }); });
        QVERIFY(runWithWatchdog(reactor));
        QVERIFY(pool->isJoined());
        QCOMPARE(&reactor.getThreadPool(), pool);
        QVERIFY_THROWS_EXCEPTION(PoolStoppedError, reactor.callInThread([] {}));
    }

    // test_threads.py: ThreadTestsBuilder.test_stopThreadPoolWhenStartedAfterReactorRan (internet/test)
    void stopThreadPoolWhenStartedAfterReactorRan()
    {
        QPointer<ThreadPool> pool;
        int startedWhenAcquired = -1;
        Reactor reactor;
        reactor.callWhenRunning([&] {
            pool = &reactor.getThreadPool();
            startedWhenAcquired = pool->isStarted() ? 1 : 0;
            reactor.stop();
        });
        QVERIFY(runWithWatchdog(reactor));
        QVERIFY(pool);
        QCOMPARE(startedWhenAcquired, 1);
        QVERIFY(pool->isJoined());
    }

    // test_threads.py: ThreadTestsBuilder.test_cleanUpThreadPoolEvenBeforeReactorIsRun (internet/test)
    void cleanUpThreadPoolEvenBeforeReactorIsRun()
    {
        // qtwisted has no fireSystemEvent(): destroying a reactor that never ran shuts it down, pool included.
        QPointer<ThreadPool> pool;
        {
            Reactor reactor;
            pool = &reactor.getThreadPool();
            QVERIFY(pool);
        }
        QVERIFY(pool.isNull());
    }

    // test_threads.py: StartupBehaviorTests.testCallBeforeStartupUnexecuted
    void callInThreadBeforeStartupWaitsForRun()
    {
        std::atomic<int> runningWhenCalled { -1 };
        Reactor reactor;
        reactor.callInThread([&] {
            runningWhenCalled = reactor.isRunning() ? 1 : 0;
            stopFromThread(reactor);
        });
        // Before run() the pool has no thread at all, so the call cannot have run.
        QCOMPARE(reactor.getThreadPool().stats().workers, 0);
        QCOMPARE(reactor.getThreadPool().stats().backlog, 1);
        QCOMPARE(runningWhenCalled.load(), -1);
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(runningWhenCalled.load(), 1);
    }

    // ---- deferToThreadPool ---------------------------------------------------------------------------------------

    // test_threads.py: DeferToThreadPoolTests.test_deferredResult
    void deferToThreadPoolResult()
    {
        int result = 0;
        QThread* callbackThread = nullptr;
        std::atomic<QThread*> workThread { nullptr };
        ThreadPool tp(0, 8);
        tp.start();
        Reactor reactor;
        reactor.callWhenRunning([&] {
            threads::deferToThreadPool(
                reactor, tp,
                [&](int x, int y) {
                    workThread = QThread::currentThread();
                    return x + y;
                },
                3, 4)
                .addCallback([&](int r) {
                    result = r;
                    callbackThread = QThread::currentThread();
                    reactor.stop();
                });
        });
        QVERIFY(runWithWatchdog(reactor));
        tp.stop();
        QCOMPARE(result, 7);
        QCOMPARE(callbackThread, QThread::currentThread()); // fired in the reactor thread
        QVERIFY(workThread.load() != QThread::currentThread()); // ran in a worker
    }

    // test_threads.py: DeferToThreadPoolTests.test_deferredFailure
    void deferToThreadPoolFailure()
    {
        int isNewError = -1;
        QThread* errbackThread = nullptr;
        ThreadPool tp(0, 8);
        tp.start();
        Reactor reactor;
        reactor.callWhenRunning([&] {
            threads::deferToThreadPool(reactor, tp, []() -> int {
                throw NewError();
            }).addBoth([&](const Outcome<int>& o) {
                isNewError = !o.ok() && o.failure().check<NewError>() ? 1 : 0;
                errbackThread = QThread::currentThread();
                reactor.stop();
            });
        });
        QVERIFY(runWithWatchdog(reactor));
        tp.stop();
        QCOMPARE(isNewError, 1);
        QCOMPARE(errbackThread, QThread::currentThread());
    }

    void deferToThreadPoolOnTheReactorsPool()
    {
        QList<QThread*> callbackThreads;
        QString value;
        bool sideEffectSeen = false;
        std::atomic<bool> sideEffect { false };
        Reactor reactor;
        reactor.callWhenRunning([&] {
            ThreadPool& pool = reactor.getThreadPool();
            auto text = threads::deferToThreadPool(
                reactor, pool, [](const QString& s) { return s + s; }, u"ab"_s);
            auto nothing = threads::deferToThreadPool(reactor, pool, [&] { sideEffect = true; });
            Deferred<void> textDone = text.addCallback([&](const QString& s) {
                value = s;
                callbackThreads.append(QThread::currentThread());
            });
            Deferred<void> nothingDone = nothing.addCallback([&] {
                sideEffectSeen = sideEffect; // a void result: fires once the function returned
                callbackThreads.append(QThread::currentThread());
            });
            gatherResults(QList<Deferred<void>>({ textDone, nothingDone })).addBoth([&](const Outcome<void>&) {
                reactor.stop();
            });
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(value, u"abab"_s);
        QVERIFY(sideEffectSeen);
        QCOMPARE(callbackThreads, QList<QThread*>(2, QThread::currentThread()));
    }

    void exceptionsOfEveryKindBecomeFailures()
    {
        MessageLog log;
        QList<Failure> failures;
        Reactor reactor;
        reactor.callWhenRunning([&] {
            ThreadPool& pool = reactor.getThreadPool();
            QList<Deferred<int>> all;
            all << threads::deferToThreadPool(reactor, pool, []() -> int { throw NewError(); })
                << threads::deferToThreadPool(reactor, pool, []() -> int { throw std::logic_error("logic"); })
                << threads::deferToThreadPool(reactor, pool, []() -> int { throw 42; })
                << threads::deferToThreadPool(reactor, pool, []() -> int { throw NotAnException {}; })
                << threads::deferToThreadPool(reactor, pool, []() -> int { throw std::string("a string"); });
            for (int i = 0; i < all.size(); ++i) {
                all[i].addBoth([&](const Outcome<int>& o) {
                    if (!o.ok())
                        failures.append(o.failure());
                    else
                        failures.append(Failure::make(std::runtime_error("no failure")));
                    if (failures.size() == 5)
                        reactor.stop();
                });
            }
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(failures.size(), 5);
        // Completion order is free: find each kind.
        auto count = [&](auto pred) { return std::count_if(failures.begin(), failures.end(), pred); };
        QCOMPARE(count([](const Failure& f) { return f.check<NewError>() && f.message() == u"new error"_s; }), 1);
        QCOMPARE(count([](const Failure& f) { return f.check<std::logic_error>() && f.message() == u"logic"_s; }), 1);
        QCOMPARE(count([](const Failure& f) { return f.check<int>() && f.typeName() == u"unknown"_s; }), 1);
        QCOMPARE(count([](const Failure& f) {
            bool right = false;
            try {
                f.raise();
            } catch (const NotAnException& e) {
                right = e.code == 7;
            } catch (...) {
            }
            return right && f.message().isEmpty();
        }),
            1);
        QCOMPARE(count([](const Failure& f) { return f.check<std::string>(); }), 1);
        QCOMPARE(log.count("qtwisted", {}), 0); // delivered, so nothing logged as unhandled
    }

    void cancelBeforeStartRemovesFromBacklog()
    {
        // Divergence: Twisted runs a cancelled job anyway; qtwisted removes it from the backlog.
        std::binary_semaphore release { 0 };
        std::atomic<bool> blockerStarted { false };
        std::atomic<bool> cancelledRan { false };
        int cancelledAtOnce = -1;
        int backlogBefore = -1;
        int backlogAfter = -1;
        quint64 cancelledCount = 0;
        int laterResult = 0;
        Reactor reactor;
        ThreadPool& pool = reactor.getThreadPool();
        reactor.suggestThreadPoolSize(1);
        reactor.callWhenRunning([&] {
            threads::deferToThreadPool(reactor, pool, [&] {
                blockerStarted = true;
                (void)release.try_acquire_for(kWait);
            });
            auto victim = threads::deferToThreadPool(reactor, pool, [&] {
                cancelledRan = true;
                return 1;
            });
            victim.addBoth([&](const Outcome<int>& o) {
                cancelledAtOnce = !o.ok() && o.failure().check<CancelledError>() ? 1 : 0;
            });
            whenTrue(
                reactor, [&] { return blockerStarted.load(); },
                [&, victim]() mutable {
                    backlogBefore = pool.stats().backlog;
                    victim.cancel();
                    backlogAfter = pool.stats().backlog;
                    cancelledCount = pool.stats().cancelled;
                    if (cancelledAtOnce == -1)
                        cancelledAtOnce = 0; // not answered synchronously
                    release.release();
                    // FIFO: had the victim stayed queued, it would run before this one.
                    threads::deferToThreadPool(reactor, pool, [] { return 2; }).addCallback([&](int r) {
                        laterResult = r;
                        reactor.stop();
                    });
                });
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(backlogBefore, 1);
        QCOMPARE(cancelledAtOnce, 1);
        QCOMPARE(backlogAfter, 0);
        QCOMPARE(cancelledCount, quint64(1));
        QCOMPARE(laterResult, 2);
        QVERIFY(!cancelledRan);
        QCOMPARE(pool.stats().cancelled, quint64(1));
        QCOMPARE(pool.stats().completed, quint64(2));
    }

    void cancelWhileRunningErrbacksAtOnceAndDropsTheResult()
    {
        MessageLog log;
        std::binary_semaphore release { 0 };
        std::atomic<bool> started { false };
        QStringList outcomes;
        int outcomesRightAfterCancel = -1;
        int outcomesAfterLateResult = -1;
        Reactor reactor;
        ThreadPool& pool = reactor.getThreadPool();
        reactor.callWhenRunning([&] {
            auto d = threads::deferToThreadPool(reactor, pool, [&] {
                started = true;
                (void)release.try_acquire_for(kWait);
                return 5;
            });
            d.addBoth([&](const Outcome<int>& o) {
                outcomes << (o.ok() ? u"value %1"_s.arg(o.value())
                                    : (o.failure().check<CancelledError>() ? u"cancelled"_s : o.failure().typeName()));
            });
            whenTrue(
                reactor, [&] { return started.load(); },
                [&, d]() mutable {
                    d.cancel();
                    outcomesRightAfterCancel = static_cast<int>(outcomes.size());
                    release.release();
                    // The job posts its result before it counts as completed; a call queued after that runs after
                    // the (dropped) delivery.
                    whenTrue(
                        reactor, [&] { return pool.stats().completed == 1; },
                        [&] {
                            reactor.callFromThread([&] {
                                outcomesAfterLateResult = static_cast<int>(outcomes.size());
                                reactor.stop();
                            });
                        });
                });
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(outcomesRightAfterCancel, 1);
        QCOMPARE(outcomesAfterLateResult, 1);
        QCOMPARE(outcomes, QStringList({ u"cancelled"_s }));
        QCOMPARE(log.count("qtwisted", {}), 0); // no AlreadyCalledError, no unhandled error
    }

    void capturesAreReleasedAfterTheJob()
    {
        std::weak_ptr<int> capture;
        std::weak_ptr<int> argument;
        std::weak_ptr<int> result;
        int sum = 0;
        Reactor reactor;
        reactor.callWhenRunning([&] {
            auto captured = std::make_shared<int>(1);
            auto passed = std::make_shared<int>(2);
            capture = captured;
            argument = passed;
            ThreadPool& pool = reactor.getThreadPool();
            auto a = threads::deferToThreadPool(reactor, pool, [captured = std::move(captured)] { return *captured; });
            auto b = threads::deferToThreadPool(
                reactor, pool, [](const std::shared_ptr<int>& p) { return *p; }, std::move(passed));
            auto c = threads::deferToThreadPool(reactor, pool, [] { return std::make_shared<int>(3); });
            c.addCallback([&](const std::shared_ptr<int>& p) {
                result = p;
                sum += *p;
            });
            gatherResults(QList<Deferred<int>>({ a, b })).addCallback([&](const QList<int>& values) {
                sum += values.at(0) + values.at(1);
                whenTrue(
                    reactor, [&] { return sum == 6 && capture.expired() && argument.expired() && result.expired(); },
                    [&] { reactor.stop(); });
            });
        });
        QVERIFY2(runWithWatchdog(reactor), "a job's captures, arguments or result were not released");
        QCOMPARE(sum, 6);
        QVERIFY(capture.expired());
        QVERIFY(argument.expired());
        QVERIFY(result.expired());
    }

    // ---- the global reactor: deferToThread, callMultipleInThread (one test: it runs once per process) --------------

    // test_threads.py: DeferredResultTests.test_deferredResult
    // test_threads.py: DeferredResultTests.test_deferredFailure
    // test_threads.py: DeferredResultTests.test_deferredFailureAfterSuccess
    // test_threads.py: DeferredResultTests.test_callMultiple
    void globalReactorDeferToThreadAndCallMultipleInThread()
    {
        MessageLog log;
        int sum = 0;
        QThread* sumThread = nullptr;
        int failureIsNewError = -1;
        int failureAfterSuccess = -1;
        std::vector<int> multiple;
        std::vector<QThread*> multipleThreads;
        int multipleSeenWhenFinished = -1;
        std::atomic<bool> afterExceptionRan { false };
        std::atomic<int> beforeExceptionRan { 0 };
        Reactor& reactor = Reactor::instance();
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"std::runtime_error.*multi-stop"_s));

        int pending = 4;
        auto partDone = [&] {
            if (--pending > 0)
                return;
            // First exception stops the rest and is logged once.
            threads::callMultipleInThread({ [&] { ++beforeExceptionRan; },
                [] { throw std::runtime_error("multi-stop"); }, [&] { afterExceptionRan = true; } });
            whenTrue(
                reactor, [&] { return log.count("qtwisted", { u"multi-stop"_s }) > 0; }, [&] { reactor.stop(); });
        };
        reactor.callWhenRunning([&] {
            threads::deferToThread([](int x, int y) { return x + y; }, 3, 4).addCallback([&](int r) {
                sum = r;
                sumThread = QThread::currentThread();
                partDone();
            });
            threads::deferToThread([]() -> int { throw NewError(); }).addBoth([&](const Outcome<int>& o) {
                failureIsNewError = !o.ok() && o.failure().check<NewError>() ? 1 : 0;
                partDone();
            });
            threads::deferToThread([] {})
                .addCallback([] {
                    return threads::deferToThread(
                        []() -> int { throw std::overflow_error("integer division or modulo by zero"); });
                })
                .addBoth([&](const Outcome<int>& o) {
                    failureAfterSuccess = !o.ok() && o.failure().check<std::overflow_error>() ? 1 : 0;
                    partDone();
                });
            std::vector<std::function<void()>> calls;
            for (int i = 0; i < 10; ++i) {
                calls.emplace_back([&, i] {
                    multiple.push_back(i);
                    multipleThreads.push_back(QThread::currentThread());
                });
            }
            calls.emplace_back([&] {
                reactor.callFromThread([&] {
                    multipleSeenWhenFinished = static_cast<int>(multiple.size());
                    partDone();
                });
            });
            threads::callMultipleInThread(std::move(calls));
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(sum, 7);
        QCOMPARE(sumThread, QThread::currentThread());
        QCOMPARE(failureIsNewError, 1);
        QCOMPARE(failureAfterSuccess, 1);
        QCOMPARE(multipleSeenWhenFinished, 10);
        QCOMPARE(multiple, std::vector<int>({ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }));
        QCOMPARE(multipleThreads.size(), std::size_t(10));
        for (QThread* t : multipleThreads)
            QCOMPARE(t, multipleThreads.front()); // all on one worker
        QVERIFY(multipleThreads.front() != QThread::currentThread());
        // The pool is joined now: nothing can still run.
        QCOMPARE(beforeExceptionRan.load(), 1);
        QVERIFY(!afterExceptionRan);
        QCOMPARE(log.count("qtwisted", { u"std::runtime_error"_s, u"multi-stop"_s }), 1);
    }

    // ---- blockingCallFromThread ----------------------------------------------------------------------------------

    // test_threads.py: ReactorThreadsTests.test_blockingCallFromThread
    void blockingCallFromThread()
    {
        QString result;
        QString error;
        std::atomic<QThread*> ranIn { nullptr };
        Reactor reactor;
        inWorkerThenStop(reactor, [&] {
            try {
                result = threads::blockingCallFromThread(reactor, [&] {
                    ranIn = QThread::currentThread();
                    return succeed(u"foo"_s);
                });
            } catch (const std::exception& e) {
                error = QString::fromUtf8(e.what());
            }
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(error, QString());
        QCOMPARE(result, u"foo"_s);
        QCOMPARE(ranIn.load(), QThread::currentThread());
    }

    void blockingCallFromThreadReturningAPlainValue()
    {
        int result = 0;
        Reactor reactor;
        inWorkerThenStop(reactor, [&] {
            try {
                result = threads::blockingCallFromThread(
                    reactor, [](int x) { return x * 2; }, 21);
            } catch (...) {
                result = -1;
            }
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(result, 42);
    }

    // test_threads.py: ReactorThreadsTests.test_asyncBlockingCallFromThread
    void asyncBlockingCallFromThread()
    {
        QString result;
        int firedBeforeReturn = -1;
        Reactor reactor;
        inWorkerThenStop(reactor, [&] {
            try {
                result = threads::blockingCallFromThread(reactor, [&] {
                    Deferred<QString> d;
                    reactor.callLater(20ms, [d]() mutable { d.callback(u"egg"_s); });
                    firedBeforeReturn = d.called() ? 1 : 0;
                    return d;
                });
            } catch (const std::exception& e) {
                result = QString::fromUtf8(e.what());
            }
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(firedBeforeReturn, 0);
        QCOMPARE(result, u"egg"_s);
    }

    // test_threads.py: ReactorThreadsTests.test_errorBlockingCallFromThread
    void errorBlockingCallFromThread()
    {
        QString caught;
        Reactor reactor;
        inWorkerThenStop(reactor, [&] {
            try {
                threads::blockingCallFromThread(
                    reactor, [] { return fail<QString>(Failure::make(std::runtime_error("bar"))); });
                caught = u"nothing"_s;
            } catch (const std::runtime_error& e) {
                caught = typeid(e) == typeid(std::runtime_error) ? QString::fromUtf8(e.what()) : u"wrong type"_s;
            } catch (...) {
                caught = u"other"_s;
            }
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(caught, u"bar"_s);
    }

    // test_threads.py: ReactorThreadsTests.test_asyncErrorBlockingCallFromThread
    void asyncErrorBlockingCallFromThread()
    {
        QString caught;
        Reactor reactor;
        inWorkerThenStop(reactor, [&] {
            try {
                threads::blockingCallFromThread(reactor, [&] {
                    Deferred<QString> d;
                    reactor.callLater(20ms, [d]() mutable { d.errback(Failure::make(std::runtime_error("spam"))); });
                    return d;
                });
                caught = u"nothing"_s;
            } catch (const std::runtime_error& e) {
                caught = typeid(e) == typeid(std::runtime_error) ? QString::fromUtf8(e.what()) : u"wrong type"_s;
            } catch (...) {
                caught = u"other"_s;
            }
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(caught, u"spam"_s);
    }

    void blockingCallFromThreadRethrowsTheOriginalType()
    {
        QStringList caught;
        Reactor reactor;
        inWorkerThenStop(reactor, [&] {
            try {
                threads::blockingCallFromThread(reactor, []() -> int { throw NewError(); });
            } catch (const NewError&) {
                caught << u"NewError"_s;
            } catch (...) {
                caught << u"other"_s;
            }
            try {
                threads::blockingCallFromThread(reactor, [] { throw NotAnException {}; });
            } catch (const NotAnException& e) {
                caught << u"NotAnException %1"_s.arg(e.code);
            } catch (...) {
                caught << u"other"_s;
            }
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(caught, QStringList({ u"NewError"_s, u"NotAnException 7"_s }));
    }

    void blockingCallFromTheReactorThreadThrowsWrongThread()
    {
        // Divergence: Twisted deadlocks.
        bool ran = false;
        int threwWhileRunning = -1;
        int threwForWhileRunning = -1;
        Reactor reactor;
        // The creating thread is the reactor thread before run() too.
        QVERIFY_THROWS_EXCEPTION(WrongThreadError, threads::blockingCallFromThread(reactor, [&] {
            ran = true;
            return 1;
        }));
        reactor.callWhenRunning([&] {
            try {
                threads::blockingCallFromThreadFor(reactor, 100ms, [&] {
                    ran = true;
                    return 1;
                });
                threwForWhileRunning = 0;
            } catch (const WrongThreadError&) {
                threwForWhileRunning = 1;
            } catch (...) {
                threwForWhileRunning = 2;
            }
            try {
                threads::blockingCallFromThread(reactor, [&] { ran = true; });
                threwWhileRunning = 0;
            } catch (const WrongThreadError&) {
                threwWhileRunning = 1;
            } catch (...) {
                threwWhileRunning = 2;
            }
            reactor.callLater(0, [&] { reactor.stop(); });
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(threwForWhileRunning, 1);
        QCOMPARE(threwWhileRunning, 1);
        QVERIFY(!ran);
    }

    void blockingCallBeforeRunWaitsForTheReactor()
    {
        std::binary_semaphore aboutToCall { 0 };
        std::atomic<int> runningWhenCalled { -1 };
        QString error;
        Reactor reactor;
        std::jthread caller([&] {
            aboutToCall.release();
            try {
                runningWhenCalled
                    = threads::blockingCallFromThread(reactor, [&] { return reactor.isRunning(); }) ? 1 : 0;
            } catch (const std::exception& e) {
                error = QString::fromUtf8(e.what());
            }
            stopFromThread(reactor);
        });
        QVERIFY(aboutToCall.try_acquire_for(kWait));
        QVERIFY(runWithWatchdog(reactor));
        caller.join();
        QCOMPARE(error, QString());
        QCOMPARE(runningWhenCalled.load(), 1); // it ran once the reactor started
    }

    /// A run of jobs that each block in blockingCallFromThread, with a backlog behind them: the pool starts a worker
    /// in place of each blocked one (compensation), and keeps it while the run lasts instead of starting and ending
    /// a thread per call; once the pool is quiet it is back to its maximum.
    void blockingJobsDoNotStartAThreadPerCall()
    {
        constexpr int kJobs = 300;
        Reactor reactor;
        reactor.suggestThreadPoolSize(2);
        TraceRecorder recorder;
        recorder.attach(reactor.getThreadPool());
        std::atomic<int> answered { 0 };
        reactor.callWhenRunning([&] {
            for (int i = 0; i < kJobs; ++i) {
                reactor.callInThread([&reactor, &answered, i] {
                    if (threads::blockingCallFromThread(reactor, [i] { return i; }) == i)
                        answered.fetch_add(1);
                });
            }
            whenTrue(
                reactor,
                [&] {
                    const PoolStats s = reactor.getThreadPool().stats();
                    return answered.load() == kJobs && s.busy == 0 && s.workers <= 2;
                },
                [&] { reactor.stop(); });
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(answered.load(), kJobs);
        std::vector<TraceEvent> events;
        recorder.drain(events);
        const auto started = std::count_if(
            events.begin(), events.end(), [](const TraceEvent& e) { return e.kind == TraceEventKind::WorkerCreated; });
        // At most the maximum plus as many again lent in place of blocked workers (before: about one per call).
        QVERIFY2(started <= 4, qPrintable(u"%1 workers started for %2 blocking jobs"_s.arg(started).arg(kJobs)));
    }

    void blockedCallerIsReleasedWhenStopIsCalled()
    {
        // Divergence (Twisted issue 10124): Twisted leaves the caller hanging; qtwisted releases it.
        QString outcome;
        bool functionRan = false;
        Reactor reactor;
        inWorkerThenStop(reactor, [&] {
            try {
                const int v = threads::blockingCallFromThread(reactor, [&] {
                    functionRan = true;
                    reactor.callLater(0, [&] { reactor.stop(); });
                    return Deferred<int>(); // never fires
                });
                outcome = u"value %1"_s.arg(v);
            } catch (const ReactorNotRunning&) {
                outcome = u"ReactorNotRunning"_s;
            } catch (const std::exception& e) {
                outcome = QString::fromUtf8(e.what());
            }
        });
        QVERIFY(runWithWatchdog(reactor));
        QVERIFY(functionRan);
        QCOMPARE(outcome, u"ReactorNotRunning"_s);
    }

    void blockingCallDuringShutdownThrowsReactorNotRunning()
    {
        // Divergence (Twisted issue 10124): a blocking call once shutdown began fails at once instead of hanging.
        std::binary_semaphore shutdownBegan { 0 };
        std::atomic<int> answer { 0 }; // 1 ReactorNotRunning, 2 anything else
        bool functionRan = false;
        Deferred<void> gate;
        Reactor reactor;
        reactor.addSystemEventTrigger(Phase::Before, SystemEvent::Shutdown, [&] {
            shutdownBegan.release();
            // The loop keeps running while this waits; the pool still runs (it stops in the During phase).
            whenTrue(
                reactor, [&] { return answer.load() != 0; }, [&] { gate.callback(); });
            return gate;
        });
        reactor.callWhenRunning([&] {
            reactor.callInThread([&] {
                if (!shutdownBegan.try_acquire_for(kWait))
                    return;
                try {
                    threads::blockingCallFromThread(reactor, [&] { functionRan = true; });
                    answer = 2;
                } catch (const ReactorNotRunning&) {
                    answer = 1;
                } catch (...) {
                    answer = 2;
                }
            });
            reactor.callLater(0, [&] { reactor.stop(); });
        });
        QVERIFY(runWithWatchdog(reactor, [&] {
            if (!gate.called())
                gate.callback();
        }));
        QCOMPARE(answer.load(), 1);
        QVERIFY(!functionRan);
    }

    void blockingCallAfterShutdownThrowsReactorNotRunning()
    {
        std::atomic<int> answer { 0 };
        std::atomic<int> answerFor { 0 };
        Reactor reactor;
        reactor.callWhenRunning([&] { reactor.callLater(0, [&] { reactor.stop(); }); });
        QVERIFY(runWithWatchdog(reactor));
        QVERIFY2(runInThreadBounded([&] {
            try {
                threads::blockingCallFromThread(reactor, [] { return 1; });
                answer = 2;
            } catch (const ReactorNotRunning&) {
                answer = 1;
            } catch (...) {
                answer = 3;
            }
            try {
                threads::blockingCallFromThreadFor(reactor, 5s, [] { return 1; });
                answerFor = 2;
            } catch (const ReactorNotRunning&) {
                answerFor = 1;
            } catch (...) {
                answerFor = 3;
            }
        }),
            "a blocking call after shutdown hung");
        QCOMPARE(answer.load(), 1);
        QCOMPARE(answerFor.load(), 1);
    }

    void blockingCallFromThreadForTimesOut()
    {
        MessageLog log;
        QString outcome;
        bool lateFired = false;
        Deferred<int> late;
        Reactor reactor;
        inWorkerThenStop(reactor, [&] {
            try {
                const int v = threads::blockingCallFromThreadFor(reactor, 100ms, [&] { return late; });
                outcome = u"value %1"_s.arg(v);
            } catch (const TimeoutError&) {
                outcome = u"TimeoutError"_s;
            } catch (const std::exception& e) {
                outcome = QString::fromUtf8(e.what());
            }
            // The caller gave up; now the result arrives.
            try {
                reactor.callFromThread([&] {
                    late.callback(5);
                    lateFired = true;
                });
            } catch (const ReactorNotRunning&) { // NOLINT(bugprone-empty-catch): the watchdog stopped it
            }
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(outcome, u"TimeoutError"_s);
        QVERIFY(lateFired); // and nothing broke: no crash, nothing logged
        QCOMPARE(log.count("qtwisted", {}), 0);
    }

    void blockingCallFromThreadForTimesOutWhileTheReactorIsBusy()
    {
        // The reactor thread is busy until the caller gave up: the call reaches the reactor after the deadline.
        MessageLog log;
        std::binary_semaphore callerGaveUp { 0 };
        std::atomic<int> outcome { 0 }; // 1 TimeoutError
        int busyWaitEnded = -1;
        Reactor reactor;
        reactor.callWhenRunning([&] {
            reactor.callFromThread([&] { busyWaitEnded = callerGaveUp.try_acquire_for(kWait) ? 1 : 0; });
            reactor.callInThread([&] {
                try {
                    threads::blockingCallFromThreadFor(reactor, 50ms, [] { return 7; });
                    outcome = 2;
                } catch (const TimeoutError&) {
                    outcome = 1;
                } catch (...) {
                    outcome = 3;
                }
                callerGaveUp.release();
                stopFromThread(reactor);
            });
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(busyWaitEnded, 1);
        QCOMPARE(outcome.load(), 1);
        QCOMPARE(log.count("qtwisted", {}), 0);
    }

    void manyWorkersBlockOnTheReactorAtOnce()
    {
        constexpr int kWorkers = 8;
        constexpr int kCalls = 200;
        QList<int> correct;
        QString error;
        Reactor reactor;
        reactor.suggestThreadPoolSize(kWorkers);
        reactor.callWhenRunning([&] {
            QList<Deferred<int>> workers;
            for (int w = 0; w < kWorkers; ++w) {
                workers << threads::deferToThreadPool(reactor, reactor.getThreadPool(), [&reactor, w] {
                    int ok = 0;
                    for (int k = 0; k < kCalls; ++k) {
                        const int expected = w * 1000 + k;
                        int got = 0;
                        if (k % 2 == 0)
                            got = threads::blockingCallFromThread(reactor, [expected] { return expected; });
                        else
                            got = threads::blockingCallFromThread(reactor, [expected] { return succeed(expected); });
                        ok += got == expected ? 1 : 0;
                    }
                    return ok;
                });
            }
            gatherResults(workers).addBoth([&](const Outcome<QList<int>>& o) {
                if (o.ok())
                    correct = o.value();
                else
                    error = o.failure().typeName() + u": "_s + o.failure().message();
                reactor.stop();
            });
        });
        QVERIFY(runWithWatchdog(reactor));
        QCOMPARE(error, QString());
        QCOMPARE(correct, QList<int>(kWorkers, kCalls));
    }
};

QTEST_GUILESS_MAIN(TestThreads)
#include "tst_threads.moc"
