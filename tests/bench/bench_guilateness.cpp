// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// GUI responsiveness under a callFromThread flood (docs/benchmarks.md: with 100 000 calls/s arriving, a 16 ms GUI timer
// is never more than 50 ms late). One producer thread paces 100 000 calls/s; a 16 ms PreciseTimer runs in the GUI
// thread, which is the reactor thread. Two variants: the bare reactor, and Thread Lab's window recording everything.
//   bench_guilateness [--quick] [--seconds S] [--rate N]
#include <qtwisted/inspect/labcontroller.h>
#include <qtwisted/reactor.h>
#include <qtwisted/ui/mainwindow.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

using namespace qtwisted;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kTick = std::chrono::milliseconds(16);
constexpr int kBatchesPerSecond = 1000; // the producer paces itself every millisecond

struct Result {
    double worstLateMs = 0;
    double p99LateMs = 0;
    long long calls = 0;
    long long delivered = 0;
    int ticks = 0;
};

Result run(QApplication& app, bool withWindow, double seconds, int rate)
{
    Reactor reactor; // embedded: starts when the loop spins
    std::unique_ptr<LabController> controller;
    std::unique_ptr<MainWindow> window;
    if (withWindow) {
        controller = std::make_unique<LabController>(reactor);
        window = std::make_unique<MainWindow>(*controller);
        window->show();
    }

    std::atomic<bool> stop { false };
    std::atomic<long long> sent { 0 };
    long long delivered = 0; // reactor thread only
    std::thread producer;

    std::vector<double> late;
    QTimer timer;
    timer.setTimerType(Qt::PreciseTimer);
    timer.setInterval(kTick);
    Clock::time_point last;
    QObject::connect(&timer, &QTimer::timeout, &timer, [&] {
        const Clock::time_point now = Clock::now();
        if (last != Clock::time_point {})
            late.push_back(std::max(0.0, std::chrono::duration<double, std::milli>(now - last - kTick).count()));
        last = now;
    });

    QObject::connect(&reactor, &Reactor::started, &reactor, [&] {
        timer.start();
        producer = std::thread([&] {
            const int perBatch = std::max(1, rate / kBatchesPerSecond);
            auto next = Clock::now();
            while (!stop.load(std::memory_order_relaxed)) {
                for (int i = 0; i < perBatch; ++i)
                    reactor.callFromThread([&delivered] { ++delivered; });
                sent.fetch_add(perBatch, std::memory_order_relaxed);
                next += std::chrono::microseconds(1'000'000 / kBatchesPerSecond);
                std::this_thread::sleep_until(next);
            }
        });
        QTimer::singleShot(static_cast<int>(seconds * 1000), &reactor, [&] {
            stop = true;
            producer.join();
            timer.stop();
            // Let the last calls arrive before the loop ends.
            QTimer::singleShot(200, &app, &QCoreApplication::quit);
        });
    });
    QApplication::exec();
    if (producer.joinable()) {
        stop = true;
        producer.join();
    }
    Result r;
    std::sort(late.begin(), late.end());
    r.ticks = static_cast<int>(late.size());
    if (!late.empty()) {
        r.worstLateMs = late.back();
        r.p99LateMs = late[std::min(late.size() - 1, late.size() * 99 / 100)];
    }
    r.calls = sent.load();
    r.delivered = delivered;
    window.reset();
    controller.reset();
    return r;
}

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption quick(QStringLiteral("quick"), QStringLiteral("2 s per variant."));
    const QCommandLineOption secondsOption(
        QStringLiteral("seconds"), QStringLiteral("Flood duration per variant (default 5)."), QStringLiteral("S"));
    const QCommandLineOption rateOption(
        QStringLiteral("rate"), QStringLiteral("callFromThread per second (default 100000)."), QStringLiteral("N"));
    parser.addOptions({ quick, secondsOption, rateOption });
    parser.process(app);
    const double seconds = parser.isSet(secondsOption) ? parser.value(secondsOption).toDouble()
        : parser.isSet(quick)                          ? 2.0
                                                       : 5.0;
    const int rate = parser.isSet(rateOption) ? parser.value(rateOption).toInt() : 100'000;
    if (!(seconds > 0 && seconds <= 600) || rate < 1) {
        std::fprintf(stderr, "bench_guilateness: --seconds must be in (0, 600], --rate positive\n");
        return 2;
    }
    std::printf(
        "16 ms GUI timer under %d callFromThread/s from one thread, %.1f s per variant (target worst <= 50 ms), "
        "dispatcher: %s\n",
        rate, seconds, qEnvironmentVariableIsSet("QT_NO_GLIB") ? "QT_NO_GLIB (unix)" : "default (glib)");
    bool ok = true;
    for (bool withWindow : { false, true }) {
        const Result r = run(app, withWindow, seconds, rate);
        std::printf("  %-34s worst late %6.2f ms  p99 %6.2f ms  (%d ticks; %lld calls sent, %lld delivered, %.0f/s)\n",
            withWindow ? "Thread Lab window, recording:" : "bare reactor:", r.worstLateMs, r.p99LateMs, r.ticks,
            r.calls, r.delivered, static_cast<double>(r.delivered) / seconds);
        ok = ok && r.worstLateMs <= 50.0;
    }
    std::printf("%s\n", ok ? "worst lateness within 50 ms" : "worst lateness ABOVE 50 ms");
    return 0;
}
