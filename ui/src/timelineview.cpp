// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "timelinecache_p.h"
#include "timelineraster_p.h"

#include <qtwisted/diagnostics.h>
#include <qtwisted/inspect/jobtablemodel.h>
#include <qtwisted/trace.h>
#include <qtwisted/ui/timelineview.h>

#include <QCoreApplication>
#include <QHash>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPolygonF>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace qtwisted {

using namespace timeline;

namespace {

constexpr double kFoldPx = 3.0;
constexpr std::int64_t kStallNs = 16'000'000;
constexpr int kMinSelectPx = 4;
constexpr int kMinLabelPx = 24;
constexpr double kMinOutlinePx = 5.0;

QString formatSeconds(double s)
{
    if (std::abs(s) < 1.0)
        return QString::number(s * 1000.0, 'f', 0) + QStringLiteral(" ms");
    return QString::number(s, 'f', std::abs(s) < 10 ? 2 : 1) + QStringLiteral(" s");
}
} // namespace

QString TimelineView::formatTick(std::int64_t sinceOriginNs, std::int64_t stepNs)
{
    // In the unit that suits the time, with as many decimals as the step between ticks needs: zoomed into a fraction
    // of a millisecond at 6.21 s, the ticks read 6.2100 s, 6.2101 s, ... instead of 6.21 s each.
    const auto t = static_cast<double>(sinceOriginNs);
    // The unit of the larger of the time and the step: the tick at 0 of a view 1 s per tick reads "0 s", not "0 µs".
    const double absT = std::max(std::abs(t), static_cast<double>(stepNs));
    const double unit = absT < 1e6 ? 1e3 : absT < 1e9 ? 1e6 : 1e9;
    const QString suffix = absT < 1e6 ? QStringLiteral(" µs")
        : absT < 1e9                  ? QStringLiteral(" ms")
                                      : QStringLiteral(" s");
    const double stepInUnit = static_cast<double>(std::max<std::int64_t>(stepNs, 1)) / unit;
    const int decimals = std::clamp(static_cast<int>(std::ceil(-std::log10(stepInUnit) - 1e-9)), 0, 9);
    return QString::number(t / unit, 'f', decimals) + suffix;
}

TimelineView::~TimelineView() = default;

void TimelineView::drawText(QPainter& p, const QRectF& r, Qt::Alignment align, const QString& text, bool small) const
{
    // Where QPainter::drawText(r, align, text) puts a single line, without laying it out again.
    const ShapedText& shaped = m_cache->texts(font(), this).text(text, small);
    double x = r.left();
    if (align & Qt::AlignHCenter)
        x += (r.width() - shaped.width) / 2;
    double y = r.top();
    if (align & Qt::AlignVCenter)
        y += (r.height() - shaped.height) / 2;
    for (const QGlyphRun& run : shaped.runs)
        p.drawGlyphRun(QPointF(x, y + shaped.ascent), run);
}

TimelineView::TimelineView(QWidget* parent)
    : QWidget(parent)
    , m_cache(std::make_unique<TimelineCache>())
{
    setObjectName(QStringLiteral("timeline"));
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setFocusPolicy(Qt::StrongFocus);
    setToolTip(tr("Ctrl+wheel: zoom at the cursor · drag: pan · Shift+drag or right-drag: select a range and zoom "
                  "to it · click a job to select all its pieces"));
}

QSize TimelineView::sizeHint() const
{
    return { 900, 420 };
}
QSize TimelineView::minimumSizeHint() const
{
    return { 400, 200 };
}

void TimelineView::setTraceData(const TraceData* data, bool live)
{
    m_data = data;
    m_live = live;
    m_selected = -1;
    m_rangeStartNs = m_rangeEndNs = 0;
    m_axisZeroNs = kNoTime;
    m_cache->invalidateTrace(); // even at the same address: another trace
    if (!m_zoomHistory.empty()) {
        m_zoomHistory.clear();
        Q_EMIT zoomHistoryChanged(false);
    }
    if (m_paused) {
        m_paused = false;
        Q_EMIT viewPausedChanged(false);
    }
    if (!data)
        m_viewport.showNothing();
    else if (live)
        m_viewport.showLive();
    else // an imported trace: show all of it
        m_viewport.showRecorded(
            data->latestNs() == kNoTime ? std::nullopt : std::optional(data->latestNs() - data->timeOrigin()));
    setFollowing(true);
    update();
}

void TimelineView::setFollowing(bool follow)
{
    if (follow && m_paused) {
        m_paused = false;
        Q_EMIT viewPausedChanged(false);
    }
    if (m_viewport.isFollowing() == follow)
        return;
    m_viewport.setFollowing(follow, moment()); // stopping keeps the range of this moment
    update();
    Q_EMIT followingChanged(follow);
    Q_EMIT rangeChanged();
}

void TimelineView::stopFollowing()
{
    if (m_viewport.isFollowing())
        setFollowing(false);
}

void TimelineView::setSpanSeconds(double seconds)
{
    m_viewport.setSpanNs(static_cast<std::int64_t>(seconds * 1e9));
    update();
    Q_EMIT rangeChanged();
}

double TimelineView::spanSeconds() const noexcept
{
    return static_cast<double>(m_viewport.spanNs()) / 1e9;
}

void TimelineView::setSelectedRow(int row)
{
    if (m_selected == row)
        return;
    m_selected = row;
    update();
}

void TimelineView::setViewPaused(bool paused)
{
    if (m_paused == paused)
        return;
    if (paused) {
        m_frozenNs = limitNs();
        const bool following = m_viewport.isFollowing();
        stopFollowing();
        if (following && m_live)
            m_viewport.setEndNs(std::max(m_frozenNs, m_data ? m_data->timeOrigin() + m_viewport.spanNs() : m_frozenNs));
        m_paused = true;
    } else {
        m_paused = false;
        setFollowing(true);
    }
    update();
    Q_EMIT viewPausedChanged(paused);
}

std::int64_t TimelineView::limitNs() const noexcept
{
    if (m_paused)
        return m_frozenNs;
    if (!m_data || m_live)
        return traceNow();
    return m_data->latestNs() == kNoTime ? m_data->timeOrigin() : m_data->latestNs();
}

void TimelineView::setSelectedRange(std::int64_t t0, std::int64_t t1)
{
    m_rangeStartNs = std::min(t0, t1);
    m_rangeEndNs = std::max(t0, t1);
    update();
    Q_EMIT rangeChanged();
}

void TimelineView::clearSelectedRange()
{
    if (!hasSelectedRange())
        return;
    m_rangeStartNs = m_rangeEndNs = 0;
    update();
    Q_EMIT rangeChanged();
}

std::pair<std::int64_t, std::int64_t> TimelineView::statisticsRange() const noexcept
{
    if (hasSelectedRange())
        return { m_rangeStartNs, m_rangeEndNs };
    // Only what has been recorded: busy % and throughput over empty future time would understate both.
    const std::int64_t start = m_data ? std::max(visibleStartNs(), m_data->timeOrigin()) : visibleStartNs();
    const std::int64_t end = std::min(visibleEndNs(), limitNs());
    return { start, std::max(start, end) };
}

