// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// A component as an embedding application writes it: probes a server in the reactor's pool every 10 s and reports
// the server offline after three misses in a row (30 s), back online at the next answer.
#pragma once

#include <qtwisted/reactor.h>
#include <qtwisted/threads.h>

#include <QObject>

#include <functional>
#include <memory>
#include <optional>
#include <utility>

class Heartbeat : public QObject {
    Q_OBJECT
public:
    static constexpr double kInterval = 10.0;
    static constexpr int kMisses = 3;

    Heartbeat(qtwisted::Reactor& reactor, std::function<bool()> probe, QObject* parent = nullptr)
        : QObject(parent)
        , m_reactor(reactor)
        , m_probe(std::move(probe))
    {
    }
    ~Heartbeat() override { stop(); }
    Heartbeat(const Heartbeat&) = delete;
    Heartbeat& operator=(const Heartbeat&) = delete;
    Heartbeat(Heartbeat&&) = delete;
    Heartbeat& operator=(Heartbeat&&) = delete;

    /// Probes now, then every kInterval seconds.
    void start()
    {
        m_alive = std::make_shared<bool>(true);
        beat();
    }
    /// No probe is scheduled after this; a probe running now is ignored when it answers.
    void stop()
    {
        if (m_next && m_next->active())
            m_next->cancel();
        m_next.reset();
        m_alive.reset();
    }
    bool online() const { return m_online; }
    int missed() const { return m_missed; }

Q_SIGNALS:
    void wentOffline();
    void cameBack();

private:
    void beat()
    {
        std::weak_ptr<bool> alive = m_alive;
        qtwisted::threads::deferToThreadPool(m_reactor, m_reactor.getThreadPool(), m_probe)
            .addCallback([this, alive](bool answered) {
                if (alive.expired())
                    return;
                answered ? answer() : miss();
                m_next = m_reactor.callLater(kInterval, [this] { beat(); });
            });
    }
    void answer()
    {
        m_missed = 0;
        if (!m_online) {
            m_online = true;
            Q_EMIT cameBack();
        }
    }
    void miss()
    {
        if (++m_missed == kMisses && m_online) {
            m_online = false;
            Q_EMIT wentOffline();
        }
    }

    qtwisted::Reactor& m_reactor;
    std::function<bool()> m_probe;
    std::shared_ptr<bool> m_alive;
    std::optional<qtwisted::DelayedCall> m_next;
    bool m_online = true;
    int m_missed = 0;
};
