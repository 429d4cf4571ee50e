// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Every built-in scenario, played headless with its diagnostics monitor: the lessons about a problem show that
// problem, and the scenarios where nothing is wrong report nothing (docs/diagnostics.md).
#include <qtwisted/inspect/scenario.h>

#include <QProcess>
#include <QSet>
#include <QTest>

using namespace qtwisted;
using namespace Qt::StringLiterals;

class TestLessonFindings : public QObject {
    Q_OBJECT

    /// The rules each built-in scenario must report (as thread-lab --headless names them); empty: none at all.
    static QMap<QString, QStringList> expected()
    {
        return {
            { u"howto-blockingCallFromThread"_s, {} },
            { u"howto-callFromThread"_s, {} },
            { u"howto-callInThread"_s, {} },
            { u"howto-callMultipleInThread"_s, {} },
            { u"howto-deferToThread"_s, {} },
            { u"howto-suggestThreadPoolSize"_s, {} },
            { u"lesson-deferred-failures"_s, {} },
            { u"lesson-reactor-stall"_s, { u"reactor stall"_s } },
            { u"lesson-blocking-exhaustion"_s, { u"pool exhausted by blocking calls"_s } },
            // 4 workers saturated until the resize (the lesson's point); the 16 after it still are, for a while
            { u"lesson-resize-under-load"_s, { u"pool saturation"_s } },
            { u"lesson-starvation"_s, { u"pool saturation"_s, u"queue wait"_s } },
        };
    }

private Q_SLOTS:
    void everyBuiltInScenarioHasAnExpectation()
    {
        const auto known = expected();
        for (const QString& name : builtinScenarioNames())
            QVERIFY2(known.contains(name), qPrintable(u"no expectation for the built-in scenario "_s + name));
    }

    void scenarioReportsWhatItTeaches_data()
    {
        QTest::addColumn<QString>("scenario");
        QTest::addColumn<QStringList>("rules");
        const auto known = expected();
        for (auto it = known.begin(); it != known.end(); ++it)
            QTest::newRow(qPrintable(it.key())) << it.key() << it.value();
    }

    void scenarioReportsWhatItTeaches()
    {
        QFETCH(QString, scenario);
        QFETCH(QStringList, rules);
        QProcess lab;
        lab.setProcessChannelMode(QProcess::MergedChannels);
        lab.start(QStringLiteral(QTWISTED_THREAD_LAB), { u"--headless"_s, u"--scenario"_s, scenario });
        QVERIFY(lab.waitForFinished(120000));
        QCOMPARE(lab.exitCode(), 0);
        const QString output = QString::fromUtf8(lab.readAll());
        // The summary's finding lines: "  WARNING <rule> at <t> for <d>: <message>"
        QSet<QString> reported;
        for (const QString& line : output.split(u'\n')) {
            const QString t = line.trimmed();
            for (const char* severity : { "INFO ", "WARNING ", "CRITICAL " }) {
                if (!t.startsWith(QLatin1String(severity)))
                    continue;
                const QString rest = t.mid(static_cast<qsizetype>(qstrlen(severity)));
                reported.insert(rest.left(rest.indexOf(u" at "_s)));
            }
        }
        QVERIFY2(output.contains(u"findings: "_s), qPrintable(output));
        if (rules.isEmpty())
            QVERIFY2(reported.isEmpty(), qPrintable(output));
        for (const QString& rule : rules)
            QVERIFY2(reported.contains(rule), qPrintable(u"expected '"_s + rule + u"':\n"_s + output));
    }
};

QTEST_GUILESS_MAIN(TestLessonFindings)
#include "tst_lessonfindings.moc"