void TimelineView::zoomTo(std::int64_t t0, std::int64_t t1)
{
    if (t1 < t0)
        std::swap(t0, t1);
    m_zoomHistory.push_back({ m_viewport.isFollowing(), m_viewport.spanNs(), endNs() });
    stopFollowing();
    m_viewport.fit(t0, t1);
    update();
    Q_EMIT zoomHistoryChanged(true);
    Q_EMIT rangeChanged();
}

void TimelineView::showRange(std::int64_t t0, std::int64_t t1)
{
    if (t1 < t0)
        std::swap(t0, t1);
    stopFollowing();
    m_viewport.fit(t0, t1);
    update();
    Q_EMIT rangeChanged();
}

void TimelineView::setAxisZeroNs(std::int64_t ns)
{
    m_axisZeroNs = ns;
    update();
}

std::int64_t TimelineView::axisZeroNs() const noexcept
{
    if (m_axisZeroNs != kNoTime)
        return m_axisZeroNs;
    return m_data ? m_data->timeOrigin() : 0;
}

void TimelineView::fitAll()
{
    if (!m_data || m_data->latestNs() == kNoTime)
        return;
    const std::int64_t t0 = m_data->timeOrigin();
    const std::int64_t t1 = std::max(m_data->latestNs(), t0 + 1'000'000);
    const std::int64_t margin = (t1 - t0) / 50;
    zoomTo(t0 - margin, t1 + margin);
}

bool TimelineView::zoomBack()
{
    if (m_zoomHistory.empty())
        return false;
    const ViewState state = m_zoomHistory.back();
    m_zoomHistory.pop_back();
    m_viewport.restore(state.spanNs, state.endNs);
    clearSelectedRange();
    if (state.follow && !m_paused)
        setFollowing(true);
    update();
    Q_EMIT zoomHistoryChanged(!m_zoomHistory.empty());
    Q_EMIT rangeChanged();
    return true;
}

void TimelineView::syncCache() const
{
    m_cache->sync(m_data, m_paused ? m_frozenNs : kNoTime);
}

std::vector<std::int32_t> TimelineView::laneOrder() const
{
    syncCache();
    return m_cache->laneOrder();
}

TimelineViewport::Moment TimelineView::moment() const noexcept
{
    return { traceNow(), m_data ? m_data->timeOrigin() : 0 };
}

std::int64_t TimelineView::endNs() const noexcept
{
    return m_viewport.endNs(moment());
}

std::int64_t TimelineView::visibleEndNs() const noexcept
{
    return endNs();
}
std::int64_t TimelineView::visibleStartNs() const noexcept
{
    return m_viewport.startNs(moment());
}

TimelineView::Layout TimelineView::layout() const
{
    syncCache();
    Layout l = Layout::of(size(), static_cast<int>(m_cache->laneOrder().size()));
    l.scale = m_viewport.scale(l.left, l.right, moment());
    return l;
}

void TimelineView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    const Layout l = layout();
    // The background only where nothing opaque is drawn later (the names, the pool strip, the reactor lane, the
    // bars' rows): once each bar was cheap, the memory written was the limit (bench_timeline).
    const int w = width();
    auto background = [&p](int x0, int y0, int x1, int y1) {
        if (x1 > x0 && y1 > y0)
            p.fillRect(QRect(x0, y0, x1 - x0, y1 - y0), kBackground);
    };
    if (m_data) {
        // The reactor's and the lanes' names: static text on the background, drawn once; covers [0, left) from
        // reactorTop down.
        p.drawImage(QPoint(0, l.reactorTop), laneNamesImage(l, p.device()->devicePixelRatio()));
        const int poolBottom = l.poolTop + l.poolHeight + 1; // the strip's frame included
        background(0, 0, w, l.poolTop);
        background(0, l.poolTop, l.left, poolBottom);
        background(l.right + 1, l.poolTop, w, poolBottom);
        background(0, poolBottom, w, l.reactorTop);
        background(l.right, l.reactorTop, w, l.reactorTop + kReactorHeight);
        int y = l.reactorTop + kReactorHeight;
        for (int i = 0; i < l.laneCount && l.lanesTop + i * l.laneHeight <= height(); ++i) {
            const int barTop = l.lanesTop + i * l.laneHeight + 1; // LaneLines::draw covers [left, right + 2)
            background(l.left, y, w, barTop);
            background(l.right + 2, barTop, w, barTop + l.barHeight);
            y = barTop + l.barHeight;
        }
        background(l.left, y, w, height());
    } else {
        background(0, 0, w, height());
    }
    paintAxis(p, l);
    if (!m_data) {
        p.setPen(kText);
        p.drawText(rect(), Qt::AlignCenter, tr("No trace"));
        return;
    }
    paintPool(p, l);
    paintReactor(p, l);
    paintLanes(p, l);
    paintFindings(p, l);
    paintResizes(p, l);
    paintSelection(p, l);
    if (m_data->jobs().empty()) {
        p.setPen(kText);
        p.drawText(QRect(l.left, l.lanesTop, l.right - l.left, 40), Qt::AlignCenter,
            tr("Queue jobs with the Launcher or run a Recipe: they appear here, live."));
    }
}

std::vector<std::int64_t> TimelineView::tickTimes(const Layout& l) const
{
    const std::int64_t t0 = l.startNs();
    const std::int64_t t1 = l.endNs();
    const std::int64_t origin = axisZeroNs();
    const std::int64_t step = tickStep(l.scale.spanNs, l.right - l.left, 90);
    std::int64_t first = ((t0 - origin) / step) * step + origin;
    if (first < t0)
        first += step;
    std::vector<std::int64_t> ticks;
    for (std::int64_t t = first; t <= t1; t += step)
        ticks.push_back(t);
    return ticks;
}

void TimelineView::paintAxis(QPainter& p, const Layout& l) const
{
    const std::int64_t origin = axisZeroNs();
    p.setPen(kText);
    drawText(p, QRect(4, l.axisTop, l.left - 8, kAxisHeight), Qt::AlignVCenter | Qt::AlignLeft,
        m_paused            ? tr("paused (%1)").arg(formatSeconds(spanSeconds()))
            : isFollowing() ? tr("following (%1)").arg(formatSeconds(spanSeconds()))
                            : formatSeconds(spanSeconds()),
        true);
    const std::vector<std::int64_t> ticks = tickTimes(l);
    const std::int64_t step = ticks.size() >= 2 ? ticks[1] - ticks[0] : l.scale.spanNs;
    for (const std::int64_t t : ticks) {
        const double x = l.xOf(t);
        // The column a 1 px line at x covers, filled: a stroked line cost 30 times more.
        p.fillRect(QRect(gridColumn(x), kAxisHeight, 1, height() - kAxisHeight), kGrid);
        drawText(p, QRectF(x - 45, l.axisTop, 90, kAxisHeight), Qt::AlignCenter, formatTick(t - origin, step), true);
    }
}

