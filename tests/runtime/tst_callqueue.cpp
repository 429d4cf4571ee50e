// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// The reactor's call queue (core/runtime/src/callqueue_p.h) on its own, without a reactor: order, completeness under
// concurrent producers, one wake event per batch, the books, the two steps of closing, blocked callers, and what
// happens to a burst's storage. The test thread plays the reactor thread (the consumer).
#include "../../core/runtime/src/callqueue_p.h"

#include <qtwisted/errors.h>

#include <QCoreApplication>
#include <QEvent>
#include <QObject>
#include <QTest>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

using qtwisted::Failure;
using qtwisted::ReactorStats;
using qtwisted::detail::BlockingCallBase;
using qtwisted::detail::Call;
using qtwisted::detail::CallBatch;
using qtwisted::detail::CallBlock;
using qtwisted::detail::CallQueue;
using qtwisted::detail::Task;
using Admission = CallQueue::Admission;

namespace {

const QEvent::Type kWake = static_cast<QEvent::Type>(QEvent::registerEventType());

/// Stands in for the reactor's Waker: counts the wake events delivered to it.
class WakeCounter : public QObject {
public:
    int wakes = 0;

protected:
    bool event(QEvent* e) override
    {
        if (e->type() == kWake) {
            ++wakes;
            return true;
        }
        return QObject::event(e);
    }
};

Call makeCall(Task fn, bool counted = false)
{
    Call call { std::move(fn) };
    call.counted = counted;
    return call;
}

/// Runs every call of a batch, in order.
void runAll(CallBatch& batch)
{
    for (Call& call : batch)
        call.fn();
}

/// A blocked caller that only remembers whether it was failed.
struct BlockedCaller : BlockingCallBase {
    bool failed = false;

protected:
    void setFailure(const Failure&) noexcept override { failed = true; }
};

} // namespace

