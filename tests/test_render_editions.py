"""The committed editions/ is exactly what `tei-build build` makes from the committed tei/."""

from __future__ import annotations

from pathlib import Path

from teibuild.edition import load_edition
from teibuild.render import build_site
from teibuild.render.site import issue_files, read_issue

REPO = Path(__file__).resolve().parent.parent


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for top in ("html", "txt") if (root / top).is_dir()
            for p in sorted((root / top).rglob("*")) if p.is_file()}


def test_committed_editions_are_a_fresh_build(tmp_path):
    committed = files_under(REPO / "editions")
    if not issue_files(REPO / "tei"):
        assert committed == {}, "editions/ holds pages but tei/ has no issue"
        return
    build_site(REPO / "tei", tmp_path, load_edition(REPO / "edition.toml"), jobs=1)
    fresh = files_under(tmp_path)
    assert sorted(committed) == sorted(fresh), "run `tei-build build` and commit editions/"
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert changed == [], f"stale in editions/: {changed[:5]}"


def test_committed_texts_hold_every_tei_paragraph_unchanged():
    from test_render import tei_paragraphs, txt_paragraphs

    for path in issue_files(REPO / "tei"):
        issue = read_issue(path).id
        text = (REPO / "editions" / "txt" / "zh-Hans" / f"{issue}.txt").read_text(encoding="utf-8")
        assert txt_paragraphs(text) == tei_paragraphs(path), path.name
