"""Catalogue entries, Russian and English: Data-manager pages for sites and users, and the change-
password page (pages/dm_users.py, pages/account_password.py); keys start with dm.users.,
dm.sites., account.

Merged into `registry.i18n.CATALOGUE`; a key defined twice anywhere is an error. The services'
own messages (``password.policy.*``, ``site.*``, ``user.*``) are in `registry.i18n_admin` and
`registry.i18n_messages`.
"""

from __future__ import annotations

ENTRIES: dict[str, dict[str, str]] = {
    # --- navigation
    "dm.nav.users": {"ru": "Центры и пользователи", "en": "Sites and users"},
    "nav.password": {"ru": "Смена пароля", "en": "Change password"},
    # --- the page
    "dm.users.title": {"ru": "Центры и пользователи", "en": "Sites and users"},
    "dm.users.caption": {
        "ru": "Каждое изменение сохраняется в журнале аудита: кто, когда, что было, что стало "
              "и почему. Пароли и их хеши в журнал не попадают.",
        "en": "Every change is kept in the audit trail: who, when, before, after and why. "
              "Passwords and their hashes never are."},
    "dm.users.reason": {"ru": "Причина (сохраняется в журнале аудита)",
                        "en": "Reason (kept in the audit trail)"},
    "dm.users.no_changes": {"ru": "Изменений нет: значения совпадают с сохранёнными.",
                            "en": "Nothing to save: the values are the saved ones."},
    "dm.users.changed_since": {
        "ru": "Запись изменили после того, как вы её открыли (теперь версия {version}); "
              "сохранение будет отклонено.",
        "en": "The record changed after you opened it (now version {version}); saving will "
              "be refused."},
    "dm.users.reload": {"ru": "Открыть новую версию", "en": "Open the newer version"},
    "dm.users.version": {"ru": "Версия {version} · последнее изменение {when} UTC",
                         "en": "Version {version} · last changed {when} UTC"},
    # --- sites
    "dm.sites.tab": {"ru": "Центры", "en": "Sites"},
    "dm.sites.list": {"ru": "Центры регистра", "en": "Registry sites"},
    "dm.sites.none": {"ru": "Центров пока нет.", "en": "No sites yet."},
    "dm.sites.col.code": {"ru": "Код", "en": "Code"},
    "dm.sites.col.name": {"ru": "Название", "en": "Name"},
    "dm.sites.col.city": {"ru": "Город", "en": "City"},
    "dm.sites.col.region": {"ru": "Регион", "en": "Region"},
    "dm.sites.col.treating": {"ru": "Центр CAR-T терапии", "en": "Treating centre"},
    "dm.sites.col.version": {"ru": "Версия", "en": "Version"},
    "dm.sites.code_help": {
        "ru": "Три заглавные латинские буквы, дефис и две цифры, например MOW-02.",
        "en": "Three capital Latin letters, a dash and two digits, e.g. MOW-02."},
    "dm.sites.treating_help": {
        "ru": "Центр, где проводят инфузию CAR-T, а не только направляют пациентов.",
        "en": "A centre that infuses CAR-T cells, not only refers patients."},
    "dm.sites.new": {"ru": "Новый центр", "en": "New site"},
    "dm.sites.create": {"ru": "Добавить центр", "en": "Add site"},
    "dm.sites.created": {"ru": "Центр {code} добавлен.", "en": "Site {code} added."},
    "dm.sites.edit": {"ru": "Изменить центр", "en": "Edit a site"},
    "dm.sites.pick": {"ru": "Центр", "en": "Site"},
    "dm.sites.saved": {"ru": "Центр {code} сохранён (версия {version}).",
                       "en": "Site {code} saved (version {version})."},
    # --- users: list
    "dm.users.tab": {"ru": "Пользователи", "en": "Users"},
    "dm.users.list": {"ru": "Учётные записи", "en": "Logins"},
    "dm.users.col.username": {"ru": "Имя пользователя", "en": "Username"},
    "dm.users.col.role": {"ru": "Роль", "en": "Role"},
    "dm.users.col.site": {"ru": "Центр", "en": "Site"},
    "dm.users.col.language": {"ru": "Язык", "en": "Language"},
    "dm.users.col.active": {"ru": "Активна", "en": "Active"},
    "dm.users.col.locked_until": {"ru": "Заблокирована до (UTC)", "en": "Locked until (UTC)"},
    "dm.users.col.failed_logins": {"ru": "Неудачных входов", "en": "Failed logins"},
    "dm.users.col.must_change": {"ru": "Должен сменить пароль", "en": "Must change password"},
    "dm.users.col.last_login": {"ru": "Последний вход (UTC)", "en": "Last login (UTC)"},
    "dm.users.no_site": {"ru": "— без центра —", "en": "— no site —"},
    # --- users: create
    "dm.users.new": {"ru": "Новый пользователь", "en": "New user"},
    "dm.users.username_help": {
        "ru": "3–64 символа: строчные латинские буквы, цифры, точка, дефис, подчёркивание.",
        "en": "3-64 characters: lower-case Latin letters, digits, dot, dash, underscore."},
    "dm.users.site_rule": {
        "ru": "Врачу центра нужен его центр. Остальные роли видят все центры: центр для них "
              "не указывается.",
        "en": "A site clinician needs their site. The other roles see every site: leave "
              "their site empty."},
    "dm.users.create": {"ru": "Создать пользователя", "en": "Create user"},
    "dm.users.created": {"ru": "Пользователь {username} создан ({role}).",
                         "en": "User {username} created ({role})."},
    "dm.users.otp_title": {
        "ru": "Одноразовый пароль для {username} — показан только один раз",
        "en": "One-time password for {username}: shown this once only"},
    "dm.users.otp_hint": {
        "ru": "Скопируйте его кнопкой в правом углу поля и передайте пользователю лично или "
              "по защищённому каналу. Пароль нигде не хранится и больше не будет показан; при "
              "первом входе пользователь сменит его на свой. Потеряли — сбросьте пароль ещё "
              "раз.",
        "en": "Copy it with the button at the right of the box and hand it to the user in "
              "person or over a secure channel. It is not kept anywhere and will not be shown "
              "again; the user replaces it at the first login. Lost it? Reset the password "
              "again."},
    # --- users: the selected user
    "dm.users.selected": {"ru": "Выбранный пользователь", "en": "Selected user"},
    "dm.users.pick": {"ru": "Пользователь", "en": "User"},
    "dm.users.status": {"ru": "**{username}** · {role} · центр: {site} · {state}",
                        "en": "**{username}** · {role} · site: {site} · {state}"},
    "dm.users.state.active": {"ru": "активна", "en": "active"},
    "dm.users.state.inactive": {"ru": "отключена", "en": "deactivated"},
    "dm.users.state.locked": {"ru": "заблокирована до {when} UTC",
                              "en": "locked until {when} UTC"},
    "dm.users.state.failed": {"ru": "неудачных входов подряд: {n}",
                              "en": "{n} failed logins in a row"},
    "dm.users.state.must_change": {"ru": "должен сменить пароль",
                                   "en": "must change the password"},
    "dm.users.self_note": {
        "ru": "Это ваша учётная запись: её нельзя отключить, а роль нельзя изменить.",
        "en": "This is your own login: you cannot deactivate it or change its role."},
    "dm.users.deactivate": {"ru": "Отключить", "en": "Deactivate"},
    "dm.users.reactivate": {"ru": "Включить снова", "en": "Reactivate"},
    "dm.users.unlock": {"ru": "Снять блокировку", "en": "Unlock"},
    "dm.users.reset": {"ru": "Сбросить пароль", "en": "Reset password"},
    "dm.users.reset_help": {
        "ru": "Выдаёт новый одноразовый пароль, снимает блокировку; старый пароль перестаёт "
              "действовать.",
        "en": "Gives a new one-time password and lifts any lockout; the old password stops "
              "working."},
    "dm.users.deactivated": {"ru": "{username}: учётная запись отключена.",
                             "en": "{username}: login deactivated."},
    "dm.users.reactivated": {"ru": "{username}: учётная запись снова активна.",
                             "en": "{username}: login active again."},
    "dm.users.unlocked": {"ru": "{username}: блокировка снята.",
                          "en": "{username}: unlocked."},
    "dm.users.reset_done": {
        "ru": "{username}: пароль сброшен; при следующем входе нужно задать свой.",
        "en": "{username}: password reset; they choose their own at the next login."},
    "dm.users.edit": {"ru": "Роль, центр и язык", "en": "Role, site and language"},
    "dm.users.saved": {"ru": "{username}: изменения сохранены (версия {version}).",
                       "en": "{username}: changes saved (version {version})."},
    # --- change one's own password
    "account.password.title": {"ru": "Смена пароля", "en": "Change your password"},
    "account.password.forced": {
        "ru": "Вы вошли с одноразовым паролем. Прежде чем продолжить, задайте собственный "
              "пароль.",
        "en": "You logged in with a one-time password. Choose your own password before you "
              "go on."},
    "account.password.policy": {
        "ru": "Требования: не короче {min_length} символов; не из списка распространённых "
              "паролей; без имени пользователя. Проще всего запомнить фразу из нескольких не "
              "связанных слов; цифры и спецсимволы не обязательны.",
        "en": "Rules: at least {min_length} characters; not on the list of common passwords; "
              "not containing your username. A phrase of a few unrelated words is easiest "
              "to remember; digits and symbols are not required."},
    "account.password.old": {"ru": "Текущий пароль (или одноразовый)",
                             "en": "Current password (or the one-time one)"},
    "account.password.new": {"ru": "Новый пароль", "en": "New password"},
    "account.password.repeat": {"ru": "Новый пароль ещё раз", "en": "New password again"},
    "account.password.submit": {"ru": "Сменить пароль", "en": "Change password"},
    "account.password.old_required": {"ru": "введите текущий пароль",
                                      "en": "type your current password"},
    "account.password.mismatch": {
        "ru": "не совпадает с новым паролем; введите его ещё раз",
        "en": "does not match the new password; type it again"},
    "account.password.hint.ok": {"ru": "✓ пароль соответствует требованиям",
                                 "en": "✓ the password meets the rules"},
    "account.password.hint.problem": {"ru": "✗ {message}", "en": "✗ {message}"},
    "account.password.hint.match": {"ru": "✓ пароли совпадают", "en": "✓ the passwords match"},
    "account.password.hint.mismatch": {"ru": "✗ пароли не совпадают",
                                       "en": "✗ the passwords differ"},
    "account.password.changed": {"ru": "Пароль изменён.", "en": "Your password was changed."},
}
