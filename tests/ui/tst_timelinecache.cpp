// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// The timeline's cache (ui/src/timelinecache_p.h, private to QTwisted::Ui): its invalidation rule and its layout.
#include "timelinecache_p.h"
#include "timelineraster_p.h"

#include <qtwisted/inspect/tracedata.h>
#include <qtwisted/trace.h>
#include <qtwisted/ui/timelineview.h>

#include <QFontMetrics>
#include <QGuiApplication>
#include <QTest>

#include <algorithm>
#include <random>

using namespace qtwisted;
using namespace Qt::StringLiterals;
using namespace qtwisted::timeline;

namespace {
constexpr std::int64_t kMs = 1'000'000;

TraceEvent created(std::int64_t ms, std::int32_t worker, const QString& pool, const QString& name = {})
{
    TraceEvent e;
    e.kind = TraceEventKind::WorkerCreated;
    e.timeNs = ms * kMs;
    e.worker = worker;
    e.poolId = TraceStrings::intern(pool);
    if (!name.isEmpty())
        e.labelId = TraceStrings::intern(name);
    return e;
}

std::vector<std::int32_t> workersOf(const TraceData& data, const std::vector<std::int32_t>& order)
{
    std::vector<std::int32_t> workers;
    for (const std::int32_t lane : order)
        workers.push_back(data.lanes()[static_cast<std::size_t>(lane)].worker);
    return workers;
}
} // namespace

