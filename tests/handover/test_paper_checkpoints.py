"""Paper checkpoints as evidence (issue 13 §5), on SQLite and PostgreSQL: the checkpoint QR
of a filed 確認書, read from a rendered page and from a photo-like copy of it, is checked
against the ledger; a ledger rewritten behind the paper's back fails, naming the printed size."""

from __future__ import annotations

import subprocess

import pytest
from PIL import Image, ImageFilter

from handover import reports
from handover.config import Settings
from handover.errors import HandoverError, VerificationFailed
from handover.model import fold
from handover.actions import record_remark
from tests.handover.support import needs_poppler
from tests.ledger.conftest import tamper


def settings(w) -> Settings:
    return Settings(w.j.engine.url.render_as_string(hide_password=False), w.j.key_path, w.j.log)


def pub(w):
    return [w.j.key_path.with_suffix(".pub")]


def render(pdf, out, dpi):
    """The first page as PNG at `dpi`, as a scanner or pdftoppm would give it."""
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(out.with_suffix(""))], check=True, capture_output=True)
    return out


def photographed(png, out):
    """A phone photo of the printed page, roughly: smaller, turned, soft, JPEG-compressed.
    (From a 150 dpi page: at 100 dpi, 2 pixels a module, a 1-pixel blur is too much.)"""
    with Image.open(png) as img:
        img = img.convert("RGB")
        img = img.resize((int(img.width * 0.85), int(img.height * 0.85)), Image.LANCZOS)
        img = img.rotate(7, resample=Image.BICUBIC, expand=True, fillcolor=(235, 232, 225))
        img = img.filter(ImageFilter.GaussianBlur(1.0))
        img.save(out, "JPEG", quality=70)
    return out


@pytest.fixture
def filed(world, sealed, tmp_path):
    """A 確認書 printed for a provide, then more recorded after it: the head moved on."""
    rec = world.provide(sealed.medium_id, pdf_dir=tmp_path / "pdf")
    record_remark(world.j, world.taro, "保管庫点検")
    record_remark(world.j, world.taro, "年度監査")
    return rec


@needs_poppler
def test_check_paper_passes_from_a_page_and_from_a_photo(world, filed, tmp_path):
    png = render(filed.pdf_path, tmp_path / "page.png", 100)
    photo = photographed(render(filed.pdf_path, tmp_path / "page150.png", 150), tmp_path / "photo.jpg")
    for image in (png, photo):
        check = reports.check_paper(settings(world), str(image), pub(world))
        assert check.paper.size == filed.checkpoint_size
        assert check.head.size == world.size() == filed.checkpoint_size + 2
        assert check.proof, "a consistency proof from the paper's size to the head"


@needs_poppler
def test_check_paper_fails_on_a_rewritten_ledger_naming_the_printed_size(world, filed, tmp_path):
    photo = photographed(render(filed.pdf_path, tmp_path / "page.png", 150), tmp_path / "photo.jpg")
    printed = filed.checkpoint_size
    # The writer, holding the database and the log key, removes the handover and records
    # other things in its place: every checkpoint is validly signed again.
    tamper(world.j.engine, f"DELETE FROM ledger_entries WHERE idx >= {printed - 1}",
           f"DELETE FROM ledger_checkpoints WHERE size >= {printed - 1}")
    fold.rebuild(world.j.engine, world.j.log)
    for text in ("差替え一", "差替え二", "差替え三", "差替え四"):
        record_remark(world.j, world.taro, text)
    assert world.size() > printed
    with pytest.raises(VerificationFailed) as e:
        reports.check_paper(settings(world), str(photo), pub(world))
    assert e.value.failure == "paper-mismatch"
    assert f"root printed on the paper for size {printed}" in e.value.message


@needs_poppler
def test_check_paper_fails_on_a_rolled_back_ledger(world, filed, tmp_path):
    png = render(filed.pdf_path, tmp_path / "page.png", 100)
    printed = filed.checkpoint_size
    tamper(world.j.engine, f"DELETE FROM ledger_entries WHERE idx >= {printed - 1}",
           f"DELETE FROM ledger_checkpoints WHERE size >= {printed - 1}")
    fold.rebuild(world.j.engine, world.j.log)
    with pytest.raises(VerificationFailed) as e:
        reports.check_paper(settings(world), str(png), pub(world))
    assert e.value.failure == "paper-rollback" and f"size {printed}" in e.value.message


@needs_poppler
def test_check_paper_refuses_a_paper_signed_by_another_key(world, filed, tmp_path):
    import ledger
    png = render(filed.pdf_path, tmp_path / "page.png", 100)
    other = ledger.generate_key(tmp_path / "other.key", "handover-ward")
    with pytest.raises(VerificationFailed) as e:
        reports.check_paper(settings(world), str(png), [other])
    assert e.value.failure == "signature"


def test_check_paper_an_image_without_qr_is_a_clear_error(world, tmp_path):
    blank = tmp_path / "blank.png"
    Image.new("L", (400, 300), 255).save(blank)
    with pytest.raises(HandoverError, match="no QR code found") as e:
        reports.check_paper(settings(world), str(blank), pub(world))
    assert "checkpoint QR of the 確認書" in e.value.hint
