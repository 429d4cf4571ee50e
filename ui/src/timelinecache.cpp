// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "timelinecache_p.h"

#include <QCoreApplication>
#include <QPainter>
#include <QPen>
#include <QRegularExpression>

#include <algorithm>

namespace qtwisted::timeline {

Layout Layout::of(QSize size, int laneCount) noexcept
{
    Layout l;
    l.left = kLabelWidth;
    l.right = std::max(l.left + 10, size.width() - 8);
    l.axisTop = 0;
    l.poolTop = kAxisHeight + 4;
    l.poolHeight = kPoolHeight;
    l.reactorTop = l.poolTop + l.poolHeight + 6;
    l.lanesTop = l.reactorTop + kReactorHeight + 4;
    l.laneCount = laneCount;
    const int available = size.height() - l.lanesTop - 4;
    l.laneHeight
        = l.laneCount > 0 ? std::clamp(available / l.laneCount, kMinLaneHeight, kMaxLaneHeight) : kMaxLaneHeight;
    l.barHeight = std::max(2, l.laneHeight - 3);
    return l;
}

void TimelineCache::sync(const TraceData* data, std::int64_t frozenNs)
{
    const std::uint64_t epoch = data ? data->epoch() : 0;
    const std::size_t laneCount = data ? data->lanes().size() : 0;
    const bool sameTrace = m_synced && m_data == data && m_epoch == epoch;
    if (sameTrace && m_laneCount == laneCount && m_frozenNs == frozenNs)
        return;
    if (!sameTrace)
        m_laneNames.clear(); // lane indices may now name other threads
    m_synced = true;
    m_data = data;
    m_epoch = epoch;
    m_laneCount = laneCount;
    m_frozenNs = frozenNs;
    m_laneOrder.clear();
    if (!data)
        return;
    const auto order = data->laneOrder();
    m_laneOrder.assign(order.begin(), order.end());
    if (frozenNs != kNoTime) {
        // A paused view does not grow lanes for threads started after the pause.
        const auto lanes = data->lanes();
        std::erase_if(m_laneOrder, [&lanes, frozenNs](std::int32_t i) {
            const std::int64_t created = lanes[static_cast<std::size_t>(i)].createdNs;
            return created != kNoTime && created > frozenNs;
        });
    }
}

void TimelineCache::invalidateTrace() noexcept
{
    m_synced = false;
}

void TimelineCache::invalidateFont() noexcept
{
    m_labelWidths.clear();
    m_laneNames.clear();
    m_laneNamesKey.clear();
    m_texts.reset();
}

int TimelineCache::positionOf(std::int32_t lane) const noexcept
{
    const auto it = std::find(m_laneOrder.begin(), m_laneOrder.end(), lane);
    return it == m_laneOrder.end() ? -1 : static_cast<int>(it - m_laneOrder.begin());
}

const QString& TimelineCache::laneName(std::int32_t lane, int width, const QFontMetrics& fm)
{
    if (m_laneNameWidth != width) {
        m_laneNames.clear();
        m_laneNameWidth = width;
    }
    const auto index = static_cast<std::size_t>(lane);
    if (m_laneNames.size() <= index)
        m_laneNames.resize(index + 1);
    if (m_laneNames[index].isEmpty())
        m_laneNames[index] = shortLaneName(index, width, fm);
    return m_laneNames[index];
}

QString TimelineCache::shortLaneName(std::size_t index, int width, const QFontMetrics& fm) const
{
    // What tells lanes apart is the worker number: "PoolThread-<pool>-<n>" is shown as "worker <n>" (the pool's
    // name is on the pool strip above), or "<pool> · <n>" when the trace has workers of several pools, the pool's
    // name elided before the number is. The full name is the lane header's tooltip (TimelineView::event).
    const auto lanes = m_data->lanes();
    const QString& name = lanes[index].threadName;
    static const QRegularExpression kWorker(QStringLiteral("^PoolThread-(.+)-(\\d+)$"));
    const QRegularExpressionMatch m = kWorker.match(name);
    if (!m.hasMatch())
        return fm.elidedText(name, Qt::ElideMiddle, width);
    const QString pool = m.captured(1);
    const bool onePool = std::all_of(lanes.begin(), lanes.end(), [&pool](const WorkerLane& lane) {
        return !lane.threadName.startsWith(QStringLiteral("PoolThread-"))
            || lane.threadName.startsWith(QStringLiteral("PoolThread-%1-").arg(pool));
    });
    if (onePool)
        return fm.elidedText(
            QCoreApplication::translate("TimelineView", "worker %1").arg(m.captured(2)), Qt::ElideRight, width);
    const QString number = QStringLiteral(" \u00b7 ") + m.captured(2);
    return fm.elidedText(pool, Qt::ElideMiddle, std::max(0, width - fm.horizontalAdvance(number))) + number;
}

int TimelineCache::labelWidth(std::uint32_t labelId, const QFontMetrics& fm)
{
    auto it = m_labelWidths.find(labelId);
    if (it == m_labelWidths.end())
        it = m_labelWidths.emplace(labelId, fm.horizontalAdvance(QLatin1Char(' ') + TraceStrings::text(labelId))).first;
    return it->second;
}

TextCache& TimelineCache::texts(const QFont& font, const QPaintDevice* device)
{
    if (!m_texts || m_texts->dpi != device->logicalDpiY()) // shaped for another screen's DPI: again
        m_texts = std::make_unique<TextCache>(font, device);
    return *m_texts;
}

const QImage* TimelineCache::laneNamesImage(const std::vector<std::int64_t>& key) const noexcept
{
    return key == m_laneNamesKey && !m_laneNamesImage.isNull() ? &m_laneNamesImage : nullptr;
}

const QImage& TimelineCache::setLaneNamesImage(std::vector<std::int64_t> key, QImage image)
{
    m_laneNamesKey = std::move(key);
    m_laneNamesImage = std::move(image);
    return m_laneNamesImage;
}

const QImage& TimelineCache::resizeLine(int height, int poolTop, const QColor& colour)
{
    if (m_resizeLine.height() != height) {
        QImage probe(4, std::max(1, height), QImage::Format_ARGB32_Premultiplied);
        probe.fill(Qt::transparent);
        {
            QPainter pp(&probe);
            pp.setPen(QPen(colour, 1.5, Qt::DashDotLine));
            pp.drawLine(QPointF(2, poolTop), QPointF(2, height)); // covers columns 1 and 2
        }
        m_resizeLine = probe.copy(1, 0, 2, probe.height());
    }
    return m_resizeLine;
}

} // namespace qtwisted::timeline
