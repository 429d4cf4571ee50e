// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/jobtablemodel.h>
#include <qtwisted/trace.h>
#include <qtwisted/ui/timelineview.h>

#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPolygonF>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

namespace qtwisted {

namespace {
constexpr int kLabelWidth = 170;
constexpr int kAxisHeight = 20;
constexpr int kPoolHeight = 64;
constexpr int kReactorHeight = 22;
constexpr int kMaxLaneHeight = 22;
constexpr int kMinLaneHeight = 6;
constexpr double kFoldPx = 3.0;
constexpr std::int64_t kMinSpanNs = 1'000'000; // 1 ms
constexpr std::int64_t kMaxSpanNs = 3'600'000'000'000; // 1 h
constexpr std::int64_t kStallNs = 16'000'000;
constexpr int kMinSelectPx = 4;
constexpr int kMinLabelPx = 24;
constexpr double kMinOutlinePx = 5.0;

const QColor kBackground(0xfa, 0xfa, 0xfa);
const QColor kGrid(0xe0, 0xe0, 0xe0);
const QColor kText(0x26, 0x32, 0x38);
const QColor kFinished(0x42, 0xa5, 0xf5);
const QColor kRunning(0xff, 0xa7, 0x26);
const QColor kFailed(0xe5, 0x39, 0x35);
const QColor kCancelled(0xbd, 0xbd, 0xbd);
const QColor kFold(0x3f, 0x51, 0xb5);
const QColor kBusy(0x66, 0xbb, 0x6a);
const QColor kBacklog(0xfb, 0x8c, 0x00);
const QColor kSaturated(0xff, 0xcd, 0xd2);
const QColor kCallback(0x8e, 0x24, 0xaa);
const QColor kResize(0x6a, 0x1b, 0x9a);
const QColor kHighlight(0xd8, 0x1b, 0x60);
const QColor kRange(0x1e, 0x88, 0xe5, 40);

QColor statusColor(JobStatus status)
{
    switch (status) {
    case JobStatus::Queued:
    case JobStatus::Running:
        return kRunning;
    case JobStatus::Finished:
        return kFinished;
    case JobStatus::Failed:
        return kFailed;
    case JobStatus::Cancelled:
        return kCancelled;
    }
    return kFinished;
}

QColor edgeColor(JobStatus status)
{
    static const std::array<QColor, 5> edges = [] {
        std::array<QColor, 5> a;
        for (std::size_t i = 0; i < a.size(); ++i)
            a[i] = statusColor(static_cast<JobStatus>(i)).darker(130);
        return a;
    }();
    return edges[static_cast<std::size_t>(status)];
}

QString formatSeconds(double s)
{
    if (std::abs(s) < 1.0)
        return QString::number(s * 1000.0, 'f', 0) + QStringLiteral(" ms");
    return QString::number(s, 'f', std::abs(s) < 10 ? 2 : 1) + QStringLiteral(" s");
}

/// A "nice" tick step (1, 2, 5 × 10^k ns) that gives ticks at least `minPx` apart.
std::int64_t tickStep(std::int64_t spanNs, int widthPx, int minPx)
{
    const double wanted = static_cast<double>(spanNs) * minPx / std::max(1, widthPx);
    double step = 1e3;
    while (step < wanted) {
        if (step * 2 >= wanted)
            return static_cast<std::int64_t>(step * 2);
        if (step * 5 >= wanted)
            return static_cast<std::int64_t>(step * 5);
        step *= 10;
    }
    return static_cast<std::int64_t>(step);
}
} // namespace

TimelineView::TimelineView(QWidget* parent)
    : QWidget(parent)
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
    m_laneOrderData = nullptr;
    if (!m_zoomHistory.empty()) {
        m_zoomHistory.clear();
        Q_EMIT zoomHistoryChanged(false);
    }
    if (m_paused) {
        m_paused = false;
        Q_EMIT viewPausedChanged(false);
    }
    if (!live && data && data->latestNs() != kNoTime) {
        // An imported trace: show all of it.
        m_spanNs = std::clamp(data->latestNs() - data->timeOrigin(), kMinSpanNs, kMaxSpanNs);
        m_spanNs += m_spanNs / 20;
    }
    setFollowing(true);
    update();
}

