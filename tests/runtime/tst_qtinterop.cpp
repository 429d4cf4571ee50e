// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// qtinterop.h: Deferred ⇄ QFuture, and Deferreds fired by Qt signals.
#include <qtwisted/deferred.h>
#include <qtwisted/qtinterop.h>

#include <QFuture>
#include <QPromise>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <tuple>

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

class Emitter : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;

    bool namedIsConnected() const { return isSignalConnected(QMetaMethod::fromSignal(&Emitter::named)); }

Q_SIGNALS:
    void pinged();
    void named(const QString& name);
    void moved(int x, const QString& where);
};

template <class T>
std::shared_ptr<std::optional<Outcome<T>>> capture(Deferred<T> d)
{
    auto out = std::make_shared<std::optional<Outcome<T>>>();
    d.addBoth([out](const Outcome<T>& o) { out->emplace(o); });
    return out;
}

Deferred<int> plusOne(QFuture<int> future)
{
    co_return 1 + co_await fromQFuture(std::move(future));
}

} // namespace

class TestQtInterop : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void cleanup()
    {
        // The watchers delete themselves later; let them, so the leak checker sees a clean slate.
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    }

    // ---- toQFuture ---------------------------------------------------------------------------------------------

    void toQFutureCarriesTheValue()
    {
        Deferred<int> d;
        QFuture<int> f = toQFuture(d);
        QVERIFY(f.isStarted());
        QVERIFY(!f.isFinished());
        d.callback(5);
        QVERIFY(f.isFinished());
        QCOMPARE(f.result(), 5);
    }

    void toQFutureOfAFiredDeferredIsFinished()
    {
        QFuture<QString> f = toQFuture(succeed(u"ready"_s));
        QVERIFY(f.isFinished());
        QCOMPARE(f.result(), u"ready"_s);
        QFuture<void> v = toQFuture(succeed());
        QVERIFY(v.isFinished());
        QVERIFY(!v.isCanceled());
    }

    void toQFutureCarriesTheOriginalException()
    {
        Deferred<int> d;
        QFuture<int> f = toQFuture(d);
        d.errback(Failure::make(MyError("boom")));
        QVERIFY(f.isFinished());
        QVERIFY_THROWS_EXCEPTION(MyError, f.waitForFinished());
        QVERIFY_THROWS_EXCEPTION(MyError, std::ignore = f.result());

        Deferred<void> v;
        QFuture<void> fv = toQFuture(v);
        v.errback(Failure::make(MyError("void boom")));
        QVERIFY_THROWS_EXCEPTION(MyError, fv.waitForFinished());
    }

    void toQFutureResultFromAnotherThread()
    {
        Deferred<int> d;
        QFuture<int> f = toQFuture(d);
        std::atomic<int> seen { 0 };
        std::thread waiter([f, &seen]() mutable { seen = f.result(); });
        d.callback(7);
        waiter.join();
        QCOMPARE(seen.load(), 7);
    }

    void cancellingTheFutureCancelsTheDeferred()
    {
        bool cancelled = false;
        Deferred<int> d([&cancelled](Deferred<int>&) { cancelled = true; });
        QFuture<int> f = toQFuture(d);
        f.cancel();
        QTRY_VERIFY(cancelled); // delivered through the event loop, in the Deferred's thread
        QVERIFY(d.called());
        QVERIFY(f.isCanceled());
    }

    // ---- fromQFuture -------------------------------------------------------------------------------------------

    void fromQFutureFiresWithTheResultInTheCallingThread()
    {
        QPromise<int> promise;
        promise.start();
        Deferred<int> d = fromQFuture(promise.future());
        QThread* firedIn = nullptr;
        auto result = capture(d.addCallback([&firedIn](int v) {
            firedIn = QThread::currentThread();
            return v;
        }));
        std::thread producer([&promise] {
            promise.addResult(42);
            promise.finish();
        });
        producer.join();
        QVERIFY(!result->has_value()); // the watcher delivers from the event loop
        QTRY_VERIFY(result->has_value());
        QCOMPARE((*result)->value(), 42);
        QCOMPARE(firedIn, QThread::currentThread());
    }

    void fromQFutureOfAFinishedFutureFiresAtOnce()
    {
        Deferred<QString> d = fromQFuture(QtFuture::makeReadyFuture(u"done"_s));
        QVERIFY(d.called());
        QCOMPARE((*capture(d))->value(), u"done"_s);
    }

    void fromQFutureCarriesTheException()
    {
        QPromise<void> promise;
        promise.start();
        Deferred<void> d = fromQFuture(promise.future());
        auto result = capture(d);
        promise.setException(std::make_exception_ptr(MyError("from the future")));
        promise.finish();
        QTRY_VERIFY(result->has_value());
        QVERIFY((*result)->failure().check<MyError>());
        QCOMPARE((*result)->failure().message(), u"from the future"_s);
    }

    void cancelledFutureErrbacksCancelledError()
    {
        QPromise<int> promise;
        promise.start();
        QFuture<int> f = promise.future();
        auto result = capture(fromQFuture(f));
        f.cancel();
        promise.finish();
        QTRY_VERIFY(result->has_value());
        QVERIFY((*result)->failure().check<CancelledError>());
    }

    void cancellingTheDeferredCancelsTheFuture()
    {
        QPromise<int> promise;
        promise.start();
        Deferred<int> d = fromQFuture(promise.future());
        int calls = 0;
        auto result = std::make_shared<std::optional<Outcome<int>>>();
        d.addBoth([result, &calls](const Outcome<int>& o) {
            ++calls;
            result->emplace(o);
        });
        d.cancel();
        QCOMPARE(calls, 1);
        QVERIFY((*result)->failure().check<CancelledError>());
        QVERIFY(promise.isCanceled());

        // The late end is ignored: whatever the future's watcher still delivers changes nothing.
        promise.addResult(7);
        promise.finish();
        QCoreApplication::sendPostedEvents();
        QCoreApplication::processEvents();
        QCOMPARE(calls, 1);
        QVERIFY((*result)->failure().check<CancelledError>());
        QVERIFY(d.called());
    }

    void destroyingTheContextErrbacks()
    {
        QPromise<int> promise;
        promise.start();
        auto context = std::make_unique<QObject>();
        auto result = capture(fromQFuture(promise.future(), context.get()));
        context.reset();
        QVERIFY(result->has_value());
        QVERIFY((*result)->failure().check<CancelledError>());
        promise.finish();
    }

    void fromQFutureInACoroutine()
    {
        QPromise<int> promise;
        promise.start();
        auto result = capture(plusOne(promise.future()));
        promise.addResult(1);
        promise.finish();
        QTRY_VERIFY(result->has_value());
        QCOMPARE((*result)->value(), 2);
    }

    // ---- deferredFromSignal ------------------------------------------------------------------------------------

    void signalTypes()
    {
        Emitter e;
        static_assert(std::is_same_v<decltype(deferredFromSignal(&e, &Emitter::pinged)), Deferred<void>>);
        static_assert(std::is_same_v<decltype(deferredFromSignal(&e, &Emitter::named)), Deferred<QString>>);
        static_assert(
            std::is_same_v<decltype(deferredFromSignal(&e, &Emitter::moved)), Deferred<std::tuple<int, QString>>>);
        // Qt's private signals end with a QPrivateSignal tag, which is not an argument.
        static_assert(std::is_same_v<decltype(deferredFromSignal(&e, &QObject::objectNameChanged)), Deferred<QString>>);
        QTimer timer;
        static_assert(std::is_same_v<decltype(deferredFromSignal(&timer, &QTimer::timeout)), Deferred<void>>);
    }

    void firesOnceWithTheFirstEmission()
    {
        Emitter e;
        auto none = capture(deferredFromSignal(&e, &Emitter::pinged));
        auto one = capture(deferredFromSignal(&e, &Emitter::named));
        auto two = capture(deferredFromSignal(&e, &Emitter::moved));
        QVERIFY(!none->has_value() && !one->has_value() && !two->has_value());
        Q_EMIT e.pinged();
        Q_EMIT e.named(u"first"_s);
        Q_EMIT e.moved(3, u"here"_s);
        QVERIFY((*none)->ok());
        QCOMPARE((*one)->value(), u"first"_s);
        QCOMPARE((*two)->value(), std::make_tuple(3, u"here"_s));
        // Disconnected: further emissions change nothing (and do not fire twice).
        Q_EMIT e.named(u"second"_s);
        QCOMPARE((*one)->value(), u"first"_s);
        QVERIFY(!e.namedIsConnected());
    }

    void privateSignals()
    {
        QObject o;
        auto name = capture(deferredFromSignal(&o, &QObject::objectNameChanged));
        o.setObjectName(u"renamed"_s);
        QCOMPARE((*name)->value(), u"renamed"_s);

        QTimer timer;
        timer.setSingleShot(true);
        auto timeout = capture(deferredFromSignal(&timer, &QTimer::timeout));
        timer.start(0);
        QTRY_VERIFY(timeout->has_value());
        QVERIFY((*timeout)->ok());
    }

    void cancelDisconnects()
    {
        Emitter e;
        Deferred<QString> d = deferredFromSignal(&e, &Emitter::named);
        auto result = capture(d);
        d.cancel();
        QVERIFY((*result)->failure().check<CancelledError>());
        QVERIFY(!e.namedIsConnected());
        Q_EMIT e.named(u"late"_s); // nothing happens
    }

    void senderDestroyedErrbacks()
    {
        auto e = std::make_unique<Emitter>();
        auto result = capture(deferredFromSignal(e.get(), &Emitter::pinged));
        e.reset();
        QVERIFY(result->has_value());
        QVERIFY((*result)->failure().check<CancelledError>());
    }

    void senderInAnotherThreadFiresInTheCallingThread()
    {
        auto e = std::make_unique<Emitter>();
        QObject context;
        QThread* firedIn = nullptr;
        Deferred<QString> d = deferredFromSignal(e.get(), &Emitter::named, &context);
        auto result = capture(d.addCallback([&firedIn](QString s) {
            firedIn = QThread::currentThread();
            return s;
        }));
        // Emitted from another thread (started with std::thread, so no payload rides on Qt into that thread):
        // the connection is queued and the Deferred fires here.
        std::thread emitter([&e] { Q_EMIT e->named(u"from the worker"_s); });
        emitter.join();
        QTRY_VERIFY(result->has_value());
        QCOMPARE((*result)->value(), u"from the worker"_s);
        QCOMPARE(firedIn, QThread::currentThread());
    }

    void contextOfAnotherThreadIsRefused()
    {
        Emitter e;
        QThread thread;
        auto* context = new QObject;
        context->moveToThread(&thread);
        QObject::connect(&thread, &QThread::finished, context, &QObject::deleteLater);
        QVERIFY_THROWS_EXCEPTION(WrongThreadError, deferredFromSignal(&e, &Emitter::pinged, context));
        QVERIFY_THROWS_EXCEPTION(WrongThreadError, fromQFuture(QFuture<int>(), context));
        thread.start();
        thread.quit();
        QVERIFY(thread.wait(5000));
    }
};

QTEST_GUILESS_MAIN(TestQtInterop)
#include "tst_qtinterop.moc"
