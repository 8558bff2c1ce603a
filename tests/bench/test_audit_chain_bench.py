"""The audit chain's bench figure (bench/audit_chain.py) keeps its report shape and verdict."""

from bench.audit_chain import markdown, target


def _report(per_write_ratio: float, errors: int = 0, intact: bool = True) -> dict:
    return {
        "organization": "bench-large",
        "seconds": 10,
        "clients": 8,
        "rounds": 3,
        "writes_per_second": {"chained": 1.2, "unchained": 1.4},
        "requests_per_second": {"chained": 7.9, "unchained": 8.5},
        "ratio": 0.94,
        "per_write": {
            "writes_each": 80,
            "median_ms": {"chained": 242.0, "unchained": 249.0},
            "ratio": per_write_ratio,
        },
        "errors": errors,
        "unchained_events_removed": 870,
        "chain_intact_afterwards": intact,
        "events_verified": 9095,
        "verify_seconds": 1.7,
        "target": 0.9,
        "passed": per_write_ratio >= 0.9 and errors == 0 and intact,
    }


def test_the_chain_figure_names_both_measures_and_the_verdict():
    line = target(_report(1.03))
    assert line["pass"] is True
    assert "mixed load 94%" in line["figure"] and "one write at a time 103%" in line["figure"]
    assert target(_report(0.8))["pass"] is False
    table = "\n".join(markdown(_report(1.03)))
    assert "| chained (isms 0008) | 1.2 | 7.9 |" in table
    assert "9095 events verified intact" in table
