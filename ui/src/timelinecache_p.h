// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

// What the timeline derives from its trace, its size and its font to paint fast: the layout of one paint, the shaped
// texts, and TimelineCache, which holds all that is kept between paints under one invalidation rule.

#include "timelineraster_p.h"

#include <qtwisted/inspect/tracedata.h>
#include <qtwisted/trace.h>
#include <qtwisted/ui/timelineviewport.h>

#include <QCoreApplication>
#include <QFont>
#include <QFontMetrics>
#include <QHash>
#include <QImage>
#include <QSize>
#include <QString>

#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

namespace qtwisted::timeline {

inline constexpr int kLabelWidth = 170;
inline constexpr int kAxisHeight = 20;
inline constexpr int kPoolHeight = 64;
inline constexpr int kReactorHeight = 22;
inline constexpr int kMaxLaneHeight = 22;
inline constexpr int kMinLaneHeight = 6;

/// Where the parts of the timeline go, and the time scale of one paint.
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
    /// The visible range, read once per layout: in follow mode it moves with the clock, and one paint must map
    /// every time with the same origin (and not read the clock per bar).
    TimelineScale scale;

    /// The rows and columns for a widget of `size` showing `laneCount` worker lanes (the scale is the caller's).
    static Layout of(QSize size, int laneCount) noexcept;
    double xOf(std::int64_t t) const noexcept { return scale.xOf(t); }
    std::int64_t timeAt(double x) const noexcept { return scale.timeAt(x); }
    std::int64_t startNs() const noexcept { return scale.startNs; }
    std::int64_t endNs() const noexcept { return scale.startNs + scale.spanNs; }
};

/// What the lanes write again and again, shaped once for the widget's font: "#", the digits, each label and each
/// "N jobs". A job's text is composed from them ("#" + digits + " label"), so nothing grows with the number of jobs.
struct TextCache {
    TextCache(const QFont& f, const QPaintDevice* d)
        : device(d)
        , dpi(d->logicalDpiY())
        , font(f)
        , smallFont(f)
    {
        smallFont.setPointSizeF(font.pointSizeF() * 0.85);
        const std::vector<QGlyphRun> runs = shapeText(QStringLiteral("#01234567890"), font, device).runs;
        if (runs.size() != 1 || runs.front().glyphIndexes().size() != 12)
            return; // a font without its own digits: the lanes fall back to drawText()
        const QGlyphRun& run = runs.front();
        digitFont = run.rawFont();
        for (std::size_t i = 0; i < digitGlyphs.size(); ++i) {
            const auto at = static_cast<qsizetype>(i);
            digitGlyphs[i] = run.glyphIndexes()[at];
            digitAdvances[i] = run.positions()[at + 1].x() - run.positions()[at].x();
        }
        digitsShaped = true;
    }
    const std::vector<QGlyphRun>& label(std::uint32_t labelId)
    {
        auto it = labels.find(labelId);
        if (it == labels.end())
            it = labels.emplace(labelId, shapeText(QLatin1Char(' ') + TraceStrings::text(labelId), font, device).runs)
                     .first;
        return it->second;
    }
    const std::vector<QGlyphRun>& fold(int count)
    {
        if (folds.size() > 4096)
            folds.clear(); // counts of long-gone views
        auto it = folds.find(count);
        if (it == folds.end())
            it = folds
                     .emplace(count,
                         shapeText(QCoreApplication::translate("qtwisted::TimelineView", "%n jobs", nullptr, count),
                             font, device)
                             .runs)
                     .first;
        return it->second;
    }
    /// "#<id>" with its baseline-left at `at`; returns the x where it ends.
    double addId(GlyphBatch& batch, std::uint64_t id, QPointF at) const
    {
        std::array<std::size_t, 20> digits {};
        std::size_t n = 0;
        do {
            digits[n++] = static_cast<std::size_t>(id % 10);
            id /= 10;
        } while (id > 0);
        batch.add(digitFont, digitGlyphs[0], at);
        at.rx() += digitAdvances[0];
        while (n > 0) {
            const std::size_t glyph = digits[--n] + 1;
            batch.add(digitFont, digitGlyphs[glyph], at);
            at.rx() += digitAdvances[glyph];
        }
        return at.x();
    }

