// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/inspect/jobtablemodel.h>

#include <algorithm>

namespace qtwisted {

namespace {

constexpr int kMaxRows = std::numeric_limits<int>::max() - 1;

qint64 rawOrMinusOne(std::int64_t ns)
{
    return ns == kNoTime ? qint64 { -1 } : qint64 { ns };
}

} // namespace

JobTableModel::JobTableModel(TraceData* data, QObject* parent)
    : QAbstractTableModel(parent)
    , m_data(data)
{
    m_rows = m_data ? static_cast<int>(std::min<std::size_t>(m_data->jobs().size(), kMaxRows)) : 0;
    m_changePos = m_data ? m_data->changeCount() : 0;
    m_epoch = m_data ? m_data->epoch() : 0;
}

void JobTableModel::resync()
{
    m_rows = m_data ? static_cast<int>(std::min<std::size_t>(m_data->jobs().size(), kMaxRows)) : 0;
    m_changePos = m_data ? m_data->changeCount() : 0;
    m_epoch = m_data ? m_data->epoch() : 0;
}

void JobTableModel::clear()
{
    beginResetModel();
    if (m_data)
        m_data->clear();
    resync();
    endResetModel();
}

void JobTableModel::setTraceData(TraceData* data)
{
    beginResetModel();
    m_data = data;
    resync();
    endResetModel();
}

void JobTableModel::refresh()
{
    if (!m_data)
        return;
    if (m_data->epoch() != m_epoch || m_data->changeCount() < m_changePos) {
        beginResetModel(); // cleared or replaced behind our back: nothing of the old rows holds
        resync();
        endResetModel();
        return;
    }
    // Changed rows first, while the row count is still the old one.
    const auto changes = m_data->changedRowsSince(m_changePos);
    m_changePos = m_data->changeCount();
    m_changed.clear();
    for (const std::uint32_t row : changes) {
        if (row < static_cast<std::uint32_t>(m_rows))
            m_changed.push_back(row);
    }
    std::sort(m_changed.begin(), m_changed.end());
    m_changed.erase(std::unique(m_changed.begin(), m_changed.end()), m_changed.end());
    for (std::size_t i = 0; i < m_changed.size();) {
        std::size_t j = i + 1;
        while (j < m_changed.size() && m_changed[j] == m_changed[j - 1] + 1)
            ++j;
        Q_EMIT dataChanged(
            index(static_cast<int>(m_changed[i]), 0), index(static_cast<int>(m_changed[j - 1]), ColumnCount - 1));
        i = j;
    }
    const int rows = static_cast<int>(std::min<std::size_t>(m_data->jobs().size(), kMaxRows));
    if (rows > m_rows) {
        beginInsertRows({}, m_rows, rows - 1);
        m_rows = rows;
        endInsertRows();
    }
}

int JobTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

int JobTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString JobTableModel::formatDuration(std::int64_t ns)
{
    if (ns == kNoTime)
        return {};
    const auto v = static_cast<double>(ns);
    const double a = std::abs(v);
    if (a < 1e3)
        return QStringLiteral("%1 ns").arg(ns);
    if (a < 1e6)
        return QStringLiteral("%1 µs").arg(v / 1e3, 0, 'f', 1);
    if (a < 1e9)
        return QStringLiteral("%1 ms").arg(v / 1e6, 0, 'f', 1);
    return QStringLiteral("%1 s").arg(v / 1e9, 0, 'f', 2);
}

QString JobTableModel::workerName(const JobRecord& job) const
{
    if (job.lane == JobRecord::kReactorLane)
        return QStringLiteral("reactor");
    if (job.lane < 0)
        return {};
    return m_data->lanes()[static_cast<std::size_t>(job.lane)].threadName;
}

QString JobTableModel::toolTip(const JobRecord& job) const
{
    QString text = QStringLiteral("%1 #%2").arg(apiName(job.api)).arg(job.id);
    const QString label = TraceStrings::text(job.labelId);
    if (!label.isEmpty())
        text += QStringLiteral(" \u201c%1\u201d").arg(label);
    if (job.queuedNs != kNoTime)
        text += QStringLiteral("\nqueued at %1").arg(formatDuration(job.queuedNs - m_data->timeOrigin()));
    if (job.waitNs() != kNoTime)
        text += QStringLiteral("\nwaited %1").arg(formatDuration(job.waitNs()));
    if (job.runNs() != kNoTime)
        text += QStringLiteral("\nran %1 on %2").arg(formatDuration(job.runNs()), workerName(job));
    else if (job.status == JobStatus::Running)
        text += QStringLiteral("\nrunning on %1").arg(workerName(job));
    if (job.callbackDelayNs() != kNoTime)
        text += QStringLiteral("\ncallback on the reactor %1 later").arg(formatDuration(job.callbackDelayNs()));
    if (job.blockedStartNs != kNoTime)
        text += QStringLiteral("\nthe caller waited %1").arg(formatDuration(job.blockedNs));
    text += QStringLiteral("\n%1").arg(jobStatusName(job.status));
    return text;
}

QVariant JobTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) || !m_data)
        return {};
    const auto row = static_cast<std::size_t>(index.row());
    if (row >= m_data->jobs().size())
        return {};
    const JobRecord& job = m_data->jobs()[row];
    const auto column = static_cast<Column>(index.column());
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case IdColumn:
            return QString::number(job.id);
        case ApiColumn:
            return apiName(job.api);
        case LabelColumn:
            return TraceStrings::text(job.labelId);
        case QueuedColumn:
            return job.queuedNs == kNoTime ? QString() : formatDuration(job.queuedNs - m_data->timeOrigin());
        case WaitedColumn:
            return formatDuration(job.waitNs());
        case RanColumn:
            return formatDuration(job.runNs());
        case WorkerColumn:
            return workerName(job);
        case CallbackDelayColumn:
            return formatDuration(job.callbackDelayNs());
        case StatusColumn:
            return jobStatusName(job.status);
        case ColumnCount:
            break;
        }
        return {};
    case SortRole:
        switch (column) {
        case IdColumn:
            return qint64(job.id);
        case ApiColumn:
            return apiName(job.api);
        case LabelColumn:
            return TraceStrings::text(job.labelId);
        case QueuedColumn:
            return job.queuedNs == kNoTime ? qint64 { -1 } : qint64 { job.queuedNs - m_data->timeOrigin() };
        case WaitedColumn:
            return rawOrMinusOne(job.waitNs());
        case RanColumn:
            return rawOrMinusOne(job.runNs());
        case WorkerColumn:
            return workerName(job);
        case CallbackDelayColumn:
            return rawOrMinusOne(job.callbackDelayNs());
        case StatusColumn:
            return jobStatusName(job.status);
        case ColumnCount:
            break;
        }
        return {};
    case JobRowRole:
        return index.row();
    case Qt::ToolTipRole:
        return toolTip(job);
    case Qt::TextAlignmentRole:
        switch (column) {
        case IdColumn:
        case QueuedColumn:
        case WaitedColumn:
        case RanColumn:
        case CallbackDelayColumn:
            return (Qt::AlignRight | Qt::AlignVCenter).toInt();
        default:
            return (Qt::AlignLeft | Qt::AlignVCenter).toInt();
        }
    default:
        return {};
    }
}

QVariant JobTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::DisplayRole) {
        switch (static_cast<Column>(section)) {
        case IdColumn:
            return QStringLiteral("id");
        case ApiColumn:
            return QStringLiteral("API");
        case LabelColumn:
            return QStringLiteral("label");
        case QueuedColumn:
            return QStringLiteral("queued");
        case WaitedColumn:
            return QStringLiteral("waited");
        case RanColumn:
            return QStringLiteral("ran");
        case WorkerColumn:
            return QStringLiteral("worker");
        case CallbackDelayColumn:
            return QStringLiteral("callback delay");
        case StatusColumn:
            return QStringLiteral("status");
        case ColumnCount:
            break;
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (static_cast<Column>(section)) {
        case QueuedColumn:
            return QStringLiteral("when the job was submitted, from the start of the recording");
        case WaitedColumn:
            return QStringLiteral("time in the pool's queue before a worker took it");
        case RanColumn:
            return QStringLiteral("run time on the worker");
        case CallbackDelayColumn:
            return QStringLiteral("from the job's end to its callback on the reactor thread");
        default:
            break;
        }
    }
    return QAbstractTableModel::headerData(section, orientation, role);
}

} // namespace qtwisted
