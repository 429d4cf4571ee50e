// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// A port of the Deferred essentials of Twisted's twisted/test/test_defer.py (22.4) to qtwisted's typed API.
// Each ported test carries a "test_defer.py: <Class>.<test>" comment; the others test promises of the contract that
// Twisted has no test for, and every divergence deferred.h and docs/design.md declare.
#include <qtwisted/deferred.h>
#include <qtwisted/errors.h>
#include <qtwisted/failure.h>
#include <qtwisted/outcome.h>

#include <QList>
#include <QMessageLogContext>
#include <QString>
#include <QStringList>
#include <QTest>

#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

using namespace qtwisted;
using namespace Qt::StringLiterals;

namespace {

/// Twisted's GenericError.
class GenericError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct NotAnException {
    int code = 7;
};

struct MoveOnly {
    explicit MoveOnly(int v)
        : value(std::make_unique<int>(v))
    {
    }
    std::unique_ptr<int> value;
};

Failure genericFailure(const char* what)
{
    return Failure::make(GenericError(what));
}

/// Records every message (forwarding it to QtTest's handler, so QTest::ignoreMessage still works).
class LogCapture {
public:
    struct Entry {
        QtMsgType type;
        QString category;
        QString message;
    };

    LogCapture()
    {
        s_current = this;
        m_previous = qInstallMessageHandler(&LogCapture::handler);
    }
    ~LogCapture()
    {
        qInstallMessageHandler(m_previous);
        s_current = nullptr;
    }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;
    LogCapture(LogCapture&&) = delete;
    LogCapture& operator=(LogCapture&&) = delete;

    /// The messages of category qtwisted.deferred seen so far; forgets them.
    QList<Entry> takeDeferred()
    {
        const std::lock_guard lock(m_mutex);
        QList<Entry> taken;
        QList<Entry> kept;
        for (auto& e : m_entries)
            (e.category == u"qtwisted.deferred"_s ? taken : kept).append(e);
        m_entries = kept;
        return taken;
    }

private:
    static void handler(QtMsgType type, const QMessageLogContext& context, const QString& message)
    {
        QtMessageHandler previous = nullptr;
        if (LogCapture* self = s_current) {
            const std::lock_guard lock(self->m_mutex);
            self->m_entries.append({ type, QString::fromUtf8(context.category ? context.category : ""), message });
            previous = self->m_previous;
        }
        if (previous)
            previous(type, context, message);
    }

    static inline LogCapture* s_current = nullptr;
    QtMessageHandler m_previous = nullptr;
    std::mutex m_mutex;
    QList<Entry> m_entries;
};

QStringList messagesOf(const QList<LogCapture::Entry>& entries)
{
    QStringList out;
    for (const auto& e : entries)
        out.append(e.message);
    return out;
}

/// Twisted's test_boundedStackDepth helper: top -> inner[n-1] -> ... -> inner[0] -> last, the inners fired
/// deepest first, then `last`; returns the frame address of the callback that runs at the end.
struct StackProbe {
    std::vector<quintptr> frames;
    bool recordedEarly = false;
};

StackProbe chainDeferreds(int howMany)
{
    StackProbe probe;
    Deferred<void> top;
    std::vector<Deferred<void>> innerDeferreds(static_cast<std::size_t>(howMany));
    const std::vector<Deferred<void>> originalInners = innerDeferreds;
    Deferred<void> last;

    Deferred<void> inner = innerDeferreds.back();
    innerDeferreds.pop_back();
    top.addCallback([inner] { return inner; });
    top.addCallback([&probe] { probe.frames.push_back(reinterpret_cast<quintptr>(__builtin_frame_address(0))); });
    while (!innerDeferreds.empty()) {
        Deferred<void> newInner = innerDeferreds.back();
        innerDeferreds.pop_back();
        inner.addCallback([newInner] { return newInner; });
        inner = newInner;
    }
    inner.addCallback([last] { return last; });

    top.callback();
    for (auto d : originalInners)
        d.callback();
    probe.recordedEarly = !probe.frames.empty();
    last.callback();
    return probe;
}

} // namespace

class TestDeferred : public QObject {
    Q_OBJECT

    std::optional<LogCapture> m_log;

    QList<LogCapture::Entry> takeDeferredLog() { return m_log->takeDeferred(); }

private Q_SLOTS:
    void init() { m_log.emplace(); }

    /// Every test must leave no unexpected "Unhandled error in Deferred" behind: tests that expect one take it.
    void cleanup()
    {
        const QStringList unexpected = messagesOf(m_log->takeDeferred());
        m_log.reset();
        if (!QTest::currentTestFailed())
            QVERIFY2(
                unexpected.isEmpty(), qPrintable(u"unexpected qtwisted.deferred log: "_s + unexpected.join(u" | ")));
    }

    // ---------------------------------------------------------------------------------------------------------
    // callback / errback basics

    // test_defer.py: DeferredTests.testCallbackWithoutArgs
    void callbackWithoutArgs()
    {
        QStringList callbackResults;
        int errbacks = 0;
        Deferred<QString> deferred;
        deferred.addCallbacks(
            [&](const QString& s) { callbackResults.append(s); }, [&](const Failure&) { ++errbacks; });
        QVERIFY(callbackResults.isEmpty());
        deferred.callback(u"hello"_s);
        QCOMPARE(errbacks, 0);
        QCOMPARE(callbackResults, QStringList { u"hello"_s });
    }

    // test_defer.py: DeferredTests.testCallbackWithArgs (extra arguments are bound by the callable in C++)
    void callbackWithArgs()
    {
        QStringList callbackResults;
        Deferred<QString> deferred;
        const QString extra = u"world"_s;
        deferred.addCallback([&callbackResults, extra](const QString& s) { callbackResults = { s, extra }; });
        deferred.callback(u"hello"_s);
        QCOMPARE(callbackResults, (QStringList { u"hello"_s, u"world"_s }));
    }

    // test_defer.py: DeferredTests.testTwoCallbacks
    void twoCallbacks()
    {
        QStringList first;
        QStringList second;
        Deferred<QString> deferred;
        deferred
            .addCallback([&](QString s) {
                first.append(s);
                return s;
            })
            .addCallback([&](const QString& s) { second.append(s); });
        deferred.callback(u"hello"_s);
        QCOMPARE(first, QStringList { u"hello"_s });
        QCOMPARE(second, QStringList { u"hello"_s });
    }

    // Contract, Deferred: every callback receives the previous one's result.
    void callbacksReceiveThePreviousResult()
    {
        QList<int> seen;
        QString text;
        qsizetype size = -1;
        Deferred<int> d;
        d.addCallback([&](int v) {
             seen.append(v);
             return v * 10;
         })
            .addCallback([&](int v) {
                seen.append(v);
                return QString::number(v + 2);
            })
            .addCallback([&](const QString& s) {
                text = s;
                return s.size();
            })
            .addCallback([&](qsizetype n) { size = n; });
        d.callback(4);
        QCOMPARE(seen, (QList<int> { 4, 40 }));
        QCOMPARE(text, u"42"_s);
        QCOMPARE(size, qsizetype(2));
    }

    // Contract, Deferred: a callback returning void yields a Deferred<void> whose callbacks take no argument.
    void callbackReturningVoid()
    {
        int got = 0;
        bool next = false;
        Deferred<int> d;
        auto tail = d.addCallback([&](int v) { got = v; });
        static_assert(std::is_same_v<decltype(tail), Deferred<void>>);
        tail.addCallback([&] { next = true; });
        QVERIFY(!next);
        d.callback(3);
        QCOMPARE(got, 3);
        QVERIFY(next);
    }

    // Contract, Deferred: a callback returning another type yields a Deferred<U> on the same chain.
    void callbackReturningAnotherType()
    {
        QString got;
        Deferred<int> d;
        auto text = d.addCallback([](int v) { return QString::number(v); });
        static_assert(std::is_same_v<decltype(text), Deferred<QString>>);
        text.addCallback([&](const QString& s) { got = s; });
        d.callback(12);
        QCOMPARE(got, u"12"_s);
    }

    // test_defer.py: DeferredTests.testCallbackErrors (the exception half; a C++ callback fails by throwing)
    void callbackErrors()
    {
        std::optional<Failure> errback;
        Deferred<int> d;
        d.addCallback([](int v) -> int {
             if (v == 1)
                 throw std::domain_error("division by zero");
             return v;
         }).addErrback([&](const Failure& f) {
            errback = f;
            return 0;
        });
        d.callback(1);
        QVERIFY(errback);
        QVERIFY(errback->check<std::domain_error>());
        QCOMPARE(errback->message(), u"division by zero"_s);
    }

    // Contract, Deferred: failures pass callbacks by; an errback returning T recovers the chain.
    void errbackRecovers()
    {
        QStringList events;
        Deferred<int> d;
        d.addCallback([&](int) -> int {
             events.append(u"cb1"_s);
             throw GenericError("boom");
         })
            .addCallback([&](int v) {
                events.append(u"skipped"_s);
                return v;
            })
            .addErrback([&](const Failure& f) {
                events.append(u"eb:"_s + f.message());
                return 7;
            })
            .addErrback([&](const Failure&) {
                events.append(u"eb2"_s);
                return -1;
            })
            .addCallback([&](int v) { events.append(u"cb:"_s + QString::number(v)); });
        d.callback(1);
        QCOMPARE(events, (QStringList { u"cb1"_s, u"eb:boom"_s, u"cb:7"_s }));
    }

    // Contract, Deferred: an errback that throws keeps the chain failed, with what it threw.
    void errbackThrowingKeepsTheChainFailed()
    {
        QStringList events;
        std::optional<Failure> last;
        Deferred<int> d;
        d.addErrback([&](const Failure& f) -> int {
             events.append(u"trap"_s);
             f.trap<CancelledError>(); // does not match: rethrows the original
             return 0;
         })
            .addErrback([&](const Failure& f) -> int {
                events.append(u"eb:"_s + f.message());
                throw std::logic_error("second");
            })
            .addCallback([&](int v) {
                events.append(u"cb"_s);
                return v;
            })
            .addErrback([&](const Failure& f) {
                last = f;
                return 0;
            });
        d.errback(genericFailure("first"));
        QCOMPARE(events, (QStringList { u"trap"_s, u"eb:first"_s }));
        QVERIFY(last);
        QVERIFY(last->check<std::logic_error>());
        QCOMPARE(last->message(), u"second"_s);
    }

