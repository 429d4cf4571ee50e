// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "diagnostics_p.h"

#include <qtwisted/detail/testaccess.h>
#include <qtwisted/testing.h>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cxxabi.h>
#include <mutex>
#include <set>
#include <thread>

namespace qtwisted::testing {

using qtwisted::detail::ChainCore;
using qtwisted::detail::CorePtr;
using qtwisted::detail::TestAccess;

namespace detail {

namespace {

QString site(const char* file, unsigned line)
{
    if (!file)
        return QStringLiteral("an unknown place");
    return QStringLiteral("%1:%2").arg(QString::fromUtf8(file)).arg(line);
}

QString demangle(const char* name)
{
    int status = 0;
    char* out = abi::__cxa_demangle(name, nullptr, nullptr, &status);
    QString result = status == 0 && out ? QString::fromUtf8(out) : QString::fromUtf8(name);
    std::free(out); // NOLINT(cppcoreguidelines-no-malloc): __cxa_demangle allocates with malloc
    return result;
}

/// The first template argument of `name` ("qtwisted::Reactor::bind<X>(...)::{lambda()#1}" -> "X").
QString firstTemplateArgument(const QString& name)
{
    const qsizetype open = name.indexOf(QLatin1Char('<'));
    if (open < 0)
        return name;
    int depth = 0;
    for (qsizetype i = open + 1; i < name.size(); ++i) {
        const QChar c = name.at(i);
        if (c == QLatin1Char('<') || c == QLatin1Char('(') || c == QLatin1Char('{'))
            ++depth;
        else if ((c == QLatin1Char('>') || c == QLatin1Char(')') || c == QLatin1Char('}')) && depth > 0)
            --depth;
        else if ((c == QLatin1Char('>') || c == QLatin1Char(',')) && depth == 0)
            return name.mid(open + 1, i - open - 1).trimmed();
    }
    return name;
}

} // namespace

QString callableName(const std::type_info* type)
{
    if (!type)
        return QStringLiteral("(empty)");
    QString name = demangle(type->name());
    // The library's own wrappers name the user's callable as their first template argument.
    for (int i = 0; i < 4 && name.startsWith(QLatin1String("qtwisted::")) && name.contains(QLatin1Char('<')); ++i)
        name = firstTemplateArgument(name);
    return name;
}

void recordFailure(const QString& message, const char* file, int line)
{
    if (!QTest::currentTestFunction()) {
        std::fprintf(stderr, "qtwisted::testing: %s (outside a QtTest test function, at %s:%d)\n",
            message.toLocal8Bit().constData(), file ? file : "?", line);
        throw std::logic_error("qtwisted::testing used outside a QtTest test function: " + message.toStdString());
    }
    QTest::qFail(message.toUtf8().constData(), file, line);
}

bool hasResult(const ChainCore& core)
{
    return core.called && core.paused == 0 && !core.running;
}

QString describeState(const ChainCore& core)
{
    if (!core.called)
        return QStringLiteral("no result yet");
    if (core.paused > 0)
        return core.waitingOn.expired() ? QStringLiteral("no result yet (paused)")
                                        : QStringLiteral("no result yet (waiting on another Deferred)");
    if (core.running)
        return QStringLiteral("no result yet (its callbacks are running)");
    if (core.result.failure)
        return QStringLiteral("a failure: %1: %2").arg(core.result.failure->typeName(), core.result.failure->message());
    return QStringLiteral("a value");
}

bool checkOwner(const ChainCore& core, const char* where, const char* file, int line)
{
    if (QThread::currentThread() == core.owner)
        return true;
    recordFailure(QStringLiteral("%1: the Deferred belongs to another thread; read it in its own thread")
                      .arg(QString::fromUtf8(where)),
        file, line);
    return false;
}

bool checkSuccess(const CorePtr& core, const std::type_info& type, const char* file, int line)
{
    if (!checkOwner(*core, "successResultOf", file, line))
        return false;
    if (!hasResult(*core) || core->result.failure) {
        recordFailure(
            QStringLiteral("successResultOf: expected a value, the Deferred holds %1").arg(describeState(*core)), file,
            line);
        return false;
    }
    if (*core->tailType != type) {
        recordFailure(QStringLiteral("successResultOf: a stale handle: the chain holds another type than %1 now")
                          .arg(demangle(type.name())),
            file, line);
        return false;
    }
    return true;
}

bool checkFailure(
    const CorePtr& core, bool (*matches)(const Failure&), const std::type_info& type, const char* file, int line)
{
    if (!checkOwner(*core, "failureResultOf", file, line))
        return false;
    if (!hasResult(*core) || !core->result.failure) {
        recordFailure(QStringLiteral("failureResultOf: expected a failure (%1), the Deferred holds %2")
                          .arg(demangle(type.name()), describeState(*core)),
            file, line);
        return false;
    }
    if (!matches(*core->result.failure)) {
        recordFailure(QStringLiteral("failureResultOf: expected a failure of type %1, the Deferred holds %2")
                          .arg(demangle(type.name()), describeState(*core)),
            file, line);
        return false;
    }
    return true;
}

bool checkNoResult(const CorePtr& core, const char* file, int line)
{
    if (!checkOwner(*core, "assertNoResult", file, line))
        return false;
    if (hasResult(*core)) {
        recordFailure(
            QStringLiteral("assertNoResult: expected no result, the Deferred holds %1").arg(describeState(*core)), file,
            line);
        return false;
    }
    return true;
}

} // namespace detail

// ---- virtual time ---------------------------------------------------------------------------------------------

namespace {

constexpr int kMaxFlushIterations = 100000;

} // namespace

QString PendingCall::toString() const
{
    return QStringLiteral("due in %1 s, scheduled at %2 (%3)").arg(dueIn, 0, 'f', 3).arg(site, callable);
}

VirtualClock::VirtualClock(Reactor& reactor, const char* file, int line)
    : m_reactor(reactor)
{
    if (!reactor.isInReactorThread())
        throw std::logic_error("VirtualClock: make it in the reactor's thread");
    if (TestAccess::manualClock(reactor))
        throw std::logic_error("VirtualClock: this reactor already runs on a virtual clock");
    Q_UNUSED(file);
    Q_UNUSED(line);
    // Continuous with the steady clock, so that calls already scheduled keep their place.
    TestAccess::setManualClock(reactor, true, TestAccess::clockNs(reactor));
    TestAccess::startWithoutLoop(reactor);
}

VirtualClock::~VirtualClock()
{
    TestAccess::setManualClock(m_reactor, false, 0);
}

double VirtualClock::seconds() const
{
    return m_reactor.seconds();
}

void VirtualClock::advance(double seconds, const char* file, int line)
{
    if (std::isnan(seconds) || seconds < 0) {
        detail::recordFailure(
            QStringLiteral("VirtualClock::advance(%1): time only moves forward").arg(seconds), file, line);
        return;
    }
    const auto ns = static_cast<std::int64_t>(std::llround(seconds * 1e9));
    TestAccess::setClockNs(m_reactor, TestAccess::clockNs(m_reactor) + ns);
    flush(file, line);
}

void VirtualClock::pump(std::initializer_list<double> steps, const char* file, int line)
{
    for (double step : steps)
        advance(step, file, line);
}

int VirtualClock::flush(const char* file, int line)
{
    int iterations = 0;
    for (;;) {
        const auto due = TestAccess::nextDueNs(m_reactor);
        const bool timedDue = due && *due <= TestAccess::clockNs(m_reactor);
        if (!timedDue && TestAccess::queuedCalls(m_reactor).empty())
            return iterations;
        if (++iterations > kMaxFlushIterations) {
            detail::recordFailure(
                QStringLiteral("VirtualClock: calls keep scheduling calls due at the same time (%1 iterations "
                               "without the clock moving); pending: %2")
                    .arg(kMaxFlushIterations)
                    .arg(pending().isEmpty() ? QStringLiteral("queued calls") : pending().first().toString()),
                file, line);
            return iterations;
        }
        TestAccess::iterate(m_reactor);
    }
}

int VirtualClock::runUntilIdle(int maxSteps, const char* file, int line)
{
    int steps = 0;
    flush(file, line);
    while (auto due = TestAccess::nextDueNs(m_reactor)) {
        if (++steps > maxSteps) {
            detail::recordFailure(
                QStringLiteral("VirtualClock::runUntilIdle: still scheduled after %1 steps (a call that keeps "
                               "rescheduling itself?); next: %2")
                    .arg(maxSteps)
                    .arg(pending().first().toString()),
                file, line);
            return steps;
        }
        const std::int64_t now = TestAccess::clockNs(m_reactor);
        if (*due > now)
            TestAccess::setClockNs(m_reactor, *due);
        flush(file, line);
    }
    return steps;
}

std::optional<double> VirtualClock::timeToNext() const
{
    const auto due = TestAccess::nextDueNs(m_reactor);
    if (!due)
        return std::nullopt;
    return std::max<double>(0, static_cast<double>(*due - TestAccess::clockNs(m_reactor)) / 1e9);
}

QList<PendingCall> VirtualClock::pending() const
{
    QList<PendingCall> out;
    const std::int64_t now = TestAccess::clockNs(m_reactor);
    for (const auto& call : TestAccess::pendingTimedCalls(m_reactor)) {
        out.append(PendingCall { static_cast<double>(call.dueNs - now) / 1e9, detail::site(call.file, call.line),
            detail::callableName(call.type) });
    }
    return out;
}

// ---- deterministic pools --------------------------------------------------------------------------------------

ManualPool::ManualPool(ThreadPool& pool)
    : m_pool(pool)
    , m_min(pool.minThreads())
    , m_max(pool.maxThreads())
{
    m_pool.adjustPoolsize(0, 0);
}

ManualPool::ManualPool(Reactor& reactor)
    : ManualPool(reactor.getThreadPool())
{
    m_reactor = &reactor;
}

ManualPool::~ManualPool()
{
    try {
        m_pool.adjustPoolsize(m_min, m_max);
    } catch (const std::exception& e) { // a stopped pool
        qWarning("ManualPool: the pool's sizes could not be restored: %s", e.what());
    }
}

void ManualPool::deliver()
{
    if (m_reactor && m_reactor->isInReactorThread() && TestAccess::started(*m_reactor)) {
        for (int i = 0; i < kMaxFlushIterations && !TestAccess::queuedCalls(*m_reactor).empty(); ++i)
            TestAccess::iterate(*m_reactor);
    }
}

void ManualPool::runNext(const char* file, int line)
{
    if (!TestAccess::runOneQueued(m_pool)) {
        detail::recordFailure(
            QStringLiteral("ManualPool::runNext: no job is queued in pool '%1'").arg(m_pool.name()), file, line);
        return;
    }
    deliver();
}

int ManualPool::runAll()
{
    int ran = 0;
    while (TestAccess::runOneQueued(m_pool)) {
        ++ran;
        deliver();
    }
    return ran;
}

int ManualPool::pendingCount() const
{
    return static_cast<int>(TestAccess::queuedJobs(m_pool).size());
}

QStringList ManualPool::pending() const
{
    QStringList out;
    for (const std::type_info* type : TestAccess::queuedJobs(m_pool))
        out.append(detail::callableName(type));
    return out;
}

// ---- the guard ------------------------------------------------------------------------------------------------

namespace {

struct Unhandled {
    Failure failure;
    QString site;
};

struct Made {
    std::weak_ptr<ChainCore> core;
    const ChainCore* raw = nullptr;
    QThread* owner = nullptr;
    QString site;
};

std::set<int> liveThreadIds()
{
    std::set<int> out;
    const QStringList entries = QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString& e : entries)
        out.insert(e.toInt());
    return out;
}

QString threadName(int tid)
{
    QFile f(QStringLiteral("/proc/self/task/%1/comm").arg(tid));
    if (!f.open(QIODevice::ReadOnly))
        return QStringLiteral("?");
    return QString::fromUtf8(f.readAll()).trimmed();
}

} // namespace

