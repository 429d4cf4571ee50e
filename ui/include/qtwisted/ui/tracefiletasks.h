// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/inspect/traceexport.h>
#include <qtwisted/threadpool.h>

#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>

class QProgressDialog;
class QTimer;
class QWidget;

namespace qtwisted {

class Reactor;

/// Opens and writes trace files off the GUI thread: the work runs in a pool of its own through deferToThreadPool
/// and its Deferred brings the result back to the reactor (= GUI) thread. A progress dialog (objectName
/// "fileProgress") shows how far it got; its Cancel sets a flag the work checks between chunks of events. A cancelled
/// open changes nothing; a cancelled or failed write leaves no file behind (QSaveFile), nor touches an existing one.
/// One task at a time.
class TraceFileTasks : public QObject {
    Q_OBJECT
public:
    enum class Format { ChromeTrace, JobsCsv };

    /// The outcome of a read or a write; `error` is empty when it worked (or was cancelled).
    struct Result {
        std::optional<TraceData> data; ///< what was read (open only)
        QString error;
        bool cancelled = false;
    };

    /// `reactor` (whose thread is `dialogParent`'s) must outlive the object.
    TraceFileTasks(Reactor& reactor, QWidget* dialogParent);
    /// Cancels a running task; its result is dropped.
    ~TraceFileTasks() override;

    /// Reads a trace file in the calling thread (the background work, and the blocking API of tests and the CLI).
    static Result read(const QString& path, const TraceTaskControl& control = {});
    /// Writes `data` to `path` through a QSaveFile in the calling thread.
    static Result write(
        const QString& path, Format format, const TraceData& data, const TraceTaskControl& control = {});

    /// Reads in the background, then calls `apply` with the data in this thread (not if cancelled or failed).
    /// False (and nothing started) while another task runs.
    bool open(const QString& path, std::function<void(TraceData)> apply);
    /// Writes a copy of `data` in the background. False while another task runs.
    bool save(const QString& path, Format format, const TraceData& data);
    /// Asks the running task to stop; its result is dropped.
    void cancel();
    bool isRunning() const noexcept { return m_task != nullptr; }
    /// The pool the work runs in (tests pause it to cancel a task before it starts).
    ThreadPool& threadPool() noexcept { return m_pool; }

Q_SIGNALS:
    /// A task ended: `message` says how, for the status bar; `error` is set when it failed (not when cancelled).
    void finished(const QString& message, const QString& error);

private:
    struct Task;
    void begin(const QString& label);
    void end(const QString& message, const QString& error);

    Reactor& m_reactor;
    QPointer<QWidget> m_dialogParent;
    ThreadPool m_pool;
    std::shared_ptr<Task> m_task;
    QProgressDialog* m_dialog = nullptr;
    QTimer* m_poll = nullptr;
};

} // namespace qtwisted
