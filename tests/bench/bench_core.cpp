// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Core benchmarks (docs/benchmarks.md): each workload against its raw Qt equivalent, interleaved over rounds in one
// process; only same-run ratios count. `--json` prints every per-round value (the table goes to stderr) under the keys
// that scripts/bench-vs-twisted.py shares with tests/bench/twisted_bench.py.
//   bench_core [--quick] [--rounds N] [--json] [--only key,key] [--burn N | --burn-process N]
#include "../../core/runtime/src/traceclock_p.h"

#include <qtwisted/diagnostics.h>
#include <qtwisted/reactor.h>
#include <qtwisted/threadpool.h>
#include <qtwisted/threads.h>
#include <qtwisted/trace.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QEventLoop>
#include <QFile>
#include <QFutureWatcher>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaObject>
#include <QObject>
#include <QThread>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <functional>
#include <latch>
#include <map>
#include <mutex>
#include <optional>
#include <semaphore>
#include <string>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace qtwisted;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// ---- sizes (full / --quick) -----------------------------------------------------------------------------------

struct Sizes {
    int calls = 500'000; ///< callFromThread / invokeMethod throughput
    int jobs = 200'000; ///< callInThread / QThreadPool::start throughput
    int samples = 2'000; ///< latency and round-trip samples
    int inflightTotal = 100'000; ///< deferToThread round trips with 1000 in flight
    int watcherTotal = 20'000; ///< the same through QtConcurrent::run + QFutureWatcher (much slower)
    int blocking4 = 8'000; ///< blocking calls over 4 workers
    bool makespan10 = true; ///< 200 x 50 ms on 10 threads (1 s per variant)
    int flood = 1'000'000; ///< the memory flood
    int recorderEvents = 4'000'000; ///< events recorded per round by the recorder group
};
Sizes g;

/// `--only diagnostics`: the same workloads with a DiagnosticsMonitor attached (g_monitored), to compare.
bool g_monitored = false;

/// Attaches a DiagnosticsMonitor (default thresholds) to `reactor`, or to a reactor of its own watching `pool`,
/// while g_monitored is set.
class MaybeMonitor {
public:
    explicit MaybeMonitor(Reactor& reactor)
    {
        if (g_monitored)
            m_monitor.emplace(reactor);
    }
    explicit MaybeMonitor(ThreadPool& pool)
    {
        if (!g_monitored)
            return;
        m_reactor.emplace();
        m_monitor.emplace(*m_reactor);
        m_monitor->watch(pool);
    }

private:
    std::optional<Reactor> m_reactor;
    std::optional<DiagnosticsMonitor> m_monitor;
};

double seconds(Clock::duration d)
{
    return std::chrono::duration<double>(d).count();
}
double micros(Clock::duration d)
{
    return std::chrono::duration<double, std::micro>(d).count();
}
double millis(Clock::duration d)
{
    return std::chrono::duration<double, std::milli>(d).count();
}
double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

/// The median of every thread's samples together.
double medianOfAll(const std::vector<std::vector<double>>& perThread)
{
    std::vector<double> all;
    for (const auto& s : perThread)
        all.insert(all.end(), s.begin(), s.end());
    return median(std::move(all));
}

/// Resident set size in KiB, from /proc/self/status (-1 if unknown).
double rssKiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toDouble();
    }
    return -1;
}

// ---- callFromThread vs invokeMethod(Queued) ----------------------------------------------------------------------

/// Calls per second from `producers` threads posting `calls` (default g.calls) in total; time until the last ran.
double callFromThreadThroughput(int producers, int calls = 0)
{
    Reactor reactor;
    MaybeMonitor monitor(reactor);
    int ran = 0;
    const int n = (calls > 0 ? calls : g.calls) / producers * producers;
    Clock::time_point t0;
    Clock::time_point t1;
    std::vector<std::thread> threads;
    reactor.callWhenRunning([&] {
        t0 = Clock::now();
        for (int p = 0; p < producers; ++p) {
            threads.emplace_back([&] {
                for (int i = 0; i < n / producers; ++i) {
                    reactor.callFromThread([&] {
                        if (++ran == n) {
                            t1 = Clock::now();
                            reactor.stop();
                        }
                    });
                }
            });
        }
    });
    reactor.run();
    for (auto& t : threads)
        t.join();
    return n / seconds(t1 - t0);
}

double invokeMethodThroughput(int producers)
{
    QObject receiver;
    QEventLoop loop;
    int ran = 0;
    const int n = g.calls / producers * producers;
    const auto t0 = Clock::now();
    Clock::time_point t1;
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p) {
        threads.emplace_back([&] {
            for (int i = 0; i < n / producers; ++i) {
                QMetaObject::invokeMethod(
                    &receiver,
                    [&] {
                        if (++ran == n) {
                            t1 = Clock::now();
                            loop.quit();
                        }
                    },
                    Qt::QueuedConnection);
            }
        });
    }
    loop.exec();
    for (auto& t : threads)
        t.join();
    return n / seconds(t1 - t0);
}

/// Median microseconds from post (in a producer thread) to run (in the loop's thread), one call at a time.
double callFromThreadLatencyUs()
{
    Reactor reactor;
    MaybeMonitor monitor(reactor);
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(g.samples));
    std::thread producer;
    reactor.callWhenRunning([&] {
        producer = std::thread([&] {
            std::binary_semaphore ran { 0 };
            for (int i = 0; i < g.samples; ++i) {
                const auto posted = Clock::now();
                reactor.callFromThread([&, posted] {
                    samples.push_back(micros(Clock::now() - posted));
                    ran.release();
                });
                ran.acquire();
            }
            reactor.callFromThread([&] { reactor.stop(); });
        });
    });
    reactor.run();
    producer.join();
    return median(samples);
}

double invokeMethodLatencyUs()
{
    QObject receiver;
    QEventLoop loop;
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(g.samples));
    std::thread producer([&] {
        std::binary_semaphore ran { 0 };
        for (int i = 0; i < g.samples; ++i) {
            const auto posted = Clock::now();
            QMetaObject::invokeMethod(
                &receiver,
                [&, posted] {
                    samples.push_back(micros(Clock::now() - posted));
                    ran.release();
                },
                Qt::QueuedConnection);
            ran.acquire();
        }
        QMetaObject::invokeMethod(&loop, &QEventLoop::quit, Qt::QueuedConnection);
    });
    loop.exec();
    producer.join();
    return median(samples);
}

