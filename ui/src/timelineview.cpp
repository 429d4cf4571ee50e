// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/jobtablemodel.h>
#include <qtwisted/trace.h>
#include <qtwisted/ui/timelineview.h>

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

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
    setToolTip(tr("Ctrl+wheel: zoom at the cursor · drag: pan · click a job to select it"));
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
    if (m_follow == follow)
        return;
    if (!follow)
        m_endNs = endNs(); // the right edge as it is now, while still following
    m_follow = follow;
    update();
    Q_EMIT followingChanged(follow);
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
    l.laneCount = m_data ? static_cast<int>(m_data->lanes().size()) : 0;
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
    paintPool(p, l);
    paintReactor(p, l);
    paintLanes(p, l);
    paintResizes(p, l);
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
        m_follow ? tr("following (%1)").arg(formatSeconds(spanSeconds())) : formatSeconds(spanSeconds()));
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
    const std::int64_t t1 = visibleEndNs();
    const std::int64_t peakThreads
        = std::max<std::int64_t>({ 1, pool.maxThreads.maxIn(t0, t1), pool.busy.maxIn(t0, t1) });
    const std::int64_t peakBacklog = std::max<std::int64_t>(1, pool.backlog.maxIn(t0, t1));
    const double h = l.poolHeight - 4;
    const double bottom = l.poolTop + l.poolHeight - 2;
    const std::int64_t nowNs = m_live ? traceNow() : m_data->latestNs();

    // One column per pixel: the maximum of each series within the column (a step series cannot hide a peak).
    QPainterPath backlogPath;
    QPainterPath maxPath;
    bool started = false;
    for (int x = l.left; x < l.right; ++x) {
        const std::int64_t a = timeAt(x, l);
        const std::int64_t b = timeAt(x + 1, l);
        if (a > nowNs || (m_data->earliestNs() != kNoTime && b < m_data->earliestNs()))
            continue;
        const std::int64_t busy = pool.busy.maxIn(a, b);
        const std::int64_t backlog = pool.backlog.maxIn(a, b);
        const std::int64_t max = pool.maxThreads.valueAt(b);
        if (backlog > 0 && busy >= max)
            p.fillRect(QRectF(x, l.poolTop + 1, 1, l.poolHeight - 2), kSaturated);
        const double busyH = h * static_cast<double>(busy) / static_cast<double>(peakThreads);
        p.fillRect(QRectF(x, bottom - busyH, 1, busyH), kBusy);
        const double by = bottom - h * static_cast<double>(backlog) / static_cast<double>(peakBacklog);
        const double my = bottom - h * static_cast<double>(max) / static_cast<double>(peakThreads);
        if (!started) {
            backlogPath.moveTo(x, by);
            maxPath.moveTo(x, my);
            started = true;
        } else {
            backlogPath.lineTo(x, by);
            maxPath.lineTo(x, my);
        }
    }
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(kBacklog, 1.5));
    p.drawPath(backlogPath);
    p.setPen(QPen(kText, 1.2, Qt::DashLine));
    p.drawPath(maxPath);
    p.setRenderHint(QPainter::Antialiasing, false);

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
    const std::int64_t nowNs = m_live ? traceNow() : m_data->latestNs();
    const ReactorLane& reactor = m_data->reactor();
    auto draw = [&](const IntervalList& list, const QColor& color, int y, int barH) {
        for (const Interval& iv : list.in(t0, t1)) {
            const double x0 = std::max<double>(l.left, xOf(iv.startNs, l));
            const double x1 = std::min<double>(l.right, xOf(iv.endNs == kOpenEnd ? nowNs : iv.endNs, l));
            const QColor c = iv.row >= 0 && iv.row == m_selected ? kText : color;
            p.fillRect(QRectF(x0, y, std::max(1.0, x1 - x0), barH), c);
        }
    };
    for (const Interval& iv : reactor.stalls.in(t0, t1)) {
        const std::int64_t end = iv.endNs == kOpenEnd ? nowNs : iv.endNs;
        if (end - iv.startNs <= kStallNs)
            continue;
        const double x0 = std::max<double>(l.left, xOf(iv.startNs, l));
        const double x1 = std::min<double>(l.right, xOf(end, l));
        p.fillRect(QRectF(x0, top, std::max(1.0, x1 - x0), h), kFailed);
        if (x1 - x0 > 60) {
            p.setPen(Qt::white);
            p.drawText(QRectF(x0, top, x1 - x0, h), Qt::AlignCenter,
                tr("stall %1").arg(JobTableModel::formatDuration(end - iv.startNs)));
        }
    }
    draw(reactor.calls, kFinished, top + 3, h / 2 - 3);
    draw(reactor.callbacks, kCallback, top + h / 2 + 1, h / 2 - 3);
}

