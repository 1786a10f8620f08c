"""benchmarks/crossval_tagger.py: per-fold rows, mean ± sd, and folds pooled apart."""

from benchmarks.crossval_tagger import report


def test_folds_are_reported_one_by_one_and_pooled_without_mixing_sentences():
    # sentence 0 of fold 0 and sentence 0 of fold 1 are different sentences
    gold0 = {(0, 0, 2, "PER"), (0, 3, 5, "LOC")}
    gold1 = {(0, 0, 2, "PER"), (1, 0, 3, "PER")}
    results = [
        {"fold": 0, "sentences": 1, "gold": gold0, "model": gold0, "tagger": gold0},
        # fold 1 finds fold 0's place and one of its own persons: were the folds
        # pooled without telling them apart, the place would count as found
        {"fold": 1, "sentences": 2, "gold": gold1, "model": {(0, 0, 2, "PER")},
         "tagger": {(0, 0, 2, "PER"), (0, 3, 5, "LOC")}},
    ]
    lines = report(results)
    assert "| 0 | 1 | model | 1.000 (1) | 1.000 | 0.000 | 1.000 |" in lines
    assert "| 1 | 2 | model | 0.667 (2) | 0.000 | 0.000 | 0.667 |" in lines
    pooled = [line for line in lines if line.startswith("| all folds pooled")]
    # model: 2 of 3 persons (P 1, R 2/3: F1 0.8), 1 of 1 place
    assert pooled[0] == "| all folds pooled | 3 | model | 0.800 | 1.000 | 0.000 | 0.857 |"
    # tagger: fold 1's extra place is wrong in fold 1 (LOC: P 1/2, R 1/1)
    assert pooled[1] == "| all folds pooled | 3 | tagger | 0.800 | 0.667 | 0.000 | 0.750 |"
    assert any(line.startswith("| mean ± sd | | model | 0.833 ± 0.236") for line in lines)
