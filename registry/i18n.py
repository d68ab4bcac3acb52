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

from registry.errors import FieldError, RegistryError
from registry.i18n_admin import ENTRIES as ADMIN_ENTRIES
from registry.i18n_dm_quality import ENTRIES as DM_QUALITY_ENTRIES
from registry.i18n_dm_users import ENTRIES as DM_USERS_ENTRIES
from registry.i18n_econ_analysis import ENTRIES as ECON_ANALYSIS_ENTRIES
from registry.i18n_econ_cea import ENTRIES as ECON_CEA_ENTRIES
from registry.i18n_econ_cohort import ENTRIES as ECON_COHORT_ENTRIES
from registry.i18n_leadership import ENTRIES as LEADERSHIP_ENTRIES
from registry.i18n_messages import ENTRIES as MESSAGE_ENTRIES
from registry.i18n_outcomes import ENTRIES as OUTCOME_ENTRIES
from registry.i18n_session import ENTRIES as SESSION_ENTRIES

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
    "login.wrong": {
        "ru": "Неверное имя пользователя или пароль.",
        "en": "Wrong username or password.",
    },
    "login.locked": {
        "ru": "Учётная запись заблокирована после {failures} неудачных попыток входа; "
        "повторите через {minutes} мин или обратитесь к дата-менеджеру.",
        "en": "Account locked after {failures} failed logins; try again in {minutes} min or "
        "ask a data manager to unlock it.",
    },
    "login.inactive": {
        "ru": "Учётная запись отключена; обратитесь к дата-менеджеру.",
        "en": "This account is deactivated; ask a data manager.",
    },
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
    "chart.download_svg": {"ru": "Скачать график (SVG)", "en": "Download chart (SVG)"},
    "home.signed_in": {
        "ru": "Вы вошли как **{username}** · роль: {role}",
        "en": "Signed in as **{username}** · role: {role}",
    },
    "home.by_product": {
        "ru": "Эпизоды лечения по препаратам",
        "en": "Treatment episodes by product",
    },
    "home.small_cells": {
        "ru": "Числа от 1 до 4 показаны как <5.",
        "en": "Counts of 1-4 are shown as <5.",
    },
    "home.title.data_manager": {
        "ru": "Управление данными регистра",
        "en": "Registry data management",
    },
    "home.title.leadership": {
        "ru": "Обзор для руководства центра",
        "en": "Centre leadership overview",
    },
    "home.title.economist": {"ru": "Рабочее место экономиста", "en": "Health economics workspace"},
    "count.patients": {"ru": "Пациенты", "en": "Patients"},
    "count.registered": {"ru": "Зарегистрировано", "en": "Patients registered"},
    "count.infused": {"ru": "Получили инфузию", "en": "Infused"},
    "count.overdue": {"ru": "Просроченные формы", "en": "Follow-ups overdue"},
    "count.due": {"ru": "Формы к заполнению", "en": "Follow-ups due now"},
    "count.upcoming": {"ru": "Ближайшие 30 дней", "en": "Next 30 days"},
    "count.open_queries": {"ru": "Открытые запросы", "en": "Open data queries"},
    "count.sites": {"ru": "Центры", "en": "Sites"},
    "count.users": {"ru": "Пользователи", "en": "Users"},
    "count.sites_enrolling": {"ru": "Центров включают", "en": "Sites enrolling"},
    "worklist.overdue": {"ru": "Просрочены", "en": "Overdue"},
    "worklist.due": {"ru": "Ожидаются сейчас", "en": "Due now"},
    "worklist.upcoming": {"ru": "В ближайшие 30 дней", "en": "Upcoming (next 30 days)"},
    "worklist.none": {"ru": "Нет форм.", "en": "No forms."},
    "worklist.open_form": {"ru": "Открыть форму", "en": "Open form"},
    "worklist.pick": {"ru": "Форма", "en": "Form"},
    "worklist.queries": {"ru": "Открытые запросы данных", "en": "Open data queries"},
    "worklist.no_queries": {"ru": "Открытых запросов нет.", "en": "No open queries."},
    "col.registry_id": {"ru": "Рег. номер", "en": "Registry id"},
    "col.site": {"ru": "Центр", "en": "Site"},
    "col.site_code": {"ru": "Код в центре", "en": "Site code"},
    "col.timepoint": {"ru": "Визит", "en": "Timepoint"},
    "col.window": {"ru": "Окно", "en": "Window"},
    "col.target": {"ru": "Целевая дата", "en": "Target"},
    "col.indication": {"ru": "Диагноз", "en": "Indication"},
    "col.product": {"ru": "Препарат", "en": "Product"},
    "col.status": {"ru": "Статус", "en": "Status"},
    "col.infusion": {"ru": "Инфузия", "en": "Infusion"},
    "col.date": {"ru": "Дата", "en": "Date"},
    "col.event": {"ru": "Событие", "en": "Event"},
    "col.details": {"ru": "Подробности", "en": "Details"},
    "col.record": {"ru": "Запись", "en": "Record"},
    "col.field": {"ru": "Поле", "en": "Field"},
    "col.message": {"ru": "Сообщение", "en": "Message"},
    "col.row": {"ru": "Строка", "en": "Row"},
    "col.column": {"ru": "Столбец", "en": "Column"},
    "patients.search": {
        "ru": "Поиск по рег. номеру или коду центра",
        "en": "Search by registry id or site code",
    },
    "patients.any": {"ru": "все", "en": "any"},
    "patients.found": {"ru": "Найдено пациентов: {n}", "en": "{n} patients found"},
    "patients.pick": {"ru": "Пациент", "en": "Patient"},
    "patients.open": {"ru": "Открыть карту пациента", "en": "Open timeline"},
    "status.registered": {"ru": "зарегистрирован", "en": "registered"},
    "status.apheresed": {"ru": "аферез", "en": "apheresed"},
    "status.infused": {"ru": "инфузия", "en": "infused"},
    "status.not_infused": {"ru": "без инфузии", "en": "not infused"},
    "status.dead": {"ru": "умер", "en": "died"},
    "patient.summary": {
        "ru": "Центр {site} · {indication} · пол {sex} · {birth_year} г.р. · диагноз "
        "{diagnosis} · линий терапии до CAR-T: {lines}",
        "en": "Site {site} · {indication} · sex {sex} · born {birth_year} · diagnosed "
        "{diagnosis} · prior lines: {lines}",
    },
    "patient.died": {"ru": "Умер {date}: {cause}", "en": "Died {date}: {cause}"},
    "patient.chain": {"ru": "Цепочка лечения", "en": "Treatment chain"},
    "patient.no_episode": {"ru": "Аферез ещё не записан.", "en": "No apheresis recorded yet."},
    "patient.apheresis": {"ru": "Аферез", "en": "Apheresis"},
    "patient.lot": {"ru": "Серия", "en": "Lot"},
    "patient.qc_ok": {"ru": "ОКК пройден", "en": "QC passed"},
    "patient.qc_oos": {"ru": "вне спецификации", "en": "out of specification"},
    "patient.qc_failed": {"ru": "производство не удалось", "en": "manufacturing failed"},
    "patient.infusion": {"ru": "Инфузия", "en": "Infusion"},
    "patient.not_infused": {"ru": "Инфузия не проведена", "en": "Not infused"},
    "patient.next": {"ru": "Ближайшие формы наблюдения", "en": "Follow-up forms due next"},
    "event.apheresis": {"ru": "Аферез", "en": "Apheresis"},
    "event.lot_start": {"ru": "Начало производства", "en": "Manufacture start"},
    "event.lot_release": {"ru": "Выпуск серии", "en": "Lot release"},
    "event.infusion": {"ru": "Инфузия", "en": "Infusion"},
    "event.not_infused": {"ru": "Без инфузии", "en": "Not infused"},
    "event.followup": {"ru": "Визит наблюдения", "en": "Follow-up"},
    "event.ae": {"ru": "Нежелательное явление", "en": "Adverse event"},
    "event.death": {"ru": "Смерть", "en": "Death"},
    "treatment.apheresis": {
        "ru": "Аферез (открывает эпизод лечения)",
        "en": "Apheresis (opens a treatment episode)",
    },
    "treatment.apheresis_saved": {
        "ru": "Аферез {date} записан.",
        "en": "Apheresis on {date} recorded.",
    },
    "treatment.open_episode": {
        "ru": "Эпизод №{n}: {product}, аферез {date}.",
        "en": "Episode #{n}: {product}, apheresis {date}.",
    },
    "treatment.lot": {"ru": "Серия и контроль качества", "en": "Manufacturing lot and QC"},
    "treatment.existing_lot": {
        "ru": "Выбрать уже записанную серию",
        "en": "Pick a lot already recorded",
    },
    "treatment.link_lot": {"ru": "Привязать серию", "en": "Link this lot"},
    "treatment.lot_saved": {"ru": "Серия {lot} записана.", "en": "Lot {lot} recorded."},
    "treatment.infusion": {"ru": "Инфузия", "en": "Infusion"},
    "treatment.infusion_saved": {
        "ru": "Инфузия {date} записана (день 0).",
        "en": "Infusion on {date} recorded (day 0).",
    },
    "treatment.not_infused": {"ru": "Инфузия не проведена", "en": "Not infused"},
    "treatment.not_infused_saved": {
        "ru": "Записано: инфузия не проведена.",
        "en": "Recorded as not infused.",
    },
    "followup.not_infused": {
        "ru": "Формы наблюдения заполняются после инфузии.",
        "en": "Follow-up forms start after the infusion.",
    },
    "followup.saved": {
        "ru": "Форма {timepoint} от {date} сохранена.",
        "en": "The {timepoint} form of {date} was saved.",
    },
    "ae.calculator": {
        "ru": "**Калькулятор ASTCT 2019**: отметьте симптомы — степень рассчитывается сразу.",
        "en": "**ASTCT 2019 calculator**: enter the signs and the grade is computed at once.",
    },
    "ae.computed_grade": {"ru": "Рассчитанная степень {kind}", "en": "Computed {kind} grade"},
    "ae.grade": {"ru": "Степень", "en": "Grade"},
    "ae.use_computed": {"ru": "рассчитанная", "en": "as computed"},
    "ae.saved": {
        "ru": "{kind} степени {grade} от {date} сохранено.",
        "en": "{kind} grade {grade} of {date} saved.",
    },
    "correct.patient": {"ru": "Пациент", "en": "Patient"},
    "correct.last_changed": {
        "ru": "Последнее изменение: {who}, {when} · версия {version}",
        "en": "Last changed by {who}, {when} · version {version}",
    },
    "correct.changed_since": {
        "ru": "Запись изменена после того, как вы её открыли (теперь версия {version}).",
        "en": "The record changed after you opened it (now version {version}).",
    },
    "correct.reload": {"ru": "Открыть новую версию", "en": "Open the newer version"},
    "correct.new_value": {"ru": "Новое значение", "en": "New value"},
    "correct.value_help": {
        "ru": "Даты — ДД.ММ.ГГГГ; пусто — удалить значение; да/нет — "
        "true/false; коды — как в списке кодов.",
        "en": "Dates as DD.MM.YYYY; empty clears the value; yes/no as "
        "true/false; codes as in the code list.",
    },
    "correct.saved": {
        "ru": "Исправление сохранено (полей изменено: {n}).",
        "en": "Correction saved ({n} field(s) changed).",
    },
    "correct.newer_values": {
        "ru": "Текущие (более новые) значения записи:",
        "en": "The record's current (newer) values:",
    },
    "query.open": {"ru": "открыт", "en": "open"},
    "query.answered": {"ru": "отвечен", "en": "answered"},
    "query.closed": {"ru": "закрыт", "en": "closed"},
    "query.pick": {"ru": "Запрос", "en": "Query"},
    "query.question": {"ru": "Вопрос:", "en": "Question:"},
    "query.send": {"ru": "Отправить ответ", "en": "Send answer"},
    "upload.intro": {
        "ru": "Загрузите CSV или XLSX по шаблону. Сначала проверка: ошибки показываются по "
        "строкам и столбцам. Сохранение — всё или ничего; повторная загрузка того же "
        "файла ничего не добавит.",
        "en": "Upload a CSV or XLSX made from the template. Preview first: errors are listed "
        "by row and column. Saving is all or nothing; the same file twice adds nothing.",
    },
    "upload.kind": {"ru": "Что загружаем", "en": "What to upload"},
    "upload.kind.patients": {"ru": "Пациенты", "en": "Patients"},
    "upload.kind.followups": {"ru": "Формы наблюдения", "en": "Follow-ups"},
    "upload.kind.adverse_events": {"ru": "Нежелательные явления", "en": "Adverse events"},
    "upload.template_csv": {"ru": "Шаблон CSV", "en": "CSV template"},
    "upload.template_xlsx": {"ru": "Шаблон XLSX (с кодами)", "en": "XLSX template (with codes)"},
    "upload.file": {"ru": "Файл", "en": "File"},
    "upload.preview": {"ru": "Проверить", "en": "Preview"},
    "upload.commit": {"ru": "Сохранить все строки", "en": "Save all rows"},
    "upload.checking": {"ru": "Проверка строк", "en": "Checking rows"},
    "upload.saving": {"ru": "Проверка и сохранение строк", "en": "Checking and saving rows"},
    "upload.rows": {"ru": "Строк", "en": "Rows"},
    "upload.new": {"ru": "Новых", "en": "New"},
    "upload.duplicates": {"ru": "Уже в регистре", "en": "Already in the registry"},
    "upload.errors": {"ru": "Ошибок", "en": "Errors"},
    "upload.has_errors": {
        "ru": "Файл содержит ошибки; ничего не сохранено.",
        "en": "The file has errors; nothing was saved.",
    },
    "upload.errors_csv": {"ru": "Скачать ошибки (CSV)", "en": "Download errors (CSV)"},
    "upload.valid": {"ru": "Ошибок нет: можно сохранять.", "en": "No errors: ready to save."},
    "upload.refused": {
        "ru": "Ничего не сохранено: ошибок {n}.",
        "en": "Nothing was saved: {n} error(s).",
    },
    "upload.committed": {
        "ru": "Сохранено строк: {created}; уже были в регистре: {skipped}.",
        "en": "{created} row(s) saved; {skipped} already in the registry.",
    },
    "register.privacy": {
        "ru": "Только псевдонимные данные: без ФИО, полной даты рождения и адреса. СНИЛС "
        "проверяется и сохраняется лишь в виде хэша — для поиска дублей между центрами.",
        "en": "Pseudonymised data only: no names, full birth dates or addresses. The SNILS is "
        "checked and kept only as a hash, to find the same person at two sites.",
    },
    "death.already": {
        "ru": "Не сохранено: смерть этого пациента уже записана (возможно, в другой вкладке). "
              "Исправьте существующую запись, если нужно.",
        "en": "Not saved: this patient's death is already recorded (perhaps in another tab). "
              "Correct that record if needed."},
    "register.open": {"ru": "Открыть карту пациента", "en": "Open the patient's timeline"},
    "register.done": {
        "ru": "Пациент зарегистрирован: {registry_id}.",
        "en": "Patient registered: {registry_id}.",
    },
    "form.upcoming": {"ru": "предстоит", "en": "upcoming"},
    "form.due": {"ru": "ожидается сейчас", "en": "due now"},
    "form.overdue": {"ru": "просрочена", "en": "overdue"},
    "form.missed": {"ru": "пропущена", "en": "missed"},
    "form.received": {"ru": "получена", "en": "received"},
    "table.patient": {"ru": "пациент", "en": "patient"},
    "table.treatmentepisode": {"ru": "эпизод лечения", "en": "treatment episode"},
    "table.manufacturinglot": {"ru": "серия", "en": "lot"},
    "table.followup": {"ru": "форма наблюдения", "en": "follow-up"},
    "table.adverseevent": {"ru": "нежелательное явление", "en": "adverse event"},
    "table.death": {"ru": "смерть", "en": "death"},
    "worklist.days_overdue": {"ru": "Дней просрочки", "en": "Days overdue"},
    # --- fields and codes
    "field.site_patient_code": {"ru": "Код пациента в центре", "en": "Site patient code"},
    "field.national_insurance_number": {
        "ru": "СНИЛС (не сохраняется, только хэш)",
        "en": "SNILS (not stored, only its hash)",
    },
    "field.sex": {"ru": "Пол", "en": "Sex"},
    "field.birth_year": {"ru": "Год рождения", "en": "Birth year"},
    "field.indication": {"ru": "Диагноз (показание)", "en": "Indication"},
    "field.diagnosis_date": {"ru": "Дата диагноза", "en": "Diagnosis date"},
    "field.consent_date": {"ru": "Дата согласия", "en": "Consent date"},
    "field.prior_lines": {"ru": "Линий терапии до CAR-T", "en": "Prior lines of therapy"},
    "field.prior_auto_hsct": {"ru": "Ауто-ТГСК в анамнезе", "en": "Prior auto-HSCT"},
    "field.prior_allo_hsct": {"ru": "Алло-ТГСК в анамнезе", "en": "Prior allo-HSCT"},
    "field.ecog": {"ru": "ECOG при направлении", "en": "ECOG at referral"},
    "field.ldh_above_uln": {"ru": "ЛДГ выше нормы", "en": "LDH above ULN"},
    "field.bulky_disease": {"ru": "Массивное поражение (bulky)", "en": "Bulky disease"},
    "field.marrow_blasts_pct": {"ru": "Бласты в костном мозге, %", "en": "Bone-marrow blasts, %"},
    "field.product_id": {"ru": "Препарат", "en": "Product"},
    "field.apheresis_date": {"ru": "Дата афереза", "en": "Apheresis date"},
    "field.lot_number": {"ru": "Номер серии", "en": "Lot number"},
    "field.manufacturing_site": {"ru": "Место производства", "en": "Manufacturing site"},
    "field.start_date": {"ru": "Начало производства", "en": "Manufacture start"},
    "field.release_date": {"ru": "Дата выпуска", "en": "Release date"},
    "field.viability_pct": {"ru": "Жизнеспособность, %", "en": "Viability, %"},
    "field.transduction_pct": {
        "ru": "Эффективность трансдукции, %",
        "en": "Transduction efficiency, %",
    },
    "field.vcn_per_cell": {
        "ru": "Копий вектора на клетку (VCN)",
        "en": "Vector copies per cell (VCN)",
    },
    "field.car_positive_cells": {"ru": "CAR+ клеток в серии", "en": "CAR+ cells in the lot"},
    "field.sterility": {"ru": "Стерильность", "en": "Sterility"},
    "field.endotoxin": {"ru": "Эндотоксин", "en": "Endotoxin"},
    "field.mycoplasma": {"ru": "Микоплазма", "en": "Mycoplasma"},
    "field.out_of_specification": {"ru": "Вне спецификации", "en": "Out of specification"},
    "field.manufacturing_failed": {"ru": "Производство не удалось", "en": "Manufacturing failed"},
    "field.infusion_date": {"ru": "Дата инфузии (день 0)", "en": "Infusion date (day 0)"},
    "field.bridging": {"ru": "Бриджинг-терапия", "en": "Bridging therapy"},
    "field.lymphodepletion": {"ru": "Лимфодеплеция", "en": "Lymphodepletion"},
    "field.dose_car_positive_cells": {"ru": "Доза, CAR+ клеток", "en": "Dose, CAR+ cells"},
    "field.weight_kg": {"ru": "Масса тела, кг", "en": "Weight, kg"},
    "field.dose_per_kg": {"ru": "Доза на кг", "en": "Dose per kg"},
    "field.reason": {"ru": "Причина", "en": "Reason"},
    "field.decision_date": {"ru": "Дата решения", "en": "Decision date"},
    "field.episode_id": {"ru": "Эпизод лечения", "en": "Treatment episode"},
    "field.timepoint": {"ru": "Визит", "en": "Timepoint"},
    "field.assessment_date": {"ru": "Дата оценки", "en": "Assessment date"},
    "field.vital_status": {"ru": "Жизненный статус", "en": "Vital status"},
    "field.response": {"ru": "Ответ", "en": "Response"},
    "field.response_criteria": {"ru": "Критерии ответа", "en": "Response criteria"},
    "field.mrd_negative": {"ru": "МОБ-негативность (<10⁻⁴)", "en": "MRD negative (<10⁻⁴)"},
    "field.b_cell_aplasia": {"ru": "B-клеточная аплазия", "en": "B-cell aplasia"},
    "field.ivig": {"ru": "ВВИГ", "en": "IVIG"},
    "field.hospital_days": {"ru": "Дней в стационаре", "en": "Hospital days"},
    "field.icu_days": {"ru": "Дней в ОРИТ", "en": "ICU days"},
    "field.new_therapy": {"ru": "Новая терапия", "en": "New therapy"},
    "field.new_therapy_date": {"ru": "Дата начала новой терапии", "en": "New therapy start date"},
    "field.relapse_or_progression": {"ru": "Рецидив / прогрессия", "en": "Relapse / progression"},
    "field.relapse_date": {"ru": "Дата рецидива / прогрессии", "en": "Relapse / progression date"},
    "field.new_malignancy": {"ru": "Новое злокачественное новообразование", "en": "New malignancy"},
    "field.lost_to_follow_up": {"ru": "Выбыл из наблюдения", "en": "Lost to follow-up"},
    "field.comments": {"ru": "Комментарий", "en": "Comments"},
    "field.event_type": {"ru": "Тип явления", "en": "Event type"},
    "field.onset_date": {"ru": "Дата начала", "en": "Onset date"},
    "field.resolution_date": {"ru": "Дата разрешения", "en": "Resolution date"},
    "field.grading_scale": {"ru": "Шкала оценки", "en": "Grading scale"},
    "field.grade": {"ru": "Степень", "en": "Grade"},
    "field.grade_override_reason": {
        "ru": "Причина изменения рассчитанной степени",
        "en": "Reason for overriding the computed grade",
    },
    "field.tocilizumab_doses": {"ru": "Доз тоцилизумаба", "en": "Tocilizumab doses"},
    "field.corticosteroids": {"ru": "Кортикостероиды", "en": "Corticosteroids"},
    "field.anakinra": {"ru": "Анакинра", "en": "Anakinra"},
    "field.icu": {"ru": "Перевод в ОРИТ", "en": "ICU admission"},
    "field.description": {"ru": "Описание", "en": "Description"},
    "field.signs": {"ru": "Симптомы", "en": "Signs"},
    "field.death_date": {"ru": "Дата смерти", "en": "Date of death"},
    "field.cause": {"ru": "Основная причина", "en": "Primary cause"},
    "field.body": {"ru": "Ответ", "en": "Answer"},
    "field.max_temperature_c": {"ru": "Макс. температура, °C", "en": "Max temperature, °C"},
    "field.fever_masked": {
        "ru": "Лихорадка маскирована (жаропонижающие/тоцилизумаб)",
        "en": "Fever masked (antipyretics/tocilizumab)",
    },
    "field.hypotension": {"ru": "Гипотензия", "en": "Hypotension"},
    "field.oxygen": {"ru": "Кислородная поддержка", "en": "Oxygen support"},
    "field.ice": {"ru": "Шкала ICE (0–10)", "en": "ICE score (0–10)"},
    "field.consciousness": {"ru": "Уровень сознания", "en": "Level of consciousness"},
    "field.seizure": {"ru": "Судороги", "en": "Seizures"},
    "field.motor": {"ru": "Двигательные нарушения", "en": "Motor findings"},
    "field.raised_icp": {"ru": "Повышенное ВЧД / отёк мозга", "en": "Raised ICP / cerebral oedema"},
    "code.Sex.F": {"ru": "женский", "en": "female"},
    "code.Sex.M": {"ru": "мужской", "en": "male"},
    "code.Hypotension.none": {"ru": "нет", "en": "none"},
    "code.Hypotension.no_vasopressor": {
        "ru": "без вазопрессоров",
        "en": "not needing vasopressors",
    },
    "code.Hypotension.one_vasopressor": {
        "ru": "один вазопрессор (± вазопрессин)",
        "en": "one vasopressor (± vasopressin)",
    },
    "code.Hypotension.multiple_vasopressors": {
        "ru": "несколько вазопрессоров",
        "en": "multiple vasopressors",
    },
    "code.OxygenSupport.none": {"ru": "нет", "en": "none"},
    "code.OxygenSupport.low_flow": {"ru": "низкопоточный ≤ 6 л/мин", "en": "low-flow ≤ 6 L/min"},
    "code.OxygenSupport.high_flow": {
        "ru": "высокопоточный > 6 л/мин, маска, Вентури",
        "en": "high-flow > 6 L/min, mask, Venturi",
    },
    "code.OxygenSupport.positive_pressure": {
        "ru": "положительное давление (CPAP, BiPAP, ИВЛ)",
        "en": "positive pressure (CPAP, BiPAP, ventilation)",
    },
    "code.Consciousness.awake": {"ru": "бодрствует", "en": "awake / awakens spontaneously"},
    "code.Consciousness.awakens_to_voice": {
        "ru": "пробуждается на голос",
        "en": "awakens to voice",
    },
    "code.Consciousness.awakens_to_touch": {
        "ru": "пробуждается на прикосновение",
        "en": "awakens only to touch",
    },
    "code.Consciousness.unarousable": {"ru": "не пробуждается", "en": "unarousable"},
    "code.Seizure.none": {"ru": "нет", "en": "none"},
    "code.Seizure.rapid_resolving": {"ru": "быстро купированные", "en": "resolving rapidly"},
    "code.Seizure.prolonged_or_repetitive": {
        "ru": "длительные (> 5 мин) или повторные",
        "en": "prolonged (> 5 min) or repetitive",
    },
    "code.MotorFinding.none": {"ru": "нет", "en": "none"},
    "code.MotorFinding.deep_focal_weakness": {
        "ru": "глубокая очаговая слабость",
        "en": "deep focal motor weakness",
    },
    "code.RaisedIcp.none": {"ru": "нет", "en": "none"},
    "code.RaisedIcp.focal_oedema": {"ru": "очаговый отёк", "en": "focal/local oedema"},
    "code.RaisedIcp.diffuse_oedema": {
        "ru": "диффузный отёк, поза, отёк диска",
        "en": "diffuse oedema, posturing, papilloedema",
    },
    "code.NotInfusedReason.death": {"ru": "смерть", "en": "death"},
    "code.NotInfusedReason.progression": {"ru": "прогрессия", "en": "progression"},
    "code.NotInfusedReason.manufacturing_failure": {
        "ru": "неудача производства",
        "en": "manufacturing failure",
    },
    "code.NotInfusedReason.out_of_specification": {
        "ru": "продукт вне спецификации",
        "en": "out-of-specification product",
    },
    "code.NotInfusedReason.patient_decision": {"ru": "решение пациента", "en": "patient decision"},
    "code.NotInfusedReason.other": {"ru": "другое", "en": "other"},
    "code.DeathCause.disease": {"ru": "основное заболевание", "en": "disease"},
    "code.DeathCause.CRS": {"ru": "СВЦ (CRS)", "en": "CRS"},
    "code.DeathCause.ICANS": {"ru": "ICANS", "en": "ICANS"},
    "code.DeathCause.infection": {"ru": "инфекция", "en": "infection"},
    "code.DeathCause.secondary_malignancy": {"ru": "вторая опухоль", "en": "secondary malignancy"},
    "code.DeathCause.other": {"ru": "другое", "en": "other"},
    "code.DeathCause.unknown": {"ru": "неизвестно", "en": "unknown"},
    "code.Bridging.none": {"ru": "нет", "en": "none"},
    "code.Bridging.chemo": {"ru": "химиотерапия", "en": "chemotherapy"},
    "code.Bridging.radiotherapy": {"ru": "лучевая терапия", "en": "radiotherapy"},
    "code.Bridging.other": {"ru": "другое", "en": "other"},
    "code.NewTherapy.none": {"ru": "нет", "en": "none"},
    "code.NewTherapy.allo-HSCT": {"ru": "алло-ТГСК", "en": "allo-HSCT"},
    "code.NewTherapy.other": {"ru": "другая", "en": "other"},
    "code.VitalStatus.alive": {"ru": "жив", "en": "alive"},
    "code.VitalStatus.dead": {"ru": "умер", "en": "dead"},
    "code.AdverseEventType.CRS": {"ru": "СВЦ (CRS)", "en": "CRS"},
    "code.AdverseEventType.ICANS": {"ru": "ICANS", "en": "ICANS"},
    "code.AdverseEventType.infection": {"ru": "инфекция", "en": "infection"},
    "code.AdverseEventType.cytopenia": {"ru": "цитопения", "en": "cytopenia"},
    "code.AdverseEventType.IEC-HS": {"ru": "IEC-HS / ГЛГ", "en": "IEC-HS / HLH"},
    "code.AdverseEventType.secondary_malignancy": {
        "ru": "вторая опухоль",
        "en": "secondary malignancy",
    },
    "code.AdverseEventType.other": {"ru": "другое", "en": "other"},
    "code.QcResult.pass": {"ru": "норма", "en": "pass"},
    "code.QcResult.fail": {"ru": "не соответствует", "en": "fail"},
    # --- roles
    "role.site_clinician": {"ru": "врач центра", "en": "site clinician"},
    "role.leadership": {"ru": "руководство", "en": "leadership"},
    "role.economist": {"ru": "экономист", "en": "health economist"},
    "role.data_manager": {"ru": "дата-менеджер", "en": "data manager"},
    "role.system": {"ru": "система", "en": "system"},
    # --- generic
    "common.save": {"ru": "Сохранить", "en": "Save"},
    "common.saved": {"ru": "Сохранено.", "en": "Saved."},
    "common.nothing_saved": {
        "ru": "Ничего не сохранено: исправьте отмеченные поля.",
        "en": "Nothing was saved: correct the fields marked below.",
    },
    "common.none": {"ru": "нет", "en": "none"},
    "common.yes": {"ru": "да", "en": "yes"},
    "common.no": {"ru": "нет", "en": "no"},
    "common.unknown": {"ru": "неизвестно", "en": "unknown"},
    "common.choose_patient": {
        "ru": "Выберите пациента на странице «Пациенты».",
        "en": "Choose a patient on the Patients page first.",
    },
    # --- errors shown from the services (FieldError.code)
    "date.after": {
        "ru": "{value} позже, чем {what} ({limit})",
        "en": "{value} is after {what} ({limit})",
    },
    "date.before": {
        "ru": "{value} раньше, чем {what} ({limit})",
        "en": "{value} is before {what} ({limit})",
    },
    "date.future": {"ru": "{value} — дата в будущем", "en": "{value} is in the future"},
    "denied.role": {
        "ru": "Недостаточно прав для этого действия ({action}).",
        "en": "Your role may not do this ({action}).",
    },
    "denied.site": {
        "ru": "Эта запись принадлежит другому центру.",
        "en": "This record belongs to another site.",
    },
    "notfound": {"ru": "Запись №{id} не найдена.", "en": "No record with id {id}."},
    "conflict.version": {
        "ru": "Запись изменил другой пользователь после того, как вы её открыли; ничего не "
        "перезаписано. Посмотрите новые значения и внесите изменение снова.",
        "en": "Someone else saved this record after you opened it; nothing was overwritten. "
        "Review their values and apply your change again.",
    },
    "rule.icu_exceeds_hospital": {
        "ru": "{icu} дн. в ОРИТ больше, чем {hospital} дн. в стационаре",
        "en": "{icu} ICU days exceed {hospital} hospital days",
    },
    "rule.grade_override": {
        "ru": "по симптомам степень ASTCT {computed}, указано {grade}: объясните изменение "
        "или оставьте рассчитанную степень",
        "en": "the signs give ASTCT grade {computed}, you entered {grade}: give a reason for "
        "the override, or keep the computed grade",
    },
    "snils.format": {
        "ru": "{value} — не СНИЛС: нужно 11 цифр, например 112-233-445 95",
        "en": "{value} is not a SNILS: expected 11 digits, e.g. 112-233-445 95",
    },
    "snils.checksum": {
        "ru": "у {value} неверное контрольное число СНИЛС (две последние цифры); "
        "проверьте опечатку",
        "en": "{value} has a wrong control number (last two digits); check for a typo",
    },
    "snils.here": {
        "ru": "уже зарегистрирован в вашем центре как {registry_id}; добавьте "
        "новый эпизод лечения этому пациенту",
        "en": "already registered at your site as {registry_id}; add a new "
        "treatment episode to that patient instead",
    },
    "snils.elsewhere": {
        "ru": "Этот СНИЛС уже зарегистрирован в регистре другим центром. Пациент не "
        "зарегистрирован; дата-менеджер уведомлён и свяжется с вами.",
        "en": "This national insurance number is already registered in the registry by "
        "another site. The patient was not registered; a data manager has been "
        "notified and will contact you.",
    },
    "pydantic.missing": {"ru": "обязательное поле", "en": "required"},
    "pydantic.enum": {
        "ru": "недопустимый код {value}; допустимо: {expected}",
        "en": "{value} is not an allowed code; allowed: {expected}",
    },
    "pydantic.greater_than_equal": {
        "ru": "должно быть не меньше {ge} (указано {value})",
        "en": "must be at least {ge} (got {value})",
    },
    "pydantic.less_than_equal": {
        "ru": "должно быть не больше {le} (указано {value})",
        "en": "must be at most {le} (got {value})",
    },
    "pydantic.greater_than": {
        "ru": "должно быть больше {gt} (указано {value})",
        "en": "must be greater than {gt} (got {value})",
    },
    "pydantic.string_too_short": {
        "ru": "слишком коротко: минимум {min_length} символов",
        "en": "too short: at least {min_length} characters",
    },
    "pydantic.string_too_long": {
        "ru": "слишком длинно: максимум {max_length} символов",
        "en": "too long: at most {max_length} characters",
    },
    "pydantic.string_pattern_mismatch": {
        "ru": "недопустимые символы в {value}",
        "en": "{value} has characters not allowed here",
    },
    "pydantic.int_parsing": {
        "ru": "нужно целое число (указано {value})",
        "en": "a whole number is needed (got {value})",
    },
    "pydantic.float_parsing": {
        "ru": "нужно число (указано {value})",
        "en": "a number is needed (got {value})",
    },
    "pydantic.date_from_datetime_parsing": {
        "ru": "нужна дата ДД.ММ.ГГГГ (указано {value})",
        "en": "a date DD.MM.YYYY is needed (got {value})",
    },
    "pydantic.date_parsing": {
        "ru": "нужна дата ДД.ММ.ГГГГ (указано {value})",
        "en": "a date DD.MM.YYYY is needed (got {value})",
    },
    "pydantic.bool_parsing": {
        "ru": "нужно да/нет (указано {value})",
        "en": "yes/no is needed (got {value})",
    },
}


