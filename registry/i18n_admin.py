"""Catalogue entries, Russian and English: Data-manager pages: sites, users, audit trail, data
quality, completeness (pages/dm_*.py); keys start with dm.

Merged into `registry.i18n.CATALOGUE`; a key defined twice anywhere is an error.
"""

from __future__ import annotations

ENTRIES: dict[str, dict[str, str]] = {
    # --- messages of registry/passwords.py, registry/auth.py and registry/services/admin.py
    "password.policy.too_short": {
        "ru": "{length} симв.; нужно не меньше {min_length}",
        "en": "{length} characters; use at least {min_length}"},
    "password.policy.too_long": {
        "ru": "{length} симв.; нужно не больше {max_length}",
        "en": "{length} characters; use at most {max_length}"},
    "password.policy.common": {
        "ru": "это распространённый пароль (или такой же с цифрами в конце); выберите трудный "
              "для подбора, например несколько не связанных между собой слов",
        "en": "a commonly used password (or one with digits added); choose one that is hard "
              "to guess, such as a few unrelated words"},
    "password.policy.username": {
        "ru": "содержит имя пользователя {username}; выберите пароль без него",
        "en": "contains the username {username}; choose one that does not"},
    "password.old_wrong": {"ru": "это не ваш текущий пароль; введите его ещё раз",
                           "en": "is not your current password; type it again"},
    "password.reused": {"ru": "совпадает с текущим паролем; выберите другой",
                        "en": "is the current password; choose a different one"},
    "site.code_taken": {"ru": "{value} — код другого центра; выберите другой",
                        "en": "{value} is another site's code; choose another"},
    "site.field_unknown": {"ru": "{value} — не поле центра; можно изменить: {fields}",
                           "en": "{value} is not a field of a site; change one of {fields}"},
    "user.field_fixed": {"ru": "{value} здесь не меняется; можно изменить роль, центр или язык",
                         "en": "{value} cannot be changed here; change role, site_id or "
                               "language"},
    "user.own_role": {"ru": "нельзя менять собственную роль; обратитесь к другому "
                            "менеджеру данных",
                      "en": "you cannot change your own role; ask another data manager"},
    "user.site_unknown": {"ru": "центра с номером {value} нет; выберите центр из списка",
                          "en": "no site with id {value}; choose a listed site"},
    "denied.deactivate_self": {
        "ru": "Нельзя отключить собственную учётную запись; обратитесь к другому менеджеру "
              "данных.",
        "en": "You cannot deactivate your own account; ask another data manager."},
    # --- registry/quality/engine.py
    "quality.unknown_table": {"ru": "для таблицы {value} правил нет",
                              "en": "no rule maps {value} to its patients"},
    "quality.unknown_rule": {"ru": "неизвестное правило {value}", "en": "unknown rule {value}"},
    "quality.bad_id": {"ru": "номера должны быть целыми числами, указано {value}",
                       "en": "ids must be integers, got {value}"},
    # --- navigation of the data manager's pages
    "dm.nav.section": {"ru": "Управление данными", "en": "Data management"},
    "dm.nav.audit": {"ru": "Журнал аудита", "en": "Audit trail"},
    # --- the audit trail page (pages/dm_audit.py)
    "dm.audit.title": {"ru": "Журнал аудита", "en": "Audit trail"},
    "dm.audit.caption": {
        "ru": "Каждое изменение данных: кто, когда, что было, что стало и почему. Записи "
              "связаны хешами в цепочку: изменение или удаление записи задним числом видно.",
        "en": "Every change of the data: who, when, before, after and why. Events are chained "
              "by hashes: an event altered or deleted afterwards shows."},
    "dm.audit.username": {"ru": "Пользователь", "en": "User"},
    "dm.audit.registry_id": {"ru": "Регистровый номер пациента", "en": "Patient registry id"},
    "dm.audit.table": {"ru": "Таблица", "en": "Table"},
    "dm.audit.action": {"ru": "Действие", "en": "Action"},
    "dm.audit.any": {"ru": "любая", "en": "any"},
    "dm.audit.from": {"ru": "С", "en": "From"},
    "dm.audit.to": {"ru": "По", "en": "To"},
    "dm.audit.search": {"ru": "Найти", "en": "Search"},
    "dm.audit.page": {"ru": "Страница (по 200 записей)", "en": "Page (200 events each)"},
    "dm.audit.found": {"ru": "Найдено записей: {total}; показаны {first}–{last}.",
                       "en": "{total} events found; showing {first}-{last}."},
    "dm.audit.none": {"ru": "Нет записей по этим условиям.",
                      "en": "No events match these filters."},
    "dm.audit.col.when": {"ru": "Когда (UTC)", "en": "When (UTC)"},
    "dm.audit.col.user": {"ru": "Пользователь", "en": "User"},
    "dm.audit.col.role": {"ru": "Роль", "en": "Role"},
    "dm.audit.col.action": {"ru": "Действие", "en": "Action"},
    "dm.audit.col.table": {"ru": "Таблица", "en": "Table"},
    "dm.audit.col.row": {"ru": "Запись", "en": "Row"},
    "dm.audit.col.fields": {"ru": "Изменённые поля", "en": "Fields changed"},
    "dm.audit.col.reason": {"ru": "Причина", "en": "Reason"},
    "dm.audit.col.field": {"ru": "Поле", "en": "Field"},
    "dm.audit.col.before": {"ru": "Было", "en": "Before"},
    "dm.audit.col.after": {"ru": "Стало", "en": "After"},
    "dm.audit.csv": {"ru": "Скачать CSV", "en": "Download CSV"},
    "dm.audit.event": {"ru": "Запись журнала", "en": "Event"},
    "dm.audit.event_title": {"ru": "Запись {id}: {action}, {table} № {row}",
                             "en": "Event {id}: {action}, {table} #{row}"},
    "dm.audit.event_meta": {"ru": "{user} ({role}), {when} UTC; причина: {reason}",
                            "en": "{user} ({role}), {when} UTC; reason: {reason}"},
    "dm.audit.no_changes": {"ru": "Поля не менялись (вход в систему, выгрузка и т. п.).",
                            "en": "No fields changed (a login, an export and the like)."},
    "dm.audit.hash": {"ru": "Хеш записи: {hash}…", "en": "Event hash: {hash}…"},
    "dm.audit.chain": {"ru": "Целостность журнала", "en": "Integrity of the trail"},
    "dm.audit.chain_caption": {
        "ru": "Пересчитывает хеши всех записей по порядку; то же делает команда "
              "python -m registry verify-audit.",
        "en": "Recomputes every event's hash in order; the command python -m registry "
              "verify-audit does the same."},
    "dm.audit.verify": {"ru": "Проверить цепочку", "en": "Verify the chain"},
    "dm.audit.chain_ok": {"ru": "Цепочка цела: проверено записей — {checked}.",
                          "en": "The chain is intact: {checked} events verified."},
    "dm.audit.chain_broken": {"ru": "Цепочка нарушена на записи {id} ({kind}).",
                              "en": "The chain is broken at event {id} ({kind})."},
}
