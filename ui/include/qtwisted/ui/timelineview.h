// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/inspect/tracedata.h>

#include <QImage>
#include <QWidget>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

namespace qtwisted {

/// The timeline: a pool strip (backlog, busy, dashed maximum), the reactor lane, one lane per worker thread with its
/// jobs, resize markers and a time axis, painted from a TraceData. Holds only view state (range, follow, selection).
class TimelineView : public QWidget {
    Q_OBJECT
public:
    explicit TimelineView(QWidget* parent = nullptr);
    ~TimelineView() override;

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

    /// Freezes what is drawn at the current time (recording goes on; panning and zooming still work) / thaws.
    void setViewPaused(bool paused);
    bool isViewPaused() const noexcept { return m_paused; }

    /// The range the user selected (Shift+drag or right-drag), in trace ns; none when start == end.
    void setSelectedRange(std::int64_t t0, std::int64_t t1);
    void clearSelectedRange();
    bool hasSelectedRange() const noexcept { return m_rangeEndNs > m_rangeStartNs; }
    std::int64_t selectedRangeStartNs() const noexcept { return m_rangeStartNs; }
    std::int64_t selectedRangeEndNs() const noexcept { return m_rangeEndNs; }
    /// The selected range if any, else the visible one (clipped to what has been recorded): what statistics cover.
    std::pair<std::int64_t, std::int64_t> statisticsRange() const noexcept;

    /// Shows [t0, t1] (stops following); the previous view can be restored with zoomBack().
    void zoomTo(std::int64_t t0, std::int64_t t1);
    /// Back to the view before the last zoomTo(); false if there is none.
    bool zoomBack();
    bool canZoomBack() const noexcept { return !m_zoomHistory.empty(); }

    /// Worker lanes in display order: by pool, then worker index, then creation (indices into TraceData::lanes()).
    std::vector<std::int32_t> laneOrder() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    /// The user clicked a job (row of TraceData::jobs()) or empty space (-1).
    void jobClicked(int row);
    void followingChanged(bool following);
    /// The visible or the selected range changed (statistics follow it).
    void rangeChanged();
    void zoomHistoryChanged(bool canZoomBack);
    void viewPausedChanged(bool paused);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
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
        int barHeight = 0; ///< of the job bars, from laneTop + 1
        int laneCount = 0;
        /// The visible start, read once per layout: in follow mode it moves with the clock, and one paint must map
        /// every time with the same origin (and not read the clock per bar).
        std::int64_t startNs = 0;
    };
    Layout layout() const;
    struct ViewState {
        bool follow = true;
        std::int64_t spanNs = 0;
        std::int64_t endNs = 0;
    };
    std::int64_t endNs() const noexcept;
    /// The latest time drawn: now (live), the freeze time (paused) or the end of an imported trace.
    std::int64_t limitNs() const noexcept;
    void updateLaneOrder() const;
    double xOf(std::int64_t t, const Layout& l) const noexcept;
    std::int64_t timeAt(double x, const Layout& l) const noexcept;
    QString toolTipFor(int row) const;
    /// A lane's thread name elided to `width` (cached: eliding shapes text).
    QString laneName(std::int32_t lane, int width) const;
    /// The JobStatus of every row, kept up to date from TraceData's change log: the lanes read a byte per bar
    /// instead of a JobRecord scattered in memory (a cache miss per bar cost a third of a 10 000-bar paint).
    const std::vector<std::uint8_t>& jobStatuses() const;
    /// The column left of the reactor and worker lanes (their names on the background), from reactorTop down, drawn
    /// once per size, font, names and lane order: laying out 64 names cost more than all the bars (bench_timeline).
    const QImage& laneNamesImage(const Layout& l, qreal dpr) const;
    void stopFollowing();

    /// Times of the axis ticks (and grid lines) in the visible range.
    std::vector<std::int64_t> tickTimes(const Layout& l) const;
    void paintAxis(QPainter& p, const Layout& l) const;
    void paintPool(QPainter& p, const Layout& l) const;
    void paintReactor(QPainter& p, const Layout& l) const;
    void paintLanes(QPainter& p, const Layout& l) const;
    void paintResizes(QPainter& p, const Layout& l) const;
    void paintSelection(QPainter& p, const Layout& l) const;

    const TraceData* m_data = nullptr;
    bool m_live = true;
    bool m_follow = true;
    std::int64_t m_spanNs = 10'000'000'000;
    std::int64_t m_endNs = 0; ///< right edge when not following
    int m_selected = -1;
    bool m_dragging = false;
    bool m_dragged = false;
    bool m_selecting = false; ///< the drag selects a range instead of panning
    QPoint m_dragStart;
    QPoint m_dragPos;
    std::int64_t m_dragEndNs = 0;
    bool m_paused = false;
    std::int64_t m_frozenNs = 0;
    std::int64_t m_rangeStartNs = 0;
    std::int64_t m_rangeEndNs = 0;
    std::vector<ViewState> m_zoomHistory;
    mutable std::vector<std::int32_t> m_laneOrder; ///< cache of laneOrder(), rebuilt when the lane count changes
    mutable const TraceData* m_laneOrderData = nullptr;
    mutable std::uint64_t m_laneOrderEpoch = 0;
    mutable std::size_t m_laneOrderCount = 0;
    mutable std::int64_t m_laneOrderFrozen = 0;
    mutable std::vector<QString> m_laneNames;
    mutable int m_laneNameWidth = 0;
    mutable std::unordered_map<std::uint32_t, int> m_labelWidths; ///< label id → text width, for the widget's font
    mutable std::vector<std::uint8_t> m_statuses;
    mutable const TraceData* m_statusData = nullptr;
    mutable std::uint64_t m_statusEpoch = 0;
    mutable std::size_t m_statusChanges = 0; ///< TraceData::changeCount() when m_statuses was last brought up to date
    struct TextCache;
    TextCache& textCache() const;
    /// QPainter::drawText(r, align, text) of a single line, laid out once and cached; `small`: the axis' font.
    void drawText(QPainter& p, const QRectF& r, Qt::Alignment align, const QString& text, bool small) const;
    mutable std::unique_ptr<TextCache> m_textCache; ///< labels, counts and short texts shaped once
    mutable QImage m_poolImage; ///< scratch of paintPool(), kept to spare an allocation per paint
    mutable QImage m_laneNamesImage;
    mutable std::vector<std::int64_t> m_laneNamesKey; ///< what m_laneNamesImage was drawn for
    mutable QImage m_resizeLine; ///< a resize marker's dash-dot line, two columns wide, as tall as the widget
};

} // namespace qtwisted
