// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/inspect/rangestatsmodel.h>
#include <qtwisted/inspect/tracedata.h>
#include <qtwisted/ui/rangestatspanel.h>

#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

namespace qtwisted {

namespace {
QString formatMs(double ns)
{
    return QString::number(ns / 1e6, 'f', ns < 1e7 ? 2 : 1) + QStringLiteral(" ms");
}
} // namespace

RangeStatsPanel::RangeStatsPanel(QWidget* parent)
    : QWidget(parent)
    , m_model(new RangeStatsModel(this))
    , m_summary(new QLabel)
    , m_table(new QTableView)
{
    setObjectName(QStringLiteral("rangeStatistics"));
    m_summary->setObjectName(QStringLiteral("rangeSummary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setWordWrap(true);
    m_table->setObjectName(QStringLiteral("rangeStatsTable"));
    m_table->setModel(m_model);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 4);
    m_table->horizontalHeader()->setSectionResizeMode(RangeStatsModel::WorkerColumn, QHeaderView::Stretch);
    m_table->setToolTip(tr("Per worker thread, over the selected range (Shift+drag in the timeline) or else "
                           "the visible one"));
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_table, 1);
    m_clock.start();
}

void RangeStatsPanel::refresh(const TraceData& data, std::int64_t t0, std::int64_t t1, bool selected)
{
    m_clock.restart();
    const RangeStats& stats = m_model->setRange(data, t0, t1);
    const auto origin = static_cast<double>(data.timeOrigin());
    auto durations = [](const DurationStats& d) {
        return d.count == 0 ? tr("—")
                            : tr("mean %1, p95 %2 (%n job(s))", nullptr, static_cast<int>(d.count))
                                  .arg(formatMs(d.meanNs), formatMs(static_cast<double>(d.p95Ns)));
    };
    m_summary->setText(tr("<b>%1 range</b> %2 s → %3 s (%4)<br>throughput %5 jobs/s (%6 ended)<br>"
                          "wait: %7<br>run: %8<br>reactor busy %9 %")
                           .arg(selected ? tr("Selected") : tr("Visible"))
                           .arg((static_cast<double>(t0) - origin) / 1e9, 0, 'f', 2)
                           .arg((static_cast<double>(t1) - origin) / 1e9, 0, 'f', 2)
                           .arg(formatMs(static_cast<double>(t1 - t0)))
                           .arg(stats.throughputPerSecond, 0, 'f', 1)
                           .arg(stats.jobsEnded)
                           .arg(durations(stats.wait), durations(stats.run))
                           .arg(stats.reactorBusyPercent, 0, 'f', 1));
    m_costMs = m_clock.elapsed();
}

} // namespace qtwisted
