"""One Tesseract model per process, loaded on first use and kept (a warm Lambda reads every later file
without loading it again), driven through the tesserocr bindings instead of a `tesseract` process per run.

Reading a file used to start the CLI twice (the digit-only boxes have their own run) and write and
read back a multi-page TIFF each time; the model load was most of a page's CPU. Here the frames go to
the loaded engine as raw pixels, one after the other, and the answer has the shape of pytesseract's
`image_to_data` dictionary (word rows with page_num, left, width, conf and text), so callers keep the
CLI's contract: a Tesseract config string ("--oem 1 --psm 7 --dpi 300 -c name=value ...").

Variables set by a config (a whitelist for digit boxes) hold for that one call only: each is put back
to the value it had before, so no setting leaks into the next box or file.
"""

from __future__ import annotations

import os
import shlex
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

if TYPE_CHECKING:
    from PIL import Image

logger = Logger(child=True)
LANGUAGE = "eng"
# Variables Tesseract reads only while it loads a model: a config that changes one gets an engine of its own.
INIT_ONLY_VARIABLES = frozenset({"load_system_dawg", "load_freq_dawg", "load_punc_dawg", "load_number_dawg"})
INSTALL_HINT = (
    "the scan reader needs Tesseract 5 with its English model and the tesserocr bindings: "
    "on Debian/Ubuntu `apt-get install tesseract-ocr tesseract-ocr-eng libtesseract-dev libleptonica-dev "
    "pkg-config g++`, then `pip install tesserocr` (the project's `make setup` does both); "
    "TESSDATA_PREFIX may name the folder holding eng.traineddata"
)
TSV_COLUMNS = (
    "level",
    "page_num",
    "block_num",
    "par_num",
    "line_num",
    "word_num",
    "left",
    "top",
    "width",
    "height",
    "conf",
    "text",
)


class TesseractMissing(RuntimeError):
    """Tesseract, its English model or the tesserocr bindings are not installed."""


@dataclass(frozen=True)
class EngineConfig:
    """A Tesseract command-line config split into what the loaded engine needs."""

    oem: int = 1  # LSTM only
    psm: int = 3
    dpi: int | None = None
    init_variables: tuple[tuple[str, str], ...] = ()
    variables: tuple[tuple[str, str], ...] = ()


def parse_config(config: str) -> EngineConfig:
    """'--oem 1 --psm 7 --dpi 300 -c name=value ...' (the CLI's syntax, as pytesseract passes it)."""
    words = shlex.split(config)
    options: dict[str, int] = {}
    init_variables: dict[str, str] = {}
    variables: dict[str, str] = {}
    index = 0
    while index < len(words):
        word = words[index]
        if word in ("--oem", "--psm", "--dpi") and index + 1 < len(words):
            options[word[2:]] = int(words[index + 1])
            index += 2
        elif word == "-c" and index + 1 < len(words) and "=" in words[index + 1]:
            name, value = words[index + 1].split("=", 1)
            (init_variables if name in INIT_ONLY_VARIABLES else variables)[name] = value
            index += 2
        else:
            raise ValueError(f"unsupported Tesseract option in config: {word!r}")
    return EngineConfig(
        oem=options.get("oem", 1),
        psm=options.get("psm", 3),
        dpi=options.get("dpi"),
        init_variables=tuple(sorted(init_variables.items())),
        variables=tuple(sorted(variables.items())),
    )


