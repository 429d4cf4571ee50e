// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/diagnostics.h>
#include <qtwisted/inspect/labcontroller.h>
#include <qtwisted/reactor.h>
#include <qtwisted/threadpool.h>
#include <qtwisted/ui/problemspanel.h>

#include <QApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace qtwisted {

namespace {

QIcon severityIcon(DiagnosticSeverity severity)
{
    QStyle* style = QApplication::style();
    switch (severity) {
    case DiagnosticSeverity::Critical:
        return style->standardIcon(QStyle::SP_MessageBoxCritical);
    case DiagnosticSeverity::Warning:
        return style->standardIcon(QStyle::SP_MessageBoxWarning);
    case DiagnosticSeverity::Info:
        break;
    }
    return style->standardIcon(QStyle::SP_MessageBoxInformation);
}

bool isProblem(const FindingRecord& f)
{
    return f.severity != DiagnosticSeverity::Info;
}

} // namespace

// ---- ProblemsModel -----------------------------------------------------------------------------------------------

ProblemsModel::ProblemsModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

QString ProblemsModel::formatDuration(std::int64_t ns)
{
    const double ms = static_cast<double>(std::max<std::int64_t>(0, ns)) / 1e6;
    if (ms < 1000.0)
        return tr("%1 ms").arg(ms, 0, 'f', 0);
    return tr("%1 s").arg(ms / 1000.0, 0, 'f', ms < 10000.0 ? 2 : 1);
}

void ProblemsModel::refresh(const TraceData& data, std::int64_t nowNs)
{
    m_originNs = data.timeOrigin();
    m_nowNs = nowNs;
    const std::vector<FindingRecord>& all = data.findings(); // oldest first
    std::vector<FindingRecord> rows(all.rbegin(), all.rend());

    // The usual change: new findings at the end of `all` (the top of the view), the others updated in place.
    const std::size_t old = m_rows.size();
    bool prefix = rows.size() >= old;
    for (std::size_t i = 0; prefix && i < old; ++i)
        prefix = all[i].id == m_rows[old - 1 - i].id;
    if (!prefix) {
        beginResetModel();
        m_rows = std::move(rows);
        endResetModel();
        return;
    }
    const auto added = static_cast<int>(rows.size() - old);
    if (added > 0) {
        beginInsertRows({}, 0, added - 1);
        m_rows = std::move(rows);
        endInsertRows();
    } else {
        m_rows = std::move(rows);
    }
    if (!m_rows.empty() && old > 0)
        Q_EMIT dataChanged(index(added, 0), index(rowCount() - 1, ColumnCount - 1));
}

const FindingRecord* ProblemsModel::finding(int row) const
{
    if (row < 0 || row >= rowCount())
        return nullptr;
    return &m_rows[static_cast<std::size_t>(row)];
}

int ProblemsModel::rowOf(quint64 id) const
{
    const auto it = std::find_if(m_rows.begin(), m_rows.end(), [id](const FindingRecord& f) { return f.id == id; });
    return it == m_rows.end() ? -1 : static_cast<int>(it - m_rows.begin());
}

int ProblemsModel::problemCount() const
{
    return static_cast<int>(std::count_if(m_rows.begin(), m_rows.end(), isProblem));
}

int ProblemsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int ProblemsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

std::int64_t ProblemsModel::durationNs(const FindingRecord& f) const
{
    return (f.endNs == kNoTime ? std::max(m_nowNs, f.startNs) : f.endNs) - f.startNs;
}

QVariant ProblemsModel::data(const QModelIndex& index, int role) const
{
    const FindingRecord* f = index.isValid() ? finding(index.row()) : nullptr;
    if (!f)
        return {};
    const bool ongoing = f->endNs == kNoTime;
    switch (role) {
    case FindingIdRole:
        return QVariant::fromValue(f->id);
    case Qt::DecorationRole:
        return index.column() == SeverityColumn ? QVariant(severityIcon(f->severity)) : QVariant();
    case Qt::ToolTipRole:
        return f->pool.isEmpty() ? f->message : tr("pool '%1': %2").arg(f->pool, f->message);
    case SortRole:
        switch (index.column()) {
        case SeverityColumn:
            return static_cast<int>(f->severity);
        case StartedColumn:
            return QVariant::fromValue(f->startNs);
        case DurationColumn:
            return QVariant::fromValue(durationNs(*f));
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::DisplayRole:
        switch (index.column()) {
        case SeverityColumn:
            return toString(f->severity);
        case RuleColumn:
            return toString(f->rule);
        case MessageColumn:
            return f->message;
        case StartedColumn:
            return tr("%1 s").arg(static_cast<double>(f->startNs - m_originNs) / 1e9, 0, 'f', 2);
        case DurationColumn:
            return ongoing ? tr("%1, ongoing").arg(formatDuration(durationNs(*f))) : formatDuration(durationNs(*f));
        default:
            return {};
        }
    default:
        return {};
    }
}

QVariant ProblemsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case SeverityColumn:
        return tr("Severity");
    case RuleColumn:
        return tr("Rule");
    case MessageColumn:
        return tr("Message");
    case StartedColumn:
        return tr("Started");
    case DurationColumn:
        return tr("Duration");
    default:
        return {};
    }
}

// ---- ProblemsPanel -----------------------------------------------------------------------------------------------

