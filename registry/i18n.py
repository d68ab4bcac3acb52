"""One catalogue of every label and message, in Russian (the default) and English.

Pages call `t(key, lang, **params)`; errors from the services carry a catalogue `code` and
`params` (see `registry.errors.FieldError`) and are shown with `error_text`. Codes shown to
users (indications, responses, ...) keep their clinical abbreviations in both languages; their
descriptions come from `code_label`. Dates are shown as DD.MM.YYYY.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Literal

from registry.errors import FieldError

Language = Literal["ru", "en"]
LANGUAGES: tuple[Language, ...] = ("ru", "en")
DEFAULT_LANGUAGE: Language = "ru"

CATALOGUE: dict[str, dict[Language, str]] = {
    # --- frame, login, navigation
    "app.title": {"ru": "Регистр CAR-T терапии", "en": "CAR-T outcomes registry"},
    "app.tagline": {
        "ru": "Долгосрочное наблюдение после анти-CD19 CAR-T терапии: отечественный и "
              "импортный препарат, от афереза до 15 лет.",
        "en": "Long-term follow-up of anti-CD19 CAR-T cell therapy: the domestic and the "
              "imported product, from apheresis to year 15.",
    },
    "login.username": {"ru": "Имя пользователя", "en": "Username"},
    "login.password": {"ru": "Пароль", "en": "Password"},
    "login.submit": {"ru": "Войти", "en": "Log in"},
    "nav.language": {"ru": "Язык / Language", "en": "Язык / Language"},
    "nav.section.registry": {"ru": "Регистр", "en": "Registry"},
    "nav.section.patients": {"ru": "Пациенты", "en": "Patients"},
    "nav.section.account": {"ru": "Учётная запись", "en": "Account"},
    "nav.home": {"ru": "Главная", "en": "Home"},
    "nav.worklist": {"ru": "Рабочий список", "en": "Worklist"},
    "nav.patients": {"ru": "Пациенты", "en": "Patients"},
    "nav.patient": {"ru": "Карта пациента", "en": "Patient timeline"},
    "nav.register": {"ru": "Регистрация пациента", "en": "Register patient"},
    "nav.treatment": {"ru": "Аферез и инфузия", "en": "Apheresis and infusion"},
    "nav.followup": {"ru": "Форма наблюдения", "en": "Follow-up form"},
    "nav.adverse_event": {"ru": "Нежелательное явление", "en": "Adverse event"},
    "nav.death": {"ru": "Смерть", "en": "Death"},
    "nav.correct": {"ru": "Исправление записи", "en": "Correct a record"},
    "nav.upload": {"ru": "Загрузка файла", "en": "Bulk upload"},
    "nav.queries": {"ru": "Запросы данных", "en": "Data queries"},
    "nav.logout": {"ru": "Выйти", "en": "Log out"},
    "home.signed_in": {"ru": "Вы вошли как **{username}** · роль: {role}",
                       "en": "Signed in as **{username}** · role: {role}"},
    "home.by_product": {"ru": "Эпизоды лечения по препаратам",
                        "en": "Treatment episodes by product"},
    "home.small_cells": {"ru": "Числа от 1 до 4 показаны как <5.",
                         "en": "Counts of 1-4 are shown as <5."},
    # --- roles
    "role.site_clinician": {"ru": "врач центра", "en": "site clinician"},
    "role.leadership": {"ru": "руководство", "en": "leadership"},
    "role.economist": {"ru": "экономист", "en": "health economist"},
    "role.data_manager": {"ru": "дата-менеджер", "en": "data manager"},
    "role.system": {"ru": "система", "en": "system"},
    # --- generic
    "common.save": {"ru": "Сохранить", "en": "Save"},
    "common.saved": {"ru": "Сохранено.", "en": "Saved."},
    "common.nothing_saved": {"ru": "Ничего не сохранено: исправьте отмеченные поля.",
                             "en": "Nothing was saved: correct the fields marked below."},
    "common.none": {"ru": "нет", "en": "none"},
    "common.yes": {"ru": "да", "en": "yes"},
    "common.no": {"ru": "нет", "en": "no"},
    "common.unknown": {"ru": "неизвестно", "en": "unknown"},
    "common.choose_patient": {"ru": "Выберите пациента на странице «Пациенты».",
                              "en": "Choose a patient on the Patients page first."},
    # --- errors shown from the services (FieldError.code)
    "date.after": {"ru": "{value} позже, чем {what} ({limit})",
                   "en": "{value} is after {what} ({limit})"},
    "date.before": {"ru": "{value} раньше, чем {what} ({limit})",
                    "en": "{value} is before {what} ({limit})"},
    "date.future": {"ru": "{value} — дата в будущем", "en": "{value} is in the future"},
    "pydantic.missing": {"ru": "обязательное поле", "en": "required"},
    "pydantic.enum": {"ru": "недопустимый код {value}; допустимо: {expected}",
                      "en": "{value} is not an allowed code; allowed: {expected}"},
    "pydantic.greater_than_equal": {"ru": "должно быть не меньше {ge} (указано {value})",
                                    "en": "must be at least {ge} (got {value})"},
    "pydantic.less_than_equal": {"ru": "должно быть не больше {le} (указано {value})",
                                 "en": "must be at most {le} (got {value})"},
    "pydantic.greater_than": {"ru": "должно быть больше {gt} (указано {value})",
                              "en": "must be greater than {gt} (got {value})"},
    "pydantic.string_too_short": {"ru": "слишком коротко: минимум {min_length} символов",
                                  "en": "too short: at least {min_length} characters"},
    "pydantic.string_too_long": {"ru": "слишком длинно: максимум {max_length} символов",
                                 "en": "too long: at most {max_length} characters"},
    "pydantic.string_pattern_mismatch": {
        "ru": "недопустимые символы в {value}", "en": "{value} has characters not allowed here"},
    "pydantic.int_parsing": {"ru": "нужно целое число (указано {value})",
                             "en": "a whole number is needed (got {value})"},
    "pydantic.float_parsing": {"ru": "нужно число (указано {value})",
                               "en": "a number is needed (got {value})"},
    "pydantic.date_from_datetime_parsing": {"ru": "нужна дата ДД.ММ.ГГГГ (указано {value})",
                                            "en": "a date DD.MM.YYYY is needed (got {value})"},
    "pydantic.date_parsing": {"ru": "нужна дата ДД.ММ.ГГГГ (указано {value})",
                              "en": "a date DD.MM.YYYY is needed (got {value})"},
    "pydantic.bool_parsing": {"ru": "нужно да/нет (указано {value})",
                              "en": "yes/no is needed (got {value})"},
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """The text of `key` in `lang` with `params` filled in.

    Unknown keys raise `KeyError` (a test checks every key the pages use exists).

    Examples
    --------
    >>> t("login.submit", "ru")
    'Войти'
    >>> t("date.future", "en", value="01.01.2030")
    '01.01.2030 is in the future'
    """
    entry = CATALOGUE[key]
    text = entry.get(lang if lang in LANGUAGES else DEFAULT_LANGUAGE) or entry["en"]
    return text.format(**params) if params else text


def error_text(error: FieldError, lang: str = DEFAULT_LANGUAGE) -> str:
    """A service's field error in the user's language (its English text when not catalogued)."""
    if error.code and error.code in CATALOGUE:
        try:
            return t(error.code, lang, **error.params)
        except (KeyError, IndexError):
            return error.message
    return error.message


def format_date(value: date | None) -> str:
    """DD.MM.YYYY, or an empty string.

    >>> format_date(date(2026, 3, 1))
    '01.03.2026'
    """
    return "" if value is None else value.strftime("%d.%m.%Y")


def code_label(code: Enum, lang: str = DEFAULT_LANGUAGE) -> str:
    """A code's label: the catalogue's `code.<Enum>.<value>` or the code itself."""
    key = f"code.{type(code).__name__}.{code.value}"
    return t(key, lang) if key in CATALOGUE else str(code.value)
