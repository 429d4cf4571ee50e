// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/diagnostics.h>
#include <qtwisted/inspect/labcontroller.h>
#include <qtwisted/inspect/runcomparison.h>
#include <qtwisted/inspect/scenario.h>
#include <qtwisted/inspect/traceexport.h>
#include <qtwisted/reactor.h>
#include <qtwisted/ui/mainwindow.h>
#include <qtwisted/ui/twistedrunner.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QTextStream>
#include <QTimer>

#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>

using namespace qtwisted;

namespace {

QTextStream& out()
{
    static QTextStream stream(stdout);
    return stream;
}

QTextStream& err()
{
    static QTextStream stream(stderr);
    return stream;
}

/// Options that need no window: the application is then a QCoreApplication (no display needed).
bool wantsNoWindow(int argc, char** argv)
{
    for (int i = 1; i < argc; ++i) {
        for (const char* option :
            { "--headless", "--list-scenarios", "--compare", "--help", "-h", "--help-all", "--version", "-v" })
            if (std::strcmp(argv[i], option) == 0)
                return true;
    }
    return false;
}

/// A file if one exists at `nameOrPath`, else a built-in scenario of that name.
ScenarioParseResult resolveScenario(const QString& nameOrPath)
{
    if (QFileInfo(nameOrPath).isFile()) {
        QFile file(nameOrPath);
        if (file.size() > ScenarioLimits::maxFileBytes) {
            ScenarioParseResult r;
            r.error = QStringLiteral("%1: the file is %2 bytes, more than the limit of %3 bytes")
                          .arg(nameOrPath)
                          .arg(file.size())
                          .arg(ScenarioLimits::maxFileBytes);
            return r;
        }
        if (!file.open(QIODevice::ReadOnly)) {
            ScenarioParseResult r;
            r.error = QStringLiteral("%1: %2").arg(nameOrPath, file.errorString());
            return r;
        }
        ScenarioParseResult r = parseScenario(file.readAll());
        if (!r)
            r.error = nameOrPath + QStringLiteral(": ") + r.error;
        return r;
    }
    return loadBuiltinScenario(nameOrPath);
}

/// Reads a saved run for --compare; the error says which file and why.
std::optional<TraceData> readRun(const QString& path, QString& error)
{
    QFile file(path);
    if (file.size() > kMaxTraceImportBytes) {
        error = QStringLiteral("%1: the file is %2 bytes, more than the limit of %3")
                    .arg(path)
                    .arg(file.size())
                    .arg(kMaxTraceImportBytes);
        return std::nullopt;
    }
    if (!file.open(QIODevice::ReadOnly)) {
        error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    TraceImport imported = importChromeTrace(file.readAll());
    if (!imported.data) {
        error = QStringLiteral("%1: not a saved run (%2)").arg(path, imported.error);
        return std::nullopt;
    }
    return std::move(imported.data);
}

/// After a scenario ends, how long to wait before exporting: a few of the monitor's 25 ms samples, so that a finding
/// that ended with the scenario's last job (a stall ends when its call returns) is recorded as ended.
constexpr int kSettleMs = 150;

/// Exit code of a headless run with --fail-on-problems when a Warning or Critical finding occurred.
constexpr int kExitProblems = 3;

QString formatMs(std::int64_t ns)
{
    return QStringLiteral("%1 ms").arg(static_cast<double>(ns) / 1e6, 0, 'f', 0);
}

/// One line per finding (severity, rule, start from the trace's origin, duration, message); returns whether any was
/// a Warning or Critical.
bool printFindings(const TraceData& data)
{
    const std::vector<FindingRecord>& findings = data.findings();
    out() << QStringLiteral("findings: %1").arg(findings.size()) << Qt::endl;
    bool problems = false;
    for (const FindingRecord& f : findings) {
        problems |= f.severity != DiagnosticSeverity::Info;
        const QString duration = f.endNs == kNoTime
            ? QStringLiteral("ongoing %1").arg(formatMs(data.latestNs() - f.startNs))
            : formatMs(f.endNs - f.startNs);
        out() << QStringLiteral("  %1 %2 at %3 for %4: %5")
                     .arg(toString(f.severity).toUpper(), toString(f.rule), formatMs(f.startNs - data.timeOrigin()),
                         duration, f.message)
              << Qt::endl;
    }
    return problems;
}

bool writeExport(const QString& path, bool (*write)(const TraceData&, QIODevice&), const TraceData& data)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || !write(data, file) || !file.commit()) {
        err() << QStringLiteral("thread-lab: could not write %1: %2").arg(path, file.errorString()) << Qt::endl;
        return false;
    }
    return true;
}