void TimelineView::paintPool(QPainter& p, const Layout& l) const
{
    const QRect box(l.left, l.poolTop, l.right - l.left, l.poolHeight);
    // The strip with its frame (a 1 px pen strokes one pixel right of and below `box`) is written as pixels and
    // drawn as one image: a fill per run of columns and per step of the backlog cost a millisecond (bench_timeline).
    FillCanvas canvas(m_cache->poolImage(), box.adjusted(0, 0, 1, 1));
    canvas.fill(box, Qt::white);
    canvas.fill(QRect(box.left(), box.top(), box.width() + 1, 1), kGrid);
    canvas.fill(QRect(box.left(), box.top() + box.height(), box.width() + 1, 1), kGrid);
    canvas.fill(QRect(box.left(), box.top(), 1, box.height() + 1), kGrid);
    canvas.fill(QRect(box.left() + box.width(), box.top(), 1, box.height() + 1), kGrid);
    if (m_data->pools().empty()) {
        canvas.draw(p);
        return;
    }
    const PoolSeries& pool = m_data->pools().front();
    const std::int64_t t0 = l.startNs();
    const std::int64_t t1 = std::min(l.endNs(), limitNs());
    const auto peakThreads = std::max<std::int64_t>({ 1, pool.maxThreads.maxIn(t0, t1), pool.busy.maxIn(t0, t1) });
    const std::int64_t peakBacklog = std::max<std::int64_t>(1, pool.backlog.maxIn(t0, t1));
    const double h = l.poolHeight - 4;
    const double bottom = l.poolTop + l.poolHeight - 2;
    const std::int64_t nowNs = limitNs();

    // One column per pixel: the maximum of each series within the column (a step series cannot hide a peak). Runs
    // of equal columns become one rectangle and the lines get a point only where they step: an antialiased,
    // dashed path with a point per pixel cost 60 ms a frame at 1920 px (bench_timeline).
    QPolygonF backlogLine;
    QPolygonF maxLine;
    // Per column: saturated, and the first row of the busy bar (bottom: none).
    const auto columns = static_cast<std::size_t>(l.right - l.left);
    std::vector<std::uint8_t> saturatedAt(columns, 0);
    const int bottomRow = l.poolTop + l.poolHeight - 2;
    std::vector<int> busyTopAt(columns, bottomRow);
    auto step = [](QPolygonF& line, double x, double y) {
        if (!line.isEmpty() && line.back().y() == y)
            return;
        if (!line.isEmpty())
            line << QPointF(x, line.back().y());
        line << QPointF(x, y);
    };
    StepSweep busySweep(pool.busy);
    StepSweep backlogSweep(pool.backlog);
    StepSweep maxSweep(pool.maxThreads);
    // timeAt() with the range read once (the same arithmetic, so the same columns).
    const auto spanNs = static_cast<double>(l.scale.spanNs);
    auto timeOf = [&](int x) {
        return t0 + static_cast<std::int64_t>(static_cast<double>(x - l.left) * spanNs / (l.right - l.left));
    };
    int lastX = l.left;
    for (int x = l.left; x < l.right; ++x) {
        const std::int64_t a = timeOf(x);
        const std::int64_t b = std::min(timeOf(x + 1), nowNs);
        if (a > nowNs || (m_data->earliestNs() != kNoTime && b < m_data->earliestNs()))
            continue;
        const std::int64_t busy = busySweep.maxIn(a, b);
        const std::int64_t backlog = backlogSweep.maxIn(a, b);
        const std::int64_t max = maxSweep.valueAt(b);
        const bool saturated = backlog > 0 && busy >= max;
        const double busyH = std::round(h * static_cast<double>(busy) / static_cast<double>(peakThreads));
        const auto column = static_cast<std::size_t>(x - l.left);
        saturatedAt[column] = saturated ? 1 : 0;
        busyTopAt[column] = bottomRow - static_cast<int>(busyH);
        step(backlogLine, x, std::round(bottom - h * static_cast<double>(backlog) / static_cast<double>(peakBacklog)));
        step(maxLine, x, std::round(bottom - h * static_cast<double>(max) / static_cast<double>(peakThreads)));
        lastX = x + 1;
    }
    // Saturation behind the busy bars, row by row (a fill per column walked the image across its rows): each pixel
    // is the busy colour from its column's bar top down, else what lies behind it (saturation, white, the frame).
    const QRgb busyRgb = kBusy.rgb();
    const QRgb saturatedRgb = kSaturated.rgb();
    const QRgb whiteRgb = QColor(Qt::white).rgb();
    std::vector<QRgb> behind(columns);
    for (std::size_t c = 0; c < columns; ++c)
        behind[c] = saturatedAt[c] ? saturatedRgb : c == 0 ? kGrid.rgb() : whiteRgb;
    for (int y = l.poolTop + 1; y < l.poolTop + l.poolHeight - 1; ++y) {
        QRgb* line = canvas.line(y);
        if (y >= bottomRow) {
            std::copy(behind.begin(), behind.end(), line);
            continue;
        }
        for (std::size_t c = 0; c < columns; ++c) {
            // A mask, not a branch: the busy bars' tops are ragged, and mispredictions cost more than the pixels.
            const QRgb busyMask = 0u - static_cast<QRgb>(y >= busyTopAt[c]);
            line[c] = (busyRgb & busyMask) | (behind[c] & ~busyMask);
        }
    }
    if (!backlogLine.isEmpty()) {
        backlogLine << QPointF(lastX, backlogLine.back().y());
        maxLine << QPointF(lastX, maxLine.back().y());
    }
    // The backlog is a 2 px step line of horizontal and vertical segments: the pixels a 1 px pen covers (both ends
    // of each segment), twice; a stroked polyline of a point per step cost more than the rest of the pool.
    for (qsizetype i = 1; i < backlogLine.size(); ++i) {
        const QPoint a = backlogLine[i - 1].toPoint();
        const QPoint b = backlogLine[i].toPoint();
        const QRect segment(QPoint(std::min(a.x(), b.x()), std::min(a.y(), b.y())),
            QPoint(std::max(a.x(), b.x()), std::max(a.y(), b.y())));
        canvas.fill(segment, kBacklog);
        canvas.fill(segment.translated(0, -1), kBacklog);
    }
    canvas.draw(p);
    // The maximum steps only on resizes: few points; a cosmetic (width 0) pen takes the rasterizer's fast line path.
    p.setPen(QPen(kText, 0, Qt::DashLine));
    p.drawPolyline(maxLine);

    // Legend with the current values (left column).
    const std::int64_t tNow = std::min(nowNs, t1);
    p.setPen(kText);
    const QString legend = tr("Pool %1\nbusy %2 / max %3\nbacklog %4 (peak %5)")
                               .arg(TraceStrings::text(pool.poolId))
                               .arg(pool.busy.valueAt(tNow))
                               .arg(pool.maxThreads.valueAt(tNow))
                               .arg(pool.backlog.valueAt(tNow))
                               .arg(peakBacklog);
    p.drawText(QRect(4, l.poolTop, l.left - 8, l.poolHeight), Qt::AlignVCenter | Qt::AlignLeft, legend);
}

