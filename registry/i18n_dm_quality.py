"""Catalogue entries, Russian and English: Data-manager pages for the audit trail, data quality and
completeness (pages/dm_audit.py, pages/dm_quality.py, pages/dm_completeness.py); keys start with
dm.audit., dm.quality., dm.completeness., dm.nav.

Merged into `registry.i18n.CATALOGUE`; a key defined twice anywhere is an error. The entries
that are error codes (``dm.quality.duplicate``, ``dm.completeness.denied``, ...) produce, in
English, exactly the message the service raises, as `registry.i18n_messages` does.
"""

from __future__ import annotations

ENTRIES: dict[str, dict[str, str]] = {
    # --- navigation
    "dm.nav.quality": {"ru": "Качество данных", "en": "Data quality"},
    "dm.nav.completeness": {"ru": "Полнота и своевременность",
                            "en": "Completeness and timeliness"},
    # --- refusals and field errors of registry/services/queries.py
    "dm.quality.duplicate": {
        "ru": "по этой записи и полю уже есть незакрытый запрос №{id}; добавьте сообщение в "
              "его обсуждение",
        "en": "query #{id} on this record and field is still open; add to its thread instead",
    },
    "dm.quality.unknown_table": {
        "ru": "запросы создаются по таблицам {known}; указано {value}",
        "en": "queries are raised on {known}, not {value}",
    },
    "dm.quality.unknown_record": {
        "ru": "в таблице {table} нет записи №{id}",
        "en": "there is no {table} #{id}",
    },
    "dm.quality.unknown_field": {
        "ru": "в таблице {table} нет поля {value}",
        "en": "{table} has no field {value}",
    },
    "dm.quality.record_id_needed": {
        "ru": "укажите номер записи, к которой относится запрос",
        "en": "give the id of the record the query is about",
    },
    "dm.quality.site_mismatch": {
        "ru": "запись {table} №{id} относится к центру №{site}, а не №{given}",
        "en": "{table} #{id} belongs to site #{site}, not #{given}",
    },
    "dm.quality.answer_is_the_sites": {
        "ru": "статус «отвечен» ставит только ответ центра",
        "en": "only the site's answer marks a query answered",
    },
    "dm.quality.already_closed": {"ru": "запрос уже закрыт",
                                  "en": "the query is already closed"},
    "dm.quality.already_open": {"ru": "запрос уже открыт", "en": "the query is already open"},
    "dm.quality.close_reason_needed": {
        "ru": "центр ещё не ответил: чтобы закрыть запрос, укажите причину",
        "en": "the site has not answered: give a reason to close",
    },
    "dm.quality.reopen_reason_needed": {
        "ru": "укажите причину, по которой запрос открывается снова",
        "en": "give a reason to re-open the query",
    },
    # --- refusals of registry/services/completeness.py
    "dm.completeness.denied": {
        "ru": "пользователь {username} ({role}) не может открыть отчёт о полноте данных; он "
              "для дата-менеджеров",
        "en": "{username} ({role}) may not read the completeness report; it is for data "
              "managers",
    },
    "dm.completeness.bad_threshold": {
        "ru": "{value} — не доля в интервале (0, 1], например 0.9",
        "en": "{value} is not a share in (0, 1], e.g. 0.9",
    },
    # --- the rules (registry/quality/rules.py), English as the rule's description
    "dm.quality.rule.DQ01": {"ru": "Дата инфузии раньше даты афереза.",
                             "en": "Infusion dated before apheresis."},
    "dm.quality.rule.DQ02": {
        "ru": "Дней в ОРИТ больше, чем дней госпитализации, в форме наблюдения.",
        "en": "ICU days exceed hospital days on a follow-up form.",
    },
    "dm.quality.rule.DQ03": {
        "ru": "Форма наблюдения или нежелательное явление датированы после смерти пациента.",
        "en": "Follow-up form or adverse event dated after the patient's death.",
    },
    "dm.quality.rule.DQ04": {
        "ru": "Нет ответа на D28 после закрытия окна D28 (кроме пропущенных визитов).",
        "en": "No D28 response once the D28 window has closed (not when missed).",
    },
    "dm.quality.rule.DQ05": {
        "ru": "Полная ремиссия и рецидив/прогрессирование в один день оценки.",
        "en": "Complete remission and relapse/progression on the same assessment day.",
    },
    "dm.quality.rule.DQ06": {
        "ru": "От афереза до инфузии (vein-to-vein) больше 180 дней.",
        "en": "Vein-to-vein (apheresis to infusion) over 180 days.",
    },
    "dm.quality.rule.DQ07": {
        "ru": "Введённая доза CAR+ клеток вне диапазона доз препарата.",
        "en": "Infused CAR+ dose outside the product's dose range.",
    },
    "dm.quality.rule.DQ08": {
        "ru": "Степень CRS/ICANS не совпадает со степенью ASTCT 2019 по записанным признакам, "
              "а причина расхождения не указана.",
        "en": "CRS/ICANS grade differs from the ASTCT 2019 grade of its recorded signs, "
              "without an override reason.",
    },
    "dm.quality.rule.DUP-ID": {
        "ru": "Один и тот же СНИЛС зарегистрирован в двух центрах.",
        "en": "The same national insurance number registered at two sites.",
    },
    "dm.quality.severity.error": {"ru": "ошибка", "en": "error"},
    "dm.quality.severity.warning": {"ru": "предупреждение", "en": "warning"},
    # --- data quality page (pages/dm_quality.py)
    "dm.quality.title": {"ru": "Качество данных и запросы", "en": "Data quality and queries"},
    "dm.quality.tab.queries": {"ru": "Запросы", "en": "Queries"},
    "dm.quality.tab.rules": {"ru": "Правила проверки", "en": "Quality rules"},
    "dm.quality.tab.raise": {"ru": "Новый запрос", "en": "Raise a query"},
    "dm.quality.metric.unresolved": {"ru": "Не закрыто", "en": "Unresolved"},
    "dm.quality.metric.over_90": {"ru": "Не закрыто > 90 дней",
                                  "en": "Unresolved > 90 days"},
    "dm.quality.ageing": {"ru": "Сроки запросов по центрам", "en": "Query ageing by site"},
    "dm.quality.ageing_note": {
        "ru": "Возраст — дни от создания запроса до {date}; медиана, максимум и группы — по "
              "открытым и отвеченным (не закрытым) запросам.",
        "en": "Age is the days from a query being raised to {date}; median, maximum and "
              "buckets count the open and answered (not closed) queries.",
    },
    "dm.quality.bucket": {"ru": "{bucket} дн.", "en": "{bucket} days"},
    "dm.quality.axis.queries": {"ru": "Незакрытые запросы", "en": "Unresolved queries"},
    "dm.quality.col.age": {"ru": "Возраст, дн.", "en": "Age, days"},
    "dm.quality.col.median_age": {"ru": "Медиана возраста, дн.", "en": "Median age, days"},
    "dm.quality.col.max_age": {"ru": "Макс. возраст, дн.", "en": "Max age, days"},
    "dm.quality.col.rule": {"ru": "Правило", "en": "Rule"},
    "dm.quality.col.raised": {"ru": "Создан", "en": "Raised"},
    "dm.quality.col.description": {"ru": "Что проверяется", "en": "What it checks"},
    "dm.quality.col.severity": {"ru": "Серьёзность", "en": "Severity"},
    "dm.quality.no_site": {"ru": "без центра", "en": "no site"},
    "dm.quality.any": {"ru": "все", "en": "any"},
    "dm.quality.manual": {"ru": "вручную", "en": "by hand"},
    "dm.quality.list": {"ru": "Запросы данных", "en": "Data queries"},
    "dm.quality.shown": {"ru": "Показано запросов: {n} из {total}",
                         "en": "{n} of {total} queries shown"},
    "dm.quality.none": {"ru": "Нет запросов с такими условиями.",
                        "en": "No queries match these filters."},
    "dm.quality.no_messages": {"ru": "Сообщений пока нет.", "en": "No messages yet."},
    "dm.quality.message": {"ru": "Сообщение центру", "en": "Message to the site"},
    "dm.quality.send": {"ru": "Отправить сообщение", "en": "Send message"},
    "dm.quality.sent": {"ru": "Сообщение добавлено к запросу №{id}.",
                        "en": "Message added to query #{id}."},
    "dm.quality.reason": {"ru": "Причина", "en": "Reason"},
    "dm.quality.reason_needed": {"ru": "Причина (обязательна: центр не ответил)",
                                 "en": "Reason (required: the site has not answered)"},
    "dm.quality.close": {"ru": "Закрыть запрос", "en": "Close query"},
    "dm.quality.close_done": {"ru": "Запрос №{id} закрыт.", "en": "Query #{id} closed."},
    "dm.quality.reopen": {"ru": "Открыть снова", "en": "Re-open query"},
    "dm.quality.reopen_done": {"ru": "Запрос №{id} открыт снова.",
                               "en": "Query #{id} re-opened."},
    "dm.quality.rules": {"ru": "Правила проверки данных", "en": "Data-quality rules"},
    "dm.quality.run_which": {"ru": "Какие правила запустить", "en": "Rules to run"},
    "dm.quality.all_rules": {"ru": "все правила", "en": "all rules"},
    "dm.quality.run": {"ru": "Запустить проверку", "en": "Run rules"},
    "dm.quality.last_run": {"ru": "Последняя проверка (на {date})",
                            "en": "Last run (as of {date})"},
    "dm.quality.run.found": {"ru": "Найдено", "en": "Found"},
    "dm.quality.run.raised": {"ru": "Создано запросов", "en": "Queries raised"},
    "dm.quality.run.already_open": {"ru": "Уже открыты", "en": "Already open"},
    "dm.quality.run.closed": {"ru": "Закрыты ранее", "en": "Closed before"},
    "dm.quality.raise": {"ru": "Новый запрос данных", "en": "Raise a data query"},
    "dm.quality.table": {"ru": "Таблица", "en": "Table"},
    "dm.quality.record_id": {"ru": "Номер записи", "en": "Record id"},
    "dm.quality.whole_record": {"ru": "вся запись", "en": "the whole record"},
    "dm.quality.site_from_record": {
        "ru": "Центр берётся из записи: запрос увидит центр, которому она принадлежит.",
        "en": "The site is taken from the record: the query goes to the site it belongs to.",
    },
    "dm.quality.raise_submit": {"ru": "Создать запрос", "en": "Raise query"},
    "dm.quality.raised": {"ru": "Запрос №{id} создан для центра {site}.",
                          "en": "Query #{id} raised for site {site}."},
    # --- completeness page (pages/dm_completeness.py)
    "dm.completeness.title": {"ru": "Полнота и своевременность данных",
                              "en": "Data completeness and timeliness"},
    "dm.completeness.threshold": {"ru": "Порог полноты, %", "en": "Completeness threshold, %"},
    "dm.completeness.threshold_help": {
        "ru": "Центры с полнотой ниже порога отмечаются. По умолчанию {default} (настройка "
              "REGISTRY_COMPLETENESS_THRESHOLD).",
        "en": "Sites below the threshold are flagged. Default {default} (setting "
              "REGISTRY_COMPLETENESS_THRESHOLD).",
    },
    "dm.completeness.bad_setting": {
        "ru": "Настройка REGISTRY_COMPLETENESS_THRESHOLD не принята: {problem}",
        "en": "The setting REGISTRY_COMPLETENESS_THRESHOLD is not valid: {problem}",
    },
    "dm.completeness.as_of": {"ru": "На дату", "en": "As of"},
    "dm.completeness.pick_date": {"ru": "Выберите дату отчёта.",
                                  "en": "Choose the report date."},
    "dm.completeness.metric.expected": {"ru": "Ожидалось форм", "en": "Forms expected"},
    "dm.completeness.metric.overdue": {"ru": "Просрочено форм", "en": "Forms overdue"},
    "dm.completeness.metric.overall": {"ru": "Полнота, все центры",
                                       "en": "Completeness, all sites"},
    "dm.completeness.metric.flagged": {"ru": "Центров ниже {threshold}",
                                       "en": "Sites below {threshold}"},
    "dm.completeness.rules": {
        "ru": "Форма ожидается, когда её окно закрылось до {date}, если пациент не умер и не "
              "выбыл из наблюдения до целевого дня; полученные формы — из ожидаемых.",
        "en": "A form is expected once its window closed before {date}, unless the patient "
              "died or was lost to follow-up before its target day; received counts among "
              "the expected.",
    },
    "dm.completeness.flagged": {"ru": "Полнота ниже {threshold}: {sites}.",
                                "en": "Completeness below {threshold}: {sites}."},
    "dm.completeness.none_flagged": {"ru": "Все центры не ниже {threshold}.",
                                     "en": "Every site is at {threshold} or above."},
    "dm.completeness.by_site": {"ru": "По центрам", "en": "By site"},
    "dm.completeness.col.name": {"ru": "Название", "en": "Name"},
    "dm.completeness.col.expected": {"ru": "Ожидалось", "en": "Expected"},
    "dm.completeness.col.received": {"ru": "Получено", "en": "Received"},
    "dm.completeness.col.overdue": {"ru": "Просрочено", "en": "Overdue"},
    "dm.completeness.col.completeness": {"ru": "Полнота", "en": "Completeness"},
    "dm.completeness.col.entered": {"ru": "Введено форм", "en": "Forms entered"},
    "dm.completeness.col.median_entry": {"ru": "Медиана дней до ввода",
                                         "en": "Median days to entry"},
    "dm.completeness.col.p90_entry": {"ru": "90-й перцентиль дней до ввода",
                                      "en": "90th percentile days to entry"},
    "dm.completeness.timeliness_note": {
        "ru": "⚠ — ниже порога. Дни до ввода: от даты оценки до дня внесения формы в регистр "
              "(UTC), по всем формам наблюдения, внесённым к дате отчёта.",
        "en": "⚠ — below the threshold. Days to entry: from the assessment date to the day the "
              "form was entered (UTC), over every follow-up form entered by the report date.",
    },
    "dm.completeness.heatmap": {"ru": "Полнота по центрам и визитам",
                                "en": "Completeness by site and timepoint"},
    "dm.completeness.nothing_expected": {"ru": "На эту дату ещё ни одна форма не ожидалась.",
                                         "en": "No form was expected yet by this date."},
    "dm.completeness.overdue_table": {"ru": "Просроченные формы по центрам и визитам",
                                      "en": "Overdue forms by site and timepoint"},
}
