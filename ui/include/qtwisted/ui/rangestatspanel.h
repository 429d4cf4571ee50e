// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>
#include <QWidget>

#include <cstdint>

class QLabel;
class QTableView;

namespace qtwisted {

class RangeStatsModel;
class TraceData;

/// The "Range statistics" tab: a summary of a time range (throughput, wait, run, reactor busy) over a table of the
/// worker threads (RangeStatsModel) in the timeline's lane order.
class RangeStatsPanel : public QWidget {
    Q_OBJECT
public:
    explicit RangeStatsPanel(QWidget* parent = nullptr);

    /// Recomputes the statistics of [t0, t1]; `selected`: a range the user selected, else the visible one.
    void refresh(const TraceData& data, std::int64_t t0, std::int64_t t1, bool selected);
    /// Milliseconds since the last refresh() (statistics of a moving window need only a few a second).
    qint64 msSinceRefresh() const { return m_clock.elapsed(); }
    /// How long the last refresh() took (ms): a moving window's statistics wait at least twenty times that, so that
    /// a range of a million calls does not take the GUI thread's time a few times a second.
    qint64 lastRefreshCostMs() const noexcept { return m_costMs; }
    RangeStatsModel* model() const noexcept { return m_model; }

private:
    RangeStatsModel* m_model;
    QLabel* m_summary;
    QTableView* m_table;
    QElapsedTimer m_clock;
    qint64 m_costMs = 0;
};

} // namespace qtwisted
