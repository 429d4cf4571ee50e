// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// A seeded monkey over the Thread Lab window: random clicks, double clicks, drags, wheel turns (with and without
// Ctrl) and keys, while the reactor runs. The window must stay alive and responsive, and the recording consistent
// (issue 18). Three seeds; QTWISTED_MONKEY_ACTIONS sets how many actions each (default 1000).
#include <qtwisted/inspect/labcontroller.h>
#include <qtwisted/inspect/tracedata.h>
#include <qtwisted/reactor.h>
#include <qtwisted/ui/mainwindow.h>

#include <QAbstractButton>
#include <QApplication>
#include <QDialog>
#include <QMenuBar>
#include <QMessageBox>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace qtwisted;

class TestMonkey : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void randomInputLeavesTheWindowAlive_data()
    {
        QTest::addColumn<quint32>("seed");
        QTest::newRow("seed 1") << quint32 { 1 };
        QTest::newRow("seed 2") << quint32 { 2 };
        QTest::newRow("seed 3") << quint32 { 3 };
    }

    void randomInputLeavesTheWindowAlive()
    {
        QFETCH(quint32, seed);
        const int actions = qEnvironmentVariableIsSet("QTWISTED_MONKEY_ACTIONS")
            ? qEnvironmentVariableIntValue("QTWISTED_MONKEY_ACTIONS")
            : 1000;
        Reactor reactor;
        QSignalSpy started(&reactor, &Reactor::started);
        LabController controller(reactor);
        MainWindow window(controller);
        window.resize(1500, 950);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        if (!reactor.isRunning())
            QVERIFY(started.wait(5000));

        QRandomGenerator rng(seed);
        const int menuBottom = window.menuBar()->geometry().bottom();
        // What a monkey must not press: what ends the run (Stop reactor) — the test is about surviving input.
        auto forbidden = [](QWidget* w) {
            for (QWidget* p = w; p; p = p->parentWidget()) {
                const QString name = p->objectName();
                if (name == QLatin1String("stopReactorButton") || name == QLatin1String("stopReactorConfirm")
                    || qobject_cast<QMenuBar*>(p))
                    return true;
            }
            return false;
        };
        const Qt::Key keys[] = { Qt::Key_Left, Qt::Key_Right, Qt::Key_Up, Qt::Key_Down, Qt::Key_PageUp,
            Qt::Key_PageDown, Qt::Key_Home, Qt::Key_End, Qt::Key_Tab, Qt::Key_Backspace, Qt::Key_Escape, Qt::Key_Space,
            Qt::Key_Return, Qt::Key_Plus, Qt::Key_Minus, Qt::Key_1, Qt::Key_0, Qt::Key_A };
        for (int i = 0; i < actions; ++i) {
            // Dialogs a click opened (the side-by-side sources, a confirmation) are closed again.
            for (QWidget* top : QApplication::topLevelWidgets()) {
                if (top != &window && top->isVisible() && qobject_cast<QDialog*>(top))
                    top->close();
            }
            const QPoint at(
                rng.bounded(window.width()), menuBottom + 1 + rng.bounded(window.height() - menuBottom - 1));
            QWidget* target = window.childAt(at);
            if (!target || forbidden(target))
                continue;
            const QPoint local = target->mapFrom(&window, at);
            const Qt::KeyboardModifiers mods = rng.bounded(4) == 0
                ? Qt::ControlModifier
                : (rng.bounded(6) == 0 ? Qt::ShiftModifier : Qt::NoModifier);
            switch (rng.bounded(6)) {
            case 0:
            case 1:
                QTest::mouseClick(target, rng.bounded(5) == 0 ? Qt::RightButton : Qt::LeftButton, mods, local);
                break;
            case 2:
                QTest::mouseDClick(target, Qt::LeftButton, mods, local);
                break;
            case 3: {
                const QPoint to = local + QPoint(rng.bounded(-300, 300), rng.bounded(-60, 60));
                QTest::mousePress(target, Qt::LeftButton, mods, local);
                QTest::mouseMove(target, (local + to) / 2);
                QTest::mouseMove(target, to);
                QTest::mouseRelease(target, Qt::LeftButton, mods, to);
                break;
            }
            case 4: {
                QWheelEvent wheel(QPointF(local), QPointF(target->mapToGlobal(local)), QPoint(),
                    QPoint(0, rng.bounded(2) == 0 ? 120 : -120), Qt::NoButton, mods, Qt::NoScrollPhase, false);
                QApplication::sendEvent(target, &wheel);
                break;
            }
            default:
                QTest::keyClick(target, keys[rng.bounded(static_cast<int>(std::size(keys)))],
                    mods == Qt::ControlModifier ? Qt::NoModifier : mods);
                break;
            }
            if (i % 20 == 0)
                QTest::qWait(5); // let the reactor, the pool and the 16 ms refresh run between bursts
        }
        for (QWidget* top : QApplication::topLevelWidgets()) {
            if (top != &window && top->isVisible() && qobject_cast<QDialog*>(top))
                top->close();
        }
        // Alive and responsive: the reactor still runs calls, the window still repaints, the books add up.
        QVERIFY(reactor.isRunning());
        bool ran = false;
        reactor.callFromThread([&ran] { ran = true; });
        QTRY_VERIFY_WITH_TIMEOUT(ran, 5000);
        window.repaint();
        QVERIFY(window.isVisible());
        controller.cancelAll();
        controller.drain();
        const PoolStats s = controller.poolStats();
        QVERIFY(s.completed + s.failed + s.cancelled + s.refused <= s.submitted);
        QCOMPARE(controller.traceData().droppedEvents(), std::uint64_t { 0 });
    }
};

QTEST_MAIN(TestMonkey)
#include "tst_monkey.moc"
