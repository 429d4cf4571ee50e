// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// `thread-lab FILE`: a scenario file given that way is played, a saved run is opened, anything else is refused with a
// message that says why (issue 18), as `hotspot perf.data` and `tracy-profiler file.tracy` open what they are given.
#include "labtestutil.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

namespace {

using labtest::LabRun;
using labtest::runLab;

void writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

const QByteArray kScenario = R"({"name": "two-jobs", "steps": [
    {"at": 0, "queue": {"api": "callInThread", "count": 2, "sleepMs": 5}},
    {"at": 0, "waitIdle": {}}]})";

/// Plays kScenario headless (the scenario file is written into `dir`) and exports its trace to `trace`.
bool recordRun(const QTemporaryDir& dir, const QString& trace)
{
    const QString scenario = dir.filePath(QStringLiteral("two.json"));
    QFile f(scenario);
    if (!f.open(QIODevice::WriteOnly) || f.write(kScenario) != kScenario.size())
        return false;
    f.close();
    return runLab({ QStringLiteral("--headless"), QStringLiteral("--scenario"), scenario,
                      QStringLiteral("--export-trace"), trace })
               .exitCode
        == 0;
}

} // namespace

class TestThreadLabCli : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void aScenarioFileIsPlayed()
    {
        QTemporaryDir dir;
        const QString scenario = dir.filePath(QStringLiteral("two.json"));
        writeFile(scenario, kScenario);
        const LabRun run = runLab({ scenario, QStringLiteral("--headless") });
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.output.contains(QStringLiteral("summary: 2 jobs completed")), qPrintable(run.output));
    }

    void aSavedRunOpensInTheWindow()
    {
        QTemporaryDir dir;
        const QString trace = dir.filePath(QStringLiteral("run.json"));
        QVERIFY(recordRun(dir, trace));
        const QString shot = dir.filePath(QStringLiteral("shot.png"));
        const LabRun run = runLab({ trace, QStringLiteral("--screenshot"), shot });
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.output.contains(QStringLiteral("viewing %1 (read-only)").arg(trace)), qPrintable(run.output));
        QVERIFY(QFileInfo(shot).size() > 0);
    }

    void whatIsNeitherIsRefusedSayingWhy()
    {
        QTemporaryDir dir;
        const QString other = dir.filePath(QStringLiteral("other.json"));
        writeFile(other, R"({"x": 1})");
        const LabRun run = runLab({ other });
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.output.contains(QStringLiteral("is neither a scenario")), qPrintable(run.output));
        QVERIFY2(run.output.contains(QStringLiteral("nor a saved run (traceEvents")), qPrintable(run.output));

        const QString garbage = dir.filePath(QStringLiteral("garbage.bin"));
        writeFile(garbage, QByteArray("\x00\x01not json", 10));
        QCOMPARE(runLab({ garbage }).exitCode, 2);
    }

    void badCombinationsAreRefused_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("missing") << QStringList { QStringLiteral("/nonexistent/run.json") }
                                 << QStringLiteral("no such file");
        QTest::newRow("three files") << QStringList { QStringLiteral("a.json"), QStringLiteral("b.json"),
            QStringLiteral("c.json") }
                                     << QStringLiteral("at most two files");
        QTest::newRow("file and --scenario") << QStringList { QStringLiteral("a.json"), QStringLiteral("--scenario"),
            QStringLiteral("howto-callInThread") }
                                             << QStringLiteral("not both");
    }

    void badCombinationsAreRefused()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const LabRun run = runLab(arguments);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.output.contains(message), qPrintable(run.output));
    }

    /// --compare A.json B.json prints the comparison table of two saved runs, headless.
    void comparesTwoSavedRuns()
    {
        QTemporaryDir dir;
        const QString scenario = dir.filePath(QStringLiteral("two.json"));
        writeFile(scenario, kScenario);
        const QString a = dir.filePath(QStringLiteral("a.json"));
        const QString b = dir.filePath(QStringLiteral("b.json"));
        for (const QString& out : { a, b })
            QVERIFY(recordRun(dir, out));
        const LabRun run = runLab({ QStringLiteral("--compare"), a, b });
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.output.contains(QStringLiteral("a.json")) && run.output.contains(QStringLiteral("b.json")),
            qPrintable(run.output));
        const QString jobs = run.output.split(QLatin1Char('\n')).filter(QStringLiteral("jobs ")).front();
        QVERIFY2(jobs.simplified() == QStringLiteral("jobs 2 2 1.00x"), qPrintable(jobs));

        QCOMPARE(runLab({ QStringLiteral("--compare"), a }).exitCode, 2);
        const LabRun bad = runLab({ QStringLiteral("--compare"), a, scenario });
        QCOMPARE(bad.exitCode, 2);
        QVERIFY2(bad.output.contains(QStringLiteral("not a saved run")), qPrintable(bad.output));
    }

    /// An output that cannot be written is refused before the scenario plays, not after it (issue 18).
    void anUnwritableOutputIsRefusedBeforeTheRun_data()
    {
        QTest::addColumn<QString>("option");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("message");
        QTest::newRow("trace, no folder")
            << QStringLiteral("--export-trace") << QStringLiteral("/nonexistent/folder/t.json")
            << QStringLiteral("the folder /nonexistent/folder does not exist");
        QTest::newRow("csv, a folder") << QStringLiteral("--export-csv") << QDir::tempPath()
                                       << QStringLiteral("is a folder");
    }

    void anUnwritableOutputIsRefusedBeforeTheRun()
    {
        QFETCH(QString, option);
        QFETCH(QString, path);
        QFETCH(QString, message);
        const LabRun run = runLab({ QStringLiteral("--headless"), QStringLiteral("--scenario"),
            QStringLiteral("lesson-resize-under-load"), option, path });
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.output.contains(message) && run.output.contains(QStringLiteral("nothing was run")),
            qPrintable(run.output));
        QVERIFY2(!run.output.contains(QStringLiteral("summary:")) && !run.output.contains(QStringLiteral("jobs ended")),
            qPrintable(run.output));
    }

    /// `thread-lab A.json B.json` opens A with B compared below it; what cannot be compared is refused saying why.
    void twoSavedRunsOpenCompared()
    {
        QTemporaryDir dir;
        const QString a = dir.filePath(QStringLiteral("a.json"));
        const QString b = dir.filePath(QStringLiteral("b.json"));
        for (const QString& out : { a, b })
            QVERIFY(recordRun(dir, out));
        const QString shot = dir.filePath(QStringLiteral("compared.png"));
        const LabRun run = runLab({ a, b, QStringLiteral("--screenshot"), shot });
        QCOMPARE(run.exitCode, 0);
        QVERIFY(QFileInfo(shot).size() > 0);

        // A run with no job, or a file that is not a run: one message, in the window's and in the table's mode.
        const QString empty = dir.filePath(QStringLiteral("empty.json"));
        const QString nothing = dir.filePath(QStringLiteral("nothing.json"));
        writeFile(nothing, R"({"name": "nothing", "steps": [{"at": 0, "waitIdle": {}}]})");
        QCOMPARE(runLab({ QStringLiteral("--headless"), QStringLiteral("--scenario"), nothing,
                            QStringLiteral("--export-trace"), empty })
                     .exitCode,
            0);
        for (const QStringList& arguments :
            { QStringList { a, empty }, QStringList { QStringLiteral("--compare"), a, empty } }) {
            const LabRun refused = runLab(arguments);
            QCOMPARE(refused.exitCode, 2);
            QVERIFY2(refused.output.contains(QStringLiteral("an empty run")), qPrintable(refused.output));
        }
        const LabRun notARun = runLab({ a, nothing });
        QCOMPARE(notARun.exitCode, 2);
        QVERIFY2(notARun.output.contains(QStringLiteral("cannot compare")), qPrintable(notARun.output));
        // A trace cut in the middle (a copy interrupted): not a saved run, saying where it breaks.
        QFile whole(b);
        QVERIFY(whole.open(QIODevice::ReadOnly));
        const QByteArray bytes = whole.readAll();
        const QString truncated = dir.filePath(QStringLiteral("truncated.json"));
        writeFile(truncated, bytes.left(bytes.size() / 2));
        for (const QStringList& arguments :
            { QStringList { a, truncated }, QStringList { QStringLiteral("--compare"), a, truncated } }) {
            const LabRun refused = runLab(arguments);
            QCOMPARE(refused.exitCode, 2);
            QVERIFY2(refused.output.contains(QStringLiteral("not a saved run"))
                    && refused.output.contains(QStringLiteral("not valid JSON")),
                qPrintable(refused.output));
        }
        QCOMPARE(runLab({ a, b, QStringLiteral("--headless") }).exitCode, 2);
    }

    void aSavedRunCannotBePlayedHeadless()
    {
        QTemporaryDir dir;
        const QString trace = dir.filePath(QStringLiteral("run.json"));
        QVERIFY(recordRun(dir, trace));
        const LabRun run = runLab({ trace, QStringLiteral("--headless") });
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.output.contains(QStringLiteral("a saved run needs the window")), qPrintable(run.output));
    }
};

QTEST_GUILESS_MAIN(TestThreadLabCli)
#include "tst_threadlabcli.moc"
