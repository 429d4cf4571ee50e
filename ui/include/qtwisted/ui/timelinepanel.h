// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QPushButton;

namespace qtwisted {

class LabController;
class TimelineView;

/// The timeline with its bar: the hint, how many seconds it shows, Zoom back, Pause view and Now.
class TimelinePanel : public QWidget {
    Q_OBJECT
public:
    /// `controller` must outlive the panel; the timeline starts on its live data.
    explicit TimelinePanel(LabController& controller, QWidget* parent = nullptr);

    TimelineView* timeline() const noexcept { return m_timeline; }

private:
    LabController& m_controller;
    TimelineView* m_timeline = nullptr;
    QPushButton* m_now = nullptr;
    QPushButton* m_pauseView = nullptr;
    QPushButton* m_zoomBack = nullptr;
};

} // namespace qtwisted
