"""Catalogue entries of the services' refusals and field errors, Russian and English.

Merged into `registry.i18n.CATALOGUE`. Each English text produces, from the error's `params`,
exactly the English `message` the service raises (tests/unit/test_messages_catalogued.py).

Phrases inside a message that are themselves words (``what.*``, ``sign.name.*``,
``upload.record.*``) are catalogue entries too: the error carries ``<name>_key`` (e.g.
``what_key="what.infusion"``) and `error_text` / `message_text` fill ``{<name>}`` with that
entry in the user's language, formatted with the same params. Values the user typed, codes
and column names are echoed as they are in both languages.
"""

from __future__ import annotations

ENTRIES: dict[str, dict[str, str]] = {
    # --- phrases for date.before / date.after ({what}); nominative after "раньше, чем"
    "what.diagnosis_date": {"ru": "дата диагноза", "en": "the diagnosis date"},
    "what.apheresis_date": {"ru": "дата афереза", "en": "the apheresis date"},
    "what.lot_release": {"ru": "дата выпуска серии", "en": "the lot's release date"},
    "what.manufacturing_start": {
        "ru": "дата начала производства",
        "en": "the manufacturing start date",
    },
    "what.death": {"ru": "дата смерти пациента", "en": "the patient's death"},
    "what.infusion": {"ru": "дата инфузии", "en": "the infusion"},
    "what.assessment_date": {"ru": "дата оценки", "en": "the assessment date"},
    "what.onset": {"ru": "дата начала явления", "en": "the onset"},
    "what.recorded_followup": {
        "ru": "дата уже записанной формы наблюдения",
        "en": "a follow-up assessment already recorded",
    },
    "what.recorded_ae": {
        "ru": "дата начала уже записанного нежелательного явления",
        "en": "an adverse event onset already recorded",
    },
    "what.recorded_infusion": {
        "ru": "дата уже записанной инфузии",
        "en": "the infusion already recorded",
    },
    "what.recorded_apheresis": {
        "ru": "дата уже записанного афереза",
        "en": "the apheresis already recorded",
    },
    # --- users and login (registry/auth.py)
    "user.site_required": {
        "ru": "врачу центра нужно указать центр",
        "en": "a site clinician needs a site",
    },
    "user.site_not_allowed": {
        "ru": "роль {role} видит все центры: оставьте поле центра пустым",
        "en": "role {role} sees all sites: leave site empty",
    },
    "user.system_role": {
        "ru": "{value} — служебная роль, её нельзя назначить для входа",
        "en": "{value} is not a login role",
    },
    "user.taken": {
        "ru": "имя {value} уже занято; выберите другое",
        "en": "{value} is taken; choose another",
    },
    "language.unknown": {
        "ru": "язык {value} не поддерживается; выберите ru или en",
        "en": "{value} is not offered; choose ru or en",
    },
    # --- refusals by role or site
    "denied.own_site_patients": {
        "ru": "Вы можете просматривать только пациентов своего центра.",
        "en": "You may only list your own site's patients.",
    },
    "denied.query_site": {
        "ru": "Этот запрос данных относится к другому центру.",
        "en": "This data query belongs to another site.",
    },
    "denied.worklist": {
        "ru": "Рабочий список — страница врача центра.",
        "en": "The worklist is a site clinician's page.",
    },
    "denied.upload_no_site": {
        "ru": "у пользователя {username} нет центра; загрузка сохраняется только в центр "
        "врача, который её выполняет",
        "en": "{username} has no site; an upload goes to a site clinician's own site",
    },
    # --- patients
    "site.unknown": {
        "ru": "неизвестный центр {value}; выберите зарегистрированный центр",
        "en": "unknown site {value}; choose a registered site",
    },
    "rule.birth_after_diagnosis": {
        "ru": "год рождения {birth_year} позже года диагноза {diagnosis_year}",
        "en": "{birth_year} is after the diagnosis year {diagnosis_year}",
    },
    "patient.code_taken": {
        "ru": "код {value} в вашем центре уже присвоен пациенту {registry_id}; у каждого "
        "пациента должен быть свой код",
        "en": "{value} is already used at your site for {registry_id}; each patient needs "
        "their own code",
    },
    "patient.code_race": {
        "ru": "пациента с этим кодом только что зарегистрировал другой пользователь; "
        "обновите страницу и проверьте",
        "en": "was registered by someone else a moment ago; reload and check",
    },
    "snils.elsewhere_upload": {
        "ru": "Этот СНИЛС уже зарегистрирован в регистре другим центром; строку нельзя "
        "зарегистрировать здесь. Попросите дата-менеджера проверить её (перевод пациента "
        "между центрами выполняет дата-менеджер).",
        "en": "This national insurance number is already registered in the registry by "
        "another site; the row cannot be registered here. Ask a data manager to check it "
        "(a transfer between sites is done by them).",
    },
    # --- treatment chain: episode, lot, infusion
    "episode.product_unknown": {
        "ru": "неизвестный препарат {value}",
        "en": "unknown product {value}",
    },
    "episode.infused_with_reason": {
        "ru": "у эпизода с проведённой инфузией не может быть причины, по которой инфузия "
        "не проведена",
        "en": "an infused episode cannot have a not-infused reason",
    },
    "episode.already_infused": {
        "ru": "инфузия уже записана ({date}); исправьте ту запись",
        "en": "already infused on {date}; correct that record instead",
    },
    "episode.already_not_infused": {
        "ru": "уже записано, что инфузия не проведена; исправьте ту запись",
        "en": "already recorded as not infused; correct that record instead",
    },
    "lot.failed_release": {
        "ru": "у неудавшегося производства нет даты выпуска; оставьте поле пустым",
        "en": "a failed manufacture has no release date; leave it empty",
    },
    "lot.product_mismatch": {
        "ru": "препарат серии не совпадает с препаратом эпизода лечения",
        "en": "the lot's product differs from the episode's product",
    },
    "lot.number_taken": {
        "ru": "серия {value} уже записана; номера серий уникальны (цепочка идентичности)",
        "en": "{value} is already recorded; lot numbers are unique (chain of identity)",
    },
    "lot.episode_has_lot": {
        "ru": "у этого эпизода лечения уже есть серия; исправьте ту запись",
        "en": "this episode already has a lot; correct that record instead",
    },
    "lot.linked_elsewhere": {
        "ru": "серия {lot} уже привязана к другому эпизоду лечения",
        "en": "lot {lot} already belongs to another episode",
    },
    "lot.missing": {
        "ru": "перед инфузией запишите серию препарата",
        "en": "record the manufacturing lot before the infusion",
    },
    "lot.not_released": {
        "ru": "серия {lot} не выпущена; её нельзя вводить",
        "en": "lot {lot} was not released; it cannot be infused",
    },
    # --- follow-up forms
    "followup.needs_infusion": {
        "ru": "формы наблюдения заполняются после инфузии; сначала запишите инфузию",
        "en": "follow-up forms start after the infusion; record it first",
    },
    "followup.death_first": {
        "ru": "сначала запишите смерть в форме «Смерть»",
        "en": "report the death on the death form first",
    },
    "followup.response_criteria": {
        "ru": "{value} — не ответ по критериям {criteria}; выберите один из: {allowed}",
        "en": "{value} is not a {criteria} response; choose one of {allowed}",
    },
    "followup.mrd_ball_only": {
        "ru": "МОБ записывается только при B-ALL",
        "en": "MRD is recorded for B-ALL only",
    },
    "followup.relapse_date_missing": {
        "ru": "укажите дату рецидива или прогрессии",
        "en": "give the date of relapse or progression",
    },
    "followup.relapse_unticked": {
        "ru": "указана дата рецидива: отметьте «Рецидив / прогрессия»",
        "en": "a relapse date is given: tick relapse/progression",
    },
    "followup.new_therapy_date_missing": {
        "ru": "укажите дату начала новой терапии",
        "en": "give the date the new therapy started",
    },
    "followup.timepoint_taken": {
        "ru": "форма {timepoint} уже получена ({date}); исправьте её",
        "en": "the {timepoint} form was already received ({date}); correct it instead",
    },
    # --- adverse events, the ASTCT calculator, deaths
    "ae.needs_infusion": {
        "ru": "нежелательные явления регистрируются после инфузии; сначала запишите инфузию",
        "en": "adverse events are reported after the infusion; record it first",
    },
    "ae.grade_missing": {
        "ru": "укажите степень или симптомы для калькулятора ASTCT",
        "en": "give a grade, or the signs for the ASTCT calculator",
    },
    "ae.signs_not_graded": {
        "ru": "степень по симптомам рассчитывается только для CRS/ICANS по шкале {scale}",
        "en": "signs are only graded for CRS/ICANS on {scale}",
    },
    "sign.temperature": {
        "ru": "максимальная температура должна быть от {low} до {high} °C (пусто, если не "
        "измерялась); указано {value}",
        "en": "max_temperature_c must be a temperature in degrees Celsius between {low} and "
        "{high} (or None if not measured), got {value}",
    },
    "sign.ice": {
        "ru": "шкала ICE: от 0 до 10 баллов; указано {value}",
        "en": "ice must be 0..10, got {value}",
    },
    "sign.code": {
        "ru": "{sign}: недопустимый код {value}; допустимо: {allowed}",
        "en": "{sign}: {value} is not an allowed code; allowed: {allowed}",
    },
    "sign.no_calculator": {
        "ru": "для {event_type} нет калькулятора ASTCT",
        "en": "no ASTCT calculator for {event_type}",
    },
    "sign.invalid": {
        "ru": "по этим симптомам степень не рассчитать: {error}",
        "en": "{error}",
    },
    "sign.name.hypotension": {"ru": "гипотензия", "en": "hypotension"},
    "sign.name.oxygen": {"ru": "кислородная поддержка", "en": "oxygen"},
    "sign.name.consciousness": {"ru": "уровень сознания", "en": "consciousness"},
    "sign.name.seizure": {"ru": "судороги", "en": "seizure"},
    "sign.name.motor": {"ru": "двигательные нарушения", "en": "motor"},
    "sign.name.raised_icp": {"ru": "повышенное ВЧД / отёк мозга", "en": "raised_icp"},
    "death.already_recorded": {
        "ru": "смерть пациента {registry_id} уже записана; исправьте ту запись",
        "en": "a death is already recorded for {registry_id}; correct it instead",
    },
    # --- corrections
    "correction.lot_orphan": {
        "ru": "эта серия не привязана ни к одному эпизоду лечения; обратитесь к "
        "дата-менеджеру",
        "en": "this lot belongs to no episode; ask a data manager",
    },
    "correction.table_unknown": {
        "ru": "{value} нельзя исправить; выберите одно из: {allowed}",
        "en": "{value} cannot be corrected; choose one of {allowed}",
    },
    "correction.table_refused": {
        "ru": "{value}: такие записи нельзя исправить",
        "en": "{value} cannot be corrected",
    },
    "correction.field_fixed": {
        "ru": "поле {value} нельзя исправить в записи {table}",
        "en": "{value} cannot be corrected on {table}",
    },
    # --- data queries
    "query.answer_empty": {
        "ru": "напишите ответ перед отправкой",
        "en": "write an answer before sending",
    },
    "query.answer_too_long": {
        "ru": "символов: {n}; допустимо не более {max}",
        "en": "{n} characters; at most {max}",
    },
    "query.is_closed": {
        "ru": "запрос закрыт; попросите дата-менеджера открыть его снова",
        "en": "this query is closed; ask a data manager to re-open it",
    },
    # --- bulk upload: the file and its header (upload_templates.py)
    "upload.error.file_empty": {
        "ru": "файл {value} пуст; загрузите заполненный шаблон",
        "en": "{value} is empty; upload a filled-in template",
    },
    "upload.error.not_xlsx": {
        "ru": "{value} — не книга XLSX; сохраните её в Excel как .xlsx",
        "en": "{value} is not an XLSX workbook; save it from Excel as .xlsx",
    },
    "upload.error.not_text_csv": {
        "ru": "{value} — не текстовый файл CSV; сохраните его как «CSV UTF-8» или "
        "загрузите как .xlsx",
        "en": "{value} is not a text CSV file; save it as 'CSV UTF-8' or upload it as .xlsx",
    },
    "upload.error.old_xls": {
        "ru": "{value} — файл старого формата Excel 97-2003; сохраните его как .xlsx или "
        "CSV UTF-8",
        "en": "{value} is an old Excel 97-2003 file; save it as .xlsx or CSV UTF-8",
    },
    "upload.error.file_type": {
        "ru": "{value} — не CSV и не XLSX; загрузите файл .csv или .xlsx",
        "en": "{value} is neither CSV nor XLSX; upload a .csv or .xlsx file",
    },
    "upload.error.unreadable": {
        "ru": "книгу не удаётся прочитать ({error}); сохраните её заново как .xlsx",
        "en": "the workbook cannot be read ({error}); save it again as .xlsx",
    },
    "upload.error.too_many_rows": {
        "ru": "больше {max} строк данных; разделите файл на несколько файлов поменьше",
        "en": "more than {max:,} data rows; split the file into smaller ones",
    },
    "upload.error.no_rows": {
        "ru": "в файле {value} есть заголовок, но нет строк данных; добавьте по строке на "
        "каждую запись",
        "en": "{value} has a header but no data rows; add one row per record",
    },
    "upload.error.value_without_header": {
        "ru": "есть значение ({value}), но нет заголовка; добавьте название столбца или "
        "удалите значение",
        "en": "has a value ({value}) but no header; add the column's name or delete the value",
    },
    "upload.error.header_empty": {
        "ru": "нет заголовка; назовите столбец или удалите его",
        "en": "has no header; name it or delete it",
    },
    "upload.error.header_twice": {
        "ru": "встречается в заголовке дважды; оставьте один",
        "en": "appears twice in the header; keep one",
    },
    "upload.error.site_column": {
        "ru": "не принимается: загрузка всегда сохраняется в ваш центр; удалите этот столбец",
        "en": "is not accepted: an upload always goes to your own site; delete this column",
    },
    "upload.error.unknown_column": {
        "ru": "неизвестный столбец для загрузки «{kind}»; столбцы шаблона: {columns}",
        "en": "unknown column for a {kind} upload; the template's columns are: {columns}",
    },
    "upload.error.unknown_column_hint": {
        "ru": "неизвестный столбец для загрузки «{kind}»; возможно, имелся в виду {close}? "
        "Столбцы шаблона: {columns}",
        "en": "unknown column for a {kind} upload; did you mean {close}? the template's "
        "columns are: {columns}",
    },
    "upload.error.column_missing": {
        "ru": "в заголовке нет обязательного столбца; скачайте шаблон, чтобы увидеть "
        "нужные столбцы",
        "en": "required column is missing from the header; download the template to see "
        "the expected columns",
    },
    "upload.error.template_format": {
        "ru": "{value} — неизвестный формат шаблона; выберите csv или xlsx",
        "en": "{value} is not a template format; choose csv or xlsx",
    },
    # --- bulk upload: cells and rows (upload_templates.py, uploads.py)
    "upload.error.date": {
        "ru": "{value} — не дата; укажите её как ДД.ММ.ГГГГ или ГГГГ-ММ-ДД",
        "en": "{value} is not a date; write it as DD.MM.YYYY or YYYY-MM-DD",
    },
    "upload.error.bool": {
        "ru": "{value} — не «да/нет»; укажите да или нет (true/false, 1/0, yes/no)",
        "en": "{value} is not yes/no; write yes or no (true/false, 1/0, да/нет)",
    },
    "upload.error.code": {
        "ru": "недопустимый код {value}; допустимо: {allowed}",
        "en": "{value} is not an allowed code; allowed: {allowed}",
    },
    "upload.error.number": {"ru": "{value} — не число", "en": "{value} is not a number"},
    "upload.error.whole_number": {
        "ru": "{value} — не целое число",
        "en": "{value} is not a whole number",
    },
    "upload.error.kind": {
        "ru": "{value} — неизвестный тип загрузки; выберите один из: {allowed}",
        "en": "{value} is not an upload kind; choose one of {allowed}",
    },
    "upload.error.race": {
        "ru": "Пока шла загрузка, другой пользователь сохранил запись с тем же ключом; "
        "ничего не сохранено. Проверьте файл ещё раз.",
        "en": "A record with the same key was saved by someone else while the upload ran; "
        "nothing was saved. Preview the file again.",
    },
    "upload.error.patient_twice": {
        "ru": "код {value} уже есть в строке {row} этого файла; каждый пациент "
        "указывается в файле один раз",
        "en": "{value} is already on row {row} of this file; each patient appears once per "
        "file",
    },
    "upload.error.snils_twice": {
        "ru": "тот же СНИЛС уже есть в строке {row} этого файла; один человек "
        "регистрируется один раз",
        "en": "the same national insurance number is on row {row} of this file; one person "
        "is registered once",
    },
    "upload.error.code_missing": {
        "ru": "обязательно: код пациента в вашем центре",
        "en": "required: the patient's code at your site",
    },
    "upload.error.episode_number": {
        "ru": "{value} — не номер эпизода; укажите 1 для первого эпизода лечения пациента, "
        "2 — для второго, ... (пусто = 1)",
        "en": "{value} is not an episode number; write 1 for the patient's first episode, "
        "2 for the second, ... (empty = 1)",
    },
    "upload.error.no_patient": {
        "ru": "в вашем центре нет пациента {value}; проверьте код или сначала "
        "зарегистрируйте пациента",
        "en": "no patient {value} at your site; check the code, or register the patient "
        "first",
    },
    "upload.error.no_episode": {
        "ru": "у пациента {value} в вашем центре нет эпизода лечения {number}",
        "en": "patient {value} has no treatment episode {number} at your site",
    },
    "upload.error.differs": {
        "ru": "{what}: уже сохранено с другими значениями ({fields}); загрузка не изменяет "
        "сохранённые записи — исправьте ту запись через «Исправление записи» или "
        "приведите строку в соответствие с ней",
        "en": "{what} is already saved with different values ({fields}); an upload never "
        "changes a saved record: use a correction on that record, or make the row match it",
    },
    "upload.error.twice": {
        "ru": "{what}: уже есть в строке {row} этого файла; укажите каждую запись один раз",
        "en": "{what} is already on row {row} of this file; give each record once",
    },
    # phrases naming an uploaded record ({what} of upload.error.differs / .twice)
    "upload.record.patient": {
        "ru": "пациент {patient} ({registry_id})",
        "en": "patient {patient} ({registry_id})",
    },
    "upload.record.form": {
        "ru": "форма {timepoint} пациента {patient}, эпизод {episode}",
        "en": "the {timepoint} form of patient {patient} episode {episode}",
    },
    "upload.record.visit": {
        "ru": "внеплановый визит {date} пациента {patient}, эпизод {episode}",
        "en": "the unscheduled visit of {date} of patient {patient} episode {episode}",
    },
    "upload.record.event": {
        "ru": "{event_type} от {date} у пациента {patient}, эпизод {episode}",
        "en": "the {event_type} of {date} of patient {patient} episode {episode}",
    },
    # --- pydantic error types not in the main catalogue (common.field_errors)
    "pydantic.bool_type": {
        "ru": "нужно да/нет (указано {value})",
        "en": "yes/no is needed (got {value})",
    },
    "pydantic.int_from_float": {
        "ru": "нужно целое число, без дробной части (указано {value})",
        "en": "a whole number is needed, without a fractional part (got {value})",
    },
    "pydantic.int_type": {
        "ru": "нужно целое число (указано {value})",
        "en": "a whole number is needed (got {value})",
    },
    "pydantic.float_type": {
        "ru": "нужно число (указано {value})",
        "en": "a number is needed (got {value})",
    },
    "pydantic.finite_number": {
        "ru": "нужно конечное число (указано {value})",
        "en": "a finite number is needed (got {value})",
    },
    "pydantic.less_than": {
        "ru": "должно быть меньше {lt} (указано {value})",
        "en": "must be less than {lt} (got {value})",
    },
    "pydantic.date_type": {
        "ru": "нужна дата ДД.ММ.ГГГГ (указано {value})",
        "en": "a date DD.MM.YYYY is needed (got {value})",
    },
    "pydantic.date_from_datetime_inexact": {
        "ru": "нужна дата без времени (указано {value})",
        "en": "a date without a time of day is needed (got {value})",
    },
    "pydantic.datetime_type": {
        "ru": "нужны дата и время (указано {value})",
        "en": "a date and time are needed (got {value})",
    },
    "pydantic.datetime_parsing": {
        "ru": "нужны дата и время (указано {value})",
        "en": "a date and time are needed (got {value})",
    },
    "pydantic.datetime_from_date_parsing": {
        "ru": "нужны дата и время (указано {value})",
        "en": "a date and time are needed (got {value})",
    },
    "pydantic.string_type": {
        "ru": "нужен текст (указано {value})",
        "en": "text is needed (got {value})",
    },
    "pydantic.string_unicode": {
        "ru": "текст не читается как Unicode (указано {value})",
        "en": "the text cannot be read as Unicode (got {value})",
    },
    "pydantic.literal_error": {
        "ru": "недопустимое значение {value}; допустимо: {expected}",
        "en": "{value} is not allowed; allowed: {expected}",
    },
    "pydantic.dict_type": {
        "ru": "нужен набор значений «название: значение» (указано {value})",
        "en": "a set of name: value pairs is needed (got {value})",
    },
    "pydantic.too_long": {
        "ru": "слишком много значений: не больше {max_length} (указано {actual_length})",
        "en": "too many values: at most {max_length} (got {actual_length})",
    },
    "pydantic.too_short": {
        "ru": "слишком мало значений: не меньше {min_length} (указано {actual_length})",
        "en": "too few values: at least {min_length} (got {actual_length})",
    },
    "pydantic.model_type": {
        "ru": "нужна запись с полями (указано {value})",
        "en": "a record with fields is needed (got {value})",
    },
    "pydantic.model_attributes_type": {
        "ru": "нужна запись с полями (указано {value})",
        "en": "a record with fields is needed (got {value})",
    },
    "pydantic.value_error": {
        "ru": "недопустимое значение {value}",
        "en": "{value} is not a valid value",
    },
    # --- economist workspace and analyses (registry/services/workspace.py, hta/)
    "run.kind": {"ru": "{value} — неизвестный вид расчёта",
                 "en": "{value} is not an analysis kind"},
    "run.digest": {"ru": "нужен дайджест SHA-256 (64 шестнадцатеричных знака)",
                   "en": "must be a SHA-256 hex digest"},
    "costs.scenario": {"ru": "Сценария стоимости «{scenario}» нет.",
                       "en": "No unit-cost scenario named {scenario}."},
    "costs.name": {"ru": "В названии сценария 1–64 знака: буквы, цифры, пробелы, точки, дефисы "
                         "или подчёркивания.",
                   "en": "Scenario names have 1-64 letters, digits, spaces, dots, dashes or "
                         "underscores."},
    "costs.exists": {"ru": "Сценарий с таким названием уже есть; выберите другое название.",
                     "en": "A scenario of that name exists already; choose another name."},
    "costs.row": {"ru": "Стоимости единицы № {value} нет.",
                  "en": "Unit cost {value} does not exist."},
    "costs.base_read_only": {
        "ru": "Базовый сценарий хранит справочные значения и не меняется; скопируйте его в "
              "новый сценарий и измените копию.",
        "en": "The base scenario holds the reference values and is not edited; copy it to a "
              "new scenario and edit the copy."},
    "costs.value": {"ru": "{value} — не неотрицательная сумма",
                    "en": "{value} is not a non-negative amount"},
    "costs.reason": {"ru": "Укажите причину изменения (она сохраняется в журнале аудита).",
                     "en": "Say why the value changes (it is kept in the audit trail)."},
    "hta.arms": {
        "ru": "Для сравнения препаратов в каждой группе нужно не меньше 5 пациентов; в когорте "
              "{imported} с импортным и {domestic} с отечественным. Расширьте фильтры.",
        "en": "The cohort needs at least 5 patients in each arm to compare the products; it "
              "has {imported} imported and {domestic} domestic. Widen the filters."},
    "hta.range": {"ru": "должно быть от {low} до {high}",
                  "en": "must be between {low} and {high}"},
    "hta.horizon_follow_up": {
        "ru": "группа {arm}: горизонт позже последнего наблюдения живого пациента, и что было "
              "после него, неизвестно; выберите горизонт короче",
        "en": "{arm} arm: the horizon is after the last follow-up of a patient still alive, so "
              "what happens after it is unknown; choose a shorter horizon"},
    "hta.endpoint": {"ru": "{value}: выберите os или pfs_efs",
                     "en": "{value}: choose os or pfs_efs"},
    "hta.model": {"ru": "модель {value} не предлагается", "en": "{value} is not offered"},
    "hta.arm": {"ru": "{value}: выберите imported или domestic",
                "en": "{value}: choose imported or domestic"},
    "hta.shares": {"ru": "укажите {years} доли от 0 до 1, по одной на год",
                   "en": "give {years} shares between 0 and 1, one per year"},
    # --- hostile input (issue 9 item 2): what no database column can store, upload limits
    "pydantic.int_parsing_size": {
        "ru": "слишком большое число (указано {value})",
        "en": "the number is too large (got {value})",
    },
    "text.nul": {
        "ru": "содержит нулевой символ (\\x00), его нельзя сохранить; удалите его "
        "(указано {value})",
        "en": "contains a NUL character (\\x00), which cannot be stored; delete it "
        "(got {value})",
    },
    "sign.value": {
        "ru": "{sign}: {value} — не значение симптома; укажите число, да/нет или код",
        "en": "{sign}: {value} is not a sign value; give a number, yes/no or a code",
    },
    "upload.error.too_large": {
        "ru": "{value}: {size} МБ; самый большой файл загрузки — {max} МБ: разделите файл на "
        "несколько файлов поменьше",
        "en": "{value} is {size} MB; the largest upload is {max} MB: split the file into "
        "smaller ones",
    },
    "upload.error.xlsx_unpacked": {
        "ru": "{value} распаковывается в {size} МБ, больше {max} МБ, допустимых для загрузки; "
        "разделите файл на несколько файлов поменьше",
        "en": "{value} unpacks to {size} MB, more than the {max} MB an upload may unpack to; "
        "split the file into smaller ones",
    },
    "upload.error.xlsx_ratio": {
        "ru": "в {value} есть часть ({part}), которая распаковывается в {ratio} раз больше "
        "своего сжатого размера, чего у книги Excel не бывает; сохраните её заново в Excel "
        "как .xlsx",
        "en": "{value} has a part ({part}) that unpacks to {ratio} times its packed size, "
        "which a workbook never does; save it again from Excel as .xlsx",
    },
    "upload.error.too_wide": {
        "ru": "есть значение, но в файле загрузки не больше {max} столбцов; удалите ячейки "
        "справа от таблицы",
        "en": "has a value, but an upload has at most {max} columns; delete the cells to the "
        "right of the table",
    },
    "upload.error.csv": {
        "ru": "строку {row} не удаётся прочитать как CSV ({error}); проверьте её кавычки и "
        "ячейки или сохраните файл заново как CSV UTF-8",
        "en": "row {row} cannot be read as CSV ({error}); check its quotes and cells, or save "
        "the file again as CSV UTF-8",
    },
    "cohort.definition": {
        "ru": "определение когорты нельзя сохранить как JSON ({error})",
        "en": "cannot be saved as JSON ({error})",
    },
}
