// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/inspect/rangestatsmodel.h>

#include <algorithm>

namespace qtwisted {

RangeStatsModel::RangeStatsModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

const RangeStats& RangeStatsModel::setRange(const TraceData& data, std::int64_t t0, std::int64_t t1)
{
    m_stats = data.stats(t0, t1);
    const auto lanes = data.lanes();
    // Position of each lane in the display order; stats.lanes holds the lanes alive in the range.
    const auto order = data.laneOrder();
    std::vector<std::size_t> position(order.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        position[static_cast<std::size_t>(order[i])] = i;
    std::vector<Row> rows;
    rows.reserve(m_stats.lanes.size());
    for (const LaneStats& ls : m_stats.lanes)
        rows.push_back(Row { ls, lanes[static_cast<std::size_t>(ls.lane)].threadName });
    std::stable_sort(rows.begin(), rows.end(), [&position](const Row& a, const Row& b) {
        return position[static_cast<std::size_t>(a.stats.lane)] < position[static_cast<std::size_t>(b.stats.lane)];
    });

    const bool sameLanes = std::equal(rows.begin(), rows.end(), m_rows.begin(), m_rows.end(),
        [](const Row& a, const Row& b) { return a.stats.lane == b.stats.lane && a.name == b.name; });
    if (sameLanes) {
        m_rows = std::move(rows);
        if (!m_rows.empty())
            Q_EMIT dataChanged(index(0, BusyColumn), index(rowCount() - 1, ColumnCount - 1));
    } else {
        beginResetModel();
        m_rows = std::move(rows);
        endResetModel();
    }
    return m_stats;
}

int RangeStatsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int RangeStatsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RangeStatsModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& row = m_rows[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case WorkerColumn:
            return row.name;
        case BusyColumn:
            return QString::number(row.stats.busyPercent, 'f', 1);
        case JobsEndedColumn:
            return QString::number(row.stats.jobsEnded);
        default:
            return {};
        }
    case RawRole:
        switch (index.column()) {
        case WorkerColumn:
            return row.stats.lane;
        case BusyColumn:
            return qint64 { row.stats.busyNs };
        case JobsEndedColumn:
            return qint64 { row.stats.jobsEnded };
        default:
            return {};
        }
    case Qt::TextAlignmentRole:
        return index.column() == WorkerColumn ? QVariant() : QVariant(int { Qt::AlignRight | Qt::AlignVCenter });
    default:
        return {};
    }
}

QVariant RangeStatsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case WorkerColumn:
        return tr("Worker");
    case BusyColumn:
        return tr("Busy %");
    case JobsEndedColumn:
        return tr("Jobs ended");
    default:
        return {};
    }
}

} // namespace qtwisted
