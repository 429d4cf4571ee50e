// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>

namespace qtwisted {

/// A time scale for one paint: the visible range read once and the pixel columns it covers, so that every time of
/// one paint maps with the same origin (in follow mode the range moves with the clock).
struct TimelineScale {
    std::int64_t startNs = 0;
    std::int64_t spanNs = 1;
    int left = 0; ///< the x of startNs
    int right = 1; ///< the x of startNs + spanNs

    /// The x of time t (not clamped).
    double xOf(std::int64_t t) const noexcept
    {
        return left + static_cast<double>(t - startNs) * (right - left) / static_cast<double>(spanNs);
    }
    /// The time at x (not clamped); the inverse of xOf() up to the ns lost to rounding.
    std::int64_t timeAt(double x) const noexcept
    {
        return startNs + static_cast<std::int64_t>((x - left) * static_cast<double>(spanNs) / (right - left));
    }
    /// Nanoseconds per pixel column.
    double nsPerPixel() const noexcept { return static_cast<double>(spanNs) / (right - left); }
};

/// What the timeline shows of a trace: a visible range [end - span, end] that either follows the newest data or
/// stays where the user put it. A value: no widget, no clock, no trace; the caller passes the current Moment (the
/// time now and the trace's time 0) wherever the followed right edge depends on it.
///
/// What "following" shows depends on the source:
///  - nothing (no trace): the right edge is now;
///  - a live trace: the right edge is now, but never left of origin + span (the first seconds fill from the left);
///  - a recorded trace: the right edge a little past origin + span (showRecorded() fits the span to the trace).
class TimelineViewport {
public:
    static constexpr std::int64_t kMinSpanNs = 1'000'000; ///< 1 ms
    static constexpr std::int64_t kMaxSpanNs = 3'600'000'000'000; ///< 1 h
    static constexpr std::int64_t kDefaultSpanNs = 10'000'000'000; ///< 10 s

    /// What the followed range depends on. The origin is read with the time: a live trace learns it with its first
    /// events.
    struct Moment {
        std::int64_t nowNs = 0;
        std::int64_t originNs = 0;
    };

    /// Follows the clock (no trace), with the default span.
    TimelineViewport() = default;

    /// No trace: following shows the newest span up to now.
    void showNothing() noexcept { m_source = Source::None; }
    /// A trace being recorded.
    void showLive() noexcept { m_source = Source::Live; }
    /// A recorded trace `lengthNs` long (from its origin to its latest time; none: empty): the span is fitted to all
    /// of it plus 5 % (kept for an empty trace).
    void showRecorded(std::optional<std::int64_t> lengthNs) noexcept;

    bool isFollowing() const noexcept { return m_follow; }
    /// Starts following, or stops where the range is at `at` (the range then stays put).
    void setFollowing(bool follow, Moment at) noexcept;

    std::int64_t spanNs() const noexcept { return m_spanNs; }
    /// Clamped to [kMinSpanNs, kMaxSpanNs]; a range that is not followed keeps its right edge.
    void setSpanNs(std::int64_t spanNs) noexcept;
    static std::int64_t clampSpan(std::int64_t spanNs) noexcept;

    /// The visible range at `at`.
    std::int64_t endNs(Moment at) const noexcept;
    std::int64_t startNs(Moment at) const noexcept { return endNs(at) - m_spanNs; }
    /// The mapping of the visible range at `at` onto pixel columns [left, right].
    TimelineScale scale(int left, int right, Moment at) const noexcept;

    /// Stops following and puts the right edge at `endNs`.
    void setEndNs(std::int64_t endNs) noexcept;
    /// Stops following and moves the range by `deltaNs` (positive: later), saturating at the int64 limits.
    void panBy(std::int64_t deltaNs, Moment at) noexcept;
    /// Stops following and scales the span by `factor` (< 1: zoom in), keeping `anchorNs` at the same fraction of
    /// the width (`anchorFraction`, 0: left edge, 1: right edge), the span clamped.
    void zoomAbout(std::int64_t anchorNs, double anchorFraction, double factor) noexcept;
    /// Back to a span this viewport had and the right edge it then showed (zoom history): the span is not clamped
    /// again, and following is left as it is (`endNs` is the right edge for when it does not follow).
    void restore(std::int64_t spanNs, std::int64_t endNs) noexcept
    {
        m_spanNs = spanNs;
        m_endNs = endNs;
    }
    /// Stops following and shows [t0, t1] (in any order), the span clamped, the left edge at the earlier time.
    void fit(std::int64_t t0, std::int64_t t1) noexcept;

    bool operator==(const TimelineViewport&) const = default;

private:
    enum class Source : std::uint8_t { None, Live, Recorded };
    Source m_source = Source::None;
    bool m_follow = true;
    std::int64_t m_spanNs = kDefaultSpanNs;
    std::int64_t m_endNs = 0; ///< the right edge when not following
};

} // namespace qtwisted