void TimelineView::paintReactor(QPainter& p, const Layout& l) const
{
    const int top = l.reactorTop;
    const int h = kReactorHeight;
    p.fillRect(QRect(l.left, top, l.right - l.left, h), QColor(0xec, 0xef, 0xf1));
    const std::int64_t t0 = l.startNs();
    const std::int64_t t1 = l.endNs();
    const std::int64_t nowNs = limitNs();
    const ReactorLane& reactor = m_data->reactor();
    // Ticks merge where they share pixel columns: one rectangle per run instead of one fill per call. Calls run one
    // after another, so once a call is drawn up to column c, the calls that start in c only matter if they reach past
    // it: jump (binary search) to the first call starting after c and draw the one just before it too. A flood of
    // 100 000 short calls per second then costs a few per pixel column, not one per call (bench_guilateness).
    RectBatches fills;
    ColumnRow columns;
    auto draw = [&](const IntervalList& list, Paint color, int y, int barH) {
        columns.reset(l.left, l.right + 2);
        const auto visible = list.in(t0, t1);
        auto paintOne = [&](const Interval& iv) {
            const double x0 = std::max<double>(l.left, l.xOf(iv.startNs));
            const double x1 = std::min<double>(l.right, l.xOf(std::min(iv.endNs, nowNs)));
            if (x1 < l.left)
                return x1;
            columns.paint(fillRectOf(QRectF(x0, y, std::max(1.0, x1 - x0), barH)), color);
            return x1;
        };
        for (auto it = visible.begin(); it != visible.end();) {
            if (it->startNs > nowNs)
                break;
            const double x1 = paintOne(*it);
            // The first time that maps past the column the bar ended in.
            const std::int64_t nextColumnNs = l.timeAt(std::floor(x1) + 1.0);
            const auto next = std::partition_point(
                it + 1, visible.end(), [&](const Interval& iv) { return iv.startNs < nextColumnNs; });
            if (next - it > 1 && (next - 1)->startNs <= nowNs)
                paintOne(*(next - 1));
            it = next;
        }
        columns.flush(y, barH, fills);
    };
    // Stalls: a red band behind the calls that caused them, then a frame and the length on top, so both show.
    std::vector<QRectF> stalls;
    for (const Interval& iv : reactor.stalls.in(t0, t1)) {
        if (iv.startNs > nowNs)
            break;
        const std::int64_t end = std::min(iv.endNs, nowNs);
        if (end - iv.startNs <= kStallNs)
            continue;
        const double x0 = std::max<double>(l.left, l.xOf(iv.startNs));
        const double x1 = std::min<double>(l.right, l.xOf(end));
        if (x1 < l.left)
            continue;
        const QRectF r(x0, top, std::max(2.0, x1 - x0), h);
        p.fillRect(r, kFailed);
        stalls.push_back(r);
    }
    draw(reactor.calls, kPaintCall, top + 4, h / 2 - 4);
    draw(reactor.callbacks, kPaintCallback, top + h / 2 + 1, h / 2 - 4);
    fills.paint(p);
    const QFontMetrics fm = fontMetrics();
    for (const QRectF& r : stalls) {
        p.setPen(QPen(kFailed.darker(140), 1));
        p.drawRect(r.adjusted(0, 0, -1, -1));
        const std::int64_t ns = l.timeAt(r.right()) - l.timeAt(r.left());
        const QString text = tr("stall %1").arg(JobTableModel::formatDuration(ns));
        const int textW
            = qRound(m_cache->texts(font(), this).text(text, false).width); // QFontMetrics::horizontalAdvance()
        if (r.width() > textW + 8) {
            const QRectF box(r.left() + 3, top + (h - fm.height()) / 2.0, textW + 4, fm.height());
            p.fillRect(box, kFailed);
            p.setPen(Qt::white);
            drawText(p, box, Qt::AlignCenter, text, false);
        }
    }
}

