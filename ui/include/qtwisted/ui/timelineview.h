// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/inspect/tracedata.h>
#include <qtwisted/ui/timelineviewport.h>

#include <QImage>
#include <QWidget>

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace qtwisted {

namespace timeline {
struct Layout;
class TimelineCache;
} // namespace timeline

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
    bool isFollowing() const noexcept { return m_viewport.isFollowing(); }
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
    /// zoomTo() the whole recording, from the first event to the newest (nothing recorded: does nothing).
    void fitAll();
    /// Shows [t0, t1] (stops following) without a zoom-history entry: what keeps a compared run's view in step.
    void showRange(std::int64_t t0, std::int64_t t1);
    /// The time the axis counts from (trace ns): by default the trace's origin; a comparison sets each run's
    /// alignment point, so that both axes read the same at the same x. kNoTime: back to the origin.
    void setAxisZeroNs(std::int64_t ns);
    std::int64_t axisZeroNs() const noexcept;
    /// Back to the view before the last zoomTo(); false if there is none.
    bool zoomBack();
    bool canZoomBack() const noexcept { return !m_zoomHistory.empty(); }

    /// Worker lanes in display order: by pool, then worker index, then creation (indices into TraceData::lanes():
    /// TraceData::laneOrder(), less the lanes created after a pause).
    std::vector<std::int32_t> laneOrder() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

    /// The tooltip of the job in TraceData::jobs() row `row` (rich text): its times, and the diagnostics findings it
    /// was part of.
    QString toolTipFor(int row) const;
    /// An axis tick's label: `sinceOriginNs` in µs, ms or s, with the decimals that ticks `stepNs` apart need to
    /// read differently.
    static QString formatTick(std::int64_t sinceOriginNs, std::int64_t stepNs);
    /// The full thread name of the worker lane whose header is at `pos` (empty: none).
    QString laneNameAt(QPoint pos) const;

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
    using Layout = timeline::Layout;
    /// Syncs the cache and lays out the widget with the visible range read once.
    Layout layout() const;
    /// What the followed range depends on: the time now and the trace's origin.
    TimelineViewport::Moment moment() const noexcept;
    std::int64_t endNs() const noexcept;
    /// The latest time drawn: now (live), the freeze time (paused) or the end of an imported trace.
    std::int64_t limitNs() const noexcept;
    /// Brings the cache up to date with the trace and the pause (TimelineCache::sync()).
    void syncCache() const;
    /// The column left of the reactor and worker lanes (their names on the background), from reactorTop down, drawn
    /// once per size, font, names and lane order: laying out 64 names cost more than all the bars (bench_timeline).
    const QImage& laneNamesImage(const Layout& l, qreal dpr) const;
    void stopFollowing();

    /// Times of the axis ticks (and grid lines) in the visible range.
    std::vector<std::int64_t> tickTimes(const Layout& l) const;
    /// QPainter::drawText(r, align, text) of a single line, laid out once and cached; `small`: the axis' font.
    void drawText(QPainter& p, const QRectF& r, Qt::Alignment align, const QString& text, bool small) const;
    void paintAxis(QPainter& p, const Layout& l) const;
    void paintPool(QPainter& p, const Layout& l) const;
    void paintReactor(QPainter& p, const Layout& l) const;
    void paintLanes(QPainter& p, const Layout& l) const;
    void paintResizes(QPainter& p, const Layout& l) const;
    void paintFindings(QPainter& p, const Layout& l) const;
    void paintSelection(QPainter& p, const Layout& l) const;

    /// What zoomBack() goes back to.
    struct ViewState {
        bool follow = true;
        std::int64_t spanNs = 0;
        std::int64_t endNs = 0;
    };

    const TraceData* m_data = nullptr;
    bool m_live = true;
    TimelineViewport m_viewport;
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
    std::int64_t m_axisZeroNs = kNoTime;
    std::vector<ViewState> m_zoomHistory;
    /// Everything derived from the trace and the font for painting (lane order, names, shaped texts, scratch
    /// images), under the rule of TimelineCache::sync(). Const painting and hit-testing fill it lazily: it is the
    /// view's one piece of state written from const members.
    const std::unique_ptr<timeline::TimelineCache> m_cache;
};

} // namespace qtwisted
