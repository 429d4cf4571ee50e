// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Uses QTwisted::Inspect the way an application would: a built-in scenario (compiled-in resources, which a static
// library's users must link too) and a recorded run exported as a Chrome trace. Exit code 0 = all good.
#include <qtwisted/inspect/scenario.h>
#include <qtwisted/inspect/tracedata.h>
#include <qtwisted/inspect/traceexport.h>
#include <qtwisted/threadpool.h>
#include <qtwisted/trace.h>

#include <QBuffer>
#include <QCoreApplication>

#include <cstdio>

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const qtwisted::ScenarioParseResult scenario = qtwisted::loadBuiltinScenario(QStringLiteral("howto-deferToThread"));

    qtwisted::TraceRecorder recorder;
    qtwisted::TraceData data;
    {
        qtwisted::ThreadPool pool(1, 2, QStringLiteral("consumer"));
        recorder.attach(pool);
        pool.start();
        for (int i = 0; i < 3; ++i) {
            pool.callInThread([] {});
        }
        pool.stop();
        recorder.detach(pool);
    }
    std::vector<qtwisted::TraceEvent> events;
    recorder.drain(events);
    data.append(events);
    QBuffer out;
    out.open(QIODevice::WriteOnly);
    const bool exported = qtwisted::exportChromeTrace(data, out);

    std::printf("qtwisted inspect consumer (%s): built-in scenario %d, jobs recorded %d, exported %d\n",
        QTWISTED_CONSUMER_HOW, int(scenario.scenario.has_value()), int(data.jobs().size()), int(exported));
    return scenario.scenario.has_value() && data.jobs().size() == 3 && exported ? 0 : 1;
}
