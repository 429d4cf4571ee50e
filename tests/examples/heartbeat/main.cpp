// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// The heartbeat example application: watches a "server" (a probe that sleeps 50 ms and answers) on the application's
// reactor. With --autoquit it stops after the first answer; exit code 0 when the server was online.
#include "heartbeat.h"

#include <QCoreApplication>
#include <QThread>

#include <cstdio>

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const bool autoquit = app.arguments().contains(QStringLiteral("--autoquit"));
    auto& reactor = qtwisted::Reactor::instance();
    int answers = 0;
    Heartbeat heartbeat(reactor, [&answers] {
        QThread::msleep(50);
        ++answers;
        return true;
    });
    QObject::connect(&heartbeat, &Heartbeat::wentOffline, [] { std::puts("server offline"); });
    reactor.callWhenRunning([&] { heartbeat.start(); });
    if (autoquit)
        reactor.callLater(0.5, [&] {
            heartbeat.stop();
            reactor.stop();
        });
    reactor.run();
    std::printf("heartbeat: %d answer(s), server %s\n", answers, heartbeat.online() ? "online" : "offline");
    return answers > 0 && heartbeat.online() ? 0 : 1;
}
