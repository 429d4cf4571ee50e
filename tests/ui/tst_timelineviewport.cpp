// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/ui/timelineviewport.h>

#include <QTest>

#include <cmath>
#include <limits>

using namespace qtwisted;

namespace {
constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kS = 1'000'000'000;
constexpr std::int64_t kOrigin = 5'000 * kS;

/// The moment `nowNs` of a trace that started at kOrigin.
TimelineViewport::Moment at(std::int64_t nowNs)
{
    return { nowNs, kOrigin };
}
} // namespace

class TestTimelineViewport : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void defaultsFollowTheClockWithTenSeconds()
    {
        const TimelineViewport v;
        QVERIFY(v.isFollowing());
        QCOMPARE(v.spanNs(), 10 * kS);
        QCOMPARE(v.endNs(at(kOrigin)), kOrigin);
        QCOMPARE(v.startNs(at(kOrigin)), kOrigin - 10 * kS);
    }

    void followMovesWithNewData()
    {
        TimelineViewport v;
        v.showLive();
        // The first span fills from the left: the right edge waits at origin + span.
        QCOMPARE(v.endNs(at(kOrigin + 2 * kS)), kOrigin + 10 * kS);
        // Then it moves with the newest time.
        QCOMPARE(v.endNs(at(kOrigin + 12 * kS)), kOrigin + 12 * kS);
        QCOMPARE(v.endNs(at(kOrigin + 13 * kS)), kOrigin + 13 * kS);
        // A live trace learns its origin with its first events: it is read with the time.
        QCOMPARE(v.endNs({ kOrigin, kOrigin + kS }), kOrigin + 11 * kS);
    }

    void followStopsOnUserPan()
    {
        TimelineViewport v;
        v.showLive();
        v.panBy(-kS, at(kOrigin + 20 * kS));
        QVERIFY(!v.isFollowing());
        QCOMPARE(v.endNs(at(kOrigin + 20 * kS)), kOrigin + 19 * kS);
        // New data no longer moves it.
        QCOMPARE(v.endNs(at(kOrigin + 30 * kS)), kOrigin + 19 * kS);
        QCOMPARE(v.spanNs(), 10 * kS);
        // Following again jumps to the newest.
        v.setFollowing(true, at(kOrigin + 30 * kS));
        QCOMPARE(v.endNs(at(kOrigin + 30 * kS)), kOrigin + 30 * kS);
    }

    void stoppingFollowKeepsTheRangeOfThatMoment()
    {
        TimelineViewport v;
        v.showLive();
        v.setFollowing(false, at(kOrigin + 15 * kS));
        QCOMPARE(v.endNs(at(kOrigin + 99 * kS)), kOrigin + 15 * kS);
        // Stopping twice does not move it again.
        v.setFollowing(false, at(kOrigin + 50 * kS));
        QCOMPARE(v.endNs(at(kOrigin + 99 * kS)), kOrigin + 15 * kS);
        // A span change keeps the right edge of a range that is not followed.
        v.setSpanNs(2 * kS);
        QCOMPARE(v.endNs(at(0)), kOrigin + 15 * kS);
        QCOMPARE(v.startNs(at(0)), kOrigin + 13 * kS);
    }

    void recordedTraceIsFittedWithAMargin()
    {
        TimelineViewport v;
        v.showRecorded(20 * kS);
        QCOMPARE(v.spanNs(), 21 * kS);
        QVERIFY(v.isFollowing());
        // The clock does not matter for a recorded trace.
        QCOMPARE(v.endNs(at(0)), v.endNs(at(kOrigin + 999 * kS)));
        QVERIFY(v.startNs(at(0)) < kOrigin);
        QVERIFY(v.endNs(at(0)) > kOrigin + 20 * kS);
        // An empty recorded trace keeps the span.
        TimelineViewport empty;
        empty.showRecorded(std::nullopt);
        QCOMPARE(empty.spanNs(), TimelineViewport::kDefaultSpanNs);
    }

    void zoomKeepsTheAnchorUnderTheCursor_data()
    {
        QTest::addColumn<int>("cursorX");
        QTest::addColumn<double>("factor");
        QTest::addRow("in at the left edge") << 100 << 0.8;
        QTest::addRow("in at the middle") << 550 << 0.8;
        QTest::addRow("in at the right edge") << 1000 << 0.8;
        QTest::addRow("out at a third") << 400 << 1.25;
        QTest::addRow("far in") << 700 << 0.01;
        QTest::addRow("far out") << 250 << 50.0;
    }
    void zoomKeepsTheAnchorUnderTheCursor()
    {
        QFETCH(int, cursorX);
        QFETCH(double, factor);
        constexpr int kLeft = 100;
        constexpr int kRight = 1000;
        const std::int64_t now = kOrigin + 30 * kS;
        TimelineViewport v;
        v.showLive();
        const TimelineScale before = v.scale(kLeft, kRight, at(now));
        const std::int64_t anchor = before.timeAt(cursorX);
        v.zoomAbout(anchor, static_cast<double>(cursorX - kLeft) / (kRight - kLeft), factor);
        QVERIFY(!v.isFollowing());
        QCOMPARE(v.spanNs(), static_cast<std::int64_t>(10.0 * static_cast<double>(kS) * factor));
        const TimelineScale after = v.scale(kLeft, kRight, at(now));
        // The same time under the cursor, to within a pixel's rounding.
        QVERIFY2(std::abs(after.xOf(anchor) - cursorX) < 1e-3, qPrintable(QString::number(after.xOf(anchor))));
    }

    void zoomClampsTheSpan_data()
    {
        QTest::addColumn<double>("factor");
        QTest::addColumn<qint64>("span");
        QTest::addRow("not below 1 ms") << 1e-9 << qint64 { TimelineViewport::kMinSpanNs };
        QTest::addRow("not above 1 h") << 1e9 << qint64 { TimelineViewport::kMaxSpanNs };
        QTest::addRow("zero") << 0.0 << qint64 { TimelineViewport::kMinSpanNs };
        QTest::addRow("negative") << -3.0 << qint64 { TimelineViewport::kMinSpanNs };
    }
    void zoomClampsTheSpan()
    {
        QFETCH(double, factor);
        QFETCH(qint64, span);
        TimelineViewport v;
        v.zoomAbout(kOrigin, 0.5, factor);
        QCOMPARE(v.spanNs(), span);
        QVERIFY(v.endNs(at(0)) > v.startNs(at(0)));
    }

    void setSpanClamps_data()
    {
        QTest::addColumn<qint64>("wanted");
        QTest::addColumn<qint64>("span");
        QTest::addRow("in range") << qint64 { 3 * kS } << qint64 { 3 * kS };
        QTest::addRow("zero") << qint64 { 0 } << qint64 { TimelineViewport::kMinSpanNs };
        QTest::addRow("negative") << qint64 { -kS } << qint64 { TimelineViewport::kMinSpanNs };
        QTest::addRow("huge") << std::numeric_limits<qint64>::max() << qint64 { TimelineViewport::kMaxSpanNs };
    }
    void setSpanClamps()
    {
        QFETCH(qint64, wanted);
        QFETCH(qint64, span);
        TimelineViewport v;
        v.setSpanNs(wanted);
        QCOMPARE(v.spanNs(), span);
    }

    void panMovesAndClamps()
    {
        TimelineViewport v;
        v.setEndNs(kOrigin);
        v.panBy(2 * kS, at(0));
        QCOMPARE(v.endNs(at(0)), kOrigin + 2 * kS);
        v.panBy(-5 * kS, at(0));
        QCOMPARE(v.endNs(at(0)), kOrigin - 3 * kS);
        // Far past either end of the clock, the range stays representable (no overflow).
        v.panBy(std::numeric_limits<std::int64_t>::max(), at(0));
        QCOMPARE(v.endNs(at(0)), std::numeric_limits<std::int64_t>::max());
        QVERIFY(v.startNs(at(0)) < v.endNs(at(0)));
        v.panBy(std::numeric_limits<std::int64_t>::min(), at(0));
        v.panBy(std::numeric_limits<std::int64_t>::min(), at(0));
        QCOMPARE(v.startNs(at(0)), std::numeric_limits<std::int64_t>::min());
        QCOMPARE(v.endNs(at(0)) - v.startNs(at(0)), v.spanNs());
    }

    void fitShowsTheRange_data()
    {
        QTest::addColumn<qint64>("t0");
        QTest::addColumn<qint64>("t1");
        QTest::addColumn<qint64>("start");
        QTest::addColumn<qint64>("span");
        QTest::addRow("plain") << qint64 { kOrigin } << qint64 { kOrigin + 2 * kS } << qint64 { kOrigin }
                               << qint64 { 2 * kS };
        QTest::addRow("reversed") << qint64 { kOrigin + 2 * kS } << qint64 { kOrigin } << qint64 { kOrigin }
                                  << qint64 { 2 * kS };
        QTest::addRow("degenerate: one instant") << qint64 { kOrigin } << qint64 { kOrigin } << qint64 { kOrigin }
                                                 << qint64 { TimelineViewport::kMinSpanNs };
        QTest::addRow("degenerate: below 1 ms") << qint64 { kOrigin } << qint64 { kOrigin + 10 } << qint64 { kOrigin }
                                                << qint64 { TimelineViewport::kMinSpanNs };
        QTest::addRow("longer than an hour")
            << qint64 { 0 } << qint64 { 7200 * kS } << qint64 { 0 } << qint64 { TimelineViewport::kMaxSpanNs };
    }
    void fitShowsTheRange()
    {
        QFETCH(qint64, t0);
        QFETCH(qint64, t1);
        QFETCH(qint64, start);
        QFETCH(qint64, span);
        TimelineViewport v;
        v.showLive();
        v.fit(t0, t1);
        QVERIFY(!v.isFollowing());
        QCOMPARE(v.startNs(at(kOrigin + 99 * kS)), start);
        QCOMPARE(v.spanNs(), span);
    }

    void conversionsRoundTrip_data()
    {
        QTest::addColumn<qint64>("span");
        QTest::addColumn<int>("width");
        QTest::addRow("10 s on 1750 px") << qint64 { 10 * kS } << 1750;
        QTest::addRow("1 ms on 400 px") << qint64 { TimelineViewport::kMinSpanNs } << 400;
        QTest::addRow("1 h on 1920 px") << qint64 { TimelineViewport::kMaxSpanNs } << 1920;
        QTest::addRow("7 ms on 3 px") << qint64 { 7 * kMs } << 3;
    }
    void conversionsRoundTrip()
    {
        QFETCH(qint64, span);
        QFETCH(int, width);
        TimelineViewport v;
        v.fit(kOrigin, kOrigin + span);
        const TimelineScale s = v.scale(170, 170 + width, at(0));
        QCOMPARE(s.xOf(kOrigin), 170.0);
        QCOMPARE(s.xOf(kOrigin + span), 170.0 + width);
        QCOMPARE(s.timeAt(170), kOrigin);
        QCOMPARE(s.nsPerPixel(), static_cast<double>(span) / width);
        // time -> x -> time loses at most the ns truncated; x -> time -> x at most a ns worth of pixels.
        for (int i = 0; i <= 16; ++i) {
            const std::int64_t t = kOrigin + span * i / 16;
            QVERIFY2(std::abs(s.timeAt(s.xOf(t)) - t) <= 1, qPrintable(QString::number(s.timeAt(s.xOf(t)) - t)));
            const double x = 170 + width * i / 16.0;
            QVERIFY(std::abs(s.xOf(s.timeAt(x)) - x) <= 1.0 / s.nsPerPixel() + 1e-9);
        }
    }

    void valueSemantics()
    {
        TimelineViewport a;
        a.showLive();
        TimelineViewport b = a;
        QCOMPARE(a, b);
        b.zoomAbout(kOrigin, 0.5, 0.5);
        QVERIFY(!(a == b));
        QVERIFY(a.isFollowing()); // the copy is independent
        QCOMPARE(a.spanNs(), 10 * kS);
    }
};

QTEST_APPLESS_MAIN(TestTimelineViewport)
#include "tst_timelineviewport.moc"
