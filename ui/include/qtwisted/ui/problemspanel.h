// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/inspect/tracedata.h>

#include <QAbstractTableModel>
#include <QWidget>

#include <cstdint>
#include <vector>

class QLabel;
class QPushButton;
class QTableView;

namespace qtwisted {

class LabController;

/// The diagnostics findings of a trace (TraceData::findings()), newest first: one row per finding, updated in place
/// while it lasts (an ongoing one's duration runs up to `nowNs`).
class ProblemsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { SeverityColumn, RuleColumn, MessageColumn, StartedColumn, DurationColumn, ColumnCount };
    enum Role {
        FindingIdRole = Qt::UserRole + 1, ///< quint64: FindingRecord::id
        SortRole, ///< severity rank, start or duration in ns, or the text
    };

    explicit ProblemsModel(QObject* parent = nullptr);

    /// Takes the findings of `data`; `nowNs` is what an ongoing finding's duration runs to. New findings are
    /// inserted at the top (a view keeps its selection); the others are updated in place.
    void refresh(const TraceData& data, std::int64_t nowNs);
    /// The finding shown in `row`, or nullptr.
    const FindingRecord* finding(int row) const;
    /// The row of the finding `id`, or -1.
    int rowOf(quint64 id) const;
    /// Findings of severity Warning or Critical.
    int problemCount() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// "1.2 s", "850 ms": how the panel writes a duration.
    static QString formatDuration(std::int64_t ns);

private:
    std::int64_t durationNs(const FindingRecord& f) const;

    std::vector<FindingRecord> m_rows; ///< newest first
    std::int64_t m_originNs = 0;
    std::int64_t m_nowNs = 0;
};

/// The "Problems" tab: what the DiagnosticsMonitor found (ProblemsModel), with the selected finding's message and
/// remedy. Clicking a finding selects its time range on the timeline (and its first job); "Raise max to N" applies a
/// finding's suggested maximum to the reactor's pool through LabController::setMaxThreads().
class ProblemsPanel : public QWidget {
    Q_OBJECT
public:
    /// `controller` must outlive the panel.
    explicit ProblemsPanel(LabController& controller, QWidget* parent = nullptr);

    /// Rereads the findings of the controller's shown trace.
    void refresh();
    ProblemsModel* model() const noexcept { return m_model; }
    QTableView* view() const noexcept { return m_view; }
    QPushButton* remedyButton() const noexcept { return m_remedy; }
    /// Selects the finding in `row` as a click does (signals included).
    void activateRow(int row);
    /// The finding the remedy button applies to: the selected one, else the newest with a suggested maximum for the
    /// reactor's pool; nullptr if none.
    const FindingRecord* remedyFinding() const;

Q_SIGNALS:
    /// The user picked a finding: its time range [t0, t1] (an ongoing one runs to now).
    void rangeRequested(std::int64_t t0, std::int64_t t1);
    /// ... and the first of its jobs that the trace has (row of TraceData::jobs()), when the monitor named any.
    void jobRequested(int jobRow);
    /// The number of findings, and of warnings and criticals among them, changed.
    void countChanged(int findings, int problems);
    /// The first warning or critical finding appeared since the panel was made (or since findings were cleared).
    void firstProblem();

private:
    void onActivated(int row);
    void updateDetails();
    std::int64_t nowNs() const;

    LabController& m_controller;
    ProblemsModel* m_model;
    QTableView* m_view;
    QLabel* m_details;
    QPushButton* m_remedy;
    int m_lastCount = -1;
    int m_lastProblems = -1;
    bool m_announced = false;
};

} // namespace qtwisted
