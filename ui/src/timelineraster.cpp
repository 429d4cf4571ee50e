// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "timelineraster_p.h"

#include <QTextLayout>
#include <QTextOption>

namespace qtwisted::timeline {

namespace {
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
} // namespace

const std::array<QColor, kPaintCount>& fillColours()
{
    static const std::array<QColor, kPaintCount> colours = [] {
        std::array<QColor, kPaintCount> a;
        a[kPaintLifetime] = QColor(0xcf, 0xd8, 0xdc);
        a[kPaintBusy] = kBusy;
        a[kPaintFold] = kFold;
        a[kPaintFailed] = kFailed;
        a[kPaintRunning] = kRunning;
        a[kPaintFinished] = kFinished;
        a[kPaintCancelled] = kCancelled;
        a[kPaintEdgeFailed] = edgeColor(JobStatus::Failed);
        a[kPaintEdgeRunning] = edgeColor(JobStatus::Running);
        a[kPaintEdgeFinished] = edgeColor(JobStatus::Finished);
        a[kPaintEdgeCancelled] = edgeColor(JobStatus::Cancelled);
        a[kPaintCall] = kFinished;
        a[kPaintCallback] = kCallback;
        return a;
    }();
    return colours;
}

/// `text` in `font` laid out as drawText() on `device` lays out a single line.
ShapedText shapeText(const QString& text, const QFont& font, const QPaintDevice* device)
{
    QTextLayout layout(text, font, device);
    QTextOption option;
    option.setWrapMode(QTextOption::NoWrap);
    layout.setTextOption(option);
    layout.beginLayout();
    const QTextLine line = layout.createLine();
    layout.endLayout();
    ShapedText shaped;
    if (!line.isValid())
        return shaped;
    shaped.width = line.naturalTextWidth();
    shaped.ascent = line.ascent();
    shaped.height = line.height();
    for (QGlyphRun run : layout.glyphRuns()) {
        QList<QPointF> positions = run.positions();
        for (QPointF& at : positions)
            at.ry() -= line.ascent();
        run.setPositions(positions);
        shaped.runs.push_back(std::move(run));
    }
    return shaped;
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

void RectBatches::paint(QPainter& p)
{
    p.setPen(Qt::NoPen);
    for (std::size_t c = 0; c < m_rects.size(); ++c) {
        std::vector<QRect>& rects = m_rects[c];
        if (rects.empty())
            continue;
        p.setBrush(fillColours()[c]);
        p.drawRects(rects.data(), static_cast<int>(rects.size()));
        rects.clear();
    }
    p.setBrush(Qt::NoBrush);
}

void LaneLines::draw(QPainter& p, int top, int height) const
{
    if (height <= 0 || m_plain.empty())
        return;
    auto band = [&](int y0, int y1, const std::vector<QRgb>& line) {
        if (y1 <= y0)
            return;
        const QImage image(reinterpret_cast<const uchar*>(line.data()), static_cast<int>(line.size()), 1,
            static_cast<qsizetype>(line.size() * sizeof(QRgb)), QImage::Format_RGB32);
        p.fillRect(QRect(m_left, y0, static_cast<int>(line.size()), y1 - y0), QBrush(image));
    };
    p.setBrushOrigin(m_left, 0);
    const int bottom = top + height;
    if (!m_strip.isEmpty()) {
        const int stripTop = std::clamp(m_strip.top(), top, bottom);
        const int stripBottom = std::clamp(m_strip.top() + m_strip.height(), stripTop, bottom);
        band(top, stripTop, m_plain);
        band(stripTop, stripBottom, m_striped);
        band(stripBottom, bottom, m_plain);
    } else {
        band(top, bottom, m_plain);
    }
    p.setBrushOrigin(0, 0);
}

void GlyphBatch::paint(QPainter& p, const QColor& colour)
{
    p.setPen(colour);
    for (Entry& e : m_entries) {
        if (e.glyphs.isEmpty())
            continue;
        QGlyphRun run;
        run.setRawFont(e.font);
        run.setGlyphIndexes(e.glyphs);
        run.setPositions(e.positions);
        p.drawGlyphRun(QPointF(0, 0), run);
        e.glyphs.clear();
        e.positions.clear();
    }
}

GlyphBatch::Entry& GlyphBatch::entry(const QRawFont& font)
{
    for (Entry& e : m_entries)
        if (e.font == font)
            return e;
    return m_entries.emplace_back(Entry { font, {}, {} });
}

} // namespace qtwisted::timeline