    // Contract, Deferred: addCallbacks(cb, eb) calls exactly one of the two, both returning U.
    void addCallbacksCallsOneOfTheTwo()
    {
        QStringList events;
        auto cb = [&](int v) {
            events.append(u"cb"_s);
            return QString::number(v);
        };
        auto eb = [&](const Failure& f) {
            events.append(u"eb"_s);
            return f.message();
        };
        QStringList results;
        auto record = [&](const QString& s) { results.append(s); };

        Deferred<int> good;
        auto goodTail = good.addCallbacks(cb, eb);
        static_assert(std::is_same_v<decltype(goodTail), Deferred<QString>>);
        goodTail.addCallback(record);
        good.callback(5);

        Deferred<int> bad;
        bad.addCallbacks(cb, eb).addCallback(record);
        bad.errback(genericFailure("oopsie"));

        QCOMPARE(events, (QStringList { u"cb"_s, u"eb"_s }));
        QCOMPARE(results, (QStringList { u"5"_s, u"oopsie"_s }));
    }

    // Contract, Deferred: addBoth(f) gets an Outcome<T> for values and failures alike and may change the type.
    void addBothSeesValuesAndFailures()
    {
        QStringList results;
        auto both = [](const Outcome<int>& o) -> QString {
            return o.ok() ? u"value:"_s + QString::number(o.value()) : u"failure:"_s + o.failure().message();
        };
        Deferred<int> good;
        auto goodTail = good.addBoth(both);
        static_assert(std::is_same_v<decltype(goodTail), Deferred<QString>>);
        goodTail.addCallback([&](const QString& s) { results.append(s); });
        Deferred<int> bad;
        bad.addBoth(both).addCallback([&](const QString& s) { results.append(s); });

        good.callback(3);
        bad.errback(genericFailure("no"));
        QCOMPARE(results, (QStringList { u"value:3"_s, u"failure:no"_s }));

        // addBoth throwing keeps the chain failed.
        std::optional<Failure> seen;
        Deferred<void> rethrow;
        rethrow.addBoth([](const Outcome<void>& o) { o.value(); }).addErrback([&](const Failure& f) { seen = f; });
        rethrow.errback(genericFailure("again"));
        QVERIFY(seen);
        QCOMPARE(seen->message(), u"again"_s);
    }

    // test_defer.py: DeferredTests.testImmediateSuccess
    void immediateSuccess()
    {
        QStringList l;
        Deferred<QString> d = succeed(u"success"_s);
        QVERIFY(d.called());
        d.addCallback([&](const QString& s) { l.append(s); });
        QCOMPARE(l, QStringList { u"success"_s });
    }

    // Contract, Deferred: succeed() is an already-fired Deferred<void>.
    void immediateSuccessVoid()
    {
        bool ran = false;
        Deferred<void> d = succeed();
        QVERIFY(d.called());
        d.addCallback([&] { ran = true; });
        QVERIFY(ran);
    }

    // test_defer.py: DeferredTests.testImmediateFailure
    void immediateFailure()
    {
        QStringList l;
        Deferred<int> d = fail<int>(genericFailure("fail"));
        QVERIFY(d.called());
        d.addErrback([&](const Failure& f) {
            l.append(f.message());
            return 0;
        });
        QCOMPARE(l, QStringList { u"fail"_s });
    }

    // Contract, Deferred: adding to an already-fired Deferred runs the callback at once.
    void addCallbackToFiredDeferredRunsAtOnce()
    {
        QList<int> seen;
        Deferred<int> d;
        d.callback(1);
        d.addCallback([&](int v) {
            seen.append(v);
            return v + 1;
        });
        QCOMPARE(seen, QList<int> { 1 });
        d.addCallback([&](int v) { seen.append(v); });
        QCOMPARE(seen, (QList<int> { 1, 2 }));
    }

    // ---------------------------------------------------------------------------------------------------------
    // AlreadyCalledError