class TestGuardState : public qtwisted::detail::DiagnosticsListener,
                       public std::enable_shared_from_this<TestGuardState> {
public:
    void shutdownWithBlockedCallers(const QStringList&) noexcept override { }
    void unhandledError(const ChainCore& core) noexcept override
    {
        try {
            std::lock_guard lock(mutex);
            if (core.result.failure)
                unhandled.push_back(
                    Unhandled { *core.result.failure, detail::site(core.createdFile, core.createdLine) });
        } catch (...) { // NOLINT(bugprone-empty-catch): a destructor's report must not throw
        }
    }

    void noteMade(const CorePtr& core)
    {
        std::lock_guard lock(mutex);
        made.push_back(Made { core, core.get(), core->owner, detail::site(core->createdFile, core->createdLine) });
    }

    QStringList leftovers(bool cleanUp);
    QString pendingDumpFromAnyThread();
    void startWatchdog();
    void stopWatchdog();

    GuardOptions options;
    QByteArray function;
    QThread* testThread = nullptr;
    std::size_t deadWorkersMark = 0;
    std::set<const void*> timedAtStart;

    mutable std::mutex mutex;
    std::vector<Unhandled> unhandled; // guarded by mutex
    std::vector<Made> made; // guarded by mutex
    std::set<const ChainCore*> optedOut; // guarded by mutex

    std::thread watchdog;
    std::mutex watchdogMutex;
    std::condition_variable watchdogWake;
    bool watchdogQuit = false; // guarded by watchdogMutex
    std::atomic<bool> timeoutAnswered { false };
    bool checked = false;
};

