// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// QTwisted::Testing: testing code that embeds qtwisted with QtTest — virtual time, deterministic pools, results
// without waiting, and a per-test guard against leftovers. docs/testing.md is the guide.
#pragma once

#include <qtwisted/deferred.h>
#include <qtwisted/reactor.h>
#include <qtwisted/threadpool.h>

#include <QEventLoop>
#include <QList>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <QtTest/QTest>

#include <chrono>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

namespace qtwisted::testing {

/// Thrown by successResultOf() after it recorded a failure, when the value type has no default to return instead.
/// QtTest 6.4 ends the whole run on an exception from a test function: prefer the QTW_ macros (they return).
class AssertionFailed : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

namespace detail {

/// Records `message` as a failure of the current test function at file:line (a clear message on stderr and
/// std::logic_error when no test function runs).
void recordFailure(const QString& message, const char* file, int line);
/// The demangled name of a type; for the library's own wrappers (the lambda that callLater/callInThread bind), the
/// name of the user's callable inside it.
QString callableName(const std::type_info* type);
/// What a Deferred holds now, in words ("no result yet", "a value", "a failure: E: what"); empty when it holds a
/// result that can be read now. `where` names the caller (successResultOf, ...).
QString describeState(const qtwisted::detail::ChainCore& core);
bool hasResult(const qtwisted::detail::ChainCore& core);
/// Fails unless the calling thread owns the chain.
bool checkOwner(const qtwisted::detail::ChainCore& core, const char* where, const char* file, int line);

/// The checks of successResultOf(): false (failure recorded) unless `core` holds a value of `type`.
bool checkSuccess(const qtwisted::detail::CorePtr& core, const std::type_info& type, const char* file, int line);
/// The checks of failureResultOf(): false (failure recorded) unless `core` holds a Failure that `matches`.
bool checkFailure(const qtwisted::detail::CorePtr& core, bool (*matches)(const Failure&), const std::type_info& type,
    const char* file, int line);
/// The check of assertNoResult().
bool checkNoResult(const qtwisted::detail::CorePtr& core, const char* file, int line);

template <class E>
bool failureIs(const Failure& f)
{
    return f.check<E>();
}

/// Copies (or, for a move-only type, moves out) the value a checked chain holds.
template <class T>
T takeValue(const qtwisted::detail::CorePtr& core)
{
    if constexpr (std::is_copy_constructible_v<T>) {
        return core->result.value.template peek<T>();
    } else {
        T value = core->result.value.template take<T>();
        core->tailType = &typeid(void); // moved out: as Twisted's successResultOf, the chain is left holding nothing
        return value;
    }
}

void markOptedOut(const qtwisted::detail::CorePtr& core);
int flushUnhandled(bool (*matches)(const Failure&));
/// True once the running test function's timeout has expired (TestGuard::timedOut()).
bool timedOut() noexcept;
/// Where DeferredSpy::wait() spins, so that a test function's timeout can end the wait.
inline QEventLoop* g_waitLoop = nullptr;

} // namespace detail

// ---- results without waiting ----------------------------------------------------------------------------------

/// The value `d` holds now. Fails the test (at the caller's line) when it has no result yet, holds a failure, or
/// belongs to another thread; the test function then goes on with a default T (as QtTest's checks, a failed test
/// function may go on: use QTW_COMPARE_RESULT to return at once), or, for a T without a default, AssertionFailed
/// is thrown. A copyable value is copied and stays in the chain; a move-only one is moved out.
template <class T>
T successResultOf(const Deferred<T>& d, const char* file = __builtin_FILE(), int line = __builtin_LINE())
{
    const auto& core = qtwisted::detail::DeferredAccess::core(d);
    if (!detail::checkSuccess(core, typeid(T), file, line)) {
        if constexpr (std::is_void_v<T>)
            return;
        else if constexpr (std::is_default_constructible_v<T>)
            return T {};
        else
            throw AssertionFailed("successResultOf failed");
    }
    if constexpr (!std::is_void_v<T>)
        return detail::takeValue<T>(core);
}

/// The Failure `d` holds now, which must be an E (or derived from it); it is consumed (no unhandled-error report).
/// Fails the test when `d` has no result yet, holds a value or another failure, or belongs to another thread (and
/// returns a stand-in Failure of AssertionFailed).
template <class E = std::exception, class T>
Failure failureResultOf(const Deferred<T>& d, const char* file = __builtin_FILE(), int line = __builtin_LINE())
{
    const auto& core = qtwisted::detail::DeferredAccess::core(d);
    if (!detail::checkFailure(core, &detail::failureIs<E>, typeid(E), file, line))
        return Failure::make(AssertionFailed("failureResultOf failed")); // the test has failed; a stand-in
    core->result.failureHandled = true;
    return *core->result.failure;
}

/// Fails the test when `d` already has a result (or belongs to another thread).
template <class T>
void assertNoResult(const Deferred<T>& d, const char* file = __builtin_FILE(), int line = __builtin_LINE())
{
    detail::checkNoResult(qtwisted::detail::DeferredAccess::core(d), file, line);
}

// ---- virtual time ---------------------------------------------------------------------------------------------

/// A delayed call still scheduled on a VirtualClock.
struct PendingCall {
    double dueIn = 0; ///< seconds from the clock's now
    QString site; ///< "file:line" of the Reactor::callLater() call
    QString callable; ///< the callable's type
    QString toString() const;
};

/// Twisted's task.Clock for a Reactor: from construction to destruction the reactor's callLater(), DelayedCall and
/// seconds() run on a clock that moves only when the test says. Time never moves by itself: the reactor's timer is
/// never armed. The reactor is started (without an event loop) if it was not, so queued calls run too.
/// advance() sets the clock to the target first, then runs the calls due at or before it, those due exactly at it
/// included (Twisted's and RxJava's semantics); a call they schedule is due relative to the target, so only a
/// callLater(0) runs in the same advance(). Reactor thread only; misuse (another thread, a reactor already on a
/// virtual clock) throws std::logic_error from the constructor. When it is destroyed the
/// reactor goes back to the steady clock; calls still scheduled keep their deadlines.
class VirtualClock {
public:
    explicit VirtualClock(
        Reactor& reactor = Reactor::instance(), const char* file = __builtin_FILE(), int line = __builtin_LINE());
    ~VirtualClock();
    VirtualClock(const VirtualClock&) = delete;
    VirtualClock& operator=(const VirtualClock&) = delete;
    VirtualClock(VirtualClock&&) = delete;
    VirtualClock& operator=(VirtualClock&&) = delete;