void TimelineView::paintLanes(QPainter& p, const Layout& l) const
{
    const std::int64_t t0 = l.startNs();
    const std::int64_t t1 = l.endNs();
    const std::int64_t nowNs = limitNs();
    const auto lanes = m_data->lanes();
    const auto jobs = m_data->jobs();
    const QFontMetrics fm = fontMetrics();
    const bool labels = l.laneHeight >= fm.height() - 2;
    // Text only where it fits, measured without shaping: digits have one width, and a label's width is measured
    // once per label (shaping and eliding per bar cost more than all the bars together).
    const int minTextPx = std::max(kMinLabelPx, fm.horizontalAdvance(QStringLiteral("#0")) + 5);
    const int digitW = fm.horizontalAdvance(QLatin1Char('0'));
    const int hashW = fm.horizontalAdvance(QLatin1Char('#'));
    const int jobsW = fm.horizontalAdvance(tr(" jobs"));
    auto digits = [](std::uint64_t n) {
        int d = 1;
        while (n >= 10) {
            n /= 10;
            ++d;
        }
        return d;
    };
    TimelineCache& cache = *m_cache;
    auto labelWidth = [&cache, &fm](std::uint32_t labelId) { return cache.labelWidth(labelId, fm); };
    const double textDy = (fm.ascent() - fm.descent()) / 2.0;
    // xOf() with the range read once (the same arithmetic, so the same pixels).
    const auto spanNs = static_cast<double>(l.scale.spanNs);
    auto xAt = [&](std::int64_t t) { return l.left + static_cast<double>(t - t0) * (l.right - l.left) / spanNs; };

    // Every lane resolves its bars into pixel columns first (ColumnRow), then the lanes' rows are drawn from them and
    // the text goes on top; a label is limited to what the next bar leaves of its own, as if that bar were painted
    // over it.
    struct Text {
        QPointF at;
        QString text;
        bool onFold;
    };
    std::vector<Text> texts; // only where the font has no digits of its own
    const std::span<const JobStatus> statuses = m_data->jobStatuses();
    const std::vector<std::int32_t>& laneOrder = cache.laneOrder();
    TextCache& shaped = cache.texts(font(), this);
    GlyphBatch barText;
    GlyphBatch foldText;
    RectBatches fills;
    LaneLines columns;
    const int barH = l.barHeight;
    // What lies below the bars: background, and the grid drawn by paintAxis().
    std::vector<QRgb> backdrop(static_cast<std::size_t>(std::max(0, l.right + 2 - l.left)), kBackground.rgb());
    for (const std::int64_t t : tickTimes(l)) {
        const int column = gridColumn(l.xOf(t)) - l.left;
        if (column >= 0 && column < static_cast<int>(backdrop.size()))
            backdrop[static_cast<std::size_t>(column)] = kGrid.rgb();
    }
    for (int i = 0; i < l.laneCount; ++i) {
        const std::int32_t laneIndex = laneOrder[static_cast<std::size_t>(i)];
        const WorkerLane& lane = lanes[static_cast<std::size_t>(laneIndex)];
        const int top = l.lanesTop + i * l.laneHeight;
        if (top > height())
            break;
        // Lifetime band, with the idle time as a thin strip.
        const std::int64_t born = lane.createdNs == kNoTime ? m_data->earliestNs() : lane.createdNs;
        const bool retired = lane.retiredNs != kNoTime && lane.retiredNs <= nowNs;
        const std::int64_t died = retired ? lane.retiredNs : nowNs;
        const bool alive = born != kNoTime && born <= nowNs && died >= t0 && born <= t1;
        double bornX = 0;
        double diedX = 0;
        QRect strip; // the part within the bars' rows, drawn with them (LaneLines); any rest is filled on its own
        if (alive) {
            bornX = std::max<double>(l.left, xAt(born));
            diedX = std::min<double>(l.right, xAt(died));
            const QRect band = fillRectOf(QRectF(bornX, top + barH / 2.0 - 1, diedX - bornX, 3));
            const int barsTop = top + 1;
            const int barsEnd = top + 1 + barH;
            strip = band & QRect(band.left(), barsTop, band.width(), barH);
            if (band.top() < barsTop)
                fills.add(kPaintLifetime,
                    QRect(band.left(), band.top(), band.width(), std::min(barsTop, band.bottom() + 1) - band.top()));
            if (band.bottom() >= barsEnd) {
                const int from = std::max(barsEnd, band.top());
                fills.add(kPaintLifetime, QRect(band.left(), from, band.width(), band.bottom() + 1 - from));
            }
        }
        columns.reset(l.left, backdrop, strip, fillColours()[kPaintLifetime].rgb());
        if (alive) {
            if (xAt(born) >= l.left)
                columns.paint(fillRectOf(QRectF(bornX, top + 1, 2, barH)), kPaintBusy);
            if (retired && xAt(died) <= l.right)
                columns.paint(fillRectOf(QRectF(diedX - 2, top + 1, 2, barH)), kPaintFailed);
        }

        // A bar's label waits for the next bar or fold: that one's first column bounds it.
        const JobRecord* labelJob = nullptr;
        QRect labelBar;
        auto placeLabel = [&](int nextLeft) {
            if (!labelJob)
                return;
            const int width = std::min(labelBar.width(), nextLeft + 1 - labelBar.left());
            if (labels && width > minTextPx) {
                // "#17 sleep 2000 ms": the trace's id, then the label; just the id when the label does not fit.
                const int room = width - 5;
                const int idW = hashW + digits(labelJob->id) * digitW;
                const QPointF at(labelBar.left() + 3, labelBar.center().y() + textDy);
                const bool withLabel = idW + labelWidth(labelJob->labelId) <= room;
                if (withLabel || idW <= room) {
                    if (shaped.digitsShaped) {
                        const double x = shaped.addId(barText, labelJob->id, at);
                        if (withLabel)
                            for (const QGlyphRun& run : shaped.label(labelJob->labelId))
                                barText.add(run, QPointF(x, at.y()));
                    } else if (withLabel) {
                        texts.push_back(
                            { at, QStringLiteral("#%1 %2").arg(labelJob->id).arg(TraceStrings::text(labelJob->labelId)),
                                false });
                    } else {
                        texts.push_back({ at, QStringLiteral("#%1").arg(labelJob->id), false });
                    }
                }
            }
            labelJob = nullptr;
        };
        // Jobs; runs of ones narrower than kFoldPx fold into one block.
        double foldStart = -1;
        double foldEnd = -1;
        int foldCount = 0;
        auto flushFold = [&](double nextX) {
            if (foldCount == 0)
                return;
            const QRectF r(foldStart, top + 1, std::max(1.0, foldEnd - foldStart), barH);
            columns.paint(fillRectOf(r), kPaintFold);
            QRectF shown = r;
            if (nextX < r.right())
                shown.setRight(std::max(nextX, r.left()));
            const int textW = digits(static_cast<std::uint64_t>(foldCount)) * digitW + jobsW;
            if (labels && shown.width() > textW + 4) {
                const QPointF at(shown.center().x() - textW / 2.0, shown.center().y() + textDy);
                if (shaped.digitsShaped) {
                    for (const QGlyphRun& run : shaped.fold(foldCount))
                        foldText.add(run, at);
                } else {
                    texts.push_back({ at, tr("%n jobs", nullptr, foldCount), true });
                }
            }
            foldCount = 0;
        };
        // Interval k just joined the fold. The ones after it that start within the fold's reach and have all ended
        // join it too, one by one, if each is narrower than kFoldPx: when their whole stretch is narrower than that,
        // each one is, so they are counted without being visited. A zoomed-out lane of a million jobs then costs a
        // few binary steps per pixel instead of a step per job. Returns the last interval taken.
        auto skipFolded = [&](std::span<const Interval> ivs, std::size_t k, double& end, int& count) -> std::size_t {
            const double reach = end + 1;
            auto joins = [&](const Interval& iv) { return iv.maxEndNs <= nowNs && xAt(iv.startNs) <= reach; };
            const std::size_t first = k + 1;
            const std::size_t n = ivs.size();
            if (first >= n || !joins(ivs[first]))
                return k;
            const std::size_t last = gallopPartition(ivs, first + 1, joins) - 1;
            // The largest end among [first, last] is ivs[last].maxEndNs only if it grew past ivs[k]'s.
            if (ivs[last].maxEndNs <= ivs[k].maxEndNs)
                return k;
            const double stretchEnd = std::min<double>(l.right, xAt(ivs[last].maxEndNs));
            if (stretchEnd - std::max<double>(l.left, xAt(ivs[first].startNs)) >= kFoldPx)
                return k; // one of them may be wide: visit them one by one
            end = std::max(end, stretchEnd);
            count += static_cast<int>(last + 1 - first);
            return last;
        };
        const std::span<const Interval> inView = m_data->intervalsIn(laneIndex, t0, t1);
        for (std::size_t k = 0; k < inView.size(); ++k) {
            const Interval& iv = inView[k];
            if (iv.startNs > nowNs)
                break;
            const bool running = iv.endNs > nowNs;
            const double x0 = std::max<double>(l.left, xAt(iv.startNs));
            const double x1 = std::min<double>(l.right, xAt(running ? nowNs : iv.endNs));
            if (x1 - x0 < kFoldPx) {
                if (foldCount > 0 && x0 > foldEnd + 1)
                    flushFold(x0);
                if (foldCount == 0) {
                    foldStart = x0;
                    placeLabel(qRound(x0));
                }
                foldEnd = std::max(foldEnd, x1);
                ++foldCount;
                k = skipFolded(inView, k, foldEnd, foldCount);
                continue;
            }
            flushFold(x0);
            // Whole pixels.
            const int px0 = qRound(x0);
            const QRect r(px0, top + 1, std::max(1, qRound(x1) - px0), barH);
            placeLabel(px0);
            const auto row = static_cast<std::size_t>(iv.row);
            const JobStatus status = iv.row < 0 ? JobStatus::Finished : running ? JobStatus::Running : statuses[row];
            columns.paint(r, statusPaint(status, false));
            if (r.width() >= kMinOutlinePx) // a darker right edge tells adjacent bars apart
                columns.paint(r.right(), r.right() + 1, statusPaint(status, true));
            // The record itself only for bars wide enough to be labelled (reading each one is a cache miss).
            labelJob = iv.row >= 0 && labels && r.width() > minTextPx ? &jobs[row] : nullptr;
            labelBar = r;
        }
        flushFold(std::numeric_limits<double>::infinity());
        placeLabel(std::numeric_limits<int>::max() - 1);
        columns.draw(p, top + 1, barH);
    }
    fills.paint(p); // lifetime strips where they reach beyond the bars' rows (lanes too low for both)
    barText.paint(p, Qt::black);
    foldText.paint(p, Qt::white);
    bool white = false;
    p.setPen(Qt::black);
    for (const Text& t : texts) {
        if (t.onFold != white) {
            white = t.onFold;
            p.setPen(white ? Qt::white : Qt::black);
        }
        p.drawText(t.at, t.text);
    }
}

