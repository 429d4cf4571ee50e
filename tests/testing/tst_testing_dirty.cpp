// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Deliberately dirty and misusing test functions, each run alone in a child process by tst_testing, which checks
// what this prints and its exit status. Lines marked `// SITE:<name>` are the creation sites the reports must name.
#include <qtwisted/detail/testaccess.h>
#include <qtwisted/testing.h>
#include <qtwisted/threads.h>

#include <QCoreApplication>
#include <QTest>

#include <atomic>
#include <cstdio>
#include <pthread.h>
#include <stdexcept>
#include <thread>
#include <unistd.h>

using namespace qtwisted;
using namespace qtwisted::testing;

class DirtyTest : public GuardedTestCase {
    Q_OBJECT
public:
    DirtyTest()
        : GuardedTestCase(GuardOptions { std::chrono::milliseconds(1500), true })
    {
    }
    ~DirtyTest() override
    {
        m_quit.store(true);
        if (m_ghost.joinable())
            m_ghost.join();
    }

private Q_SLOTS:
    void clean() { QVERIFY(true); }

    void leavesDelayedCall()
    {
        Reactor::instance().callLater(30.0, [] {}); // SITE:delayed
    }

    void leavesQueuedCall()
    {
        Reactor::instance().callFromThread([] {}); // the instance is not started: it stays queued
    }

    void dropsUnhandledFailure()
    {
        Deferred<int> d; // SITE:unhandled
        d.errback(Failure::make(std::runtime_error("boom")));
    }

    void flushesExpectedFailure()
    {
        {
            Deferred<int> d;
            d.errback(Failure::make(std::runtime_error("expected")));
        }
        QCOMPARE(flushUnhandledErrors<std::runtime_error>(), 1);
    }

    void neverFiredDeferred()
    {
        m_kept = Deferred<int>(); // SITE:unfired
    }

    void optedOutDeferred()
    {
        m_kept = Deferred<int>();
        expectPending(m_kept);
    }

    void leavesPoolJob()
    {
        m_pool = std::make_unique<ThreadPool>(0, 1, QStringLiteral("dirty")); // never started: the job stays queued
        m_pool->callInThread([] {});
    }

    void workerOutlivesPool()
    {
        std::atomic<int> tid { 0 };
        m_ghost = std::thread([this, &tid] {
            pthread_setname_np(pthread_self(), "PoolThread-gone");
            tid.store(static_cast<int>(::gettid()));
            while (!m_quit.load())
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
        });
        while (tid.load() == 0)
            std::this_thread::yield();
        // What ThreadPool::stop() records when a worker's thread is still there 2 s after its pool was joined.
        qtwisted::detail::TestAccess::noteWorkerOfDeadPool(tid.load(), QStringLiteral("gone"));
    }

    void timesOutWaiting()
    {
        Reactor::instance().callLater(60.0, [] {}); // SITE:timeout
        Deferred<int> never;
        expectPending(never);
        DeferredSpy<int> spy(never);
        QVERIFY(!spy.wait(std::chrono::seconds(20))); // ended by the 1.5 s timeout, not by the 20 s
        auto dc = Reactor::instance().callLater(1.0, [] {});
        dc.cancel();
    }

    void timesOutBlocked() { std::this_thread::sleep_for(std::chrono::seconds(20)); }

    void advanceNegative()
    {
        Reactor reactor;
        VirtualClock clock(reactor);
        clock.advance(-1.0); // SITE:negative
    }

    void runNextOfEmptyPool()
    {
        ThreadPool pool(0, 1, QStringLiteral("empty"));
        ManualPool manual(pool);
        manual.runNext(); // SITE:emptypool
    }

    void successResultOfOtherThread()
    {
        std::optional<Deferred<int>> d;
        std::thread([&d] { d = succeed(1); }).join();
        successResultOf(*d); // SITE:otherthread
    }

    void successResultOfNoResult()
    {
        Deferred<int> d;
        expectPending(d);
        QTW_COMPARE_RESULT(d, 1); // SITE:noresult
    }

    void failureOfWrongType()
    {
        auto d = fail<int>(Failure::make(std::logic_error("wrong"))); // SITE:failmade
        failureResultOf<std::runtime_error>(d); // SITE:wrongtype
    }

private:
    Deferred<int> m_kept;
    std::unique_ptr<ThreadPool> m_pool;
    std::thread m_ghost;
    std::atomic<bool> m_quit { false };
};

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    if (argc > 1 && qstrcmp(argv[1], "--guard-outside-test") == 0) {
        try {
            TestGuard guard;
        } catch (const std::logic_error& e) {
            std::printf("refused: %s\n", e.what());
            return 4;
        }
        return 0;
    }
    DirtyTest test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_testing_dirty.moc"