    Reactor& reactor() const noexcept { return m_reactor; }
    /// The clock's now (Reactor::seconds()).
    double seconds() const;
    /// Moves the clock `seconds` forward, then runs what is due (see the class). Negative or NaN: fails the test, and
    /// the clock does not move.
    void advance(double seconds, const char* file = __builtin_FILE(), int line = __builtin_LINE());
    template <class Rep, class Period>
    void advance(std::chrono::duration<Rep, Period> d, const char* file = __builtin_FILE(), int line = __builtin_LINE())
    {
        advance(std::chrono::duration<double>(d).count(), file, line);
    }
    /// advance() by each step in turn (Twisted's Clock.pump).
    void pump(std::initializer_list<double> steps, const char* file = __builtin_FILE(), int line = __builtin_LINE());
    /// Runs what is due now without moving the clock: queued calls (callFromThread, pool results) and timed calls
    /// due, until nothing more is. Returns how many iterations ran something.
    int flush(const char* file = __builtin_FILE(), int line = __builtin_LINE());
    /// Advances to each next scheduled call until none is scheduled; fails the test after `maxSteps` (a call that
    /// keeps rescheduling itself). Returns the steps taken.
    int runUntilIdle(int maxSteps = 100000, const char* file = __builtin_FILE(), int line = __builtin_LINE());
    /// Seconds to the next scheduled call (0 when one is due), nothing when none is.
    std::optional<double> timeToNext() const;
    /// The scheduled calls, in the order they will run.
    QList<PendingCall> pending() const;

private:
    Reactor& m_reactor;
};

// ---- deterministic pools --------------------------------------------------------------------------------------

/// Makes a ThreadPool run its jobs only when the test says: while it lives the pool's sizes are (0, 0), so nothing
/// dispatches, and runNext() runs the oldest queued job in the calling thread (with the pool's books kept). Made for
/// a reactor, it is the reactor's pool, and each job's result (deferToThread) is delivered to the reactor at once
/// when called in the reactor thread. The sizes come back when it is destroyed (queued jobs then start).
class ManualPool {
public:
    explicit ManualPool(ThreadPool& pool);
    explicit ManualPool(Reactor& reactor);
    ~ManualPool();
    ManualPool(const ManualPool&) = delete;
    ManualPool& operator=(const ManualPool&) = delete;
    ManualPool(ManualPool&&) = delete;
    ManualPool& operator=(ManualPool&&) = delete;