class TestCallQueue : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void takesCallsInTheOrderTheyWerePushed()
    {
        WakeCounter receiver;
        CallQueue queue(&receiver, kWake);
        std::vector<int> ran;
        for (int i = 0; i < 1000; ++i)
            QCOMPARE(queue.push(makeCall([&ran, i] { ran.push_back(i); })), Admission::Queued);
        QVERIFY(!queue.empty());
        CallBatch batch = queue.take();
        QVERIFY(queue.empty());
        QCOMPARE(batch.size(), std::size_t { 1000 });
        runAll(batch);
        for (int i = 0; i < 1000; ++i)
            QCOMPARE(ran[static_cast<std::size_t>(i)], i);
        queue.recycle(std::move(batch));
        QVERIFY(queue.take().empty());
    }

    /// Producers push while the consumer takes: every call arrives exactly once, each producer's in its own order.
    void manyProducersLoseAndDoubleNothing()
    {
        constexpr int kProducers = 4;
        constexpr int kPerProducer = 20000;
        WakeCounter receiver;
        CallQueue queue(&receiver, kWake);
        // seen[p] holds producer p's sequence numbers in the order they ran (only the consumer thread writes them).
        std::vector<std::vector<int>> seen(kProducers);
        std::atomic<int> producing { kProducers };
        std::vector<std::thread> producers;
        for (int p = 0; p < kProducers; ++p) {
            producers.emplace_back([&, p] {
                for (int i = 0; i < kPerProducer; ++i)
                    queue.push(makeCall([&seen, p, i] { seen[static_cast<std::size_t>(p)].push_back(i); }, true));
                producing.fetch_sub(1, std::memory_order_release);
            });
        }
        std::size_t batches = 0;
        for (;;) {
            const bool done = producing.load(std::memory_order_acquire) == 0;
            CallBatch batch = queue.take();
            const bool took = !batch.empty();
            batches += took ? 1 : 0;
            runAll(batch);
            queue.recycle(std::move(batch));
            if (done && queue.empty())
                break;
            if (!took)
                std::this_thread::yield();
        }
        for (auto& t : producers)
            t.join();
        QVERIFY(batches >= 1);
        for (int p = 0; p < kProducers; ++p) {
            const auto& s = seen[static_cast<std::size_t>(p)];
            QCOMPARE(s.size(), std::size_t { kPerProducer });
            for (int i = 0; i < kPerProducer; ++i)
                QCOMPARE(s[static_cast<std::size_t>(i)], i);
        }
        QCOMPARE(queue.stats().submitted, quint64 { kProducers * kPerProducer });
    }

    void postsOneWakePerBatch()
    {
        WakeCounter receiver;
        CallQueue queue(&receiver, kWake);
        for (int i = 0; i < 5; ++i)
            queue.push(makeCall([] {}));
        QCoreApplication::sendPostedEvents(&receiver, kWake);
        QCOMPARE(receiver.wakes, 1);
        // No take() yet: the wake is still owed to the consumer, so more calls post nothing.
        queue.push(makeCall([] {}));
        QCoreApplication::sendPostedEvents(&receiver, kWake);
        QCOMPARE(receiver.wakes, 1);
        QCOMPARE(queue.take().size(), std::size_t { 6 });
        queue.push(makeCall([] {}));
        queue.push(makeCall([] {}));
        QCoreApplication::sendPostedEvents(&receiver, kWake);
        QCOMPARE(receiver.wakes, 2);
    }

    void ackWakeAndWakeIfQueued()
    {
        WakeCounter receiver;
        CallQueue queue(&receiver, kWake);
        queue.push(makeCall([] {}));
        QCoreApplication::sendPostedEvents(&receiver, kWake);
        QCOMPARE(receiver.wakes, 1);
        queue.ackWake(); // the consumer saw the wake but left the call queued
        queue.wakeIfQueued();
        queue.wakeIfQueued(); // one is pending now: no second
        QCoreApplication::sendPostedEvents(&receiver, kWake);
        QCOMPARE(receiver.wakes, 2);
        QCOMPARE(queue.take().size(), std::size_t { 1 });
        queue.wakeIfQueued(); // nothing queued
        QCoreApplication::sendPostedEvents(&receiver, kWake);
        QCOMPARE(receiver.wakes, 2);
    }

    void keepsTheBooksOfCountedCalls()
    {
        WakeCounter receiver;
        CallQueue queue(&receiver, kWake);
        for (int i = 0; i < 3; ++i)
            queue.push(makeCall([] {}, true));
        queue.push(makeCall([] {})); // the library's own (a result): not a submission
        ReactorStats s = queue.stats();
        QCOMPARE(s.submitted, quint64 { 3 });
        QCOMPARE(s.pending(), quint64 { 3 });
        CallBatch batch = queue.take();
        QCOMPARE(batch.size(), std::size_t { 4 });
        queue.addOutcomes(1, 1, 1);
        s = queue.stats();
        QCOMPARE(s.completed, quint64 { 1 });
        QCOMPARE(s.failed, quint64 { 1 });
        QCOMPARE(s.cancelled, quint64 { 1 });
        QCOMPARE(s.refused, quint64 { 0 });
        QCOMPARE(s.pending(), quint64 { 0 });
    }

    void refusesCountedCallsOnceClosedToPublic()
    {
        WakeCounter receiver;
        CallQueue queue(&receiver, kWake);
        queue.push(makeCall([] {}, true));
        QVERIFY(queue.closeToPublic().empty());
        bool ran = false;
        QCOMPARE(queue.push(makeCall([&ran] { ran = true; }, true)), Admission::Refused);
        QCOMPARE(queue.push(makeCall([] {})), Admission::Queued); // results must still arrive
        CallBatch batch = queue.take();
        QCOMPARE(batch.size(), std::size_t { 2 });
        runAll(batch);
        QVERIFY(!ran);
        const ReactorStats s = queue.stats();
        QCOMPARE(s.submitted, quint64 { 2 });
        QCOMPARE(s.refused, quint64 { 1 });
        QCOMPARE(s.pending(), quint64 { 1 });
    }

    void dropsCallsAfterClose()
    {
        WakeCounter receiver;
        CallQueue queue(&receiver, kWake);
        queue.push(makeCall([] {}, true));
        queue.close();
        QCOMPARE(queue.push(makeCall([] {})), Admission::Dropped);
        QCOMPARE(queue.push(makeCall([] {}, true)), Admission::Dropped);
        QCOMPARE(queue.take().size(), std::size_t { 1 }); // what was queued before close() is still delivered
        queue.addOutcomes(1, 0, 0);
        const ReactorStats s = queue.stats();
        QCOMPARE(s.submitted, quint64 { 2 });
        QCOMPARE(s.completed, quint64 { 1 });
        QCOMPARE(s.cancelled, quint64 { 1 }); // the dropped counted call
        QCOMPARE(s.pending(), quint64 { 0 });
        queue.wakeIfQueued();
        QCoreApplication::sendPostedEvents(&receiver, kWake);
        QCOMPARE(receiver.wakes, 1); // the first push's only
    }

    void closeDiscardingDropsWhatIsQueued()
    {
        WakeCounter receiver;
        CallQueue queue(&receiver, kWake);
        auto capture = std::make_shared<int>(0);
        queue.push(makeCall([capture] {}, true));
        queue.push(makeCall([capture] {}, true));
        queue.push(makeCall([capture] {}));
        QCOMPARE(capture.use_count(), 4L);
        queue.closeDiscarding();
        QVERIFY(queue.empty());
        QCOMPARE(capture.use_count(), 1L); // the dropped calls' captures are released
        const ReactorStats s = queue.stats();
        QCOMPARE(s.submitted, quint64 { 2 });
        QCOMPARE(s.cancelled, quint64 { 2 });
        QCOMPARE(s.pending(), quint64 { 0 });
    }

    void registersBlockedCallers()
    {
        WakeCounter receiver;
        CallQueue queue(&receiver, kWake);
        auto first = std::make_shared<BlockedCaller>();
        auto second = std::make_shared<BlockedCaller>();
        QCOMPARE(queue.pushBlocking(makeCall([] {}, true), first), Admission::Queued);
        QVERIFY(first->answerSoon); // alone in the queue
        QCOMPARE(queue.pushBlocking(makeCall([] {}, true), second), Admission::Queued);
        QVERIFY(!second->answerSoon); // queued behind another call
        QCOMPARE(queue.stats().submitted, quint64 { 2 });

        auto waiting = queue.closeToPublic();
        QCOMPARE(waiting.size(), std::size_t { 2 });
        QVERIFY(waiting[0].lock() == first);
        QVERIFY(waiting[1].lock() == second);

        auto late = std::make_shared<BlockedCaller>();
        QCOMPARE(queue.pushBlocking(makeCall([] {}, true), late), Admission::Refused);
        QCOMPARE(queue.stats().refused, quint64 { 1 });
        QVERIFY(queue.closeToPublic().empty()); // handed back once
    }

    void refusesBlockedCallersAfterClose()
    {
        WakeCounter receiver;
        CallQueue queue(&receiver, kWake);
        queue.close();
        auto caller = std::make_shared<BlockedCaller>();
        QCOMPARE(queue.pushBlocking(makeCall([] {}, true), caller), Admission::Refused);
        QVERIFY(queue.empty());
    }

    /// Callers that were answered (or gave up) are forgotten as the list grows; pending ones are kept.
    void forgetsAnsweredBlockedCallers()
    {
        WakeCounter receiver;
        CallQueue queue(&receiver, kWake);
        std::vector<std::shared_ptr<BlockedCaller>> callers;
        for (int i = 0; i < 200; ++i) {
            auto caller = std::make_shared<BlockedCaller>();
            QCOMPARE(queue.pushBlocking(makeCall([] {}, true), caller), Admission::Queued);
            if (i % 2 == 0) {
                QVERIFY(caller->claim());
                caller->publish(); // answered
            }
            callers.push_back(caller);
        }
        auto waiting = queue.closeToPublic();
        std::size_t pending = 0;
        for (const auto& w : waiting) {
            auto c = w.lock();
            QVERIFY(c);
            pending += c->pending() ? 1U : 0U;
        }
        QCOMPARE(pending, std::size_t { 100 }); // every pending caller is still there to be released
        QVERIFY(waiting.size() < callers.size()); // and answered ones were dropped on the way
    }

    /// A burst's storage is not kept once the batch ran: the queue keeps at most kKeptBlocks empty blocks, and
    /// reuses them for later calls.
    void givesBackABurstsStorage()
    {
        WakeCounter receiver;
        CallQueue queue(&receiver, kWake);
        const std::size_t burst = (CallQueue::kKeptBlocks + 4) * CallBlock::kCalls + 1;
        int ran = 0;
        for (std::size_t i = 0; i < burst; ++i)
            queue.push(makeCall([&ran] { ++ran; }));
        QCOMPARE(queue.keptBlocks(), std::size_t { 0 });
        CallBatch batch = queue.take();
        QCOMPARE(batch.size(), burst);
        runAll(batch);
        QCOMPARE(static_cast<std::size_t>(ran), burst);
        queue.recycle(std::move(batch));
        QCOMPARE(queue.keptBlocks(), CallQueue::kKeptBlocks);
        for (int round = 0; round < 3; ++round) {
            queue.push(makeCall([] {}));
            QCOMPARE(queue.keptBlocks(), CallQueue::kKeptBlocks - 1); // a kept block was reused, none mapped
            CallBatch next = queue.take();
            QCOMPARE(next.size(), std::size_t { 1 });
            queue.recycle(std::move(next));
            QCOMPARE(queue.keptBlocks(), CallQueue::kKeptBlocks);
        }
    }

    /// While calls are still queued (a flood goes on), a recycled batch's blocks are kept, up to kFloodBlocks; the
    /// next batch after which the queue is empty trims them back to kKeptBlocks.
    void keepsBlocksWhileAFloodLasts()
    {
        WakeCounter receiver;
        CallQueue queue(&receiver, kWake);
        const std::size_t blocks = CallQueue::kKeptBlocks + 8;
        for (std::size_t i = 0; i < blocks * CallBlock::kCalls; ++i)
            queue.push(makeCall([] {}));
        CallBatch flood = queue.take();
        queue.push(makeCall([] {})); // the flood goes on
        queue.recycle(std::move(flood));
        QCOMPARE(queue.keptBlocks(), blocks);
        CallBatch last = queue.take();
        queue.recycle(std::move(last)); // drained
        QCOMPARE(queue.keptBlocks(), CallQueue::kKeptBlocks);
    }

    /// A batch dropped without recycle() destroys its calls (their captures go) and frees its blocks; so does a queue
    /// destroyed with calls still in it.
    void destroysCallsNobodyRan()
    {
        auto token = std::make_shared<int>(0);
        {
            WakeCounter receiver;
            CallQueue queue(&receiver, kWake);
            for (std::uint32_t i = 0; i < CallBlock::kCalls + 3; ++i)
                queue.push(makeCall([token] {}));
            {
                CallBatch batch = queue.take();
                QCOMPARE(token.use_count(), static_cast<long>(CallBlock::kCalls + 4));
            }
            QCOMPARE(token.use_count(), 1L);
            for (int i = 0; i < 5; ++i)
                queue.push(makeCall([token] {}));
            QCOMPARE(token.use_count(), 6L);
        }
        QCOMPARE(token.use_count(), 1L);
    }

    /// closeDiscarding() destroys what was queued and counts the submissions among it as cancelled.
    void closeDiscardingDropsAndCountsTheQueue()
    {
        WakeCounter receiver;
        CallQueue queue(&receiver, kWake);
        auto token = std::make_shared<int>(0);
        const std::uint32_t n = CallBlock::kCalls * 2 + 5;
        for (std::uint32_t i = 0; i < n; ++i)
            queue.push(makeCall([token] {}, i % 2 == 0));
        queue.closeDiscarding();
        QCOMPARE(token.use_count(), 1L);
        QVERIFY(queue.empty());
        QVERIFY(queue.take().empty());
        const ReactorStats s = queue.stats();
        QCOMPARE(s.submitted, quint64 { (n + 1) / 2 });
        QCOMPARE(s.cancelled, quint64 { (n + 1) / 2 });
        QCOMPARE(s.pending(), quint64 { 0 });
        QCOMPARE(queue.push(makeCall([] {}, true)), Admission::Dropped);
    }
};

QTEST_GUILESS_MAIN(TestCallQueue)
#include "tst_callqueue.moc"