ProblemsPanel::ProblemsPanel(LabController& controller, QWidget* parent)
    : QWidget(parent)
    , m_controller(controller)
    , m_model(new ProblemsModel(this))
    , m_view(new QTableView)
    , m_details(new QLabel)
    , m_remedy(new QPushButton)
{
    setObjectName(QStringLiteral("problems"));
    m_view->setObjectName(QStringLiteral("problemsTable"));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    // Messages are a sentence or two: rows grow to show them whole (findings are few, kept at most 1000).
    m_view->setWordWrap(true);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    QHeaderView* header = m_view->horizontalHeader();
    header->setSectionResizeMode(ProblemsModel::MessageColumn, QHeaderView::Stretch);
    for (const int c : { ProblemsModel::SeverityColumn, ProblemsModel::RuleColumn, ProblemsModel::StartedColumn,
             ProblemsModel::DurationColumn })
        header->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    m_view->setToolTip(tr("What the diagnostics monitor found, newest first. Click one to select its time on the "
                          "timeline."));

    m_details->setObjectName(QStringLiteral("problemDetails"));
    m_details->setWordWrap(true);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_remedy->setObjectName(QStringLiteral("raiseMaxButton"));
    m_remedy->setToolTip(tr("Apply the finding's suggested maximum to the pool (as the Pool panel's maximum does)"));

    auto* bottom = new QHBoxLayout;
    bottom->addWidget(m_details, 1);
    bottom->addWidget(m_remedy, 0, Qt::AlignTop);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_view, 1);
    layout->addLayout(bottom);

    connect(m_view, &QAbstractItemView::clicked, this, [this](const QModelIndex& index) { onActivated(index.row()); });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] { updateDetails(); });
    connect(m_remedy, &QPushButton::clicked, this, [this] {
        if (const FindingRecord* f = remedyFinding())
            m_controller.setMaxThreads(f->suggestedMaxThreads);
        updateDetails();
    });
    refresh();
}

std::int64_t ProblemsPanel::nowNs() const
{
    const TraceData& data = m_controller.traceData();
    return m_controller.isLive() ? std::max(traceNow(), data.latestNs()) : data.latestNs();
}

void ProblemsPanel::refresh()
{
    const TraceData& data = m_controller.traceData();
    m_model->refresh(data, nowNs());
    const int count = m_model->rowCount();
    const int problems = m_model->problemCount();
    if (count != m_lastCount || problems != m_lastProblems) {
        m_lastCount = count;
        m_lastProblems = problems;
        if (problems == 0)
            m_announced = false;
        Q_EMIT countChanged(count, problems);
        if (problems > 0 && !m_announced) {
            m_announced = true;
            Q_EMIT firstProblem();
        }
    }
    updateDetails();
}

const FindingRecord* ProblemsPanel::remedyFinding() const
{
    if (!m_controller.isLive())
        return nullptr;
    const QString pool = m_controller.reactor().getThreadPool().name();
    auto applies = [&](const FindingRecord* f) {
        return f && f->suggestedMaxThreads > 0 && f->pool == pool && f->suggestedMaxThreads > m_controller.maxThreads();
    };
    const QModelIndex current = m_view->selectionModel()->currentIndex();
    if (current.isValid())
        return applies(m_model->finding(current.row())) ? m_model->finding(current.row()) : nullptr;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        if (applies(m_model->finding(row)))
            return m_model->finding(row);
    }
    return nullptr;
}

void ProblemsPanel::updateDetails()
{
    const FindingRecord* remedy = remedyFinding();
    m_remedy->setVisible(remedy != nullptr);
    if (remedy)
        m_remedy->setText(tr("Raise max to %1").arg(remedy->suggestedMaxThreads));

    const QModelIndex current = m_view->selectionModel()->currentIndex();
    const FindingRecord* f = current.isValid() ? m_model->finding(current.row()) : m_model->finding(0);
    if (!f) {
        m_details->setText(tr("No problems found so far. The diagnostics monitor watches for reactor stalls, "
                              "saturated or exhausted pools, long queue waits, long-running jobs and unhandled "
                              "errors."));
        return;
    }
    QString remedyText;
    if (m_controller.isLive()) {
        for (const DiagnosticFinding& d : m_controller.diagnostics().findings()) {
            if (d.id == f->id)
                remedyText = d.remedy;
        }
    }
    // Nothing selected: the newest finding, and how to see any of them on the timeline.
    const QString heading = current.isValid()
        ? QString()
        : tr("%n finding(s); click one to see it on the timeline. Newest: ", nullptr, m_model->rowCount());
    m_details->setText(heading + toString(f->rule) + QStringLiteral(" — ")
        + (remedyText.isEmpty() ? f->message : tr("%1\nRemedy: %2").arg(f->message, remedyText)));
}

void ProblemsPanel::activateRow(int row)
{
    const QModelIndex index = m_model->index(row, 0);
    if (!index.isValid())
        return;
    m_view->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    onActivated(row);
}

void ProblemsPanel::onActivated(int row)
{
    const FindingRecord* f = m_model->finding(row);
    if (!f)
        return;
    const std::int64_t end = f->endNs == kNoTime ? std::max(nowNs(), f->startNs + 1) : f->endNs;
    Q_EMIT rangeRequested(f->startNs, end);
    if (!m_controller.isLive())
        return;
    // The trace knows a finding's first worker only; the monitor keeps the jobs it named.
    const TraceData& data = m_controller.traceData();
    for (const DiagnosticFinding& d : m_controller.diagnostics().findings()) {
        if (d.id != f->id)
            continue;
        const bool reactorSide = d.pool.isEmpty();
        const std::uint32_t poolId
            = TraceStrings::intern(reactorSide ? m_controller.reactor().getThreadPool().name() : d.pool);
        for (const quint64 job : d.jobs) {
            const std::int32_t jobRow = data.findJob(poolId, job, reactorSide);
            if (jobRow >= 0) {
                Q_EMIT jobRequested(jobRow);
                return;
            }
        }
    }
}

} // namespace qtwisted