    /// Any short text (axis ticks, resize and stall labels), in the widget's font or the axis' smaller one.
    const ShapedText& text(const QString& s, bool small)
    {
        QHash<QString, ShapedText>& cache = small ? smallTexts : texts;
        if (cache.size() > 1024)
            cache.clear(); // texts of long-gone views
        auto it = cache.find(s);
        if (it == cache.end())
            it = cache.insert(s, shapeText(s, small ? smallFont : font, device));
        return *it;
    }

    const QPaintDevice* device; ///< the view: its DPI sizes the glyphs
    int dpi; ///< the view's logical DPI when shaped
    QFont font;
    QFont smallFont; ///< the axis' (85 %)
    QHash<QString, ShapedText> texts;
    QHash<QString, ShapedText> smallTexts;
    bool digitsShaped = false;
    QRawFont digitFont;
    std::array<quint32, 11> digitGlyphs {}; ///< '#', '0' … '9'
    std::array<double, 11> digitAdvances {};
    std::unordered_map<std::uint32_t, std::vector<QGlyphRun>> labels; ///< " label" by label id
    std::unordered_map<int, std::vector<QGlyphRun>> folds; ///< "N jobs" by N
};

/// Everything the timeline keeps between paints that is derived from the trace or the font: the worker lanes in
/// display order, their elided names and the image of the names column, label widths, shaped texts and scratch
/// images.
///
/// The rule: sync() runs before anything is read (layout() does it, so painting and hit-testing read a synced
/// cache). Another TraceData, or a new TraceData::epoch() (cleared or reassigned), drops everything derived from the
/// trace; a new lane count or pause time recomputes the lane order; invalidateTrace() forces the former (a trace set
/// again at the same address), invalidateFont() drops what was measured or shaped in the old font. Texts shaped for
/// another DPI are shaped again; the names image is redrawn whenever its key (sizes, DPI, lanes and names) changes.
class TimelineCache {
public:
    /// `frozenNs`: the pause time, or kNoTime when the view is not paused (lanes created later are not shown).
    void sync(const TraceData* data, std::int64_t frozenNs);
    void invalidateTrace() noexcept;
    void invalidateFont() noexcept;

    /// TraceData::laneOrder() less the lanes created after the pause time (indices into TraceData::lanes()).
    const std::vector<std::int32_t>& laneOrder() const noexcept { return m_laneOrder; }
    /// The display position of a lane, or -1 when it is not shown.
    int positionOf(std::int32_t lane) const noexcept;

    /// A lane's thread name elided to `width` in the font of `fm` (eliding shapes text).
    const QString& laneName(std::int32_t lane, int width, const QFontMetrics& fm);
    /// The name a lane's header shows: "worker <n>" for PoolThread-<pool>-<n> (see the definition), elided to `width`.
    QString shortLaneName(std::size_t index, int width, const QFontMetrics& fm) const;
    /// The width of " label" in the font of `fm`.
    int labelWidth(std::uint32_t labelId, const QFontMetrics& fm);
    /// The texts shaped in `font` for `device` (shaped again when its DPI changed).
    TextCache& texts(const QFont& font, const QPaintDevice* device);

    /// The names column drawn for `key`, or nullptr when there is none for it.
    const QImage* laneNamesImage(const std::vector<std::int64_t>& key) const noexcept;
    /// Keeps the names column drawn for `key`.
    const QImage& setLaneNamesImage(std::vector<std::int64_t> key, QImage image);
    /// A resize marker's dash-dot line in `colour`, two columns wide, `height` tall, from `poolTop` down: drawn once
    /// with the pen it stands for, each marker copies the columns its x covers.
    const QImage& resizeLine(int height, int poolTop, const QColor& colour);
    /// Scratch of the pool strip, kept to spare an allocation per paint.
    QImage& poolImage() noexcept { return m_poolImage; }

private:
    // What the trace-derived part was synced to.
    const TraceData* m_data = nullptr;
    std::uint64_t m_epoch = 0;
    std::size_t m_laneCount = 0;
    std::int64_t m_frozenNs = kNoTime;
    bool m_synced = false;

    std::vector<std::int32_t> m_laneOrder;
    std::vector<QString> m_laneNames; ///< by lane index, elided to m_laneNameWidth; empty: not yet
    int m_laneNameWidth = 0;
    std::unordered_map<std::uint32_t, int> m_labelWidths; ///< label id → text width
    std::unique_ptr<TextCache> m_texts;
    QImage m_laneNamesImage;
    std::vector<std::int64_t> m_laneNamesKey; ///< what m_laneNamesImage was drawn for
    QImage m_resizeLine;
    QImage m_poolImage;
};

} // namespace qtwisted::timeline
