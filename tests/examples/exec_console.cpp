// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// An application that runs its own event loop (QCoreApplication::exec()) and never calls Reactor::run(): the
// reactor starts when the loop spins and shuts down on aboutToQuit. The work is a coroutine that awaits threads,
// a Qt signal and a QFuture. Exit code 0 when everything ran in the right threads.
#include <qtwisted/deferred.h>
#include <qtwisted/qtinterop.h>
#include <qtwisted/reactor.h>
#include <qtwisted/threads.h>

#include <QCoreApplication>
#include <QPromise>
#include <QThread>
#include <QTimer>

#include <cstdio>
#include <numeric>
#include <vector>

namespace {

bool g_allInMainThread = true;

void checkMainThread()
{
    g_allInMainThread = g_allInMainThread && QThread::currentThread() == QCoreApplication::instance()->thread();
}

qint64 sumRange(qint64 from, qint64 to)
{
    std::vector<qint64> v(static_cast<std::size_t>(to - from));
    std::iota(v.begin(), v.end(), from);
    return std::accumulate(v.begin(), v.end(), qint64(0));
}

qtwisted::Deferred<qint64> job()
{
    using namespace qtwisted;
    // Four slices in parallel in the reactor's pool, gathered in the main thread.
    QList<Deferred<qint64>> parts;
    for (qint64 i = 0; i < 4; ++i)
        parts.append(threads::deferToThread(sumRange, i * 250'000, (i + 1) * 250'000));
    const QList<qint64> sums = co_await gatherResults(parts);
    checkMainThread();

    // Wait for a Qt signal (a private one: QTimer::timeout) without a nested event loop.
    QTimer tick;
    tick.setSingleShot(true);
    tick.start(10);
    co_await deferredFromSignal(&tick, &QTimer::timeout);
    checkMainThread();

    // And for a QFuture produced by a plain std::thread-style producer.
    auto promise = std::make_shared<QPromise<qint64>>();
    promise->start();
    Reactor::instance().callInThread([promise] {
        promise->addResult(1);
        promise->finish();
    });
    const qint64 one = co_await fromQFuture(promise->future());
    checkMainThread();

    co_return std::accumulate(sums.begin(), sums.end(), qint64(0)) + one;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    auto& reactor = qtwisted::Reactor::instance(); // created in the main thread: that is the reactor thread
    qint64 result = -1;
    QString error;
    reactor.callWhenRunning([&] {
        job().addBoth([&](const qtwisted::Outcome<qint64>& o) {
            if (o.ok())
                result = o.value();
            else
                error = o.failure().message();
            reactor.stop(); // shuts the reactor down, then asks the application to quit
        });
    });
    QTimer::singleShot(30'000, &app, [] {
        std::printf("watchdog: the job did not finish\n");
        QCoreApplication::exit(2);
    });
    const int rc = QCoreApplication::exec(); // no reactor.run()

    const qint64 expected = sumRange(0, 1'000'000) + 1;
    std::printf("result %lld (expected %lld)%s, callbacks in the main thread: %s, reactor running: %s\n",
        static_cast<long long>(result), static_cast<long long>(expected),
        error.isEmpty() ? "" : qPrintable(QStringLiteral(", error: ") + error), g_allInMainThread ? "yes" : "no",
        reactor.isRunning() ? "yes" : "no");
    return rc == 0 && result == expected && g_allInMainThread && !reactor.isRunning() ? 0 : 1;
}
