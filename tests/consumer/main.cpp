// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Uses what an application would: the reactor, deferToThread, a coroutine, QFuture interop and the built-in
// scenarios (compiled-in resources, which a static library's users must link too). Exit code 0 = all good.
#include <qtwisted/deferred.h>
#include <qtwisted/qtinterop.h>
#include <qtwisted/reactor.h>
#include <qtwisted/threads.h>

#include <QCoreApplication>
#include <QFile>
#include <QThread>

#include <cstdio>

namespace {

qtwisted::Deferred<int> work(QThread* reactorThread, bool* resumedInReactor)
{
    const int a = co_await qtwisted::threads::deferToThread([] { return 20; });
    *resumedInReactor = QThread::currentThread() == reactorThread;
    const int b = co_await qtwisted::fromQFuture(QtFuture::makeReadyFuture(22));
    co_return a + b;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    auto& reactor = qtwisted::Reactor::instance();
    int result = 0;
    bool resumedInReactor = false;
    reactor.callWhenRunning([&] {
        work(QThread::currentThread(), &resumedInReactor).addBoth([&](const qtwisted::Outcome<int>& o) {
            result = o.ok() ? o.value() : -1;
            reactor.stop();
        });
    });
    reactor.callLater(30.0, [&reactor] { reactor.stop(); }); // watchdog
    reactor.run();

    const bool resources = QFile::exists(QStringLiteral(":/qtwisted/scenarios/howto-deferToThread.json"));
    std::printf("qtwisted consumer (%s): result %d, resumed in reactor thread %d, built-in scenarios %d\n",
        QTWISTED_CONSUMER_HOW, result, int(resumedInReactor), int(resources));
    return result == 42 && resumedInReactor && resources ? 0 : 1;
}