    // test_defer.py: AlreadyCalledTests.testAlreadyCalled_CC
    void alreadyCalled_CC()
    {
        int cbs = 0;
        int ebs = 0;
        Deferred<QString> d;
        d.addCallbacks([&](const QString&) { ++cbs; }, [&](const Failure&) { ++ebs; });
        d.callback(u"hello"_s);
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.callback(u"twice"_s));
        QCOMPARE(cbs, 1);
        QCOMPARE(ebs, 0);
    }

    // test_defer.py: AlreadyCalledTests.testAlreadyCalled_CE
    void alreadyCalled_CE()
    {
        int cbs = 0;
        int ebs = 0;
        Deferred<QString> d;
        d.addCallbacks([&](const QString&) { ++cbs; }, [&](const Failure&) { ++ebs; });
        d.callback(u"hello"_s);
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.errback(genericFailure("err")));
        QCOMPARE(cbs, 1);
        QCOMPARE(ebs, 0);
    }

    // test_defer.py: AlreadyCalledTests.testAlreadyCalled_EE
    void alreadyCalled_EE()
    {
        int cbs = 0;
        int ebs = 0;
        Deferred<QString> d;
        d.addCallbacks([&](const QString&) { ++cbs; }, [&](const Failure&) { ++ebs; });
        d.errback(genericFailure("err1"));
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.errback(genericFailure("err2")));
        QCOMPARE(cbs, 0);
        QCOMPARE(ebs, 1);
    }

    // test_defer.py: AlreadyCalledTests.testAlreadyCalled_EC
    void alreadyCalled_EC()
    {
        int cbs = 0;
        int ebs = 0;
        Deferred<QString> d;
        d.addCallbacks([&](const QString&) { ++cbs; }, [&](const Failure&) { ++ebs; });
        d.errback(genericFailure("err1"));
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.callback(u"twice"_s));
        QCOMPARE(cbs, 0);
        QCOMPARE(ebs, 1);
    }

    // Contract, Deferred: AlreadyCalledError for Deferred<void> too, and AlreadyCalledError is a qtwisted::Error.
    void alreadyCalledVoid()
    {
        Deferred<void> d;
        d.callback();
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.callback());
        QVERIFY_THROWS_EXCEPTION(Error, d.callback());
    }

    // ---------------------------------------------------------------------------------------------------------
    // pause / unpause

    // test_defer.py: DeferredTests.testPausedFailure
    void pausedFailure()
    {
        QStringList l;
        Deferred<int> d = fail<int>(genericFailure("fail"));
        d.pause();
        d.addErrback([&](const Failure& f) {
            l.append(f.message());
            return 0;
        });
        QVERIFY(l.isEmpty());
        d.unpause();
        QCOMPARE(l, QStringList { u"fail"_s });
    }

    // test_defer.py: DeferredTests.testUnpauseBeforeCallback
    void unpauseBeforeCallback()
    {
        QList<int> l;
        Deferred<int> d;
        d.pause();
        d.addCallback([&](int v) { l.append(v); });
        d.unpause();
        QVERIFY(l.isEmpty());
        QVERIFY(!d.called());
        d.callback(1);
        QCOMPARE(l, QList<int> { 1 });
    }

    // Contract, Deferred: pause()/unpause()/paused()/called(); pauses nest like Twisted's counter.
    void pauseUnpausePausedCalled()
    {
        QList<int> l;
        Deferred<int> d;
        QVERIFY(!d.called());
        QVERIFY(!d.paused());
        d.pause();
        d.pause();
        QVERIFY(d.paused());
        d.addCallback([&](int v) {
            l.append(v);
            return v;
        });
        d.callback(9);
        QVERIFY(d.called());
        QVERIFY(l.isEmpty());
        d.addCallback([&](int v) { l.append(v + 1); }); // added while paused: waits too
        QVERIFY(l.isEmpty());
        d.unpause();
        QVERIFY(d.paused());
        QVERIFY(l.isEmpty());
        d.unpause();
        QVERIFY(!d.paused());
        QCOMPARE(l, (QList<int> { 9, 10 }));
    }

    // ---------------------------------------------------------------------------------------------------------
    // callbacks returning Deferreds

    // test_defer.py: DeferredTests.testReturnDeferred
    void returnDeferred()
    {
        QList<int> callbackResults;
        Deferred<int> d1;
        Deferred<int> d2;
        d2.pause();
        d1.addCallback([d2](int) { return d2; }).addCallback([&](int v) { callbackResults.append(v); });
        d1.callback(1);
        QVERIFY2(callbackResults.isEmpty(), "Should not have been called yet.");
        d2.callback(2);
        QVERIFY2(callbackResults.isEmpty(), "Still should not have been called yet.");
        d2.unpause();
        QCOMPARE(callbackResults, QList<int> { 2 });
    }

    // Contract, Deferred: a callback returning an unfired Deferred pauses the chain until that one fires.
    void callbackReturningDeferredPausesTheChain()
    {
        QStringList events;
        Deferred<int> outer;
        Deferred<QString> inner;
        outer
            .addCallback([&, inner](int) {
                events.append(u"cb"_s);
                return inner;
            })
            .addCallback([&](const QString& s) { events.append(u"after:"_s + s); });
        outer.callback(1);
        QCOMPARE(events, QStringList { u"cb"_s });
        inner.callback(u"late"_s);
        QCOMPARE(events, (QStringList { u"cb"_s, u"after:late"_s }));
    }

    // test_defer.py: DeferredTests.test_chainedPausedDeferredWithResult
    void chainedPausedDeferredWithResult()
    {
        Deferred<int> paused;
        paused.callback(17);
        paused.pause();
        Deferred<void> chained;
        auto tail = chained.addCallback([paused] { return paused; });
        chained.callback();

        QList<int> result;
        tail.addCallback([&](int v) { result.append(v); });
        QVERIFY(result.isEmpty());
        paused.unpause();
        QCOMPARE(result, QList<int> { 17 });
    }

    // test_defer.py: DeferredTests.test_pausedDeferredChained
    void pausedDeferredChained()
    {
        Deferred<void> first;
        Deferred<void> second;
        first.addCallback([second] { return second; });
        first.callback();
        first.pause();
        second.callback();
        int result = 0;
        second.addCallback([&] { ++result; });
        QCOMPARE(result, 1);
        first.unpause();
    }

    // test_defer.py: DeferredTests.test_synchronousImplicitChain
    void synchronousImplicitChain()
    {
        Deferred<QString> first = succeed(u"result"_s);
        Deferred<void> second;
        auto secondTail = second.addCallback([first] { return first; });
        second.callback();
        QStringList results;
        secondTail.addCallback([&](const QString& s) { results.append(s); });
        QCOMPARE(results, QStringList { u"result"_s });
        // Twisted leaves None in `first`; in C++ the first chain now holds void, so its QString handle is stale.
        QVERIFY_THROWS_EXCEPTION(ChainTypeError, first.addCallback([](const QString&) {}));
    }

    // test_defer.py: DeferredTests.test_asynchronousImplicitChain
    void asynchronousImplicitChain()
    {
        Deferred<int> first;
        Deferred<void> second;
        auto secondTail = second.addCallback([first] { return first; });
        second.callback();
        QList<int> secondResult;
        secondTail.addCallback([&](int v) { secondResult.append(v); });
        QVERIFY(secondResult.isEmpty());
        first.callback(5);
        QCOMPARE(secondResult, QList<int> { 5 });
    }

    // test_defer.py: DeferredTests.test_asynchronousImplicitChain (firstResult == [None]): once `first` waits to hand
    // its result over, the chain's next callback would receive nothing, so a callback expecting the old type is refused
    // at once with ChainTypeError, as in the synchronous case, instead of failing later inside the chain.
    void callbackAddedToChainedInnerIsRefused()
    {
        Deferred<int> first;
        Deferred<void> second;
        auto secondTail = second.addCallback([first] { return first; });
        second.callback();
        QList<int> secondResult;
        secondTail.addCallback([&](int v) { secondResult.append(v); });
        QVERIFY_THROWS_EXCEPTION(ChainTypeError, first.addCallback([](int v) { return v; }));
        first.callback(5);
        QCOMPARE(secondResult, QList<int> { 5 });
    }

    // test_defer.py: DeferredTests.test_synchronousImplicitErrorChain
    void synchronousImplicitErrorChain()
    {
        std::optional<Failure> secondFailure;
        {
            Deferred<void> first = fail<void>(Failure::make(std::runtime_error("First Deferred's Failure")));
            Deferred<void> second;
            second.addCallback([first] { return first; });
            second.callback();
            int firstResult = 0;
            first.addCallback([&] { ++firstResult; }); // the first chain now holds nothing: its result became None
            QCOMPARE(firstResult, 1);
            second.addErrback([&](const Failure& f) { secondFailure = f; });
        }
        QVERIFY(secondFailure);
        QVERIFY(secondFailure->check<std::runtime_error>());
        QVERIFY(takeDeferredLog().isEmpty()); // the first chain's failure was handed over, not lost or logged
    }

    // test_defer.py: DeferredTests.test_asynchronousImplicitErrorChain
    void asynchronousImplicitErrorChain()
    {
        Deferred<void> first;
        Deferred<void> second;
        second.addCallback([first] { return first; });
        second.callback();
        QList<Failure> secondError;
        second.addErrback([&](const Failure& f) { secondError.append(f); });
        int firstResult = 0;
        first.addCallback([&] { ++firstResult; });
        int secondResult = 0;
        second.addCallback([&] { ++secondResult; });
        QCOMPARE(firstResult, 0);
        QCOMPARE(secondResult, 0);

        first.errback(Failure::make(std::runtime_error("First Deferred's Failure")));
        QCOMPARE(secondError.size(), 1);
        QVERIFY(secondError.first().check<std::runtime_error>());
        QCOMPARE(firstResult, 1);
        QCOMPARE(secondResult, 1);
    }

    // test_defer.py: DeferredTests.test_doubleAsynchronousImplicitChaining
    void doubleAsynchronousImplicitChaining()
    {
        Deferred<int> first;
        Deferred<void> second;
        Deferred<int> secondTail = second.addCallback([first] { return first; });
        Deferred<void> third;
        QList<int> thirdResult;
        third.addCallback([secondTail] { return secondTail; }).addCallback([&](int v) { thirdResult.append(v); });

        second.callback(); // second waits for first
        third.callback(); // third waits for second
        QVERIFY(thirdResult.isEmpty());
        first.callback(99); // tells second to continue, which tells third
        QCOMPARE(thirdResult, QList<int> { 99 });
    }

    // test_defer.py: DeferredTests.test_nestedAsynchronousChainedDeferreds
    void nestedAsynchronousChainedDeferreds()
    {
        QStringList results;
        int failures = 0;
        Deferred<QString> inner;
        auto cb = [&](const QString& result) {
            results.append(u"start-of-cb:"_s + result);
            Deferred<QString> d = succeed(u"inner"_s);
            auto tail = d.addCallback([&](const QString&) {
                             results.append(u"firstCallback:inner"_s);
                             return inner; // definitely not fired yet
                         }).addCallback([&](const QString& r) -> QString {
                results.append(u"secondCallback:"_s + r);
                return r + r;
            });
            tail.addErrback([&](const Failure&) {
                ++failures;
                return QString();
            });
            return tail;
        };
        Deferred<QString> outer = succeed(u"outer"_s);
        outer.addCallback(cb).addCallback([&](const QString& r) { results.append(r); });
        QCOMPARE(results, (QStringList { u"start-of-cb:outer"_s, u"firstCallback:inner"_s }));

        inner.callback(u"orange"_s);
        QCOMPARE(failures, 0);
        QCOMPARE(results,
            (QStringList {
                u"start-of-cb:outer"_s, u"firstCallback:inner"_s, u"secondCallback:orange"_s, u"orangeorange"_s }));
    }

    // test_defer.py: DeferredTests.test_nestedAsynchronousChainedDeferredsWithExtraCallbacks
    void nestedAsynchronousChainedDeferredsWithExtraCallbacks()
    {
        QStringList results;
        int failures = 0;
        Deferred<QString> inner;
        auto cb = [&](const QString& result) {
            results.append(u"start-of-cb:"_s + result);
            Deferred<QString> d = succeed(u"inner"_s);
            auto tail = d.addCallback([&](const QString& r) {
                             results.append(u"firstCallback:"_s + r);
                             return inner.addCallback([](const QString& s) { return QStringList { s }; });
                         }).addCallback([&](const QStringList& r) {
                results.append(u"secondCallback:["_s + r.join(u',') + u"]"_s);
                return r + r;
            });
            tail.addErrback([&](const Failure&) {
                ++failures;
                return QStringList();
            });
            return tail;
        };
        Deferred<QString> outer = succeed(u"outer"_s);
        outer.addCallback(cb).addCallback(
            [&](const QStringList& r) { results.append(u"["_s + r.join(u',') + u"]"_s); });
        QCOMPARE(results, (QStringList { u"start-of-cb:outer"_s, u"firstCallback:inner"_s }));

        inner.callback(u"withers"_s);
        QCOMPARE(failures, 0);
        QCOMPARE(results,
            (QStringList { u"start-of-cb:outer"_s, u"firstCallback:inner"_s, u"secondCallback:[withers]"_s,
                u"[withers,withers]"_s }));
    }

    // test_defer.py: DeferredTests.test_innerCallbacksPreserved
    void innerCallbacksPreserved()
    {
        QStringList results;
        int failures = 0;
        Deferred<QString> inner;
        auto cb = [&](const QString& result) {
            results.append(u"start-of-cb:"_s + result);
            Deferred<QString> d = succeed(u"inner"_s);
            auto tail = d.addCallback([&](const QString&) {
                             results.append(u"firstCallback:inner"_s);
                             return inner;
                         }).addCallback([&](const QString& r) -> QString {
                results.append(u"secondCallback:"_s + r);
                return r + r;
            });
            tail.addErrback([&](const Failure&) {
                ++failures;
                return QString();
            });
            return tail;
        };
        Deferred<QString> outer = succeed(u"outer"_s);
        auto outerTail = outer.addCallback(cb);
        inner.callback(u"orange"_s);
        outerTail.addCallback([&](const QString& r) { results.append(r); }).addErrback([&](const Failure&) {
            ++failures;
        });
        QCOMPARE(failures, 0);
        QCOMPARE(results,
            (QStringList {
                u"start-of-cb:outer"_s, u"firstCallback:inner"_s, u"secondCallback:orange"_s, u"orangeorange"_s }));
    }

    // test_defer.py: DeferredTests.test_continueCallbackNotFirst
    void continueCallbackNotFirst()
    {
        QStringList results;
        int failures = 0;
        Deferred<QString> a;
        auto cb = [&](const QString& result) {
            results.append(u"cb:"_s + result);
            Deferred<void> d;
            d.addCallback([&] {
                 results.append(u"firstCallback:None"_s);
                 return qtwisted::gatherResults(QList<Deferred<QString>> { a });
             })
                .addCallback([&](const QList<QString>& r) { results.append(u"secondCallback:"_s + r.join(u',')); })
                .addErrback([&](const Failure&) { ++failures; });
            d.callback();
            return d;
        };
        Deferred<QString> outer = succeed(u"outer"_s);
        outer.addCallback(cb).addErrback([&](const Failure&) { ++failures; });
        QCOMPARE(results, (QStringList { u"cb:outer"_s, u"firstCallback:None"_s }));
        a.callback(u"withers"_s);
        QCOMPARE(failures, 0);
        QCOMPARE(results, (QStringList { u"cb:outer"_s, u"firstCallback:None"_s, u"secondCallback:withers"_s }));
    }

    // test_defer.py: DeferredTests.test_callbackOrderPreserved
    void callbackOrderPreserved()
    {
        QStringList results;
        int failures = 0;
        Deferred<QString> a;
        auto cb = [&](const QString& result) {
            results.append(u"cb:"_s + result);
            Deferred<void> d;
            d.addCallback([&] {
                 results.append(u"firstCallback:None"_s);
                 return qtwisted::gatherResults(QList<Deferred<QString>> { a });
             })
                .addCallback([&](const QList<QString>& r) { results.append(u"secondCallback:"_s + r.join(u',')); })
                .addErrback([&](const Failure&) { ++failures; });
            d.callback();
            return d;
        };
        Deferred<QString> outer;
        outer.addCallback(cb).addCallback([&] { results.append(u"final"_s); }).addErrback([&](const Failure&) {
            ++failures;
        });
        outer.callback(u"outer"_s);
        QCOMPARE(results, (QStringList { u"cb:outer"_s, u"firstCallback:None"_s }));
        a.callback(u"withers"_s);
        QCOMPARE(failures, 0);
        QCOMPARE(
            results, (QStringList { u"cb:outer"_s, u"firstCallback:None"_s, u"secondCallback:withers"_s, u"final"_s }));
    }

    // test_defer.py: DeferredTests.test_resultOfDeferredResultOfDeferredOfFiredDeferredCalled
    void resultOfDeferredResultOfDeferredOfFiredDeferredCalled()
    {
        Deferred<void> first;
        Deferred<void> second;
        Deferred<void> third;
        first.addCallback([second] { return second; });
        second.addCallback([third] { return third; });
        second.callback();
        first.callback();
        third.callback();
        int results = 0;
        second.addCallback([&] { ++results; });
        QCOMPARE(results, 1);
    }

    // test_defer.py: DeferredTests.test_circularChainException (Twisted warns, then fails the chain; here it fails)
    void circularChainException()
    {
        std::optional<Failure> failure;
        Deferred<void> d;
        d.addCallback([&d] { return d; });
        d.callback();
        QVERIFY(!d.paused()); // not waiting on itself forever
        d.addErrback([&](const Failure& f) { failure = f; });
        QVERIFY(failure);
    }

    // ---------------------------------------------------------------------------------------------------------
    // callbacks added while the chain runs

    // test_defer.py: DeferredTests.test_reentrantRunCallbacks
    void reentrantRunCallbacks()
    {
        QList<int> called;
        Deferred<void> deferred;
        deferred
            .addCallback([&] {
                called.append(1);
                deferred.addCallback([&] { called.append(3); });
            })
            .addCallback([&] { called.append(2); });
        deferred.callback();
        QCOMPARE(called, (QList<int> { 1, 2, 3 }));
    }

    // test_defer.py: DeferredTests.test_nonReentrantCallbacks
    void nonReentrantCallbacks()
    {
        QList<int> called;
        QList<int> seenInsideCallback1;
        Deferred<void> deferred;
        deferred.addCallback([&] {
            called.append(1);
            deferred.addCallback([&] { called.append(2); });
            seenInsideCallback1 = called;
        });
        deferred.callback();
        QCOMPARE(seenInsideCallback1, QList<int> { 1 });
        QCOMPARE(called, (QList<int> { 1, 2 }));
    }

    // test_defer.py: DeferredTests.test_reentrantRunCallbacksWithFailure
    void reentrantRunCallbacksWithFailure()
    {
        Deferred<void> deferred;
        deferred.addCallback(
            [&] { deferred.addCallback([] { throw std::runtime_error("callback raised exception"); }); });
        deferred.callback();
        std::optional<Failure> failure;
        deferred.addErrback([&](const Failure& f) { failure = f; });
        QVERIFY(failure);
        QVERIFY(failure->check<std::runtime_error>());
        QCOMPARE(failure->message(), u"callback raised exception"_s);
    }

    // ---------------------------------------------------------------------------------------------------------
    // chainDeferred

    // Contract, Deferred: chainDeferred(other) fires `other` with this chain's result; this chain then holds void.
    // (Twisted's chainDeferred tests check its private _chainedTo; these check what a user sees.)
    void chainDeferred()
    {
        QList<int> otherResults;
        Deferred<int> a;
        Deferred<int> b;
        b.addCallback([&](int v) { otherResults.append(v); });
        Deferred<void> rest = a.chainDeferred(b);
        QVERIFY(!b.called());
        a.callback(8);
        QVERIFY(b.called());
        QCOMPARE(otherResults, QList<int> { 8 });
        int restRan = 0;
        rest.addCallback([&] { ++restRan; });
        QCOMPARE(restRan, 1);
    }

    // Contract, Deferred: a failure travels through chainDeferred and is then the other chain's to handle.
    void chainDeferredFailure()
    {
        std::optional<Failure> otherFailure;
        int restRan = 0;
        {
            Deferred<int> a;
            Deferred<int> b;
            a.chainDeferred(b).addCallback([&] { ++restRan; });
            a.errback(genericFailure("chained"));
            b.addErrback([&](const Failure& f) {
                otherFailure = f;
                return 0;
            });
        }
        QVERIFY(otherFailure);
        QCOMPARE(otherFailure->message(), u"chained"_s);
        QCOMPARE(restRan, 1);
        QVERIFY(takeDeferredLog().isEmpty());
    }

    // ---------------------------------------------------------------------------------------------------------
    // cancel

    // test_defer.py: DeferredCancellerTests.test_noCanceller
    void noCanceller()
    {
        std::optional<Failure> errback;
        int cbs = 0;
        Deferred<void> d;
        d.addCallbacks([&] { ++cbs; }, [&](const Failure& f) { errback = f; });
        d.cancel();
        QVERIFY(errback);
        QVERIFY(errback->check<CancelledError>());
        QCOMPARE(errback->typeName(), u"qtwisted::CancelledError"_s);
        QCOMPARE(cbs, 0);
    }

    // test_defer.py: DeferredCancellerTests.test_raisesAfterCancelAndCallback
    void raisesAfterCancelAndCallback()
    {
        int cbs = 0;
        int ebs = 0;
        Deferred<void> d;
        d.addCallbacks([&] { ++cbs; }, [&](const Failure&) { ++ebs; });
        d.cancel();
        QVERIFY_THROWS_NO_EXCEPTION(d.callback()); // a single extra callback is swallowed
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.callback());
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.errback(genericFailure("late")));
        QCOMPARE(cbs, 0);
        QCOMPARE(ebs, 1);
    }

    // test_defer.py: DeferredCancellerTests.test_raisesAfterCancelAndErrback
    void raisesAfterCancelAndErrback()
    {
        int cbs = 0;
        int ebs = 0;
        Deferred<void> d;
        d.addCallbacks([&] { ++cbs; }, [&](const Failure&) { ++ebs; });
        d.cancel();
        QVERIFY_THROWS_NO_EXCEPTION(d.errback(genericFailure("late"))); // a single extra errback is swallowed
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.callback());
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.errback(genericFailure("later")));
        QCOMPARE(cbs, 0);
        QCOMPARE(ebs, 1);
    }

    // test_defer.py: DeferredCancellerTests.test_noCancellerMultipleCancelsAfterCancelAndCallback
    void noCancellerMultipleCancelsAfterCancelAndCallback()
    {
        QList<Failure> errbacks;
        int cbs = 0;
        Deferred<QString> d;
        d.addCallbacks([&](const QString&) { ++cbs; }, [&](const Failure& f) { errbacks.append(f); });
        d.cancel();
        QCOMPARE(errbacks.size(), 1);
        const Failure current = errbacks.first();
        d.callback(u"ignored"_s); // one callback is ignored
        d.cancel(); // and cancel has no effect
        QCOMPARE(errbacks.size(), 1);
        QVERIFY(errbacks.first() == current);
        QCOMPARE(cbs, 0);
    }

    // test_defer.py: DeferredCancellerTests.test_noCancellerMultipleCancelsAfterCancelAndErrback
    void noCancellerMultipleCancelsAfterCancelAndErrback()
    {
        QList<Failure> errbacks;
        Deferred<QString> d;
        d.addCallbacks([](const QString&) {}, [&](const Failure& f) { errbacks.append(f); });
        d.cancel();
        QCOMPARE(errbacks.size(), 1);
        QVERIFY(errbacks.first().check<CancelledError>());
        d.errback(genericFailure("ignored")); // one errback is ignored: still a CancelledError
        d.cancel();
        QCOMPARE(errbacks.size(), 1);
        QVERIFY(errbacks.first().check<CancelledError>());
    }

    // test_defer.py: DeferredCancellerTests.test_noCancellerMultipleCancel
    void noCancellerMultipleCancel()
    {
        QList<Failure> errbacks;
        Deferred<void> d;
        d.addCallbacks([] {}, [&](const Failure& f) { errbacks.append(f); });
        d.cancel();
        QCOMPARE(errbacks.size(), 1);
        QVERIFY(errbacks.first().check<CancelledError>());
        QVERIFY_THROWS_NO_EXCEPTION(d.cancel());
        QCOMPARE(errbacks.size(), 1);
    }

    // test_defer.py: DeferredCancellerTests.test_cancellerMultipleCancel
    void cancellerMultipleCancel()
    {
        int cancellerCallCount = 0;
        QList<Failure> errbacks;
        Deferred<void> d([&](Deferred<void>&) { ++cancellerCallCount; });
        d.addCallbacks([] {}, [&](const Failure& f) { errbacks.append(f); });
        d.cancel();
        QCOMPARE(errbacks.size(), 1);
        QVERIFY(errbacks.first().check<CancelledError>());
        d.cancel();
        QCOMPARE(errbacks.size(), 1);
        QCOMPARE(cancellerCallCount, 1);
    }

    // test_defer.py: DeferredCancellerTests.test_simpleCanceller
    // Divergence (the contract, cancel()): after a cancel its canceller did not answer, one late callback/errback is
    // swallowed even when there is a canceller; Twisted swallows only without one and raises here at once.
    void simpleCanceller()
    {
        int cancellerCallCount = 0;
        QList<Failure> errbacks;
        Deferred<void> d([&](Deferred<void>&) { ++cancellerCallCount; });
        d.addCallbacks([] {}, [&](const Failure& f) { errbacks.append(f); });
        d.cancel();
        QCOMPARE(cancellerCallCount, 1);
        QCOMPARE(errbacks.size(), 1);
        QVERIFY(errbacks.first().check<CancelledError>());
        QVERIFY_THROWS_NO_EXCEPTION(d.callback());
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.callback());
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.errback(genericFailure("late")));
        QCOMPARE(errbacks.size(), 1);
    }

    // test_defer.py: DeferredCancellerTests.test_cancellerArg
    void cancellerArg()
    {
        Deferred<void>* self = nullptr;
        int calls = 0;
        bool same = false;
        Deferred<void> d([&](Deferred<void>& arg) {
            ++calls;
            same = self && arg == *self;
        });
        self = &d;
        d.addCallbacks([] {}, [](const Failure&) {});
        d.cancel();
        QCOMPARE(calls, 1);
        QVERIFY(same);
    }

    // test_defer.py: DeferredCancellerTests.test_cancelAfterCallback
    void cancelAfterCallback()
    {
        int cancellerCallCount = 0;
        QStringList callbacks;
        int errbacks = 0;
        Deferred<QString> d([&](Deferred<QString>& self) {
            ++cancellerCallCount;
            self.errback(genericFailure("canceller"));
        });
        d.addCallbacks([&](const QString& s) { callbacks.append(s); }, [&](const Failure&) { ++errbacks; });
        d.callback(u"biff!"_s);
        d.cancel();
        QCOMPARE(cancellerCallCount, 0);
        QCOMPARE(errbacks, 0);
        QCOMPARE(callbacks, QStringList { u"biff!"_s });
    }

    // test_defer.py: DeferredCancellerTests.test_cancelAfterErrback
    void cancelAfterErrback()
    {
        int cancellerCallCount = 0;
        QList<Failure> errbacks;
        int cbs = 0;
        Deferred<void> d([&](Deferred<void>& self) {
            ++cancellerCallCount;
            self.errback(genericFailure("canceller"));
        });
        d.addCallbacks([&] { ++cbs; }, [&](const Failure& f) { errbacks.append(f); });
        d.errback(genericFailure("first"));
        d.cancel();
        QCOMPARE(cancellerCallCount, 0);
        QCOMPARE(errbacks.size(), 1);
        QVERIFY(errbacks.first().check<GenericError>());
        QCOMPARE(errbacks.first().message(), u"first"_s);
        QCOMPARE(cbs, 0);
    }

    // test_defer.py: DeferredCancellerTests.test_cancellerThatErrbacks
    void cancellerThatErrbacks()
    {
        int cancellerCallCount = 0;
        QList<Failure> errbacks;
        Deferred<void> d([&](Deferred<void>& self) {
            ++cancellerCallCount;
            self.errback(genericFailure("from canceller"));
        });
        d.addCallbacks([] {}, [&](const Failure& f) { errbacks.append(f); });
        d.cancel();
        QCOMPARE(cancellerCallCount, 1);
        QCOMPARE(errbacks.size(), 1);
        QVERIFY(errbacks.first().check<GenericError>());
        QVERIFY(!errbacks.first().check<CancelledError>());
    }

    // test_defer.py: DeferredCancellerTests.test_cancellerThatCallbacks
    // The canceller answered: no late result is swallowed afterwards.
    void cancellerThatCallbacks()
    {
        int cancellerCallCount = 0;
        QStringList callbacks;
        int errbacks = 0;
        Deferred<QString> d([&](Deferred<QString>& self) {
            ++cancellerCallCount;
            self.callback(u"hello!"_s);
        });
        d.addCallbacks([&](const QString& s) { callbacks.append(s); }, [&](const Failure&) { ++errbacks; });
        d.cancel();
        QCOMPARE(cancellerCallCount, 1);
        QCOMPARE(callbacks, QStringList { u"hello!"_s });
        QCOMPARE(errbacks, 0);
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.callback(u"late"_s));
    }

    // test_defer.py: DeferredCancellerTests.test_cancelNestedDeferred
    void cancelNestedDeferred()
    {
        int innerCancels = 0;
        int outerCancels = 0;
        QList<Failure> errbacks;
        int cbs = 0;
        Deferred<void> b([&](Deferred<void>&) { ++innerCancels; });
        Deferred<void> a([&](Deferred<void>&) { ++outerCancels; });
        a.callback();
        a.addCallback([b] { return b; });
        a.cancel();
        a.addCallbacks([&] { ++cbs; }, [&](const Failure& f) { errbacks.append(f); });
        QCOMPARE(innerCancels, 1); // the cancellation was done by b
        QCOMPARE(outerCancels, 0);
        QCOMPARE(errbacks.size(), 1); // b's canceller did not answer: CancelledError
        QVERIFY(errbacks.first().check<CancelledError>());
        QCOMPARE(cbs, 0);
    }

    // Contract, cancel(): waiting on an inner Deferred whose canceller answers: the outer chain goes on with that
    // value.
    void cancelWaitingOnInnerWithAnsweringCanceller()
    {
        QStringList results;
        Deferred<QString> inner([](Deferred<QString>& self) { self.callback(u"answered"_s); });
        Deferred<void> outer;
        outer.addCallback([inner] { return inner; }).addCallback([&](const QString& s) { results.append(s); });
        outer.callback();
        QVERIFY(results.isEmpty());
        outer.cancel();
        QCOMPARE(results, QStringList { u"answered"_s });
    }

    // ---------------------------------------------------------------------------------------------------------
    // long chains

    // test_defer.py: DeferredTests.test_boundedStackDepth — 10 000 nested Deferreds, each callback returning an
    // unfired Deferred, fired later deepest first; the final callback runs at the same stack depth as with one.
    void boundedStackDepth()
    {
        const StackProbe one = chainDeferreds(1);
        const StackProbe two = chainDeferreds(2);
        const StackProbe many = chainDeferreds(10'000);
        QVERIFY(!one.recordedEarly);
        QVERIFY(!many.recordedEarly);
        QCOMPARE(one.frames.size(), std::size_t(1));
        QCOMPARE(two.frames.size(), std::size_t(1));
        QCOMPARE(many.frames.size(), std::size_t(1));
        QCOMPARE(two.frames.front(), one.frames.front());
        QCOMPARE(many.frames.front(), one.frames.front());
    }

    // Contract, Deferred: the 10 000-deep nest carries a value (and a failure) all the way back out.
    void deepNestOfDeferredsCarriesTheResult()
    {
        constexpr std::size_t depth = 10'000;
        std::vector<Deferred<int>> ds(depth + 1);
        for (std::size_t i = 0; i < depth; ++i) {
            Deferred<int> next = ds[i + 1];
            ds[i].addCallback([next](int) { return next; });
        }
        int result = 0;
        ds[0].addCallback([&](int v) { result = v; });
        // Fired in reverse order: each one waits on the next, still unfired or itself waiting.
        for (std::size_t i = depth; i-- > 0;)
            ds[i].callback(-1);
        QCOMPARE(result, 0);
        ds[depth].callback(4242);
        QCOMPARE(result, 4242);
    }

    // Contract, Deferred: a chain of 100 000 callbacks runs without deep recursion.
    void hundredThousandLinkChain()
    {
        constexpr int links = 100'000;
        Deferred<int> d;
        Deferred<int> tail = d;
        for (int i = 0; i < links; ++i)
            tail = tail.addCallback([](int v) { return v + 1; });
        int result = -1;
        tail.addCallback([&](int v) { result = v; });
        d.callback(0);
        QCOMPARE(result, links);

        // The same on an already-fired Deferred, and with a failure passing every callback by.
        Deferred<int> failed = fail<int>(genericFailure("far"));
        int callbacksRun = 0;
        for (int i = 0; i < links; ++i)
            failed.addCallback([&](int v) {
                ++callbacksRun;
                return v;
            });
        QString message;
        failed.addErrback([&](const Failure& f) {
            message = f.message();
            return 0;
        });
        QCOMPARE(callbacksRun, 0);
        QCOMPARE(message, u"far"_s);
    }

    // ---------------------------------------------------------------------------------------------------------
    // threads and types (qtwisted only)

    // Contract, Errors/Deferred: any method called from a thread other than the Deferred's own throws WrongThreadError.
    void wrongThreadError()
    {
        Deferred<int> d;
        Deferred<int> other;
        QStringList refused;
        QStringList notRefused;
        std::thread t([&] {
            auto expect = [&](const QString& name, auto&& op) {
                try {
                    op();
                    notRefused.append(name);
                } catch (const WrongThreadError&) {
                    refused.append(name);
                } catch (...) {
                    notRefused.append(name + u" (other exception)"_s);
                }
            };
            expect(u"callback"_s, [&] { d.callback(1); });
            expect(u"errback"_s, [&] { d.errback(genericFailure("x")); });
            expect(u"addCallback"_s, [&] { d.addCallback([](int v) { return v; }); });
            expect(u"addErrback"_s, [&] { d.addErrback([](const Failure&) { return 0; }); });
            expect(
                u"addCallbacks"_s, [&] { d.addCallbacks([](int v) { return v; }, [](const Failure&) { return 0; }); });
            expect(u"addBoth"_s, [&] { d.addBoth([](const Outcome<int>&) { return 0; }); });
            expect(u"chainDeferred"_s, [&] { d.chainDeferred(other); });
            expect(u"pause"_s, [&] { d.pause(); });
            expect(u"unpause"_s, [&] { d.unpause(); });
            expect(u"called"_s, [&] { (void)d.called(); });
            expect(u"paused"_s, [&] { (void)d.paused(); });
            expect(u"cancel"_s, [&] { d.cancel(); });
        });
        t.join();
        QCOMPARE(notRefused, QStringList());
        QCOMPARE(refused.size(), 12);

        // Nothing was changed by the refused calls; the Deferred still works in its own thread.
        QVERIFY(!d.called());
        QVERIFY(!d.paused());
        QVERIFY(!other.called());
        int got = 0;
        d.addCallback([&](int v) { got = v; });
        d.callback(6);
        QCOMPARE(got, 6);
    }

    // Contract, Deferred: a Deferred belongs to the thread that created it, even a std::thread.
    void deferredBelongsToItsCreatingThread()
    {
        std::optional<Deferred<int>> made;
        std::thread t([&] { made.emplace(); });
        t.join();
        QVERIFY(made);
        QVERIFY_THROWS_EXCEPTION(WrongThreadError, made->callback(1));
        QVERIFY_THROWS_EXCEPTION(WrongThreadError, made->addCallback([](int) {}));
    }

    // Contract, Errors: addCallback on a stale Deferred<T> handle whose chain now holds another type → ChainTypeError.
    void staleHandleThrowsChainTypeError()
    {
        Deferred<int> d;
        Deferred<QString> text = d.addCallback([](int v) { return QString::number(v); });
        QVERIFY_THROWS_EXCEPTION(ChainTypeError, d.addCallback([](int v) { return v; }));
        QVERIFY_THROWS_EXCEPTION(ChainTypeError, d.addErrback([](const Failure&) { return 0; }));
        QVERIFY_THROWS_EXCEPTION(
            ChainTypeError, d.addCallbacks([](int v) { return v; }, [](const Failure&) { return 0; }));
        QVERIFY_THROWS_EXCEPTION(ChainTypeError, d.addBoth([](const Outcome<int>&) { return 0; }));
        QVERIFY_THROWS_EXCEPTION(ChainTypeError, d.chainDeferred(Deferred<int>()));
        QVERIFY_THROWS_EXCEPTION(Error, d.addCallback([](int) {}));

        // The refused callbacks were not added: the chain goes on from the current handle.
        QStringList results;
        text.addCallback([&](const QString& s) { results.append(s); });
        d.callback(31);
        QCOMPARE(results, QStringList { u"31"_s });
        QVERIFY_THROWS_EXCEPTION(ChainTypeError, d.addCallback([](int) {}));
        QVERIFY_THROWS_EXCEPTION(ChainTypeError, text.addCallback([](const QString&) {}));
    }

    // Contract, Failure: any exception, std or not, that a callback throws becomes the chain's Failure.
    void nonStdExceptionsBecomeFailures()
    {
        std::optional<Failure> intFailure;
        Deferred<int> d;
        d.addCallback([](int) -> int { throw 42; }).addErrback([&](const Failure& f) {
            intFailure = f;
            return 0;
        });
        d.callback(1);
        QVERIFY(intFailure);
        QVERIFY(intFailure->check<int>());
        QVERIFY(!intFailure->check<std::exception>());
        QCOMPARE(intFailure->typeName(), u"unknown"_s);
        QVERIFY(intFailure->message().isEmpty());
        try {
            intFailure->raise();
            QFAIL("raise() did not throw");
        } catch (int v) {
            QCOMPARE(v, 42);
        }

        std::optional<Failure> classFailure;
        Deferred<void> e;
        e.addCallback([] { throw NotAnException {}; }).addErrback([&](const Failure& f) { classFailure = f; });
        e.callback();
        QVERIFY(classFailure);
        QVERIFY(classFailure->check<NotAnException>());
        QVERIFY(classFailure->typeName().contains(u"NotAnException"_s));
    }

    // Contract, Deferred: move-only result types travel the chain, through inner Deferreds and succeed/maybeDeferred.
    void moveOnlyResults()
    {
        int got = 0;
        Deferred<std::unique_ptr<int>> d;
        d.addCallback([](std::unique_ptr<int> p) {
             *p += 1;
             return p;
         })
            .addCallback([](std::unique_ptr<int> p) { return MoveOnly(*p * 2); })
            .addCallback([](MoveOnly m) {
                Deferred<MoveOnly> inner;
                inner.callback(std::move(m));
                return inner;
            })
            .addCallback([&](MoveOnly m) { got = *m.value; });
        d.callback(std::make_unique<int>(20));
        QCOMPARE(got, 42);

        int fromSucceed = 0;
        succeed(std::make_unique<int>(5)).addCallback([&](std::unique_ptr<int> p) { fromSucceed = *p; });
        QCOMPARE(fromSucceed, 5);

        int recovered = 0;
        fail<std::unique_ptr<int>>(genericFailure("no pointer"))
            .addErrback([](const Failure&) { return std::make_unique<int>(9); })
            .addCallback([&](std::unique_ptr<int> p) { recovered = *p; });
        QCOMPARE(recovered, 9);

        int fromMaybe = 0;
        maybeDeferred([] { return std::make_unique<int>(11); }).addCallback([&](std::unique_ptr<int> p) {
            fromMaybe = *p;
        });
        QCOMPARE(fromMaybe, 11);

        bool sawValue = false;
        succeed(std::make_unique<int>(1)).addBoth([&](const Outcome<std::unique_ptr<int>>& o) {
            sawValue = o.ok() && *o.value() == 1;
        });
        QVERIFY(sawValue);
    }

    // ---------------------------------------------------------------------------------------------------------
    // unhandled errors

    // test_defer.py: LogTests.test_errorLog — logged once, critical, category qtwisted.deferred, when the chain dies.
    void errorLog()
    {
        QTest::ignoreMessage(QtCriticalMsg, "Unhandled error in Deferred: std::runtime_error: boom");
        {
            Deferred<int> d;
            d.addCallback([](int) -> int { throw std::runtime_error("boom"); });
            d.callback(1);
            QVERIFY(takeDeferredLog().isEmpty()); // not while the chain is alive
        }
        const auto log = takeDeferredLog();
        QCOMPARE(log.size(), 1);
        QCOMPARE(log.first().type, QtCriticalMsg);
        QCOMPARE(log.first().category, u"qtwisted.deferred"_s);
        QCOMPARE(log.first().message, u"Unhandled error in Deferred: std::runtime_error: boom"_s);
    }

    // Contract, Deferred: logged once however many handles share the chain.
    void errorLoggedOnceForManyHandles()
    {
        QTest::ignoreMessage(QtCriticalMsg, "Unhandled error in Deferred: std::logic_error: shared");
        {
            Deferred<void> d;
            std::vector<Deferred<void>> copies(5, d);
            Deferred<void> tail = d.addCallback([] {});
            d.errback(Failure::make(std::logic_error("shared")));
            copies.clear();
        }
        QCOMPARE(
            messagesOf(takeDeferredLog()), QStringList { u"Unhandled error in Deferred: std::logic_error: shared"_s });
    }

    // Contract, Deferred / Failure: the type of a non-class throw is "unknown" and its message empty.
    void errorLogOfNonStdException()
    {
        QTest::ignoreMessage(QtCriticalMsg, "Unhandled error in Deferred: unknown: ");
        {
            Deferred<void> d;
            d.addCallback([] { throw 42; });
            d.callback();
        }
        QCOMPARE(messagesOf(takeDeferredLog()), QStringList { u"Unhandled error in Deferred: unknown: "_s });
    }

    // Contract, Deferred: nothing is logged once an errback handled the failure, nor for unfired or successful chains.
    void handledErrorIsNotLogged()
    {
        {
            Deferred<int> handled = fail<int>(genericFailure("handled"));
            handled.addErrback([](const Failure&) { return 0; });
            Deferred<int> unfired;
            unfired.addCallback([](int) -> int { throw std::runtime_error("never runs"); });
            Deferred<int> fine = succeed(1);
            Deferred<void> both = fail<void>(genericFailure("both"));
            both.addBoth([](const Outcome<void>&) {});
        }
        QVERIFY(takeDeferredLog().isEmpty());

        // An errback that throws replaces the failure: the new one is the unhandled one.
        QTest::ignoreMessage(QtCriticalMsg, "Unhandled error in Deferred: std::logic_error: replaced");
        {
            Deferred<int> d = fail<int>(genericFailure("original"));
            d.addErrback([](const Failure&) -> int { throw std::logic_error("replaced"); });
        }
        QCOMPARE(messagesOf(takeDeferredLog()),
            QStringList { u"Unhandled error in Deferred: std::logic_error: replaced"_s });
    }

    // test_defer.py: LogTests.test_chainedErrorCleanup
    void chainedErrorCleanup()
    {
        {
            Deferred<void> d;
            d.addCallback([] { return fail<void>(Failure::make(std::runtime_error("zoop"))); });
            d.callback();
            int results = 0;
            QList<Failure> errors;
            d.addCallbacks([&] { ++results; }, [&](const Failure& f) { errors.append(f); });
            QCOMPARE(results, 0);
            QCOMPARE(errors.size(), 1);
            QVERIFY(errors.first().check<std::runtime_error>());
        }
        QVERIFY(takeDeferredLog().isEmpty());
    }

    // test_defer.py: LogTests.test_errorClearedByChaining
    void errorClearedByChaining()
    {
        {
            Deferred<int> bad = fail<int>(genericFailure("oh no"));
            Deferred<int> good;
            bad.addErrback([good](const Failure&) { return good; });
        }
        QVERIFY(takeDeferredLog().isEmpty());
    }

    // ---------------------------------------------------------------------------------------------------------
    // maybeDeferred

    // test_defer.py: DeferredTests.test_maybeDeferredSync
    void maybeDeferredSync()
    {
        QList<int> results;
        int errors = 0;
        auto d = maybeDeferred([] { return 42; });
        static_assert(std::is_same_v<decltype(d), Deferred<int>>);
        d.addCallbacks([&](int v) { results.append(v); }, [&](const Failure&) { ++errors; });
        QCOMPARE(errors, 0);
        QCOMPARE(results, QList<int> { 42 });
    }

    // test_defer.py: DeferredTests.test_maybeDeferredSyncWithArgs
    void maybeDeferredSyncWithArgs()
    {
        QList<int> results;
        int errors = 0;
        auto plusFive = [](int x) { return x + 5; };
        maybeDeferred(plusFive, 10).addCallbacks([&](int v) { results.append(v); }, [&](const Failure&) { ++errors; });
        QCOMPARE(errors, 0);
        QCOMPARE(results, QList<int> { 15 });
    }

    // test_defer.py: DeferredTests.test_maybeDeferredSyncException
    void maybeDeferredSyncException()
    {
        QList<int> results;
        QList<Failure> errors;
        auto plusFive = [](const QString& x) -> int {
            bool ok = false;
            const int v = x.toInt(&ok);
            if (!ok)
                throw std::invalid_argument("not a number");
            return v + 5;
        };
        maybeDeferred(plusFive, u"ten"_s)
            .addCallbacks([&](int v) { results.append(v); }, [&](const Failure& f) { errors.append(f); });
        QVERIFY(results.isEmpty());
        QCOMPARE(errors.size(), 1);
        QVERIFY(errors.first().check<std::invalid_argument>());
        QCOMPARE(errors.first().message(), u"not a number"_s);
    }

    // Contract, Deferred: maybeDeferred of a void function is a fired Deferred<void>; a non-std throw fails it.
    void maybeDeferredVoidAndNonStdThrow()
    {
        int calls = 0;
        int callbacks = 0;
        auto d = maybeDeferred([&] { ++calls; });
        static_assert(std::is_same_v<decltype(d), Deferred<void>>);
        QVERIFY(d.called());
        d.addCallback([&] { ++callbacks; });
        QCOMPARE(calls, 1);
        QCOMPARE(callbacks, 1);

        std::optional<Failure> failure;
        maybeDeferred([]() -> int { throw 42; }).addErrback([&](const Failure& f) {
            failure = f;
            return 0;
        });
        QVERIFY(failure);
        QVERIFY(failure->check<int>());
    }

    // test_defer.py: DeferredTests.test_maybeDeferredAsync
    void maybeDeferredAsync()
    {
        Deferred<QString> d1;
        auto d2 = maybeDeferred([d1] { return d1; });
        static_assert(std::is_same_v<decltype(d2), Deferred<QString>>);
        d1.callback(u"Success"_s);
        QStringList result;
        d2.addCallback([&](const QString& s) { result.append(s); });
        QCOMPARE(result, QStringList { u"Success"_s });
    }

    // test_defer.py: DeferredTests.test_maybeDeferredAsyncError
    void maybeDeferredAsyncError()
    {
        Deferred<void> d1;
        Deferred<void> d2 = maybeDeferred([d1] { return d1; });
        d1.errback(Failure::make(std::runtime_error("async")));
        std::optional<Failure> failure;
        d2.addErrback([&](const Failure& f) { failure = f; });
        QVERIFY(failure);
        QVERIFY(failure->check<std::runtime_error>());
    }

    // ---------------------------------------------------------------------------------------------------------
    // gatherResults

    // test_defer.py: DeferredTests.test_gatherResults
    void gatherResults()
    {
        QList<QList<int>> results;
        qtwisted::gatherResults(QList<Deferred<int>> { succeed(1), succeed(2) }).addCallback([&](const QList<int>& r) {
            results.append(r);
        });
        QCOMPARE(results, (QList<QList<int>> { { 1, 2 } }));

        QList<Failure> errors;
        QList<Deferred<int>> dl { succeed(1), fail<int>(Failure::make(std::invalid_argument("value"))) };
        qtwisted::gatherResults(dl).addErrback([&](const Failure& f) {
            errors.append(f);
            return QList<int>();
        });
        QCOMPARE(errors.size(), 1);
        QVERIFY(errors.first().check<std::invalid_argument>());
        dl[1].addErrback([](const Failure&) { return 1; }); // get rid of the error
    }

    // Contract, Deferred: results come in input order whatever order the inputs fire in.
    void gatherResultsKeepsInputOrder()
    {
        Deferred<QString> a;
        Deferred<QString> b;
        Deferred<QString> c;
        QList<QStringList> results;
        qtwisted::gatherResults(QList<Deferred<QString>> { a, b, c }).addCallback([&](const QList<QString>& r) {
            results.append(r);
        });
        c.callback(u"c"_s);
        a.callback(u"a"_s);
        QVERIFY(results.isEmpty());
        b.callback(u"b"_s);
        QCOMPARE(results, (QList<QStringList> { { u"a"_s, u"b"_s, u"c"_s } }));
    }

    // Contract, Deferred: the first failure wins: one errback, with that failure.
    void gatherResultsFirstFailureWins()
    {
        Deferred<int> a;
        Deferred<int> b;
        Deferred<int> c;
        QList<Failure> errors;
        int callbacks = 0;
        qtwisted::gatherResults(QList<Deferred<int>> { a, b, c })
            .addCallbacks([&](const QList<int>&) { ++callbacks; }, [&](const Failure& f) { errors.append(f); });
        b.errback(genericFailure("first"));
        c.errback(genericFailure("second"));
        a.callback(1);
        QCOMPARE(callbacks, 0);
        QCOMPARE(errors.size(), 1);
        QCOMPARE(errors.first().message(), u"first"_s);
        b.addErrback([](const Failure&) { return 0; });
        c.addErrback([](const Failure&) { return 0; });
    }

    // Contract, Deferred: an empty list gathers to an empty list at once.
    void gatherResultsEmpty()
    {
        QList<QList<int>> results;
        qtwisted::gatherResults(QList<Deferred<int>> {}).addCallback([&](const QList<int>& r) { results.append(r); });
        QCOMPARE(results, QList<QList<int>> { QList<int>() });
    }

    // deferred.h: gathering Deferred<void> inputs gives a Deferred<void> that fires once all fired.
    void gatherResultsOfVoidInputs()
    {
        Deferred<void> a;
        Deferred<void> b;
        auto all = qtwisted::gatherResults(QList<Deferred<void>> { a, b });
        static_assert(std::is_same_v<decltype(all), Deferred<void>>);
        int fired = 0;
        all.addCallback([&] { ++fired; });
        b.callback();
        QCOMPARE(fired, 0);
        a.callback();
        QCOMPARE(fired, 1);

        std::optional<Failure> failure;
        Deferred<void> c;
        qtwisted::gatherResults(QList<Deferred<void>> { succeed(), c }).addErrback([&](const Failure& f) {
            failure = f;
        });
        c.errback(genericFailure("void failure"));
        QVERIFY(failure);
        QCOMPARE(failure->message(), u"void failure"_s);
        c.addErrback([](const Failure&) {});

        int emptyFired = 0;
        qtwisted::gatherResults(QList<Deferred<void>> {}).addCallback([&] { ++emptyFired; });
        QCOMPARE(emptyFired, 1);
    }

    // test_defer.py: DeferredTests.test_cancelGatherResults (Twisted's FirstError wrapper is not used: the failure is
    // the CancelledError itself, as for DeferredList's fireOnOneErrback in deferred.h)
    void cancelGatherResults()
    {
        QList<Failure> oneErrors;
        QList<Failure> twoErrors;
        QList<Failure> resultErrors;
        Deferred<void> deferredOne;
        Deferred<void> deferredTwo;
        auto result = qtwisted::gatherResults(QList<Deferred<void>> { deferredOne, deferredTwo });
        result.cancel();
        deferredOne.addErrback([&](const Failure& f) { oneErrors.append(f); });
        deferredTwo.addErrback([&](const Failure& f) { twoErrors.append(f); });
        result.addErrback([&](const Failure& f) { resultErrors.append(f); });
        QCOMPARE(oneErrors.size(), 1);
        QVERIFY(oneErrors.first().check<CancelledError>());
        QCOMPARE(twoErrors.size(), 1);
        QVERIFY(twoErrors.first().check<CancelledError>());
        QCOMPARE(resultErrors.size(), 1);
        QVERIFY(resultErrors.first().check<CancelledError>());
    }

    // test_defer.py: DeferredTests.test_cancelGatherResultsWithAllDeferredsCallback
    void cancelGatherResultsWithAllDeferredsCallback()
    {
        auto fakeCallbackCanceller = [](Deferred<QString>& d) { d.callback(u"Callback Result"_s); };
        Deferred<QString> deferredOne(fakeCallbackCanceller);
        Deferred<QString> deferredTwo(fakeCallbackCanceller);
        auto result = qtwisted::gatherResults(QList<Deferred<QString>> { deferredOne, deferredTwo });
        result.cancel();
        QList<QStringList> results;
        result.addCallbacks([&](const QList<QString>& r) { results.append(r); }, [](const Failure&) {});
        QCOMPARE(results, (QList<QStringList> { { u"Callback Result"_s, u"Callback Result"_s } }));
    }

    // ---------------------------------------------------------------------------------------------------------
    // DeferredList

    // test_defer.py: DeferredTests.testDeferredList
    void deferredList()
    {
        Deferred<QString> defr1;
        Deferred<QString> defr2;
        Deferred<QString> defr3;
        QList<Outcome<QString>> result;
        int errbacks = 0;
        DeferredList<QString>({ defr1, defr2, defr3 })
            .addCallbacks([&](const QList<Outcome<QString>>& r) { result = r; }, [&](const Failure&) { ++errbacks; });
        defr1.callback(u"1"_s);
        defr2.addErrback([](const Failure&) { return QString(); }); // eats the error after the DeferredList saw it
        defr2.errback(genericFailure("2"));
        QVERIFY(result.isEmpty());
        defr3.callback(u"3"_s);
        QCOMPARE(errbacks, 0);
        QCOMPARE(result.size(), 3);
        QVERIFY(result[0].ok());
        QCOMPARE(result[0].value(), u"1"_s);
        QVERIFY(!result[1].ok());
        QCOMPARE(result[1].failure().message(), u"2"_s);
        QVERIFY(result[1].failure().check<GenericError>());
        QVERIFY(result[2].ok());
        QCOMPARE(result[2].value(), u"3"_s);
    }

    // Contract, Deferred: DeferredList keeps input order whatever order the inputs fire in.
    void deferredListKeepsInputOrder()
    {
        Deferred<int> a;
        Deferred<int> b;
        Deferred<int> c;
        QList<int> values;
        DeferredList<int>({ a, b, c }).addCallback([&](const QList<Outcome<int>>& r) {
            for (const auto& o : r)
                values.append(o.value());
        });
        c.callback(3);
        b.callback(2);
        QVERIFY(values.isEmpty());
        a.callback(1);
        QCOMPARE(values, (QList<int> { 1, 2, 3 }));
    }

    // test_defer.py: DeferredTests.testEmptyDeferredList (first half) and DeferredListEmptyTests.testDeferredListEmpty
    void emptyDeferredList()
    {
        QList<QList<Outcome<int>>> result;
        DeferredList(QList<Deferred<int>> {}).addCallback([&](const QList<Outcome<int>>& r) { result.append(r); });
        QCOMPARE(result.size(), 1);
        QVERIFY(result.first().isEmpty());
    }

    // test_defer.py: DeferredTests.testEmptyDeferredList (second half): with fireOnOneCallback an empty list never
    // fires, as no input can succeed.
    void emptyDeferredListWithFireOnOneCallback()
    {
        int fired = 0;
        DeferredListOptions options;
        options.fireOnOneCallback = true;
        DeferredList(QList<Deferred<int>> {}, options)
            .addCallbacks([&](const QList<Outcome<int>>&) { ++fired; }, [&](const Failure&) { ++fired; });
        QCOMPARE(fired, 0);
    }

    // test_defer.py: DeferredTests.testDeferredListFireOnOneError
    // Divergence (deferred.h): the errback receives the input's Failure itself, not a FirstError(failure, index).
    void deferredListFireOnOneError()
    {
        Deferred<QString> defr1;
        Deferred<QString> defr2;
        Deferred<QString> defr3;
        DeferredListOptions options;
        options.fireOnOneErrback = true;
        QList<Failure> result;
        DeferredList<QString>({ defr1, defr2, defr3 }, options).addErrback([&](const Failure& f) {
            result.append(f);
            return QList<Outcome<QString>>();
        });
        defr2.addErrback([](const Failure&) { return QString(); });

        defr1.callback(u"1"_s);
        QVERIFY(result.isEmpty());
        defr2.errback(genericFailure("from def2"));
        QCOMPARE(result.size(), 1);
        QVERIFY(result.first().check<GenericError>());
        QCOMPARE(result.first().message(), u"from def2"_s);

        defr3.callback(u"3"_s); // the list has fired: nothing more happens
        QCOMPARE(result.size(), 1);
    }

    // Contract, Deferred: fireOnOneCallback fires with the first success.
    // Divergence (deferred.h): a one-element list holding that Outcome, not Twisted's (result, index) tuple.
    void deferredListFireOnOneCallback()
    {
        Deferred<int> a;
        Deferred<int> b;
        Deferred<int> c;
        DeferredListOptions options;
        options.fireOnOneCallback = true;
        QList<QList<Outcome<int>>> results;
        DeferredList<int>({ a, b, c }, options).addCallback([&](const QList<Outcome<int>>& r) { results.append(r); });
        a.errback(genericFailure("not a success"));
        QVERIFY(results.isEmpty());
        c.callback(30);
        QCOMPARE(results.size(), 1);
        QCOMPARE(results.first().size(), 1);
        QVERIFY(results.first().first().ok());
        QCOMPARE(results.first().first().value(), 30);
        b.callback(20); // already fired: ignored
        QCOMPARE(results.size(), 1);
        a.addErrback([](const Failure&) { return 0; });
    }

    // test_defer.py: DeferredTests.testDeferredListDontConsumeErrors
    void deferredListDontConsumeErrors()
    {
        Deferred<void> d1;
        auto dl = DeferredList(QList<Deferred<void>> { d1 });
        QList<Failure> errorTrap;
        d1.addErrback([&](const Failure& f) { errorTrap.append(f); });
        QList<QList<Outcome<void>>> resultLists;
        dl.addCallback([&](const QList<Outcome<void>>& r) { resultLists.append(r); });

        d1.errback(genericFailure("Bang"));
        QCOMPARE(errorTrap.size(), 1);
        QCOMPARE(errorTrap.first().message(), u"Bang"_s);
        QCOMPARE(resultLists.size(), 1);
        QCOMPARE(resultLists.first().size(), 1);
        QCOMPARE(resultLists.first().first().failure().message(), u"Bang"_s);
    }

    // test_defer.py: DeferredTests.testDeferredListConsumeErrors — the list still sees the failure; the input's
    // failure is no longer an unhandled error.
    void deferredListConsumeErrors()
    {
        QList<QList<Outcome<void>>> resultLists;
        {
            Deferred<void> d1;
            DeferredListOptions options;
            options.consumeErrors = true;
            DeferredList(QList<Deferred<void>> { d1 }, options).addCallback([&](const QList<Outcome<void>>& r) {
                resultLists.append(r);
            });
            d1.errback(genericFailure("Bang"));
        }
        QCOMPARE(resultLists.size(), 1);
        QCOMPARE(resultLists.first().size(), 1);
        QCOMPARE(resultLists.first().first().failure().message(), u"Bang"_s);
        QVERIFY(takeDeferredLog().isEmpty());
    }

    // Contract, Deferred: without consumeErrors the input's failure is still unhandled and logged once.
    void deferredListWithoutConsumeErrorsLogs()
    {
        QTest::ignoreMessage(QtCriticalMsg, "Unhandled error in Deferred: std::runtime_error: Bang");
        int listFired = 0;
        {
            Deferred<void> d1;
            DeferredList(QList<Deferred<void>> { d1 }).addCallback([&](const QList<Outcome<void>>&) { ++listFired; });
            d1.errback(Failure::make(std::runtime_error("Bang")));
        }
        QCOMPARE(listFired, 1);
        QCOMPARE(
            messagesOf(takeDeferredLog()), QStringList { u"Unhandled error in Deferred: std::runtime_error: Bang"_s });
    }

    // test_defer.py: DeferredTests.testDeferredListFireOnOneErrorWithAlreadyFiredDeferreds
    void deferredListFireOnOneErrorWithAlreadyFiredDeferreds()
    {
        Deferred<void> d1;
        Deferred<void> d2;
        d1.errback(genericFailure("Bang"));
        DeferredListOptions options;
        options.fireOnOneErrback = true;
        QList<Failure> result;
        DeferredList(QList<Deferred<void>> { d1, d2 }, options).addErrback([&](const Failure& f) {
            result.append(f);
            return QList<Outcome<void>>();
        });
        QCOMPARE(result.size(), 1);
        d1.addErrback([](const Failure&) {}); // swallow error
    }

    // test_defer.py: DeferredTests.testDeferredListWithAlreadyFiredDeferreds
    void deferredListWithAlreadyFiredDeferreds()
    {
        Deferred<int> d1;
        Deferred<int> d2;
        d1.errback(genericFailure("Bang"));
        d2.callback(2);
        QList<QList<Outcome<int>>> result;
        DeferredList<int>({ d1, d2 }).addCallback([&](const QList<Outcome<int>>& r) { result.append(r); });
        QCOMPARE(result.size(), 1);
        QCOMPARE(result.first().size(), 2);
        QVERIFY(!result.first()[0].ok());
        QCOMPARE(result.first()[1].value(), 2);
        d1.addErrback([](const Failure&) { return 0; }); // swallow error
    }

    // test_defer.py: DeferredTests.test_cancelDeferredList
    void cancelDeferredList()
    {
        Deferred<void> deferredOne;
        Deferred<void> deferredTwo;
        auto deferredList = DeferredList(QList<Deferred<void>> { deferredOne, deferredTwo });
        deferredList.cancel();
        QList<Failure> oneErrors;
        QList<Failure> twoErrors;
        deferredOne.addErrback([&](const Failure& f) { oneErrors.append(f); });
        deferredTwo.addErrback([&](const Failure& f) { twoErrors.append(f); });
        deferredList.addErrback([](const Failure&) { return QList<Outcome<void>>(); });
        QCOMPARE(oneErrors.size(), 1);
        QVERIFY(oneErrors.first().check<CancelledError>());
        QCOMPARE(twoErrors.size(), 1);
        QVERIFY(twoErrors.first().check<CancelledError>());
    }

    // test_defer.py: DeferredTests.test_cancelDeferredListCallback
    void cancelDeferredListCallback()
    {
        Deferred<QString> deferredOne([](Deferred<QString>& d) { d.callback(u"Callback Result"_s); });
        Deferred<QString> deferredTwo;
        auto deferredList = DeferredList<QString>({ deferredOne, deferredTwo });
        deferredList.cancel();
        QList<Failure> twoErrors;
        deferredTwo.addErrback([&](const Failure& f) {
            twoErrors.append(f);
            return QString();
        });
        QList<QList<Outcome<QString>>> result;
        deferredList.addCallbacks([&](const QList<Outcome<QString>>& r) { result.append(r); }, [](const Failure&) {});
        QCOMPARE(twoErrors.size(), 1);
        QVERIFY(twoErrors.first().check<CancelledError>());
        QCOMPARE(result.size(), 1);
        QCOMPARE(result.first().size(), 2);
        QVERIFY(result.first()[0].ok());
        QCOMPARE(result.first()[0].value(), u"Callback Result"_s);
        QVERIFY(!result.first()[1].ok());
        QVERIFY(result.first()[1].failure().check<CancelledError>());
    }

    // test_defer.py: DeferredTests.test_cancelFiredOnOneCallbackDeferredList
    void cancelFiredOnOneCallbackDeferredList()
    {
        Deferred<void> deferredOne;
        Deferred<void> deferredTwo;
        DeferredListOptions options;
        options.fireOnOneCallback = true;
        auto deferredList = DeferredList(QList<Deferred<void>> { deferredOne, deferredTwo }, options);
        deferredOne.callback();
        deferredList.cancel();
        QVERIFY(!deferredTwo.called());
        int listResults = 0;
        deferredList.addCallback([&](const QList<Outcome<void>>&) { ++listResults; });
        QCOMPARE(listResults, 1);
    }

    // test_defer.py: DeferredTests.test_cancelFiredOnOneErrbackDeferredList
    void cancelFiredOnOneErrbackDeferredList()
    {
        Deferred<void> deferredOne;
        Deferred<void> deferredTwo;
        DeferredListOptions options;
        options.fireOnOneErrback = true;
        auto deferredList = DeferredList(QList<Deferred<void>> { deferredOne, deferredTwo }, options);
        deferredOne.errback(genericFailure("test"));
        deferredList.cancel();
        QVERIFY(!deferredTwo.called());
        QList<Failure> oneErrors;
        deferredOne.addErrback([&](const Failure& f) { oneErrors.append(f); });
        QList<Failure> listErrors;
        deferredList.addErrback([&](const Failure& f) {
            listErrors.append(f);
            return QList<Outcome<void>>();
        });
        QCOMPARE(oneErrors.size(), 1);
        QVERIFY(oneErrors.first().check<GenericError>());
        QCOMPARE(listErrors.size(), 1);
        QVERIFY(listErrors.first().check<GenericError>()); // Twisted: FirstError; here the failure itself
    }

    // ---------------------------------------------------------------------------------------------------------
    // Kept last: when it fails, it crashes the process (stack overflow), after every other test has reported.

    // Contract, Deferred: "chains of any length (100 000) run without deep recursion" — and die without it: a nest of
    // 100 000 Deferreds, each waiting on the next, whose innermost never fires, is simply destroyed.
    void destroyingAnUnfiredDeepNestDoesNotRecurse()
    {
        constexpr std::size_t depth = 100'000;
        int ran = 0;
        {
            std::vector<Deferred<int>> ds(depth + 1);
            for (std::size_t i = 0; i < depth; ++i) {
                Deferred<int> next = ds[i + 1];
                ds[i].addCallback([next](int) { return next; });
            }
            ds[0].addCallback([&](int) { ++ran; });
            for (std::size_t i = depth; i-- > 0;)
                ds[i].callback(-1);
            QVERIFY(ds[0].paused()); // waiting, all the way down
        } // the innermost holds the next one out, which holds the next...: released here, none ever fired
        QCOMPARE(ran, 0);
    }
};

QTEST_GUILESS_MAIN(TestDeferred)
#include "tst_deferred.moc"