def _merge(entries: dict[str, dict[str, str]]) -> None:
    for key, texts in entries.items():
        if key in CATALOGUE:
            raise ValueError(f"catalogue key {key!r} defined twice")
        CATALOGUE[key] = {"ru": texts["ru"], "en": texts["en"]}


_merge(LEADERSHIP_ENTRIES)
_merge(OUTCOME_ENTRIES)
_merge(MESSAGE_ENTRIES)
for _entries in (ECON_COHORT_ENTRIES, ECON_ANALYSIS_ENTRIES, ECON_CEA_ENTRIES, ADMIN_ENTRIES,
                 DM_USERS_ENTRIES, DM_QUALITY_ENTRIES, SESSION_ENTRIES):
    _merge(_entries)


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
    """A service's field error in the user's language (its English text when not catalogued).

    A param named ``<name>_key`` holds a catalogue key (e.g. ``what_key="what.infusion"``):
    ``{<name>}`` is filled with that entry in `lang`, formatted with the same params.

    >>> error_text(FieldError("x", "", code="date.before", params={"value": "01.01.2025",
    ...     "limit": "01.03.2025", "what_key": "what.infusion"}), "ru")
    '01.01.2025 раньше, чем дата инфузии (01.03.2025)'
    """
    if error.code and error.code in CATALOGUE:
        try:
            phrases = {name[:-4]: t(key, lang, **error.params)
                       for name, key in error.params.items()
                       if name.endswith("_key") and isinstance(key, str) and key in CATALOGUE}
            return t(error.code, lang, **(error.params | phrases))
        except (KeyError, IndexError, ValueError):
            return error.message
    return error.message


def message_text(error: RegistryError, lang: str = DEFAULT_LANGUAGE) -> str:
    """A service's refusal in the user's language (its English text when not catalogued).

    ``<name>_key`` params are filled in as for `error_text`.
    """
    if error.code and error.code in CATALOGUE:
        try:
            phrases = {name[:-4]: t(key, lang, **error.params)
                       for name, key in error.params.items()
                       if name.endswith("_key") and isinstance(key, str) and key in CATALOGUE}
            return t(error.code, lang, **(error.params | phrases))
        except (KeyError, IndexError, ValueError):
            pass
    return str(error)


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
