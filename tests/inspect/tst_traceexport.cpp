// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "tracetestutil.h"

#include <qtwisted/inspect/traceexport.h>

#include <QBuffer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <set>

using namespace qtwisted;
using namespace tracetest;
using K = TraceEventKind;

namespace {

QByteArray exported(const TraceData& data)
{
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    if (!exportChromeTrace(data, buffer))
        return {};
    return buffer.data();
}

// Everything the exporter must cope with: overlaps on one thread, a running job, lost events, a cancelled job,
// labels that need escaping, a jobless callback, a stall and a resize.
TraceData awkwardData()
{
    TraceData d;
    std::vector<TraceEvent> e {
        ev(K::JobQueued, 0, 1), ev(K::JobStarted, 1, 1, 0), ev(K::JobFinished, 11, 1, 0, 10),
        ev(K::JobStarted, 5, 2, 0), // overlaps job 1 on the same worker (only synthetic data can)
        ev(K::JobFinished, 20, 2, 0, 15), ev(K::JobQueued, 2, 3), ev(K::JobCancelled, 3, 3),
        ev(K::JobFinished, 30, 4, 1, 4), // queue and start lost
        ev(K::JobQueued, 25, 5), ev(K::JobStarted, 26, 5, 1, 0, ApiKind::DeferToThread), // still running at the end
        ev(K::CallbackRan, 24, 6, -1, 1, ApiKind::DeferToThread), // callback before its (lost) job: no flow
        ev(K::CallbackRan, 40, 0, -1, 2, ApiKind::DeferToThread),
        ev(K::ReactorStall, 50, 0, -1, 20, ApiKind::CallFromThread),
        ev(K::BlockingWait, 60, 9, -1, 3, ApiKind::BlockingCallFromThread), ev(K::PoolResized, 12),
        ev(K::WorkerCreated, 0, 0, 0),
        ev(K::FindingStarted, 50, 1, -1, 0, ApiKind::CallFromThread), // a reactor stall, ended
        ev(K::FindingEnded, 50, 1, -1, 20, ApiKind::CallFromThread),
        ev(K::FindingStarted, 26, 2, 1, 0, ApiKind::CallFromThread), // a pool finding still going on at the end
    };
    // Findings: id in jobId, rule in newMin, severity in newMax, suggested maximum in oldMax (trace.h).
    for (const std::size_t i : { std::size_t { 16 }, std::size_t { 17 } }) {
        e[i].poolId = 0;
        e[i].newMin = static_cast<std::int32_t>(DiagnosticRule::ReactorStall);
        e[i].newMax = static_cast<std::int32_t>(DiagnosticSeverity::Warning);
        e[i].labelId = TraceStrings::intern(QStringLiteral("The reactor \"stalled\",\nfor 20 ms"));
    }
    e[18].newMin = static_cast<std::int32_t>(DiagnosticRule::PoolSaturation);
    e[18].newMax = static_cast<std::int32_t>(DiagnosticSeverity::Critical);
    e[18].oldMax = 8;
    e[18].labelId = TraceStrings::intern(QStringLiteral("All 2 workers of pool 'syn' are busy"));
    e[0].labelId = TraceStrings::intern(QStringLiteral("say \"hi\",\nthen \\ leave\t\u00e9"));
    e[14].oldMin = 1;
    e[14].oldMax = 2;
    e[14].newMin = 0;
    e[14].newMax = 8;
    e[14].labelId = TraceStrings::intern(QStringLiteral("slider"));
    d.setInitialPoolSize(TraceStrings::intern(QStringLiteral("syn")), 1, 2);
    d.append(e);
    d.setDroppedEvents(3);
    return d;
}

} // namespace

