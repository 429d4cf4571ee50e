// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// co_await on Deferred<T> inside coroutines returning Deferred<R> (Twisted's inlineCallbacks / ensureDeferred).
#include "messagelog.h"
#include "reactortest.h"

#include <qtwisted/deferred.h>
#include <qtwisted/reactor.h>
#include <qtwisted/threads.h>

#include <QTest>
#include <QThread>

#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

using namespace qtwisted;
using namespace Qt::StringLiterals;

namespace {

class MyError : public std::runtime_error {
public:
    explicit MyError(const char* what)
        : std::runtime_error(what)
    {
    }
};

/// Sets a flag when destroyed: proves a coroutine frame (holding it) was freed.
class Sentinel {
public:
    explicit Sentinel(std::shared_ptr<bool> destroyed)
        : m_destroyed(std::move(destroyed))
    {
    }
    Sentinel(const Sentinel&) = delete;
    Sentinel& operator=(const Sentinel&) = delete;
    Sentinel(Sentinel&&) = delete;
    Sentinel& operator=(Sentinel&&) = delete;
    ~Sentinel() { *m_destroyed = true; }

private:
    std::shared_ptr<bool> m_destroyed;
};

template <class T>
std::shared_ptr<std::optional<Outcome<T>>> capture(Deferred<T> d)
{
    auto out = std::make_shared<std::optional<Outcome<T>>>();
    d.addBoth([out](const Outcome<T>& o) { out->emplace(o); });
    return out;
}

Deferred<int> twice(Deferred<int> d)
{
    const int v = co_await std::move(d);
    co_return 2 * v;
}

Deferred<void> waitFor(Deferred<void> d, std::shared_ptr<int> steps)
{
    ++*steps;
    co_await std::move(d);
    ++*steps;
}

Deferred<QString> describe(Deferred<int> a, Deferred<int> b)
{
    const int x = co_await twice(std::move(a)); // a coroutine awaiting a coroutine
    const int y = co_await std::move(b);
    co_return u"%1+%2"_s.arg(x).arg(y);
}

Deferred<qint64> sumOfFired(int n)
{
    qint64 sum = 0;
    for (int i = 1; i <= n; ++i)
        sum += co_await succeed(i); // already fired: no suspension, no stack growth
    co_return sum;
}

Deferred<int> nested(int depth, Deferred<int> leaf)
{
    if (depth == 0)
        co_return co_await std::move(leaf);
    co_return 1 + co_await nested(depth - 1, std::move(leaf));
}

Deferred<QString> catching(Deferred<int> d)
{
    try {
        co_await std::move(d);
    } catch (const MyError& e) {
        co_return u"caught: "_s + QString::fromUtf8(e.what());
    }
    co_return u"no error"_s;
}

Deferred<int> rethrowing(Deferred<int> d)
{
    const int v = co_await std::move(d); // the awaited Failure escapes the body
    co_return v;
}

Deferred<int> throwingAfterAwait(Deferred<void> d)
{
    co_await std::move(d);
    throw MyError("thrown by the body");
}

Deferred<int> throwingAtOnce()
{
    throw MyError("before any co_await");
    co_return 0; // NOLINT: makes the function a coroutine
}

Deferred<int> awaitCancelled(Deferred<int> d, std::shared_ptr<bool> sawCancel, bool recover)
{
    try {
        co_return co_await std::move(d);
    } catch (const CancelledError&) {
        *sawCancel = true;
        if (!recover)
            throw;
    }
    co_return -1;
}

Deferred<int> holdsSentinel(Deferred<int> d, std::shared_ptr<bool> destroyed)
{
    const Sentinel sentinel(std::move(destroyed));
    co_return co_await std::move(d);
}

} // namespace

