// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>

#include <memory>
#include <optional>

class QProcess;
class QTemporaryDir;

namespace qtwisted {

struct Scenario;

/// Plays a scenario in real Twisted beside Thread Lab: runs `twisted-scenario.py` (Debian's python3-twisted) in the
/// background and hands back the trace it wrote, for the window to compare with qtwisted's run.
class TwistedRunner : public QObject {
    Q_OBJECT
public:
    /// The script's exit status when Twisted did not finish the scenario in time (a pool exhausted by blocking calls
    /// hangs for ever): it gave up, and the trace holds what happened until then.
    static constexpr int kExitGaveUp = 4;

    explicit TwistedRunner(QObject* parent = nullptr);
    ~TwistedRunner() override;

    /// The interpreter: $QTWISTED_PYTHON, else Debian's /usr/bin/python3, else python3 on the PATH.
    static QString python();
    /// The script: $QTWISTED_TWISTED_SCRIPT, else the installed one (<prefix>/share/qtwisted), else the source tree's.
    static QString script();
    /// Why Twisted cannot be run, with how to fix it (no script; no Python; no Twisted: `sudo apt-get install
    /// python3-twisted`); empty when it can. Runs the interpreter once (a fraction of a second) and remembers.
    QString unavailableReason();

    /// Plays `scenario` in Twisted, giving up after `timeoutSeconds` (0: the script's default, the scenario's
    /// scripted time + 30 s). False while another play runs or when unavailable (nothing started, no finished());
    /// once it returns true, finished() follows, also when the process cannot start.
    bool start(const Scenario& scenario, int timeoutSeconds = 0);
    bool isRunning() const;
    /// Stops a play (its process is killed); finished() follows with no trace.
    void cancel();

Q_SIGNALS:
    /// A line the script printed (its jobs' `print`, its summary, its errors).
    void outputLine(const QString& line);
    /// The play ended. `tracePath`: the trace it wrote (empty: none); `message`: what happened, for the status bar;
    /// `gaveUp`: Twisted did not finish in time (exit status kExitGaveUp).
    void finished(const QString& tracePath, const QString& message, bool gaveUp);

private:
    void onFinished(int exitCode, bool crashed);
    void readLines();
    QString endMessage(int exitCode, bool crashed) const;

    QProcess* m_process = nullptr;
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_tracePath;
    QString m_lastLine;
    QString m_gaveUpLine; ///< the script's "TIMED OUT: ..." line
    QString m_name;
    std::optional<QString> m_unavailable;
};

} // namespace qtwisted
