// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/inspect/traceexport.h>

#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>

class QProgressDialog;
class QTimer;
class QWidget;

namespace qtwisted {

class ThreadPool;

/// Opens and writes trace files off the GUI thread: the work runs through threads::deferToThread, in the pool of
/// Reactor::instance(), and its Deferred brings the result back to that reactor's thread, the GUI thread. Thread
/// Lab's own reactor (LabController's) is not Reactor::instance() and is recorded: file work on it would show up in
/// the trace being looked at (a callback row per task), and a paused pool would hold it back. A progress dialog
/// (objectName "fileProgress") shows how far the work got; its Cancel sets a flag the work checks between chunks of
/// events. A cancelled open changes nothing; a cancelled or failed write leaves no file behind (QSaveFile), nor
/// touches an existing one. One task at a time.
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

    /// Creates Reactor::instance() if needed (it starts, embedded, when the application's loop spins).
    explicit TraceFileTasks(QWidget* dialogParent);
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
    /// The pool the work runs in, Reactor::instance()'s (tests pause it to cancel a task before it starts).
    static ThreadPool& threadPool();

Q_SIGNALS:
    /// A task ended: `message` says how, for the status bar; `error` is set when it failed (not when cancelled).
    void finished(const QString& message, const QString& error);

private:
    struct Task;
    void begin(const QString& label);
    void end(const QString& message, const QString& error);

    QPointer<QWidget> m_dialogParent;
    std::shared_ptr<Task> m_task;
    QProgressDialog* m_dialog = nullptr;
    QTimer* m_poll = nullptr;
};

} // namespace qtwisted
