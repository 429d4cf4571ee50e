// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <QGroupBox>

class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;

namespace qtwisted {

class LabController;

/// The "Pool" box: maximum and minimum threads (applied live), pause, the pool's numbers, and Stop reactor.
class PoolPanel : public QGroupBox {
    Q_OBJECT
public:
    /// `controller` must outlive the panel.
    explicit PoolPanel(LabController& controller, QWidget* parent = nullptr);

    /// Shows the pool's numbers and follows resizes made elsewhere (scenarios), unless the user is editing.
    void updateFromController();
    /// The reactor was stopped: nothing here can act any more.
    void disableControls();

Q_SIGNALS:
    /// The user confirmed "Stop reactor".
    void stopReactorConfirmed();

private:
    void onStopReactorClicked();

    LabController& m_controller;
    QSpinBox* m_maxThreads = nullptr;
    QSlider* m_maxSlider = nullptr;
    QSpinBox* m_minThreads = nullptr;
    QSpinBox* m_spareThreads = nullptr;
    QPushButton* m_pause = nullptr;
    QLabel* m_stats = nullptr;
    QPushButton* m_stopReactor = nullptr;
};

} // namespace qtwisted
