// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/reactor.h>
#include <qtwisted/threads.h>
#include <qtwisted/ui/tracefiletasks.h>

#include <QFile>
#include <QFileInfo>
#include <QProgressDialog>
#include <QSaveFile>
#include <QTimer>

#include <algorithm>
#include <atomic>

namespace qtwisted {

struct TraceFileTasks::Task {
    std::atomic<bool> cancel { false };
    std::atomic<int> permille { 0 };

    TraceTaskControl control()
    {
        return TraceTaskControl { &cancel, [this](int p) { permille.store(p, std::memory_order_relaxed); } };
    }
};

namespace {
constexpr qsizetype kReadChunk = qsizetype { 4 } * 1024 * 1024;
constexpr int kReadShare = 300; ///< of the per mille of an open: reading the file; the rest is the import
} // namespace

TraceFileTasks::TraceFileTasks(QWidget* dialogParent)
    : QObject(dialogParent)
    , m_dialogParent(dialogParent)
{
    // Created now, so that it is running by the time a file is opened; its pool starts no thread until then (the
    // default minimum of 5 would keep 5 idle threads from start-up on), and one open or export at a time needs 2.
    Reactor::instance().getThreadPool().adjustPoolsize(0, 2);
}

ThreadPool& TraceFileTasks::threadPool()
{
    return Reactor::instance().getThreadPool();
}

TraceFileTasks::~TraceFileTasks()
{
    if (m_task)
        m_task->cancel = true;
    delete m_dialog;
}

TraceFileTasks::Result TraceFileTasks::read(const QString& path, const TraceTaskControl& control)
{
    Result r;
    QFile file(path);
    if (file.size() > kMaxTraceImportBytes) {
        r.error = tr("%1 is larger than %2 bytes").arg(path).arg(kMaxTraceImportBytes);
        return r;
    }
    if (!file.open(QIODevice::ReadOnly)) {
        r.error = tr("cannot read %1: %2").arg(path, file.errorString());
        return r;
    }
    const qsizetype size = file.size();
    QByteArray bytes;
    bytes.reserve(size);
    while (!file.atEnd()) {
        if (control.cancelled()) {
            r.cancelled = true;
            return r;
        }
        const QByteArray chunk = file.read(kReadChunk);
        if (chunk.isEmpty() && file.error() != QFileDevice::NoError) {
            r.error = tr("cannot read %1: %2").arg(path, file.errorString());
            return r;
        }
        if (chunk.isEmpty())
            break;
        bytes += chunk;
        if (bytes.size() > kMaxTraceImportBytes) { // it grew while we read
            r.error = tr("%1 is larger than %2 bytes").arg(path).arg(kMaxTraceImportBytes);
            return r;
        }
        control.report(static_cast<int>(
            kReadShare * static_cast<double>(bytes.size()) / static_cast<double>(std::max<qsizetype>(size, 1))));
    }
    const TraceTaskControl importControl { control.cancel,
        [&control](int p) { control.report(kReadShare + p * (1000 - kReadShare) / 1000); } };
    TraceImport imported = importChromeTrace(bytes, kMaxTraceImportBytes, importControl);
    r.cancelled = imported.cancelled || control.cancelled();
    if (r.cancelled)
        return r;
    if (!imported.data) {
        r.error = imported.error;
        return r;
    }
    r.data = std::move(imported.data);
    return r;
}

TraceFileTasks::Result TraceFileTasks::write(
    const QString& path, Format format, const TraceData& data, const TraceTaskControl& control)
{
    Result r;
    if (control.cancelled()) {
        r.cancelled = true;
        return r;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        r.error = tr("cannot write %1: %2").arg(path, file.errorString());
        return r;
    }
    const bool written
        = format == Format::ChromeTrace ? exportChromeTrace(data, file, control) : exportJobsCsv(data, file, control);
    if (control.cancelled()) {
        file.cancelWriting(); // the temporary file goes; an existing file at `path` is untouched
        r.cancelled = true;
        return r;
    }
    if (!written || !file.commit())
        r.error = tr("could not write %1: %2").arg(path, file.errorString());
    return r;
}

bool TraceFileTasks::open(const QString& path, std::function<void(TraceData)> apply)
{
    if (m_task)
        return false;
    begin(tr("Opening %1…").arg(QFileInfo(path).fileName()));
    std::shared_ptr<Task> task = m_task;
    QPointer<TraceFileTasks> self(this);
    threads::deferToThread([path, task] { return read(path, task->control()); })
        .addCallbacks(
            [self, task, path, apply = std::move(apply)](Result result) {
                if (!self || self->m_task != task)
                    return;
                const QString name = QFileInfo(path).fileName();
                if (task->cancel || result.cancelled) {
                    self->end(tr("Opening %1 cancelled: nothing changed").arg(name), {});
                } else if (!result.data) {
                    self->end(tr("Could not open %1").arg(name), result.error);
                } else {
                    apply(std::move(*result.data));
                    self->end(tr("Opened %1").arg(name), {});
                }
            },
            [self, task](const Failure& failure) {
                if (self && self->m_task == task)
                    self->end(tr("Could not open the trace"), failure.message());
            });
    return true;
}

bool TraceFileTasks::save(const QString& path, Format format, const TraceData& data)
{
    if (m_task)
        return false;
    begin(tr("Writing %1…").arg(QFileInfo(path).fileName()));
    std::shared_ptr<Task> task = m_task;
    QPointer<TraceFileTasks> self(this);
    // The live data grows on the GUI thread while the work runs: the work writes a copy (a copy of the tables is
    // far quicker than the JSON made of them).
    auto snapshot = std::make_shared<const TraceData>(data);
    threads::deferToThread([path, format, snapshot, task] { return write(path, format, *snapshot, task->control()); })
        .addCallbacks(
            [self, task, path](const Result& result) {
                if (!self || self->m_task != task)
                    return;
                if (result.cancelled)
                    self->end(tr("Writing %1 cancelled: no file written").arg(path), {});
                else if (!result.error.isEmpty())
                    self->end(tr("Could not write %1").arg(path), result.error);
                else
                    self->end(tr("Written to %1").arg(path), {});
            },
            [self, task, path](const Failure& failure) {
                if (self && self->m_task == task)
                    self->end(tr("Could not write %1").arg(path), failure.message());
            });
    return true;
}

void TraceFileTasks::cancel()
{
    if (!m_task)
        return;
    m_task->cancel = true;
    if (m_dialog)
        m_dialog->setLabelText(tr("Cancelling…"));
}

void TraceFileTasks::begin(const QString& label)
{
    m_task = std::make_shared<Task>();
    m_dialog = new QProgressDialog(label, tr("Cancel"), 0, 1000, m_dialogParent);
    m_dialog->setObjectName(QStringLiteral("fileProgress"));
    m_dialog->setWindowTitle(tr("Thread Lab"));
    // Not modal: a modal QProgressDialog spins the event loop inside setValue(), where the result could arrive.
    m_dialog->setWindowModality(Qt::NonModal);
    m_dialog->setMinimumDuration(400);
    m_dialog->setAutoClose(false);
    m_dialog->setAutoReset(false);
    m_dialog->setValue(0);
    connect(m_dialog, &QProgressDialog::canceled, this, &TraceFileTasks::cancel);
    m_poll = new QTimer(this);
    connect(m_poll, &QTimer::timeout, this, [this] {
        if (m_task && m_dialog)
            m_dialog->setValue(std::clamp(m_task->permille.load(std::memory_order_relaxed), 0, 999));
    });
    m_poll->start(50);
}

void TraceFileTasks::end(const QString& message, const QString& error)
{
    m_task.reset();
    if (m_poll) {
        m_poll->stop();
        m_poll->deleteLater();
        m_poll = nullptr;
    }
    if (m_dialog) {
        m_dialog->hide();
        m_dialog->deleteLater();
        m_dialog = nullptr;
    }
    Q_EMIT finished(message, error);
}

} // namespace qtwisted