/// Percentile `p` (0..1) of `v`, nearest rank.
double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const auto i = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
    return v[std::min(i, v.size() - 1)];
}

struct Paced {
    double oursMedianUs = 0;
    double qtMedianUs = 0;
    double oursP99Us = 0;
    double qtP99Us = 0;
};

/// Issue 16's paced latency: one producer thread posts one call, sleeps 50 µs, posts the next, while the reactor
/// thread idles between calls (a worker reporting progress to a GUI). The samples alternate callFromThread /
/// invokeMethod(Queued) one by one in the same loop (the reactor runs the main thread's event loop, which delivers
/// both); each is post -> run. Before posting the next call the producer also makes sure the previous one ran (it
/// has, nearly always, after the 50 µs), so at most one call is outstanding and the loop is idle when it arrives.
/// `--paced-side ours|qt`: only one side posts (to profile it alone); both alternate by default.
enum class PacedSide { Both, Ours, Qt };
PacedSide g_pacedSide = PacedSide::Both;

Paced pacedLatency(int round)
{
    Reactor reactor;
    QObject receiver;
    std::vector<double> ours;
    std::vector<double> qt;
    ours.reserve(static_cast<std::size_t>(g.samples));
    qt.reserve(static_cast<std::size_t>(g.samples));
    std::thread producer;
    reactor.callWhenRunning([&] {
        producer = std::thread([&] {
            std::binary_semaphore ran { 0 };
            for (int i = 0; i < 2 * g.samples; ++i) {
                // The first of each pair flips every round.
                const bool viaReactor
                    = g_pacedSide == PacedSide::Both ? (i + round) % 2 == 0 : g_pacedSide == PacedSide::Ours;
                const auto posted = Clock::now();
                if (viaReactor) {
                    reactor.callFromThread([&, posted] {
                        ours.push_back(micros(Clock::now() - posted));
                        ran.release();
                    });
                } else {
                    QMetaObject::invokeMethod(
                        &receiver,
                        [&, posted] {
                            qt.push_back(micros(Clock::now() - posted));
                            ran.release();
                        },
                        Qt::QueuedConnection);
                }
                std::this_thread::sleep_for(50us);
                ran.acquire();
            }
            reactor.callFromThread([&] { reactor.stop(); });
        });
    });
    reactor.run();
    producer.join();
    return { median(ours), median(qt), percentile(ours, 0.99), percentile(qt, 0.99) };
}

// ---- callInThread vs QThreadPool::start -------------------------------------------------------------------------

/// What the jobs of poolThroughput() carry besides the pool's own work.
enum class PoolLoad {
    Empty, ///< nothing: the pool alone
    Recorder, ///< a recorder attached (3 events per job, each with a clock read), drained after the run
    ThreeClockReads, ///< no recorder; each job reads the clock 3 times: a control for the recorder's cost
};

/// Jobs per second through qtwisted's pool (4 workers); each job busy-waits `jobNs` first (0: empty jobs).
double poolThroughput(PoolLoad load, int jobNs = 0)
{
    ThreadPool pool(4, 4, QStringLiteral("bench"));
    MaybeMonitor monitor(pool);
    TraceRecorder recorder(1 << 20);
    if (load == PoolLoad::Recorder)
        recorder.attach(pool);
    pool.start();
    std::atomic<int> done { 0 };
    std::binary_semaphore finished { 0 };
    const int n = jobNs > 0 ? g.jobs / 4 : g.jobs;
    const bool readClock = load == PoolLoad::ThreeClockReads;
    std::vector<TraceEvent> sink;
    const auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) {
        pool.callInThread([&done, &finished, n, readClock, jobNs] {
            if (jobNs > 0) {
                const auto until = Clock::now() + std::chrono::nanoseconds(jobNs);
                while (Clock::now() < until) { }
            }
            if (readClock) {
                // traceNow() is defined in another translation unit (no LTO): the calls are not optimised away. The
                // results go nowhere shared: a shared sum would add a contended cache line to the control.
                for (int k = 0; k < 3; ++k)
                    static_cast<void>(traceNow());
            }
            if (done.fetch_add(1, std::memory_order_relaxed) + 1 == n)
                finished.release();
        });
    }
    finished.acquire();
    const auto t1 = Clock::now();
    if (load == PoolLoad::Recorder) {
        while (recorder.drain(sink, 1 << 16) > 0)
            sink.clear();
    }
    pool.stop();
    return n / seconds(t1 - t0);
}

/// Issue 16's small pools: `workers` workers exactly (ThreadPool(N, N), started), g.jobs empty jobs submitted from
/// the main thread; jobs per second until the last ran.
double poolThroughputN(int workers)
{
    ThreadPool pool(workers, workers, QStringLiteral("bench"));
    pool.start();
    std::atomic<int> done { 0 };
    std::binary_semaphore finished { 0 };
    const int n = g.jobs;
    const auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) {
        pool.callInThread([&done, &finished, n] {
            if (done.fetch_add(1, std::memory_order_relaxed) + 1 == n)
                finished.release();
        });
    }
    finished.acquire();
    const auto t1 = Clock::now();
    pool.stop();
    return n / seconds(t1 - t0);
}

/// The same through QThreadPool with setMaxThreadCount(workers) and start(lambda).
double qtPoolThroughputN(int workers)
{
    QThreadPool pool;
    pool.setMaxThreadCount(workers);
    std::atomic<int> done { 0 };
    std::binary_semaphore finished { 0 };
    const int n = g.jobs;
    const auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) {
        pool.start([&done, &finished, n] {
            if (done.fetch_add(1, std::memory_order_relaxed) + 1 == n)
                finished.release();
        });
    }
    finished.acquire();
    const auto t1 = Clock::now();
    pool.waitForDone();
    return n / seconds(t1 - t0);
}

// ---- deferToThread round trips -----------------------------------------------------------------------------------

/// Median microseconds from deferToThread to its callback, one at a time.
double deferToThreadRoundTripUs()
{
    Reactor reactor;
    MaybeMonitor monitor(reactor);
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(g.samples));
    std::function<void()> next;
    next = [&] {
        if (static_cast<int>(samples.size()) == g.samples) {
            reactor.stop();
            return;
        }
        const auto t0 = Clock::now();
        threads::deferToThreadPool(reactor, reactor.getThreadPool(), [] { return 1; }).addCallback([&, t0](int) {
            samples.push_back(micros(Clock::now() - t0));
            next();
        });
    };
    reactor.callWhenRunning([&] { next(); });
    reactor.run();
    return median(samples);
}

