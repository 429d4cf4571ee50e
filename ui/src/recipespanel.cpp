// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "codehighlighter_p.h"
#include "panelutil_p.h"

#include <qtwisted/inspect/labcontroller.h>
#include <qtwisted/inspect/scenario.h>
#include <qtwisted/ui/recipespanel.h>

#include <QDialog>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScreen>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>

namespace qtwisted {

RecipesPanel::RecipesPanel(LabController& controller, QWidget* parent)
    : QWidget(parent)
    , m_controller(controller)
{
    setObjectName(QStringLiteral("recipes"));
    m_recipes = new QListWidget;
    m_recipes->setObjectName(QStringLiteral("recipeList"));
    m_recipes->setToolTip(tr("The howto's examples and a few lessons, built in"));
    QStringList names = builtinScenarioNames();
    std::stable_partition(names.begin(), names.end(), [](const QString& n) { return n.startsWith(u"howto-"); });
    for (const QString& name : names)
        m_recipes->addItem(name);
    m_recipes->setMaximumWidth(190);

    m_description = new QLabel;
    m_description->setObjectName(QStringLiteral("recipeDescription"));
    m_description->setWordWrap(true);
    m_python = new QPlainTextEdit;
    m_python->setObjectName(QStringLiteral("pythonSource"));
    m_cpp = new QPlainTextEdit;
    m_cpp->setObjectName(QStringLiteral("cppSource"));
    for (QPlainTextEdit* edit : { m_python, m_cpp }) {
        edit->setReadOnly(true);
        edit->setFont(detail::monospaceFont());
        edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    }
    new detail::CodeHighlighter(detail::CodeHighlighter::Language::Python, m_python->document());
    new detail::CodeHighlighter(detail::CodeHighlighter::Language::Cpp, m_cpp->document());
    m_sideBySide = new QPushButton(tr("&Side by side…"));
    m_sideBySide->setObjectName(QStringLiteral("recipeSideBySideButton"));
    m_sideBySide->setToolTip(tr("The Python and the C++ in a window of their own, each at full height"));
    m_run = new QPushButton(tr("&Run recipe"));
    m_run->setObjectName(QStringLiteral("runRecipeButton"));
    m_run->setToolTip(tr("Play it on this window's reactor; its prints go to the log"));
    m_run->setEnabled(false);

    auto* sources = new QSplitter(Qt::Horizontal);
    auto wrap = [](const QString& title, QWidget* w) {
        auto* box = new QWidget;
        auto* l = new QVBoxLayout(box);
        l->setContentsMargins(0, 0, 0, 0);
        l->addWidget(new QLabel(title));
        l->addWidget(w);
        return box;
    };
    sources->addWidget(wrap(tr("<b>Python (Twisted)</b>"), m_python));
    sources->addWidget(wrap(tr("<b>C++ (qtwisted)</b>"), m_cpp));

    auto* detail = new QVBoxLayout;
    auto* top = new QHBoxLayout;
    top->addWidget(m_description, 1);
    auto* buttons = new QVBoxLayout;
    buttons->addWidget(m_run);
    buttons->addWidget(m_sideBySide);
    buttons->addStretch(1);
    top->addLayout(buttons);
    detail->addLayout(top);
    detail->addWidget(sources, 1);
    auto* layout = new QHBoxLayout(this);
    layout->addWidget(m_recipes);
    layout->addLayout(detail, 1);

    connect(m_recipes, &QListWidget::currentRowChanged, this, &RecipesPanel::onRecipeSelected);
    // The selection follows what runs (from any panel, the command line, or a file), so the code beside the
    // timeline is the code of the run it shows.
    connect(&m_controller, &LabController::scenarioStarted, this, [this](const QString& name) {
        const QList<QListWidgetItem*> found = m_recipes->findItems(name, Qt::MatchExactly);
        if (!found.isEmpty())
            m_recipes->setCurrentItem(found.front());
    });
    connect(m_recipes, &QListWidget::itemDoubleClicked, this, &RecipesPanel::onRunClicked);
    connect(m_run, &QPushButton::clicked, this, &RecipesPanel::onRunClicked);
    connect(m_sideBySide, &QPushButton::clicked, this, &RecipesPanel::showSideBySide);
    if (m_recipes->count() > 0)
        m_recipes->setCurrentRow(0);
}

void RecipesPanel::setRunEnabled(bool live)
{
    m_run->setEnabled(live && m_recipes->currentRow() >= 0);
}

void RecipesPanel::onRecipeSelected()
{
    QListWidgetItem* item = m_recipes->currentItem();
    m_run->setEnabled(item && m_controller.isLive());
    if (!item)
        return;
    const ScenarioParseResult parsed = loadBuiltinScenario(item->text());
    if (!parsed) {
        m_description->setText(parsed.error);
        return;
    }
    m_description->setText(parsed.scenario->description);
    m_python->setPlainText(
        parsed.scenario->python.isEmpty() ? tr("(no Python for this lesson)") : parsed.scenario->python);
    m_cpp->setPlainText(parsed.scenario->cpp.isEmpty() ? tr("(no C++ for this lesson)") : parsed.scenario->cpp);
}

void RecipesPanel::showSideBySide()
{
    QListWidgetItem* item = m_recipes->currentItem();
    if (!item)
        return;
    // One window per click, non-modal: it can stay open beside the timeline while the recipe runs.
    auto* dialog = new QDialog(window());
    dialog->setObjectName(QStringLiteral("recipeSourcesDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("%1: Twisted and qtwisted side by side").arg(item->text()));
    auto* split = new QSplitter(Qt::Horizontal);
    auto pane = [split](const QString& title, const QString& code, detail::CodeHighlighter::Language language,
                    const QString& name) {
        auto* box = new QWidget;
        auto* l = new QVBoxLayout(box);
        l->setContentsMargins(0, 0, 0, 0);
        l->addWidget(new QLabel(title));
        auto* edit = new QPlainTextEdit(code);
        edit->setObjectName(name);
        edit->setReadOnly(true);
        edit->setFont(detail::monospaceFont());
        edit->setLineWrapMode(QPlainTextEdit::NoWrap);
        new detail::CodeHighlighter(language, edit->document());
        l->addWidget(edit);
        split->addWidget(box);
    };
    pane(tr("<b>Python (Twisted)</b>"), m_python->toPlainText(), detail::CodeHighlighter::Language::Python,
        QStringLiteral("sideBySidePython"));
    pane(tr("<b>C++ (qtwisted)</b>"), m_cpp->toPlainText(), detail::CodeHighlighter::Language::Cpp,
        QStringLiteral("sideBySideCpp"));
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(close, &QDialogButtonBox::rejected, dialog, &QDialog::close);
    auto* layout = new QVBoxLayout(dialog);
    layout->addWidget(new QLabel(m_description->text()));
    layout->addWidget(split, 1);
    layout->addWidget(close);
    // Wide enough for both at their longest line, within the screen.
    const QFontMetrics fm(detail::monospaceFont());
    auto widest = [&fm](const QString& code) {
        int w = 0;
        for (const QString& line : code.split(QLatin1Char('\n')))
            w = std::max(w, fm.horizontalAdvance(line));
        return w;
    };
    const int pythonWidth = widest(m_python->toPlainText()) + 40;
    const int cppWidth = widest(m_cpp->toPlainText()) + 40;
    split->setSizes({ pythonWidth, cppWidth }); // each pane as wide as its longest line, where the screen allows
    const int want = pythonWidth + cppWidth + 40;
    const QRect screen = window()->screen() ? window()->screen()->availableGeometry() : QRect(0, 0, 1400, 900);
    const int allowed = std::max(640, screen.width() * 9 / 10);
    dialog->resize(std::min(std::max(want, 800), allowed), std::max(400, screen.height() * 3 / 4));
    dialog->show();
}

void RecipesPanel::onRunClicked()
{
    QListWidgetItem* item = m_recipes->currentItem();
    if (item && m_controller.isLive())
        Q_EMIT runRequested(item->text());
}

} // namespace qtwisted