class TestTimelineCache : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void laneOrderIsTheTraceDataOrder()
    {
        const QString pool = QStringLiteral("cache-order");
        TraceData data;
        data.append(std::vector<TraceEvent> { created(1, 2, pool), created(2, 0, pool), created(3, 1, pool) });
        TimelineCache cache;
        QVERIFY(cache.laneOrder().empty());
        cache.sync(&data, kNoTime);
        QCOMPARE(cache.laneOrder(), std::vector<std::int32_t>(data.laneOrder().begin(), data.laneOrder().end()));
        QCOMPARE(workersOf(data, cache.laneOrder()), (std::vector<std::int32_t> { 0, 1, 2 }));
        QCOMPARE(cache.positionOf(0), 2); // lane 0 is worker 2
        QCOMPARE(cache.positionOf(7), -1);
        // More lanes: the order follows at the next sync.
        data.append(std::vector<TraceEvent> { created(4, 3, pool) });
        cache.sync(&data, kNoTime);
        QCOMPARE(workersOf(data, cache.laneOrder()), (std::vector<std::int32_t> { 0, 1, 2, 3 }));
        // No trace: nothing.
        cache.sync(nullptr, kNoTime);
        QVERIFY(cache.laneOrder().empty());
    }

    void aPausedViewHidesLanesCreatedAfterThePause()
    {
        const QString pool = QStringLiteral("cache-pause");
        TraceData data;
        data.append(std::vector<TraceEvent> { created(1, 0, pool), created(5, 1, pool), created(9, 2, pool) });
        TimelineCache cache;
        cache.sync(&data, 5 * kMs);
        QCOMPARE(workersOf(data, cache.laneOrder()), (std::vector<std::int32_t> { 0, 1 }));
        cache.sync(&data, 4 * kMs);
        QCOMPARE(workersOf(data, cache.laneOrder()), (std::vector<std::int32_t> { 0 }));
        cache.sync(&data, kNoTime);
        QCOMPARE(workersOf(data, cache.laneOrder()), (std::vector<std::int32_t> { 0, 1, 2 }));
    }

    void aNewEpochDropsWhatWasDerivedFromTheTrace()
    {
        const QString pool = QStringLiteral("cache-epoch");
        const QFontMetrics fm(QGuiApplication::font());
        TraceData data;
        data.append(std::vector<TraceEvent> { created(1, 0, pool, QStringLiteral("first")) });
        TimelineCache cache;
        cache.sync(&data, kNoTime);
        QCOMPARE(cache.laneName(0, 500, fm), QStringLiteral("first"));
        cache.setLaneNamesImage({ 1, 2, 3 }, QImage(4, 4, QImage::Format_RGB32));
        QVERIFY(cache.laneNamesImage({ 1, 2, 3 }) != nullptr);
        QVERIFY(cache.laneNamesImage({ 1, 2, 4 }) == nullptr);
        // Same address, same lane count, another trace (cleared: a new epoch).
        data.clear();
        data.append(std::vector<TraceEvent> { created(1, 0, pool, QStringLiteral("second")) });
        cache.sync(&data, kNoTime);
        QCOMPARE(cache.laneName(0, 500, fm), QStringLiteral("second"));
        // Within one epoch the elided names are kept (eliding shapes text), per width.
        QCOMPARE(cache.laneName(0, 500, fm), QStringLiteral("second"));
        QVERIFY(cache.laneName(0, 1, fm) != QStringLiteral("second"));
    }

    /// A lane header shows what tells lanes apart: "worker <n>" for PoolThread-<pool>-<n> (the pool's name is on
    /// the pool strip), "<pool> · <n>" when workers of several pools share the view (the number never elided), and
    /// any other thread's name as it is.
    void laneHeadersShowTheWorkerNumber()
    {
        const QFontMetrics fm(QGuiApplication::font());
        TraceData one;
        one.append(
            std::vector<TraceEvent> { created(1, 0, QStringLiteral("names"), QStringLiteral("PoolThread-names-0")),
                created(2, 13, QStringLiteral("names"), QStringLiteral("PoolThread-names-13")) });
        TimelineCache cache;
        cache.sync(&one, kNoTime);
        QCOMPARE(cache.laneName(0, 500, fm), QStringLiteral("worker 0"));
        QCOMPARE(cache.laneName(1, 500, fm), QStringLiteral("worker 13"));

        const QString longPool = QStringLiteral("a-pool-with-a-rather-long-name-indeed");
        TraceData two;
        two.append(std::vector<TraceEvent> { created(1, 7, longPool, QStringLiteral("PoolThread-%1-7").arg(longPool)),
            created(2, 2, QStringLiteral("files"), QStringLiteral("PoolThread-files-2")),
            created(3, 0, QStringLiteral("other"), QStringLiteral("main-ish thread")) });
        TimelineCache mixed;
        mixed.sync(&two, kNoTime);
        const QString narrow = mixed.laneName(0, fm.horizontalAdvance(QStringLiteral("a-pool-wi · 7")), fm);
        QVERIFY2(narrow.endsWith(QStringLiteral(" \u00b7 7")), qPrintable(narrow));
        QVERIFY2(narrow.size() < longPool.size(), qPrintable(narrow));
        QCOMPARE(mixed.laneName(1, 500, fm), QStringLiteral("files \u00b7 2"));
        QCOMPARE(mixed.laneName(2, 500, fm), QStringLiteral("main-ish thread"));
    }

    /// Axis labels carry the precision the zoom needs: ticks 100 µs apart at 6.21 s all read differently.
    void tickLabelsCarryTheZoomsPrecision_data()
    {
        QTest::addColumn<qint64>("at");
        QTest::addColumn<qint64>("step");
        QTest::addColumn<QString>("label");
        QTest::newRow("seconds, 100 us apart") << qint64 { 6'210'100'000 } << qint64 { 100'000 } << u"6.2101 s"_s;
        QTest::newRow("seconds, 1 s apart") << qint64 { 6 * 1'000'000'000LL } << qint64 { 1'000'000'000 } << u"6 s"_s;
        QTest::newRow("seconds, 200 ms apart") << qint64 { 1'200'000'000 } << qint64 { 200'000'000 } << u"1.2 s"_s;
        QTest::newRow("milliseconds, 20 ms apart") << qint64 { 40'000'000 } << qint64 { 20'000'000 } << u"40 ms"_s;
        QTest::newRow("milliseconds, 50 us apart") << qint64 { 25'050'000 } << qint64 { 50'000 } << u"25.05 ms"_s;
        QTest::newRow("microseconds, 20 ns apart") << qint64 { 740 } << qint64 { 20 } << u"0.74 µs"_s;
        QTest::newRow("zero, 1 s apart") << qint64 { 0 } << qint64 { 1'000'000'000 } << u"0 s"_s;
        QTest::newRow("zero, 200 ms apart") << qint64 { 0 } << qint64 { 200'000'000 } << u"0 ms"_s;
    }

    void tickLabelsCarryTheZoomsPrecision()
    {
        QFETCH(qint64, at);
        QFETCH(qint64, step);
        QFETCH(QString, label);
        QCOMPARE(TimelineView::formatTick(at, step), label);
        // Neighbours never read the same.
        QVERIFY(TimelineView::formatTick(at + step, step) != TimelineView::formatTick(at, step));
    }

    void aFontChangeDropsWhatWasMeasured()
    {
        QFont big = QGuiApplication::font();
        big.setPointSizeF(big.pointSizeF() * 3);
        const QFontMetrics small(QGuiApplication::font());
        const QFontMetrics large(big);
        const std::uint32_t label = TraceStrings::intern(QStringLiteral("a fairly long label"));
        TimelineCache cache;
        const int before = cache.labelWidth(label, small);
        QCOMPARE(cache.labelWidth(label, large), before); // measured once, whatever the metrics passed
        cache.setLaneNamesImage({ 1 }, QImage(4, 4, QImage::Format_RGB32));
        cache.invalidateFont();
        QVERIFY(cache.labelWidth(label, large) > before);
        QVERIFY(cache.laneNamesImage({ 1 }) == nullptr);
    }

    void layoutFitsTheLanes_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::addColumn<int>("lanes");
        QTest::addColumn<int>("laneHeight");
        QTest::addRow("no lanes") << QSize(900, 420) << 0 << kMaxLaneHeight;
        QTest::addRow("few lanes: the tallest") << QSize(900, 420) << 4 << kMaxLaneHeight;
        QTest::addRow("many lanes: shared") << QSize(900, 420) << 30 << (420 - 120 - 4) / 30;
        QTest::addRow("too many: the thinnest") << QSize(900, 420) << 500 << kMinLaneHeight;
    }
    void layoutFitsTheLanes()
    {
        QFETCH(QSize, size);
        QFETCH(int, lanes);
        QFETCH(int, laneHeight);
        const Layout l = Layout::of(size, lanes);
        QCOMPARE(l.left, kLabelWidth);
        QCOMPARE(l.right, size.width() - 8);
        QCOMPARE(l.lanesTop, kAxisHeight + 4 + kPoolHeight + 6 + kReactorHeight + 4); // 120
        QCOMPARE(l.laneHeight, laneHeight);
        QCOMPARE(l.barHeight, std::max(2, laneHeight - 3));
        QVERIFY(l.poolTop > l.axisTop && l.reactorTop > l.poolTop + l.poolHeight && l.lanesTop > l.reactorTop);
    }

    void aNarrowWidgetStillHasAScale()
    {
        const Layout l = Layout::of(QSize(10, 10), 1);
        QVERIFY(l.right > l.left);
    }

    /// The pool strip's sweep (galloping, short runs scanned, long ones from the series' block index) gives, column by
    /// column, exactly the maximum and the value a plain scan of the points gives: columns of a few points and of
    /// thousands, as a zoomed-in and a zoomed-out view have.
    void stepSweepMatchesAScan()
    {
        TraceData data;
        std::vector<TraceEvent> events;
        std::mt19937 rng(5);
        std::uniform_int_distribution<int> jitter(0, 40);
        for (std::uint64_t job = 1; job <= 30'000; ++job) {
            TraceEvent e;
            e.poolId = TraceStrings::intern(u"sweep"_s);
            e.jobId = job;
            e.kind = TraceEventKind::JobQueued;
            e.timeNs = (static_cast<std::int64_t>(job) * 3 + jitter(rng)) * kMs;
            events.push_back(e);
            e.kind = TraceEventKind::JobStarted;
            e.worker = static_cast<std::int32_t>(job % 8);
            e.timeNs += jitter(rng) * kMs;
            events.push_back(e);
            e.kind = TraceEventKind::JobFinished;
            e.timeNs += jitter(rng) * kMs;
            events.push_back(e);
        }
        data.append(std::move(events));
        const PoolSeries& pool = data.pools().front();
        for (const StepSeries* series : { &pool.backlog, &pool.busy }) {
            const std::span<const StepPoint> points = series->points();
            QVERIFY(points.size() > 20'000);
            const std::int64_t t0 = points.front().timeNs - 5 * kMs;
            const std::int64_t t1 = points.back().timeNs + 5 * kMs;
            for (const int columns : { 37, 400, 1920, 100'000 }) {
                StepSweep sweep(*series);
                StepSweep values(*series);
                for (int c = 0; c < columns; ++c) {
                    const std::int64_t a = t0 + (t1 - t0) * c / columns;
                    const std::int64_t b = t0 + (t1 - t0) * (c + 1) / columns;
                    std::int64_t expected = series->valueAt(a);
                    for (const StepPoint& p : series->pointsIn(a, b)) // a binary search, then a plain scan
                        expected = std::max(expected, p.value);
                    QCOMPARE(sweep.maxIn(a, b), expected);
                    QCOMPARE(values.valueAt(b), series->valueAt(b));
                }
            }
        }
    }
};

QTEST_MAIN(TestTimelineCache)
#include "tst_timelinecache.moc"
