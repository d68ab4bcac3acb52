"""Catalogue entries, Russian and English: Data-manager pages for the audit trail, data quality and
completeness (pages/dm_audit.py, pages/dm_quality.py, pages/dm_completeness.py); keys start with
dm.audit., dm.quality., dm.completeness., dm.nav.

Merged into `registry.i18n.CATALOGUE`; a key defined twice anywhere is an error.
"""

from __future__ import annotations

ENTRIES: dict[str, dict[str, str]] = {
}
