// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Core throughput benchmarks, interleaved over rounds in one process; only same-run ratios count (PERF.md).
//   bench_core [--quick] [--rounds N] [--jobs N]
#include <qtwisted/reactor.h>
#include <qtwisted/threadpool.h>
#include <qtwisted/trace.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QMetaObject>
#include <QThreadPool>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <semaphore>
#include <string>
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
