"""The data a build reads, each piece only when it is needed: the issues' data and
headings (from their caches, else their TEI), the registers, and each entry's mentions.
"""

from __future__ import annotations

import zlib

from .caches import ENTRIES, HEADS, REGISTERS, _cached_issue, _cached_part, _dump_pickle, \
    _head_part, _load_issue, _load_pickle, _registers_cache, _save_issues, _unpickled
from .keys import _register_digest, head
from .workers import _at, _kept, _pickled_by_entry, _read_issue


class _Reads:
    """The reading part of `plan._Plan`: its caches of what was read are set up in
    `_Plan.__init__`."""

    def issue(self, name: str, keep: bool = True):
        """An issue's data, from its cache (an issue read this time is needed once, and is
        not kept; nor is one not to `keep`), else from its TEI."""
        if name in self._loaded:
            return self._loaded[name]
        issue = _load_issue(self.state, name, self.fingerprint, self.tei["issues"][name])
        if issue is None:   # no cache, or a torn one: read the TEI again
            issue = _read_issue(self.tei_dir / name)
            self._keep(name, issue)
        else:
            issue = _at(issue, self.tei_dir / name)
        if keep and name not in self.fresh:
            self._loaded[name] = issue
        return issue

    def pickled_issue(self, name: str):
        """`issue(name)` as a worker is given it: the bytes its cache holds, for the worker
        to load (`_render_issue_into`; loaded here and pickled again to be sent, it cost
        this process 1.7 ms an issue), else the data itself."""
        if name not in self._loaded:
            pickled = _cached_issue(self.state, name, self.fingerprint, self.tei["issues"][name])
            if pickled is not None:
                return pickled
        return self.issue(name)

    def _keep(self, name: str, issue) -> dict:
        """An issue read in this process (its cache torn), kept as one a worker read."""
        return self._keep_read(name, _kept(issue))

    def _keep_read(self, name: str, read) -> dict:
        """An issue read this time, as the worker that read it kept it (`workers._Read`):
        its data goes to its cache at once and its mentions to the spool, and the main
        process holds only its heading (on 2,000 issues its PSS while the issues rendered
        went 390 → 181 MB; the spool alone saved 120 MB), pickled as the heads cache keeps
        it (`_head_part`: ~2.3 KB an issue, where its objects took ~9), and its mentions by
        entry packed (`names_read`). Each issue is written once (a cache is checked against
        the digests when used, so one written by a build that then fails is harmless).
        Returns its summary for the manifest."""
        _save_issues(self.state, self.fingerprint, {name: read.pickled}, self.tei)
        self.fresh.add(name)
        self.names_read[name] = read.names
        self._fresh_heads[name] = read.head
        self.spool.add(name, read.by_entry)
        return {"tei": self.tei["issues"][name], **read.summary}

    def registers(self) -> dict:
        """The register entries, as the last build read them while the registers are as
        they were; else read again, each entry whose source is as it was (`site.
        read_register_sources`) reused with its digest (`register_digests`)."""
        if self._registers is None:
            cached = _registers_cache(_load_pickle(self.state / REGISTERS, (self.fingerprint,)))
            if cached is not None and cached["key"] == self.tei["registers"]:
                self._registers, self._register_sources, self._register_digests = \
                    cached["entries"], cached["sources"], cached["digests"]
                return self._registers
            from ..render.site import read_register_sources

            before, known = {}, {}
            if cached is not None:
                before = cached["entries"]
                known = {digest: before[k] for k, digest in cached["sources"].items()
                         if k in before}
            self._registers, self._register_sources = read_register_sources(self.tei_dir, known)
            self._register_digests = {k: digest for k, digest in cached["digests"].items()
                                      if before.get(k) is self._registers.get(k)
                                      } if cached is not None else {}
            self.save_registers = True
        return self._registers

    def register_digests(self) -> dict[str, str]:
        """Each register entry's digest (`_register_digest`), by "kind/key"."""
        entries, digests = self.registers(), self._register_digests
        for k, entry in entries.items():
            if k not in digests:
                digests[k] = _register_digest(entry)
        return {f"{kind}/{key}": digests[(kind, key)] for kind, key in entries}

    save_registers = False

    def head(self, name: str):
        """An issue's heading data: from the heads cache if it is what the manifest says.
        The cache holds each issue's pickled apart, and only those asked for are loaded
        (loading all 2,000 issues' took 0.16 s of an edit that needs two, or a few
        hundred for a register entry's page)."""
        if name in self._head_data:
            return self._head_data[name]
        kept = _unpickled(self._head_bytes(name))
        if kept is None:   # (the cache is written again at the end)
            kept = head(self.issue(name))
            self.cached_heads()[name] = _head_part(kept, self.summaries[name]["head"])
            self._heads_stale = True
        self._head_data[name] = kept
        return kept

    def pickled_head(self, name: str):
        """`head(name)` as a worker is given it: its bytes as the heads cache holds them,
        checked, for the worker to load if a page it renders cites the issue (`_Heads`:
        the 1,083 issues a corrected heading's register pages cite took 0.1 s to load
        here), else the data itself."""
        if name not in self._head_data:
            pickled = self._head_bytes(name)
            if pickled is not None:
                return pickled
        return self.head(name)

    def _head_bytes(self, name: str) -> bytes | None:
        """An issue's heading data pickled, read this time or from the heads cache, if it
        is what the manifest says (`_cached_part`); else None."""
        part = self._fresh_heads.get(name) or self.cached_heads().get(name)
        return _cached_part(part, self.summaries[name]["head"])

    def cached_heads(self) -> dict[str, list]:
        """The heads cache: each issue's heading data, pickled (`_head_part`)."""
        if self._heads is None:
            heads = _load_pickle(self.state / HEADS, (self.fingerprint,))
            self._heads = heads if isinstance(heads, dict) else {}
        return self._heads

    def grouped(self, name: str) -> dict[str, bytes]:
        """The mentions by entry (`_pickled_by_entry`) of an issue not read this time, whose
        part of an entry's cache is missing or stale (those read are in the spool)."""
        if name not in self._grouped:
            self._grouped[name] = _pickled_by_entry(self.issue(name))
        return self._grouped[name]

    def entry_mentions(self, entry: str, groups: list[tuple[str, str]],
                       unit: str | None = None) -> list[bytes]:
        """An entry's mentions in issue order, pickled issue by issue (the main process
        need not hold them as objects, ten times larger): from the issues read now and
        the entry's cache (each issue's part checked against the digest the manifest
        holds), else from the issues' data; the cache is written again at once, so that
        no more than the entries in the workers' hands are held (a cache is checked
        against the digests when used, so one written by a build that then fails is
        harmless). `unit`: the page they are for, whose cache this is (a year's page of
        the entry: see _entry_units)."""
        path = self.state / ENTRIES / f"{unit or entry}.pickle"
        cached = _load_pickle(path, (self.fingerprint,)) or {}
        spooled = self.spool.places(entry, (name for name, _ in groups))
        out, kept = [], {}
        for name, digest in groups:
            issue_id = self.summaries[name]["id"]
            data = None if name in self.fresh else _cached_part(cached.get(issue_id), digest)
            if data is None:
                data = self.spool.read(spooled[name]) if name in spooled \
                    else self.grouped(name)[entry]
            kept[issue_id] = [digest, data, zlib.crc32(data)]
            out.append(data)
        _dump_pickle(path, (self.fingerprint,), kept)
        return out
