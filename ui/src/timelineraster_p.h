// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

// The timeline's raster helpers: its palette, and the batches, pixel rows and canvases that turn thousands of bars
// into a few QPainter calls (bench_timeline). Nothing here knows the widget or the view's state.

#include <qtwisted/inspect/tracedata.h>

#include <QColor>
#include <QGlyphRun>
#include <QImage>
#include <QList>
#include <QPainter>
#include <QRawFont>
#include <QRect>
#include <QRectF>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

namespace qtwisted::timeline {

inline const QColor kBackground(0xfa, 0xfa, 0xfa);
inline const QColor kGrid(0xe0, 0xe0, 0xe0);
inline const QColor kText(0x26, 0x32, 0x38);
inline const QColor kFinished(0x42, 0xa5, 0xf5);
inline const QColor kRunning(0xff, 0xa7, 0x26);
inline const QColor kFailed(0xe5, 0x39, 0x35);
inline const QColor kCancelled(0xbd, 0xbd, 0xbd);
inline const QColor kFold(0x3f, 0x51, 0xb5);
inline const QColor kBusy(0x66, 0xbb, 0x6a);
inline const QColor kBacklog(0xfb, 0x8c, 0x00);
inline const QColor kSaturated(0xff, 0xcd, 0xd2);
inline const QColor kCallback(0x8e, 0x24, 0xaa);
inline const QColor kResize(0x6a, 0x1b, 0x9a);
inline const QColor kHighlight(0xd8, 0x1b, 0x60);
inline const QColor kRange(0x1e, 0x88, 0xe5, 40);

/// The pixels QPainter::fillRect(QRectF) fills without antialiasing: each edge rounded to the nearest pixel.
inline QRect fillRectOf(const QRectF& r)
{
    int x1 = qRound(r.left());
    int x2 = qRound(r.right());
    int y1 = qRound(r.top());
    int y2 = qRound(r.bottom());
    if (x2 < x1)
        std::swap(x1, x2);
    if (y2 < y1)
        std::swap(y1, y2);
    return { x1, y1, x2 - x1, y2 - y1 };
}

/// The pixel column of a grid line at x.
inline int gridColumn(double x)
{
    return static_cast<int>(std::floor(x));
}

/// Colours of bars, ticks and strips as ColumnRow stores them; RectBatches paints them in this order.
enum Paint : std::uint8_t {
    kPaintNone,
    kPaintLifetime,
    kPaintBusy,
    kPaintFold,
    kPaintFailed,
    kPaintRunning,
    kPaintFinished,
    kPaintCancelled,
    kPaintEdgeFailed,
    kPaintEdgeRunning,
    kPaintEdgeFinished,
    kPaintEdgeCancelled,
    kPaintCall,
    kPaintCallback,
    kPaintCount
};

/// The colour of each Paint.
const std::array<QColor, kPaintCount>& fillColours();

inline Paint statusPaint(JobStatus status, bool edge)
{
    switch (status) {
    case JobStatus::Queued:
    case JobStatus::Running:
        return edge ? kPaintEdgeRunning : kPaintRunning;
    case JobStatus::Finished:
        return edge ? kPaintEdgeFinished : kPaintFinished;
    case JobStatus::Failed:
        return edge ? kPaintEdgeFailed : kPaintFailed;
    case JobStatus::Cancelled:
        return edge ? kPaintEdgeCancelled : kPaintCancelled;
    }
    return edge ? kPaintEdgeFinished : kPaintFinished;
}

/// Solid rectangles grouped by colour, painted with one QPainter::drawRects() per colour: with thousands of bars the
/// fixed cost of each fillRect() call was most of the paint (bench_timeline).
class RectBatches {
public:
    void add(Paint colour, const QRect& r)
    {
        if (!r.isEmpty())
            m_rects[colour].push_back(r);
    }
    /// In palette order; leaves the painter with no pen and no brush.
    void paint(QPainter& p);

private:
    std::array<std::vector<QRect>, kPaintCount> m_rects;
};

/// Opaque pixels of an area of the widget written directly, then drawn with one drawImage(): where thousands of
/// small fills go, cheaper than a QPainter call each.
class FillCanvas {
public:
    /// Covers `area` (widget coordinates); `image` is the buffer, kept between paints.
    FillCanvas(QImage& image, const QRect& area)
        : m_image(image)
        , m_area(area)
    {
        if (m_image.size() != area.size() || m_image.format() != QImage::Format_RGB32)
            m_image = QImage(area.size(), QImage::Format_RGB32);
        m_bits = m_image.bits();
        m_stride = m_image.bytesPerLine();
    }
    /// What QPainter::fillRect(r, colour) would paint of an opaque colour.
    void fill(const QRect& r, const QColor& colour)
    {
        const QRect clipped = r & m_area;
        if (clipped.isEmpty())
            return;
        const QRgb value = colour.rgb();
        uchar* line = m_bits + (clipped.top() - m_area.top()) * m_stride;
        for (int y = clipped.top(); y <= clipped.bottom(); ++y, line += m_stride)
            std::fill_n(reinterpret_cast<QRgb*>(line) + (clipped.left() - m_area.left()), clipped.width(), value);
    }
    /// The pixels of widget row y (within the area), from the area's left edge.
    QRgb* line(int y) const { return reinterpret_cast<QRgb*>(m_bits + (y - m_area.top()) * m_stride); }
    void draw(QPainter& p) const { p.drawImage(m_area.topLeft(), m_image); }

private:
    QImage& m_image;
    QRect m_area;
    uchar* m_bits = nullptr;
    qsizetype m_stride = 0;
};

/// One row of ticks as pixel columns, each holding the colour painted there last: ticks that share a column resolve
/// as if painted one by one, however many fall into it, and each run of a colour becomes one rectangle.
class ColumnRow {
public:
    /// Columns [left, right).
    void reset(int left, int right)
    {
        m_left = left;
        m_columns.assign(static_cast<std::size_t>(std::max(0, right - left)), kPaintNone);
    }
    /// Paints columns [x0, x1).
    void paint(int x0, int x1, Paint colour) noexcept
    {
        const int size = static_cast<int>(m_columns.size());
        x0 = std::clamp(x0 - m_left, 0, size);
        x1 = std::clamp(x1 - m_left, 0, size);
        if (x0 < x1)
            std::fill(m_columns.begin() + x0, m_columns.begin() + x1, colour);
    }
    void paint(const QRect& r, Paint colour) noexcept { paint(r.left(), r.left() + r.width(), colour); }
    /// Adds the runs as rectangles of rows [top, top + height).
    void flush(int top, int height, RectBatches& out) const
    {
        const std::size_t size = m_columns.size();
        for (std::size_t i = 0; i < size;) {
            const Paint colour = m_columns[i];
            std::size_t end = i + 1;
            while (end < size && m_columns[end] == colour)
                ++end;
            if (colour != kPaintNone)
                out.add(colour, QRect(m_left + static_cast<int>(i), top, static_cast<int>(end - i), height));
            i = end;
        }
    }

private:
    int m_left = 0;
    std::vector<Paint> m_columns;
};

/// A lane's bar rows as two lines of pixels, without and with the lifetime strip, over what lies below the bars
/// (background, grid). Bars paint both lines in the order they come, so bars that share a column resolve as if
/// painted one by one, however many fall into it (level of detail without losing a job's column). The lines are then
/// filled into the rows as textures: the rasterizer copies them, where a fill per bar cost more than everything else.
class LaneLines {
public:
    /// Columns [left, left + backdrop.size()); `strip`: the lifetime strip (its columns and rows), may be empty.
    void reset(int left, const std::vector<QRgb>& backdrop, const QRect& strip, QRgb stripColour)
    {
        m_left = left;
        m_strip = strip;
        m_plain.assign(backdrop.begin(), backdrop.end());
        m_striped.assign(backdrop.begin(), backdrop.end());
        const int size = static_cast<int>(backdrop.size());
        const int s0 = std::clamp(strip.left() - left, 0, size);
        const int s1 = std::clamp(strip.left() + strip.width() - left, s0, size);
        std::fill(m_striped.begin() + s0, m_striped.begin() + s1, stripColour);
    }
    /// Paints columns [x0, x1).
    void paint(int x0, int x1, Paint colour) noexcept
    {
        static const std::array<QRgb, kPaintCount> rgb = [] {
            std::array<QRgb, kPaintCount> a {};
            for (std::size_t c = 0; c < a.size(); ++c)
                a[c] = fillColours()[c].rgb();
            return a;
        }();
        const int size = static_cast<int>(m_plain.size());
        x0 = std::clamp(x0 - m_left, 0, size);
        x1 = std::clamp(x1 - m_left, 0, size);
        if (x0 >= x1)
            return;
        std::fill(m_plain.begin() + x0, m_plain.begin() + x1, rgb[colour]);
        std::fill(m_striped.begin() + x0, m_striped.begin() + x1, rgb[colour]);
    }
    void paint(const QRect& r, Paint colour) noexcept { paint(r.left(), r.left() + r.width(), colour); }
    /// Fills rows [top, top + height), every pixel of them, opaque.
    void draw(QPainter& p, int top, int height) const;

private:
    int m_left = 0;
    QRect m_strip;
    std::vector<QRgb> m_plain;
    std::vector<QRgb> m_striped;
};

/// The first index at or after `from` for which `before` is false (`before` holds for a prefix of `items`): steps of 1,
/// 2, 4... from `from`, then a binary search in the last step. A pixel column's items lie close to the last column's,
/// so this reads a few nearby items where a binary search over the rest would miss the cache.
template <class T, class Before>
std::size_t gallopPartition(std::span<const T> items, std::size_t from, Before before) noexcept
{
    const std::size_t n = items.size();
    std::size_t lo = from;
    std::size_t step = 1;
    std::size_t hi = from;
    while (hi < n && before(items[hi])) {
        lo = hi + 1;
        hi = from + step;
        step *= 2;
    }
    hi = std::min(hi, n);
    return static_cast<std::size_t>(std::partition_point(items.begin() + static_cast<std::ptrdiff_t>(lo),
                                        items.begin() + static_cast<std::ptrdiff_t>(hi), before)
        - items.begin());
}

/// StepSeries::maxIn() and valueAt() for a sweep whose times never decrease: each search starts where the last one
/// ended, and the maximum over a column's points comes from the series' block index (StepSeries::maxOfPoints), so a
/// column over thousands of points (a zoomed-out trace of a million jobs) costs a few dozen reads, not thousands.
class StepSweep {
public:
    explicit StepSweep(const StepSeries& series)
        : m_series(series)
        , m_points(series.points())
    {
    }
    std::int64_t valueAt(std::int64_t t) noexcept
    {
        m_after = firstAfter(m_after, t);
        return m_after == 0 ? m_series.initial() : m_points[m_after - 1].value;
    }
    /// The largest value over [a, b].
    std::int64_t maxIn(std::int64_t a, std::int64_t b) noexcept
    {
        m_from = gallop(m_from, [a](const StepPoint& p) { return p.timeNs < a; });
        // The value at a: the last point at a (counted below), else the one before a.
        const bool pointAtA = m_from < m_points.size() && m_points[m_from].timeNs == a;
        const std::int64_t atA = pointAtA ? m_points[m_from].value
            : m_from == 0                 ? m_series.initial()
                                          : m_points[m_from - 1].value;
        const std::size_t end = firstAfter(m_from, b);
        if (end - m_from < kScanBelow) { // a short run: a plain scan beats the index
            std::int64_t best = atA;
            for (std::size_t i = m_from; i < end; ++i)
                best = std::max(best, m_points[i].value);
            return best;
        }
        return std::max(atA, m_series.maxOfPoints(m_from, end));
    }

private:
    static constexpr std::size_t kScanBelow = 256;

