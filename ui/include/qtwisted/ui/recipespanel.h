// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QLabel;
class QListWidget;
class QPlainTextEdit;
class QPushButton;

namespace qtwisted {

class LabController;

/// The "Recipes" tab: the built-in scenarios (howto examples first), the selected one's description, its Python and
/// C++ side by side, and Run recipe.
class RecipesPanel : public QWidget {
    Q_OBJECT
public:
    /// `controller` must outlive the panel.
    explicit RecipesPanel(LabController& controller, QWidget* parent = nullptr);

    /// Recipes only run on the live recording: enabled when `live` and a recipe is selected.
    void setRunEnabled(bool live);

Q_SIGNALS:
    /// Run recipe (or a double click) on the built-in scenario `name`.
    void runRequested(const QString& name);

private:
    void onRecipeSelected();
    void onRunClicked();
    /// Opens the selected recipe's Python and C++ in a window of their own (non-modal, resizable).
    void showSideBySide();

    LabController& m_controller;
    QListWidget* m_recipes = nullptr;
    QLabel* m_description = nullptr;
    QPlainTextEdit* m_python = nullptr;
    QPlainTextEdit* m_cpp = nullptr;
    QPushButton* m_run = nullptr;
    QPushButton* m_sideBySide = nullptr;
};

} // namespace qtwisted
