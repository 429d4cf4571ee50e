// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/inspect/labcontroller.h>
#include <qtwisted/ui/timelinepanel.h>
#include <qtwisted/ui/timelineview.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace qtwisted {

TimelinePanel::TimelinePanel(LabController& controller, QWidget* parent)
    : QWidget(parent)
    , m_controller(controller)
{
    m_timeline = new TimelineView;
    m_timeline->setTraceData(&m_controller.traceData(), true);
    m_now = new QPushButton(tr("Now"));
    m_now->setObjectName(QStringLiteral("nowButton"));
    m_now->setToolTip(tr("Follow the newest seconds again (End)"));
    m_now->setShortcut(Qt::Key_End);
    m_now->setEnabled(false);
    m_pauseView = new QPushButton(tr("Pause view"));
    m_pauseView->setObjectName(QStringLiteral("pauseViewButton"));
    m_pauseView->setCheckable(true);
    m_pauseView->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Space));
    m_pauseView->setToolTip(tr("Freeze the timeline to look at it; recording goes on (Ctrl+Space)"));
    m_zoomBack = new QPushButton(tr("Zoom back"));
    m_zoomBack->setObjectName(QStringLiteral("zoomBackButton"));
    m_zoomBack->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Left));
    m_zoomBack->setToolTip(tr("Back to the view before the last range zoom (Alt+Left, or Backspace in the timeline)"));
    m_zoomBack->setEnabled(false);
    auto* fit = new QPushButton(tr("Fit"));
    fit->setObjectName(QStringLiteral("fitButton"));
    fit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    fit->setToolTip(tr("Show the whole recording (Ctrl+0); Zoom back returns to the view before"));
    auto* span = new QComboBox;
    span->setObjectName(QStringLiteral("spanCombo"));
    span->setToolTip(tr("How many seconds the timeline shows"));
    for (int s : { 2, 5, 10, 20, 30, 60, 120 })
        span->addItem(tr("%1 s").arg(s), s);
    span->setCurrentIndex(2);
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(
        tr("<b>Timeline</b> — Ctrl+wheel zooms, drag pans, Shift+drag selects a range, click selects a job")));
    bar->addStretch(1);
    bar->addWidget(new QLabel(tr("Show")));
    bar->addWidget(span);
    bar->addWidget(fit);
    bar->addWidget(m_zoomBack);
    bar->addWidget(m_pauseView);
    bar->addWidget(m_now);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_timeline, 1);

    connect(
        m_timeline, &TimelineView::followingChanged, this, [this](bool following) { m_now->setEnabled(!following); });
    connect(m_now, &QPushButton::clicked, this, [this] { m_timeline->setFollowing(true); });
    connect(m_pauseView, &QPushButton::toggled, this, [this](bool paused) {
        if (paused)
            m_controller.drain(); // freeze what has happened until now, not until the last 16 ms tick
        m_timeline->setViewPaused(paused);
    });
    connect(m_timeline, &TimelineView::viewPausedChanged, this, [this](bool paused) {
        const QSignalBlocker block(m_pauseView);
        m_pauseView->setChecked(paused);
        m_pauseView->setText(paused ? tr("Resume view") : tr("Pause view"));
    });
    connect(fit, &QPushButton::clicked, this, [this] {
        m_controller.drain();
        m_timeline->fitAll();
    });
    connect(m_zoomBack, &QPushButton::clicked, m_timeline, &TimelineView::zoomBack);
    connect(m_timeline, &TimelineView::zoomHistoryChanged, m_zoomBack, &QWidget::setEnabled);
    connect(span, &QComboBox::currentIndexChanged, this,
        [this, span] { m_timeline->setSpanSeconds(span->currentData().toDouble()); });
}

} // namespace qtwisted