    /// The first point after time t, searching from `from` on.
    std::size_t firstAfter(std::size_t from, std::int64_t t) const noexcept
    {
        return gallop(from, [t](const StepPoint& p) { return p.timeNs <= t; });
    }

    template <class Before>
    std::size_t gallop(std::size_t from, Before before) const noexcept
    {
        return gallopPartition(m_points, from, before);
    }

    const StepSeries& m_series;
    std::span<const StepPoint> m_points;
    std::size_t m_from = 0; ///< the first point at or after the last `a`
    std::size_t m_after = 0; ///< the first point after the last valueAt() time
};

/// A line of text laid out once: glyph runs with the baseline at y = 0 and the text starting at x = 0.
struct ShapedText {
    std::vector<QGlyphRun> runs;
    double width = 0; ///< natural width
    double ascent = 0;
    double height = 0; ///< of the line
};

/// `text` in `font` laid out as drawText() on `device` lays out a single line.
ShapedText shapeText(const QString& text, const QFont& font, const QPaintDevice* device);

/// Glyphs of many texts in one colour, drawn with one QPainter::drawGlyphRun() per font: laying out a QString per
/// label cost more than all the bars together (bench_timeline).
class GlyphBatch {
public:
    void add(const QRawFont& font, quint32 glyph, QPointF at)
    {
        Entry& e = entry(font);
        e.glyphs.push_back(glyph);
        e.positions.push_back(at);
    }
    void add(const QGlyphRun& run, QPointF at)
    {
        Entry& e = entry(run.rawFont());
        e.glyphs.append(run.glyphIndexes());
        for (const QPointF& position : run.positions())
            e.positions.push_back(position + at);
    }
    void paint(QPainter& p, const QColor& colour);

private:
    struct Entry {
        QRawFont font;
        QList<quint32> glyphs;
        QList<QPointF> positions;
    };
    Entry& entry(const QRawFont& font);
    std::vector<Entry> m_entries;
};

/// A "nice" tick step (1, 2, 5 × 10^k ns) that gives ticks at least `minPx` apart.
std::int64_t tickStep(std::int64_t spanNs, int widthPx, int minPx);

} // namespace qtwisted::timeline