/// The raw Qt round trip: QThreadPool::start, then invokeMethod back to the main thread.
double qtRoundTripUs()
{
    QThreadPool pool;
    pool.setMaxThreadCount(10);
    QObject receiver;
    QEventLoop loop;
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(g.samples));
    std::function<void()> next;
    next = [&] {
        if (static_cast<int>(samples.size()) == g.samples) {
            loop.quit();
            return;
        }
        const auto t0 = Clock::now();
        pool.start([&, t0] {
            QMetaObject::invokeMethod(
                &receiver,
                [&, t0] {
                    samples.push_back(micros(Clock::now() - t0));
                    next();
                },
                Qt::QueuedConnection);
        });
    };
    QMetaObject::invokeMethod(
        &receiver, [&] { next(); }, Qt::QueuedConnection);
    loop.exec();
    pool.waitForDone();
    return median(samples);
}

/// The physical floor: median microseconds of a round trip between two threads (mutex + condition variable).
double pingPongUs()
{
    std::mutex m;
    std::condition_variable cv;
    int turn = 0; // even: the main thread's, odd: the partner's
    const int n = g.samples;
    std::thread partner([&] {
        for (int i = 0; i < n; ++i) {
            std::unique_lock lock(m);
            cv.wait(lock, [&] { return turn % 2 == 1; });
            ++turn;
            cv.notify_one();
        }
    });
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        const auto t0 = Clock::now();
        std::unique_lock lock(m);
        ++turn;
        cv.notify_one();
        cv.wait(lock, [&] { return turn % 2 == 0; });
        samples.push_back(micros(Clock::now() - t0));
    }
    partner.join();
    return median(samples);
}

/// Round trips per second with 1000 deferToThread in flight at all times.
double deferToThreadInFlight()
{
    constexpr int kInFlight = 1000;
    Reactor reactor;
    MaybeMonitor monitor(reactor);
    reactor.suggestThreadPoolSize(4);
    const int total = g.inflightTotal;
    int issued = 0;
    int done = 0;
    Clock::time_point t0;
    Clock::time_point t1;
    std::function<void()> issue;
    issue = [&] {
        ++issued;
        threads::deferToThreadPool(reactor, reactor.getThreadPool(), [] { return 1; }).addCallback([&](int) {
            if (++done == total) {
                t1 = Clock::now();
                reactor.stop();
            } else if (issued < total) {
                issue();
            }
        });
    };
    reactor.callWhenRunning([&] {
        t0 = Clock::now();
        for (int i = 0; i < kInFlight; ++i)
            issue();
    });
    reactor.run();
    return total / seconds(t1 - t0);
}

/// The same through QtConcurrent::run + QFutureWatcher (one watcher per call, as Qt code does it).
double watcherInFlight()
{
    constexpr int kInFlight = 1000;
    QThreadPool pool;
    pool.setMaxThreadCount(4);
    QEventLoop loop;
    const int total = g.watcherTotal;
    int issued = 0;
    int done = 0;
    Clock::time_point t1;
    std::function<void()> issue;
    issue = [&] {
        ++issued;
        auto* watcher = new QFutureWatcher<int>;
        QObject::connect(watcher, &QFutureWatcher<int>::finished, watcher, [&, watcher] {
            (void)watcher->result();
            watcher->deleteLater();
            if (++done == total) {
                t1 = Clock::now();
                loop.quit();
            } else if (issued < total) {
                issue();
            }
        });
        watcher->setFuture(QtConcurrent::run(&pool, [] { return 1; }));
    };
    const auto t0 = Clock::now();
    for (int i = 0; i < kInFlight; ++i)
        issue();
    loop.exec();
    pool.waitForDone();
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    return total / seconds(t1 - t0);
}

// ---- blockingCallFromThread vs BlockingQueuedConnection ----------------------------------------------------------

/// `workers` pool threads each make `perWorker` blocking calls. Returns {median µs per call, calls per second}.
std::pair<double, double> blockingCalls(int workers, int perWorker)
{
    Reactor reactor;
    MaybeMonitor monitor(reactor);
    reactor.suggestThreadPoolSize(workers);
    std::vector<std::vector<double>> samples(static_cast<std::size_t>(workers));
    std::atomic<int> finished { 0 };
    Clock::time_point t0;
    Clock::time_point t1;
    reactor.callWhenRunning([&] {
        t0 = Clock::now();
        for (int w = 0; w < workers; ++w) {
            reactor.callInThread([&, w] {
                auto& mine = samples[static_cast<std::size_t>(w)];
                mine.reserve(static_cast<std::size_t>(perWorker));
                for (int i = 0; i < perWorker; ++i) {
                    const auto s = Clock::now();
                    (void)threads::blockingCallFromThread(reactor, [] { return 1; });
                    mine.push_back(micros(Clock::now() - s));
                }
                if (++finished == workers) {
                    reactor.callFromThread([&] {
                        t1 = Clock::now();
                        reactor.stop();
                    });
                }
            });
        }
    });
    reactor.run();
    return { medianOfAll(samples), workers * perWorker / seconds(t1 - t0) };
}

std::pair<double, double> blockingQueued(int workers, int perWorker)
{
    QObject receiver;
    QEventLoop loop;
    std::vector<std::vector<double>> samples(static_cast<std::size_t>(workers));
    std::atomic<int> finished { 0 };
    std::vector<std::thread> threads;
    const auto t0 = Clock::now();
    Clock::time_point t1;
    for (int w = 0; w < workers; ++w) {
        threads.emplace_back([&, w] {
            auto& mine = samples[static_cast<std::size_t>(w)];
            mine.reserve(static_cast<std::size_t>(perWorker));
            for (int i = 0; i < perWorker; ++i) {
                const auto s = Clock::now();
                int v = 0;
                QMetaObject::invokeMethod(
                    &receiver, [&v] { v = 1; }, Qt::BlockingQueuedConnection);
                mine.push_back(micros(Clock::now() - s));
            }
            if (++finished == workers) {
                QMetaObject::invokeMethod(
                    &receiver,
                    [&] {
                        t1 = Clock::now();
                        loop.quit();
                    },
                    Qt::QueuedConnection);
            }
        });
    }
    loop.exec();
    for (auto& t : threads)
        t.join();
    return { medianOfAll(samples), workers * perWorker / seconds(t1 - t0) };
}

