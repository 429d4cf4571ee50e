// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// detail::Signal: the wake-up that pool workers sleep on and blockingCallFromThread() waits with. What its users rely
// on: a post is never lost (before or after the waiter sleeps), two posts before a wait are one, a timed wait gives
// up and leaves the Signal usable, and the waiter may destroy the Signal as soon as it has woken.
//
// No sleep stands in for synchronisation: where a test needs a thread to be asleep on the Signal, it reads the
// thread's current system call from /proc (Linux: /proc/self/task/<tid>/syscall) and waits until that is a futex wait
// on this Signal's address.
#include <qtwisted/detail/signal.h>

#include <QFile>
#include <QTest>

#include <atomic>
#include <chrono>
#include <memory>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <vector>

using qtwisted::detail::Signal;
using namespace std::chrono_literals;

namespace {

/// True while thread `tid` of this process is in a futex system call on `address` (the Signal's futex word is its
/// first and only member).
bool sleepsOn(pid_t tid, const void* address)
{
    QFile file(QStringLiteral("/proc/self/task/%1/syscall").arg(tid));
    if (!file.open(QIODevice::ReadOnly))
        return false;
    const QList<QByteArray> fields = file.readAll().split(' ');
    bool ok = false;
    return fields.size() > 1 && fields[0].toLong() == SYS_futex
        && fields[1].mid(2).toULongLong(&ok, 16) == reinterpret_cast<quintptr>(address) && ok;
}

/// Waits (yielding) until thread `tid` sleeps on `address`; false if it has not after 10 s (a hung test, not a
/// timing check).
bool waitUntilAsleepOn(const std::atomic<pid_t>& tid, const void* address)
{
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < give_up) {
        const pid_t t = tid.load();
        if (t != 0 && sleepsOn(t, address))
            return true;
        std::this_thread::yield();
    }
    return false;
}

} // namespace

class TestSignal : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void postBeforeWaitIsKept()
    {
        Signal s;
        QVERIFY(!s.poll());
        s.release();
        QVERIFY(s.poll());
        s.acquire(); // returns at once: the post was kept
        QVERIFY(!s.poll());
    }

    void twoPostsAreOne()
    {
        Signal s;
        s.release();
        s.release();
        s.acquire();
        QVERIFY(!s.poll());
        QVERIFY(!s.try_acquire_for(20ms)); // the second post did not count twice
    }

    void timedWaitGivesUpAndStaysUsable()
    {
        Signal s;
        const auto t0 = std::chrono::steady_clock::now();
        QVERIFY(!s.try_acquire_for(30ms));
        QVERIFY(std::chrono::steady_clock::now() - t0 >= 30ms);
        QVERIFY(!s.try_acquire_for(0ms));
        QVERIFY(!s.try_acquire_for(-5ms));
        // After the timeouts, a post from another thread still wakes the next waiter, once it sleeps.
        std::atomic<pid_t> me { static_cast<pid_t>(::gettid()) };
        std::atomic<bool> sawMeAsleep { false };
        std::thread poster([&] {
            sawMeAsleep.store(waitUntilAsleepOn(me, &s));
            s.release();
        });
        QVERIFY(s.try_acquire_for(60s));
        poster.join();
        QVERIFY(sawMeAsleep.load());
        QVERIFY(!s.poll());
    }

    void pollForSeesAPostWithoutTakingIt()
    {
        Signal s;
        const auto t0 = std::chrono::steady_clock::now();
        QVERIFY(!s.pollFor(2ms)); // nothing posted: gives up after the limit
        QVERIFY(std::chrono::steady_clock::now() - t0 >= 2ms);
        std::atomic<bool> polling { false };
        std::thread poster([&] {
            while (!polling.load())
                std::this_thread::yield();
            s.release();
        });
        polling.store(true);
        QVERIFY(s.pollFor(60s)); // returns when the post arrives, long before the limit
        poster.join();
        QVERIFY(s.poll()); // still there for acquire()
        s.acquire();
        QVERIFY(!s.poll());
    }

    void postWakesASleeper()
    {
        Signal s;
        std::atomic<bool> woke { false };
        std::atomic<pid_t> tid { 0 };
        std::thread waiter([&] {
            tid.store(static_cast<pid_t>(::gettid()));
            s.acquire();
            woke.store(true);
        });
        QVERIFY(waitUntilAsleepOn(tid, &s)); // asleep in the kernel, on this Signal
        QVERIFY(!woke.load());
        s.release();
        waiter.join();
        QVERIFY(woke.load());
        QVERIFY(!s.poll()); // the waiter consumed the post
    }

    /// 100 000 hand-offs between two threads, each Signal posted only after the other thread's post was consumed:
    /// a lost wake-up would hang (the test's timeout catches it), a doubled one would be seen by the count.
    void pingPongLosesNothing()
    {
        Signal ping;
        Signal pong;
        constexpr int kRounds = 100'000;
        int seen = 0;
        std::thread other([&] {
            for (int i = 0; i < kRounds; ++i) {
                ping.acquire();
                ++seen;
                pong.release();
            }
        });
        for (int i = 0; i < kRounds; ++i) {
            ping.release();
            pong.acquire();
            QCOMPARE(seen, i + 1);
        }
        other.join();
        QVERIFY(!ping.poll());
        QVERIFY(!pong.poll());
    }

    /// Two threads waiting on one Signal: each post releases exactly one of them, and neither is left asleep.
    void twoWaitersEachGetOnePost()
    {
        Signal s;
        std::atomic<int> woke { 0 };
        std::atomic<pid_t> tids[2] = { 0, 0 };
        std::atomic<bool> done[2] = { false, false };
        std::vector<std::thread> waiters;
        waiters.reserve(2);
        for (int i = 0; i < 2; ++i) {
            waiters.emplace_back([&, i] {
                tids[i].store(static_cast<pid_t>(::gettid()));
                s.acquire();
                done[i].store(true);
                woke.fetch_add(1);
            });
        }
        QVERIFY(waitUntilAsleepOn(tids[0], &s));
        QVERIFY(waitUntilAsleepOn(tids[1], &s));
        s.release();
        QTRY_COMPARE_WITH_TIMEOUT(woke.load(), 1, 10000);
        // The other waiter is (back) asleep on the Signal and still has not woken: one post, one waiter.
        const int other = done[0].load() ? 1 : 0;
        QVERIFY(waitUntilAsleepOn(tids[other], &s));
        QVERIFY(!done[other].load());
        QCOMPARE(woke.load(), 1);
        s.release();
        for (auto& t : waiters)
            t.join();
        QCOMPARE(woke.load(), 2);
    }

    /// The waiter frees the Signal the moment it wakes, as blocking calls and retiring workers do; under ASan a
    /// release() that touched the Signal after waking it would be reported.
    void waiterMayFreeTheSignalAtOnce()
    {
        for (int i = 0; i < 2000; ++i) {
            auto s = std::make_unique<Signal>();
            Signal* raw = s.get();
            std::thread poster([raw] { raw->release(); });
            s->acquire();
            s.reset();
            poster.join();
        }
    }
};

QTEST_GUILESS_MAIN(TestSignal)
#include "tst_signal.moc"