void TimelineView::setFollowing(bool follow)
{
    if (follow && m_paused) {
        m_paused = false;
        Q_EMIT viewPausedChanged(false);
    }
    if (m_follow == follow)
        return;
    if (!follow)
        m_endNs = endNs(); // the right edge as it is now, while still following
    m_follow = follow;
    update();
    Q_EMIT followingChanged(follow);
    Q_EMIT rangeChanged();
}

void TimelineView::stopFollowing()
{
    if (m_follow)
        setFollowing(false);
}

void TimelineView::setSpanSeconds(double seconds)
{
    m_spanNs = std::clamp(static_cast<std::int64_t>(seconds * 1e9), kMinSpanNs, kMaxSpanNs);
    update();
    Q_EMIT rangeChanged();
}

double TimelineView::spanSeconds() const noexcept
{
    return static_cast<double>(m_spanNs) / 1e9;
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
        const bool following = m_follow;
        stopFollowing();
        if (following && m_live)
            m_endNs = std::max(m_frozenNs, m_data ? m_data->timeOrigin() + m_spanNs : m_frozenNs);
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
    m_zoomHistory.push_back({ m_follow, m_spanNs, endNs() });
    stopFollowing();
    m_spanNs = std::clamp(t1 - t0, kMinSpanNs, kMaxSpanNs);
    m_endNs = t0 + m_spanNs;
    update();
    Q_EMIT zoomHistoryChanged(true);
    Q_EMIT rangeChanged();
}

bool TimelineView::zoomBack()
{
    if (m_zoomHistory.empty())
        return false;
    const ViewState state = m_zoomHistory.back();
    m_zoomHistory.pop_back();
    m_spanNs = state.spanNs;
    m_endNs = state.endNs;
    clearSelectedRange();
    if (state.follow && !m_paused)
        setFollowing(true);
    update();
    Q_EMIT zoomHistoryChanged(!m_zoomHistory.empty());
    Q_EMIT rangeChanged();
    return true;
}

void TimelineView::updateLaneOrder() const
{
    const std::size_t count = m_data ? m_data->lanes().size() : 0;
    const std::int64_t frozen = m_paused ? m_frozenNs : 0;
    if (m_laneOrderData == m_data && m_laneOrderCount == count && m_laneOrderFrozen == frozen
        && (!m_data || m_laneOrderEpoch == m_data->epoch()))
        return;
    if (m_laneOrderData != m_data || (m_data && m_laneOrderEpoch != m_data->epoch()))
        m_laneNames.clear();
    m_laneOrderData = m_data;
    m_laneOrderEpoch = m_data ? m_data->epoch() : 0;
    m_laneOrderCount = count;
    m_laneOrderFrozen = frozen;
    m_laneOrder.resize(count);
    std::iota(m_laneOrder.begin(), m_laneOrder.end(), 0);
    if (!m_data)
        return;
    const auto lanes = m_data->lanes();
    if (m_paused) {
        // A paused view does not grow lanes for threads started after the pause.
        std::erase_if(m_laneOrder, [&lanes, frozen](std::int32_t i) {
            const std::int64_t created = lanes[static_cast<std::size_t>(i)].createdNs;
            return created != kNoTime && created > frozen;
        });
    }
    // Worker 0 above worker 1 whatever order the threads started in; a reused index (a new thread after a retired
    // one) stays its own lane, right below the older one.
    std::stable_sort(m_laneOrder.begin(), m_laneOrder.end(), [&lanes](std::int32_t a, std::int32_t b) {
        const WorkerLane& la = lanes[static_cast<std::size_t>(a)];
        const WorkerLane& lb = lanes[static_cast<std::size_t>(b)];
        return std::tie(la.poolId, la.worker, la.createdNs) < std::tie(lb.poolId, lb.worker, lb.createdNs);
    });
}

std::vector<std::int32_t> TimelineView::laneOrder() const
{
    updateLaneOrder();
    return m_laneOrder;
}

