"""The Tesseract engine the scan reader keeps loaded (ocr/engine.py): one model per process, reused;
a config's variables (the digit boxes' whitelist) hold for one call only; the CLI's config syntax and
image_to_data's answer kept; a missing Tesseract says what to install."""

from __future__ import annotations

import sys

import pytest
from PIL import Image, ImageDraw, ImageFont

from claims_intake.ocr import engine
from claims_intake.ocr.recognize import DIGIT_CONFIG, TESSERACT_CONFIG, _tesseract

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"


def line(text: str) -> Image.Image:
    """A text line as the reader frames one: dark type on white, about 30 px tall, with a margin."""
    try:
        font = ImageFont.truetype(FONT, 28)
    except OSError:
        font = ImageFont.load_default(size=28)
    image = Image.new("L", (40 + 20 * len(text), 70), 255)
    ImageDraw.Draw(image).text((20, 15), text, fill=0, font=font)
    return image


def words(data: dict) -> list[tuple[int, str]]:
    return [
        (int(page), str(text))
        for page, text, conf in zip(data["page_num"], data["text"], data["conf"], strict=True)
        if str(text).strip() and float(conf) >= 0
    ]


def test_every_frame_is_a_page_with_words_boxes_and_confidences():
    data = _tesseract([line("HELLO 123"), line("WORLD")], TESSERACT_CONFIG)
    assert words(data) == [(1, "HELLO"), (1, "123"), (2, "WORLD")]
    word_rows = [i for i, text in enumerate(data["text"]) if str(text).strip()]
    assert all(0 < data["conf"][i] <= 100 for i in word_rows)
    assert all(isinstance(data[key][i], int) for key in ("left", "width", "conf") for i in word_rows)
    first, second = word_rows[:2]
    assert data["left"][first] < data["left"][second] and data["width"][first] > 0


def test_the_model_is_loaded_once_and_reused_across_runs_and_configs():
    _tesseract([line("ABC")], TESSERACT_CONFIG)
    loaded = engine.engine_for(engine.parse_config(TESSERACT_CONFIG))
    _tesseract([line("123")], DIGIT_CONFIG)
    _tesseract([line("DEF")], TESSERACT_CONFIG)
    assert engine.engine_for(engine.parse_config(DIGIT_CONFIG)) is loaded  # the whitelist needs no second model
    assert engine.engine_for(engine.parse_config(TESSERACT_CONFIG)) is loaded


def test_the_digit_whitelist_holds_for_its_run_and_does_not_leak_into_the_next():
    letters = line("ABCD")
    digits_only = words(_tesseract([letters], DIGIT_CONFIG))
    assert all(set(text) <= set("0123456789. ") for _, text in digits_only)
    assert words(_tesseract([letters], TESSERACT_CONFIG)) == [(1, "ABCD")]
    loaded = engine.engine_for(engine.parse_config(TESSERACT_CONFIG))
    assert loaded.api.GetVariableAsString("tessedit_char_whitelist") == ""


def test_a_failing_run_still_puts_the_variables_back(monkeypatch):
    loaded = engine.engine_for(engine.parse_config(TESSERACT_CONFIG))

    def broken(*args):
        raise RuntimeError("recognition failed")

    monkeypatch.setattr(loaded, "_recognise", broken)
    with pytest.raises(RuntimeError):
        _tesseract([line("1")], DIGIT_CONFIG)
    assert loaded.api.GetVariableAsString("tessedit_char_whitelist") == ""


def test_the_cli_config_syntax_is_split_into_load_and_run_settings():
    parsed = engine.parse_config(DIGIT_CONFIG)
    assert (parsed.oem, parsed.psm, parsed.dpi) == (1, 7, 300)
    assert dict(parsed.init_variables) == {"load_system_dawg": "0", "load_freq_dawg": "0"}
    assert dict(parsed.variables) == {"tessedit_do_invert": "0", "tessedit_char_whitelist": "0123456789. "}
    with pytest.raises(ValueError, match="unsupported"):
        engine.parse_config("--tessdata-dir /tmp")


def test_an_unknown_variable_is_an_error_not_ignored():
    with pytest.raises(ValueError, match="no variable"):
        _tesseract([line("1")], "--psm 7 -c no_such_tesseract_variable=1")


def test_without_the_bindings_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "tesserocr", None)  # import fails as if not installed
    with pytest.raises(engine.TesseractMissing, match="tesseract-ocr-eng") as raised:
        engine.tesseract_version()
    assert "pip install tesserocr" in str(raised.value) and "make setup" in str(raised.value)


def test_without_the_english_model_the_error_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))
    with pytest.raises(engine.TesseractMissing, match=r"no eng\.traineddata") as raised:
        engine.Engine(1, ())
    assert "apt-get install tesseract-ocr" in str(raised.value)


def test_the_version_is_the_linked_tesseract():
    version = engine.tesseract_version()
    assert version.split(".")[0] == "5"
