"""Catalogue entries, Russian and English: Session expiry and backup messages; keys start with
session. or backup.

Merged into `registry.i18n.CATALOGUE`; a key defined twice anywhere is an error.
"""

from __future__ import annotations

ENTRIES: dict[str, dict[str, str]] = {
    # --- session expiry (pages/ui/state.py)
    "session.expired": {
        "ru": "Сеанс завершён: не было действий больше {minutes} мин. Войдите снова.",
        "en": "Your session expired after more than {minutes} min without activity. "
        "Please log in again.",
    },
    # --- backup and restore (registry/backup.py, registry/backup_manifest.py)
    "backup.unsupported": {
        "ru": "Резервное копирование поддерживает SQLite и PostgreSQL, но не {backend}.",
        "en": "Backups support SQLite and PostgreSQL, not {backend}.",
    },
    "backup.memory_database": {
        "ru": "База SQLite {database} — не обычный файл; копируйте и восстанавливайте "
        "файловую базу (sqlite:///путь/registry.db).",
        "en": "SQLite database {database} is not a plain file; back up and restore a file "
        "database (sqlite:///path/registry.db).",
    },
    "backup.exists": {
        "ru": "Файл {path} уже существует; выберите новое имя (копия никогда не "
        "перезаписывает другую).",
        "en": "{path} exists already; choose a new file name (a backup never overwrites "
        "another).",
    },
    "backup.not_found": {
        "ru": "Файл резервной копии {path} не найден; укажите путь, куда копия была записана.",
        "en": "No backup file {path}; give the path the backup was written to.",
    },
    "backup.manifest_missing": {
        "ru": "Рядом с копией нет манифеста {path}; копия восстанавливается и проверяется "
        "только вместе с манифестом, записанным при копировании.",
        "en": "No manifest {path} beside the backup; a backup is restored and verified only "
        "with the manifest written with it.",
    },
    "backup.manifest_invalid": {
        "ru": "{path} — не манифест резервной копии; используйте файл .manifest.json, "
        "записанный вместе с копией.",
        "en": "{path} is not a backup manifest; use the .manifest.json file written with the "
        "backup.",
    },
    "backup.backend_mismatch": {
        "ru": "Копия сделана из базы {backup}, а целевая база — {target}; восстанавливайте "
        "в базу {backup}.",
        "en": "The backup is of a {backup} database but the target is {target}; restore into "
        "a {backup} database.",
    },
    "backup.file_altered": {
        "ru": "Файл {path} не совпадает с контрольной суммой в манифесте: он повреждён или "
        "изменён; используйте другую копию.",
        "en": "{path} does not match the checksum in its manifest: the file is damaged or "
        "was changed; use another backup.",
    },
    "backup.not_empty": {
        "ru": "В целевой базе уже есть данные (строк: {rows}, таблиц: {tables}); "
        "восстанавливайте в пустую базу или выполните восстановление принудительно, "
        "заменив всё её содержимое.",
        "en": "The target database holds data ({rows} rows in {tables} tables); restore into "
        "an empty database, or force the restore to replace everything in it.",
    },
    "backup.tool_missing": {
        "ru": "{tool} не найден; установите клиентские программы PostgreSQL той же версии, "
        "что и сервер (Debian: postgresql-client).",
        "en": "{tool} not found; install the PostgreSQL client tools of the server's major "
        "version (Debian: postgresql-client).",
    },
    "backup.tool_failed": {
        "ru": "{tool} завершился с ошибкой (код {exit_code}): {detail}",
        "en": "{tool} failed (exit code {exit_code}): {detail}",
    },
}
