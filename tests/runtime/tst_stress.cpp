// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Load and soak (label `stress`, docs/design.md): seeded, the seed printed; `SEED=<n>` replays a run,
// `STRESS_SECONDS=<n>` sets the length of the random mix (default 60).
#include "reactortest.h"

#include <qtwisted/reactor.h>
#include <qtwisted/threadpool.h>
#include <qtwisted/threads.h>

#include <QDir>
#include <QFile>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QTest>

#include <atomic>
#include <chrono>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define QTWISTED_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define QTWISTED_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define QTWISTED_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define QTWISTED_TEST_TSAN 1
#endif
#endif

using namespace qtwisted;
using namespace std::chrono_literals;
using reactortest::runWithWatchdog;

namespace {

quint32 g_seed = 0;

qsizetype taskCount()
{
    return QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot).size();
}

/// Resident set size in KiB, from /proc/self/status.
qint64 rssKiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

/// Runs the reactor with a watchdog of `seconds` instead of the default 10 s.
[[nodiscard]] bool runFor(Reactor& reactor, std::chrono::seconds seconds)
{
    bool timedOut = false;
    reactor.callLater(seconds, [&] {
        timedOut = true;
        if (reactor.isRunning())
            reactor.stop();
    });
    reactor.run();
    return !timedOut;
}

} // namespace

