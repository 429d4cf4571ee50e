// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/tracedata.h>

#include <QWidget>

#include <cstdint>

namespace qtwisted {

/// The timeline: a pool strip (backlog, busy, dashed maximum), the reactor lane, one lane per worker thread with its
/// jobs, resize markers and a time axis, painted from a TraceData. Holds only view state (range, follow, selection).
class TimelineView : public QWidget {
    Q_OBJECT
public:
    explicit TimelineView(QWidget* parent = nullptr);

    /// `data` must outlive the view, or be replaced. `live`: the right edge follows the clock, else the data's end.
    void setTraceData(const TraceData* data, bool live);
    /// Follows the newest `spanSeconds` (true) or stays where the user scrolled (false).
    void setFollowing(bool follow);
    bool isFollowing() const noexcept { return m_follow; }
    /// Length of the visible range.
    void setSpanSeconds(double seconds);
    double spanSeconds() const noexcept;
    /// Highlights a job (row of TraceData::jobs(), -1: none).
    void setSelectedRow(int row);
    int selectedRow() const noexcept { return m_selected; }
    /// The visible range [t0, t1] in trace ns.
    std::int64_t visibleStartNs() const noexcept;
    std::int64_t visibleEndNs() const noexcept;
    /// The job under a widget position (row of TraceData::jobs(), or -1).
    int jobAt(QPoint pos) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    /// The user clicked a job (row of TraceData::jobs()) or empty space (-1).
    void jobClicked(int row);
    void followingChanged(bool following);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    bool event(QEvent* event) override;

private:
    struct Layout {
        int left = 0;
        int right = 0;
        int axisTop = 0;
        int poolTop = 0;
        int poolHeight = 0;
        int reactorTop = 0;
        int lanesTop = 0;
        int laneHeight = 0;
        int laneCount = 0;
    };
    Layout layout() const;
    std::int64_t endNs() const noexcept;
    double xOf(std::int64_t t, const Layout& l) const noexcept;
    std::int64_t timeAt(double x, const Layout& l) const noexcept;
    QString toolTipFor(int row) const;
    void stopFollowing();

    void paintAxis(QPainter& p, const Layout& l) const;
    void paintPool(QPainter& p, const Layout& l) const;
    void paintReactor(QPainter& p, const Layout& l) const;
    void paintLanes(QPainter& p, const Layout& l) const;
    void paintResizes(QPainter& p, const Layout& l) const;

    const TraceData* m_data = nullptr;
    bool m_live = true;
    bool m_follow = true;
    std::int64_t m_spanNs = 10'000'000'000;
    std::int64_t m_endNs = 0; ///< right edge when not following
    int m_selected = -1;
    bool m_dragging = false;
    bool m_dragged = false;
    QPoint m_dragStart;
    std::int64_t m_dragEndNs = 0;
};

} // namespace qtwisted
