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
}