// ---- sleeping-job makespan -----------------------------------------------------------------------------------------

/// Wall time of `n` jobs sleeping `sleep` on a pool of `threads`, divided by the ideal; cold then warm on one pool.
std::pair<double, double> makespan(int n, std::chrono::milliseconds sleep, int threads, bool warmToo)
{
    ThreadPool pool(0, threads, QStringLiteral("makespan"));
    pool.start();
    const double ideal = static_cast<double>(sleep.count()) * std::ceil(static_cast<double>(n) / threads);
    auto once = [&] {
        std::atomic<int> done { 0 };
        std::binary_semaphore finished { 0 };
        const auto t0 = Clock::now();
        for (int i = 0; i < n; ++i) {
            pool.callInThread([&, sleep] {
                std::this_thread::sleep_for(sleep);
                if (++done == n)
                    finished.release();
            });
        }
        finished.acquire();
        return millis(Clock::now() - t0) / ideal;
    };
    const double cold = once();
    const double warm = warmToo ? once() : 0;
    pool.stop();
    return { cold, warm };
}

std::pair<double, double> qtMakespan(int n, std::chrono::milliseconds sleep, int threads, bool warmToo)
{
    QThreadPool pool;
    pool.setMaxThreadCount(threads);
    const double ideal = static_cast<double>(sleep.count()) * std::ceil(static_cast<double>(n) / threads);
    auto once = [&] {
        const auto t0 = Clock::now();
        for (int i = 0; i < n; ++i)
            pool.start([sleep] { std::this_thread::sleep_for(sleep); });
        pool.waitForDone(-1);
        return millis(Clock::now() - t0) / ideal;
    };
    const double cold = once();
    const double warm = warmToo ? once() : 0;
    return { cold, warm };
}

// ---- live resize 2 -> 32 with a backlog ----------------------------------------------------------------------------

struct Resize {
    double callMs = 0; ///< how long the resize call took
    std::optional<double> runningMs; ///< until 32 jobs ran at once (from just before the call), if within 500 ms
};

/// Counts jobs running at once and notes when 32 first did.
struct RunningCounter {
    std::atomic<int> running { 0 };
    std::atomic<bool> armed { false };
    std::atomic<std::int64_t> reachedNs { 0 };

    void enter()
    {
        const int now = running.fetch_add(1) + 1;
        if (now >= 32 && armed.load() && reachedNs.load() == 0)
            reachedNs.store(Clock::now().time_since_epoch().count());
    }
    void leave() { running.fetch_sub(1); }
    std::optional<double> waitFor32(Clock::time_point from)
    {
        const auto deadline = from + 500ms;
        while (reachedNs.load() == 0 && Clock::now() < deadline)
            std::this_thread::sleep_for(100us);
        const std::int64_t at = reachedNs.load();
        if (at == 0)
            return std::nullopt;
        return millis(Clock::time_point(Clock::duration(at)) - from);
    }
};

/// `spares`: ThreadPool::setSpareThreads on the reactor's pool first, and the resize only once they are parked.
Resize reactorResize(int spares = 0)
{
    Reactor reactor;
    RunningCounter counter;
    Resize result;
    std::thread watcher;
    std::thread measurer; // measures from another thread, so that the reactor stays free
    reactor.callWhenRunning([&] {
        reactor.suggestThreadPoolSize(2);
        reactor.getThreadPool().setSpareThreads(spares);
        for (int i = 0; i < 1000; ++i) {
            reactor.callInThread([&counter] {
                counter.enter();
                std::this_thread::sleep_for(20ms);
                counter.leave();
            });
        }
        watcher = std::thread([&] {
            while (counter.running.load() < 2 || reactor.getThreadPool().stats().spare < spares)
                std::this_thread::sleep_for(100us);
            reactor.callFromThread([&] {
                counter.armed = true;
                const auto t0 = Clock::now();
                reactor.suggestThreadPoolSize(32);
                result.callMs = millis(Clock::now() - t0);
                measurer = std::thread([&, t0] {
                    result.runningMs = counter.waitFor32(t0);
                    reactor.callFromThread([&] { reactor.stop(); }); // the backlog is cancelled
                });
            });
        });
    });
    reactor.run();
    watcher.join();
    measurer.join();
    return result;
}

Resize qtResize()
{
    QThreadPool pool;
    pool.setMaxThreadCount(2);
    RunningCounter counter;
    for (int i = 0; i < 1000; ++i) {
        pool.start([&counter] {
            counter.enter();
            std::this_thread::sleep_for(20ms);
            counter.leave();
        });
    }
    while (counter.running.load() < 2)
        std::this_thread::sleep_for(100us);
    counter.armed = true;
    Resize result;
    const auto t0 = Clock::now();
    pool.setMaxThreadCount(32);
    result.callMs = millis(Clock::now() - t0);
    result.runningMs = counter.waitFor32(t0);
    pool.clear();
    pool.waitForDone();
    return result;
}

/// The floor under both: milliseconds until 30 jobs run at once on a fresh QThreadPool with no backlog and nothing
/// else to do, the jobs started back to back from one thread (30 thread creations, and nothing else). A resize from 2
/// to 32 threads cannot be quicker than this while its threads are QThreadPool's.
double threadStartFloorMs()
{
    QThreadPool pool;
    pool.setMaxThreadCount(64);
    pool.setExpiryTimeout(0);
    std::atomic<int> running { 0 };
    std::atomic<bool> quit { false };
    const auto t0 = Clock::now();
    for (int i = 0; i < 30; ++i) {
        pool.start([&] {
            running.fetch_add(1);
            while (!quit.load())
                std::this_thread::sleep_for(1ms);
        });
    }
    while (running.load() < 30)
        std::this_thread::sleep_for(50us);
    const double ms = millis(Clock::now() - t0);
    quit.store(true);
    pool.waitForDone();
    return ms;
}

// ---- the recorder on its own ----------------------------------------------------------------------------------------

/// How recorderThroughput() stamps its events.
enum class Stamp {
    Ordered, ///< traceNow(): RDTSCP (waits for earlier instructions), what the reactor's and library's events use
    PoolClock, ///< the unordered clock a pool's job events use (RDTSC; the pool clamps a start to its submission)
    None, ///< a counter: the recorder alone
};

