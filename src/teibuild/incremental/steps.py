"""What each step of a build counts in its progress, and the CPU time a build takes."""

from __future__ import annotations


#: what a step of each kind counts in a build's progress (`progress(done, total, what)`):
#: steps of equal count take about as long, so that a bar's estimate of the time left
#: holds (on 500 issues: an issue's pages rendered in ~80 ms, a register entry's page in
#: 2–4 ms, an issue's pages indexed for search in ~60 ms)
ISSUE_STEPS, ENTRY_STEPS = 20, 1


def _cpu() -> float:
    """CPU time of this process and of the processes it has waited for."""
    import resource

    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                          resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
