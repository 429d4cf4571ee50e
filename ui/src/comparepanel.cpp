// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/ui/comparepanel.h>
#include <qtwisted/ui/timelineview.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace qtwisted {

ComparePanel::ComparePanel(QWidget* parent)
    : QWidget(parent)
    , m_view(new TimelineView)
    , m_title(new QLabel)
    , m_align(new QComboBox)
    , m_table(new QTableWidget(this))
{
    setObjectName(QStringLiteral("comparePanel"));
    m_view->setObjectName(QStringLiteral("compareTimeline"));
    m_title->setObjectName(QStringLiteral("compareTitle"));
    m_title->setTextFormat(Qt::RichText);
    m_align->setObjectName(QStringLiteral("compareAlignCombo"));
    m_align->addItem(tr("the first job"), static_cast<int>(Alignment::RunStart));
    m_align->addItem(tr("the first resize"), static_cast<int>(Alignment::FirstResize));
    m_align->setToolTip(tr("Where both runs' time axes count from"));
    auto* close = new QPushButton(tr("Close comparison"));
    close->setObjectName(QStringLiteral("closeCompareButton"));
    close->setToolTip(tr("Back to one run"));

    m_table->setObjectName(QStringLiteral("compareTable"));
    m_table->setColumnCount(4);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 4);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->setToolTip(tr("The pool jobs of each run, from the first queued to the last ended"));

    auto* bar = new QHBoxLayout;
    bar->addWidget(m_title, 1);
    bar->addWidget(new QLabel(tr("Align at")));
    bar->addWidget(m_align);
    bar->addWidget(close);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_view, 1);
    hide();

    connect(m_align, &QComboBox::currentIndexChanged, this,
        [this] { setAlignment(static_cast<Alignment>(m_align->currentData().toInt())); });
    connect(close, &QPushButton::clicked, this, &ComparePanel::stop);
    connect(m_view, &TimelineView::rangeChanged, this, [this] { follow(m_view, m_main); });
}

ComparePanel::~ComparePanel() = default;

void ComparePanel::compare(TimelineView* main, ComparedRun a, ComparedRun b)
{
    if (m_main && m_main != main)
        stop();
    if (!m_main) {
        m_main = main;
        connect(m_main, &TimelineView::rangeChanged, this, [this] { follow(m_main, m_view); });
    }
    m_a = std::move(a);
    m_b = std::move(b);
    m_view->setTraceData(m_b.data, false);
    m_summaryA = summarizeRun(*m_a.data, m_a.fromNs, m_a.toNs);
    m_summaryB = summarizeRun(*m_b.data, m_b.fromNs, m_b.toNs);
    m_title->setText(
        tr("<b>Comparing</b> A (above): %1 — B (below): %2").arg(m_a.name.toHtmlEscaped(), m_b.name.toHtmlEscaped()));
    fillTable();
    show();
    align();
}

void ComparePanel::stop()
{
    if (!m_main)
        return;
    disconnect(m_main, nullptr, this, nullptr);
    m_main->setAxisZeroNs(kNoTime);
    m_main = nullptr;
    m_view->setTraceData(nullptr, false);
    m_a = {};
    m_b = {};
    m_table->setRowCount(0);
    hide();
    Q_EMIT closed();
}

void ComparePanel::setAlignment(Alignment alignment)
{
    m_alignment = alignment;
    const int index = m_align->findData(static_cast<int>(alignment));
    if (index != m_align->currentIndex()) {
        const QSignalBlocker block(m_align);
        m_align->setCurrentIndex(index);
    }
    if (m_main)
        align();
}

std::int64_t ComparePanel::startNs(const ComparedRun& run, const RunSummary& summary)
{
    if (summary.startNs != kNoTime)
        return summary.startNs;
    return run.data ? std::max(run.fromNs, run.data->timeOrigin()) : 0;
}

std::int64_t ComparePanel::alignmentNs(const ComparedRun& run, const RunSummary& summary) const
{
    const std::int64_t start = startNs(run, summary);
    if (m_alignment == Alignment::FirstResize && run.data) {
        for (const ResizeMarker& r : run.data->resizes()) {
            if (r.timeNs >= start && r.timeNs <= run.toNs)
                return r.timeNs;
        }
    }
    return start;
}

void ComparePanel::align()
{
    const std::int64_t startA = startNs(m_a, m_summaryA);
    const std::int64_t startB = startNs(m_b, m_summaryB);
    const std::int64_t zeroA = alignmentNs(m_a, m_summaryA);
    const std::int64_t zeroB = alignmentNs(m_b, m_summaryB);
    m_main->setAxisZeroNs(zeroA);
    m_view->setAxisZeroNs(zeroB);
    // Both whole runs in view: from a little before the earlier start to the later end, each counted from its zero.
    const std::int64_t before = std::min({ std::int64_t { 0 }, startA - zeroA, startB - zeroB });
    const std::int64_t after = std::max(
        { startA - zeroA + m_summaryA.makespanNs, startB - zeroB + m_summaryB.makespanNs, before + 1'000'000 });
    const std::int64_t margin = std::max<std::int64_t>((after - before) / 50, 1'000'000);
    const QSignalBlocker block(m_view);
    m_main->showRange(zeroA + before - margin, zeroA + after + margin);
    m_view->showRange(zeroB + before - margin, zeroB + after + margin);
}

void ComparePanel::follow(TimelineView* from, TimelineView* to)
{
    if (m_following || !m_main || !from || !to)
        return;
    m_following = true;
    const std::int64_t shift = to->axisZeroNs() - from->axisZeroNs();
    to->showRange(from->visibleStartNs() + shift, from->visibleEndNs() + shift);
    m_following = false;
}

void ComparePanel::fillTable()
{
    const QList<RunComparisonRow> rows = compareRuns(m_summaryA, m_summaryB);
    // Short headers (the names are long: "lesson-resize-under-load in Twisted"); the names on hover and in the title.
    m_table->setHorizontalHeaderLabels({ tr("Measure"), tr("A (above)"), tr("B (below)"), tr("B ÷ A") });
    m_table->horizontalHeaderItem(1)->setToolTip(m_a.name);
    m_table->horizontalHeaderItem(2)->setToolTip(m_b.name);
    m_table->setRowCount(static_cast<int>(rows.size()));
    for (int r = 0; r < rows.size(); ++r) {
        const RunComparisonRow& row = rows.at(r);
        int c = 0;
        for (const QString& text : { row.measure, row.a, row.b, row.ratio }) {
            auto* item = new QTableWidgetItem(text);
            if (c > 0)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_table->setItem(r, c++, item);
        }
    }
}

} // namespace qtwisted