    ThreadPool& pool() const noexcept { return m_pool; }
    /// Runs the oldest queued job; fails the test (and returns) when none is queued.
    void runNext(const char* file = __builtin_FILE(), int line = __builtin_LINE());
    /// Runs queued jobs (and the jobs they queue) until none is left; returns how many ran.
    int runAll();
    int pendingCount() const;
    /// The queued jobs' callables, oldest first.
    QStringList pending() const;

private:
    void deliver();
    ThreadPool& m_pool;
    Reactor* m_reactor = nullptr;
    int m_min = 0;
    int m_max = 0;
};

// ---- a spy for Deferreds --------------------------------------------------------------------------------------

/// Watches a Deferred from now on (a pass-through step on its chain: the result is not changed or handled).
template <class T>
class DeferredSpy {
public:
    explicit DeferredSpy(const Deferred<T>& d)
        : m_state(std::make_shared<State>())
    {
        qtwisted::detail::observe(d, [state = m_state](qtwisted::detail::Result& r) {
            state->fired = true;
            if (r.failure) {
                state->failure = *r.failure;
            } else if constexpr (!std::is_void_v<T> && std::is_copy_constructible_v<T>) {
                state->value.emplace(r.value.template peek<T>());
            }
            if (state->loop)
                state->loop->quit();
        });
    }

    bool fired() const noexcept { return m_state->fired; }
    bool succeeded() const noexcept { return m_state->fired && !m_state->failure; }
    bool failed() const noexcept { return m_state->failure.has_value(); }
    bool cancelled() const { return m_state->failure && m_state->failure->template check<CancelledError>(); }
    std::optional<Failure> failure() const { return m_state->failure; }
    /// The value it fired with (copyable types); std::logic_error when it did not succeed.
    template <class U = T>
    requires(!std::is_void_v<U> && std::is_copy_constructible_v<U>) const U& value() const
    {
        if (!m_state->value)
            throw std::logic_error("DeferredSpy::value(): the Deferred has not succeeded");
        return *m_state->value;
    }