const QImage& TimelineView::laneNamesImage(const Layout& l, qreal dpr) const
{
    const int top = l.reactorTop;
    const int bottom = height();
    const QFontMetrics fm = fontMetrics();
    const bool labels = l.laneHeight >= fm.height() - 2;
    const std::vector<std::int32_t>& order = m_cache->laneOrder();
    auto nameOf = [&](std::int32_t lane) -> const QString& { return m_cache->laneName(lane, l.left - 8, fm); };
    // Everything the names depend on; the font is not in it because a font change clears the key.
    std::vector<std::int64_t> key { static_cast<std::int64_t>(std::lround(dpr * 1000)), logicalDpiY(), l.left, top,
        l.lanesTop, l.laneHeight, bottom, labels ? 1 : 0 };
    for (int i = 0; i < l.laneCount && l.lanesTop + i * l.laneHeight <= bottom; ++i) {
        const std::int32_t lane = order[static_cast<std::size_t>(i)];
        key.push_back(lane);
        key.push_back(static_cast<std::int64_t>(qHash(nameOf(lane))));
    }
    if (const QImage* cached = m_cache->laneNamesImage(key))
        return *cached;
    // Rounded up: the image must cover [0, left) × [top, bottom) whatever the device pixel ratio.
    const QSize size(
        static_cast<int>(std::ceil(l.left * dpr)), static_cast<int>(std::ceil(std::max(1, bottom - top) * dpr)));
    QImage image(size, QImage::Format_RGB32);
    image.setDevicePixelRatio(dpr);
    image.fill(kBackground);
    {
        QPainter p(&image);
        p.setFont(font());
        p.setPen(kText);
        p.translate(0, -top);
        p.drawText(QRect(4, l.reactorTop, l.left - 8, kReactorHeight), Qt::AlignVCenter | Qt::AlignLeft,
            tr("Reactor (MainThread)"));
        for (int i = 0; i < l.laneCount; ++i) {
            const int laneTop = l.lanesTop + i * l.laneHeight;
            if (laneTop > bottom)
                break;
            if (labels) {
                const std::int32_t lane = order[static_cast<std::size_t>(i)];
                p.drawText(QRect(4, laneTop, l.left - 8, l.laneHeight), Qt::AlignVCenter | Qt::AlignLeft, nameOf(lane));
            }
        }
        if (!labels && l.laneCount > 0)
            p.drawText(
                QRect(4, l.lanesTop, l.left - 8, fm.height()), Qt::AlignLeft, tr("%n worker(s)", nullptr, l.laneCount));
    }
    return m_cache->setLaneNamesImage(std::move(key), std::move(image));
}

void TimelineView::paintResizes(QPainter& p, const Layout& l) const
{
    const std::int64_t t0 = l.startNs();
    const std::int64_t t1 = std::min(l.endNs(), limitNs());
    const QFontMetrics fm = fontMetrics();
    // A dash-dot line from the pool strip down; each marker copies the one or two columns of it that its x covers:
    // stroking the pattern per marker cost 30 times more.
    const QImage& resizeLine = m_cache->resizeLine(height(), l.poolTop, kResize);
    int row = 0;
    for (const ResizeMarker& m : m_data->resizes()) {
        if (m.timeNs < t0 || m.timeNs > t1)
            continue;
        const double x = l.xOf(m.timeNs);
        // A 1.5 px pen covers the columns whose centres lie within 0.75 px of x.
        const int c0 = static_cast<int>(std::ceil(x - 1.25));
        const int c1 = static_cast<int>(std::ceil(x + 0.25)) - 1;
        p.drawImage(QPoint(c0, 0), resizeLine, QRect(0, 0, c1 - c0 + 1, resizeLine.height()));
        const QString text = QStringLiteral("max %1 → %2").arg(m.oldMax).arg(m.newMax);
        const int textW
            = qRound(m_cache->texts(font(), this).text(text, false).width); // QFontMetrics::horizontalAdvance()
        const QRectF r(x + 3, l.poolTop + 2 + (row % 3) * (fm.height() + 1), textW + 6, fm.height());
        p.fillRect(r, QColor(255, 255, 255, 220));
        p.setPen(kResize);
        drawText(p, r, Qt::AlignCenter, text, false);
        ++row;
    }
}

namespace {

QColor findingColor(DiagnosticSeverity severity)
{
    switch (severity) {
    case DiagnosticSeverity::Critical:
        return { 0xc6, 0x28, 0x28 };
    case DiagnosticSeverity::Warning:
        return { 0xef, 0x6c, 0x00 };
    case DiagnosticSeverity::Info:
        break;
    }
    return { 0x1e, 0x88, 0xe5 };
}

/// Whether a finding is about one worker (its lane) rather than a whole pool or the reactor.
bool onOneWorker(const FindingRecord& f)
{
    return f.rule == DiagnosticRule::LongRunningJob && f.worker >= 0;
}

/// The diagnostics findings that `job` took part in: a stall while it ran on the reactor, a pool-wide finding of its
/// pool while it waited or ran, a long-running job on its worker while it ran.
QStringList findingsOf(const TraceData& data, const JobRecord& job)
{
    QStringList out;
    const std::int64_t from = job.queuedNs != kNoTime ? job.queuedNs : job.startedNs;
    if (from == kNoTime)
        return out;
    const std::int64_t to = job.endedNs != kNoTime ? job.endedNs : std::numeric_limits<std::int64_t>::max();
    const QString pool = TraceStrings::text(job.poolId);
    for (const FindingRecord& f : data.findings()) {
        const std::int64_t end = f.endNs == kNoTime ? std::numeric_limits<std::int64_t>::max() : f.endNs;
        bool involved = false;
        if (f.pool.isEmpty()) {
            involved = job.lane == JobRecord::kReactorLane && job.startedNs != kNoTime && job.startedNs < end
                && to > f.startNs;
        } else if (onOneWorker(f)) {
            const std::int32_t lane = data.findLane(TraceStrings::intern(f.pool), f.worker);
            involved = lane >= 0 && job.lane == lane && job.startedNs != kNoTime && job.startedNs <= f.startNs
                && to > f.startNs;
        } else {
            involved = f.pool == pool && job.lane != JobRecord::kReactorLane && from < end && to > f.startNs;
        }
        if (involved)
            out << QCoreApplication::translate("qtwisted::TimelineView", "%1 (%2)")
                       .arg(toString(f.rule), toString(f.severity));
    }
    out.removeDuplicates();
    return out;
}

} // namespace

