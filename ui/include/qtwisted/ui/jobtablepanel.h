// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <QTableView>

class QSortFilterProxyModel;

namespace qtwisted {

class JobTableModel;

/// The "Jobs" tab: the job table, sortable by every column, one selected row kept in step with the timeline.
class JobTablePanel : public QTableView {
    Q_OBJECT
public:
    /// `model` must outlive the panel.
    explicit JobTablePanel(JobTableModel* model, QWidget* parent = nullptr);

    /// Selects (and scrolls to) the job of TraceData::jobs() row `jobRow` without signalling; -1 clears.
    void selectJob(int jobRow);

Q_SIGNALS:
    /// The current job changed by the user: its row in TraceData::jobs(), or -1.
    void jobSelected(int jobRow);

private:
    JobTableModel* m_model;
    QSortFilterProxyModel* m_proxy;
};

} // namespace qtwisted
