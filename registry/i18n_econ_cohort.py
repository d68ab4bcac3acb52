"""Catalogue entries, Russian and English: Cohort builder and de-identified export
(pages/econ_cohort.py); keys start with econ.cohort., econ.export. or econ.nav., except the
codes of the cohort and export services' own messages (``cohort.*``, ``export.*``: see
registry/services/cohorts.py, workspace.py and export.py), which the page shows with
`message_text`/`error_text`.

Merged into `registry.i18n.CATALOGUE`; a key defined twice anywhere is an error.
"""

from __future__ import annotations

ENTRIES: dict[str, dict[str, str]] = {
    # --- shared by every economist page (pages/ui/econ.py)
    "econ.cohort.unnamed": {"ru": "без названия", "en": "unnamed"},
    "econ.cohort.working": {"ru": "Рабочая когорта: {name} (фильтр {digest})",
                            "en": "Working cohort: {name} (filter {digest})"},
    "econ.run.record": {
        "ru": "Запись расчёта № {run}: данные SHA-256 {data}…, версия кода {code}",
        "en": "Run record #{run}: data SHA-256 {data}…, code version {code}"},
    # --- navigation
    "econ.nav.cohort": {"ru": "Когорта", "en": "Cohort"},
    "econ.nav.section": {"ru": "Экономика здравоохранения", "en": "Health economics"},
    # --- page frame
    "econ.cohort.title": {"ru": "Когорта: отбор, сохранение и выгрузка",
                          "en": "Cohort: build, save and export"},
    "econ.cohort.denied_note": {
        "ru": "Эта страница — для экономистов здравоохранения: отбор когорт и обезличенная "
              "выгрузка данных пациентов доступны только им.",
        "en": "This page is for health economists: only they may build cohorts and export "
              "de-identified patient data.",
    },
    # --- filters
    "econ.cohort.filters": {"ru": "Фильтры", "en": "Filters"},
    "econ.cohort.filters_note": {
        "ru": "Пустой список означает «все». Период и возрастные группы относятся к дате "
              "афереза; «Применить» делает эти фильтры рабочей когортой для всех страниц "
              "анализа.",
        "en": "An empty list means all. The period and the age bands refer to the apheresis "
              "date; Apply makes these filters the working cohort of every analysis page.",
    },
    "econ.cohort.products": {"ru": "Препараты", "en": "Products"},
    "econ.cohort.indications": {"ru": "Показания", "en": "Indications"},
    "econ.cohort.sites": {"ru": "Центры", "en": "Sites"},
    "econ.cohort.age_bands": {"ru": "Возраст при аферезе, лет", "en": "Age at apheresis, years"},
    "econ.cohort.period_from": {"ru": "Аферез с", "en": "Apheresis from"},
    "econ.cohort.period_to": {"ru": "Аферез по", "en": "Apheresis to"},
    "econ.cohort.lines_min": {"ru": "Линий терапии до CAR-T, от",
                              "en": "Prior lines of therapy, at least"},
    "econ.cohort.lines_max": {"ru": "Линий терапии до CAR-T, до",
                              "en": "Prior lines of therapy, at most"},
    "econ.cohort.population": {"ru": "Популяция", "en": "Population"},
    "econ.cohort.population.mitt": {"ru": "mITT (получившие инфузию)",
                                     "en": "mITT (infused)"},
    "econ.cohort.population.itt": {"ru": "ITT (все после афереза)",
                                   "en": "ITT (everyone apheresed)"},
    "econ.cohort.population_note.mitt": {
        "ru": "Эпизоды с инфузией; день 0 — инфузия.",
        "en": "Infused episodes; day 0 is the infusion.",
    },
    "econ.cohort.population_note.itt": {
        "ru": "Все эпизоды с аферезом, включая не получивших инфузию; день 0 — аферез.",
        "en": "Every apheresed episode, the never-infused included; day 0 is the apheresis.",
    },
    "econ.cohort.apply": {"ru": "Применить", "en": "Apply"},
    "econ.cohort.invalid": {
        "ru": "Фильтры не применены: исправьте отмеченные поля.",
        "en": "The filters were not applied: correct the fields marked below.",
    },
    "econ.cohort.applied": {"ru": "Фильтры применены: это рабочая когорта.",
                            "en": "Filters applied: this is the working cohort."},
    # --- size
    "econ.cohort.size": {"ru": "Размер когорты", "en": "Cohort size"},
    "econ.cohort.metric.patients": {"ru": "Пациентов", "en": "Patients"},
    "econ.cohort.metric.episodes": {"ru": "Эпизодов лечения", "en": "Treatment episodes"},
    "econ.cohort.counts_note": {
        "ru": "Число пациентов по препарату (отечественный или импортный) и показанию; "
              "ячейки с 1–4 пациентами показаны как «<5». Данные на {date}.",
        "en": "Patients by product (domestic or imported) and indication; cells of 1-4 "
              "patients are shown as \"<5\". Data as of {date}.",
    },
    "econ.cohort.empty": {
        "ru": "Ни один эпизод не подходит под эти фильтры; расширьте их.",
        "en": "No episode matches these filters; widen them.",
    },
    "econ.cohort.col.indication": {"ru": "Показание", "en": "Indication"},
    "econ.cohort.col.all_products": {"ru": "Все препараты", "en": "All products"},
    "econ.cohort.row.all_indications": {"ru": "Все показания", "en": "All indications"},
    "econ.cohort.origin.domestic": {"ru": "отечественный", "en": "domestic"},
    "econ.cohort.origin.imported": {"ru": "импортный", "en": "imported"},
    # --- saved cohorts
    "econ.cohort.saved": {"ru": "Сохранённые когорты", "en": "Saved cohorts"},
    "econ.cohort.save_name": {"ru": "Сохранить рабочую когорту как",
                              "en": "Save the working cohort as"},
    "econ.cohort.save": {"ru": "Сохранить", "en": "Save"},
    "econ.cohort.saved_as": {"ru": "Когорта сохранена как «{name}».",
                             "en": "Cohort saved as \"{name}\"."},
    "econ.cohort.choose": {"ru": "Сохранённая когорта", "en": "Saved cohort"},
    "econ.cohort.load": {"ru": "Сделать рабочей", "en": "Make it the working cohort"},
    "econ.cohort.loaded": {"ru": "Рабочая когорта: «{name}».",
                           "en": "Working cohort: \"{name}\"."},
    "econ.cohort.none_saved": {"ru": "Сохранённых когорт пока нет.",
                               "en": "No cohort has been saved yet."},
    # --- export
    "econ.export.title": {"ru": "Обезличенная выгрузка", "en": "De-identified export"},
    "econ.export.note": {
        "ru": "Выгружается рабочая когорта, по строке на эпизод лечения. Обезличивание: новые "
              "случайные номера пациентов в каждой выгрузке; вместо дат — дни от инфузии (в "
              "ITT — от афереза); без регистрационных номеров и кодов пациентов в центрах; "
              "центры под псевдонимами; редкие категории (меньше 5 пациентов) объединены в "
              "«other», возраст, число линий и ECOG ограничены сверху. Каждая выгрузка "
              "записывается в журнал аудита с фильтрами и хешами файлов.",
        "en": "Exports the working cohort, one row per treatment episode. De-identification: "
              "fresh random patient ids in every export; days from infusion (ITT: from "
              "apheresis) instead of dates; no registry ids or site patient codes; sites as "
              "pseudonyms; rare categories (fewer than 5 patients) pooled as \"other\", age, "
              "prior lines and ECOG top-coded. Every export is written to the audit trail with "
              "its filters and file hashes.",
    },
    "econ.export.format": {"ru": "Формат данных", "en": "Data format"},
    "econ.export.prepare": {"ru": "Подготовить выгрузку", "en": "Prepare export"},
    "econ.export.summary": {
        "ru": "Выгрузка {export_id} ({format}). Строк (эпизодов): {rows}; пациентов: "
              "{subjects}. SHA-256 файла данных: `{sha256}`",
        "en": "Export {export_id} ({format}). Rows (episodes): {rows}; patients: {subjects}. "
              "SHA-256 of the data file: `{sha256}`",
    },
    "econ.export.download_data": {"ru": "Данные", "en": "Data"},
    "econ.export.download_codebook": {"ru": "Кодовая книга (CSV)", "en": "Codebook (CSV)"},
    "econ.export.download_manifest": {"ru": "Манифест (JSON)", "en": "Manifest (JSON)"},
    "econ.export.audited": {
        "ru": "Выгрузка записана в журнал аудита. Файлы остаются доступными, пока рабочая "
              "когорта не изменится.",
        "en": "The export is in the audit trail. The files stay here until the working "
              "cohort changes.",
    },
    # --- the services' messages shown on this page
    "cohort.name": {"ru": "Дайте когорте название длиной от 1 до 120 символов.",
                    "en": "Give the cohort a name of 1 to 120 characters."},
    "cohort.exists": {
        "ru": "Когорта с таким названием уже сохранена; ничего не сохранено, выберите другое "
              "название.",
        "en": "A cohort of that name is saved already; nothing was saved, choose another name.",
    },
    "cohort.unknown_site": {"ru": "Центры {value} неизвестны.", "en": "Sites {value} are unknown."},
    "cohort.not_json": {"ru": "Это не JSON-объект с фильтрами когорты.",
                        "en": "This is not a JSON object of cohort filters."},
    "export.empty": {
        "ru": "Ни один эпизод не подходит под эти фильтры; расширьте их. Ничего не выгружено.",
        "en": "No episode matches these filters; widen them. Nothing was exported.",
    },
    "export.format": {"ru": "Формат {value} не поддерживается: выберите CSV, Parquet или XLSX.",
                      "en": "Format {value} is not offered: choose CSV, Parquet or XLSX."},
    "export.not_a_folder": {"ru": "{value} — файл, а не папка.",
                            "en": "{value} is a file, not a folder."},
}
