// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Core throughput benchmarks, interleaved over rounds in one process; only same-run ratios count (PERF.md).
//   bench_core [--quick] [--rounds N] [--jobs N]
#include <qtwisted/reactor.h>
#include <qtwisted/threadpool.h>
#include <qtwisted/threads.h>
#include <qtwisted/trace.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QEventLoop>
#include <QMetaObject>
#include <QObject>
#include <QThread>
#include <QThreadPool>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

using namespace qtwisted;
using Clock = std::chrono::steady_clock;

namespace {

int g_jobs = 200'000;

double seconds(Clock::duration d)
{
    return std::chrono::duration<double>(d).count();
}

/// Empty jobs per second through qtwisted's pool (4 workers), optionally with a recorder attached and drained.
double poolThroughput(bool traced)
{
    ThreadPool pool(4, 4, QStringLiteral("bench"));
    TraceRecorder recorder(1 << 20);
    if (traced)
        recorder.attach(pool);
    pool.start();
    std::atomic<int> done { 0 };
    std::binary_semaphore finished { 0 };
    const int n = g_jobs;
    std::vector<TraceEvent> sink;
    const auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) {
        pool.callInThread([&done, &finished, n] {
            if (done.fetch_add(1, std::memory_order_relaxed) + 1 == n)
                finished.release();
        });
    }
    finished.acquire();
    const auto t1 = Clock::now();
    if (traced) {
        while (recorder.drain(sink, 1 << 16) > 0)
            sink.clear();
    }
    pool.stop();
    return n / seconds(t1 - t0);
}

/// The same through a raw QThreadPool::start(lambda) with 4 threads.
double qtPoolThroughput()
{
    QThreadPool pool;
    pool.setMaxThreadCount(4);
    std::atomic<int> done { 0 };
    std::binary_semaphore finished { 0 };
    const int n = g_jobs;
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

int g_calls = 500'000;
int g_roundTrips = 2'000;

/// callFromThread throughput: one producer thread posts g_calls calls; time until the last one ran.
double callFromThreadThroughput()
{
    Reactor reactor;
    int ran = 0;
    const int n = g_calls;
    Clock::time_point t0;
    Clock::time_point t1;
    std::thread producer;
    reactor.callWhenRunning([&] {
        t0 = Clock::now();
        producer = std::thread([&] {
            for (int i = 0; i < n; ++i) {
                reactor.callFromThread([&] {
                    if (++ran == n) {
                        t1 = Clock::now();
                        reactor.stop();
                    }
                });
            }
        });
    });
    reactor.run();
    producer.join();
    return n / seconds(t1 - t0);
}

/// The same through QMetaObject::invokeMethod(receiver, lambda, Qt::QueuedConnection).
double invokeMethodThroughput()
{
    QObject receiver;
    QEventLoop loop;
    int ran = 0;
    const int n = g_calls;
    const auto t0 = Clock::now();
    Clock::time_point t1;
    std::thread producer([&] {
        for (int i = 0; i < n; ++i) {
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
    loop.exec();
    producer.join();
    return n / seconds(t1 - t0);
}

/// deferToThread round trip, one at a time: median microseconds from call to callback.
double deferToThreadRoundTripUs()
{
    Reactor reactor;
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(g_roundTrips));
    std::function<void()> next;
    next = [&] {
        if (static_cast<int>(samples.size()) == g_roundTrips) {
            reactor.stop();
            return;
        }
        const auto t0 = Clock::now();
        threads::deferToThreadPool(reactor, reactor.getThreadPool(), [] { return 1; }).addCallback([&, t0](int) {
            samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
            next();
        });
    };
    reactor.callWhenRunning([&] { next(); });
    reactor.run();
    std::sort(samples.begin(), samples.end());
    return samples[samples.size() / 2];
}

/// The raw Qt round trip: QThreadPool::start, then invokeMethod back to the main thread.
double qtRoundTripUs()
{
    QThreadPool pool;
    pool.setMaxThreadCount(10);
    QObject receiver;
    QEventLoop loop;
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(g_roundTrips));
    std::function<void()> next;
    next = [&] {
        if (static_cast<int>(samples.size()) == g_roundTrips) {
            loop.quit();
            return;
        }
        const auto t0 = Clock::now();
        pool.start([&, t0] {
            QMetaObject::invokeMethod(
                &receiver,
                [&, t0] {
                    samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
                    next();
                },
                Qt::QueuedConnection);
        });
    };
    QMetaObject::invokeMethod(
        &receiver, [&] { next(); }, Qt::QueuedConnection);
    loop.exec();
    pool.waitForDone();
    std::sort(samples.begin(), samples.end());
    return samples[samples.size() / 2];
}

/// blockingCallFromThread from one worker: median microseconds per call.
double blockingCallUs()
{
    Reactor reactor;
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(g_roundTrips));
    reactor.callWhenRunning([&] {
        reactor.callInThread([&] {
            for (int i = 0; i < g_roundTrips; ++i) {
                const auto t0 = Clock::now();
                (void)threads::blockingCallFromThread(reactor, [] { return 1; });
                samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
            }
            reactor.callFromThread([&] { reactor.stop(); });
        });
    });
    reactor.run();
    std::sort(samples.begin(), samples.end());
    return samples[samples.size() / 2];
}

/// The same with QMetaObject::invokeMethod(..., Qt::BlockingQueuedConnection) from a std::thread.
double blockingQueuedUs()
{
    QObject receiver;
    QEventLoop loop;
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(g_roundTrips));
    std::thread worker([&] {
        for (int i = 0; i < g_roundTrips; ++i) {
            const auto t0 = Clock::now();
            int v = 0;
            QMetaObject::invokeMethod(
                &receiver, [&v] { v = 1; }, Qt::BlockingQueuedConnection);
            samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
        }
        QMetaObject::invokeMethod(&loop, &QEventLoop::quit, Qt::QueuedConnection);
    });
    loop.exec();
    worker.join();
    std::sort(samples.begin(), samples.end());
    return samples[samples.size() / 2];
}

