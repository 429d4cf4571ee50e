// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/inspect/jobtablemodel.h>
#include <qtwisted/ui/jobtablepanel.h>

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QSortFilterProxyModel>

namespace qtwisted {

JobTablePanel::JobTablePanel(JobTableModel* model, QWidget* parent)
    : QTableView(parent)
    , m_model(model)
    , m_proxy(new QSortFilterProxyModel(this))
{
    setObjectName(QStringLiteral("jobTable"));
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(JobTableModel::SortRole);
    setModel(m_proxy);
    setSortingEnabled(true);
    sortByColumn(JobTableModel::IdColumn, Qt::AscendingOrder);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::SingleSelection);
    verticalHeader()->hide();
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 4);
    horizontalHeader()->setStretchLastSection(true);
    setAlternatingRowColors(true);
    connect(selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& index) {
        Q_EMIT jobSelected(index.isValid() ? index.data(JobTableModel::JobRowRole).toInt() : -1);
    });
}

void JobTablePanel::selectJob(int jobRow)
{
    if (jobRow < 0) {
        clearSelection();
        return;
    }
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(jobRow, 0));
    if (!index.isValid())
        return;
    const QSignalBlocker block(selectionModel());
    selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    scrollTo(index);
}

} // namespace qtwisted
