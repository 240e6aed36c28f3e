"""The settings dialog, built from the settings' declarations: processing settings from
``core.settings.FIELDS``, limits from ``core.limits.LIMIT_FIELDS``, app settings from
``gui.user_settings.APP_FIELDS``, and each backend's own settings from its ``fields`` (shown
only while that backend is chosen)."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.errors import SettingsError
from core.limits import LIMIT_FIELDS, Limits
from core.settings import FIELDS, FieldSpec, Settings

from .backends import AUTO, AUTO_USES, BACKENDS, Backend, BackendField
from .connection_test import ConnectionTester, RunBlocking
from .preview.time_labels import TIME_DISPLAYS
from .user_settings import APP_FIELDS, UserSettings


class SettingsDialog(QDialog):
    def __init__(
        self,
        settings: UserSettings,
        parent: QWidget | None = None,
        *,
        run_blocking: RunBlocking | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)
        self._editors: dict[str, QWidget] = {}
        self._backend_rows: dict[str, list[QWidget]] = {}  # by backend key: its rows' fields
        self.testers: dict[str, ConnectionTester] = {}

        processing = QGroupBox("Processing")
        form = _form(processing)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        for field in sorted(fields(Settings), key=_display_order):
            editor = _processing_editor(field.name, field.type)
            self._editors[field.name] = editor
            spec = FIELDS[field.name]
            editor.setToolTip(spec.help)
            if isinstance(editor, QCheckBox):
                form.addRow("", editor)
            else:
                form.addRow(spec.label, editor)
        overview = QCheckBox(APP_FIELDS["overview"].label)
        overview.setToolTip(APP_FIELDS["overview"].help)
        overview.setAccessibleDescription(APP_FIELDS["overview"].help)
        self._editors["overview"] = overview
        form.addRow("", overview)

        # Where to process: the backend, then the settings of the one chosen.
        where = QGroupBox("Where to process")
        self._where = _form(where)
        backend = QComboBox()
        for key, item in BACKENDS.items():
            backend.addItem(item.label, key)
        backend.setToolTip(APP_FIELDS["backend"].help)
        self._editors["backend"] = backend
        self._where.addRow(APP_FIELDS["backend"].label, backend)
        for item in BACKENDS.values():
            self._add_backend_rows(item, run_blocking)

        limits = QGroupBox("Limits")
        limits_form = _form(limits)
        limits_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        for field in fields(Limits):
            spec = LIMIT_FIELDS[field.name]
            editor = _processing_editor(field.name, field.type, spec)
            editor.setGroupSeparatorShown(True)  # 100,000 stills
            editor.setToolTip(spec.help)
            self._editors[f"limits.{field.name}"] = editor
            limits_form.addRow(spec.label, editor)

        files = QGroupBox("Files")
        files_form = _form(files)
        self._editors.update(
            output_folder=_PathEdit(APP_FIELDS["output_folder"].label, folder=True),
            ffmpeg=_PathEdit(APP_FIELDS["ffmpeg"].label, folder=False, placeholder="automatic"),
        )
        for name in ("output_folder", "ffmpeg"):
            spec = APP_FIELDS[name]
            self._editors[name].setToolTip(spec.help)
            files_form.addRow(spec.label, self._editors[name])

        display = QGroupBox("Display")
        display_form = _form(display)
        times = QComboBox()
        for key, text in TIME_DISPLAYS.items():
            times.addItem(text, key)
        times.setToolTip(APP_FIELDS["time_display"].help)
        times.setAccessibleName(APP_FIELDS["time_display"].label)
        self._editors["time_display"] = times
        display_form.addRow(APP_FIELDS["time_display"].label, times)

        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        restore = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        restore.clicked.connect(lambda: self.set_values(UserSettings()))
        self._ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        for kind, text in (
            (
                QDialogButtonBox.StandardButton.Ok,
                "Save the settings; they apply to jobs that start",
            ),
            (QDialogButtonBox.StandardButton.Cancel, "Close without saving"),
            (
                QDialogButtonBox.StandardButton.RestoreDefaults,
                "Put every setting back to its default",
            ),
        ):
            buttons.button(kind).setToolTip(text)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(12)
        _align_labels([form, self._where, limits_form, files_form, display_form])
        layout.addWidget(processing)
        layout.addWidget(where)
        layout.addWidget(limits)
        layout.addWidget(files)
        layout.addWidget(display)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

        frames = self._editors["frames"]
        assert isinstance(frames, QCheckBox)
        frames.toggled.connect(self._frames_toggled)
        backend.currentIndexChanged.connect(self._backend_changed)
        for editor in self._editors.values():
            for signal in (
                "valueChanged",
                "toggled",
                "currentIndexChanged",
                "currentTextChanged",
                "textChanged",
            ):
                if hasattr(editor, signal):
                    getattr(editor, signal).connect(self._validate)
        self.finished.connect(self._stop_tests)
        self.set_values(settings)

    def editor(self, name: str) -> QWidget:
        """The editor of a setting: ``snippet_seconds``, ``backend``, or a backend's own
        as ``<backend>.<field>`` (``lambda.stack``)."""
        return self._editors[name]

    def chosen_backend(self) -> Backend:
        return BACKENDS[str(_get(self._editors["backend"]))]

    def set_values(self, settings: UserSettings) -> None:
        for name, value in settings.processing.to_dict().items():
            _set(self._editors[name], value)
        for name, value in settings.limits.to_dict().items():
            _set(self._editors[f"limits.{name}"], value)
        for name in APP_FIELDS:
            _set(self._editors[name], getattr(settings, name))
        for key, values in settings.backend_values.items():
            for name, value in values.items():
                _set(self._editors[f"{key}.{name}"], value)
        self._backend_changed()
        self._validate()

    def values(self) -> UserSettings:
        """The settings as entered; raises :class:`SettingsError` when one is invalid."""
        processing = Settings.from_dict(
            {f.name: _get(self._editors[f.name]) for f in fields(Settings)}
        )
        limits = Limits.from_dict(
            {f.name: _get(self._editors[f"limits.{f.name}"]) for f in fields(Limits)}
        )
        output = str(_get(self._editors["output_folder"])).strip()
        if not output:
            raise SettingsError("choose an output folder")
        chosen = self.chosen_backend()
        missing = chosen.missing(self.backend_values(chosen))
        if missing is not None:
            raise SettingsError(f"enter the {missing.label.lower()} ({chosen.label})")
        return UserSettings(
            processing=processing,
            limits=limits,
            backend=chosen.key,
            output_folder=Path(output).expanduser(),
            ffmpeg=str(_get(self._editors["ffmpeg"])).strip(),
            time_display=str(_get(self._editors["time_display"])),
            overview=bool(_get(self._editors["overview"])),
            backend_values={key: self.backend_values(item) for key, item in BACKENDS.items()},
        )

    def backend_values(self, item: Backend) -> dict[str, Any]:
        return {f.name: _get(self._editors[f"{item.key}.{f.name}"]) for f in item.fields}

    # -- building -------------------------------------------------------------------------

    def _add_backend_rows(self, item: Backend, run_blocking: RunBlocking | None) -> None:
        rows = self._backend_rows[item.key] = []
        for spec in item.fields:
            editor = _backend_editor(spec)
            editor.setToolTip(spec.help)
            self._editors[f"{item.key}.{spec.name}"] = editor
            self._where.addRow("" if isinstance(editor, QCheckBox) else spec.label, editor)
            rows.append(editor)
        if item.test_connection is not None and run_blocking is not None:
            tester = ConnectionTester(item, lambda: self.backend_values(item), run_blocking)
            tester.resultShown.connect(self._fit_height)
            self.testers[item.key] = tester
            self._where.addRow("", tester)
            rows.append(tester)

    # -- reacting -------------------------------------------------------------------------

    def _backend_changed(self) -> None:
        chosen = self.chosen_backend().key
        shown = set(AUTO_USES) if chosen == AUTO.key else {chosen}
        for key, rows in self._backend_rows.items():
            for widget in rows:
                self._where.setRowVisible(widget, key in shown)
        self.adjustSize()

    def _fit_height(self) -> None:
        """Grow to show what was added (a connection test's result), never shrink."""
        layout = self.layout()
        layout.activate()
        needed = (
            layout.totalHeightForWidth(self.width())
            if layout.hasHeightForWidth()
            else layout.totalSizeHint().height()
        )
        if needed > self.height():
            self.resize(self.width(), needed)

    def _validate(self) -> None:
        try:
            self.values()
        except SettingsError as exc:
            self.error.setText(_readable(str(exc)))
            self._ok.setEnabled(False)
        else:
            self.error.setText("")
            self._ok.setEnabled(True)

    def _frames_toggled(self, on: bool) -> None:
        for name in ("frame_interval", "frame_width", "jpeg_quality"):
            self._editors[name].setEnabled(on)

    def _stop_tests(self) -> None:
        for tester in self.testers.values():
            tester.stop()


class PresetEdit(QWidget):
    """A setting offered as its presets (e.g. still sizes 640, 960, 1280 px or the video's
    size), with any other value still possible through "Other…"."""

    OTHER = "Other…"

    def __init__(self, name: str) -> None:
        super().__init__()
        spec = FIELDS[name]
        self.combo = QComboBox()
        for value in spec.presets:
            text = (spec.zero_means or "0").capitalize() if not value else f"{value:g} {spec.unit}"
            self.combo.addItem(text.strip(), value)
        self.combo.addItem(self.OTHER, None)
        self.spin = QSpinBox()
        self.spin.setRange(max(1, int(spec.minimum or 0)), int(spec.maximum or 1_000_000))
        self.spin.setSuffix(f" {spec.unit}" if spec.unit else "")
        self.spin.setAccessibleName(f"{spec.label}, other value")
        self.combo.setAccessibleName(spec.label)
        self.currentIndexChanged = self.combo.currentIndexChanged
        self.valueChanged = self.spin.valueChanged
        self.combo.currentIndexChanged.connect(self._show_spin)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        layout.addWidget(self.spin)
        self._show_spin()

    def value(self) -> float:
        data = self.combo.currentData()
        return self.spin.value() if data is None else data

    def setValue(self, value: float) -> None:
        index = self.combo.findData(value)
        if index < 0:
            self.spin.setValue(int(value))
            index = self.combo.findData(None)
        self.combo.setCurrentIndex(index)
        self._show_spin()

    def setToolTip(self, text: str) -> None:
        self.combo.setToolTip(text)
        self.spin.setToolTip(text)

    def _show_spin(self) -> None:
        self.spin.setVisible(self.combo.currentData() is None)


class _PathEdit(QWidget):
    def __init__(self, label: str, *, folder: bool, placeholder: str = "") -> None:
        super().__init__()
        self._folder = folder
        self.line = QLineEdit()
        self.line.setPlaceholderText(placeholder)
        self.line.setAccessibleName(label)
        self.textChanged = self.line.textChanged
        browse = QPushButton("Choose…")
        browse.setAccessibleName(f"Choose the {label.lower()}")
        browse.setToolTip(f"Choose the {label.lower()} in a file dialog")
        browse.clicked.connect(self._browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.line, 1)
        layout.addWidget(browse)

    def setToolTip(self, text: str) -> None:
        super().setToolTip(text)
        self.line.setToolTip(text)

    def _browse(self) -> None:
        start = self.line.text() or str(Path.home())
        if self._folder:
            chosen = QFileDialog.getExistingDirectory(self, "Output folder", start)
        else:
            chosen, _ = QFileDialog.getOpenFileName(self, "ffmpeg program", start)
        if chosen:
            self.line.setText(chosen)


# The still-frame switch sits above the settings it enables; the rest keep their order.
_FIRST_OF_STILLS = "frame_interval"


def _display_order(field) -> tuple[int, int]:
    names = [f.name for f in fields(Settings)]
    position = names.index(field.name)
    if field.name == "frames":
        return names.index(_FIRST_OF_STILLS), -1
    return position, 0


def _readable(message: str) -> str:
    """A settings error as the dialog names things ("Frame width", not "frame_width")."""
    for name, spec in {**FIELDS, **LIMIT_FIELDS}.items():
        if message.startswith(name):
            return spec.label + message[len(name) :]
    return message[:1].upper() + message[1:]


def _form(box: QGroupBox) -> QFormLayout:
    form = QFormLayout(box)
    form.setContentsMargins(14, 12, 14, 12)
    form.setHorizontalSpacing(16)
    form.setVerticalSpacing(8)
    return form


def _align_labels(forms: list[QFormLayout]) -> None:
    """One label column for all the groups, so their fields line up."""
    labels = [
        item.widget()
        for form in forms
        for row in range(form.rowCount())
        if (item := form.itemAt(row, QFormLayout.ItemRole.LabelRole)) is not None
        and isinstance(item.widget(), QLabel)
    ]
    width = max((label.sizeHint().width() for label in labels), default=0)
    for label in labels:
        label.setMinimumWidth(width)


def _processing_editor(name: str, type_name: object, spec: FieldSpec | None = None) -> QWidget:
    spec = spec or FIELDS[name]
    if type_name in ("bool", bool):
        return QCheckBox(spec.label)
    if spec.presets:
        return PresetEdit(name)
    editor: QSpinBox | QDoubleSpinBox
    if type_name in ("int", int):
        editor = QSpinBox()
        editor.setRange(int(spec.minimum or 0), int(spec.maximum or 1_000_000))
    else:
        editor = QDoubleSpinBox()
        editor.setDecimals(1)
        editor.setRange(spec.minimum or 0.0, spec.maximum or 1e6)
        editor.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
    if spec.unit:
        editor.setSuffix(f" {spec.unit}")
    if spec.zero_means:
        editor.setSpecialValueText(spec.zero_means)
    editor.setMinimumWidth(140)
    return editor


def _backend_editor(spec: BackendField) -> QWidget:
    if isinstance(spec.default, bool):
        return QCheckBox(spec.label)
    if isinstance(spec.default, int):
        spin = QSpinBox()
        spin.setRange(spec.minimum or 0, spec.maximum or 1_000_000)
        spin.setFixedWidth(140)  # as the processing settings' boxes
        if spec.zero_means:
            spin.setSpecialValueText(spec.zero_means)
        if spec.name.endswith("_mbps"):
            spin.setSuffix(" Mbit/s")
        return spin
    if spec.choices:
        combo = QComboBox()
        for value, label in spec.choices:
            combo.addItem(label, value)
        return combo
    if spec.suggestions is not None:
        combo = QComboBox()
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.addItems(spec.suggestions())
        combo.lineEdit().setPlaceholderText(spec.placeholder)
        return combo
    line = QLineEdit()
    line.setPlaceholderText(spec.placeholder)
    return line


def _set(editor: QWidget, value: Any) -> None:
    if isinstance(editor, QCheckBox):
        editor.setChecked(bool(value))
    elif isinstance(editor, QSpinBox | QDoubleSpinBox | PresetEdit):
        editor.setValue(value)
    elif isinstance(editor, QComboBox) and editor.isEditable():
        editor.setCurrentText(str(value))
    elif isinstance(editor, QComboBox):
        editor.setCurrentIndex(max(0, editor.findData(value)))
    elif isinstance(editor, QLineEdit):
        editor.setText(str(value))
    elif isinstance(editor, _PathEdit):
        editor.line.setText(str(value))


def _get(editor: QWidget) -> Any:
    if isinstance(editor, QCheckBox):
        return editor.isChecked()
    if isinstance(editor, QSpinBox | QDoubleSpinBox | PresetEdit):
        return editor.value()
    if isinstance(editor, QComboBox) and editor.isEditable():
        return editor.currentText().strip()
    if isinstance(editor, QComboBox):
        return editor.currentData()
    if isinstance(editor, QLineEdit):
        return editor.text().strip()
    if isinstance(editor, _PathEdit):
        return editor.line.text()
    raise TypeError(editor)