namespace {

std::mutex s_currentMutex;
std::shared_ptr<TestGuardState> s_current; // guarded by s_currentMutex
TestGuard* s_currentGuard = nullptr; // test thread
std::atomic<bool> s_timedOut { false };

void deferredMade(const CorePtr& core)
{
    std::shared_ptr<TestGuardState> state;
    {
        std::lock_guard lock(s_currentMutex);
        state = s_current;
    }
    if (state)
        state->noteMade(core);
}

std::vector<Reactor*> reactorsOfThisThread()
{
    std::vector<Reactor*> out;
    for (Reactor* r : TestAccess::liveReactors()) {
        if (TestAccess::thread(*r) == QThread::currentThread())
            out.push_back(r);
    }
    return out;
}

} // namespace

QStringList TestGuardState::leftovers(bool cleanUp)
{
    QStringList out;
    {
        std::lock_guard lock(mutex);
        for (const Unhandled& u : unhandled) {
            out.append(QStringLiteral("a Deferred made at %1 was dropped holding an unhandled failure: %2: %3")
                           .arg(u.site, u.failure.typeName(), u.failure.message()));
        }
        if (cleanUp)
            unhandled.clear();
    }
    if (options.checkUnfiredDeferreds) {
        std::vector<Made> mine;
        {
            std::lock_guard lock(mutex);
            for (const Made& m : made) {
                if (m.owner == QThread::currentThread() && !optedOut.contains(m.raw))
                    mine.push_back(m);
            }
        }
        for (const Made& m : mine) {
            if (auto core = m.core.lock(); core && !core->called)
                out.append(QStringLiteral("a Deferred made at %1 never fired (expectPending() if it is meant to stay "
                                          "pending)")
                               .arg(m.site));
        }
    }
    for (Reactor* r : reactorsOfThisThread()) {
        const std::int64_t now = TestAccess::clockNs(*r);
        for (const auto& call : TestAccess::pendingTimedCalls(*r)) {
            if (timedAtStart.contains(call.id))
                continue;
            out.append(QStringLiteral("a delayed call scheduled at %1 (%2) is still pending, due in %3 s")
                           .arg(detail::site(call.file, call.line), detail::callableName(call.type))
                           .arg(static_cast<double>(call.dueNs - now) / 1e9, 0, 'f', 3));
            if (cleanUp)
                TestAccess::cancelTimedCall(*r, call.id);
        }
    }
    for (Reactor* r : TestAccess::liveReactors()) {
        if (TestAccess::thread(*r) != QThread::currentThread())
            continue;
        for (const std::type_info* type : TestAccess::queuedCalls(*r))
            out.append(QStringLiteral("a call (%1) is still queued for the reactor thread (callFromThread, or the "
                                      "result of a pool job)")
                           .arg(detail::callableName(type)));
    }
    for (const auto& pool : TestAccess::livePools()) {
        auto state = pool.state.lock();
        if (!state)
            continue;
        for (const std::type_info* type : TestAccess::queuedJobs(*state))
            out.append(
                QStringLiteral("a job (%1) is still queued in pool '%2'").arg(detail::callableName(type), pool.name));
        if (const int running = TestAccess::runningJobs(*state); running > 0)
            out.append(QStringLiteral("%1 job(s) still running in pool '%2'").arg(running).arg(pool.name));
    }
    const auto dead = TestAccess::workerThreadsOfDeadPools();
    const std::set<int> alive = liveThreadIds();
    for (std::size_t i = deadWorkersMark; i < dead.size(); ++i) {
        if (alive.contains(dead[i].first))
            out.append(QStringLiteral("thread %1 (tid %2), a worker of pool '%3', outlived its pool")
                           .arg(threadName(dead[i].first))
                           .arg(dead[i].first)
                           .arg(dead[i].second));
    }
    if (cleanUp)
        deadWorkersMark = dead.size();
    return out;
}