std::int64_t TimelineView::endNs() const noexcept
{
    if (!m_follow)
        return m_endNs;
    if (!m_data)
        return traceNow();
    if (m_live)
        return std::max(traceNow(), m_data->timeOrigin() + m_spanNs);
    return m_data->timeOrigin() + m_spanNs - m_spanNs / 40;
}

std::int64_t TimelineView::visibleEndNs() const noexcept
{
    return endNs();
}
std::int64_t TimelineView::visibleStartNs() const noexcept
{
    return endNs() - m_spanNs;
}

TimelineView::Layout TimelineView::layout() const
{
    Layout l;
    l.left = kLabelWidth;
    l.right = std::max(l.left + 10, width() - 8);
    l.axisTop = 0;
    l.poolTop = kAxisHeight + 4;
    l.poolHeight = kPoolHeight;
    l.reactorTop = l.poolTop + l.poolHeight + 6;
    l.lanesTop = l.reactorTop + kReactorHeight + 4;
    updateLaneOrder();
    l.laneCount = static_cast<int>(m_laneOrder.size());
    const int available = height() - l.lanesTop - 4;
    l.laneHeight
        = l.laneCount > 0 ? std::clamp(available / l.laneCount, kMinLaneHeight, kMaxLaneHeight) : kMaxLaneHeight;
    return l;
}

double TimelineView::xOf(std::int64_t t, const Layout& l) const noexcept
{
    const std::int64_t t0 = visibleStartNs();
    return l.left + static_cast<double>(t - t0) * (l.right - l.left) / static_cast<double>(m_spanNs);
}

std::int64_t TimelineView::timeAt(double x, const Layout& l) const noexcept
{
    return visibleStartNs()
        + static_cast<std::int64_t>((x - l.left) * static_cast<double>(m_spanNs) / (l.right - l.left));
}

void TimelineView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.fillRect(rect(), kBackground);
    const Layout l = layout();
    paintAxis(p, l);
    if (!m_data) {
        p.setPen(kText);
        p.drawText(rect(), Qt::AlignCenter, tr("No trace"));
        return;
    }
    updateLaneOrder();
    paintPool(p, l);
    paintReactor(p, l);
    paintLanes(p, l);
    paintResizes(p, l);
    paintSelection(p, l);
    if (m_data->jobs().empty()) {
        p.setPen(kText);
        p.drawText(QRect(l.left, l.lanesTop, l.right - l.left, 40), Qt::AlignCenter,
            tr("Queue jobs with the Launcher or run a Recipe: they appear here, live."));
    }
}

void TimelineView::paintAxis(QPainter& p, const Layout& l) const
{
    const std::int64_t t0 = visibleStartNs();
    const std::int64_t t1 = visibleEndNs();
    const std::int64_t origin = m_data ? m_data->timeOrigin() : 0;
    const std::int64_t step = tickStep(m_spanNs, l.right - l.left, 90);
    p.setPen(kText);
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 0.85);
    p.setFont(f);
    p.drawText(QRect(4, l.axisTop, l.left - 8, kAxisHeight), Qt::AlignVCenter | Qt::AlignLeft,
        m_paused       ? tr("paused (%1)").arg(formatSeconds(spanSeconds()))
            : m_follow ? tr("following (%1)").arg(formatSeconds(spanSeconds()))
                       : formatSeconds(spanSeconds()));
    std::int64_t first = ((t0 - origin) / step) * step + origin;
    if (first < t0)
        first += step;
    for (std::int64_t t = first; t <= t1; t += step) {
        const double x = xOf(t, l);
        p.setPen(kGrid);
        p.drawLine(QPointF(x, kAxisHeight), QPointF(x, height()));
        p.setPen(kText);
        p.drawText(QRectF(x - 45, l.axisTop, 90, kAxisHeight), Qt::AlignCenter,
            formatSeconds(static_cast<double>(t - origin) / 1e9));
    }
    p.setFont(font());
}