/// Why an output file cannot be written there (empty: it can): checked before a scenario plays, so that a typo in a
/// path does not cost the whole run. QSaveFile writes a temporary file beside the target, so the folder must take one.
QString outputProblem(const QString& path)
{
    const QFileInfo info(path);
    if (info.isDir())
        return QStringLiteral("%1 is a folder").arg(path);
    const QFileInfo dir(info.absolutePath());
    if (!dir.exists())
        return QStringLiteral("the folder %1 does not exist").arg(dir.filePath());
    if (!dir.isDir() || !dir.isWritable())
        return QStringLiteral("the folder %1 cannot be written").arg(dir.filePath());
    if (info.exists() && !info.isWritable())
        return QStringLiteral("%1 exists and cannot be overwritten").arg(path);
    return {};
}

} // namespace

int main(int argc, char** argv)
{
    const bool noWindow = wantsNoWindow(argc, argv);
    std::unique_ptr<QCoreApplication> app
        = noWindow ? std::make_unique<QCoreApplication>(argc, argv) : std::make_unique<QApplication>(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("thread-lab"));
    QCoreApplication::setApplicationVersion(QStringLiteral(QTWISTED_VERSION));
    QCoreApplication::setOrganizationName(QStringLiteral("qtwisted"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Thread Lab: queue jobs through Twisted's threading APIs and watch the pool work."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption scenarioOption(QStringLiteral("scenario"),
        QStringLiteral("Play a scenario: a JSON file, or the name of a built-in one."), QStringLiteral("FILE|NAME"));
    const QCommandLineOption headlessOption(
        QStringLiteral("headless"), QStringLiteral("No window: play the scenario, print a summary, exit."));
    const QCommandLineOption traceOption(QStringLiteral("export-trace"),
        QStringLiteral("When the scenario ends, write the trace (Chrome JSON)."), QStringLiteral("out.json"));
    const QCommandLineOption csvOption(QStringLiteral("export-csv"),
        QStringLiteral("When the scenario ends, write the jobs (CSV)."), QStringLiteral("out.csv"));
    const QCommandLineOption screenshotOption(QStringLiteral("screenshot"),
        QStringLiteral("Grab the window into a PNG when the scenario ends (or after --screenshot-after), then quit."),
        QStringLiteral("out.png"));
    const QCommandLineOption screenshotAfterOption(QStringLiteral("screenshot-after"),
        QStringLiteral("Take the screenshot this many ms after start instead."), QStringLiteral("ms"));
    const QCommandLineOption failOnProblemsOption(QStringLiteral("fail-on-problems"),
        QStringLiteral("With --headless: exit with status 3 when the diagnostics monitor reported any warning or "
                       "critical finding (the summary lists every finding)."));
    const QCommandLineOption compareOption(QStringLiteral("compare"),
        QStringLiteral("Compare two saved runs, A and B (--compare A.json B.json): makespan, throughput, wait and run "
                       "p50/p95, busy %, peak backlog, each with B / A. Prints the table and exits."),
        QStringLiteral("A.json"));
    const QCommandLineOption twistedOption(QStringLiteral("twisted"),
        QStringLiteral("With a window: play each scenario in real Twisted (python3-twisted) as well, and show both "
                       "runs compared (Compare → Run in Twisted too)."));
    const QCommandLineOption listOption(
        QStringLiteral("list-scenarios"), QStringLiteral("List the built-in scenarios."));
    parser.addOptions({ scenarioOption, headlessOption, traceOption, csvOption, screenshotOption, screenshotAfterOption,
        failOnProblemsOption, listOption, compareOption, twistedOption });
    parser.addPositionalArgument(QStringLiteral("file"),
        QStringLiteral("A saved run (a trace Thread Lab or Perfetto wrote) to open, or a scenario file to play; a "
                       "second saved run is drawn below the first on the same time axis, compared."),
        QStringLiteral("[file [file]]"));
    parser.process(*app);

    if (parser.isSet(listOption)) {
        for (const QString& name : builtinScenarioNames()) {
            const ScenarioParseResult s = loadBuiltinScenario(name);
            out() << name.leftJustified(32)
                  << (s ? s.scenario->description.section(QStringLiteral(". "), 0, 0) : s.error) << '\n';
        }
        out().flush();
        return 0;
    }

    if (parser.isSet(compareOption)) {
        const QStringList rest = parser.positionalArguments();
        if (rest.size() != 1) {
            err() << "thread-lab: --compare takes two saved runs: --compare A.json B.json" << Qt::endl;
            return 2;
        }
        const QString pathA = parser.value(compareOption);
        const QString& pathB = rest.front();
        QString error;
        const std::optional<TraceData> a = readRun(pathA, error);
        const std::optional<TraceData> b = a ? readRun(pathB, error) : std::nullopt;
        if (!a || !b) {
            err() << "thread-lab: " << error << Qt::endl;
            return 2;
        }
        const RunSummary summaryA = summarizeRun(*a);
        const RunSummary summaryB = summarizeRun(*b);
        for (const auto& [path, summary] : { std::pair { pathA, summaryA }, std::pair { pathB, summaryB } }) {
            if (summary.poolJobs == 0) {
                err() << "thread-lab: " << path << ": an empty run (no pool job): nothing to compare" << Qt::endl;
                return 2;
            }
        }
        out() << compareRunsTable(summaryA, summaryB, QFileInfo(pathA).fileName(), QFileInfo(pathB).fileName());
        out().flush();
        return 0;
    }

    std::optional<Scenario> scenario;
    // `thread-lab FILE`, as `hotspot perf.data` or `tracy-profiler file.tracy`: a scenario file is played, anything
    // else is opened as a saved run (in the window, once it exists).
    const QStringList files = parser.positionalArguments();
    QString traceToOpen;
    QString traceToCompare; // `thread-lab A.json B.json`: A opened, B drawn below it on the same axis
    QString scenarioFileError;
    if (files.size() > 2) {
        err() << "thread-lab: at most two files: a saved run, or two to compare (got " << files.size() << ")"
              << Qt::endl;
        return 2;
    }
    if (files.size() == 2) {
        for (const QString& file : files) {
            if (!QFileInfo(file).isFile()) {
                err() << "thread-lab: " << file << ": no such file" << Qt::endl;
                return 2;
            }
        }
        if (parser.isSet(scenarioOption) || parser.isSet(headlessOption)) {
            err() << "thread-lab: two saved runs are compared in the window (--compare A.json B.json prints the "
                     "table headless), without --scenario or --headless"
                  << Qt::endl;
            return 2;
        }
        traceToOpen = files.at(0);
        traceToCompare = files.at(1);
    } else if (!files.isEmpty()) {
        const QString& file = files.front();
        if (parser.isSet(scenarioOption)) {
            err() << "thread-lab: give a file or --scenario, not both" << Qt::endl;
            return 2;
        }
        if (!QFileInfo(file).isFile()) {
            err() << "thread-lab: " << file << ": no such file" << Qt::endl;
            return 2;
        }
        ScenarioParseResult parsed = resolveScenario(file);
        if (parsed) {
            scenario = std::move(parsed.scenario);
        } else {
            scenarioFileError = parsed.error;
            traceToOpen = file;
        }
    }
    if (!traceToOpen.isEmpty() && parser.isSet(headlessOption)) {
        err() << "thread-lab: " << traceToOpen << " is not a scenario (" << scenarioFileError
              << "); --headless plays scenarios, and a saved run needs the window" << Qt::endl;
        return 2;
    }
    if (parser.isSet(scenarioOption)) {
        ScenarioParseResult parsed = resolveScenario(parser.value(scenarioOption));
        if (!parsed) {
            err() << "thread-lab: " << parsed.error << Qt::endl;
            return 2;
        }
        scenario = std::move(parsed.scenario);
    }
    const bool headless = parser.isSet(headlessOption);
    if (headless && !scenario) {
        err() << "thread-lab: --headless needs --scenario" << Qt::endl;
        return 2;
    }
    int screenshotAfter = -1;
    if (parser.isSet(screenshotAfterOption)) {
        bool ok = false;
        screenshotAfter = parser.value(screenshotAfterOption).toInt(&ok);
        if (!ok || screenshotAfter < 0 || screenshotAfter > 3'600'000) {
            err() << "thread-lab: --screenshot-after must be an integer in 0..3600000" << Qt::endl;
            return 2;
        }
    }
    if (!headless && parser.isSet(failOnProblemsOption)) {
        err() << "thread-lab: --fail-on-problems needs --headless" << Qt::endl;
        return 2;
    }
    if (headless && parser.isSet(twistedOption)) {
        err() << "thread-lab: --twisted needs a window (scripts/twisted-scenario.py plays a scenario in Twisted "
                 "headless)"
              << Qt::endl;
        return 2;
    }
    if (headless && parser.isSet(screenshotOption)) {
        err() << "thread-lab: --screenshot needs a window (drop --headless)" << Qt::endl;
        return 2;
    }
    for (const QCommandLineOption* output : { &traceOption, &csvOption, &screenshotOption }) {
        if (!parser.isSet(*output))
            continue;
        const QString problem = outputProblem(parser.value(*output));
        if (!problem.isEmpty()) {
            err() << "thread-lab: --" << output->names().constFirst() << ": " << problem << " (nothing was run)"
                  << Qt::endl;
            return 2;
        }
    }

    // Embedded mode: the reactor is never run(); it starts when app.exec() spins and shuts down (draining the pool)
    // on aboutToQuit.
    Reactor reactor;
    LabController controller(reactor);
    std::unique_ptr<MainWindow> window;
    int exitCode = 0;
    bool exported = false;
    auto exportAll = [&] {
        if (exported)
            return;
        exported = true;
        controller.drain();
        if (parser.isSet(traceOption)
            && !writeExport(parser.value(traceOption), exportChromeTrace, controller.liveData()))
            exitCode = 1;
        if (parser.isSet(csvOption) && !writeExport(parser.value(csvOption), exportJobsCsv, controller.liveData()))
            exitCode = 1;
    };
    auto screenshot = [&] {
        if (!window)
            return;
        controller.drain();
        window->repaint();
        const QString path = parser.value(screenshotOption);
        if (!window->grab().save(path, "PNG")) {
            err() << "thread-lab: could not write " << path << Qt::endl;
            exitCode = 1;
        }
        window->close();
        QCoreApplication::quit();
    };

    // Everything the connections below capture by reference lives until app->exec() returns: at function scope,
    // not in the branches (ASan: stack-use-after-scope once the loop ran the lambdas).
    QElapsedTimer clock;
    int lastPercent = -1;
    std::function<void()> finish;
    const bool wantsShot = parser.isSet(screenshotOption);
    if (headless) {
        clock.start();
        QObject::connect(
            &controller, &LabController::scenarioProgress, &controller, [&](const QString& name, int done, int total) {
                const int percent = total > 0 ? done * 100 / total : 100;
                if (percent / 10 == lastPercent / 10 && done != total)
                    return;
                lastPercent = percent;
                out() << QStringLiteral("%1: %2/%3 jobs ended (%4 %), %5 s")
                             .arg(name)
                             .arg(done)
                             .arg(total)
                             .arg(percent)
                             .arg(static_cast<double>(clock.elapsed()) / 1000.0, 0, 'f', 1)
                      << Qt::endl;
            });
        QObject::connect(&controller, &LabController::outputLine, &controller,
            [](const QDateTime&, const QString& thread, const QString& text) {
                out() << thread << ": " << text << Qt::endl;
            });
        finish = [&] {
            if (exported)
                return;
            exportAll();
            const PoolStats s = controller.poolStats();
            out() << QStringLiteral(
                "summary: %1 jobs completed, %2 failed, %3 cancelled, %4 ms, %5 trace events dropped")
                         .arg(s.completed)
                         .arg(s.failed)
                         .arg(s.cancelled)
                         .arg(clock.elapsed())
                         .arg(controller.liveData().droppedEvents())
                  << Qt::endl;
            if (printFindings(controller.liveData()) && parser.isSet(failOnProblemsOption) && exitCode == 0)
                exitCode = kExitProblems;
            QTimer::singleShot(0, app.get(), &QCoreApplication::quit);
        };
        QObject::connect(&controller, &LabController::scenarioFinished, &controller,
            [&] { QTimer::singleShot(kSettleMs, &controller, finish); });
        QObject::connect(app.get(), &QCoreApplication::aboutToQuit, &controller, finish);
        controller.runScenario(*scenario, true);
    } else {
        window = std::make_unique<MainWindow>(controller);
        if (!traceToOpen.isEmpty()) {
            const QString error = window->openTrace(traceToOpen);
            if (!error.isEmpty()) {
                err() << "thread-lab: " << traceToOpen << " is neither a scenario (" << scenarioFileError
                      << ") nor a saved run (" << error << ")" << Qt::endl;
                return 2;
            }
            out() << "thread-lab: viewing " << traceToOpen << " (read-only)" << Qt::endl;
        }
        if (!traceToCompare.isEmpty()) {
            const QString error = window->compareWithFile(traceToCompare);
            if (!error.isEmpty()) {
                err() << "thread-lab: cannot compare: " << error << Qt::endl;
                return 2;
            }
        }
        if (parser.isSet(twistedOption)) {
            const QString error = window->setRunInTwisted(true);
            if (!error.isEmpty()) {
                err() << "thread-lab: --twisted: " << error << Qt::endl;
                return 2;
            }
        }
        window->show();
        if (scenario)
            window->runScenario(*scenario);
        if (wantsShot && screenshotAfter >= 0) {
            QTimer::singleShot(screenshotAfter, window.get(), [&] {
                exportAll();
                screenshot();
            });
        } else if (scenario && parser.isSet(twistedOption)) {
            // The picture shows both runs: taken once Twisted's has been compared (or has failed).
            QObject::connect(&controller, &LabController::scenarioFinished, window.get(),
                [&] { QTimer::singleShot(kSettleMs, window.get(), exportAll); });
            QObject::connect(window->twistedRunner(), &TwistedRunner::finished, window.get(), [&] {
                QTimer::singleShot(kSettleMs, window.get(), [&] {
                    if (wantsShot)
                        screenshot();
                });
            });
        } else if (scenario) {
            QObject::connect(&controller, &LabController::scenarioFinished, window.get(), [&] {
                QTimer::singleShot(kSettleMs, window.get(), [&] {
                    exportAll();
                    if (wantsShot)
                        screenshot();
                });
            });
        } else if (wantsShot) {
            QTimer::singleShot(1000, window.get(), screenshot);
        }
    }

    const int rc = app->exec();
    return rc != 0 ? rc : exitCode;
}