class TestStress : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        g_seed = qEnvironmentVariableIsSet("SEED") ? static_cast<quint32>(qEnvironmentVariableIntValue("SEED"))
                                                   : QRandomGenerator::system()->generate();
        qInfo("SEED=%u (set SEED=%u to replay this run)", g_seed, g_seed);
    }

    void callFromThreadEightProducersExactCountAndPerProducerFifo()
    {
        constexpr int kProducers = 8;
        constexpr int kPerProducer = 20'000;
        Reactor reactor;
        std::vector<int> next(kProducers, 0);
        int outOfOrder = 0;
        int total = 0;
        std::vector<std::thread> producers;
        reactor.callWhenRunning([&] {
            for (int p = 0; p < kProducers; ++p) {
                producers.emplace_back([&, p] {
                    for (int i = 0; i < kPerProducer; ++i) {
                        reactor.callFromThread([&, p, i] {
                            outOfOrder += next[static_cast<std::size_t>(p)] == i ? 0 : 1;
                            next[static_cast<std::size_t>(p)] = i + 1;
                            if (++total == kProducers * kPerProducer)
                                reactor.stop();
                        });
                    }
                });
            }
        });
        const bool finished = runFor(reactor, 60s);
        for (auto& t : producers)
            t.join();
        QVERIFY(finished);
        QCOMPARE(total, kProducers * kPerProducer);
        QCOMPARE(outOfOrder, 0);
        const ReactorStats books = reactor.stats();
        QCOMPARE(books.submitted, quint64 { kProducers * kPerProducer });
        QCOMPARE(books.completed, books.submitted);
        QCOMPARE(books.failed + books.cancelled + books.refused, quint64 { 0 });
    }

    void tenThousandRandomSleepsEachRunExactlyOnce()
    {
        constexpr int kJobs = 10'000;
        QRandomGenerator random(g_seed);
        ThreadPool pool(0, 8, QStringLiteral("stress-sleeps"));
        pool.start();
        std::vector<std::atomic<int>> runs(kJobs);
        std::latch done(kJobs);
        for (int i = 0; i < kJobs; ++i) {
            const auto sleep = std::chrono::microseconds(random.bounded(201));
            pool.callInThread([&runs, &done, i, sleep] {
                std::this_thread::sleep_for(sleep);
                ++runs[static_cast<std::size_t>(i)];
                done.count_down();
            });
        }
        pool.stop(); // drains the backlog
        QVERIFY(done.try_wait());
        for (int i = 0; i < kJobs; ++i)
            QCOMPARE(runs[static_cast<std::size_t>(i)].load(), 1);
        const PoolStats s = pool.stats();
        QCOMPARE(s.submitted, quint64 { kJobs });
        QCOMPARE(s.completed + s.failed + s.cancelled, s.submitted);
    }

    void resizeStormWhileJobsRun()
    {
        constexpr int kJobs = 1'000;
        constexpr int kResizes = 1'000;
        QRandomGenerator random(g_seed + 1);
        Reactor reactor;
        std::atomic<int> ran { 0 };
        std::atomic<int> concurrent { 0 };
        std::atomic<int> invalidRefused { 0 };
        std::thread resizer;
        reactor.callWhenRunning([&] {
            ThreadPool& pool = reactor.getThreadPool();
            for (int i = 0; i < kJobs; ++i) {
                pool.callInThread([&] {
                    ++concurrent;
                    std::this_thread::sleep_for(std::chrono::microseconds(100));
                    --concurrent;
                    ++ran;
                });
            }
            resizer = std::thread([&, seed = random.generate()] {
                QRandomGenerator r(seed);
                for (int i = 0; i < kResizes; ++i) {
                    const int kind = static_cast<int>(r.bounded(3));
                    try {
                        if (kind == 0) {
                            reactor.suggestThreadPoolSize(static_cast<int>(r.bounded(33)));
                        } else if (kind == 1) {
                            const int mx = static_cast<int>(r.bounded(1, 33));
                            pool.adjustPoolsize(static_cast<int>(r.bounded(mx + 1)), mx);
                        } else {
                            pool.adjustPoolsize(static_cast<int>(r.bounded(40)), static_cast<int>(r.bounded(-2, 20)));
                        }
                    } catch (const std::invalid_argument&) {
                        ++invalidRefused;
                    }
                }
                reactor.callFromThread([&] {
                    reactor.suggestThreadPoolSize(8); // never leave it paused at 0
                    reactortest::whenTrue(
                        reactor, [&] { return ran.load() == kJobs; }, [&] { reactor.stop(); });
                });
            });
        });
        const bool finished = runFor(reactor, 120s);
        resizer.join();
        QVERIFY(finished);
        QCOMPARE(ran.load(), kJobs);
        QVERIFY(invalidRefused.load() > 0); // the storm did try invalid sizes, and nothing broke
        const PoolStats s = reactor.getThreadPool().stats();
        QCOMPARE(s.workers, 0);
        QCOMPARE(s.completed, quint64 { kJobs });
    }

    void eightWorkersThousandBlockingCallsEach()
    {
        constexpr int kWorkers = 8;
        constexpr int kCalls = 1'000;
        Reactor reactor;
        std::atomic<int> answered { 0 };
        std::atomic<int> wrong { 0 };
        int onReactor = 0;
        reactor.callWhenRunning([&] {
            reactor.suggestThreadPoolSize(kWorkers);
            for (int w = 0; w < kWorkers; ++w) {
                reactor.callInThread([&, w] {
                    for (int i = 0; i < kCalls; ++i) {
                        const int v = threads::blockingCallFromThread(reactor, [&, i] {
                            ++onReactor; // reactor thread only: no lock needed
                            return i * kWorkers + w;
                        });
                        wrong += v == i * kWorkers + w ? 0 : 1;
                        if (++answered == kWorkers * kCalls)
                            reactor.callFromThread([&] { reactor.stop(); });
                    }
                });
            }
        });
        QVERIFY(runFor(reactor, 120s));
        QCOMPARE(answered.load(), kWorkers * kCalls);
        QCOMPARE(onReactor, kWorkers * kCalls);
        QCOMPARE(wrong.load(), 0);
        const ReactorStats books = reactor.stats();
        // The workers' blocking calls plus the one callFromThread that stopped the reactor.
        QCOMPARE(books.submitted, quint64 { kWorkers * kCalls + 1 });
        QCOMPARE(books.completed, books.submitted);
    }

    void hundredStartStopCyclesLeaveNoThread()
    {
        const qsizetype baseline = taskCount();
        for (int cycle = 0; cycle < 100; ++cycle) {
            {
                ThreadPool pool(2, 4, QStringLiteral("cycle"));
                pool.start();
                std::latch done(8);
                for (int i = 0; i < 8; ++i)
                    pool.callInThread([&done] { done.count_down(); });
                done.wait();
                pool.stop();
            }
            Reactor reactor;
            reactor.callWhenRunning([&] {
                threads::deferToThreadPool(reactor, reactor.getThreadPool(), [] { return 1; }).addCallback([&](int) {
                    reactor.stop();
                });
            });
            QVERIFY(runWithWatchdog(reactor));
            QVERIFY2(taskCount() <= baseline,
                qPrintable(
                    QStringLiteral("cycle %1: %2 threads, %3 before").arg(cycle).arg(taskCount()).arg(baseline)));
        }
    }

    void millionCallFloodGivesMemoryBack()
    {
        constexpr int kCalls = 1'000'000;
        // Baseline after a small flood of the same shape: one-time costs (the producer thread's cached stack and
        // malloc arena, Qt's event machinery) are then in it, and only what the big flood leaves is measured.
        // Four producers: the queue's storage then grows in several threads (and, with malloc, stayed resident in
        // their arenas: +53 MB before the queue's buffers were mapped directly).
        const auto flood = [](Reactor& reactor, int calls, qint64* peak) {
            constexpr int kProducers = 4;
            int ran = 0;
            std::vector<std::thread> producers;
            reactor.callWhenRunning([&] {
                for (int p = 0; p < kProducers; ++p) {
                    producers.emplace_back([&] {
                        for (int i = 0; i < calls / kProducers; ++i)
                            reactor.callFromThread([&] {
                                if (++ran == calls) {
                                    if (peak)
                                        *peak = rssKiB();
                                    reactor.stop();
                                }
                            });
                    });
                }
            });
            const bool finished = runFor(reactor, 120s);
            for (auto& t : producers)
                t.join();
            return finished && ran == calls;
        };
        {
            Reactor warmUp;
            QVERIFY(flood(warmUp, 10'000, nullptr));
        }
        Reactor reactor;
        const qint64 before = rssKiB();
        qint64 peak = 0;
        QVERIFY(flood(reactor, kCalls, &peak));
        const qint64 after = rssKiB();
        qInfo("RSS KiB: before %lld, at the end of the flood %lld, after shutdown %lld", before, peak, after);
#ifdef QTWISTED_TEST_ASAN
        // AddressSanitizer keeps freed memory in quarantine, so RSS says nothing here; the other lanes check it.
        qInfo("RSS not checked under AddressSanitizer (quarantine); the flood itself ran clean");
        return;
#endif
#ifdef QTWISTED_TEST_TSAN
        // ThreadSanitizer's runtime keeps per-thread allocator caches and the shadow of the queue's buffers (+14 to
        // +17 MB after this flood under TSan, +2 MB in the plain build): RSS measures the runtime, not the program.
        qInfo("RSS not checked under ThreadSanitizer (its allocator caches and shadow memory); the flood ran clean");
        return;
#endif
        // Within 10 % of the baseline (at least 4 MiB of slack for the allocator's own bookkeeping).
        QVERIFY2(after - before <= std::max<qint64>(before / 10, 4 * 1024), "RSS did not come back after the flood");
    }

    void randomMixOfEveryApiKeepsTheBooks()
    {
        const int seconds
            = qEnvironmentVariableIsSet("STRESS_SECONDS") ? qEnvironmentVariableIntValue("STRESS_SECONDS") : 60;
        QRandomGenerator random(g_seed + 2);
        const qsizetype baseline = taskCount();
        Reactor reactor;
        std::atomic<quint64> attempts { 0 };
        std::atomic<quint64> refusedSeen { 0 };
        // The reactor's books: callFromThread and blockingCallFromThread submissions, and what their callers saw.
        std::atomic<quint64> reactorAttempts { 0 };
        std::atomic<quint64> throwingCallsAccepted { 0 };
        std::atomic<quint64> blockingFailuresSeen { 0 };
        std::atomic<quint64> notRunningSeen { 0 };
        std::atomic<quint64> timeoutsSeen { 0 };
        std::atomic<bool> stopProducers { false };
        int deferredFired = 0;
        int deferredCancelled = 0;
        int deferredIssued = 0;
        std::vector<std::thread> producers;
        std::function<void()> tick;
        reactor.callWhenRunning([&] {
            ThreadPool& pool = reactor.getThreadPool();
            for (int p = 0; p < 3; ++p) {
                producers.emplace_back([&, seed = random.generate()] {
                    QRandomGenerator r(seed);
                    quint64 calls = 0;
                    while (!stopProducers.load()) {
                        const auto what = r.bounded(6);
                        ++(what < 3 ? attempts : reactorAttempts);
                        try {
                            switch (what) {
                            case 0:
                                pool.callInThread([] { std::this_thread::sleep_for(50us); });
                                break;
                            case 1:
                                pool.callInThread([] { throw std::runtime_error("mix job failure"); });
                                break;
                            case 2:
                                pool.callInThreadWithCallback([](const Outcome<int>&) {}, [] { return 7; });
                                break;
                            case 3:
                                (void)threads::blockingCallFromThreadFor(reactor, 2s, [] { return 1; });
                                break;
                            case 4:
                                (void)threads::blockingCallFromThreadFor(
                                    reactor, 2s, []() -> int { throw std::runtime_error("mix blocking failure"); });
                                break;
                            default:
                                // One call in 1000 raises in the reactor thread (logged there, by design).
                                if (++calls % 1000 == 0) {
                                    reactor.callFromThread([] { throw std::runtime_error("mix call failure"); });
                                    ++throwingCallsAccepted;
                                } else {
                                    reactor.callFromThread([] {});
                                }
                                break;
                            }
                        } catch (const PoolStoppedError&) {
                            ++refusedSeen;
                        } catch (const ReactorNotRunning&) {
                            ++notRunningSeen;
                        } catch (const TimeoutError&) {
                            ++timeoutsSeen;
                        } catch (const std::runtime_error&) {
                            ++blockingFailuresSeen;
                        }
                        if (r.bounded(100) == 0)
                            std::this_thread::sleep_for(1ms);
                    }
                });
            }
            // The reactor side: deferToThread with cancellations, resizes, delayed calls.
            tick = [&] {
                if (!reactor.isRunning())
                    return;
                for (int i = 0; i < 20; ++i) {
                    ++deferredIssued;
                    ++attempts;
                    auto d = threads::deferToThreadPool(reactor, pool, [] { return 1; });
                    d.addBoth([&](const Outcome<int>& o) {
                        if (o.ok())
                            ++deferredFired;
                        else if (o.failure().check<CancelledError>())
                            ++deferredCancelled;
                    });
                    if (random.bounded(5) == 0)
                        d.cancel();
                }
                reactor.suggestThreadPoolSize(static_cast<int>(random.bounded(1, 12)));
                reactor.callLater(5ms, tick);
            };
            tick();
            // Shutdown in the middle of all of it.
            reactor.callLater(std::chrono::seconds(seconds), [&] { reactor.stop(); });
        });
        // The failing jobs log one line each by design; any other warning is a bug.
        QLoggingCategory::setFilterRules(QStringLiteral("qtwisted.threadpool.warning=false"));
        QTest::failOnWarning(
            QRegularExpression(QStringLiteral("^(?!Unhandled exception in reactor call: .*: mix call failure$)")));
        const bool finished = runFor(reactor, std::chrono::seconds(seconds + 60));
        stopProducers = true;
        for (auto& t : producers)
            t.join();
        QVERIFY(finished);
        const PoolStats s = reactor.getThreadPool().stats();
        qInfo("mix: %llu pool submissions, %llu completed, %llu failed, %llu cancelled, %llu refused; %d deferreds: %d "
              "fired, %d cancelled",
            static_cast<unsigned long long>(attempts.load()), static_cast<unsigned long long>(s.completed),
            static_cast<unsigned long long>(s.failed), static_cast<unsigned long long>(s.cancelled),
            static_cast<unsigned long long>(s.refused), deferredIssued, deferredFired, deferredCancelled);
        // The books: every submission ended in exactly one state.
        QCOMPARE(s.submitted, attempts.load());
        QCOMPARE(s.completed + s.failed + s.cancelled + s.refused, attempts.load());
        QCOMPARE(s.refused, refusedSeen.load());
        const ReactorStats books = reactor.stats();
        qInfo("mix: %llu reactor submissions, %llu completed, %llu failed, %llu cancelled, %llu refused",
            static_cast<unsigned long long>(books.submitted), static_cast<unsigned long long>(books.completed),
            static_cast<unsigned long long>(books.failed), static_cast<unsigned long long>(books.cancelled),
            static_cast<unsigned long long>(books.refused));
        // The delayed stop() is a callLater, not a submission; everything else the producers tried is in the books.
        QCOMPARE(books.submitted, reactorAttempts.load());
        QCOMPARE(books.completed + books.failed + books.cancelled + books.refused, books.submitted);
        // Each failure is one the callers saw, or a raising callFromThread that was accepted (all of those run) —
        // or a raising blocking call whose caller's 2 s timeout expired while it ran.
        const quint64 expectedFailures = blockingFailuresSeen.load() + throwingCallsAccepted.load();
        QVERIFY(books.failed >= expectedFailures);
        QVERIFY(books.failed <= expectedFailures + timeoutsSeen.load());
        // Refused submissions raised ReactorNotRunning; so did blocking calls released by the shutdown.
        QVERIFY(books.refused <= notRunningSeen.load());
        QCOMPARE(deferredFired + deferredCancelled, deferredIssued);
        QCOMPARE(s.workers, 0);
        QTRY_VERIFY_WITH_TIMEOUT(taskCount() <= baseline, 5000);
    }
};

QTEST_GUILESS_MAIN(TestStress)
#include "tst_stress.moc"