void TimelineView::paintPool(QPainter& p, const Layout& l) const
{
    const QRect box(l.left, l.poolTop, l.right - l.left, l.poolHeight);
    p.fillRect(box, Qt::white);
    p.setPen(kGrid);
    p.drawRect(box);
    if (m_data->pools().empty())
        return;
    const PoolSeries& pool = m_data->pools().front();
    const std::int64_t t0 = visibleStartNs();
    const std::int64_t t1 = std::min(visibleEndNs(), limitNs());
    const std::int64_t peakThreads
        = std::max<std::int64_t>({ 1, pool.maxThreads.maxIn(t0, t1), pool.busy.maxIn(t0, t1) });
    const std::int64_t peakBacklog = std::max<std::int64_t>(1, pool.backlog.maxIn(t0, t1));
    const double h = l.poolHeight - 4;
    const double bottom = l.poolTop + l.poolHeight - 2;
    const std::int64_t nowNs = limitNs();

    // One column per pixel: the maximum of each series within the column (a step series cannot hide a peak). Runs
    // of equal columns become one rectangle and the lines get a point only where they step: an antialiased,
    // dashed path with a point per pixel cost 60 ms a frame at 1920 px (bench_timeline).
    QPolygonF backlogLine;
    QPolygonF maxLine;
    int runStart = -1;
    double runBusyH = 0;
    bool runSaturated = false;
    auto flushRun = [&](int x) {
        if (runStart < 0)
            return;
        const double w = x - runStart;
        if (runSaturated)
            p.fillRect(QRectF(runStart, l.poolTop + 1, w, l.poolHeight - 2), kSaturated);
        if (runBusyH > 0)
            p.fillRect(QRectF(runStart, bottom - runBusyH, w, runBusyH), kBusy);
        runStart = -1;
    };
    auto step = [](QPolygonF& line, double x, double y) {
        if (!line.isEmpty() && line.back().y() == y)
            return;
        if (!line.isEmpty())
            line << QPointF(x, line.back().y());
        line << QPointF(x, y);
    };
    int lastX = l.left;
    for (int x = l.left; x < l.right; ++x) {
        const std::int64_t a = timeAt(x, l);
        const std::int64_t b = std::min(timeAt(x + 1, l), nowNs);
        if (a > nowNs || (m_data->earliestNs() != kNoTime && b < m_data->earliestNs())) {
            flushRun(x);
            continue;
        }
        const std::int64_t busy = pool.busy.maxIn(a, b);
        const std::int64_t backlog = pool.backlog.maxIn(a, b);
        const std::int64_t max = pool.maxThreads.valueAt(b);
        const bool saturated = backlog > 0 && busy >= max;
        const double busyH = std::round(h * static_cast<double>(busy) / static_cast<double>(peakThreads));
        if (runStart >= 0 && (busyH != runBusyH || saturated != runSaturated))
            flushRun(x);
        if (runStart < 0) {
            runStart = x;
            runBusyH = busyH;
            runSaturated = saturated;
        }
        step(backlogLine, x, std::round(bottom - h * static_cast<double>(backlog) / static_cast<double>(peakBacklog)));
        step(maxLine, x, std::round(bottom - h * static_cast<double>(max) / static_cast<double>(peakThreads)));
        lastX = x + 1;
    }
    flushRun(lastX);
    if (!backlogLine.isEmpty()) {
        backlogLine << QPointF(lastX, backlogLine.back().y());
        maxLine << QPointF(lastX, maxLine.back().y());
    }
    // Cosmetic (width 0) pens take the rasterizer's fast line path; the backlog is drawn twice for a 2 px line.
    p.setPen(QPen(kBacklog, 0));
    p.drawPolyline(backlogLine);
    backlogLine.translate(0, -1);
    p.drawPolyline(backlogLine);
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
    p.setPen(kText);
    p.drawText(QRect(4, top, l.left - 8, h), Qt::AlignVCenter | Qt::AlignLeft, tr("Reactor (MainThread)"));
    const std::int64_t t0 = visibleStartNs();
    const std::int64_t t1 = visibleEndNs();
    const std::int64_t nowNs = limitNs();
    const ReactorLane& reactor = m_data->reactor();
    auto draw = [&](const IntervalList& list, const QColor& color, int y, int barH) {
        for (const Interval& iv : list.in(t0, t1)) {
            if (iv.startNs > nowNs)
                break;
            const double x0 = std::max<double>(l.left, xOf(iv.startNs, l));
            const double x1 = std::min<double>(l.right, xOf(std::min(iv.endNs, nowNs), l));
            if (x1 < l.left)
                continue;
            p.fillRect(QRectF(x0, y, std::max(1.0, x1 - x0), barH), color);
        }
    };
    // Stalls: a red band behind the calls that caused them, then a frame and the length on top, so both show.
    std::vector<QRectF> stalls;
    for (const Interval& iv : reactor.stalls.in(t0, t1)) {
        if (iv.startNs > nowNs)
            break;
        const std::int64_t end = std::min(iv.endNs, nowNs);
        if (end - iv.startNs <= kStallNs)
            continue;
        const double x0 = std::max<double>(l.left, xOf(iv.startNs, l));
        const double x1 = std::min<double>(l.right, xOf(end, l));
        if (x1 < l.left)
            continue;
        const QRectF r(x0, top, std::max(2.0, x1 - x0), h);
        p.fillRect(r, kFailed);
        stalls.push_back(r);
    }
    draw(reactor.calls, kFinished, top + 4, h / 2 - 4);
    draw(reactor.callbacks, kCallback, top + h / 2 + 1, h / 2 - 4);
    const QFontMetrics fm = fontMetrics();
    for (const QRectF& r : stalls) {
        p.setPen(QPen(kFailed.darker(140), 1));
        p.drawRect(r.adjusted(0, 0, -1, -1));
        const std::int64_t ns = timeAt(r.right(), l) - timeAt(r.left(), l);
        const QString text = tr("stall %1").arg(JobTableModel::formatDuration(ns));
        if (r.width() > fm.horizontalAdvance(text) + 8) {
            const QRectF box(r.left() + 3, top + (h - fm.height()) / 2.0, fm.horizontalAdvance(text) + 4, fm.height());
            p.fillRect(box, kFailed);
            p.setPen(Qt::white);
            p.drawText(box, Qt::AlignCenter, text);
        }
    }
}

