// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/inspect/runcomparison.h>
#include <qtwisted/inspect/tracedata.h>

#include <QWidget>

#include <cstdint>
#include <limits>
#include <memory>

class QComboBox;
class QLabel;
class QTableWidget;

namespace qtwisted {

class TimelineView;

/// One run of a comparison: a recording and the part of it that is the run (the window records every run into one
/// trace; a saved run or a Twisted run is a trace of its own).
struct ComparedRun {
    QString name;
    /// Keeps a trace read from a file alive; null when `data` is the window's own.
    std::shared_ptr<const TraceData> owned;
    const TraceData* data = nullptr;
    std::int64_t fromNs = std::numeric_limits<std::int64_t>::min();
    std::int64_t toNs = std::numeric_limits<std::int64_t>::max();
};

/// Two runs on one time axis: run A in the window's timeline, run B in this panel's timeline right below it, both
/// counted from their alignment point (the run's first job, or its first resize) and kept in step — pan or zoom
/// either and the other follows. The comparison table (makespan, throughput, wait and run p50/p95, busy %, peak
/// backlog, B ÷ A) is table(), for the window to place.
class ComparePanel : public QWidget {
    Q_OBJECT
public:
    /// Where both runs' axes count from.
    enum class Alignment { RunStart, FirstResize };

    explicit ComparePanel(QWidget* parent = nullptr);
    ~ComparePanel() override;

    /// Shows `b` below `main` (which shows `a`'s recording) and fills the table. `main` must outlive the panel.
    void compare(TimelineView* main, ComparedRun a, ComparedRun b);
    /// Ends the comparison: hides the panel, gives `main` its own axis back and emits closed().
    void stop();
    bool isComparing() const noexcept { return m_main != nullptr; }

    void setAlignment(Alignment alignment);
    Alignment alignment() const noexcept { return m_alignment; }
    /// A run's alignment point (trace ns of its recording), given its summary.
    std::int64_t alignmentNs(const ComparedRun& run, const RunSummary& summary) const;

    const ComparedRun& runA() const noexcept { return m_a; }
    const ComparedRun& runB() const noexcept { return m_b; }
    RunSummary summaryA() const noexcept { return m_summaryA; }
    RunSummary summaryB() const noexcept { return m_summaryB; }
    TimelineView* view() const noexcept { return m_view; }
    QTableWidget* table() const noexcept { return m_table; }

Q_SIGNALS:
    /// The comparison ended (stop(): the Close button, or the window showing another trace).
    void closed();

private:
    /// The run's first pool job (from its summary), or the start of its range when it has none.
    static std::int64_t startNs(const ComparedRun& run, const RunSummary& summary);
    void align();
    void follow(TimelineView* from, TimelineView* to);
    void fillTable();

    TimelineView* m_main = nullptr;
    TimelineView* m_view = nullptr;
    QLabel* m_title = nullptr;
    QComboBox* m_align = nullptr;
    QTableWidget* m_table = nullptr;
    ComparedRun m_a;
    ComparedRun m_b;
    RunSummary m_summaryA;
    RunSummary m_summaryB;
    Alignment m_alignment = Alignment::RunStart;
    bool m_following = false; ///< one view is being moved after the other: do not bounce back
};

} // namespace qtwisted
