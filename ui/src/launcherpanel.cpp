// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/inspect/labcontroller.h>
#include <qtwisted/inspect/scenario.h>
#include <qtwisted/ui/launcherpanel.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

namespace qtwisted {

LauncherPanel::LauncherPanel(LabController& controller, QWidget* parent)
    : QGroupBox(tr("Launcher"), parent)
    , m_controller(controller)
{
    setObjectName(QStringLiteral("launcher"));
    auto* form = new QFormLayout(this);

    m_api = new QComboBox;
    m_api->setObjectName(QStringLiteral("apiCombo"));
    m_api->setToolTip(tr("The API the jobs are submitted through"));
    for (ApiKind api : { ApiKind::CallInThread, ApiKind::DeferToThread, ApiKind::CallMultipleInThread,
             ApiKind::BlockingCallFromThread, ApiKind::CallFromThread })
        m_api->addItem(apiName(api), static_cast<int>(api));
    form->addRow(tr("API"), m_api);

    m_count = new QSpinBox;
    m_count->setObjectName(QStringLiteral("countSpin"));
    m_count->setRange(1, ScenarioLimits::maxCount);
    m_count->setValue(10);
    m_count->setToolTip(tr("How many jobs to queue"));
    form->addRow(tr("Jobs"), m_count);

    m_sleepMin = new QSpinBox;
    m_sleepMin->setObjectName(QStringLiteral("sleepMinSpin"));
    m_sleepMin->setRange(0, ScenarioLimits::maxSleepMs);
    m_sleepMin->setValue(500);
    m_sleepMin->setSuffix(tr(" ms"));
    m_sleepMin->setToolTip(tr("How long each job sleeps (the minimum, for a random range)"));
    m_sleepRandom = new QCheckBox(tr("up to"));
    m_sleepRandom->setObjectName(QStringLiteral("sleepRandomCheck"));
    m_sleepRandom->setToolTip(tr("Draw each job's sleep uniformly between the two values"));
    m_sleepMax = new QSpinBox;
    m_sleepMax->setObjectName(QStringLiteral("sleepMaxSpin"));
    m_sleepMax->setRange(0, ScenarioLimits::maxSleepMs);
    m_sleepMax->setValue(1500);
    m_sleepMax->setSuffix(tr(" ms"));
    m_sleepMax->setEnabled(false);
    m_sleepMax->setToolTip(tr("The longest sleep of the random range"));
    auto* randomRow = new QHBoxLayout;
    randomRow->addWidget(m_sleepRandom);
    randomRow->addWidget(m_sleepMax, 1);
    form->addRow(tr("Sleep"), m_sleepMin);
    form->addRow(tr("Random"), randomRow);
    connect(m_sleepRandom, &QCheckBox::toggled, m_sleepMax, &QWidget::setEnabled);
    // Invalid ranges are impossible: the maximum never goes below the minimum.
    connect(m_sleepMin, &QSpinBox::valueChanged, this, [this](int v) { m_sleepMax->setMinimum(v); });

    m_failureRate = new QDoubleSpinBox;
    m_failureRate->setObjectName(QStringLiteral("failureRateSpin"));
    m_failureRate->setRange(0.0, 1.0);
    m_failureRate->setSingleStep(0.05);
    m_failureRate->setDecimals(2);
    m_failureRate->setToolTip(tr("Probability that a job throws (to see errbacks)"));
    form->addRow(tr("Failure rate"), m_failureRate);

    m_label = new QLineEdit;
    m_label->setObjectName(QStringLiteral("labelEdit"));
    m_label->setMaxLength(ScenarioLimits::maxLabelLength - 8);
    m_label->setPlaceholderText(tr("default: sleep <ms> ms"));
    m_label->setToolTip(tr("Label of the jobs in the timeline and the table"));
    form->addRow(tr("Label"), m_label);

    m_queue = new QPushButton(tr("&Queue"));
    m_queue->setObjectName(QStringLiteral("queueButton"));
    m_queue->setToolTip(tr("Submit the jobs (Ctrl+Return); the GUI never waits for them"));
    m_queue->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
    form->addRow(m_queue);

    connect(m_api, &QComboBox::currentIndexChanged, this, &LauncherPanel::onApiChanged);
    connect(m_queue, &QPushButton::clicked, this, &LauncherPanel::onQueueClicked);
}

void LauncherPanel::setQueueEnabled(bool enabled)
{
    m_queue->setEnabled(enabled);
}

void LauncherPanel::onApiChanged()
{
    const auto api = static_cast<ApiKind>(m_api->currentData().toInt());
    // callFromThread jobs sleep in the reactor (= GUI) thread: the format caps them, and so does the launcher.
    const int limit = api == ApiKind::CallFromThread ? ScenarioLimits::maxReactorSleepMs : ScenarioLimits::maxSleepMs;
    m_sleepMin->setMaximum(limit);
    m_sleepMax->setMaximum(limit);
}

void LauncherPanel::onQueueClicked()
{
    LaunchRequest request;
    request.api = static_cast<ApiKind>(m_api->currentData().toInt());
    request.count = m_count->value();
    request.sleepMinMs = m_sleepMin->value();
    request.sleepMaxMs = m_sleepRandom->isChecked() ? m_sleepMax->value() : m_sleepMin->value();
    request.failureRate = m_failureRate->value();
    request.label = m_label->text().trimmed();
    const QString error = m_controller.queueJobs(request);
    if (!error.isEmpty())
        Q_EMIT message(tr("Not queued: %1").arg(error), 8000);
}

} // namespace qtwisted