void TimelineView::paintLanes(QPainter& p, const Layout& l) const
{
    const std::int64_t t0 = visibleStartNs();
    const std::int64_t t1 = visibleEndNs();
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
    auto labelWidth = [this, &fm](std::uint32_t labelId) {
        auto it = m_labelWidths.find(labelId);
        if (it == m_labelWidths.end())
            it = m_labelWidths.emplace(labelId, fm.horizontalAdvance(QLatin1Char(' ') + TraceStrings::text(labelId)))
                     .first;
        return it->second;
    };
    const double textDy = (fm.ascent() - fm.descent()) / 2.0;
    for (int i = 0; i < l.laneCount; ++i) {
        const std::int32_t laneIndex = m_laneOrder[static_cast<std::size_t>(i)];
        const WorkerLane& lane = lanes[static_cast<std::size_t>(laneIndex)];
        const int top = l.lanesTop + i * l.laneHeight;
        if (top > height())
            break;
        const int barH = std::max(2, l.laneHeight - 3);
        if (labels) {
            p.setPen(kText);
            p.drawText(QRect(4, top, l.left - 8, l.laneHeight), Qt::AlignVCenter | Qt::AlignLeft,
                laneName(laneIndex, l.left - 8));
        }
        // Lifetime band, with the idle time as a thin strip.
        const std::int64_t born = lane.createdNs == kNoTime ? m_data->earliestNs() : lane.createdNs;
        const bool retired = lane.retiredNs != kNoTime && lane.retiredNs <= nowNs;
        const std::int64_t died = retired ? lane.retiredNs : nowNs;
        if (born != kNoTime && born <= nowNs && died >= t0 && born <= t1) {
            const double x0 = std::max<double>(l.left, xOf(born, l));
            const double x1 = std::min<double>(l.right, xOf(died, l));
            p.fillRect(QRectF(x0, top + barH / 2.0 - 1, x1 - x0, 3), QColor(0xcf, 0xd8, 0xdc));
            if (xOf(born, l) >= l.left)
                p.fillRect(QRectF(x0, top + 1, 2, barH), kBusy);
            if (retired && xOf(died, l) <= l.right)
                p.fillRect(QRectF(x1 - 2, top + 1, 2, barH), kFailed);
        }

        // Jobs; runs of ones narrower than kFoldPx fold into one block.
        double foldStart = -1;
        double foldEnd = -1;
        int foldCount = 0;
        auto flushFold = [&] {
            if (foldCount == 0)
                return;
            const QRectF r(foldStart, top + 1, std::max(1.0, foldEnd - foldStart), barH);
            p.fillRect(r, kFold);
            const int textW = digits(static_cast<std::uint64_t>(foldCount)) * digitW + jobsW;
            if (labels && r.width() > textW + 4) {
                p.setPen(Qt::white);
                p.drawText(
                    QPointF(r.center().x() - textW / 2.0, r.center().y() + textDy), tr("%n jobs", nullptr, foldCount));
            }
            foldCount = 0;
        };
        for (const Interval& iv : m_data->intervalsIn(laneIndex, t0, t1)) {
            if (iv.startNs > nowNs)
                break;
            const bool running = iv.endNs > nowNs;
            const double x0 = std::max<double>(l.left, xOf(iv.startNs, l));
            const double x1 = std::min<double>(l.right, xOf(running ? nowNs : iv.endNs, l));
            if (x1 - x0 < kFoldPx) {
                if (foldCount > 0 && x0 > foldEnd + 1)
                    flushFold();
                if (foldCount == 0)
                    foldStart = x0;
                foldEnd = std::max(foldEnd, x1);
                ++foldCount;
                continue;
            }
            flushFold();
            // Whole pixels: the rasterizer's fastest fill.
            const int px0 = static_cast<int>(std::lround(x0));
            const QRect r(px0, top + 1, std::max(1, static_cast<int>(std::lround(x1)) - px0), barH);
            const JobRecord* job = iv.row >= 0 ? &jobs[static_cast<std::size_t>(iv.row)] : nullptr;
            const JobStatus status = job ? (running ? JobStatus::Running : job->status) : JobStatus::Finished;
            p.fillRect(r, statusColor(status));
            if (r.width() >= kMinOutlinePx) // a darker right edge tells adjacent bars apart
                p.fillRect(QRect(r.right(), r.top(), 1, r.height()), edgeColor(status));
            if (job && labels && r.width() > minTextPx) {
                // "#17 sleep 2000 ms": the trace's id, then the label; just the id when the label does not fit.
                const int room = static_cast<int>(r.width()) - 5;
                const int idW = hashW + digits(job->id) * digitW;
                QString text;
                if (idW + labelWidth(job->labelId) <= room)
                    text = QStringLiteral("#%1 %2").arg(job->id).arg(TraceStrings::text(job->labelId));
                else if (idW <= room)
                    text = QStringLiteral("#%1").arg(job->id);
                if (!text.isEmpty()) {
                    p.setPen(Qt::black);
                    p.drawText(QPointF(r.left() + 3, r.center().y() + textDy), text);
                }
            }
        }
        flushFold();
    }
    if (!labels && l.laneCount > 0) {
        p.setPen(kText);
        p.drawText(
            QRect(4, l.lanesTop, l.left - 8, fm.height()), Qt::AlignLeft, tr("%n worker(s)", nullptr, l.laneCount));
    }
}