/// Events per second that `threads` threads record together (each stamps its events per `stamp`), while a consumer
/// drains every millisecond like a GUI would; everything is drained at the end.
double recorderThroughput(int threads, Stamp stamp = Stamp::PoolClock)
{
    TraceRecorder recorder(1 << 20);
    const int perThread = g.recorderEvents / threads;
    std::atomic<bool> stop { false };
    std::uint64_t drained = 0;
    std::thread consumer([&] {
        std::vector<TraceEvent> batch;
        while (!stop.load(std::memory_order_acquire)) {
            batch.clear();
            drained += recorder.drain(batch);
            std::this_thread::sleep_for(1ms);
        }
    });
    std::latch start(threads + 1);
    std::vector<std::thread> producers;
    for (int t = 0; t < threads; ++t) {
        producers.emplace_back([&recorder, &start, perThread, t, stamp] {
            start.arrive_and_wait();
            TraceEvent e;
            e.worker = t;
            for (int i = 0; i < perThread; ++i) {
                e.jobId = static_cast<std::uint64_t>(i);
                e.timeNs = stamp == Stamp::Ordered ? traceNow()
                    : stamp == Stamp::PoolClock    ? qtwisted::detail::traceNowUnordered()
                                                   : i;
                recorder.record(e);
            }
        });
    }
    start.arrive_and_wait();
    const auto t0 = Clock::now();
    for (auto& p : producers)
        p.join();
    const auto t1 = Clock::now();
    stop.store(true, std::memory_order_release);
    consumer.join();
    std::vector<TraceEvent> rest;
    drained += recorder.drain(rest);
    if (drained + recorder.dropped() != static_cast<std::uint64_t>(perThread) * static_cast<std::uint64_t>(threads))
        std::fprintf(stderr, "bench_core: the recorder lost events without counting them\n");
    return static_cast<double>(perThread) * threads / seconds(t1 - t0);
}

// ---- memory after a flood ------------------------------------------------------------------------------------------

