"""Data-quality rules as data, run on demand (data managers) and after writes (services).

`RULES` holds every rule (`rules.py`); `run_rules` and `check_after_write` run them and
raise one data query per new finding, never a duplicate of an open, answered or closed
one (`engine.py`).
"""

from registry.quality.engine import (
    RuleTally,
    RunResult,
    check_after_write,
    rules_for_table,
    run_rules,
)
from registry.quality.rules import RULES, Finding, Rule, Scope

__all__ = [
    "RULES",
    "Finding",
    "Rule",
    "RuleTally",
    "RunResult",
    "Scope",
    "check_after_write",
    "rules_for_table",
    "run_rules",
]
