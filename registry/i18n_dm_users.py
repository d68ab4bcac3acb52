"""Catalogue entries, Russian and English: Data-manager pages for sites and users, and the change-
password page (pages/dm_users.py, pages/account_password.py); keys start with dm.users.,
dm.sites., account.

Merged into `registry.i18n.CATALOGUE`; a key defined twice anywhere is an error.
"""

from __future__ import annotations

ENTRIES: dict[str, dict[str, str]] = {
}
