// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Shared by the ui suites: Thread Lab's window on a running reactor, and thread-lab run as a process.
#pragma once

#include <qtwisted/inspect/labcontroller.h>
#include <qtwisted/reactor.h>
#include <qtwisted/ui/mainwindow.h>

#include <QProcess>
#include <QProcessEnvironment>
#include <QSignalSpy>
#include <QTest>

#include <memory>

namespace labtest {

/// The window as the application makes it: an embedded reactor (it starts when an event loop spins), a
/// LabController and a shown MainWindow.
struct LabWindow {
    std::unique_ptr<qtwisted::Reactor> reactor;
    std::unique_ptr<qtwisted::LabController> controller;
    std::unique_ptr<qtwisted::MainWindow> window;

    /// Opens the window and waits until it is exposed and the reactor runs; false if either does not happen.
    bool open()
    {
        reactor = std::make_unique<qtwisted::Reactor>();
        QSignalSpy started(reactor.get(), &qtwisted::Reactor::started);
        controller = std::make_unique<qtwisted::LabController>(*reactor);
        window = std::make_unique<qtwisted::MainWindow>(*controller);
        window->show();
        if (!QTest::qWaitForWindowExposed(window.get()))
            return false;
        return reactor->isRunning() || started.wait(5000);
    }

    /// Cancels what runs, then closes the window and its reactor.
    void close()
    {
        if (controller)
            controller->cancelAll();
        window.reset();
        controller.reset();
        reactor.reset();
    }
};

#ifdef QTWISTED_THREAD_LAB
/// What a finished thread-lab process printed (stdout and stderr) and its exit status (-1: crashed or timed out).
struct LabRun {
    int exitCode = -1;
    QString output;
};

/// Runs thread-lab (QTWISTED_THREAD_LAB) offscreen with `arguments`, waiting in the event loop (a test's own
/// reactor thread must not stall meanwhile) for at most a minute.
inline LabRun runLab(const QStringList& arguments)
{
    QProcess lab;
    lab.setProcessChannelMode(QProcess::MergedChannels);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    lab.setProcessEnvironment(env);
    QSignalSpy finished(&lab, &QProcess::finished);
    lab.start(QStringLiteral(QTWISTED_THREAD_LAB), arguments);
    LabRun run;
    if (!finished.wait(60000)) {
        lab.kill();
        lab.waitForFinished();
        return run;
    }
    run.output = QString::fromUtf8(lab.readAll());
    run.exitCode = lab.exitStatus() == QProcess::NormalExit ? lab.exitCode() : -1;
    return run;
}
#endif

} // namespace labtest