    /// Spins an event loop (the real reactor's, QTRY-style) until the Deferred fires or `timeout` passes; true when
    /// it fired. Returns at once, false, once the running test function has timed out (TestGuard).
    bool wait(std::chrono::milliseconds timeout = std::chrono::seconds(5))
    {
        if (m_state->fired)
            return true;
        QEventLoop loop;
        QTimer deadline;
        deadline.setSingleShot(true);
        QObject::connect(&deadline, &QTimer::timeout, &loop, &QEventLoop::quit);
        deadline.start(timeout);
        m_state->loop = &loop;
        QEventLoop* outer = std::exchange(detail::g_waitLoop, &loop);
        if (!detail::timedOut())
            loop.exec();
        detail::g_waitLoop = outer;
        m_state->loop = nullptr;
        return m_state->fired;
    }

private:
    struct State {
        bool fired = false;
        std::optional<Failure> failure;
        std::optional<std::conditional_t<std::is_void_v<T> || !std::is_copy_constructible_v<T>, bool, T>> value;
        QEventLoop* loop = nullptr;
    };
    std::shared_ptr<State> m_state;
};

// ---- the per-test guard ---------------------------------------------------------------------------------------

struct GuardOptions {
    /// The test function fails (with a dump of what was pending) when it runs longer; 0: no limit.
    std::chrono::milliseconds timeout { 0 };
    /// Whether a Deferred made during the test and still alive unfired at its end fails it (opt out per Deferred
    /// with expectPending()).
    bool checkUnfiredDeferreds = true;
};

class TestGuardState;

/// Fails the current test function, naming each leftover and where it was made, when at check() (or destruction)
/// any of these is left from the test: a delayed call it scheduled still pending, a callFromThread call still queued,
/// a pool job queued or running, a pool worker thread that outlived its pool, a Deferred dropped holding an
/// unhandled failure during the test (not flushed with flushUnhandledErrors()), or a Deferred made during the test
/// alive and unfired (not marked with expectPending()). Make it first in a test function (or use
/// QTWISTED_TEST_MAIN, which guards every test function). Used outside a test function it throws
/// std::logic_error.
class TestGuard {
public:
    explicit TestGuard(GuardOptions options = {}, const char* file = __builtin_FILE(), int line = __builtin_LINE());
    ~TestGuard();
    TestGuard(const TestGuard&) = delete;
    TestGuard& operator=(const TestGuard&) = delete;
    TestGuard(TestGuard&&) = delete;
    TestGuard& operator=(TestGuard&&) = delete;

    /// Checks now (once): true when nothing was left; otherwise the test has failed with the list.
    bool check();
    /// What would be reported now, one line each (empty: clean).
    QStringList leftovers() const;
    /// The guard of the running test, or null.
    static TestGuard* current() noexcept;
    /// True once the running test function's timeout has expired.
    static bool timedOut() noexcept;

private:
    std::shared_ptr<TestGuardState> m_d;
};

/// Marks a Deferred as intentionally left pending: the guard does not report it unfired.
template <class T>
void expectPending(const Deferred<T>& d)
{
    detail::markOptedOut(qtwisted::detail::DeferredAccess::core(d));
}

/// Forgets the unhandled failures of type E (or derived) the running guard recorded (trial's flushLoggedErrors);
/// returns how many.
template <class E = std::exception>
int flushUnhandledErrors()
{
    return detail::flushUnhandled(&detail::failureIs<E>);
}

/// A QtTest class whose every test function runs under a TestGuard: derive from it instead of QObject (its private
/// slots init() and cleanup() start and check the guard; put your own per-test set-up and tear-down in initTest()
/// and cleanupTest(), or call GuardedTestCase::init()/cleanup() from yours). QTWISTED_TEST_MAIN runs one.
class GuardedTestCase : public QObject {
    Q_OBJECT
public:
    explicit GuardedTestCase(GuardOptions options = {}, QObject* parent = nullptr);
    ~GuardedTestCase() override;
    GuardedTestCase(const GuardedTestCase&) = delete;
    GuardedTestCase& operator=(const GuardedTestCase&) = delete;
    GuardedTestCase(GuardedTestCase&&) = delete;
    GuardedTestCase& operator=(GuardedTestCase&&) = delete;

    void setGuardOptions(GuardOptions options) { m_options = options; }
    GuardOptions guardOptions() const { return m_options; }

protected:
    virtual void initTest() { }
    virtual void cleanupTest() { }

protected Q_SLOTS: // QtTest finds them by name in the base class; a derived init()/cleanup() may call them
    void init();
    void cleanup();

private:
    GuardOptions m_options;
    std::unique_ptr<TestGuard> m_guard;
};

} // namespace qtwisted::testing

