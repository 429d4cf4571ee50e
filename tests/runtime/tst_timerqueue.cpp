// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// The reactor's timed calls (core/runtime/src/timerqueue_p.h) on their own, without a reactor or a clock: times are
// made-up steady-clock nanoseconds, so order, ties, cancel, reschedule and the next due time are checked exactly.
#include "../../core/runtime/src/timerqueue_p.h"

#include <QTest>

#include <cstddef>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

using qtwisted::detail::Task;
using qtwisted::detail::TimedCall;
using qtwisted::detail::TimerQueue;
using Status = TimedCall::Status;

namespace {

std::shared_ptr<TimedCall> makeCall(Task fn)
{
    auto call = std::make_shared<TimedCall>();
    call->fn = std::move(fn);
    return call;
}

/// What runDue() is given by the reactor, minus its logging: run the function, then release it.
void runTask(TimedCall& call)
{
    call.fn();
    call.fn.reset();
}

} // namespace

class TestTimerQueue : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void runsCallsInDueTimeOrder()
    {
        TimerQueue queue;
        std::vector<int> ran;
        const qint64 dues[] = { 500, 100, 400, 200, 300 };
        std::vector<std::shared_ptr<TimedCall>> calls;
        for (const qint64 due : dues) {
            calls.push_back(makeCall([&ran, due] { ran.push_back(static_cast<int>(due)); }));
            queue.add(calls.back(), due);
        }
        QCOMPARE(queue.size(), std::size_t { 5 });
        queue.runDue(1000, runTask);
        QCOMPARE(ran, (std::vector<int> { 100, 200, 300, 400, 500 }));
        QVERIFY(queue.empty());
        for (const auto& c : calls)
            QCOMPARE(c->status, Status::Called);
    }

    /// Twisted runs calls due at the same time in the order they were scheduled.
    void tiesRunInInsertionOrder()
    {
        TimerQueue queue;
        std::vector<int> ran;
        std::vector<std::shared_ptr<TimedCall>> calls;
        for (int i = 0; i < 50; ++i) {
            calls.push_back(makeCall([&ran, i] { ran.push_back(i); }));
            queue.add(calls.back(), i % 2 == 0 ? 100 : 50); // odd ones first (earlier), each half in insertion order
        }
        queue.runDue(100, runTask);
        std::vector<int> expected;
        for (int i = 1; i < 50; i += 2)
            expected.push_back(i);
        for (int i = 0; i < 50; i += 2)
            expected.push_back(i);
        QCOMPARE(ran, expected);
    }

    void runsOnlyWhatIsDue()
    {
        TimerQueue queue;
        std::vector<int> ran;
        auto early = makeCall([&ran] { ran.push_back(1); });
        auto exact = makeCall([&ran] { ran.push_back(2); });
        auto late = makeCall([&ran] { ran.push_back(3); });
        queue.add(early, 10);
        queue.add(exact, 20);
        queue.add(late, 21);
        queue.runDue(20, runTask); // due time <= now runs; a nanosecond later does not
        QCOMPARE(ran, (std::vector<int> { 1, 2 }));
        QCOMPARE(late->status, Status::Pending);
        QCOMPARE(queue.nextDue(), std::optional<qint64>(21));
        queue.runDue(20, runTask);
        QCOMPARE(ran.size(), std::size_t { 2 });
        queue.runDue(21, runTask);
        QCOMPARE(ran, (std::vector<int> { 1, 2, 3 }));
    }

    void nextDueIsTheEarliest()
    {
        TimerQueue queue;
        QCOMPARE(queue.nextDue(), std::optional<qint64>());
        auto a = makeCall([] {});
        auto b = makeCall([] {});
        queue.add(a, 300);
        QCOMPARE(queue.nextDue(), std::optional<qint64>(300));
        queue.add(b, 200);
        QCOMPARE(queue.nextDue(), std::optional<qint64>(200));
        queue.cancel(*b);
        QCOMPARE(queue.nextDue(), std::optional<qint64>(300));
        queue.reschedule(a, 50);
        QCOMPARE(queue.nextDue(), std::optional<qint64>(50));
        queue.runDue(50, runTask);
        QCOMPARE(queue.nextDue(), std::optional<qint64>());
    }

    void cancelUnschedulesAndReleases()
    {
        TimerQueue queue;
        auto capture = std::make_shared<int>(0);
        bool ran = false;
        auto call = makeCall([&ran, capture] { ran = true; });
        queue.add(call, 10);
        QCOMPARE(capture.use_count(), 2L);
        queue.cancel(*call);
        QCOMPARE(call->status, Status::Cancelled);
        QCOMPARE(capture.use_count(), 1L); // its captures are released at once
        QVERIFY(queue.empty());
        queue.runDue(100, runTask);
        QVERIFY(!ran);
    }

    void rescheduleMovesACall()
    {
        TimerQueue queue;
        std::vector<int> ran;
        auto a = makeCall([&ran] { ran.push_back(1); });
        auto b = makeCall([&ran] { ran.push_back(2); });
        auto c = makeCall([&ran] { ran.push_back(3); });
        queue.add(a, 10);
        queue.add(b, 20);
        queue.add(c, 30);
        queue.reschedule(a, 25); // later: now between b and c
        QCOMPARE(a->key.first, qint64 { 25 });
        queue.reschedule(c, 5); // earlier: now first
        QCOMPARE(queue.size(), std::size_t { 3 });
        queue.runDue(100, runTask);
        QCOMPARE(ran, (std::vector<int> { 3, 2, 1 }));
    }

    /// Rescheduling counts as a new insertion: to a time another call already has, it then runs after that one.
    void rescheduleToATieGoesLast()
    {
        TimerQueue queue;
        std::vector<int> ran;
        auto a = makeCall([&ran] { ran.push_back(1); });
        auto b = makeCall([&ran] { ran.push_back(2); });
        queue.add(a, 10);
        queue.add(b, 10);
        queue.reschedule(a, 10);
        queue.runDue(10, runTask);
        QCOMPARE(ran, (std::vector<int> { 2, 1 }));
    }

    void anEarlierCallCanCancelALaterDueOne()
    {
        TimerQueue queue;
        std::vector<int> ran;
        auto victim = makeCall([&ran] { ran.push_back(2); });
        auto killer = makeCall([&] {
            ran.push_back(1);
            queue.cancel(*victim);
        });
        queue.add(killer, 10);
        queue.add(victim, 20);
        queue.runDue(100, runTask); // both were due when the run began
        QCOMPARE(ran, (std::vector<int> { 1 }));
        QCOMPARE(victim->status, Status::Cancelled);
    }

    void anEarlierCallCanRescheduleALaterDueOne()
    {
        TimerQueue queue;
        std::vector<int> ran;
        auto moved = makeCall([&ran] { ran.push_back(2); });
        auto mover = makeCall([&] {
            ran.push_back(1);
            queue.reschedule(moved, 50); // still due at 100, but it waits for the next run
        });
        queue.add(mover, 10);
        queue.add(moved, 20);
        queue.runDue(100, runTask);
        QCOMPARE(ran, (std::vector<int> { 1 }));
        QCOMPARE(moved->status, Status::Pending);
        QCOMPARE(queue.nextDue(), std::optional<qint64>(50));
        queue.runDue(100, runTask);
        QCOMPARE(ran, (std::vector<int> { 1, 2 }));
    }

    void callsAddedWhileRunningWaitForTheNextRun()
    {
        TimerQueue queue;
        std::vector<int> ran;
        auto added = makeCall([&ran] { ran.push_back(2); });
        auto adder = makeCall([&] {
            ran.push_back(1);
            queue.add(added, 0); // already due
        });
        queue.add(adder, 10);
        queue.runDue(100, runTask);
        QCOMPARE(ran, (std::vector<int> { 1 }));
        queue.runDue(100, runTask);
        QCOMPARE(ran, (std::vector<int> { 1, 2 }));
    }

    void releaseAllDropsEveryCall()
    {
        TimerQueue queue;
        auto capture = std::make_shared<int>(0);
        bool ran = false;
        auto a = makeCall([&ran, capture] { ran = true; });
        auto b = makeCall([&ran, capture] { ran = true; });
        queue.add(a, 10);
        queue.add(b, 20);
        QCOMPARE(capture.use_count(), 3L);
        queue.releaseAll();
        QVERIFY(queue.empty());
        QCOMPARE(queue.nextDue(), std::optional<qint64>());
        QCOMPARE(capture.use_count(), 1L);
        queue.runDue(100, runTask);
        QVERIFY(!ran);
    }

    /// A call whose function holds the last reference to the call itself (a callLater that captured its own
    /// DelayedCall): releaseAll() breaks that cycle.
    void releaseAllBreaksSelfReferences()
    {
        TimerQueue queue;
        std::weak_ptr<TimedCall> weak;
        {
            auto call = std::make_shared<TimedCall>();
            call->fn = [call] {};
            weak = call;
            queue.add(call, 10);
        }
        QVERIFY(!weak.expired());
        queue.releaseAll();
        QVERIFY(weak.expired());
    }

    /// Cancelled and moved calls leave nothing behind for long: the queue holds at most about twice its pending calls,
    /// however many timeouts were set and cancelled (the common use of callLater), and what it holds stays ordered.
    void cancelledCallsDoNotAccumulate()
    {
        TimerQueue queue;
        std::vector<int> ran;
        auto keep = makeCall([&ran] { ran.push_back(-1); });
        queue.add(keep, 1'000'000);
        std::vector<std::shared_ptr<TimedCall>> calls;
        for (int i = 0; i < 100'000; ++i) {
            auto timeout = makeCall([&ran, i] { ran.push_back(i); });
            queue.add(timeout, 2'000'000 + (i * 7919) % 100'000); // far behind `keep`, never at the top
            if (i % 100 == 0)
                calls.push_back(timeout); // 1 in 100 stays
            else
                queue.cancel(*timeout);
            QVERIFY2(queue.heldEntries() <= 2 * queue.size() + 64,
                qPrintable(QStringLiteral("%1 held for %2 pending").arg(queue.heldEntries()).arg(queue.size())));
        }
        QCOMPARE(queue.size(), std::size_t { 1 + 1000 });
        for (std::size_t k = 0; k < calls.size(); k += 2)
            queue.reschedule(calls[k], 1'500'000 + static_cast<qint64>(k)); // moved ahead of the others, in order
        QVERIFY(queue.heldEntries() <= 2 * queue.size() + 64);
        QCOMPARE(queue.size(), std::size_t { 1 + 1000 });
        queue.runDue(10'000'000, runTask);
        QCOMPARE(ran.size(), std::size_t { 1 + 1000 });
        QCOMPARE(ran.front(), -1);
        for (std::size_t k = 0; k < 500; ++k)
            QCOMPARE(ran[1 + k], static_cast<int>(2 * k * 100)); // the moved ones, in their new order
        QVERIFY(queue.empty());
        QCOMPARE(queue.heldEntries(), std::size_t { 0 });
    }

    /// Moving one call again and again keeps one call pending, and the queue small.
    void reschedulingAgainAndAgainKeepsOneCall()
    {
        TimerQueue queue;
        int ran = 0;
        auto call = makeCall([&ran] { ++ran; });
        for (int i = 0; i < 10'000; ++i) {
            queue.reschedule(call, 1000 + i);
            QCOMPARE(queue.size(), std::size_t { 1 });
            QCOMPARE(queue.nextDue(), std::optional<qint64>(1000 + i));
        }
        QVERIFY(queue.heldEntries() <= 2 + 64);
        queue.runDue(100'000, runTask);
        QCOMPARE(ran, 1);
    }

    /// A call that releases the queue (the reactor shutting down from a timed call) does not take the functions of
    /// calls already due in the same run: those were taken out of the queue and still run.
    void releaseAllFromARunningCallKeepsTheDueOnes()
    {
        TimerQueue queue;
        std::vector<int> ran;
        auto first = makeCall([&] {
            ran.push_back(1);
            queue.releaseAll();
        });
        auto second = makeCall([&ran] { ran.push_back(2); });
        auto later = makeCall([&ran] { ran.push_back(3); });
        queue.add(first, 10);
        queue.add(second, 20);
        queue.add(later, 500);
        queue.runDue(100, runTask);
        QCOMPARE(ran, (std::vector<int> { 1, 2 }));
        QVERIFY(queue.empty());
        QVERIFY(!later->fn); // the one not due was released
    }

    /// Releasing the queue releases functions whose captures may cancel other calls on their way out (a guard that
    /// cancels a timeout when it dies): the books stay consistent, nothing is counted twice.
    void releaseAllSurvivesCapturesThatCancel()
    {
        TimerQueue queue;
        auto later = makeCall([] {});
        struct CancelOnDestroy {
            TimerQueue* queue = nullptr;
            std::shared_ptr<TimedCall> victim;
            CancelOnDestroy() = default;
            CancelOnDestroy(const CancelOnDestroy&) = delete;
            CancelOnDestroy& operator=(const CancelOnDestroy&) = delete;
            ~CancelOnDestroy()
            {
                if (victim && victim->status == Status::Pending)
                    queue->cancel(*victim);
            }
        };
        auto guard = std::make_shared<CancelOnDestroy>();
        guard->queue = &queue;
        guard->victim = later;
        auto first = makeCall([guard] {});
        guard.reset();
        queue.add(first, 5); // at the top: released before `later`
        queue.add(later, 10);
        queue.releaseAll();
        QCOMPARE(queue.size(), std::size_t { 0 });
        QVERIFY(queue.empty());
        std::vector<const TimedCall*> listed;
        queue.forEach([&listed](const TimedCall& c) { listed.push_back(&c); });
        QVERIFY(listed.empty());
        QCOMPARE(later->status, Status::Cancelled);
    }

    /// A call whose only owner is the queue can be cancelled through a plain reference (QTwisted::Testing's guard
    /// does this), and its function's captures may use the queue as they die.
    void cancelOfACallOnlyTheQueueHolds()
    {
        TimerQueue queue;
        auto other = makeCall([] {});
        queue.add(other, 50);
        bool destroyed = false;
        struct Probe {
            TimerQueue* queue = nullptr;
            std::shared_ptr<TimedCall> other;
            bool* destroyed = nullptr;
            Probe() = default;
            Probe(const Probe&) = delete;
            Probe& operator=(const Probe&) = delete;
            ~Probe()
            {
                *destroyed = true;
                queue->cancel(*other);
            }
        };
        auto probe = std::make_shared<Probe>();
        probe->queue = &queue;
        probe->other = other;
        probe->destroyed = &destroyed;
        auto call = makeCall([probe] {});
        probe.reset();
        queue.add(call, 10);
        TimedCall* raw = call.get();
        call.reset(); // the queue's entry is the only owner now
        queue.cancel(*raw);
        QVERIFY(destroyed);
        QVERIFY(queue.empty());
        QCOMPARE(other->status, Status::Cancelled);
        QCOMPARE(queue.nextDue(), std::optional<qint64>());
    }
};

QTEST_GUILESS_MAIN(TestTimerQueue)
#include "tst_timerqueue.moc"