/// What the watchdog can read without the test thread: the queues of reactors and pools (locked), not the timed
/// calls or the Deferreds (their threads own them).
QString TestGuardState::pendingDumpFromAnyThread()
{
    QStringList out;
    for (Reactor* r : TestAccess::liveReactors()) {
        for (const std::type_info* type : TestAccess::queuedCalls(*r))
            out.append(QStringLiteral("a call (%1) queued for the reactor thread").arg(detail::callableName(type)));
    }
    for (const auto& pool : TestAccess::livePools()) {
        if (auto state = pool.state.lock()) {
            for (const std::type_info* type : TestAccess::queuedJobs(*state))
                out.append(QStringLiteral("a job (%1) queued in pool '%2'").arg(detail::callableName(type), pool.name));
            if (const int running = TestAccess::runningJobs(*state); running > 0)
                out.append(QStringLiteral("%1 job(s) running in pool '%2'").arg(running).arg(pool.name));
        }
    }
    if (out.isEmpty())
        return QStringLiteral("  (no queued call or pool job)");
    return QStringLiteral("  - ") + out.join(QStringLiteral("\n  - "));
}

void TestGuardState::startWatchdog()
{
    if (options.timeout.count() <= 0)
        return;
    std::weak_ptr<TestGuardState> weak = shared_from_this();
    watchdog = std::thread([this, weak] {
        std::unique_lock lock(watchdogMutex);
        if (watchdogWake.wait_for(lock, options.timeout, [this] { return watchdogQuit; }))
            return;
        // Ask the test thread to fail the test with the dump (it answers while it spins an event loop).
        s_timedOut.store(true);
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [weak] {
                auto self = weak.lock();
                if (!self)
                    return;
                self->timeoutAnswered.store(true);
                if (self->checked)
                    return;
                QStringList left = self->leftovers(false);
                if (left.isEmpty())
                    left.append(QStringLiteral("(nothing pending: the test function itself is slow)"));
                try {
                    detail::recordFailure(QStringLiteral("%1() timed out after %2 ms; pending:\n  - %3")
                                              .arg(QString::fromUtf8(self->function))
                                              .arg(self->options.timeout.count())
                                              .arg(left.join(QStringLiteral("\n  - "))),
                        __FILE__, __LINE__);
                } catch (const std::exception& e) { // between two test functions
                    std::fprintf(stderr, "qtwisted::testing: %s\n", e.what());
                }
                if (detail::g_waitLoop)
                    detail::g_waitLoop->quit();
            },
            Qt::QueuedConnection);
        if (watchdogWake.wait_for(
                lock, std::chrono::seconds(2), [this] { return watchdogQuit || timeoutAnswered.load(); }))
            return;
        // The test thread is blocked: say what is pending and end the process (QtTest's watchdog would, later).
        const QString dump = pendingDumpFromAnyThread();
        std::fprintf(stderr,
            "FAIL!  : %s() timed out after %lld ms and its thread does not return to the event loop; pending:\n%s\n",
            function.constData(), static_cast<long long>(options.timeout.count()), dump.toLocal8Bit().constData());
        std::fflush(stderr);
        std::_Exit(3);
    });
}

