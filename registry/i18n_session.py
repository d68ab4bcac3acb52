"""Catalogue entries, Russian and English: Session expiry and backup messages; keys start with
session. or backup.

Merged into `registry.i18n.CATALOGUE`; a key defined twice anywhere is an error.
"""

from __future__ import annotations

ENTRIES: dict[str, dict[str, str]] = {
}