/// QtTest-style checks: a failure is reported at this line and the test function returns.
#define QTW_VERIFY_NO_RESULT(d)                                                                                        \
    do {                                                                                                               \
        if (!::qtwisted::testing::detail::checkNoResult(                                                               \
                ::qtwisted::detail::DeferredAccess::core(d), __FILE__, __LINE__))                                      \
            return;                                                                                                    \
    } while (false)

#define QTW_VERIFY_SUCCESS(d)                                                                                          \
    do {                                                                                                               \
        const auto& qtw_core_ = ::qtwisted::detail::DeferredAccess::core(d);                                           \
        if (!::qtwisted::testing::detail::checkSuccess(                                                                \
                qtw_core_, typeid(typename std::decay_t<decltype(d)>::ValueType), __FILE__, __LINE__))                 \
            return;                                                                                                    \
    } while (false)

#define QTW_COMPARE_RESULT(d, expected)                                                                                \
    do {                                                                                                               \
        using QtwT_ = typename std::decay_t<decltype(d)>::ValueType;                                                   \
        const auto& qtw_core_ = ::qtwisted::detail::DeferredAccess::core(d);                                           \
        if (!::qtwisted::testing::detail::checkSuccess(qtw_core_, typeid(QtwT_), __FILE__, __LINE__))                  \
            return;                                                                                                    \
        QCOMPARE(::qtwisted::testing::detail::takeValue<QtwT_>(qtw_core_), expected);                                  \
    } while (false)

#define QTW_VERIFY_FAILURE(d, E)                                                                                       \
    do {                                                                                                               \
        const auto& qtw_core_ = ::qtwisted::detail::DeferredAccess::core(d);                                           \
        if (!::qtwisted::testing::detail::checkFailure(                                                                \
                qtw_core_, &::qtwisted::testing::detail::failureIs<E>, typeid(E), __FILE__, __LINE__))                 \
            return;                                                                                                    \
        qtw_core_->result.failureHandled = true;                                                                       \
    } while (false)

/// Waits (QTRY-style, on the real reactor) for a DeferredSpy to fire, failing at this line after `ms`.
#define QTW_WAIT_FIRED(spy, ms)                                                                                        \
    do {                                                                                                               \
        if (!(spy).wait(std::chrono::milliseconds(ms))) {                                                              \
            QFAIL("the Deferred did not fire within " #ms " ms");                                                      \
        }                                                                                                              \
    } while (false)

/// main() for a QtTest class with every test function guarded (TestGuard), optionally with a per-function timeout
/// in milliseconds: QTWISTED_TEST_MAIN(TestClass) or QTWISTED_TEST_MAIN_TIMEOUT(TestClass, 5000). A
/// QCoreApplication, as QTEST_GUILESS_MAIN.
#define QTWISTED_TEST_MAIN_TIMEOUT(TestObject, timeoutMs)                                                              \
    int main(int argc, char** argv)                                                                                    \
    {                                                                                                                  \
        QCoreApplication app(argc, argv);                                                                              \
        app.setAttribute(Qt::AA_Use96Dpi, true);                                                                       \
        static_assert(std::is_base_of_v<::qtwisted::testing::GuardedTestCase, TestObject>,                             \
            "QTWISTED_TEST_MAIN: the test class must derive from qtwisted::testing::GuardedTestCase");                 \
        TestObject tc;                                                                                                 \
        QTEST_SET_MAIN_SOURCE_PATH                                                                                     \
        if ((timeoutMs) > 0) {                                                                                         \
            ::qtwisted::testing::GuardOptions options = tc.guardOptions();                                             \
            options.timeout = std::chrono::milliseconds(timeoutMs);                                                    \
            tc.setGuardOptions(options);                                                                               \
        }                                                                                                              \
        return QTest::qExec(&tc, argc, argv);                                                                          \
    }

#define QTWISTED_TEST_MAIN(TestObject) QTWISTED_TEST_MAIN_TIMEOUT(TestObject, 0)