void TestGuardState::stopWatchdog()
{
    if (!watchdog.joinable())
        return;
    {
        std::lock_guard lock(watchdogMutex);
        watchdogQuit = true;
    }
    watchdogWake.notify_all();
    watchdog.join();
}

TestGuard::TestGuard(GuardOptions options, const char* file, int line)
{
    if (!QTest::currentTestFunction()) {
        std::fprintf(stderr, "qtwisted::testing::TestGuard made outside a QtTest test function (at %s:%d)\n",
            file ? file : "?", line);
        throw std::logic_error("qtwisted::testing::TestGuard must be made inside a QtTest test function");
    }
    if (s_currentGuard)
        throw std::logic_error("qtwisted::testing::TestGuard: a guard already watches this test function");
    m_d = std::make_shared<TestGuardState>();
    m_d->options = options;
    m_d->function = QByteArray(QTest::currentTestFunction());
    m_d->testThread = QThread::currentThread();
    m_d->deadWorkersMark = TestAccess::workerThreadsOfDeadPools().size();
    for (Reactor* r : reactorsOfThisThread()) {
        for (const auto& call : TestAccess::pendingTimedCalls(*r))
            m_d->timedAtStart.insert(call.id);
    }
    {
        std::lock_guard lock(s_currentMutex);
        s_current = m_d;
    }
    s_currentGuard = this;
    s_timedOut.store(false);
    qtwisted::detail::addUnhandledErrorListener(m_d);
    qtwisted::detail::g_deferredMadeHook.store(&deferredMade);
    m_d->startWatchdog();
}

