// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// A widget application that keeps its GUI responsive while deferToThread does the work: the worker reports progress
// with callFromThread (the only way a worker touches the GUI), the result arrives as the Deferred's callback in the
// GUI thread, and a heartbeat timer proves the event loop never stalled. The application runs its own loop
// (app.exec(), no Reactor::run()).
//   --autoquit   start at once and quit when done; exit code 0 if the GUI stayed responsive (CTest runs this)
#include <qtwisted/deferred.h>
#include <qtwisted/reactor.h>
#include <qtwisted/threads.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QLabel>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QThread>
#include <QTimer>
#include <QVBoxLayout>
#include <QWidget>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <thread>

using namespace std::chrono_literals;

namespace {

constexpr int kSteps = 40;
constexpr auto kStepTime = 50ms; // the "work": 40 × 50 ms = 2 s of blocking per run

class Window : public QWidget {
public:
    Window()
    {
        setWindowTitle(QStringLiteral("qtwisted — progress"));
        auto* layout = new QVBoxLayout(this);
        m_start = new QPushButton(QStringLiteral("Start"), this);
        m_start->setObjectName(QStringLiteral("start"));
        m_progress = new QProgressBar(this);
        m_progress->setRange(0, kSteps);
        m_status = new QLabel(QStringLiteral("idle"), this);
        m_heartbeat = new QLabel(this);
        layout->addWidget(m_start);
        layout->addWidget(m_progress);
        layout->addWidget(m_status);
        layout->addWidget(m_heartbeat);
        connect(m_start, &QPushButton::clicked, this, &Window::onStartClicked);

        // Ticks every 10 ms in the GUI thread; the longest gap between ticks is how long the GUI was frozen.
        m_beat.setInterval(10);
        connect(&m_beat, &QTimer::timeout, this, [this] {
            const qint64 gap = m_sinceBeat.restart();
            if (m_running)
                m_longestGap = std::max(m_longestGap, gap);
            ++m_beats;
            m_heartbeat->setText(
                QStringLiteral("heartbeat %1, longest gap while working %2 ms").arg(m_beats).arg(m_longestGap));
        });
        m_sinceBeat.start();
        m_beat.start();
    }

    /// Called when a run finished (result or error).
    std::function<void(bool ok)> onFinished;

    qint64 longestGap() const { return m_longestGap; }
    int progressReports() const { return m_reports; }

    void onStartClicked()
    {
        m_start->setEnabled(false);
        m_running = true;
        m_reports = 0;
        m_progress->setValue(0);
        m_status->setText(QStringLiteral("working…"));
        auto& reactor = qtwisted::Reactor::instance();
        QPointer<Window> self(this);
        // The job runs in a pool thread. It must not touch widgets: it posts each progress value to the GUI thread.
        auto work = [&reactor, self] {
            long long checksum = 0;
            for (int step = 1; step <= kSteps; ++step) {
                std::this_thread::sleep_for(kStepTime); // blocking work
                checksum += step;
                reactor.callFromThread([self, step] {
                    if (self)
                        self->reportProgress(step);
                });
            }
            return checksum;
        };
        qtwisted::threads::deferToThread(work).addBoth([self](const qtwisted::Outcome<long long>& outcome) {
            if (self)
                self->finish(outcome);
        });
    }

private:
    void reportProgress(int step)
    {
        ++m_reports;
        m_progress->setValue(step);
    }

    void finish(const qtwisted::Outcome<long long>& outcome)
    {
        m_running = false;
        m_start->setEnabled(true);
        m_status->setText(outcome.ok() ? QStringLiteral("done: checksum %1").arg(outcome.value())
                                       : QStringLiteral("failed: %1").arg(outcome.failure().message()));
        if (onFinished)
            onFinished(outcome.ok());
    }

    QPushButton* m_start = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_heartbeat = nullptr;
    QTimer m_beat;
    QElapsedTimer m_sinceBeat;
    qint64 m_longestGap = 0;
    int m_beats = 0;
    int m_reports = 0;
    bool m_running = false;
};

} // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption autoquit(QStringLiteral("autoquit"), QStringLiteral("Run once, then quit (for tests)."));
    parser.addOption(autoquit);
    parser.process(app);

    qtwisted::Reactor::instance(); // the GUI thread is the reactor thread
    Window window;
    window.resize(420, 160);
    window.show();

    int rc = 0;
    if (parser.isSet(autoquit)) {
        window.onFinished = [&window, &rc](bool ok) {
            // The worker blocks 2 s in total: a GUI that waited for it would show a gap that long. Scheduling on a busy
            // machine may pause it briefly, hence the generous bound.
            const bool responsive = window.longestGap() < 1000;
            const bool progressed = window.progressReports() == kSteps;
            std::printf("finished %s, progress reports %d/%d, longest GUI gap %lld ms\n", ok ? "ok" : "with an error",
                window.progressReports(), kSteps, static_cast<long long>(window.longestGap()));
            rc = ok && responsive && progressed ? 0 : 1;
            qtwisted::Reactor::instance().stop(); // shuts the reactor down and quits the application
        };
        QTimer::singleShot(0, &window, &Window::onStartClicked);
        QTimer::singleShot(30'000, &app, [&rc] {
            std::printf("watchdog: the work did not finish\n");
            rc = 2;
            QApplication::quit();
        });
    }
    const int loop = QApplication::exec();
    return loop != 0 ? loop : rc;
}