void TimelineView::paintLanes(QPainter& p, const Layout& l) const
{
    const std::int64_t t0 = visibleStartNs();
    const std::int64_t t1 = visibleEndNs();
    const std::int64_t nowNs = m_live ? traceNow() : m_data->latestNs();
    const auto lanes = m_data->lanes();
    const auto jobs = m_data->jobs();
    const QFontMetrics fm = fontMetrics();
    const bool labels = l.laneHeight >= fm.height() - 2;
    for (int i = 0; i < l.laneCount; ++i) {
        const WorkerLane& lane = lanes[static_cast<std::size_t>(i)];
        const int top = l.lanesTop + i * l.laneHeight;
        if (top > height())
            break;
        const int barH = std::max(2, l.laneHeight - 3);
        if (labels) {
            p.setPen(kText);
            p.drawText(QRect(4, top, l.left - 8, l.laneHeight), Qt::AlignVCenter | Qt::AlignLeft,
                fm.elidedText(lane.threadName, Qt::ElideMiddle, l.left - 8));
        }
        // Lifetime band, with the idle time as a thin strip.
        const std::int64_t born = lane.createdNs == kNoTime ? m_data->earliestNs() : lane.createdNs;
        const std::int64_t died = lane.retiredNs == kNoTime ? nowNs : lane.retiredNs;
        if (born != kNoTime && died >= t0 && born <= t1) {
            const double x0 = std::max<double>(l.left, xOf(born, l));
            const double x1 = std::min<double>(l.right, xOf(died, l));
            p.fillRect(QRectF(x0, top + barH / 2.0 - 1, x1 - x0, 3), QColor(0xcf, 0xd8, 0xdc));
            p.fillRect(QRectF(x0, top + 1, 2, barH), kBusy);
            if (lane.retiredNs != kNoTime)
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
            const QString text = tr("%n jobs", nullptr, foldCount);
            if (labels && r.width() > fm.horizontalAdvance(text) + 4) {
                p.setPen(Qt::white);
                p.drawText(r, Qt::AlignCenter, text);
            }
            foldCount = 0;
        };
        for (const Interval& iv : m_data->intervalsIn(i, t0, t1)) {
            const double x0 = std::max<double>(l.left, xOf(iv.startNs, l));
            const double x1 = std::min<double>(l.right, xOf(iv.endNs == kOpenEnd ? nowNs : iv.endNs, l));
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
            const QRectF r(x0, top + 1, x1 - x0, barH);
            const JobRecord* job = iv.row >= 0 ? &jobs[static_cast<std::size_t>(iv.row)] : nullptr;
            const QColor c = job ? statusColor(iv.endNs == kOpenEnd ? JobStatus::Running : job->status) : kFinished;
            p.fillRect(r, c);
            p.setPen(c.darker(130));
            p.drawRect(r.adjusted(0, 0, -1, -1));
            if (job && iv.row == m_selected) {
                p.setPen(QPen(kText, 2));
                p.drawRect(r.adjusted(1, 1, -1, -1));
            }
            if (job && labels && r.width() > 24) {
                const QString label = QStringLiteral("#%1 %2").arg(job->id).arg(TraceStrings::text(job->labelId));
                p.setPen(Qt::black);
                p.drawText(r.adjusted(3, 0, -2, 0), Qt::AlignVCenter | Qt::AlignLeft,
                    fm.elidedText(label, Qt::ElideRight, static_cast<int>(r.width()) - 5));
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
    const std::int64_t t1 = visibleEndNs();
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
    const int lane = (pos.y() - l.lanesTop) / l.laneHeight;
    if (lane >= l.laneCount)
        return -1;
    return find(m_data->intervalsIn(lane, t - slack, t + slack));
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
    if (event->button() != Qt::LeftButton)
        return QWidget::mousePressEvent(event);
    m_dragging = true;
    m_dragged = false;
    m_dragStart = event->position().toPoint();
    m_dragEndNs = endNs();
}

void TimelineView::mouseMoveEvent(QMouseEvent* event)
{
    if (!m_dragging)
        return;
    const QPoint pos = event->position().toPoint();
    if (!m_dragged && (pos - m_dragStart).manhattanLength() < 4)
        return;
    m_dragged = true;
    const Layout l = layout();
    const double nsPerPx = static_cast<double>(m_spanNs) / (l.right - l.left);
    stopFollowing();
    m_endNs = m_dragEndNs - static_cast<std::int64_t>((pos.x() - m_dragStart.x()) * nsPerPx);
    update();
}

void TimelineView::mouseReleaseEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton || !m_dragging)
        return QWidget::mouseReleaseEvent(event);
    m_dragging = false;
    if (!m_dragged) {
        const int row = jobAt(event->position().toPoint());
        setSelectedRow(row);
        Q_EMIT jobClicked(row);
    }
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
    event->accept();
}

} // namespace qtwisted