TestGuard::~TestGuard()
{
    try {
        check();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "qtwisted::testing::TestGuard: %s\n", e.what());
    }
    m_d->stopWatchdog();
    qtwisted::detail::g_deferredMadeHook.store(nullptr);
    qtwisted::detail::removeUnhandledErrorListener(m_d.get());
    {
        std::lock_guard lock(s_currentMutex);
        s_current.reset();
    }
    s_currentGuard = nullptr;
    s_timedOut.store(false);
}

bool TestGuard::check()
{
    if (m_d->checked)
        return true;
    m_d->checked = true;
    const QStringList left = m_d->leftovers(true);
    if (left.isEmpty())
        return true;
    detail::recordFailure(QStringLiteral("%1() left %2 thing(s) behind:\n  - %3")
                              .arg(QString::fromUtf8(m_d->function))
                              .arg(left.size())
                              .arg(left.join(QStringLiteral("\n  - "))),
        __FILE__, __LINE__);
    return false;
}

QStringList TestGuard::leftovers() const
{
    return m_d->leftovers(false);
}

TestGuard* TestGuard::current() noexcept
{
    return s_currentGuard;
}

bool TestGuard::timedOut() noexcept
{
    return s_timedOut.load();
}

bool detail::timedOut() noexcept
{
    return s_timedOut.load();
}

namespace detail {

void markOptedOut(const CorePtr& core)
{
    std::shared_ptr<TestGuardState> state;
    {
        std::lock_guard lock(s_currentMutex);
        state = s_current;
    }
    if (!state)
        return;
    std::lock_guard lock(state->mutex);
    state->optedOut.insert(core.get());
}

int flushUnhandled(bool (*matches)(const Failure&))
{
    std::shared_ptr<TestGuardState> state;
    {
        std::lock_guard lock(s_currentMutex);
        state = s_current;
    }
    if (!state)
        throw std::logic_error("flushUnhandledErrors(): no TestGuard watches the running test");
    std::lock_guard lock(state->mutex);
    const auto before = state->unhandled.size();
    std::erase_if(state->unhandled, [matches](const Unhandled& u) { return matches(u.failure); });
    return static_cast<int>(before - state->unhandled.size());
}

} // namespace detail

// ---- GuardedTestCase ------------------------------------------------------------------------------------------

GuardedTestCase::GuardedTestCase(GuardOptions options, QObject* parent)
    : QObject(parent)
    , m_options(options)
{
}

GuardedTestCase::~GuardedTestCase() = default;

void GuardedTestCase::init()
{
    m_guard = std::make_unique<TestGuard>(m_options, __FILE__, __LINE__);
    initTest();
}

void GuardedTestCase::cleanup()
{
    cleanupTest();
    m_guard.reset();
}

} // namespace qtwisted::testing