class Engine:
    """A loaded Tesseract model; `read` runs frames through it under one config at a time."""

    def __init__(self, oem: int, init_variables: tuple[tuple[str, str], ...]):
        tesserocr = _tesserocr()
        path = tessdata_path(tesserocr)
        try:
            self.api = tesserocr.PyTessBaseAPI(path=path, lang=LANGUAGE, oem=oem, variables=dict(init_variables))
        except RuntimeError as error:
            raise TesseractMissing(f"Tesseract could not load its English model from {path}: {INSTALL_HINT}") from error
        self.lock = threading.Lock()

    def read(self, frames: list[Image.Image], config: EngineConfig) -> dict[str, list[Any]]:
        """Every frame recognised as one page; word rows as pytesseract's image_to_data gives them."""
        rows: dict[str, list[Any]] = {column: [] for column in TSV_COLUMNS}
        with self.lock:
            previous = {name: self.api.GetVariableAsString(name) for name, _ in config.variables}
            unknown = sorted(name for name, value in previous.items() if value is None)
            if unknown:
                raise ValueError(f"Tesseract has no variable {', '.join(unknown)}")
            try:
                for name, value in config.variables:
                    self.api.SetVariable(name, value)
                self.api.SetPageSegMode(config.psm)
                for number, frame in enumerate(frames):
                    _add_rows(rows, self._recognise(frame, config.dpi, number))
            finally:
                for name, value in previous.items():
                    self.api.SetVariable(name, value)
                self.api.Clear()
        return rows

    def _recognise(self, frame: Image.Image, dpi: int | None, number: int) -> str:
        grey = frame if frame.mode == "L" else frame.convert("L")
        self.api.SetImageBytes(grey.tobytes(), grey.width, grey.height, 1, grey.width)
        if dpi:
            self.api.SetSourceResolution(dpi)
        self.api.Recognize()
        return self.api.GetTSVText(number)


def _add_rows(rows: dict[str, list[Any]], tsv: str) -> None:
    """TSV rows parsed as pytesseract parses them: numbers as int (conf truncated), text as is."""
    for line in tsv.splitlines():
        cells = line.split("\t")
        if len(cells) < len(TSV_COLUMNS) - 1:
            continue
        cells += [""] * (len(TSV_COLUMNS) - len(cells))
        for column, cell in zip(TSV_COLUMNS, cells, strict=False):
            rows[column].append(cell if column == "text" else _number(cell))


def _number(cell: str) -> int | str:
    """int(float(cell)), or the cell when it is no number. A whole number's ASCII digits (every column but conf),
    short enough for a float to hold exactly, go straight to int: the same value without the float."""
    if len(cell) <= 15 and cell.isascii() and cell.isdigit():
        return int(cell)
    try:
        return int(float(cell))
    except ValueError:
        return cell


_engines: dict[tuple, Engine] = {}
_engines_lock = threading.Lock()


def engine_for(config: EngineConfig) -> Engine:
    """The process's engine for this model-load setting (one, with the reader's configs)."""
    key = (config.oem, config.init_variables)
    with _engines_lock:
        if key not in _engines:
            _engines[key] = Engine(config.oem, config.init_variables)
            logger.info("Tesseract model loaded", extra={"tesseract_version": tesseract_version()})
        return _engines[key]


def image_to_data(frames: list[Image.Image], config: str) -> dict[str, list[Any]]:
    """pytesseract.image_to_data(..., output_type=DICT) for the frames as pages of one document."""
    parsed = parse_config(config)
    return engine_for(parsed).read(frames, parsed)


def tesseract_version() -> str:
    """The linked Tesseract's version ('5.3.0'): logged once per process, so figures can be traced to it."""
    return _tesserocr().PyTessBaseAPI.Version()


def tessdata_path(tesserocr: Any = None) -> str:
    """Where eng.traineddata is: TESSDATA_PREFIX, else the bindings' compiled-in folder."""
    tesserocr = tesserocr or _tesserocr()
    path = os.environ.get("TESSDATA_PREFIX") or tesserocr.get_languages()[0]
    if not os.path.isfile(os.path.join(path, f"{LANGUAGE}.traineddata")):
        raise TesseractMissing(f"no {LANGUAGE}.traineddata in {path}: {INSTALL_HINT}")
    return path


def _tesserocr() -> Any:
    # OpenMP reads its thread limit when libtesseract loads: one thread per process is faster on a small machine
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        import tesserocr
    except ImportError as error:  # the bindings, or the libtesseract they link, are missing
        raise TesseractMissing(f"cannot load the tesserocr bindings ({error}): {INSTALL_HINT}") from error
    return tesserocr
