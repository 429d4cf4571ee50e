// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/inspect/tracedata.h>

#include <QAbstractTableModel>

namespace qtwisted {

/// The job table (id, API, label, queued, waited, ran, worker, callback delay, status) over a TraceData. Call
/// refresh() after each TraceData::append(): new jobs are inserted (beginInsertRows), changed ones signalled with
/// dataChanged; the model only resets in clear() or when the TraceData was cleared or replaced.
class JobTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        IdColumn,
        ApiColumn,
        LabelColumn,
        QueuedColumn,
        WaitedColumn,
        RanColumn,
        WorkerColumn,
        CallbackDelayColumn,
        StatusColumn,
        ColumnCount
    };
    enum Role {
        /// Raw values for sorting: qint64 (ids, ns; -1 when unknown) or QString (API, label, worker, status).
        SortRole = Qt::UserRole + 1,
        /// The job's row in TraceData::jobs() (int), to synchronise with the timeline.
        JobRowRole,
    };

    /// `data` must outlive the model (or be replaced with setTraceData()).
    explicit JobTableModel(TraceData* data, QObject* parent = nullptr);

    /// Shows what was appended since the last refresh, without a reset.
    void refresh();
    /// Clears the TraceData and resets the model.
    void clear();
    /// Shows another TraceData (e.g. an imported trace); resets the model.
    void setTraceData(TraceData* data);
    TraceData* traceData() const noexcept { return m_data; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// "1.5 ms", "320 µs", "2.25 s" (empty for kNoTime).
    static QString formatDuration(std::int64_t ns);

private:
    void resync();
    QString workerName(const JobRecord& job) const;
    QString toolTip(const JobRecord& job) const;

    TraceData* m_data;
    int m_rows = 0;
    std::size_t m_changePos = 0;
    std::uint64_t m_epoch = 0;
    std::vector<std::uint32_t> m_changed; ///< scratch for refresh()
};

} // namespace qtwisted
