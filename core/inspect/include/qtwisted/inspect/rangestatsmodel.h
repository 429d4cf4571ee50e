// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/inspect/tracedata.h>

#include <QAbstractTableModel>

#include <cstdint>
#include <vector>

namespace qtwisted {

/// The range statistics per worker thread (worker, busy %, jobs ended) over a time range of a TraceData, one row per
/// lane alive in the range, in TraceData::laneOrder() (the timeline's order). Call setRange() to recompute: when the
/// rows are the same lanes as before only dataChanged is signalled, otherwise the model resets.
class RangeStatsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { WorkerColumn, BusyColumn, JobsEndedColumn, ColumnCount };
    enum Role {
        /// Raw values: the lane index (int) in WorkerColumn, busy ns (qint64), jobs ended (qint64).
        RawRole = Qt::UserRole + 1,
    };

    explicit RangeStatsModel(QObject* parent = nullptr);

    /// Recomputes TraceData::stats(t0, t1) and shows its lanes; returns the whole statistics (for a summary).
    const RangeStats& setRange(const TraceData& data, std::int64_t t0, std::int64_t t1);
    /// The last statistics computed.
    const RangeStats& stats() const noexcept { return m_stats; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row {
        LaneStats stats;
        QString name;
    };
    RangeStats m_stats;
    std::vector<Row> m_rows;
};

} // namespace qtwisted
