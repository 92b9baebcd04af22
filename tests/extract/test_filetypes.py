"""Uploads are typed by content, and whole-file problems are IntakeErrors a provider can act on."""

import io
import zipfile

import pytest

from claims_intake.extract import IntakeError, check_upload
from claims_intake.filetypes import detect_kind
from claims_intake.limits import default_limits


def _zip(names):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data,kind",
    [
        (b"%PDF-1.7\n...", "pdf"),
        (b"II*\x00rest", "tiff"),
        (b"MM\x00*rest", "tiff"),
        (b"\x89PNG\r\n\x1a\nrest", "png"),
        (b"\xff\xd8\xff\xe0rest", "jpeg"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "xls"),
        (b"Invoice Number,Member CIN\r\nINV-1,90000001A\r\n", "csv"),
        ("\ufeffNombre,Café\n".encode("utf-8"), "csv"),
        ("Caf\xe9,x\n".encode("cp1252"), "csv"),
    ],
)
def test_detect_by_magic_bytes(data, kind):
    assert detect_kind(data) == kind


def test_office_zip_is_told_apart_from_macro_workbook_and_other_zips():
    assert detect_kind(_zip(["xl/workbook.xml"])) == "xlsx"
    assert detect_kind(_zip(["xl/workbook.xml", "xl/vbaProject.bin"])) == "xlsm"
    assert detect_kind(_zip(["word/document.xml"])) is None


def test_binary_garbage_is_unknown():
    assert detect_kind(bytes(range(256)) * 4) is None


def test_extension_does_not_decide_the_type():
    with pytest.raises(IntakeError) as error:
        check_upload(b"\x00\x01garbage\x00", "claim.pdf", default_limits())
    assert error.value.code == "unsupported_type" and "not a readable pdf" in error.value.message


def test_empty_file_is_a_clear_error():
    with pytest.raises(IntakeError) as error:
        check_upload(b"", "invoice.xlsx", default_limits())
    assert error.value.code == "empty_file"


def test_limits_can_be_overridden_by_environment(monkeypatch):
    default_limits.cache_clear()
    monkeypatch.setenv("CLAIMS_INTAKE_MAX_FILE_BYTES", "10")
    try:
        with pytest.raises(IntakeError) as error:
            check_upload(b"%PDF-1.7 more than ten bytes", "big.pdf", default_limits())
        assert error.value.code == "file_too_large"
    finally:
        default_limits.cache_clear()