void TimelineView::paintFindings(QPainter& p, const Layout& l) const
{
    const std::vector<FindingRecord>& findings = m_data->findings();
    if (findings.empty())
        return;
    const std::int64_t t0 = l.startNs();
    const std::int64_t t1 = l.endNs();
    const std::int64_t nowNs = limitNs();
    const auto lanes = m_data->lanes();
    const std::vector<std::int32_t>& order = m_cache->laneOrder();
    const int bottom = std::min(height(), l.lanesTop + l.laneCount * l.laneHeight);
    for (const FindingRecord& f : findings) {
        const std::int64_t end = f.endNs == kNoTime ? nowNs : std::min(f.endNs, nowNs);
        if (f.startNs > t1 || end < t0 || f.startNs > nowNs)
            continue;
        const double x0 = std::max<double>(l.left, l.xOf(f.startNs));
        const double x1 = std::min<double>(l.right, l.xOf(end));
        const QColor color = findingColor(f.severity);
        QColor shade = color;
        shade.setAlpha(40);
        auto edges = [&](double top, double h) {
            p.setPen(QPen(color, 2));
            if (l.xOf(f.startNs) >= l.left)
                p.drawLine(QPointF(x0, top), QPointF(x0, top + h));
            if (f.endNs != kNoTime && l.xOf(f.endNs) <= l.right)
                p.drawLine(QPointF(x1, top), QPointF(x1, top + h));
        };
        if (f.pool.isEmpty()) {
            // On the reactor lane: a red frame around the stall (the red band is the stall itself) and a bar on top.
            const QRectF r(x0, l.reactorTop, std::max(2.0, x1 - x0), kReactorHeight);
            p.fillRect(QRectF(r.left(), r.top(), r.width(), 3), color);
            edges(r.top(), r.height());
            continue;
        }
        const std::uint32_t poolId = TraceStrings::intern(f.pool);
        for (int i = 0; i < l.laneCount && static_cast<std::size_t>(i) < order.size(); ++i) {
            const int top = l.lanesTop + i * l.laneHeight;
            if (top > bottom)
                break;
            const WorkerLane& lane = lanes[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])];
            if (lane.poolId != poolId || (onOneWorker(f) && lane.worker != f.worker))
                continue;
            const QRectF r(x0, top, std::max(2.0, x1 - x0), l.laneHeight);
            if (onOneWorker(f)) {
                p.setPen(QPen(color, 2));
                p.setBrush(Qt::NoBrush);
                p.drawRect(r.adjusted(1, 1, -1, -1));
            } else {
                p.fillRect(r, shade);
                edges(r.top(), r.height());
            }
        }
    }
}

void TimelineView::paintSelection(QPainter& p, const Layout& l) const
{
    const int bottom = height() - 1;
    // The selected range, or the one being dragged.
    auto band = [&](double x0, double x1) {
        x0 = std::clamp<double>(x0, l.left, l.right);
        x1 = std::clamp<double>(x1, l.left, l.right);
        if (x1 - x0 < 1)
            return;
        p.fillRect(QRectF(x0, l.poolTop, x1 - x0, bottom - l.poolTop), kRange);
        p.setPen(QPen(QColor(0x1e, 0x88, 0xe5), 1));
        p.drawLine(QPointF(x0, l.poolTop), QPointF(x0, bottom));
        p.drawLine(QPointF(x1, l.poolTop), QPointF(x1, bottom));
    };
    if (m_selecting && m_dragged)
        band(std::min(m_dragStart.x(), m_dragPos.x()), std::max(m_dragStart.x(), m_dragPos.x()));
    else if (hasSelectedRange())
        band(l.xOf(m_rangeStartNs), l.xOf(m_rangeEndNs));

    // The selected job: every piece of it (submit tick, run bar, callback tick), joined by dashed lines.
    if (m_selected < 0 || static_cast<std::size_t>(m_selected) >= m_data->jobs().size())
        return;
    const JobRecord& job = m_data->jobs()[static_cast<std::size_t>(m_selected)];
    const std::int64_t nowNs = limitNs();
    int laneTop = -1;
    int laneH = l.laneHeight;
    if (job.lane == JobRecord::kReactorLane) {
        laneTop = l.reactorTop;
        laneH = kReactorHeight;
    } else if (job.lane >= 0) {
        const int position = m_cache->positionOf(job.lane);
        if (position >= 0)
            laneTop = l.lanesTop + position * l.laneHeight;
    }
    const double laneMid = laneTop + laneH / 2.0;
    const double submitY = l.poolTop + l.poolHeight;
    const double reactorMid = l.reactorTop + kReactorHeight / 2.0;
    p.setRenderHint(QPainter::Antialiasing);
    const bool queued = job.queuedNs != kNoTime && job.queuedNs <= nowNs;
    const bool started = job.startedNs != kNoTime && job.startedNs <= nowNs && laneTop >= 0;
    const double xq = l.xOf(job.queuedNs);
    const double xs = l.xOf(job.startedNs);
    const double xe = l.xOf(job.endedNs == kNoTime || job.endedNs > nowNs ? nowNs : job.endedNs);
    if (queued) {
        // Submit tick: a marker under the pool strip, where the job joined the backlog.
        p.setPen(QPen(kHighlight, 2));
        p.drawLine(QPointF(xq, l.poolTop), QPointF(xq, submitY));
        QPolygonF tip;
        tip << QPointF(xq - 5, submitY) << QPointF(xq + 5, submitY) << QPointF(xq, submitY + 7);
        p.setBrush(kHighlight);
        p.drawPolygon(tip);
        p.setBrush(Qt::NoBrush);
    }
    if (started) {
        if (queued) {
            p.setPen(QPen(kHighlight, 1.2, Qt::DashLine));
            p.drawLine(QPointF(xq, submitY + 7), QPointF(xs, laneMid));
        }
        p.setPen(QPen(kHighlight, 2.5));
        p.drawRect(QRectF(xs, laneTop + 1, std::max(3.0, xe - xs), std::max(3, laneH - 3)));
    }
    if (job.callbackStartNs != kNoTime && job.callbackStartNs <= nowNs) {
        const double xc = l.xOf(job.callbackStartNs);
        const double w = std::max(3.0, l.xOf(job.callbackStartNs + job.callbackDurationNs) - xc);
        if (started) {
            p.setPen(QPen(kHighlight, 1.2, Qt::DashLine));
            p.drawLine(QPointF(xe, laneMid), QPointF(xc, reactorMid));
        }
        p.setPen(QPen(kHighlight, 2.5));
        p.drawRect(QRectF(xc - 1, l.reactorTop + 1, w + 2, kReactorHeight - 2));
    }
    p.setRenderHint(QPainter::Antialiasing, false);
}

int TimelineView::jobAt(QPoint pos) const
{
    if (!m_data)
        return -1;
    const Layout l = layout();
    if (pos.x() < l.left || pos.x() > l.right)
        return -1;
    const auto slack = static_cast<std::int64_t>(2.0 * static_cast<double>(l.scale.spanNs) / (l.right - l.left));
    const std::int64_t t = l.timeAt(pos.x());
    auto find = [&](std::span<const Interval> list) {
        for (const Interval& iv : list)
            if (iv.row >= 0 && iv.startNs <= t + slack && (iv.endNs == kOpenEnd || iv.endNs >= t - slack))
                return iv.row;
        return -1;
    };
    if (pos.y() >= l.reactorTop && pos.y() < l.reactorTop + kReactorHeight) {
        const int row = find(m_data->reactor().calls.in(t - slack, t + slack));
        return row >= 0 ? row : find(m_data->reactor().callbacks.in(t - slack, t + slack));
    }
    if (pos.y() < l.lanesTop || l.laneHeight <= 0)
        return -1;
    const int position = (pos.y() - l.lanesTop) / l.laneHeight;
    if (position >= l.laneCount)
        return -1;
    return find(m_data->intervalsIn(m_cache->laneOrder()[static_cast<std::size_t>(position)], t - slack, t + slack));
}