/// RSS growth in percent after g.flood callFromThread calls (4 producers) drained; the baseline is taken after a
/// small flood of the same shape, so that one-time costs (the producers' malloc arenas, Qt's event machinery) are
/// in it and only what the big flood leaves is measured.
double floodRssGrowthPercent(double& before, double& after)
{
    (void)callFromThreadThroughput(4, 10'000);
    before = rssKiB();
    (void)callFromThreadThroughput(4, g.flood);
    after = rssKiB();
    return (after - before) / before * 100.0;
}

// ---- contention: CPU burners -----------------------------------------------------------------------------------

/// `--burn N`: N threads of this process, `--burn-process N`: N forked processes; each spins at normal priority for
/// the whole run, so that every workload is measured with that many CPUs taken.
class Burners {
public:
    void startThreads(int n)
    {
        for (int i = 0; i < n; ++i) {
            m_threads.emplace_back([this] {
                std::uint64_t x = 1;
                while (!m_stop.load(std::memory_order_relaxed))
                    x = x * 6364136223846793005ULL + 1442695040888963407ULL; // some work, no memory traffic
                m_sink.fetch_add(x, std::memory_order_relaxed);
            });
        }
    }
    /// Forks `n` children that spin until killed (or until this process dies: PR_SET_PDEATHSIG).
    bool startProcesses(int n)
    {
        const pid_t parent = ::getpid();
        for (int i = 0; i < n; ++i) {
            const pid_t pid = ::fork();
            if (pid < 0)
                return false;
            if (pid == 0) {
                // The child: only async-signal-safe calls, then spin; SIGKILL ends it.
                ::prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (::getppid() != parent)
                    ::_exit(0);
                volatile std::uint64_t x = 1;
                for (;;)
                    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            }
            m_children.push_back(pid);
        }
        return true;
    }
    ~Burners()
    {
        m_stop.store(true, std::memory_order_relaxed);
        for (auto& t : m_threads)
            t.join();
        for (const pid_t pid : m_children) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    }

private:
    std::atomic<bool> m_stop { false };
    std::atomic<std::uint64_t> m_sink { 0 };
    std::vector<std::thread> m_threads;
    std::vector<pid_t> m_children;
};

/// The 1-minute load average, from /proc/loadavg (-1 if unknown).
double loadAverage1()
{
    QFile file(QStringLiteral("/proc/loadavg"));
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    return file.readAll().split(' ').value(0).toDouble();
}

// ---- the table
// -------------------------------------------------------------------------------------------------------

/// Per-round values of every key.
std::map<std::string, std::vector<double>> g_results;
std::vector<std::string> g_only;

bool wanted(const char* group)
{
    return g_only.empty() || std::find(g_only.begin(), g_only.end(), group) != g_only.end();
}

void put(const std::string& key, double value)
{
    g_results[key].push_back(value);
}

struct Row {
    const char* label;
    const char* ours;
    const char* qt; ///< nullptr: no Qt counterpart
    const char* unit;
    bool higherIsBetter;
    const char* target; ///< the ratio target, printed
};

/// " met" / " MISSED" for a ratio target such as ">= 10x" (the median ratio) or ">= 10x every round" (the worst
/// round); empty for any other target.
std::string verdict(const char* target, const std::vector<double>& ratios)
{
    const std::string t(target);
    const bool atLeast = t.rfind(">= ", 0) == 0;
    // A zero ratio: one side did not run (--paced-side), no verdict.
    if (!(atLeast || t.rfind("<= ", 0) == 0) || ratios.empty()
        || std::find(ratios.begin(), ratios.end(), 0.0) != ratios.end())
        return {};
    std::size_t end = 0;
    double bound = 0;
    try {
        bound = std::stod(t.substr(3), &end);
    } catch (...) {
        return {};
    }
    if (t.compare(3 + end, 1, "x") != 0)
        return {};
    const bool everyRound = t.find("every round") != std::string::npos;
    const double value = !everyRound ? median(ratios)
        : atLeast                    ? *std::min_element(ratios.begin(), ratios.end())
                                     : *std::max_element(ratios.begin(), ratios.end());
    return (atLeast ? value >= bound : value <= bound) ? " met" : " MISSED";
}

/// " met" / " MISSED" for an absolute throughput target such as ">= 1e8 /s" (the median); empty for others.
std::string absoluteVerdict(const char* target, const std::vector<double>& values)
{
    const std::string t(target);
    if (t.rfind(">= ", 0) != 0 || t.find(" /s") == std::string::npos || values.empty())
        return {};
    try {
        return median(values) >= std::stod(t.substr(3)) ? " met" : " MISSED";
    } catch (...) {
        return {};
    }
}

/// The table, to `out` (stderr when --json has stdout).
void printRows(std::FILE* out)
{
    const Row rows[] = {
        { "callFromThread, 1 producer", "cft_throughput", "qt_invoke_throughput", "calls/s", true, ">= 10x" },
        { "callFromThread, 4 producers", "cft_throughput_4p", "qt_invoke_throughput_4p", "calls/s", true, ">= 10x" },
        { "callFromThread latency, median", "cft_latency_us", "qt_invoke_latency_us", "us", false, "<= 1.1x" },
        { "callInThread, empty jobs, 4 workers", "cit_throughput", "qt_pool_throughput", "jobs/s", true, ">= 1.0x" },
        { "callInThread with a recorder", "cit_traced_throughput", "cit_throughput", "jobs/s", true, ">= 0.85x" },
        { "  control: 3 clock reads per job", "cit_clock3_throughput", "cit_throughput", "jobs/s", true, "(info)" },
        { "callInThread, 1 us jobs, recorder", "cit_1us_traced_throughput", "cit_1us_throughput", "jobs/s", true,
            ">= 0.95x" },
        { "deferToThread round trip, median", "dtt_roundtrip_us", "qt_roundtrip_us", "us", false, "<= 1.0x" },
        { "deferToThread vs ping-pong floor", "dtt_roundtrip_us", "pingpong_floor_us", "us", false, "<= 1.5x" },
        { "deferToThread, 1000 in flight", "dtt_inflight_throughput", "qt_watcher_inflight_throughput", "/s", true,
            ">= 10x every round" },
        { "blockingCallFromThread, 1 worker", "bcft_us", "qt_blocking_us", "us", false, "<= 1.0x" },
        { "blockingCallFromThread, 4 workers", "bcft_4w_us", "qt_blocking_4w_us", "us", false, "<= 1.0x" },
        { "blockingCallFromThread, 4 workers", "bcft_4w_throughput", "qt_blocking_4w_throughput", "calls/s", true,
            "(info)" },
        { "makespan 1000x10ms/100 thr, cold", "makespan_100_cold", "qt_makespan_100_cold", "x ideal", false,
            "<= 1.10 ideal" },
        { "makespan 1000x10ms/100 thr, warm", "makespan_100_warm", "qt_makespan_100_warm", "x ideal", false,
            "<= 1.03 ideal" },
        { "makespan 200x50ms/10 thr", "makespan_10", "qt_makespan_10", "x ideal", false, "(info)" },
        { "resize 2->32: 32 running after", "resize_running_ms", "qt_resize_running_ms", "ms", false, "<= 2 ms" },
        { "resize 2->32: the call took", "resize_call_ms", "qt_resize_call_ms", "ms", false, "<= 0.2 ms" },
        // Issue 16: the same two measurements, the targets as same-run ratios to Qt's.
        { "paced callFromThread latency, median", "paced_cft_us", "paced_qt_us", "us", false, "<= 1.0x" },
        { "paced callFromThread latency, p99", "paced_cft_p99_us", "paced_qt_p99_us", "us", false, "(info)" },
        { "callInThread, ThreadPool(1, 1)", "cit_throughput_1w", "qt_pool_throughput_1w", "jobs/s", true, ">= 1.0x" },
        { "callInThread, ThreadPool(2, 2)", "cit_throughput_2w", "qt_pool_throughput_2w", "jobs/s", true, ">= 1.0x" },
        { "callInThread, ThreadPool(4, 4)", "cit_throughput_4w", "qt_pool_throughput_4w", "jobs/s", true, ">= 1.0x" },
        { "resize 2->32: 32 running, vs Qt", "resize_running_ms", "qt_resize_running_ms", "ms", false, "<= 0.5x" },
        { "resize 2->32: the call, vs Qt", "resize_call_ms", "qt_resize_call_ms", "ms", false, "<= 0.05x" },
        { "resize 2->32, 30 spare threads: 32 running", "resize_spares_running_ms", "qt_resize_running_ms", "ms", false,
            "<= 0.5x with spares" },
        { "resize 2->32: 32 running, vs floor", "resize_running_ms", "thread_start_floor_ms", "ms", false, "(info)" },
        { "  floor: 30 QThreadPool starts", "thread_start_floor_ms", nullptr, "ms", false, "(info)" },
        { "RSS growth after the flood", "rss_flood_growth_pct", nullptr, "%", false, "<= 10 %" },
        { "recorder, 1 thread, pool's clock", "recorder_1t", nullptr, "events/s", true, ">= 1e8 /s" },
        { "recorder, 1 thread, traceNow()", "recorder_1t_ordered", nullptr, "events/s", true, "(info)" },
        { "recorder, 1 thread, no clock", "recorder_1t_noclock", nullptr, "events/s", true, "(info)" },
        { "recorder, 4 threads, pool's clock", "recorder_4t", nullptr, "events/s", true, "(info)" },
        { "monitored: callFromThread, 1 producer", "mon_cft_throughput", "plain_cft_throughput", "calls/s", true,
            ">= 0.97x" },
        { "monitored: callFromThread, 4 producers", "mon_cft_throughput_4p", "plain_cft_throughput_4p", "calls/s", true,
            ">= 0.97x" },
        { "monitored: callFromThread latency", "mon_cft_latency_us", "plain_cft_latency_us", "us", false, "<= 1.03x" },
        { "monitored: callInThread, 4 workers", "mon_cit_throughput", "plain_cit_throughput", "jobs/s", true,
            ">= 0.97x" },
        { "monitored: deferToThread round trip", "mon_dtt_roundtrip_us", "plain_dtt_roundtrip_us", "us", false,
            "<= 1.03x" },
        { "monitored: deferToThread, 1000 in flight", "mon_dtt_inflight_throughput", "plain_dtt_inflight_throughput",
            "/s", true, ">= 0.97x" },
        { "monitored: blockingCallFromThread, 1 worker", "mon_bcft_us", "plain_bcft_us", "us", false, "<= 1.03x" },
    };
    std::fprintf(out, "%-38s %26s %26s %22s  %s\n", "workload", "qtwisted median [min-max]", "Qt median [min-max]",
        "ratio median [min-max]", "target");
    for (const Row& row : rows) {
        const auto ours = g_results.find(row.ours);
        if (ours == g_results.end() || ours->second.empty())
            continue;
        const auto& a = ours->second;
        auto range = [](const std::vector<double>& v) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.4g [%.3g-%.3g]", median(v), *std::min_element(v.begin(), v.end()),
                *std::max_element(v.begin(), v.end()));
            return std::string(buf);
        };
        std::string qtText = "-";
        std::string ratioText = "-";
        std::string met = absoluteVerdict(row.target, a);
        if (row.qt) {
            const auto qt = g_results.find(row.qt);
            if (qt != g_results.end() && qt->second.size() == a.size()) {
                qtText = range(qt->second);
                std::vector<double> ratios;
                for (std::size_t i = 0; i < a.size(); ++i)
                    ratios.push_back(qt->second[i] > 0 ? a[i] / qt->second[i] : 0);
                ratioText = range(ratios);
                met = verdict(row.target, ratios);
            }
        }
        std::fprintf(out, "%-38s %26s %26s %22s  %s (%s)%s\n", row.label, range(a).c_str(), qtText.c_str(),
            ratioText.c_str(), row.target, row.unit, met.c_str());
    }
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("qtwisted core benchmarks against Qt's primitives"));
    parser.addHelpOption();
    const QCommandLineOption quick(QStringLiteral("quick"), QStringLiteral("Smaller workloads, 3 rounds."));
    const QCommandLineOption rounds(
        QStringLiteral("rounds"), QStringLiteral("Rounds (default 7)."), QStringLiteral("n"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the per-round values as JSON."));
    const QCommandLineOption only(QStringLiteral("only"),
        QStringLiteral("Comma-separated groups: cft, latency, paced, pool, poolN, roundtrip, inflight, blocking, "
                       "makespan, resize, flood, recorder, diagnostics (each workload with and without a "
                       "DiagnosticsMonitor)."),
        QStringLiteral("groups"));
    const QCommandLineOption burn(QStringLiteral("burn"),
        QStringLiteral("Contention: n threads of this process spin at normal priority for the whole run."),
        QStringLiteral("n"));
    const QCommandLineOption burnProcess(QStringLiteral("burn-process"),
        QStringLiteral("Contention: n forked processes spin at normal priority for the whole run."),
        QStringLiteral("n"));
    const QCommandLineOption pacedSide(QStringLiteral("paced-side"),
        QStringLiteral(
            "Profiling aid: only qtwisted (ours) or only invokeMethod (qt) posts in the paced latency group."),
        QStringLiteral("ours|qt"));
    parser.addOptions({ quick, rounds, json, only, burn, burnProcess, pacedSide });
    parser.process(app);
    int nRounds = parser.isSet(quick) ? 3 : 7;
    if (parser.isSet(rounds)) {
        bool ok = false;
        nRounds = parser.value(rounds).toInt(&ok);
        if (!ok || nRounds < 1 || nRounds > 1000) {
            std::fprintf(stderr, "bench_core: --rounds wants a number from 1 to 1000\n");
            return 2;
        }
    }
    if (parser.isSet(quick)) {
        g.calls = 100'000;
        g.jobs = 50'000;
        g.samples = 500;
        g.inflightTotal = 20'000;
        g.watcherTotal = 5'000;
        g.blocking4 = 2'000;
        g.makespan10 = false;
        g.flood = 1'000'000;
        g.recorderEvents = 1'000'000;
    }
    auto count = [&](const QCommandLineOption& option) {
        if (!parser.isSet(option))
            return 0;
        bool ok = false;
        const int n = parser.value(option).toInt(&ok);
        return ok && n >= 0 && n <= 64 ? n : -1;
    };
    if (parser.isSet(pacedSide)) {
        const QString side = parser.value(pacedSide);
        if (side != QLatin1String("ours") && side != QLatin1String("qt")) {
            std::fprintf(stderr, "bench_core: --paced-side wants ours or qt\n");
            return 2;
        }
        g_pacedSide = side == QLatin1String("ours") ? PacedSide::Ours : PacedSide::Qt;
    }
    const int burnThreads = count(burn);
    const int burnProcesses = count(burnProcess);
    if (burnThreads < 0 || burnProcesses < 0) {
        std::fprintf(stderr, "bench_core: --burn and --burn-process want a number from 0 to 64\n");
        return 2;
    }
    const double loadBefore = loadAverage1();
    Burners burners;
    if (!burners.startProcesses(burnProcesses)) {
        std::fprintf(stderr, "bench_core: fork failed\n");
        return 1;
    }
    burners.startThreads(burnThreads);
    std::string contention = "idle (no burners)";
    if (burnThreads > 0 || burnProcesses > 0) {
        contention.clear();
        if (burnThreads > 0)
            contention += std::to_string(burnThreads) + " CPU-burning thread(s)";
        if (burnProcesses > 0)
            contention += std::string(contention.empty() ? "" : " + ") + std::to_string(burnProcesses)
                + " CPU-burning process(es)";
    }
    for (const QString& group : parser.value(only).split(QLatin1Char(','), Qt::SkipEmptyParts))
        g_only.push_back(group.trimmed().toStdString());
    const char* dispatcher = qEnvironmentVariableIsSet("QT_NO_GLIB") ? "QEventDispatcherUNIX (QT_NO_GLIB)"
                                                                     : "glib (Qt's default on Linux)";
    const bool asJson = parser.isSet(json);
    const char* traceClock = qtwisted::detail::TraceClock::instance().usesTsc() ? "TSC" : "steady_clock";
    if (!asJson)
        std::printf("bench_core: %d interleaved rounds, event dispatcher %s, trace clock %s, contention: %s, load "
                    "average (1 min) before: %.2f, %d CPUs\n",
            nRounds, dispatcher, traceClock, contention.c_str(), loadBefore, QThread::idealThreadCount());

    for (int r = 0; r < nRounds; ++r) {
        if (!g_only.empty() && wanted("diagnostics")) {
            // Monitored and plain alternate within the round, the order flipped every round.
            for (int k = 0; k < 2; ++k) {
                g_monitored = (k + r) % 2 == 0;
                const std::string p = g_monitored ? "mon_" : "plain_";
                put(p + "cft_throughput", callFromThreadThroughput(1));
                put(p + "cft_throughput_4p", callFromThreadThroughput(4));
                put(p + "cft_latency_us", callFromThreadLatencyUs());
                put(p + "cit_throughput", poolThroughput(PoolLoad::Empty));
                put(p + "dtt_roundtrip_us", deferToThreadRoundTripUs());
                put(p + "dtt_inflight_throughput", deferToThreadInFlight());
                put(p + "bcft_us", blockingCalls(1, g.samples).first);
            }
            g_monitored = false;
        }
        if (wanted("cft")) {
            put("cft_throughput", callFromThreadThroughput(1));
            put("qt_invoke_throughput", invokeMethodThroughput(1));
            put("cft_throughput_4p", callFromThreadThroughput(4));
            put("qt_invoke_throughput_4p", invokeMethodThroughput(4));
        }
        if (wanted("latency")) {
            put("cft_latency_us", callFromThreadLatencyUs());
            put("qt_invoke_latency_us", invokeMethodLatencyUs());
        }
        if (wanted("paced")) {
            const Paced paced = pacedLatency(r);
            put("paced_cft_us", paced.oursMedianUs);
            put("paced_qt_us", paced.qtMedianUs);
            put("paced_cft_p99_us", paced.oursP99Us);
            put("paced_qt_p99_us", paced.qtP99Us);
        }
        if (wanted("poolN")) {
            // Which side goes first flips every round.
            for (const int n : { 1, 2, 4 }) {
                const std::string suffix = "_" + std::to_string(n) + "w";
                for (int k = 0; k < 2; ++k) {
                    if ((k + r) % 2 == 0)
                        put("cit_throughput" + suffix, poolThroughputN(n));
                    else
                        put("qt_pool_throughput" + suffix, qtPoolThroughputN(n));
                }
            }
        }
        if (wanted("pool")) {
            put("cit_throughput", poolThroughput(PoolLoad::Empty));
            put("cit_traced_throughput", poolThroughput(PoolLoad::Recorder));
            put("cit_clock3_throughput", poolThroughput(PoolLoad::ThreeClockReads));
            put("cit_1us_throughput", poolThroughput(PoolLoad::Empty, 1000));
            put("cit_1us_traced_throughput", poolThroughput(PoolLoad::Recorder, 1000));
            put("qt_pool_throughput", qtPoolThroughputN(4));
        }
        if (wanted("roundtrip")) {
            put("dtt_roundtrip_us", deferToThreadRoundTripUs());
            put("qt_roundtrip_us", qtRoundTripUs());
            put("pingpong_floor_us", pingPongUs());
        }
        if (wanted("inflight")) {
            put("dtt_inflight_throughput", deferToThreadInFlight());
            put("qt_watcher_inflight_throughput", watcherInFlight());
        }
        if (wanted("blocking")) {
            const auto [b1, b1rate] = blockingCalls(1, g.samples);
            const auto [q1, q1rate] = blockingQueued(1, g.samples);
            const auto [b4, b4rate] = blockingCalls(4, g.blocking4 / 4);
            const auto [q4, q4rate] = blockingQueued(4, g.blocking4 / 4);
            put("bcft_us", b1);
            put("qt_blocking_us", q1);
            put("bcft_4w_us", b4);
            put("qt_blocking_4w_us", q4);
            put("bcft_4w_throughput", b4rate);
            put("qt_blocking_4w_throughput", q4rate);
        }
        if (wanted("makespan")) {
            const auto [cold, warm] = makespan(1000, 10ms, 100, true);
            const auto [qcold, qwarm] = qtMakespan(1000, 10ms, 100, true);
            put("makespan_100_cold", cold);
            put("makespan_100_warm", warm);
            put("qt_makespan_100_cold", qcold);
            put("qt_makespan_100_warm", qwarm);
            if (g.makespan10) {
                put("makespan_10", makespan(200, 50ms, 10, false).first);
                put("qt_makespan_10", qtMakespan(200, 50ms, 10, false).first);
            }
        }
        if (wanted("resize")) {
            const Resize ours = reactorResize();
            const Resize qt = qtResize();
            // "Never" (not within 500 ms) counts as 500 ms in the table; the JSON says null.
            put("resize_running_ms", ours.runningMs.value_or(500.0));
            put("resize_call_ms", ours.callMs);
            put("qt_resize_running_ms", qt.runningMs.value_or(500.0));
            put("qt_resize_call_ms", qt.callMs);
            put("thread_start_floor_ms", threadStartFloorMs());
            put("resize_spares_running_ms", reactorResize(30).runningMs.value_or(500.0));
        }
        if (wanted("recorder")) {
            put("recorder_1t", recorderThroughput(1));
            put("recorder_1t_ordered", recorderThroughput(1, Stamp::Ordered));
            put("recorder_1t_noclock", recorderThroughput(1, Stamp::None));
            put("recorder_4t", recorderThroughput(4));
        }
    }
    double rssBefore = 0;
    double rssAfter = 0;
    if (wanted("flood"))
        put("rss_flood_growth_pct", floodRssGrowthPercent(rssBefore, rssAfter));

    if (asJson) {
        QJsonObject results;
        for (const auto& [key, values] : g_results) {
            QJsonArray list;
            for (double v : values)
                list.append(v);
            results.insert(QString::fromStdString(key), list);
        }
        QJsonObject root { { QStringLiteral("implementation"), QStringLiteral("qtwisted") },
            { QStringLiteral("dispatcher"), QString::fromLatin1(dispatcher) }, { QStringLiteral("rounds"), nRounds },
            { QStringLiteral("contention"), QString::fromStdString(contention) },
            { QStringLiteral("load_before"), loadBefore }, { QStringLiteral("results"), results } };
        if (wanted("flood")) {
            root.insert(QStringLiteral("rss_kib"),
                QJsonObject { { QStringLiteral("before"), rssBefore }, { QStringLiteral("after"), rssAfter } });
        }
        std::printf("%s\n", QJsonDocument(root).toJson(QJsonDocument::Compact).constData());
        printRows(stderr);
        return 0;
    }
    printRows(stdout);
    if (wanted("flood"))
        std::printf("RSS: %.0f KiB before a %d-call flood, %.0f KiB after it drained\n", rssBefore, g.flood, rssAfter);
    return 0;
}
