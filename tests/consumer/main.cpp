// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Uses what an application would from QTwisted::Core alone: the reactor, deferToThread, a coroutine and QFuture
// interop. Exit code 0 = all good.
#include <qtwisted/deferred.h>
#include <qtwisted/qtinterop.h>
#include <qtwisted/reactor.h>
#include <qtwisted/threads.h>

#include <QCoreApplication>
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

    std::printf("qtwisted consumer (%s): result %d, resumed in reactor thread %d\n", QTWISTED_CONSUMER_HOW, result,
        int(resumedInReactor));
    return result == 42 && resumedInReactor ? 0 : 1;
}
