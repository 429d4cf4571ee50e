// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// The examples of Twisted's "Using Threads in Twisted" howto, in C++, in a console application that hands its main
// thread to the reactor (Reactor::run()), as a Twisted program does. Prints what each example prints.
#include <qtwisted/reactor.h>
#include <qtwisted/threads.h>

#include <QCoreApplication>
#include <QThread>

#include <chrono>
#include <cstdio>

using namespace std::chrono_literals;

namespace {

void say(const QString& text)
{
    const QString thread = QThread::currentThread() == QCoreApplication::instance()->thread()
        ? QStringLiteral("reactor thread")
        : QThread::currentThread()->objectName();
    std::printf("%-28s [%s]\n", qPrintable(text), qPrintable(thread));
    std::fflush(stdout);
}

// "Running code in a thread-safe manner": must run in the reactor thread.
void notThreadSafe(int x)
{
    say(QStringLiteral("notThreadSafe(%1)").arg(x));
}

// "Running code in threads"
void aSillyBlockingMethod(const QString& x)
{
    QThread::sleep(2);
    say(x);
}

// "Utility methods": callMultipleInThread runs these in order, in one worker.
void aSillyBlockingMethodOne(const QString& x)
{
    QThread::sleep(1);
    say(x);
}

void aSillyBlockingMethodTwo(const QString& x)
{
    say(x);
}

// "Getting results": deferToThread.
int doLongCalculation()
{
    // .... do long calculation here ...
    return 3;
}

void printResult(int x)
{
    say(QStringLiteral("result %1").arg(x));
}

// "Getting results" from the reactor thread: blockingCallFromThread waits for this Deferred.
qtwisted::Deferred<QString> getPage(const QString& url)
{
    qtwisted::Deferred<QString> page;
    qtwisted::Reactor::instance().callLater(
        50ms, [page, url]() mutable { page.callback(QStringLiteral("<html>%1</html>").arg(url)); });
    return page;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    using namespace qtwisted;
    auto& reactor = Reactor::instance();

    reactor.callFromThread(notThreadSafe, 3);

    reactor.callInThread(aSillyBlockingMethod, QStringLiteral("2 seconds have passed"));

    threads::callMultipleInThread({ [] { aSillyBlockingMethodOne(QStringLiteral("Calling First")); },
        [] { aSillyBlockingMethodTwo(QStringLiteral("And the second")); } });

    threads::deferToThread(doLongCalculation).addCallback(printResult);

    reactor.callInThread([&reactor] {
        try {
            const QString page = threads::blockingCallFromThread(reactor, getPage, QStringLiteral("http://..."));
            say(page);
        } catch (const std::exception& e) {
            say(QString::fromUtf8(e.what()));
        }
        // stop() waits for the pool to finish its work: "2 seconds have passed" is still printed.
        reactor.callFromThread([&reactor] { reactor.stop(); });
    });

    // "Managing the reactor thread pool"
    reactor.suggestThreadPoolSize(30);
    reactor.run();
    say(QStringLiteral("reactor stopped"));
    return 0;
}
