"""Uploads through the staff case forms are judged by their content, never by their name, and come back only
as downloads the browser will not render or sniff.
"""

import io
import struct
import zlib

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Attachment, Case, CaseEvent
from feedback_app.services.cases import CaseInput, open_case
from tests.conftest import login

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"PE\x00\x00L\x01"
HTML = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>\n'
BARE_SVG = b'  <svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
HOSTILE = [
    pytest.param(EXE, "申請書.pdf", id="exe-as-pdf"),
    pytest.param(EXE, "photo.jpg", id="exe-as-jpg"),
    pytest.param(HTML, "scan.pdf", id="html-as-pdf"),
    pytest.param(HTML, "scan.png", id="html-as-png"),
    pytest.param(SVG, "picture.png", id="svg-as-png"),
    pytest.param(BARE_SVG, "picture.jpg", id="bare-svg-as-jpg"),
]
REFUSAL = ("is not a PDF, PNG, JPEG or plain text file", "不是 PDF")


def tiny_png() -> bytes:
    """A valid 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def case(org):
    opened, _ = open_case(CaseInput(office_id=org.a.id, channel="counter", subject="補件"))
    db.session.commit()
    return opened


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def attach(client, case: Case, data: bytes, filename: str):
    db.session.refresh(case)
    return client.post(
        f"/cases/{case.number}/attach",
        data={"attach-version": str(case.version), "attach-file": [(io.BytesIO(data), filename)]},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(("data", "filename"), HOSTILE)
def test_disguised_executable_or_markup_is_refused_on_the_case_page_and_nothing_is_stored(
    client, org, case, data, filename
):
    login(client, "aa.officer")
    events = count(CaseEvent)
    response = attach(client, case, data, filename)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert any(text in page for text in REFUSAL)
    assert filename.rsplit(".", 1)[0] in page
    assert count(Attachment) == 0 and count(CaseEvent) == events


@pytest.mark.parametrize(("data", "filename"), HOSTILE[:3])
def test_disguised_file_on_the_intake_form_opens_no_case(client, org, data, filename):
    login(client, "aa.officer")
    response = client.post(
        "/cases/new",
        data={"channel": "counter", "subject": "附件", "attachments": [(io.BytesIO(data), filename)]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert any(text in response.get_data(as_text=True) for text in REFUSAL)
    assert count(Case) == 0 and count(Attachment) == 0


@pytest.mark.parametrize(
    ("data", "filename", "stored_name", "content_type"),
    [
        (PDF, "scan.bin", "scan.pdf", "application/pdf"),
        (tiny_png(), "photo.bin", "photo.png", "image/png"),
        (tiny_png(), "photo.pdf", "photo.png", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "camera", "camera.jpg", "image/jpeg"),
    ],
)
def test_real_file_with_an_odd_name_is_kept_under_the_type_its_content_shows(
    client, org, case, data, filename, stored_name, content_type
):
    login(client, "aa.officer")
    response = attach(client, case, data, filename)
    assert response.status_code == 302, response.get_data(as_text=True)
    stored = db.session.scalars(sa.select(Attachment)).one()
    assert (stored.filename, stored.content_type, stored.data) == (stored_name, content_type, data)


@pytest.mark.parametrize(
    ("data", "filename", "content_type"),
    [
        (PDF, "scan.bin", "application/pdf"),
        (tiny_png(), "photo.bin", "image/png"),
        ("民眾補充說明 <b>x</b>".encode(), "memo.html", "text/plain"),
    ],
)
def test_download_is_an_attachment_with_its_sniffed_type_and_nosniff(client, org, case, data, filename, content_type):
    login(client, "aa.officer")
    assert attach(client, case, data, filename).status_code == 302
    stored = db.session.scalars(sa.select(Attachment)).one()
    response = client.get(f"/cases/{case.number}/attachments/{stored.id}")
    assert response.status_code == 200 and response.data == data
    assert response.mimetype == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and stored.filename.rsplit(".", 1)[1] in disposition
    assert "html" not in response.headers["Content-Type"] and "svg" not in response.headers["Content-Type"]


def test_an_attachment_whose_name_holds_a_nul_character_is_bad_input_and_nothing_is_stored(client, org, case):
    login(client, "aa.officer")
    events = count(CaseEvent)
    db.session.refresh(case)
    response = client.post(
        f"/cases/{case.number}/attach",
        data={
            "attach-version": str(case.version),
            "attach-file": [(io.BytesIO(PDF), "scan.pdf"), (io.BytesIO(PDF), "scan\x00.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert count(Attachment) == 0 and count(CaseEvent) == events


def test_a_text_attachment_holding_a_nul_byte_is_refused_as_not_plain_text(client, org, case):
    login(client, "aa.officer")
    response = attach(client, case, "民眾補充說明\x00續".encode(), "memo.txt")
    assert response.status_code == 400
    assert any(text in response.get_data(as_text=True) for text in REFUSAL)
    assert count(Attachment) == 0