class TestCoroutine : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void returnsTheAwaitedValue()
    {
        Deferred<int> inner;
        auto result = capture(twice(inner));
        QVERIFY(!result->has_value()); // suspended on the unfired inner Deferred
        inner.callback(21);
        QVERIFY(result->has_value());
        QCOMPARE((*result)->value(), 42);
    }

    void voidCoroutineAwaitingVoid()
    {
        Deferred<void> inner;
        auto steps = std::make_shared<int>(0);
        Deferred<void> outer = waitFor(inner, steps);
        QCOMPARE(*steps, 1); // the body starts at once, in the caller
        QVERIFY(!outer.called());
        inner.callback();
        QCOMPARE(*steps, 2);
        QVERIFY(outer.called());
        auto result = capture(outer);
        QVERIFY(result->has_value() && (*result)->ok());
    }

    void chainOfAwaits()
    {
        Deferred<int> a;
        Deferred<int> b;
        auto result = capture(describe(a, b));
        b.callback(5); // fired before it is awaited
        QVERIFY(!result->has_value());
        a.callback(3);
        QVERIFY(result->has_value());
        QCOMPARE((*result)->value(), u"6+5"_s);
    }

    void deeplyNestedCoroutines()
    {
        Deferred<int> leaf;
        auto result = capture(nested(200, leaf));
        leaf.callback(1);
        QVERIFY(result->has_value());
        QCOMPARE((*result)->value(), 201);
    }

    void awaitOfAnAlreadyFiredDeferredDoesNotSuspend()
    {
        Deferred<qint64> outer = sumOfFired(100000);
        QVERIFY(outer.called()); // ran to the end inside the call
        auto result = capture(outer);
        QCOMPARE((*result)->value(), qint64(100000) * 100001 / 2);
    }

    void awaitingConsumesTheResult()
    {
        Deferred<int> inner;
        auto result = capture(twice(inner));
        inner.callback(1);
        QCOMPARE((*result)->value(), 2);
        // As a callback returning nothing: the chain now holds void, the int handle is stale.
        QVERIFY_THROWS_EXCEPTION(ChainTypeError, inner.addCallback([](int) {}));
    }

    void exceptionInTheAwaitedDeferredIsCaughtInTheBody()
    {
        const MessageLog log;
        {
            Deferred<int> inner;
            auto result = capture(catching(inner));
            inner.errback(Failure::make(MyError("boom")));
            QVERIFY(result->has_value());
            QCOMPARE((*result)->value(), u"caught: boom"_s);
        }
        // The awaited chain's Failure was consumed by the coroutine: no "Unhandled error" for it.
        QCOMPARE(log.count("qtwisted.deferred", { u"Unhandled error"_s }), 0);
    }

    void uncaughtExceptionBecomesTheOuterFailure()
    {
        Deferred<int> inner;
        auto result = capture(rethrowing(inner));
        inner.errback(Failure::make(MyError("from the awaited one")));
        QVERIFY(result->has_value());
        QVERIFY(!(*result)->ok());
        QVERIFY((*result)->failure().check<MyError>());
        QCOMPARE((*result)->failure().message(), u"from the awaited one"_s);

        Deferred<void> go;
        auto thrown = capture(throwingAfterAwait(go));
        go.callback();
        QVERIFY((*thrown)->failure().check<MyError>());
        QCOMPARE((*thrown)->failure().message(), u"thrown by the body"_s);

        Deferred<int> atOnce = throwingAtOnce();
        QVERIFY(atOnce.called());
        QVERIFY((*capture(atOnce))->failure().check<MyError>());
    }

    void cancellingTheOuterCancelsTheAwaited()
    {
        auto innerCancelled = std::make_shared<bool>(false);
        auto sawCancel = std::make_shared<bool>(false);
        Deferred<int> inner([innerCancelled](Deferred<int>&) { *innerCancelled = true; });
        Deferred<int> outer = awaitCancelled(inner, sawCancel, false);
        auto result = capture(outer);
        outer.cancel();
        QVERIFY(*innerCancelled);
        QVERIFY(*sawCancel); // CancelledError was thrown at the co_await
        QVERIFY(result->has_value());
        QVERIFY((*result)->failure().check<CancelledError>());
    }

    void bodyRecoveringFromCancelAnswersTheCancel()
    {
        auto sawCancel = std::make_shared<bool>(false);
        Deferred<int> inner;
        Deferred<int> outer = awaitCancelled(inner, sawCancel, true);
        auto result = capture(outer);
        outer.cancel();
        QVERIFY(*sawCancel);
        QCOMPARE((*result)->value(), -1); // the body's answer stands
    }

    void cancelAfterCompletionIsANoOp()
    {
        Deferred<int> inner;
        Deferred<int> outer = twice(inner);
        inner.callback(4);
        outer.cancel();
        QCOMPARE((*capture(outer))->value(), 8);
    }

    void frameIsFreedWhenTheAwaitedChainDiesUnfired()
    {
        auto destroyed = std::make_shared<bool>(false);
        std::optional<Deferred<int>> inner(std::in_place);
        Deferred<int> outer = holdsSentinel(*inner, destroyed);
        QVERIFY(!*destroyed);
        inner.reset(); // nobody can fire it any more
        QVERIFY(*destroyed);
        QVERIFY(!outer.called());
        outer.cancel(); // the frame is gone: the outer Deferred still cancels cleanly
        QVERIFY((*capture(outer))->failure().check<CancelledError>());
    }

    void frameIsFreedAfterCompletion()
    {
        auto destroyed = std::make_shared<bool>(false);
        Deferred<int> inner;
        auto result = capture(holdsSentinel(inner, destroyed));
        inner.callback(7);
        QVERIFY(*destroyed);
        QCOMPARE((*result)->value(), 7);
    }

    void awaitingADeferredOfAnotherThreadThrowsAtTheAwait()
    {
        std::optional<Deferred<int>> foreign;
        std::thread t([&foreign] { foreign.emplace(); });
        t.join();
        auto result = capture(rethrowing(*foreign));
        QVERIFY((*result)->failure().check<WrongThreadError>());
    }

    void deferToThreadPoolResumesInTheReactorThread()
    {
        Reactor reactor;
        QThread* workerThread = nullptr;
        QThread* resumedIn = nullptr;
        std::optional<Outcome<int>> result;
        auto body = [&]() -> Deferred<int> {
            const int v = co_await threads::deferToThreadPool(reactor, reactor.getThreadPool(), [&workerThread] {
                workerThread = QThread::currentThread();
                return 20;
            });
            resumedIn = QThread::currentThread();
            const int w = co_await threads::deferToThreadPool(reactor, reactor.getThreadPool(), [v] { return v + 1; });
            co_return v + w;
        };
        reactor.callWhenRunning([&] {
            body().addBoth([&](const Outcome<int>& o) {
                result.emplace(o);
                reactor.stop();
            });
        });
        QVERIFY(reactortest::runWithWatchdog(reactor));
        QVERIFY(result.has_value());
        QCOMPARE(result->value(), 41);
        QVERIFY(workerThread != nullptr);
        QVERIFY(workerThread != QThread::currentThread());
        QCOMPARE(resumedIn, QThread::currentThread());
    }
};

QTEST_GUILESS_MAIN(TestCoroutine)
#include "tst_coroutine.moc"
