// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/ui/timelineviewport.h>

#include <algorithm>
#include <limits>

namespace qtwisted {

std::int64_t TimelineViewport::clampSpan(std::int64_t spanNs) noexcept
{
    return std::clamp(spanNs, kMinSpanNs, kMaxSpanNs);
}

void TimelineViewport::showRecorded(std::optional<std::int64_t> lengthNs) noexcept
{
    m_source = Source::Recorded;
    if (lengthNs) {
        // All of it, with a margin (which may take the span a little past kMaxSpanNs).
        m_spanNs = clampSpan(*lengthNs);
        m_spanNs += m_spanNs / 20;
    }
}

void TimelineViewport::setFollowing(bool follow, Moment at) noexcept
{
    if (m_follow == follow)
        return;
    if (!follow)
        m_endNs = endNs(at); // the right edge as it is now, while still following
    m_follow = follow;
}

void TimelineViewport::setSpanNs(std::int64_t spanNs) noexcept
{
    m_spanNs = clampSpan(spanNs);
}

std::int64_t TimelineViewport::endNs(Moment at) const noexcept
{
    if (!m_follow)
        return m_endNs;
    switch (m_source) {
    case Source::None:
        return at.nowNs;
    case Source::Live:
        return std::max(at.nowNs, at.originNs + m_spanNs);
    case Source::Recorded:
        return at.originNs + m_spanNs - m_spanNs / 40;
    }
    return at.nowNs;
}

TimelineScale TimelineViewport::scale(int left, int right, Moment at) const noexcept
{
    return TimelineScale { startNs(at), m_spanNs, left, right };
}

void TimelineViewport::setEndNs(std::int64_t endNs) noexcept
{
    m_follow = false;
    m_endNs = endNs;
}

void TimelineViewport::panBy(std::int64_t deltaNs, Moment at) noexcept
{
    setFollowing(false, at);
    constexpr std::int64_t kLow = std::numeric_limits<std::int64_t>::min();
    constexpr std::int64_t kHigh = std::numeric_limits<std::int64_t>::max();
    // The range [end - span, end] must stay representable.
    std::int64_t end = 0;
    if (__builtin_add_overflow(m_endNs, deltaNs, &end))
        end = deltaNs > 0 ? kHigh : kLow;
    m_endNs = std::clamp(end, kLow + m_spanNs, kHigh);
}

void TimelineViewport::zoomAbout(std::int64_t anchorNs, double anchorFraction, double factor) noexcept
{
    // Clamped as a double: a product past the int64 range must not wrap (a huge factor would zoom all the way in).
    const auto span = static_cast<std::int64_t>(std::clamp(
        static_cast<double>(m_spanNs) * factor, static_cast<double>(kMinSpanNs), static_cast<double>(kMaxSpanNs)));
    m_follow = false;
    m_endNs = anchorNs + static_cast<std::int64_t>((1.0 - anchorFraction) * static_cast<double>(span));
    m_spanNs = span;
}

void TimelineViewport::fit(std::int64_t t0, std::int64_t t1) noexcept
{
    if (t1 < t0)
        std::swap(t0, t1);
    m_follow = false;
    m_spanNs = clampSpan(t1 - t0);
    m_endNs = t0 + m_spanNs;
}

} // namespace qtwisted