struct Series {
    std::vector<double> values;
    double median() const
    {
        auto v = values;
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    }
    double min() const { return *std::min_element(values.begin(), values.end()); }
    double max() const { return *std::max_element(values.begin(), values.end()); }
};

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("qtwisted core benchmarks (same-run ratios)"));
    parser.addHelpOption();
    QCommandLineOption quick(QStringLiteral("quick"), QStringLiteral("Few rounds, small workloads."));
    QCommandLineOption rounds(QStringLiteral("rounds"), QStringLiteral("Rounds (default 9)."), QStringLiteral("n"));
    parser.addOption(quick);
    parser.addOption(rounds);
    parser.process(app);
    int nRounds = parser.isSet(rounds) ? parser.value(rounds).toInt() : 9;
    if (parser.isSet(quick)) {
        nRounds = 5;
        g_jobs = 50'000;
    }

    if (parser.isSet(quick)) {
        g_calls = 100'000;
        g_roundTrips = 500;
    }
    std::printf("event dispatcher: %s\n",
        qEnvironmentVariableIsSet("QT_NO_GLIB") ? "QEventDispatcherUNIX (QT_NO_GLIB)" : "glib (Qt's default on Linux)");
    {
        std::map<std::string, Series> r;
        std::vector<double> cft, rt, bl;
        for (int i = 0; i < nRounds; ++i) {
            const double ours = callFromThreadThroughput();
            const double qt = invokeMethodThroughput();
            const double d = deferToThreadRoundTripUs();
            const double q = qtRoundTripUs();
            const double b = blockingCallUs();
            const double bq = blockingQueuedUs();
            r["callFromThread, calls/s"].values.push_back(ours);
            r["invokeMethod(Queued), calls/s"].values.push_back(qt);
            r["deferToThread round trip, us"].values.push_back(d);
            r["QThreadPool::start+invokeMethod, us"].values.push_back(q);
            r["blockingCallFromThread, us"].values.push_back(b);
            r["BlockingQueuedConnection, us"].values.push_back(bq);
            cft.push_back(ours / qt);
            rt.push_back(d / q);
            bl.push_back(b / bq);
        }
        std::printf("reactor: %d calls, %d round trips, %d rounds; median [min-max]\n", g_calls, g_roundTrips, nRounds);
        for (const auto& [name, s] : r)
            std::printf("  %-40s %12.1f  [%.1f-%.1f]\n", name.c_str(), s.median(), s.min(), s.max());
        const Series a { cft }, b { rt }, c { bl };
        std::printf(
            "ratios: callFromThread / invokeMethod = %.1f [%.1f-%.1f] (target >= 10)\n", a.median(), a.min(), a.max());
        std::printf(
            "        deferToThread / Qt round trip = %.2f [%.2f-%.2f] (target <= 1.0)\n", b.median(), b.min(), b.max());
        std::printf("        blockingCallFromThread / BlockingQueuedConnection = %.2f [%.2f-%.2f] (target <= 1.0)\n",
            c.median(), c.min(), c.max());
    }

    std::map<std::string, Series> results;
    std::vector<double> tracedRatio, qtRatio;
    for (int r = 0; r < nRounds; ++r) {
        const double plain = poolThroughput(false);
        const double traced = poolThroughput(true);
        const double qt = qtPoolThroughput();
        results["callInThread (tracing off)"].values.push_back(plain);
        results["callInThread (recorder attached)"].values.push_back(traced);
        results["QThreadPool::start(lambda)"].values.push_back(qt);
        tracedRatio.push_back(traced / plain);
        qtRatio.push_back(plain / qt);
    }
    std::printf("%d empty jobs, 4 workers, %d interleaved rounds; median [min-max]\n", g_jobs, nRounds);
    for (const auto& [name, s] : results)
        std::printf("  %-36s %10.0f jobs/s  [%.0f-%.0f]\n", name.c_str(), s.median(), s.min(), s.max());
    Series tr { tracedRatio }, qr { qtRatio };
    std::printf("ratios (same round): recorder attached / off = %.2f [%.2f-%.2f] (target >= 0.85)\n", tr.median(),
        tr.min(), tr.max());
    std::printf("                     callInThread / QThreadPool::start = %.2f [%.2f-%.2f] (target >= 1.0)\n",
        qr.median(), qr.min(), qr.max());
    return 0;
}
