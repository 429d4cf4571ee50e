// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "panelutil_p.h"

#include <qtwisted/inspect/labcontroller.h>
#include <qtwisted/inspect/scenario.h>
#include <qtwisted/ui/poolpanel.h>

#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>

#include <algorithm>

namespace qtwisted {

namespace {
constexpr int kSliderMax = 64;
}

PoolPanel::PoolPanel(LabController& controller, QWidget* parent)
    : QGroupBox(tr("Pool"), parent)
    , m_controller(controller)
{
    setObjectName(QStringLiteral("poolPanel"));
    auto* form = new QFormLayout(this);

    m_maxThreads = new QSpinBox;
    m_maxThreads->setObjectName(QStringLiteral("maxThreadsSpin"));
    m_maxThreads->setRange(1, ScenarioLimits::maxPoolSize);
    m_maxThreads->setValue(m_controller.maxThreads());
    m_maxThreads->setToolTip(tr("Maximum threads: reactor.suggestThreadPoolSize(n), applied live"));
    // Applied on Enter, focus change or the arrows, not per keystroke: typing "16" must not resize to 1 first.
    m_maxThreads->setKeyboardTracking(false);
    m_maxSlider = new QSlider(Qt::Horizontal);
    m_maxSlider->setObjectName(QStringLiteral("maxThreadsSlider"));
    m_maxSlider->setRange(1, kSliderMax);
    m_maxSlider->setValue(m_controller.maxThreads());
    m_maxSlider->setToolTip(m_maxThreads->toolTip());
    auto* maxRow = new QHBoxLayout;
    maxRow->addWidget(m_maxThreads);
    maxRow->addWidget(m_maxSlider, 1);
    form->addRow(tr("Max threads"), maxRow);

    m_minThreads = new QSpinBox;
    m_minThreads->setObjectName(QStringLiteral("minThreadsSpin"));
    m_minThreads->setRange(0, ScenarioLimits::maxPoolSize);
    m_minThreads->setValue(m_controller.minThreads());
    m_minThreads->setToolTip(tr("Minimum threads kept alive (raises the maximum if needed)"));
    m_minThreads->setKeyboardTracking(false);
    form->addRow(tr("Min threads"), m_minThreads);

    m_spareThreads = new QSpinBox;
    m_spareThreads->setObjectName(QStringLiteral("spareThreadsSpin"));
    m_spareThreads->setRange(0, ScenarioLimits::maxPoolSize);
    m_spareThreads->setValue(m_controller.spareThreads());
    m_spareThreads->setToolTip(tr("Threads started and parked beside the workers (pool.setSpareThreads(n)): they run "
                                  "no job and raise no limit, but a resize or a burst takes one at the cost of a "
                                  "wake-up instead of starting a thread. 0 is Twisted's pool"));
    m_spareThreads->setKeyboardTracking(false);
    form->addRow(tr("Spare threads"), m_spareThreads);

    m_pause = new QPushButton(tr("&Pause pool"));
    m_pause->setObjectName(QStringLiteral("pauseButton"));
    m_pause->setCheckable(true);
    m_pause->setToolTip(tr("Maximum 0: running jobs finish, new ones wait in the backlog; click again to resume"));
    form->addRow(m_pause);

    m_stats = new QLabel;
    m_stats->setObjectName(QStringLiteral("poolStats"));
    m_stats->setFont(detail::monospaceFont());
    m_stats->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(m_stats);

    m_stopReactor = new QPushButton(tr("S&top reactor"));
    m_stopReactor->setObjectName(QStringLiteral("stopReactorButton"));
    m_stopReactor->setToolTip(tr("reactor.stop(): Thread Lab cancels its scenarios (sleeping jobs wake up), then the "
                                 "pool drains its backlog — every queued job still runs, ending at once — and shuts "
                                 "down; Thread Lab closes with it, as a reactor cannot be restarted"));
    form->addRow(m_stopReactor);
    connect(m_stopReactor, &QPushButton::clicked, this, &PoolPanel::onStopReactorClicked);

    connect(m_maxThreads, &QSpinBox::valueChanged, this, [this](int n) {
        m_maxSlider->setValue(std::min(n, kSliderMax));
        if (n != m_controller.maxThreads() || m_controller.isPaused()) {
            m_controller.setMaxThreads(n);
            m_pause->setChecked(false);
        }
    });
    connect(m_maxSlider, &QSlider::valueChanged, this, [this](int n) {
        if (m_maxThreads->value() <= kSliderMax || n < kSliderMax)
            m_maxThreads->setValue(n);
    });
    connect(m_minThreads, &QSpinBox::valueChanged, this, [this](int n) {
        if (n != m_controller.minThreads())
            m_controller.setMinThreads(n);
    });
    connect(m_spareThreads, &QSpinBox::valueChanged, this, [this](int n) { m_controller.setSpareThreads(n); });
    connect(m_pause, &QPushButton::toggled, this, [this](bool paused) {
        if (paused)
            m_controller.pause();
        else
            m_controller.resume();
        m_pause->setText(paused ? tr("&Resume pool") : tr("&Pause pool"));
    });
}

void PoolPanel::updateFromController()
{
    const PoolStats s = m_controller.poolStats();
    m_stats->setText(tr("idle       %1\nbusy       %2\nworkers    %3\nspare      %4\nbacklog    %5\n"
                        "completed  %6\nfailed     %7\nthroughput %8 jobs/s")
                         .arg(s.idle)
                         .arg(s.busy)
                         .arg(s.workers)
                         .arg(s.spare)
                         .arg(s.backlog)
                         .arg(s.completed)
                         .arg(s.failed)
                         .arg(m_controller.throughput(), 0, 'f', 1));
    // Follow resizes made elsewhere (scenarios), unless the user is editing.
    if (!m_maxThreads->hasFocus() && !m_controller.isPaused() && m_maxThreads->value() != m_controller.maxThreads()
        && m_controller.maxThreads() > 0) {
        const QSignalBlocker b1(m_maxThreads);
        const QSignalBlocker b2(m_maxSlider);
        m_maxThreads->setValue(m_controller.maxThreads());
        m_maxSlider->setValue(std::min(m_controller.maxThreads(), kSliderMax));
    }
    if (!m_minThreads->hasFocus() && m_minThreads->value() != m_controller.minThreads()) {
        const QSignalBlocker b(m_minThreads);
        m_minThreads->setValue(m_controller.minThreads());
    }
    if (!m_spareThreads->hasFocus() && m_spareThreads->value() != m_controller.spareThreads()) {
        const QSignalBlocker b(m_spareThreads);
        m_spareThreads->setValue(m_controller.spareThreads());
    }
}

void PoolPanel::disableControls()
{
    for (QWidget* w : std::initializer_list<QWidget*> {
             m_stopReactor, m_maxThreads, m_maxSlider, m_minThreads, m_spareThreads, m_pause })
        w->setEnabled(false);
}

void PoolPanel::onStopReactorClicked()
{
    // Stopping cannot be undone (a reactor cannot be restarted, and Thread Lab ends with it): ask first. Window-modal
    // and asynchronous, so the recording and the timeline go on while the question is open.
    auto* confirm = new QMessageBox(QMessageBox::Warning, tr("Stop the reactor?"),
        tr("reactor.stop(): Thread Lab first cancels its scenarios, so sleeping jobs wake up. The pool then drains "
           "its backlog — every queued job still runs (ending at once) and its result is delivered — and shuts "
           "down. Thread Lab closes with it, as a reactor cannot be restarted."),
        QMessageBox::Cancel, window());
    confirm->setObjectName(QStringLiteral("stopReactorConfirm"));
    QPushButton* stop = confirm->addButton(tr("Stop reactor"), QMessageBox::DestructiveRole);
    stop->setObjectName(QStringLiteral("stopReactorConfirmButton"));
    confirm->setDefaultButton(QMessageBox::Cancel);
    confirm->setAttribute(Qt::WA_DeleteOnClose);
    connect(confirm, &QMessageBox::buttonClicked, this, [this, stop](QAbstractButton* clicked) {
        if (clicked == stop)
            Q_EMIT stopReactorConfirmed();
    });
    confirm->open();
}

} // namespace qtwisted