class TestTraceExport : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(
            QFile::exists(QStringLiteral(QTWISTED_CHECK_TRACE)), "check-trace.py not found at " QTWISTED_CHECK_TRACE);
        QVERIFY2(!QStandardPaths::findExecutable(QStringLiteral("python3")).isEmpty(), "python3 is needed");
        m_real.setInitialPoolSize(TraceStrings::intern(QStringLiteral("qtwisted.reactor")), 5, 10);
        m_real.append(recordRealRun(m_recorder));
        QVERIFY(m_real.jobs().size() >= 26);
    }

    void progressAndCancel()
    {
        // Enough jobs for several checks (every 4096 events).
        TraceData big;
        std::vector<TraceEvent> events;
        for (int i = 0; i < 10000; ++i) {
            events.push_back(ev(K::JobStarted, 2 * i, static_cast<std::uint64_t>(i + 1), i % 4));
            events.push_back(ev(K::JobFinished, 2 * i + 1, static_cast<std::uint64_t>(i + 1), i % 4, 1));
        }
        big.append(events);
        std::atomic<bool> cancel { false };
        std::vector<int> seen;
        const TraceTaskControl control { &cancel, [&seen](int p) { seen.push_back(p); } };

        QBuffer json;
        json.open(QIODevice::WriteOnly);
        QVERIFY(exportChromeTrace(big, json, control));
        QCOMPARE(json.data(), exported(big)); // the same bytes as without progress
        QVERIFY(seen.size() > 3);
        QVERIFY(std::is_sorted(seen.begin(), seen.end()));
        QCOMPARE(seen.back(), 1000);

        seen.clear();
        const TraceImport back = importChromeTrace(json.data(), kMaxTraceImportBytes, control);
        QVERIFY2(back.data, qPrintable(back.error));
        QVERIFY(back.data->sameContent(big));
        QVERIFY(!back.cancelled);
        QVERIFY(seen.size() > 3 && std::is_sorted(seen.begin(), seen.end()) && seen.back() == 1000);

        cancel = true;
        QBuffer none;
        none.open(QIODevice::WriteOnly);
        QVERIFY(!exportChromeTrace(big, none, control));
        QVERIFY(!exportJobsCsv(big, none, control));
        QCOMPARE(none.size(), qint64 { 0 }); // cancelled before anything was written
        const TraceImport cancelled = importChromeTrace(json.data(), kMaxTraceImportBytes, control);
        QVERIFY(!cancelled.data);
        QVERIFY(cancelled.cancelled);
    }

    void exportPassesTheValidator_data()
    {
        QTest::addColumn<int>("which");
        QTest::newRow("real run") << 0;
        QTest::newRow("awkward synthetic") << 1;
        QTest::newRow("empty") << 2;
    }

    void exportPassesTheValidator()
    {
        QFETCH(int, which);
        const TraceData awkward = awkwardData();
        const TraceData empty;
        const TraceData& data = which == 0 ? m_real : which == 1 ? awkward : empty;
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("trace.json"));
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            QVERIFY(exportChromeTrace(data, file));
        }
        QProcess python;
        python.start(QStringLiteral("python3"), { QStringLiteral(QTWISTED_CHECK_TRACE), path });
        QVERIFY(python.waitForFinished(60000));
        const QString output = QString::fromUtf8(python.readAllStandardOutput() + python.readAllStandardError());
        QVERIFY2(python.exitStatus() == QProcess::NormalExit && python.exitCode() == 0, qPrintable(output));
        QVERIFY2(output.contains(QStringLiteral(" 0 errors, 0 warnings")), qPrintable(output));
    }

    void exportHasTheExpectedPieces()
    {
        const QJsonDocument doc = QJsonDocument::fromJson(exported(m_real));
        QCOMPARE(doc.object().value(QStringLiteral("displayTimeUnit")).toString(), QStringLiteral("ms"));
        int threadNames = 0, jobSlices = 0, callbacks = 0, counters = 0, flowIn = 0, resizes = 0;
        std::set<qint64> workerTids;
        for (const QJsonValue& v : doc.object().value(QStringLiteral("traceEvents")).toArray()) {
            const QJsonObject e = v.toObject();
            const QString ph = e.value(QStringLiteral("ph")).toString();
            const QString cat = e.value(QStringLiteral("cat")).toString();
            if (ph == QStringLiteral("M")
                && e.value(QStringLiteral("name")).toString() == QStringLiteral("thread_name"))
                ++threadNames;
            if (ph == QStringLiteral("X") && cat == QStringLiteral("job")) {
                ++jobSlices;
                workerTids.insert(e.value(QStringLiteral("tid")).toInteger());
            }
            if (ph == QStringLiteral("X") && cat == QStringLiteral("callback")) {
                ++callbacks;
                QCOMPARE(e.value(QStringLiteral("tid")).toInt(), 1); // the reactor's thread
            }
            if (ph == QStringLiteral("C"))
                ++counters;
            if (ph == QStringLiteral("i"))
                ++resizes;
            if (e.value(QStringLiteral("flow_in")).toBool())
                ++flowIn;
        }
        QCOMPARE(jobSlices, 25);
        QCOMPARE(callbacks, 24);
        QVERIFY(!workerTids.empty() && workerTids.size() <= m_real.lanes().size()); // idle workers have none
        QVERIFY(threadNames >= 2 + static_cast<int>(m_real.lanes().size()));
        QVERIFY(counters >= 3);
        QCOMPARE(resizes, 1);
        QVERIFY(flowIn >= 24 * 2); // run and callback of each deferToThread job
    }

    void csvHasOneQuotedRowPerJob()
    {
        TraceData d;
        TraceEvent q = ev(K::JobQueued, 1, 1);
        q.labelId = TraceStrings::intern(QStringLiteral("a, \"b\"\nc"));
        d.setTimeOrigin(0);
        d.append(std::vector<TraceEvent> { q, ev(K::JobStarted, 3, 1, 0), ev(K::JobFinished, 5, 1, 0, 2),
            ev(K::JobQueued, 6, 2, -1, 0, ApiKind::DeferToThread) });
        QBuffer buffer;
        buffer.open(QIODevice::WriteOnly);
        QVERIFY(exportJobsCsv(d, buffer));
        QCOMPARE(buffer.data(),
            QByteArray(
                "id,pool,api,label,status,worker,queued_ms,waited_ms,ran_ms,callback_delay_ms\r\n"
                "1,syn,callInThread,\"a, \"\"b\"\"\nc\",finished,PoolThread-syn-0,1.000000,2.000000,2.000000,\r\n"
                "2,syn,deferToThread,,queued,,6.000000,,,\r\n"));
    }

    void importGivesBackTheSameData_data()
    {
        QTest::addColumn<int>("which");
        QTest::newRow("real run") << 0;
        QTest::newRow("awkward synthetic") << 1;
        QTest::newRow("empty") << 2;
    }

    void importGivesBackTheSameData()
    {
        QFETCH(int, which);
        const TraceData awkward = awkwardData();
        const TraceData empty;
        const TraceData& data = which == 0 ? m_real : which == 1 ? awkward : empty;
        const TraceImport back = importChromeTrace(exported(data));
        QVERIFY2(back.data.has_value(), qPrintable(back.error));
        QVERIFY(back.error.isEmpty());
        QVERIFY(back.data->sameContent(data));
        QCOMPARE(exported(*back.data), exported(data)); // and exports the same file again
        // What is derived from the lanes and jobs too (the importer writes the lanes directly).
        const auto order = back.data->laneOrder();
        QCOMPARE(std::vector<std::int32_t>(order.begin(), order.end()),
            std::vector<std::int32_t>(data.laneOrder().begin(), data.laneOrder().end()));
        QCOMPARE(order.size(), back.data->lanes().size());
        const auto statuses = back.data->jobStatuses();
        QCOMPARE(std::vector<JobStatus>(statuses.begin(), statuses.end()),
            std::vector<JobStatus>(data.jobStatuses().begin(), data.jobStatuses().end()));
    }

    void findingsRoundTrip()
    {
        const TraceData data = awkwardData();
        QCOMPARE(data.findings().size(), std::size_t { 2 });
        const QByteArray json = exported(data);
        // On a "problems" track of their own, with what a viewer shows in its args.
        QVERIFY(json.contains("\"name\":\"problems\""));
        QVERIFY(json.contains("\"rule\":\"reactor stall\",\"severity\":\"warning\""));
        QVERIFY(json.contains("\"suggested_max_threads\":8"));
        QVERIFY(json.contains("\"ongoing\":true"));
        const TraceImport back = importChromeTrace(json);
        QVERIFY2(back.data, qPrintable(back.error));
        QCOMPARE(back.data->findings(), data.findings());
        const FindingRecord& saturation = back.data->findings().front();
        QVERIFY(saturation.rule == DiagnosticRule::PoolSaturation); // starts at 26 ms, before the stall at 50 ms
        QVERIFY(saturation.severity == DiagnosticSeverity::Critical);
        QCOMPARE(saturation.suggestedMaxThreads, 8);
        QCOMPARE(saturation.endNs, kNoTime);
        QCOMPARE(saturation.pool, QStringLiteral("syn"));
        QCOMPARE(saturation.worker, 1);
        const FindingRecord& ended = back.data->findings().back();
        QVERIFY(ended.rule == DiagnosticRule::ReactorStall);
        QCOMPARE(ended.endNs - ended.startNs, 20 * kMs);
        QCOMPARE(ended.message, QStringLiteral("The reactor \"stalled\",\nfor 20 ms"));
    }

    void badInputsGetOneClearMessage_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<qsizetype>("maxBytes");
        QTest::addColumn<QString>("message");
        const QByteArray good = exported(awkwardData());
        QTest::newRow("over the limit")
            << good << qsizetype { 100 }
            << QStringLiteral("file: %1 bytes is more than the 100-byte limit").arg(good.size());
        QTest::newRow("truncated") << good.left(good.size() / 2) << kMaxTraceImportBytes
                                   << QStringLiteral("not valid JSON");
        QTest::newRow("not JSON") << QByteArray("hello") << kMaxTraceImportBytes
                                  << QStringLiteral("byte 1: not valid JSON");
        QTest::newRow("array") << QByteArray("[]") << kMaxTraceImportBytes
                               << QStringLiteral("top level: must be a JSON object");
        QTest::newRow("no events") << QByteArray("{\"traceEvents\":3}") << kMaxTraceImportBytes
                                   << QStringLiteral("traceEvents: must be an array");
        QFile example(QStringLiteral(QTWISTED_FOREIGN_TRACE));
        QVERIFY(example.open(QIODevice::ReadOnly));
        QTest::newRow("foreign trace") << example.readAll() << kMaxTraceImportBytes
                                       << QStringLiteral("traceEvents: not a qtwisted trace");
        QByteArray wrongType = good;
        wrongType.replace("\"type\":\"job\",\"row\":0", "\"type\":\"job\",\"row\":\"0\"");
        QTest::newRow("wrong type") << wrongType << kMaxTraceImportBytes
                                    << QStringLiteral(".args.qtw.row: must be a number");
        QByteArray badApi = good;
        badApi.replace("\"api\":\"callInThread\"", "\"api\":\"callInFiber\"");
        QTest::newRow("unknown api") << badApi << kMaxTraceImportBytes
                                     << QStringLiteral(".args.qtw.api: must be one of");
        QByteArray liar = good;
        liar.replace("\"jobs\":", "\"jobs\":1e15,\"was\":");
        QTest::newRow("huge count") << liar << kMaxTraceImportBytes
                                    << QStringLiteral(".args.qtw.jobs: must be between 0 and");
        QByteArray fraction = good;
        fraction.replace("\"queued_ns\":0", "\"queued_ns\":0.5");
        QTest::newRow("fraction") << fraction << kMaxTraceImportBytes
                                  << QStringLiteral(".args.qtw.queued_ns: must be an integer");
        QByteArray twice = good;
        twice.replace("\"row\":1,", "\"row\":0,");
        QTest::newRow("row twice") << twice << kMaxTraceImportBytes << QStringLiteral("row 0 appears twice");
        QByteArray badRule = good;
        badRule.replace("\"rule\":\"reactor_stall\"", "\"rule\":\"reactor_nap\"");
        QTest::newRow("unknown finding rule")
            << badRule << kMaxTraceImportBytes << QStringLiteral(".args.qtw.rule: must be one of reactor_stall, ");
        QByteArray ruleNumber = good;
        ruleNumber.replace("\"rule\":\"reactor_stall\"", "\"rule\":200");
        QTest::newRow("finding rule as a number")
            << ruleNumber << kMaxTraceImportBytes << QStringLiteral(".args.qtw.rule: must be a string");
        QByteArray badSeverity = good;
        badSeverity.replace("\"severity\":\"critical\"", "\"severity\":\"fatal\"");
        QTest::newRow("unknown finding severity") << badSeverity << kMaxTraceImportBytes
                                                  << QStringLiteral(".args.qtw.severity: must be one of info, warning");
        QByteArray findingTwice = good;
        findingTwice.replace("\"type\":\"finding\",\"id\":\"2\"", "\"type\":\"finding\",\"id\":\"1\"");
        QTest::newRow("finding twice") << findingTwice << kMaxTraceImportBytes
                                       << QStringLiteral("finding 1 appears twice");
        QByteArray negativeMax = good;
        negativeMax.replace("\"suggested_max\":8", "\"suggested_max\":-8");
        QTest::newRow("negative suggested max")
            << negativeMax << kMaxTraceImportBytes << QStringLiteral(".args.qtw.suggested_max: must be between 0 and");
        QTest::newRow("deep") << QByteArray(100000, '[') << kMaxTraceImportBytes << QStringLiteral("not valid JSON");
    }

    void badInputsGetOneClearMessage()
    {
        QFETCH(QByteArray, json);
        QFETCH(qsizetype, maxBytes);
        QFETCH(QString, message);
        const TraceImport result = importChromeTrace(json, maxBytes);
        QVERIFY(!result.data.has_value());
        QVERIFY2(result.error.contains(message), qPrintable(result.error));
        QVERIFY(!result.error.contains(QLatin1Char('\n')));
    }

private:
    TraceRecorder m_recorder;
    TraceData m_real;
};

QTEST_GUILESS_MAIN(TestTraceExport)
#include "tst_traceexport.moc"
