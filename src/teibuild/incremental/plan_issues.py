"""Which issues' pages a build renders, and their rendering."""

from __future__ import annotations

from collections.abc import Iterator

from ..parallel import ordered_map
from .caches import _load_romanized
from .manifest import _Made, _SEP
from .steps import ISSUE_STEPS
from .workers import _Lazy, _PRELOAD, _render_issue_into, _start_worker


class _IssuePages:
    """The issue pages' part of `plan._Plan`."""

    def _stale_issues(self, order: list[str], summaries: dict, manifest: dict) -> list[tuple]:
        """Issues whose pages must be rendered: their TEI changed, or what their page shows
        of the issue before or after it (`site.Listed`: a corrected heading there is not
        on it), or an output is not on disk as it was written."""
        work = []
        for n, name in enumerate(order):
            around = [order[n - 1] if n else None, order[n + 1] if n + 1 < len(order) else None]
            key = "|".join([summaries[name]["tei"]] + [
                _SEP.join(map(str, summaries[x]["listed"])) if x else "-" for x in around])
            record = self.old["issues"].get(name)
            if record and record.get("key") == key and self.current(record):
                manifest["issues"][name] = {**summaries[name], "key": key,
                                            "outputs": record["outputs"]}
            else:
                manifest["issues"][name] = {**summaries[name], "key": key, "outputs": {}}
                work.append((name, *around))
        return work

    def _start_issues(self, work: list[tuple]) -> tuple[dict, Iterator]:
        """The stale issues' pages, being rendered (`ordered_map`: the outputs and the titles
        romanised of each, in order), and the romanisations the workers were given."""
        from ..render.site import Listed

        items = _Lazy(work, lambda w: (self.pickled_issue(w[0]), self.tei_dir / w[0], *(
            Listed(*self.summaries[x]["listed"]) if x else None for x in w[1:])))
        known = {}
        if work:
            known = _load_romanized(self.state, self.fingerprint)
        if work and not self.many:
            from ..render.hant import converter

            # loaded here, where the search index needs it too, a forked worker has it
            # (each loaded OpenCC's dictionaries: 84 ms). Not after many issues: their
            # workers start from a forkserver, and the pages that need it in this
            # process then render in workers too; it would hold 41 MB here to the end.
            converter(self.edition.opencc)
        return known, ordered_map(_render_issue_into, items, self.jobs,
                                  initializer=_start_worker,
                                  initargs=(self.new, self.edition, None, known),
                                  preload=_PRELOAD, beside=True)

    def _render_issues(self, known: dict, rendering, work: list[tuple], order: list[str],
                       manifest: dict) -> None:
        """Takes the pages `_start_issues` renders into the manifest."""
        if not work:
            return
        known = {text: _packed_words(words) for text, words in known.items()}
        used: dict = {} if len(work) == len(order) else dict(known)
        for (name, *_), (outputs, romanized) in zip(work, rendering):
            manifest["issues"][name]["outputs"] = _Made(outputs)
            used.update((text, _packed_words(words)) for text, words in romanized.items())
            self.step(manifest["issues"][name]["id"], ISSUE_STEPS)
        self.romanized = used if used != known else None

    #: the romanisations to keep, if they changed: {text: its words packed (`_packed_words`)}
    romanized: dict | None = None

    def romanized_words(self) -> dict[str, list[str]]:
        """`romanized` as its cache keeps it, {text: [word, …]}."""
        return {text: packed.split(_SEP)[1:] for text, packed in (self.romanized or {}).items()}


def _packed_words(words) -> str:
    """A text's romanised words in one string, each after a `_SEP` (no pinyin holds it): as
    a list of strings, a title's words took five times as much (4 of the 40 MB a first
    build's main process held on 2,000 issues)."""
    return "".join(_SEP + word for word in words)