void TimelineView::paintResizes(QPainter& p, const Layout& l) const
{
    const std::int64_t t0 = visibleStartNs();
    const std::int64_t t1 = std::min(visibleEndNs(), limitNs());
    const QFontMetrics fm = fontMetrics();
    int row = 0;
    for (const ResizeMarker& m : m_data->resizes()) {
        if (m.timeNs < t0 || m.timeNs > t1)
            continue;
        const double x = xOf(m.timeNs, l);
        p.setPen(QPen(kResize, 1.5, Qt::DashDotLine));
        p.drawLine(QPointF(x, l.poolTop), QPointF(x, height()));
        const QString text = QStringLiteral("max %1 → %2").arg(m.oldMax).arg(m.newMax);
        const QRectF r(
            x + 3, l.poolTop + 2 + (row % 3) * (fm.height() + 1), fm.horizontalAdvance(text) + 6, fm.height());
        p.fillRect(r, QColor(255, 255, 255, 220));
        p.setPen(kResize);
        p.drawText(r, Qt::AlignCenter, text);
        ++row;
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
        band(xOf(m_rangeStartNs, l), xOf(m_rangeEndNs, l));

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
        const auto it = std::find(m_laneOrder.begin(), m_laneOrder.end(), job.lane);
        if (it != m_laneOrder.end())
            laneTop = l.lanesTop + static_cast<int>(it - m_laneOrder.begin()) * l.laneHeight;
    }
    const double laneMid = laneTop + laneH / 2.0;
    const double submitY = l.poolTop + l.poolHeight;
    const double reactorMid = l.reactorTop + kReactorHeight / 2.0;
    p.setRenderHint(QPainter::Antialiasing);
    const bool queued = job.queuedNs != kNoTime && job.queuedNs <= nowNs;
    const bool started = job.startedNs != kNoTime && job.startedNs <= nowNs && laneTop >= 0;
    const double xq = xOf(job.queuedNs, l);
    const double xs = xOf(job.startedNs, l);
    const double xe = xOf(job.endedNs == kNoTime || job.endedNs > nowNs ? nowNs : job.endedNs, l);
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
        const double xc = xOf(job.callbackStartNs, l);
        const double w = std::max(3.0, xOf(job.callbackStartNs + job.callbackDurationNs, l) - xc);
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
    const std::int64_t slack = static_cast<std::int64_t>(2.0 * static_cast<double>(m_spanNs) / (l.right - l.left));
    const std::int64_t t = timeAt(pos.x(), l);
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
    updateLaneOrder();
    return find(m_data->intervalsIn(m_laneOrder[static_cast<std::size_t>(position)], t - slack, t + slack));
}

