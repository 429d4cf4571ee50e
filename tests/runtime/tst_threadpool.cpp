// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/errors.h>
#include <qtwisted/failure.h>
#include <qtwisted/outcome.h>
#include <qtwisted/threadpool.h>

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSet>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <functional>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <semaphore>
#include <stdexcept>
#include <thread>
#include <vector>

#ifdef Q_OS_LINUX
#include <pthread.h>
#include <unistd.h>
#endif

using namespace qtwisted;
using namespace std::chrono_literals;

namespace {

constexpr int kWaitMs = 10000; // bound on every wait: generous, never a speed assertion
constexpr auto kHold = 30s; // a held job gives up after this, so a broken pool cannot hang the run

class NewError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A thrown type that is neither a std::exception nor copyable.
struct MoveOnlyError {
    explicit MoveOnlyError(int v)
        : value(std::make_unique<int>(v))
    {
    }
    std::unique_ptr<int> value;
};

/// Holds jobs in place: each pass() takes one ticket.
class Gate {
public:
    void pass() { (void)m_tickets.try_acquire_for(kHold); }
    void release(std::ptrdiff_t n = 1) { m_tickets.release(n); }

private:
    std::counting_semaphore<> m_tickets { 0 };
};

/// Declared after the pool: whatever happens in the test, held jobs are let go before the pool is destroyed.
auto openOnExit(Gate& gate)
{
    return qScopeGuard([&gate] { gate.release(1000); });
}

/// A thread-safe list filled from workers.
template <class T>
class Record {
public:
    void add(T value)
    {
        std::lock_guard lock(m_mutex);
        m_items.push_back(std::move(value));
    }
    std::vector<T> items() const
    {
        std::lock_guard lock(m_mutex);
        return m_items;
    }
    int size() const
    {
        std::lock_guard lock(m_mutex);
        return static_cast<int>(m_items.size());
    }

private:
    mutable std::mutex m_mutex;
    std::vector<T> m_items;
};

// Every thread of the process (kernel's view).
int allThreadCount()
{
    return static_cast<int>(
        QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot).size());
}

// The process's threads without a running pool's one helper thread ("qtwisted-spawn", which starts the workers
// and is joined by stop(); see docs/design.md): what the tests compare with the number of workers.
int threadCount()
{
    int n = 0;
    const QStringList tasks = QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString& task : tasks) {
        QFile comm(QStringLiteral("/proc/self/task/%1/comm").arg(task));
        if (comm.open(QIODevice::ReadOnly) && comm.readAll().trimmed() == "qtwisted-spawn")
            continue;
        ++n;
    }
    return n;
}

/// The process's threads (kernel ids) whose name is `comm`, or all of them when `comm` is empty.
QSet<int> threadIds(const QByteArray& comm = {})
{
    QSet<int> ids;
    const QStringList tasks = QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString& task : tasks) {
        QFile file(QStringLiteral("/proc/self/task/%1/comm").arg(task));
        if (comm.isEmpty() || (file.open(QIODevice::ReadOnly) && file.readAll().trimmed() == comm))
            ids.insert(task.toInt());
    }
    return ids;
}

int currentThreadId()
{
    return static_cast<int>(::gettid());
}

QString currentThreadName()
{
    return QThread::currentThread()->objectName();
}

bool isDone(const std::latch& latch)
{
    return latch.try_wait();
}

/// Records every message (any thread) and passes it on to QTest's handler, so ignoreMessage() still works.
class LogRecorder {
public:
    struct Entry {
        QtMsgType type;
        QByteArray category;
        QString message;
    };

    LogRecorder()
    {
        std::lock_guard lock(s_mutex);
        s_entries.clear();
        s_active = true;
        s_previous = qInstallMessageHandler(&LogRecorder::handle);
    }
    ~LogRecorder()
    {
        qInstallMessageHandler(s_previous);
        std::lock_guard lock(s_mutex);
        s_active = false;
    }
    LogRecorder(const LogRecorder&) = delete;
    LogRecorder& operator=(const LogRecorder&) = delete;

    /// Messages at warning level or above in `category`.
    static std::vector<Entry> warnings(const char* category)
    {
        std::lock_guard lock(s_mutex);
        std::vector<Entry> out;
        for (const Entry& e : s_entries) {
            const bool warningOrAbove = e.type == QtWarningMsg || e.type == QtCriticalMsg || e.type == QtFatalMsg;
            if (warningOrAbove && e.category == category)
                out.push_back(e);
        }
        return out;
    }

private:
    static void handle(QtMsgType type, const QMessageLogContext& context, const QString& message)
    {
        QtMessageHandler previous = nullptr;
        {
            std::lock_guard lock(s_mutex);
            if (s_active)
                s_entries.push_back({ type, QByteArray(context.category ? context.category : ""), message });
            previous = s_previous;
        }
        if (previous)
            previous(type, context, message);
    }

    static inline std::mutex s_mutex;
    static inline std::vector<Entry> s_entries;
    static inline QtMessageHandler s_previous = nullptr;
    static inline bool s_active = false;
};

constexpr const char* kCategory = "qtwisted.threadpool";

/// A regular expression matching a message that contains every one of `parts`, in any order.
QRegularExpression containsAll(const QStringList& parts)
{
    QString pattern = QStringLiteral("^");
    for (const QString& p : parts)
        pattern += QStringLiteral("(?=.*%1)").arg(QRegularExpression::escape(p));
    return QRegularExpression(pattern, QRegularExpression::DotMatchesEverythingOption);
}

enum class ThrowKind { StdException, Int, MoveOnly };

[[noreturn]] void throwKind(ThrowKind kind)
{
    switch (kind) {
    case ThrowKind::StdException:
        throw NewError("new error happened");
    case ThrowKind::Int:
        throw 42;
    case ThrowKind::MoveOnly:
        throw MoveOnlyError(7);
    }
    throw std::logic_error("unreachable");
}

bool checkKind(const Failure& f, ThrowKind kind)
{
    switch (kind) {
    case ThrowKind::StdException:
        return f.check<NewError>() && f.message() == QStringLiteral("new error happened");
    case ThrowKind::Int:
        return f.check<int>();
    case ThrowKind::MoveOnly:
        return f.check<MoveOnlyError>();
    }
    return false;
}

/// The accounting identity of the reliability promises (docs/design.md) once nothing runs or waits: every submission
/// ended in one state.
bool accountsBalance(const PoolStats& s)
{
    return s.backlog == 0 && s.busy == 0 && s.submitted == s.completed + s.failed + s.cancelled + s.refused;
}

/// Runs stop() in another thread, so that a stop() that never returns fails the test instead of hanging the run.
class AsyncStop {
public:
    /// `before` runs in the same thread right before stop(), so nothing comes between the two.
    explicit AsyncStop(std::shared_ptr<ThreadPool> pool, std::function<void(ThreadPool&)> before = {})
    {
        m_thread = std::thread([pool = std::move(pool), before = std::move(before), done = m_done] {
            if (before)
                before(*pool);
            pool->stop();
            *done = true;
        });
    }
    ~AsyncStop()
    {
        if (m_done->load())
            m_thread.join();
        else
            m_thread.detach(); // the test already failed; the thread keeps the pool alive
    }
    AsyncStop(const AsyncStop&) = delete;
    AsyncStop& operator=(const AsyncStop&) = delete;

    bool done() const { return m_done->load(); }

private:
    std::shared_ptr<std::atomic<bool>> m_done = std::make_shared<std::atomic<bool>>(false);
    std::thread m_thread;
};

} // namespace

Q_DECLARE_METATYPE(ThrowKind)

class TestThreadPool : public QObject {
    Q_OBJECT
    int m_processThreads = 0;

private Q_SLOTS:
    void initTestCase() { m_processThreads = threadCount(); }

    // Every test leaves no pool behind: the process is back to its own threads before the next one measures.
    void init() { QTRY_COMPARE_WITH_TIMEOUT(threadCount(), m_processThreads, kWaitMs); }

    // ---------------------------------------------------------------- attributes and construction

    // test_threadpool.py: ThreadPoolTests.test_attributes
    void attributes()
    {
        ThreadPool pool(12, 22, QStringLiteral("attrs"));
        QCOMPARE(pool.minThreads(), 12);
        QCOMPARE(pool.maxThreads(), 22);
        QCOMPARE(pool.name(), QStringLiteral("attrs"));
        QVERIFY(!pool.isStarted());
        QVERIFY(!pool.isJoined());
        QVERIFY(pool.qThreadPool() != nullptr);
    }

