// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <QGroupBox>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace qtwisted {

class LabController;

/// The "Launcher" box: the API, how many jobs, their sleep, failure rate and label, and the Queue button.
class LauncherPanel : public QGroupBox {
    Q_OBJECT
public:
    /// `controller` must outlive the panel.
    explicit LauncherPanel(LabController& controller, QWidget* parent = nullptr);

    /// Queueing is only possible on the live recording with a running reactor.
    void setQueueEnabled(bool enabled);

Q_SIGNALS:
    /// A message for the status bar (ms: how long to show it).
    void message(const QString& text, int ms);

private:
    void onApiChanged();
    void onQueueClicked();

    LabController& m_controller;
    QComboBox* m_api = nullptr;
    QSpinBox* m_count = nullptr;
    QSpinBox* m_sleepMin = nullptr;
    QCheckBox* m_sleepRandom = nullptr;
    QSpinBox* m_sleepMax = nullptr;
    QDoubleSpinBox* m_failureRate = nullptr;
    QLineEdit* m_label = nullptr;
    QPushButton* m_queue = nullptr;
};

} // namespace qtwisted