QString TimelineView::laneName(std::int32_t lane, int width) const
{
    if (m_laneNameWidth != width) {
        m_laneNames.clear();
        m_laneNameWidth = width;
    }
    const auto index = static_cast<std::size_t>(lane);
    if (m_laneNames.size() <= index)
        m_laneNames.resize(index + 1);
    if (m_laneNames[index].isEmpty())
        m_laneNames[index] = fontMetrics().elidedText(m_data->lanes()[index].threadName, Qt::ElideMiddle, width);
    return m_laneNames[index];
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
    return lines.join(QStringLiteral("<br>"));
}

bool TimelineView::event(QEvent* event)
{
    if (event->type() == QEvent::FontChange) {
        m_labelWidths.clear();
        m_laneNames.clear();
    }
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int row = jobAt(help->pos());
        if (row >= 0)
            QToolTip::showText(help->globalPos(), toolTipFor(row), this);
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
    const double nsPerPx = static_cast<double>(m_spanNs) / (l.right - l.left);
    stopFollowing();
    m_endNs = m_dragEndNs - static_cast<std::int64_t>((pos.x() - m_dragStart.x()) * nsPerPx);
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
        const std::int64_t t0 = timeAt(a, l);
        const std::int64_t t1 = timeAt(b, l);
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
        const std::int64_t anchor = timeAt(x, l);
        const double factor = std::pow(0.8, delta / 120.0);
        const auto newSpan
            = std::clamp(static_cast<std::int64_t>(static_cast<double>(m_spanNs) * factor), kMinSpanNs, kMaxSpanNs);
        const double frac = (x - l.left) / (l.right - l.left);
        stopFollowing();
        m_endNs = anchor + static_cast<std::int64_t>((1.0 - frac) * static_cast<double>(newSpan));
        m_spanNs = newSpan;
    } else {
        stopFollowing();
        m_endNs -= static_cast<std::int64_t>(static_cast<double>(m_spanNs) * delta / 1200.0);
    }
    update();
    Q_EMIT rangeChanged();
    event->accept();
}

} // namespace qtwisted