    void defaultsAreTwisted()
    {
        ThreadPool pool;
        QCOMPARE(pool.minThreads(), 5);
        QCOMPARE(pool.maxThreads(), 20);
        QVERIFY(pool.name().isEmpty());
    }

    void constructorRejectsInvalidSizes_data()
    {
        QTest::addColumn<int>("minThreads");
        QTest::addColumn<int>("maxThreads");
        QTest::newRow("min -1") << -1 << 5;
        QTest::newRow("max -1") << 0 << -1;
        QTest::newRow("both -1") << -1 << -1;
        QTest::newRow("min > max") << 6 << 5;
        QTest::newRow("min INT_MAX > max") << INT_MAX << 20;
        QTest::newRow("min INT_MIN") << INT_MIN << 0;
    }
    void constructorRejectsInvalidSizes()
    {
        QFETCH(int, minThreads);
        QFETCH(int, maxThreads);
        const int before = threadCount();
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ThreadPool(minThreads, maxThreads));
        QCOMPARE(threadCount(), before);
    }

    void constructorAcceptsEdgeSizes_data()
    {
        QTest::addColumn<int>("minThreads");
        QTest::addColumn<int>("maxThreads");
        QTest::newRow("0 0") << 0 << 0;
        QTest::newRow("3 3") << 3 << 3;
        QTest::newRow("0 INT_MAX") << 0 << INT_MAX;
    }
    void constructorAcceptsEdgeSizes()
    {
        QFETCH(int, minThreads);
        QFETCH(int, maxThreads);
        ThreadPool pool(minThreads, maxThreads);
        QCOMPARE(pool.minThreads(), minThreads);
        QCOMPARE(pool.maxThreads(), maxThreads);
    }

    // ---------------------------------------------------------------- start

    // test_threadpool.py: ThreadPoolTests.test_start
    void startCreatesMinimumIdleWorkers()
    {
        const int baseline = threadCount();
        {
            ThreadPool pool(0, 5, QStringLiteral("start0"));
            pool.start();
            QVERIFY(pool.isStarted());
            QCOMPARE(pool.stats().workers, 0);
            QCOMPARE(threadCount(), baseline);
            pool.stop();
        }
        ThreadPool pool(3, 10, QStringLiteral("start3"));
        QCOMPARE(pool.stats().workers, 0);
        QCOMPARE(threadCount(), baseline);
        pool.start();
        const PoolStats s = pool.stats();
        QCOMPARE(s.workers, 3);
        QCOMPARE(s.idle, 3);
        QCOMPARE(s.busy, 0);
        QCOMPARE(s.backlog, 0);
        QTRY_COMPARE_WITH_TIMEOUT(threadCount(), baseline + 3, kWaitMs);
        pool.stop();
        QTRY_COMPARE_WITH_TIMEOUT(threadCount(), baseline, kWaitMs);
    }

    void startTwiceIsHarmless()
    {
        ThreadPool pool(2, 4);
        pool.start();
        pool.start();
        QVERIFY(pool.isStarted());
        QCOMPARE(pool.stats().workers, 2);
    }

    void noThreadBeforeStart()
    {
        const int baseline = threadCount();
        std::atomic<int> ran { 0 };
        ThreadPool pool(5, 10);
        for (int i = 0; i < 3; ++i)
            pool.callInThread([&ran] { ++ran; });
        const PoolStats s = pool.stats();
        QCOMPARE(s.workers, 0);
        QCOMPARE(s.backlog, 3);
        QCOMPARE(ran.load(), 0);
        QCOMPARE(threadCount(), baseline);
        pool.start();
        QTRY_COMPARE_WITH_TIMEOUT(ran.load(), 3, kWaitMs);
    }

    // The minimum workers start() made are idle: the first jobs go to them, no extra worker is made.
    void minimumWorkersTakeTheFirstJobs()
    {
        Gate gate;
        ThreadPool pool(3, 10, QStringLiteral("minfirst"));
        const auto opener = openOnExit(gate);
        pool.start();
        QCOMPARE(pool.stats().idle, 3);
        Record<QString> names;
        for (int i = 0; i < 3; ++i)
            pool.callInThread([&] {
                names.add(currentThreadName());
                gate.pass();
            });
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().busy, 3, kWaitMs);
        QCOMPARE(pool.stats().workers, 3);
        QCOMPARE(names.size(), 3);
        const auto seen = names.items();
        const QSet<QString> unique(seen.begin(), seen.end());
        const QSet<QString> expected { QStringLiteral("PoolThread-minfirst-0"), QStringLiteral("PoolThread-minfirst-1"),
            QStringLiteral("PoolThread-minfirst-2") };
        QCOMPARE(unique, expected);
    }

    // test_threadpool.py: ThreadPoolTests.test_existingWork
    void existingWorkRunsAfterStartInOrder()
    {
        ThreadPool pool(0, 1);
        Record<int> order;
        std::latch done(10);
        for (int i = 0; i < 10; ++i)
            pool.callInThread([&order, &done, i] {
                order.add(i);
                done.count_down();
            });
        QCOMPARE(order.size(), 0);
        pool.start();
        QTRY_VERIFY_WITH_TIMEOUT(isDone(done), kWaitMs);
        QCOMPARE(order.items(), (std::vector<int> { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }));
    }

    // test_threadpool.py: MemoryBackedTests.test_workBeforeStarting
    void workBeforeStarting()
    {
        Gate gate;
        ThreadPool pool(0, 10);
        const auto opener = openOnExit(gate);
        constexpr int n = 5;
        std::atomic<int> running { 0 };
        for (int i = 0; i < n; ++i)
            pool.callInThread([&] {
                ++running;
                gate.pass();
            });
        QCOMPARE(pool.stats().workers, 0);
        QCOMPARE(pool.stats().backlog, n);
        pool.start();
        QCOMPARE(pool.stats().workers, n);
        QTRY_COMPARE_WITH_TIMEOUT(running.load(), n, kWaitMs);
        QCOMPARE(pool.stats().busy, n);
        QCOMPARE(pool.stats().workers, n);
        QCOMPARE(pool.stats().backlog, 0);
        gate.release(n);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().completed, quint64 { n }, kWaitMs);
    }

    // test_threadpool.py: MemoryBackedTests.test_tooMuchWorkBeforeStarting
    void tooMuchWorkBeforeStarting()
    {
        Gate gate;
        ThreadPool pool(0, 10);
        const auto opener = openOnExit(gate);
        constexpr int n = 50;
        std::atomic<int> running { 0 };
        std::atomic<int> peak { 0 };
        for (int i = 0; i < n; ++i)
            pool.callInThread([&] {
                const int now = ++running;
                int seen = peak.load();
                while (now > seen && !peak.compare_exchange_weak(seen, now)) { }
                gate.pass();
                --running;
            });
        QCOMPARE(pool.stats().workers, 0);
        pool.start();
        QCOMPARE(pool.stats().workers, pool.maxThreads());
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().busy, 10, kWaitMs);
        QCOMPARE(pool.stats().backlog, n - 10);
        QCOMPARE(peak.load(), 10);
        gate.release(n);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().completed, quint64 { n }, kWaitMs);
        QCOMPARE(peak.load(), 10);
        QCOMPARE(pool.stats().workers, 10);
    }

    // ---------------------------------------------------------------- adjustPoolsize

    void adjustBeforeStartOnlyRecords()
    {
        const int baseline = threadCount();
        ThreadPool pool(0, 5);
        pool.adjustPoolsize(3, 6);
        QCOMPARE(pool.minThreads(), 3);
        QCOMPARE(pool.maxThreads(), 6);
        QCOMPARE(pool.stats().workers, 0);
        QCOMPARE(threadCount(), baseline);
        pool.start();
        QCOMPARE(pool.stats().workers, 3);
        QTRY_COMPARE_WITH_TIMEOUT(threadCount(), baseline + 3, kWaitMs);
    }

    // test_threadpool.py: ThreadPoolTests.test_adjustingWhenPoolStopped
    void adjustingWhenPoolStopped()
    {
        const int baseline = threadCount();
        ThreadPool pool(0, 5);
        pool.start();
        pool.stop();
        pool.adjustPoolsize(2);
        QCOMPARE(pool.minThreads(), 2);
        QCOMPARE(pool.maxThreads(), 5);
        QCOMPARE(pool.stats().workers, 0);
        QCOMPARE(threadCount(), baseline);
        QVERIFY(!pool.isStarted());
    }

    void adjustRejectsInvalidSizes_data()
    {
        QTest::addColumn<std::optional<int>>("minThreads");
        QTest::addColumn<std::optional<int>>("maxThreads");
        QTest::newRow("min -1") << std::optional<int>(-1) << std::optional<int>();
        QTest::newRow("max -1") << std::optional<int>() << std::optional<int>(-1);
        QTest::newRow("min > max") << std::optional<int>(6) << std::optional<int>(5);
        QTest::newRow("min INT_MAX > current max") << std::optional<int>(INT_MAX) << std::optional<int>();
        QTest::newRow("max below current min") << std::optional<int>() << std::optional<int>(1);
        QTest::newRow("min INT_MIN") << std::optional<int>(INT_MIN) << std::optional<int>(4);
    }
    void adjustRejectsInvalidSizes()
    {
        QFETCH(std::optional<int>, minThreads);
        QFETCH(std::optional<int>, maxThreads);
        ThreadPool pool(2, 4);
        // before start
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, pool.adjustPoolsize(minThreads, maxThreads));
        QCOMPARE(pool.minThreads(), 2);
        QCOMPARE(pool.maxThreads(), 4);
        // running
        pool.start();
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, pool.adjustPoolsize(minThreads, maxThreads));
        QCOMPARE(pool.minThreads(), 2);
        QCOMPARE(pool.maxThreads(), 4);
        QCOMPARE(pool.stats().workers, 2);
        // still works
        std::atomic<bool> ran { false };
        pool.callInThread([&ran] { ran = true; });
        QTRY_VERIFY_WITH_TIMEOUT(ran.load(), kWaitMs);
    }

    void hugeMaximumIsUsable()
    {
        Gate gate;
        ThreadPool pool(0, INT_MAX);
        const auto opener = openOnExit(gate);
        pool.start();
        for (int i = 0; i < 3; ++i)
            pool.callInThread([&gate] { gate.pass(); });
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().busy, 3, kWaitMs);
        QCOMPARE(pool.stats().workers, 3);
        gate.release(3);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().completed, quint64 { 3 }, kWaitMs);
    }

    // Divergence: Twisted starts queued work only at the next submission; we dispatch the backlog at once.
    void raisingMaxDispatchesBacklogAtOnce()
    {
        Gate first;
        Gate second;
        ThreadPool pool(0, 1);
        const auto openFirst = openOnExit(first);
        const auto openSecond = openOnExit(second);
        pool.start();
        std::atomic<bool> firstRunning { false };
        std::atomic<bool> secondRunning { false };
        pool.callInThread([&] {
            firstRunning = true;
            first.pass();
        });
        pool.callInThread([&] {
            secondRunning = true;
            second.pass();
        });
        QTRY_VERIFY_WITH_TIMEOUT(firstRunning.load(), kWaitMs);
        QCOMPARE(pool.stats().backlog, 1);
        QVERIFY(!secondRunning.load());
        pool.adjustPoolsize({}, 2); // no new submission follows
        QTRY_VERIFY_WITH_TIMEOUT(secondRunning.load(), kWaitMs);
        const PoolStats s = pool.stats();
        QCOMPARE(s.busy, 2);
        QCOMPARE(s.backlog, 0);
        QCOMPARE(s.completed, quint64 { 0 }); // the first job still runs: the second did not wait for it
        first.release();
        second.release();
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().completed, quint64 { 2 }, kWaitMs);
    }

    // Divergence: raising the minimum makes its workers and dispatches waiting work at once, too.
    void raisingMinStartsWorkersAtOnce()
    {
        const int baseline = threadCount();
        ThreadPool pool(0, 5);
        pool.start();
        pool.adjustPoolsize(3);
        QCOMPARE(pool.stats().workers, 3);
        QTRY_COMPARE_WITH_TIMEOUT(threadCount(), baseline + 3, kWaitMs);
    }

    void shrinkingRetiresIdleWorkersAtOnce()
    {
        const int baseline = threadCount();
        ThreadPool pool(4, 4);
        pool.start();
        QTRY_COMPARE_WITH_TIMEOUT(threadCount(), baseline + 4, kWaitMs);
        pool.adjustPoolsize(0, 1);
        QCOMPARE(pool.minThreads(), 0);
        QCOMPARE(pool.maxThreads(), 1);
        // no submission, no stop: the surplus goes by itself
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().workers, 1, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(threadCount(), baseline + 1, kWaitMs);
        pool.adjustPoolsize(0, 0);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().workers, 0, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(threadCount(), baseline, kWaitMs);
    }

    void shrinkingWhileBusyNeverInterrupts()
    {
        Gate gate;
        ThreadPool pool(0, 2, QStringLiteral("shrink"));
        const auto opener = openOnExit(gate);
        pool.start();
        std::atomic<int> running { 0 };
        std::atomic<int> finished { 0 };
        Record<QString> names;
        for (int i = 0; i < 2; ++i)
            pool.callInThread([&] {
                ++running;
                gate.pass();
                ++finished;
            });
        QTRY_COMPARE_WITH_TIMEOUT(running.load(), 2, kWaitMs);
        const int withTwo = threadCount();

        pool.adjustPoolsize(0, 1);
        QCOMPARE(pool.maxThreads(), 1);
        QCOMPARE(pool.stats().busy, 2); // both still run
        QCOMPARE(finished.load(), 0);
        pool.callInThread([&] { names.add(currentThreadName()); });
        QCOMPARE(pool.stats().backlog, 1); // two busy, max 1: the third waits

        gate.release(); // one job ends: its worker retires instead of taking the backlog
        QTRY_COMPARE_WITH_TIMEOUT(finished.load(), 1, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().workers, 1, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(threadCount(), withTwo - 1, kWaitMs);
        QCOMPARE(pool.stats().busy, 1);
        QCOMPARE(pool.stats().backlog, 1);
        QCOMPARE(names.size(), 0);

        gate.release();
        QTRY_COMPARE_WITH_TIMEOUT(names.size(), 1, kWaitMs);
        QCOMPARE(finished.load(), 2);
        const QString survivor = names.items().front();
        QVERIFY2(survivor == QStringLiteral("PoolThread-shrink-0") || survivor == QStringLiteral("PoolThread-shrink-1"),
            qPrintable(survivor));
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().completed, quint64 { 3 }, kWaitMs);
        QCOMPARE(pool.stats().workers, 1);
    }

    void maxZeroPausesDispatch()
    {
        ThreadPool pool(0, 2);
        pool.start();
        pool.adjustPoolsize(0, 0);
        std::atomic<int> ran { 0 };
        for (int i = 0; i < 3; ++i)
            pool.callInThread([&ran] { ++ran; });
        PoolStats s = pool.stats();
        QCOMPARE(s.backlog, 3);
        QCOMPARE(s.workers, 0);
        QCOMPARE(ran.load(), 0);
        pool.adjustPoolsize({}, 2);
        QTRY_COMPARE_WITH_TIMEOUT(ran.load(), 3, kWaitMs);
        s = pool.stats();
        QCOMPARE(s.backlog, 0);
        QCOMPARE(s.completed, quint64 { 3 });
    }

    // ---------------------------------------------------------------- spare threads

    void sparesAreParkedBesideTheWorkers()
    {
        const int baseline = threadCount();
        ThreadPool pool(1, 3, QStringLiteral("spare"));
        pool.setSpareThreads(3);
        QCOMPARE(pool.spareThreads(), 3);
        QCOMPARE(threadCount(), baseline); // not before start()
        QCOMPARE(pool.stats().spare, 0);
        pool.start();
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().spare, 3, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(threadIds("qtwisted-spare").size(), 3, kWaitMs);
        const PoolStats s = pool.stats();
        QCOMPARE(s.workers, 1); // the minimum; spares are not workers
        QCOMPARE(s.idle, 1);
        QTRY_COMPARE_WITH_TIMEOUT(threadCount(), baseline + 1 + 3, kWaitMs); // the minimum worker may still start
        QCOMPARE(pool.dumpStats(), QStringLiteral("queue: 0 waiters: 1 workers: 0 total: 1"));
    }

    void sparesRunNoJobAndRaiseNoLimit()
    {
        ThreadPool pool(0, 2, QStringLiteral("sparecap"));
        pool.setSpareThreads(4);
        pool.start();
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().spare, 4, kWaitMs);
        Gate gate;
        auto open = openOnExit(gate);
        std::atomic<int> running { 0 };
        std::atomic<int> peak { 0 };
        std::atomic<int> done { 0 };
        for (int i = 0; i < 10; ++i) {
            pool.callInThread([&] {
                const int now = ++running;
                int seen = peak.load();
                while (now > seen && !peak.compare_exchange_weak(seen, now)) { }
                gate.pass();
                --running;
                ++done;
            });
        }
        QTRY_COMPARE_WITH_TIMEOUT(running.load(), 2, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().spare, 4, kWaitMs); // the two used are replaced
        const PoolStats s = pool.stats();
        QCOMPARE(s.workers, 2);
        QCOMPARE(s.busy, 2);
        QCOMPARE(s.backlog, 8);
        gate.release(10);
        QTRY_COMPARE_WITH_TIMEOUT(done.load(), 10, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().completed, quint64 { 10 }, kWaitMs); // counted after the job returns
        QCOMPARE(peak.load(), 2);
        QCOMPARE(pool.stats().spare, 4);
    }

    // A resize takes its new workers from the spares: every job of the grown pool runs on a thread that was already
    // there when adjustPoolsize() was called.
    void aResizeTakesItsWorkersFromTheSpares()
    {
        ThreadPool pool(0, 2, QStringLiteral("spareresize"));
        pool.setSpareThreads(6);
        pool.start();
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().spare, 6, kWaitMs);
        Gate gate;
        auto open = openOnExit(gate);
        Record<int> ranOn;
        std::atomic<int> running { 0 };
        for (int i = 0; i < 8; ++i) {
            pool.callInThread([&] {
                ranOn.add(currentThreadId());
                ++running;
                gate.pass();
                --running;
            });
        }
        QTRY_COMPARE_WITH_TIMEOUT(running.load(), 2, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().spare, 6, kWaitMs);
        const QSet<int> before = threadIds();
        pool.adjustPoolsize({}, 8);
        QTRY_COMPARE_WITH_TIMEOUT(running.load(), 8, kWaitMs);
        for (const int tid : ranOn.items())
            QVERIFY2(before.contains(tid),
                qPrintable(QStringLiteral("job ran on thread %1, started by the resize").arg(tid)));
        QCOMPARE(pool.stats().workers, 8);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().spare, 6, kWaitMs); // and new spares are parked for the next one
        gate.release(8);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().completed, quint64 { 8 }, kWaitMs);
    }

    void fewerSparesEndTheRest()
    {
        const int baseline = threadCount();
        ThreadPool pool(0, 4, QStringLiteral("sparefewer"));
        pool.start();
        pool.setSpareThreads(5);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().spare, 5, kWaitMs);
        pool.setSpareThreads(1);
        QCOMPARE(pool.stats().spare, 1);
        QTRY_COMPARE_WITH_TIMEOUT(threadCount(), baseline + 1, kWaitMs);
        pool.setSpareThreads(0);
        QTRY_COMPARE_WITH_TIMEOUT(threadCount(), baseline, kWaitMs);
        QCOMPARE(pool.stats().spare, 0);
        // the pool still works without them
        std::atomic<bool> ran { false };
        pool.callInThread([&ran] { ran = true; });
        QTRY_VERIFY_WITH_TIMEOUT(ran.load(), kWaitMs);
    }

    void stopEndsTheSpares()
    {
        const int baseline = threadCount();
        ThreadPool pool(0, 2, QStringLiteral("sparestop"));
        pool.setSpareThreads(8);
        pool.start();
        pool.stop(); // some may still be starting
        QCOMPARE(threadCount(), baseline); // stop() returns when they are gone
        QCOMPARE(pool.stats().spare, 0);
    }

    void sparesAfterStopStartNothing()
    {
        const int baseline = threadCount();
        ThreadPool pool(0, 2, QStringLiteral("sparelate"));
        pool.start();
        pool.stop();
        pool.setSpareThreads(4);
        QCOMPARE(pool.spareThreads(), 4);
        QCOMPARE(pool.stats().spare, 0);
        QTest::qWait(50);
        QCOMPARE(threadCount(), baseline);
    }

    void negativeSparesAreRefused()
    {
        ThreadPool pool(0, 2);
        pool.setSpareThreads(2);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, pool.setSpareThreads(-1));
        QCOMPARE(pool.spareThreads(), 2);
    }

    // ---------------------------------------------------------------- callInThread

    // test_threadpool.py: ThreadPoolTests.test_callInThread
    void callInThread()
    {
        ThreadPool pool;
        pool.start();
        constexpr int n = 10;
        std::latch done(n);
        std::mutex actor;
        int runs = 0;
        const auto callerThread = std::this_thread::get_id();
        std::atomic<int> onCaller { 0 };
        for (int i = 0; i < n; ++i)
            pool.callInThread([&] {
                if (std::this_thread::get_id() == callerThread)
                    ++onCaller;
                const std::lock_guard lock(actor);
                ++runs;
                done.count_down();
            });
        QTRY_VERIFY_WITH_TIMEOUT(isDone(done), kWaitMs);
        const std::lock_guard lock(actor);
        QCOMPARE(runs, n);
        QCOMPARE(onCaller.load(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().completed, quint64 { n }, kWaitMs);
    }

    void callInThreadForwardsArguments()
    {
        ThreadPool pool(0, 1);
        pool.start();
        std::latch done(1);
        QString got;
        int sum = 0;
        pool.callInThread(
            [&](const QString& text, int a, int b) {
                got = text;
                sum = a + b;
                done.count_down();
            },
            QStringLiteral("hello"), 2, 3);
        QTRY_VERIFY_WITH_TIMEOUT(isDone(done), kWaitMs);
        QCOMPARE(got, QStringLiteral("hello"));
        QCOMPARE(sum, 5);
    }

    void moveOnlyCallablesAndArguments()
    {
        ThreadPool pool(0, 1);
        pool.start();
        std::latch done(1);
        std::atomic<int> got { 0 };
        auto owned = std::make_unique<int>(40);
        pool.callInThread(
            [p = std::move(owned), &got, &done](std::unique_ptr<int> arg) {
                got = *p + *arg;
                done.count_down();
            },
            std::make_unique<int>(2));
        QTRY_VERIFY_WITH_TIMEOUT(isDone(done), kWaitMs);
        QCOMPARE(got.load(), 42);
    }

    // test_threadpool.py: ThreadPoolTests.test_callInThreadException
    void callInThreadExceptionIsLoggedOnce_data()
    {
        QTest::addColumn<ThrowKind>("kind");
        QTest::addColumn<QStringList>("logged");
        QTest::newRow("std::exception") << ThrowKind::StdException
                                        << QStringList { QStringLiteral("NewError"),
                                               QStringLiteral("new error happened") };
        QTest::newRow("int") << ThrowKind::Int << QStringList { QStringLiteral("unknown") };
        QTest::newRow("non-copyable") << ThrowKind::MoveOnly << QStringList { QStringLiteral("MoveOnlyError") };
    }
    void callInThreadExceptionIsLoggedOnce()
    {
        QFETCH(ThrowKind, kind);
        QFETCH(QStringList, logged);
        const LogRecorder recorder;
        QTest::ignoreMessage(QtWarningMsg, containsAll(logged));

        ThreadPool pool(0, 1);
        std::thread::id thrower;
        std::thread::id next;
        std::latch done(1);
        pool.callInThread([&] {
            thrower = std::this_thread::get_id();
            throwKind(kind);
        });
        pool.callInThread([&] {
            next = std::this_thread::get_id();
            done.count_down();
        });
        pool.start();
        QTRY_VERIFY_WITH_TIMEOUT(isDone(done), kWaitMs);
        QCOMPARE(next, thrower); // the worker survived and ran the next job
        pool.stop();

        const auto warnings = LogRecorder::warnings(kCategory);
        QCOMPARE(warnings.size(), std::size_t { 1 });
        QVERIFY2(containsAll(logged).match(warnings.front().message).hasMatch(), qPrintable(warnings.front().message));
        const PoolStats s = pool.stats();
        QCOMPARE(s.failed, quint64 { 1 });
        QCOMPARE(s.completed, quint64 { 1 });
    }

    // ---------------------------------------------------------------- callInThreadWithCallback

    // test_threadpool.py: ThreadPoolTests.test_callInThreadWithCallback
    void callInThreadWithCallback()
    {
        ThreadPool pool(0, 1);
        std::latch done(1);
        std::optional<Outcome<QString>> result;
        pool.callInThreadWithCallback(
            [&](const Outcome<QString>& o) {
                result.emplace(o);
                done.count_down();
            },
            [] { return QStringLiteral("test"); });
        pool.start();
        QTRY_VERIFY_WITH_TIMEOUT(isDone(done), kWaitMs);
        pool.stop();
        QVERIFY(result.has_value());
        QVERIFY(result->ok());
        QCOMPARE(result->value(), QStringLiteral("test"));
        QCOMPARE(pool.stats().completed, quint64 { 1 });
    }

    void callInThreadWithCallbackVoidAndMoveOnlyResults()
    {
        ThreadPool pool(0, 1);
        pool.start();
        std::latch done(2);
        std::atomic<bool> voidOk { false };
        std::atomic<int> value { 0 };
        pool.callInThreadWithCallback(
            [&](const Outcome<void>& o) {
                voidOk = o.ok();
                done.count_down();
            },
            [] {});
        pool.callInThreadWithCallback(
            [&](const Outcome<std::unique_ptr<int>>& o) {
                value = o.ok() ? *o.value() : -1;
                done.count_down();
            },
            [](int v) { return std::make_unique<int>(v); }, 9);
        QTRY_VERIFY_WITH_TIMEOUT(isDone(done), kWaitMs);
        QVERIFY(voidOk.load());
        QCOMPARE(value.load(), 9);
    }

    // test_threadpool.py: ThreadPoolTests.test_callInThreadWithCallbackExceptionInCallback
    void callInThreadWithCallbackExceptionInCallback_data()
    {
        QTest::addColumn<ThrowKind>("kind");
        QTest::newRow("std::exception") << ThrowKind::StdException;
        QTest::newRow("int") << ThrowKind::Int;
        QTest::newRow("non-copyable") << ThrowKind::MoveOnly;
    }
    void callInThreadWithCallbackExceptionInCallback()
    {
        QFETCH(ThrowKind, kind);
        const LogRecorder recorder;
        ThreadPool pool(0, 1);
        std::latch done(1);
        std::optional<Outcome<int>> result;
        pool.callInThreadWithCallback(
            [&](const Outcome<int>& o) {
                result.emplace(o);
                done.count_down();
            },
            [kind]() -> int { throwKind(kind); });
        pool.start();
        QTRY_VERIFY_WITH_TIMEOUT(isDone(done), kWaitMs);
        pool.stop();
        QVERIFY(result.has_value());
        QVERIFY(!result->ok());
        QVERIFY(checkKind(result->failure(), kind));
        QCOMPARE(pool.stats().failed, quint64 { 1 });
        // delivered, not logged
        QCOMPARE(LogRecorder::warnings(kCategory).size(), std::size_t { 0 });
    }

    // test_threadpool.py: ThreadPoolTests.test_callInThreadWithCallbackExceptionInOnResult
    void callInThreadWithCallbackExceptionInOnResult()
    {
        const LogRecorder recorder;
        const QStringList logged { QStringLiteral("NewError"), QStringLiteral("onResult failed") };
        QTest::ignoreMessage(QtWarningMsg, containsAll(logged));
        ThreadPool pool(0, 1);
        std::latch done(1);
        std::atomic<bool> sawOk { false };
        std::thread::id callbackThread;
        std::thread::id nextThread;
        pool.callInThreadWithCallback(
            [&](const Outcome<void>& o) {
                sawOk = o.ok();
                callbackThread = std::this_thread::get_id();
                throw NewError("onResult failed");
            },
            [] {});
        pool.callInThread([&] {
            nextThread = std::this_thread::get_id();
            done.count_down();
        });
        pool.start();
        QTRY_VERIFY_WITH_TIMEOUT(isDone(done), kWaitMs);
        pool.stop();
        QVERIFY(sawOk.load());
        QCOMPARE(nextThread, callbackThread); // the worker survived
        const auto warnings = LogRecorder::warnings(kCategory);
        QCOMPARE(warnings.size(), std::size_t { 1 });
        QVERIFY2(containsAll(logged).match(warnings.front().message).hasMatch(), qPrintable(warnings.front().message));
        const PoolStats s = pool.stats();
        QCOMPARE(s.completed + s.failed, quint64 { 2 });
    }

    // test_threadpool.py: ThreadPoolTests.test_callbackThread
    void callbackThread()
    {
        ThreadPool pool(0, 1);
        std::latch done(1);
        std::thread::id fThread;
        std::thread::id onResultThread;
        QString fName;
        pool.callInThreadWithCallback(
            [&](const Outcome<void>&) {
                onResultThread = std::this_thread::get_id();
                done.count_down();
            },
            [&] {
                fThread = std::this_thread::get_id();
                fName = currentThreadName();
            });
        pool.start();
        QTRY_VERIFY_WITH_TIMEOUT(isDone(done), kWaitMs);
        QCOMPARE(onResultThread, fThread);
        QVERIFY(fThread != std::this_thread::get_id());
        QVERIFY2(fName.startsWith(QStringLiteral("PoolThread-")), qPrintable(fName));
    }

    void callbackThreadOnFailure()
    {
        ThreadPool pool(0, 1);
        std::latch done(1);
        std::thread::id fThread;
        std::thread::id onResultThread;
        pool.callInThreadWithCallback(
            [&](const Outcome<void>&) {
                onResultThread = std::this_thread::get_id();
                done.count_down();
            },
            [&] {
                fThread = std::this_thread::get_id();
                throw NewError("x");
            });
        pool.start();
        QTRY_VERIFY_WITH_TIMEOUT(isDone(done), kWaitMs);
        QCOMPARE(onResultThread, fThread);
    }

    // ---------------------------------------------------------------- captures

    // test_threadpool.py: ThreadPoolTests.test_threadCreationArguments
    void threadCreationArguments()
    {
        ThreadPool pool(0, 1);
        pool.start();
        QCOMPARE(pool.stats().workers, 0);
        auto unique = std::make_shared<int>(1);
        const std::weak_ptr<int> uniqueRef = unique;
        auto captured = std::make_shared<int>(2);
        const std::weak_ptr<int> capturedRef = captured;
        std::atomic<bool> ran { false };
        pool.callInThread(
            [c = std::move(captured), &ran](std::shared_ptr<int> arg) { ran = *c + *arg == 3; }, std::move(unique));
        QVERIFY(unique == nullptr);
        QVERIFY(captured == nullptr);
        // released right after the job, without another job and without stop()
        QTRY_VERIFY_WITH_TIMEOUT(ran.load(), kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(uniqueRef.expired(), kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(capturedRef.expired(), kWaitMs);
        QVERIFY(pool.isStarted());
    }

    void capturesReleasedBeforeNextJobStarts()
    {
        ThreadPool pool(0, 1);
        pool.start();
        auto held = std::make_shared<int>(5);
        const std::weak_ptr<int> ref = held;
        std::latch done(1);
        std::atomic<bool> expiredBeforeNext { false };
        pool.callInThread([h = std::move(held)] { (void)*h; });
        pool.callInThread([&] {
            expiredBeforeNext = ref.expired();
            done.count_down();
        });
        QTRY_VERIFY_WITH_TIMEOUT(isDone(done), kWaitMs);
        QVERIFY(expiredBeforeNext.load());
    }

    void capturesReleasedAfterThrowingJob()
    {
        const LogRecorder recorder;
        QTest::ignoreMessage(QtWarningMsg, containsAll({ QStringLiteral("NewError"), QStringLiteral("thrown") }));
        ThreadPool pool(0, 1);
        pool.start();
        auto held = std::make_shared<int>(5);
        const std::weak_ptr<int> ref = held;
        pool.callInThread([h = std::move(held)] { throw NewError("thrown"); });
        QTRY_VERIFY_WITH_TIMEOUT(ref.expired(), kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().failed, quint64 { 1 }, kWaitMs);
        QVERIFY(pool.isStarted());
    }

    // test_threadpool.py: ThreadPoolTests.test_threadCreationArgumentsCallInThreadWithCallback
    void threadCreationArgumentsCallInThreadWithCallback()
    {
        ThreadPool pool(0, 1);
        pool.start();
        QCOMPARE(pool.stats().workers, 0);
        auto unique = std::make_shared<int>(1);
        const std::weak_ptr<int> uniqueRef = unique;
        auto worker = std::make_shared<int>(2);
        const std::weak_ptr<int> workerRef = worker;
        auto onResultState = std::make_shared<int>(3);
        const std::weak_ptr<int> onResultRef = onResultState;
        std::weak_ptr<int> resultRef;
        std::latch done(1);
        pool.callInThreadWithCallback(
            [s = std::move(onResultState), &resultRef, &done](const Outcome<std::shared_ptr<int>>& o) {
                if (o.ok())
                    resultRef = o.value();
                done.count_down();
            },
            [w = std::move(worker)](std::shared_ptr<int> arg) { return std::make_shared<int>(*w + *arg); },
            std::move(unique));
        QTRY_VERIFY_WITH_TIMEOUT(isDone(done), kWaitMs);
        // the function, its argument, onResult and the result all go when the job ends, not at the next job or stop()
        QTRY_VERIFY_WITH_TIMEOUT(uniqueRef.expired(), kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(workerRef.expired(), kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(onResultRef.expired(), kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(resultRef.expired(), kWaitMs);
        QVERIFY(pool.isStarted());
    }

    // ---------------------------------------------------------------- dispatch

    void atMostMaxJobsRunAtOnce()
    {
        Gate gate;
        ThreadPool pool(0, 3);
        const auto opener = openOnExit(gate);
        pool.start();
        std::atomic<int> running { 0 };
        std::atomic<int> peak { 0 };
        constexpr int n = 9;
        for (int i = 0; i < n; ++i)
            pool.callInThread([&] {
                const int now = ++running;
                int seen = peak.load();
                while (now > seen && !peak.compare_exchange_weak(seen, now)) { }
                gate.pass();
                --running;
            });
        QTRY_COMPARE_WITH_TIMEOUT(running.load(), 3, kWaitMs);
        PoolStats s = pool.stats();
        QCOMPARE(s.busy, 3);
        QCOMPARE(s.workers, 3);
        QCOMPARE(s.backlog, n - 3);
        QCOMPARE(peak.load(), 3);
        gate.release(n);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().completed, quint64 { n }, kWaitMs);
        QCOMPARE(peak.load(), 3);
        QCOMPARE(pool.stats().workers, 3);
    }

    void backlogIsFifo()
    {
        Gate gate;
        ThreadPool pool(0, 1);
        const auto opener = openOnExit(gate);
        pool.start();
        std::atomic<bool> holding { false };
        pool.callInThread([&] {
            holding = true;
            gate.pass();
        });
        QTRY_VERIFY_WITH_TIMEOUT(holding.load(), kWaitMs);
        Record<int> order;
        for (int i = 0; i < 20; ++i)
            pool.callInThread([&order, i] { order.add(i); });
        QCOMPARE(pool.stats().backlog, 20);
        gate.release();
        QTRY_COMPARE_WITH_TIMEOUT(order.size(), 20, kWaitMs);
        std::vector<int> expected;
        for (int i = 0; i < 20; ++i)
            expected.push_back(i);
        QCOMPARE(order.items(), expected);
    }

    void idleWorkerReusedBeforeNewOne()
    {
        ThreadPool pool(0, 5, QStringLiteral("reuse"));
        pool.start();
        for (int i = 0; i < 5; ++i) {
            std::latch done(1);
            QString name;
            pool.callInThread([&] {
                name = currentThreadName();
                done.count_down();
            });
            QTRY_VERIFY_WITH_TIMEOUT(isDone(done), kWaitMs);
            QCOMPARE(name, QStringLiteral("PoolThread-reuse-0"));
            // the job is finished and its worker idle again before the next submission
            QTRY_COMPARE_WITH_TIMEOUT(pool.stats().completed, quint64(i + 1), kWaitMs);
            const PoolStats s = pool.stats();
            QCOMPARE(s.workers, 1);
            QCOMPARE(s.idle, 1);
        }
    }

    // test_threadpool.py: RaceConditionTests.test_synchronization
    void synchronization()
    {
        ThreadPool pool(0, 10);
        pool.start();
        std::latch event(1);
        pool.callInThread([&event] { event.count_down(); });
        QTRY_VERIFY_WITH_TIMEOUT(isDone(event), kWaitMs);

        std::latch event2(1);
        std::atomic<int> released { 0 };
        for (int i = 0; i < 3; ++i)
            pool.callInThread([&] {
                event2.wait();
                ++released;
            });
        pool.callInThread([&event2] { event2.count_down(); });
        QTRY_COMPARE_WITH_TIMEOUT(released.load(), 3, kWaitMs);
    }

    // test_threadpool.py: ThreadPoolTests.test_workerStateTransition
    void workerStateTransition()
    {
        Gate gate;
        ThreadPool pool(0, 1);
        const auto opener = openOnExit(gate);
        pool.start();
        PoolStats s = pool.stats();
        QCOMPARE(s.workers, 0);
        QCOMPARE(s.idle, 0);
        QCOMPARE(s.busy, 0);

        std::atomic<bool> working { false };
        pool.callInThread([&] {
            working = true;
            gate.pass();
        });
        QTRY_VERIFY_WITH_TIMEOUT(working.load(), kWaitMs);
        s = pool.stats();
        QCOMPARE(s.workers, 1);
        QCOMPARE(s.idle, 0);
        QCOMPARE(s.busy, 1);

        gate.release();
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().idle, 1, kWaitMs);
        s = pool.stats();
        QCOMPARE(s.busy, 0);
        QCOMPARE(s.workers, 1);
    }

    // ---------------------------------------------------------------- stop

    void stopDrainsBacklogAndJoinsWorkers()
    {
        const int baseline = threadCount();
        Gate gate;
        auto pool = std::make_shared<ThreadPool>(2, 2);
        const auto opener = openOnExit(gate);
        pool->start();
        std::atomic<int> holding { 0 };
        for (int i = 0; i < 2; ++i)
            pool->callInThread([&] {
                ++holding;
                gate.pass();
            });
        QTRY_COMPARE_WITH_TIMEOUT(holding.load(), 2, kWaitMs);
        Record<int> order;
        for (int i = 0; i < 6; ++i)
            pool->callInThread([&order, i] { order.add(i); });
        QCOMPARE(pool->stats().backlog, 6);

        const AsyncStop stopping(pool);
        QTRY_VERIFY_WITH_TIMEOUT(pool->isJoined(), kWaitMs);
        // stopping: no new work, and stop() waits for the held jobs and the backlog
        QVERIFY_THROWS_EXCEPTION(PoolStoppedError, pool->callInThread([] {}));
        QVERIFY(!stopping.done());
        QCOMPARE(order.size(), 0);
        gate.release(2);
        QTRY_VERIFY_WITH_TIMEOUT(stopping.done(), kWaitMs);
        {
            auto ran = order.items(); // two workers: they start in FIFO order but may finish in any
            std::sort(ran.begin(), ran.end());
            QCOMPARE(ran, (std::vector<int> { 0, 1, 2, 3, 4, 5 })); // drained before stop() returned
        }
        const PoolStats s = pool->stats();
        QCOMPARE(s.completed, quint64 { 8 });
        QCOMPARE(s.cancelled, quint64 { 0 });
        QCOMPARE(s.workers, 0);
        QCOMPARE(s.idle, 0);
        QCOMPARE(s.refused, quint64 { 1 });
        QVERIFY(accountsBalance(s));
        QTRY_COMPARE_WITH_TIMEOUT(threadCount(), baseline, kWaitMs);
    }

    // Submitting and stopping at once while other workers sleep idle: stop() must still wake and join every worker.
    void stopRightAfterSubmitWithIdleWorkers()
    {
        const int baseline = threadCount();
        for (int round = 0; round < 20; ++round) {
            auto pool = std::make_shared<ThreadPool>(4, 4);
            pool->start();
            // every worker runs one job, so all four have been through their loop and now sleep idle
            std::latch allStarted(4);
            for (int i = 0; i < 4; ++i)
                pool->callInThread([&allStarted] { allStarted.arrive_and_wait(); });
            QTRY_COMPARE_WITH_TIMEOUT(pool->stats().completed, quint64 { 4 }, kWaitMs);
            QCOMPARE(pool->stats().idle, 4);

            auto ran = std::make_shared<std::atomic<int>>(0);
            // submit then stop at once: the job is likely still in the backlog when stop() begins
            const AsyncStop stopping(pool, [ran](ThreadPool& p) { p.callInThread([ran] { ++*ran; }); });
            QTRY_VERIFY2_WITH_TIMEOUT(
                stopping.done(), qPrintable(QStringLiteral("stop() hung in round %1").arg(round)), kWaitMs);
            QCOMPARE(ran->load(), 1);
            QCOMPARE(pool->stats().workers, 0);
        }
        QTRY_COMPARE_WITH_TIMEOUT(threadCount(), baseline, kWaitMs);
    }

    void stopWithBusyWorkersAndBacklog()
    {
        const int baseline = threadCount();
        Gate gate;
        auto pool = std::make_shared<ThreadPool>(0, 3);
        const auto opener = openOnExit(gate);
        pool->start();
        std::atomic<int> holding { 0 };
        for (int i = 0; i < 3; ++i)
            pool->callInThread([&] {
                ++holding;
                gate.pass();
            });
        QTRY_COMPARE_WITH_TIMEOUT(holding.load(), 3, kWaitMs);
        std::atomic<int> ran { 0 };
        for (int i = 0; i < 4; ++i)
            pool->callInThread([&ran] { ++ran; });
        const AsyncStop stopping(pool);
        QTRY_VERIFY_WITH_TIMEOUT(pool->isJoined(), kWaitMs);
        gate.release(3);
        QTRY_VERIFY_WITH_TIMEOUT(stopping.done(), kWaitMs);
        QCOMPARE(ran.load(), 4);
        QVERIFY(accountsBalance(pool->stats()));
        QTRY_COMPARE_WITH_TIMEOUT(threadCount(), baseline, kWaitMs);
    }

    // Divergence: Twisted silently discards work queued on a pool that never started; we cancel and count it.
    void stopOfNeverStartedPoolCancelsBacklog()
    {
        const int baseline = threadCount();
        ThreadPool pool(2, 4);
        std::atomic<int> ran { 0 };
        auto held = std::make_shared<int>(1);
        const std::weak_ptr<int> ref = held;
        pool.callInThread([&ran, h = std::move(held)] { ++ran; });
        pool.callInThread([&ran] { ++ran; });
        pool.callInThreadWithCallback([&ran](const Outcome<int>&) { ++ran; }, [] { return 1; });
        pool.stop();
        QVERIFY(pool.isJoined());
        QVERIFY(!pool.isStarted());
        QCOMPARE(ran.load(), 0); // neither the job nor its onResult ran
        QVERIFY(ref.expired()); // and what it held is gone
        const PoolStats s = pool.stats();
        QCOMPARE(s.cancelled, quint64 { 3 });
        QCOMPARE(s.submitted, quint64 { 3 });
        QCOMPARE(s.completed, quint64 { 0 });
        QCOMPARE(s.backlog, 0);
        QVERIFY(accountsBalance(s));
        QCOMPARE(threadCount(), baseline);
        QVERIFY_THROWS_EXCEPTION(PoolStoppedError, pool.start());
    }

    // Divergence: a pool stopped while its maximum is 0 cannot run its backlog: it is cancelled and counted.
    void stopWithMaximumZeroCancelsBacklog()
    {
        const int baseline = threadCount();
        ThreadPool pool(0, 2);
        pool.start();
        pool.adjustPoolsize({}, 0);
        std::atomic<int> ran { 0 };
        for (int i = 0; i < 2; ++i)
            pool.callInThread([&ran] { ++ran; });
        pool.stop();
        QCOMPARE(ran.load(), 0);
        const PoolStats s = pool.stats();
        QCOMPARE(s.cancelled, quint64 { 2 });
        QVERIFY(accountsBalance(s));
        QCOMPARE(threadCount(), baseline);
    }

    void stopTwiceIsNoOp()
    {
        ThreadPool pool(1, 2);
        pool.start();
        std::latch done(1);
        pool.callInThread([&done] { done.count_down(); });
        QTRY_VERIFY_WITH_TIMEOUT(isDone(done), kWaitMs);
        pool.stop();
        const PoolStats before = pool.stats();
        pool.stop();
        const PoolStats after = pool.stats();
        QVERIFY(pool.isJoined());
        QCOMPARE(after.completed, before.completed);
        QCOMPARE(after.workers, 0);
        QCOMPARE(after.cancelled, before.cancelled);
    }

    // Divergence: Twisted silently ignores work submitted to a stopped pool; we throw PoolStoppedError.
    void submitAfterStopThrows()
    {
        ThreadPool pool(0, 2);
        pool.start();
        pool.stop();
        std::atomic<int> ran { 0 };
        auto held = std::make_shared<int>(1);
        const std::weak_ptr<int> ref = held;
        QVERIFY_THROWS_EXCEPTION(PoolStoppedError, pool.callInThread([&ran, h = std::move(held)] { ++ran; }));
        QVERIFY(ref.expired()); // the refused callable is not kept
        QVERIFY_THROWS_EXCEPTION(PoolStoppedError,
            pool.callInThreadWithCallback([&ran](const Outcome<void>&) { ++ran; }, [&ran] { ++ran; }));
        QCOMPARE(ran.load(), 0);
        const PoolStats s = pool.stats();
        QCOMPARE(s.refused, quint64 { 2 });
        QCOMPARE(s.submitted, quint64 { 2 }); // refused submissions are in the books too
        QVERIFY(accountsBalance(s));
        QCOMPARE(s.workers, 0);
        // PoolStoppedError is one of the project's errors
        try {
            pool.callInThread([] {});
            QFAIL("no exception");
        } catch (const Error& e) {
            QVERIFY(QString::fromUtf8(e.what()).size() > 0);
        }
    }

    void submitToNeverStartedStoppedPoolThrows()
    {
        ThreadPool pool(0, 2);
        pool.stop();
        QVERIFY_THROWS_EXCEPTION(PoolStoppedError, pool.callInThread([] {}));
    }

    // Divergence: Twisted's start() after stop() silently makes a pool that never runs; we refuse.
    void startAfterStopThrows()
    {
        const int baseline = threadCount();
        ThreadPool pool(2, 2);
        pool.start();
        pool.stop();
        QVERIFY_THROWS_EXCEPTION(PoolStoppedError, pool.start());
        QVERIFY(!pool.isStarted());
        QCOMPARE(pool.stats().workers, 0);
        QTRY_COMPARE_WITH_TIMEOUT(threadCount(), baseline, kWaitMs);
    }

    void stopFromWorkerThrowsWrongThread()
    {
        ThreadPool pool(0, 1);
        pool.start();
        std::latch done(1);
        std::atomic<bool> wrongThread { false };
        std::atomic<bool> otherError { false };
        pool.callInThread([&] {
            try {
                pool.stop();
            } catch (const WrongThreadError&) {
                wrongThread = true;
            } catch (...) {
                otherError = true;
            }
            done.count_down();
        });
        QTRY_VERIFY_WITH_TIMEOUT(isDone(done), kWaitMs);
        QVERIFY(wrongThread.load());
        QVERIFY(!otherError.load());
        // the pool is untouched: it still runs work
        QVERIFY(pool.isStarted());
        QVERIFY(!pool.isJoined());
        std::latch next(1);
        pool.callInThread([&next] { next.count_down(); });
        QTRY_VERIFY_WITH_TIMEOUT(isDone(next), kWaitMs);
        pool.stop();
        QVERIFY(pool.isJoined());
    }

    void destructorStopsRunningPool()
    {
        const int baseline = threadCount();
        Gate gate;
        std::atomic<int> ran { 0 };
        constexpr int n = 100;
        {
            auto pool = std::make_unique<ThreadPool>(1, 2);
            const auto opener = openOnExit(gate);
            pool->start();
            pool->callInThread([&] {
                gate.pass();
                ++ran;
            });
            for (int i = 1; i < n; ++i)
                pool->callInThread([&ran] { ++ran; });
            gate.release();
            pool.reset(); // no stop(): the destructor drains and joins
            QCOMPARE(ran.load(), n);
            QTRY_COMPARE_WITH_TIMEOUT(threadCount(), baseline, kWaitMs);
        }
    }

    // test_threadpool.py: no port of test_persistence (pickling) or test_callbackContext (Twisted's context)
    // — neither exists in C++.

    // ---------------------------------------------------------------- names

    // Divergence: Twisted reuses worker numbers; ours are unique over the pool's life.
    void workerNamesUniqueOverPoolLife()
    {
        Gate gate;
        ThreadPool pool(0, 3, QStringLiteral("names"));
        const auto opener = openOnExit(gate);
        pool.start();
        Record<QString> names;
        for (int i = 0; i < 3; ++i)
            pool.callInThread([&] {
                names.add(currentThreadName());
                gate.pass();
            });
        QTRY_COMPARE_WITH_TIMEOUT(names.size(), 3, kWaitMs);
        {
            const auto seen = names.items();
            const QSet<QString> unique(seen.begin(), seen.end());
            const QSet<QString> expected { QStringLiteral("PoolThread-names-0"), QStringLiteral("PoolThread-names-1"),
                QStringLiteral("PoolThread-names-2") };
            QCOMPARE(unique, expected);
        }
        gate.release(3);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().completed, quint64 { 3 }, kWaitMs);

        // every worker retires, then new ones are made: they take new numbers
        pool.adjustPoolsize(0, 0);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().workers, 0, kWaitMs);
        pool.adjustPoolsize(0, 2);
        Record<QString> later;
        for (int i = 0; i < 2; ++i)
            pool.callInThread([&] {
                later.add(currentThreadName());
                gate.pass();
            });
        QTRY_COMPARE_WITH_TIMEOUT(later.size(), 2, kWaitMs);
        const auto seen = later.items();
        const QSet<QString> unique(seen.begin(), seen.end());
        const QSet<QString> expected { QStringLiteral("PoolThread-names-3"), QStringLiteral("PoolThread-names-4") };
        QCOMPARE(unique, expected);
    }

    void osThreadNameIsTruncatedWorkerName()
    {
#ifdef Q_OS_LINUX
        ThreadPool pool(0, 1, QStringLiteral("os"));
        pool.start();
        std::latch done(1);
        QByteArray osName;
        pool.callInThread([&] {
            char buf[32] = {};
            if (pthread_getname_np(pthread_self(), buf, sizeof buf) == 0)
                osName = QByteArray(buf);
            done.count_down();
        });
        QTRY_VERIFY_WITH_TIMEOUT(isDone(done), kWaitMs);
        QCOMPARE(osName, QByteArray("PoolThread-os-0"));
#else
        QSKIP("Linux only");
#endif
    }

    // ---------------------------------------------------------------- stats

    void statsCountOutcomes()
    {
        const LogRecorder recorder;
        QTest::ignoreMessage(QtWarningMsg, containsAll({ QStringLiteral("NewError"), QStringLiteral("one") }));
        QTest::ignoreMessage(QtWarningMsg, containsAll({ QStringLiteral("unknown") }));
        ThreadPool pool(0, 1);
        pool.start();
        std::latch done(1);
        pool.callInThread([] {});
        pool.callInThread([] { throw NewError("one"); });
        pool.callInThread([] { throw 1; });
        pool.callInThreadWithCallback([](const Outcome<int>&) {}, [] { return 1; });
        pool.callInThreadWithCallback([](const Outcome<int>&) {}, []() -> int { throw NewError("two"); });
        pool.callInThread([&done] { done.count_down(); });
        QTRY_VERIFY_WITH_TIMEOUT(isDone(done), kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().busy, 0, kWaitMs);
        const PoolStats s = pool.stats();
        QCOMPARE(s.submitted, quint64 { 6 });
        QCOMPARE(s.completed, quint64 { 3 });
        QCOMPARE(s.failed, quint64 { 3 });
        QCOMPARE(s.cancelled, quint64 { 0 });
        QCOMPARE(s.refused, quint64 { 0 });
        QCOMPARE(s.idle + s.busy, s.workers);
        QVERIFY(accountsBalance(s));
        QCOMPARE(LogRecorder::warnings(kCategory).size(), std::size_t { 2 }); // the delivered Failure is not logged
    }

    void statsAreConsistentSnapshots()
    {
        ThreadPool pool(1, 4);
        pool.start();
        std::atomic<bool> stop { false };
        std::atomic<int> bad { 0 };
        std::atomic<int> snapshots { 0 };
        QString firstBad;
        std::thread reader([&] {
            while (!stop.load()) {
                const PoolStats s = pool.stats();
                ++snapshots;
                const bool ok = s.idle >= 0 && s.busy >= 0 && s.idle + s.busy == s.workers && s.workers <= 4
                    && s.busy <= 4 && s.backlog >= 0
                    && s.submitted
                        == s.completed + s.failed + s.cancelled + s.refused + quint64(s.backlog) + quint64(s.busy);
                if (!ok && bad++ == 0)
                    firstBad = QStringLiteral("idle %1 busy %2 workers %3 backlog %4 submitted %5 completed %6")
                                   .arg(s.idle)
                                   .arg(s.busy)
                                   .arg(s.workers)
                                   .arg(s.backlog)
                                   .arg(s.submitted)
                                   .arg(s.completed);
            }
        });
        const auto joinReader = qScopeGuard([&] {
            stop = true;
            if (reader.joinable())
                reader.join();
        });
        std::atomic<int> ran { 0 };
        for (int i = 0; i < 2000; ++i)
            pool.callInThread([&ran] { ++ran; });
        QTRY_COMPARE_WITH_TIMEOUT(ran.load(), 2000, kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(snapshots.load() > 0, kWaitMs);
        stop = true;
        reader.join();
        QVERIFY2(bad.load() == 0, qPrintable(firstBad));
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().completed, quint64 { 2000 }, kWaitMs);
        QVERIFY(accountsBalance(pool.stats()));
    }

    void dumpStatsText()
    {
        Gate gate;
        ThreadPool pool(3, 3);
        const auto opener = openOnExit(gate);
        QCOMPARE(pool.dumpStats(), QStringLiteral("queue: 0 waiters: 0 workers: 0 total: 0"));
        pool.start();
        QCOMPARE(pool.dumpStats(), QStringLiteral("queue: 0 waiters: 3 workers: 0 total: 3"));
        for (int i = 0; i < 2; ++i)
            pool.callInThread([&gate] { gate.pass(); });
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().busy, 2, kWaitMs);
        // waiters = idle, workers = busy (Twisted's labels), total = all
        QCOMPARE(pool.dumpStats(), QStringLiteral("queue: 0 waiters: 1 workers: 2 total: 3"));
        for (int i = 0; i < 3; ++i)
            pool.callInThread([&gate] { gate.pass(); });
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().busy, 3, kWaitMs);
        QCOMPARE(pool.dumpStats(), QStringLiteral("queue: 2 waiters: 0 workers: 3 total: 3"));
        gate.release(5);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().completed, quint64 { 5 }, kWaitMs);
        QCOMPARE(pool.dumpStats(), QStringLiteral("queue: 0 waiters: 3 workers: 0 total: 3"));
    }

    // ---------------------------------------------------------------- threads

    void noWorkerThreadLeftAfterStop()
    {
        const int baseline = allThreadCount();
        for (int cycle = 0; cycle < 20; ++cycle) {
            ThreadPool pool(2, 6);
            pool.start();
            std::latch done(12);
            for (int i = 0; i < 12; ++i)
                pool.callInThread([&done] { done.count_down(); });
            QTRY_VERIFY_WITH_TIMEOUT(isDone(done), kWaitMs);
            pool.stop();
            // stop() joins every worker (and the pool's helper thread) before it returns: none may be left, not
            // even one still exiting
            const int after = allThreadCount();
            QVERIFY2(after == baseline,
                qPrintable(QStringLiteral("cycle %1: %2 threads after stop(), %3 before")
                               .arg(cycle)
                               .arg(after)
                               .arg(baseline)));
        }
    }

    void submitFromSeveralThreads()
    {
        constexpr int producers = 4;
        constexpr int perProducer = 500;
        constexpr int total = producers * perProducer;
        ThreadPool pool(0, 4);
        pool.start();
        std::vector<std::atomic<int>> runs(static_cast<std::size_t>(total));
        std::atomic<int> refused { 0 };
        std::vector<std::thread> threads;
        std::latch go(producers + 1);
        for (int p = 0; p < producers; ++p)
            threads.emplace_back([&, p] {
                go.arrive_and_wait();
                for (int i = 0; i < perProducer; ++i) {
                    const auto id = static_cast<std::size_t>(p * perProducer + i);
                    try {
                        pool.callInThread([&runs, id] { ++runs[id]; });
                    } catch (...) {
                        ++refused;
                    }
                }
            });
        // and a resize storm from another thread at the same time (deterministic sizes)
        threads.emplace_back([&] {
            go.arrive_and_wait();
            for (int i = 0; i < 200; ++i)
                pool.adjustPoolsize(0, 1 + (i * 7) % 4);
            pool.adjustPoolsize(0, 4);
        });
        for (std::thread& t : threads)
            t.join();
        QCOMPARE(refused.load(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().completed, quint64 { total }, kWaitMs);
        int wrong = 0;
        for (const auto& r : runs)
            wrong += r.load() != 1 ? 1 : 0;
        QCOMPARE(wrong, 0);
        const PoolStats s = pool.stats();
        QCOMPARE(s.submitted, quint64 { total });
        QVERIFY(accountsBalance(s));
        pool.stop();
        QCOMPARE(pool.stats().workers, 0);
    }
};

QTEST_GUILESS_MAIN(TestThreadPool)
#include "tst_threadpool.moc"
