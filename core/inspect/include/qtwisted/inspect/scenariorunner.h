// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/inspect/scenario.h>

#include <QObject>
#include <QString>

#include <memory>

class QThread;

namespace qtwisted {

class Reactor;

/// Plays a Scenario on a reactor and its pool: each step at its time (Reactor::callLater from the start), jobs
/// submitted through the step's API and labelled (ScopedJobLabel), durations and failures drawn from the scenario's
/// seed. Lives in, and is used from, the reactor thread. See docs/scenarios.md.
class ScenarioRunner : public QObject {
    Q_OBJECT
public:
    /// `reactor` must outlive the runner.
    ScenarioRunner(Reactor& reactor, Scenario scenario, QObject* parent = nullptr);
    /// Cancels the script (as cancel(), without finished()). Jobs already queued still run, but print nothing.
    ~ScenarioRunner() override;

    ScenarioRunner(const ScenarioRunner&) = delete;
    ScenarioRunner& operator=(const ScenarioRunner&) = delete;
    ScenarioRunner(ScenarioRunner&&) = delete;
    ScenarioRunner& operator=(ScenarioRunner&&) = delete;

    /// Applies the scenario's pool size and starts the script once the reactor runs (at once if it does).
    /// Reactor thread only; a second call does nothing.
    void start();
    /// Stops the script: no further steps; queued jobs that have not started return at once, sleeping ones wake
    /// early and print nothing. Emits finished() (once).
    void cancel();

    const Scenario& scenario() const;
    bool isStarted() const;
    bool isFinished() const;
    /// Jobs that ended (returned, failed, refused or interrupted) / jobs the scenario queues in all.
    int done() const;
    int total() const;

    /// The name output lines carry for a thread: "MainThread" for the application's main thread (as Python names it),
    /// else its objectName() (pool workers: PoolThread-<pool>-<n>).
    static QString threadName(const QThread* thread);

Q_SIGNALS:
    /// A job or callback printed `text` in the thread named `threadName`; emitted in the reactor thread, in the order
    /// each thread printed.
    void outputLine(const QString& text, const QString& threadName);
    /// `done` of `total` jobs have ended.
    void progress(int done, int total);
    /// Every step ran and every queued job ended; or the reactor stopped; or cancel(). Emitted once.
    void finished();

private:
    struct Private;
    std::shared_ptr<Private> m_d;
};

} // namespace qtwisted
