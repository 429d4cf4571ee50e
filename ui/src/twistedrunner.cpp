// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/inspect/scenario.h>
#include <qtwisted/ui/twistedrunner.h>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QTemporaryDir>

namespace qtwisted {

namespace {
constexpr int kProbeMs = 10000;
} // namespace

TwistedRunner::TwistedRunner(QObject* parent)
    : QObject(parent)
{
}

TwistedRunner::~TwistedRunner()
{
    if (m_process) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(1000);
    }
}

QString TwistedRunner::python()
{
    QString fromEnv = qEnvironmentVariable("QTWISTED_PYTHON");
    if (!fromEnv.isEmpty())
        return fromEnv;
    // Debian's interpreter is the one python3-twisted installs into; a PATH may put another python3 first.
    if (QFileInfo(QStringLiteral("/usr/bin/python3")).isExecutable())
        return QStringLiteral("/usr/bin/python3");
    return QStandardPaths::findExecutable(QStringLiteral("python3"));
}

QString TwistedRunner::script()
{
    QString fromEnv = qEnvironmentVariable("QTWISTED_TWISTED_SCRIPT");
    if (!fromEnv.isEmpty())
        return fromEnv;
    const QString installed = QDir(QCoreApplication::applicationDirPath())
                                  .filePath(QStringLiteral("../share/qtwisted/twisted-scenario.py"));
    if (QFileInfo::exists(installed))
        return QDir::cleanPath(installed);
#ifdef QTWISTED_SOURCE_DIR
    QString source = QStringLiteral(QTWISTED_SOURCE_DIR "/scripts/twisted-scenario.py");
    if (QFileInfo::exists(source))
        return source;
#endif
    return {};
}

QString TwistedRunner::unavailableReason()
{
    if (m_unavailable)
        return *m_unavailable;
    const QString interpreter = python();
    if (script().isEmpty()) {
        m_unavailable = tr("twisted-scenario.py was not found (set QTWISTED_TWISTED_SCRIPT to its path).");
    } else if (interpreter.isEmpty()) {
        m_unavailable = tr("Python 3 is not installed: sudo apt-get install python3 python3-twisted");
    } else {
        QProcess probe;
        probe.start(interpreter, { QStringLiteral("-c"), QStringLiteral("import twisted") });
        const bool ran = probe.waitForFinished(kProbeMs);
        if (!ran || probe.exitStatus() != QProcess::NormalExit || probe.exitCode() != 0) {
            probe.kill();
            m_unavailable
                = tr("Twisted is not installed for %1: sudo apt-get install python3-twisted").arg(interpreter);
        } else {
            m_unavailable = QString();
        }
    }
    return *m_unavailable;
}

bool TwistedRunner::start(const Scenario& scenario, int timeoutSeconds)
{
    if (isRunning() || !unavailableReason().isEmpty())
        return false;
    m_dir = std::make_unique<QTemporaryDir>();
    const QString scenarioPath = m_dir->filePath(QStringLiteral("scenario.json"));
    QFile file(scenarioPath);
    const QByteArray json = toJson(scenario);
    if (!m_dir->isValid() || !file.open(QIODevice::WriteOnly) || file.write(json) != json.size()) {
        const QString why = tr("Twisted's run of %1 could not start: cannot write %2 (%3)")
                                .arg(scenario.name, scenarioPath, file.errorString());
        // Reported as any other end (from the event loop, so that the caller sees start() return first).
        QMetaObject::invokeMethod(
            this, [this, why] { Q_EMIT finished(QString(), why, false); }, Qt::QueuedConnection);
        return true;
    }
    file.close();
    m_tracePath = m_dir->filePath(QStringLiteral("twisted.json"));
    m_name = scenario.name;
    m_lastLine.clear();
    m_gaveUpLine.clear();
    m_process = new QProcess(this);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    connect(m_process, &QProcess::readyRead, this, &TwistedRunner::readLines);
    connect(m_process, &QProcess::finished, this,
        [this](int exitCode, QProcess::ExitStatus status) { onFinished(exitCode, status != QProcess::NormalExit); });
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart) // emitted inside QProcess::start(): report it from the event loop
            QMetaObject::invokeMethod(
                this, [this] { onFinished(-1, true); }, Qt::QueuedConnection);
    });
    // Lines as they are printed (a pipe would otherwise hold them until the script ends).
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PYTHONUNBUFFERED"), QStringLiteral("1"));
    m_process->setProcessEnvironment(env);
    QStringList arguments { script(), scenarioPath, QStringLiteral("--export-trace"), m_tracePath };
    if (timeoutSeconds > 0)
        arguments << QStringLiteral("--timeout") << QString::number(timeoutSeconds);
    m_process->start(python(), arguments);
    return true;
}

bool TwistedRunner::isRunning() const
{
    return m_process != nullptr;
}

void TwistedRunner::cancel()
{
    if (m_process)
        m_process->kill();
}

void TwistedRunner::readLines()
{
    while (m_process && m_process->canReadLine()) {
        const QString line = QString::fromUtf8(m_process->readLine()).trimmed();
        if (line.isEmpty())
            continue;
        m_lastLine = line;
        if (line.contains(QStringLiteral("TIMED OUT")))
            m_gaveUpLine = line;
        Q_EMIT outputLine(line);
    }
}

void TwistedRunner::onFinished(int exitCode, bool crashed)
{
    if (!m_process)
        return;
    readLines();
    const QString rest = QString::fromUtf8(m_process->readAll()).trimmed();
    if (!rest.isEmpty()) {
        m_lastLine = rest;
        Q_EMIT outputLine(rest);
    }
    m_process->deleteLater();
    m_process = nullptr;
    const bool wroteTrace = QFileInfo(m_tracePath).size() > 0;
    const bool gaveUp = !crashed && exitCode == kExitGaveUp;
    Q_EMIT finished(wroteTrace && !crashed ? m_tracePath : QString(), endMessage(exitCode, crashed), gaveUp);
}

QString TwistedRunner::endMessage(int exitCode, bool crashed) const
{
    if (crashed)
        return tr("Twisted's run of %1 did not finish (the script was stopped or could not start)").arg(m_name);
    if (exitCode == kExitGaveUp)
        return tr("Twisted never finished %1 — it hangs; the script gave up: %2")
            .arg(m_name, m_gaveUpLine.isEmpty() ? m_lastLine : m_gaveUpLine);
    if (exitCode != 0)
        return tr("Twisted's run of %1 failed (exit %2): %3").arg(m_name).arg(exitCode).arg(m_lastLine);
    return tr("Twisted played %1").arg(m_name);
}

} // namespace qtwisted