QString TimelineView::laneNameAt(QPoint pos) const
{
    if (!m_data)
        return {};
    const Layout l = layout();
    if (pos.x() >= l.left || pos.y() < l.lanesTop || l.laneHeight <= 0)
        return {};
    const int position = (pos.y() - l.lanesTop) / l.laneHeight;
    const std::vector<std::int32_t>& order = m_cache->laneOrder();
    if (position >= l.laneCount || position >= static_cast<int>(order.size()))
        return {};
    return m_data->lanes()[static_cast<std::size_t>(order[static_cast<std::size_t>(position)])].threadName;
}

QString TimelineView::toolTipFor(int row) const
{
    const JobRecord& job = m_data->jobs()[static_cast<std::size_t>(row)];
    const std::int64_t origin = m_data->timeOrigin();
    auto ms = [](std::int64_t ns) { return JobTableModel::formatDuration(ns); };
    QStringList lines;
    lines << tr("<b>#%1 %2</b>").arg(job.id).arg(TraceStrings::text(job.labelId).toHtmlEscaped());
    lines << tr("API: %1 — %2").arg(apiName(job.api), jobStatusName(job.status));
    if (job.queuedNs != kNoTime) {
        lines << tr("queued at %1").arg(formatSeconds(static_cast<double>(job.queuedNs - origin) / 1e9));
        if (job.waitNs() != kNoTime) {
            const PoolSeries* pool = m_data->pool(job.poolId);
            const std::int64_t ahead = pool ? std::max<std::int64_t>(0, pool->backlog.valueAt(job.queuedNs - 1)) : 0;
            lines << tr("waited %1 behind %n job(s)", nullptr, static_cast<int>(ahead)).arg(ms(job.waitNs()));
        }
    }
    if (job.lane >= 0) {
        const WorkerLane& lane = m_data->lanes()[static_cast<std::size_t>(job.lane)];
        const auto all = lane.jobs.all();
        const bool fresh = !all.empty() && all.front().row == row;
        lines << tr("ran on %1 (%2)").arg(lane.threadName, fresh ? tr("new thread") : tr("reused thread"));
    } else if (job.lane == JobRecord::kReactorLane) {
        lines << tr("ran on the reactor thread");
    }
    if (job.runNs() != kNoTime)
        lines << tr("duration %1").arg(ms(job.runNs()));
    if (job.callbackDelayNs() != kNoTime)
        lines << tr("callback delivered %1 later on the reactor (took %2)")
                     .arg(ms(job.callbackDelayNs()), ms(job.callbackDurationNs));
    if (job.blockedStartNs != kNoTime)
        lines << tr("caller blocked %1").arg(ms(job.blockedNs));
    const QStringList findings = findingsOf(*m_data, job);
    if (!findings.isEmpty())
        lines << tr("<b>part of a problem:</b> %1").arg(findings.join(QStringLiteral(", ")).toHtmlEscaped());
    return lines.join(QStringLiteral("<br>"));
}

bool TimelineView::event(QEvent* event)
{
    if (event->type() == QEvent::FontChange) {
        m_cache->invalidateFont();
    }
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int row = jobAt(help->pos());
        const QString laneHeader = laneNameAt(help->pos());
        if (row >= 0)
            QToolTip::showText(help->globalPos(), toolTipFor(row), this);
        else if (!laneHeader.isEmpty())
            QToolTip::showText(help->globalPos(), laneHeader, this);
        else
            QToolTip::showText(help->globalPos(), toolTip(), this);
        return true;
    }
    return QWidget::event(event);
}

void TimelineView::mousePressEvent(QMouseEvent* event)
{
    const bool select = event->button() == Qt::RightButton
        || (event->button() == Qt::LeftButton && (event->modifiers() & Qt::ShiftModifier));
    if (event->button() != Qt::LeftButton && !select)
        return QWidget::mousePressEvent(event);
    m_dragging = true;
    m_dragged = false;
    m_selecting = select;
    m_dragStart = m_dragPos = event->position().toPoint();
    m_dragEndNs = endNs();
}

void TimelineView::mouseMoveEvent(QMouseEvent* event)
{
    if (!m_dragging)
        return;
    const QPoint pos = event->position().toPoint();
    if (!m_dragged && (pos - m_dragStart).manhattanLength() < kMinSelectPx)
        return;
    m_dragged = true;
    m_dragPos = pos;
    if (m_selecting) {
        update();
        return;
    }
    const Layout l = layout();
    const double nsPerPx = l.scale.nsPerPixel();
    stopFollowing();
    m_viewport.setEndNs(m_dragEndNs - static_cast<std::int64_t>((pos.x() - m_dragStart.x()) * nsPerPx));
    update();
    Q_EMIT rangeChanged();
}

void TimelineView::mouseReleaseEvent(QMouseEvent* event)
{
    if (!m_dragging || (event->button() != Qt::LeftButton && event->button() != Qt::RightButton))
        return QWidget::mouseReleaseEvent(event);
    m_dragging = false;
    if (m_selecting) {
        m_selecting = false;
        if (!m_dragged) {
            clearSelectedRange(); // a plain right click
            return;
        }
        const Layout l = layout();
        const double a = std::clamp<double>(std::min(m_dragStart.x(), m_dragPos.x()), l.left, l.right);
        const double b = std::clamp<double>(std::max(m_dragStart.x(), m_dragPos.x()), l.left, l.right);
        if (b - a < kMinSelectPx) {
            update();
            return;
        }
        const std::int64_t t0 = l.timeAt(a);
        const std::int64_t t1 = l.timeAt(b);
        setSelectedRange(t0, t1);
        zoomTo(t0, t1);
        return;
    }
    if (!m_dragged) {
        const int row = jobAt(event->position().toPoint());
        setSelectedRow(row);
        Q_EMIT jobClicked(row);
    }
}

void TimelineView::keyPressEvent(QKeyEvent* event)
{
    if (event->key() == Qt::Key_Escape && hasSelectedRange()) {
        clearSelectedRange();
        return;
    }
    if (event->key() == Qt::Key_Backspace && zoomBack())
        return;
    QWidget::keyPressEvent(event);
}

void TimelineView::wheelEvent(QWheelEvent* event)
{
    const Layout l = layout();
    const int delta = event->angleDelta().y() != 0 ? event->angleDelta().y() : event->angleDelta().x();
    if (delta == 0)
        return;
    if (event->modifiers() & Qt::ControlModifier) {
        // Zoom keeping the time under the cursor where it is.
        const double x = std::clamp<double>(event->position().x(), l.left, l.right);
        const std::int64_t anchor = l.timeAt(x);
        const double factor = std::pow(0.8, delta / 120.0);
        const double frac = (x - l.left) / (l.right - l.left);
        stopFollowing();
        m_viewport.zoomAbout(anchor, frac, factor);
    } else {
        stopFollowing();
        m_viewport.panBy(
            -static_cast<std::int64_t>(static_cast<double>(m_viewport.spanNs()) * delta / 1200.0), moment());
    }
    update();
    Q_EMIT rangeChanged();
    event->accept();
}

} // namespace qtwisted
