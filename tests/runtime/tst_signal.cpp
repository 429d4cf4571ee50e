// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// detail::Signal: the wake-up that pool workers sleep on and blockingCallFromThread() waits with. What its users rely
// on: a post is never lost (before or after the waiter sleeps), two posts before a wait are one, a timed wait gives
// up and leaves the Signal usable, and the waiter may destroy the Signal as soon as it has woken.
#include <qtwisted/detail/signal.h>

#include <QTest>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

using qtwisted::detail::Signal;
using namespace std::chrono_literals;

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
        // After the timeouts, a post from another thread still wakes the next waiter.
        std::thread poster([&s] {
            std::this_thread::sleep_for(20ms);
            s.release();
        });
        QVERIFY(s.try_acquire_for(10s));
        poster.join();
        QVERIFY(!s.poll());
    }

    void pollForSeesAPostWithoutTakingIt()
    {
        Signal s;
        const auto t0 = std::chrono::steady_clock::now();
        QVERIFY(!s.pollFor(2ms)); // nothing posted: gives up after the limit
        QVERIFY(std::chrono::steady_clock::now() - t0 >= 2ms);
        std::thread poster([&s] {
            std::this_thread::sleep_for(5ms);
            s.release();
        });
        QVERIFY(s.pollFor(10s)); // returns when the post arrives, long before the limit
        poster.join();
        QVERIFY(s.poll()); // still there for acquire()
        s.acquire();
        QVERIFY(!s.poll());
    }

    void postWakesASleeper()
    {
        Signal s;
        std::atomic<bool> woke { false };
        std::thread waiter([&] {
            s.acquire();
            woke.store(true);
        });
        std::this_thread::sleep_for(30ms); // long enough for the waiter to be asleep in the kernel
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
        std::vector<std::thread> waiters;
        waiters.reserve(2);
        for (int i = 0; i < 2; ++i) {
            waiters.emplace_back([&] {
                s.acquire();
                woke.fetch_add(1);
            });
        }
        std::this_thread::sleep_for(30ms);
        s.release();
        QTRY_COMPARE_WITH_TIMEOUT(woke.load(), 1, 5000);
        std::this_thread::sleep_for(30ms);
        QCOMPARE(woke.load(), 1); // one post, one waiter
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
