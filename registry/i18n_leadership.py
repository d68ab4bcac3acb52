"""Catalogue entries of the leadership dashboards (pages/lead_*.py), Russian and English.

Merged into `registry.i18n.CATALOGUE`; every key starts with ``lead.``.
"""

from __future__ import annotations

ENTRIES: dict[str, dict[str, str]] = {
    # --- frame
    "lead.nav.overview": {"ru": "Набор и наблюдение", "en": "Enrolment and follow-up"},
    "lead.nav.safety": {"ru": "Безопасность", "en": "Safety"},
    "lead.nav.production": {"ru": "Производство", "en": "Production"},
    "lead.nav.section": {"ru": "Руководство", "en": "Leadership"},
    "lead.overview.title": {
        "ru": "Набор и наблюдение по препаратам и центрам",
        "en": "Enrolment and follow-up by product and site",
    },
    "lead.safety.title": {
        "ru": "Безопасность: CRS и ICANS по препаратам",
        "en": "Safety: CRS and ICANS by product",
    },
    "lead.production.title": {
        "ru": "Производство и время от афереза до инфузии",
        "en": "Production and vein-to-vein time",
    },
    "lead.caption": {
        "ru": "Числа от 1 до 4 показаны как <5; показатели отечественного препарата в этой "
              "демонстрации — синтетические сценарии.",
        "en": "Counts of 1-4 are shown as <5; the domestic product's figures in this demo are "
              "synthetic scenarios.",
    },
    "lead.charts_omit": {
        "ru": "Столбцы и точки для ячеек с 1–4 наблюдениями не рисуются; тепловые карты, "
              "таблицы и файлы CSV показывают их как <5.",
        "en": "Bars and points of cells of 1-4 are not drawn; heatmaps, tables and CSV files "
              "show them as <5.",
    },
    "lead.as_of": {"ru": "Данные на {date}", "en": "Data as of {date}"},
    "lead.denied": {
        "ru": "Панели руководства доступны только руководству и дата-менеджерам.",
        "en": "The leadership dashboards are for leadership and data managers only.",
    },
    "lead.download_csv": {"ru": "Скачать данные графика (CSV)",
                          "en": "Download the chart's data (CSV)"},
    "lead.table": {"ru": "Таблица", "en": "Table"},
    # --- overview
    "lead.period": {"ru": "Период", "en": "Period"},
    "lead.period.month": {"ru": "Месяц", "en": "Month"},
    "lead.period.quarter": {"ru": "Квартал", "en": "Quarter"},
    "lead.period.year": {"ru": "Год", "en": "Year"},
    "lead.quarter": {"ru": "{q} кв. {year}", "en": "Q{q} {year}"},
    "lead.metric.apheresed": {"ru": "Аферезы", "en": "Apheresed"},
    "lead.metric.infused": {"ru": "Инфузии", "en": "Infused"},
    "lead.metric.followup": {"ru": "Медиана наблюдения, мес",
                             "en": "Median follow-up, months"},
    "lead.metric.flagged": {"ru": "Центры с полнотой < {threshold}",
                            "en": "Sites under {threshold} complete"},
    "lead.overview.enrolment": {
        "ru": "Набор по препаратам (по дате афереза)",
        "en": "Enrolment by product (apheresis date)",
    },
    "lead.overview.enrolment_site": {
        "ru": "Набор по центрам (по дате афереза)",
        "en": "Enrolment by site (apheresis date)",
    },
    "lead.overview.treatment": {"ru": "Аферез и инфузия по препаратам",
                                "en": "Apheresed and infused by product"},
    "lead.overview.followup": {
        "ru": "Медиана наблюдения после инфузии (обратный метод Каплана–Мейера)",
        "en": "Median follow-up after infusion (reverse Kaplan-Meier)",
    },
    "lead.overview.followup_note": {
        "ru": "От инфузии до последнего контакта (форма наблюдения или начало нежелательного "
              "явления) или смерти; смерть цензурирует наблюдение. 95% ДИ log-log.",
        "en": "From infusion to last contact (follow-up form or adverse-event onset) or "
              "death; death censors follow-up. Log-log 95% CI.",
    },
    "lead.overview.completeness": {
        "ru": "Полнота наблюдения по центрам и визитам",
        "en": "Follow-up completeness by site and timepoint",
    },
    "lead.overview.completeness_note": {
        "ru": "Ожидаются формы, окно которых закрылось и которые не пропущены (смерть или "
              "выбытие до визита); полнота = получено / ожидается. Порог: {threshold}.",
        "en": "Expected: forms whose window has closed and that were not missed (death or "
              "loss to follow-up before the visit); completeness = received / expected. "
              "Threshold: {threshold}.",
    },
    "lead.overview.flagged": {
        "ru": "Полнота наблюдения ниже {threshold}: {sites}. Эти центры не входят в "
              "сравнение наблюдаемых и ожидаемых исходов.",
        "en": "Follow-up completeness under {threshold}: {sites}. These sites are left out of "
              "the observed-vs-expected comparison.",
    },
    "lead.overview.none_flagged": {
        "ru": "Во всех центрах полнота наблюдения не ниже {threshold}.",
        "en": "Every site has follow-up completeness of at least {threshold}.",
    },
    "lead.overview.by_site": {"ru": "Полнота и просроченные формы по центрам",
                              "en": "Completeness and overdue forms by site"},
    "lead.product.all": {"ru": "Все препараты", "en": "All products"},
    # --- columns
    "lead.col.period": {"ru": "Период", "en": "Period"},
    "lead.col.product": {"ru": "Препарат", "en": "Product"},
    "lead.col.product_name": {"ru": "Название", "en": "Name"},
    "lead.col.site": {"ru": "Центр", "en": "Site"},
    "lead.col.site_name": {"ru": "Название центра", "en": "Site name"},
    "lead.col.apheresed": {"ru": "Аферезы", "en": "Apheresed"},
    "lead.col.infused": {"ru": "Инфузии", "en": "Infused"},
    "lead.col.not_infused": {"ru": "Без инфузии", "en": "Not infused"},
    "lead.col.in_process": {"ru": "В процессе", "en": "In process"},
    "lead.col.infused_share": {"ru": "Доля инфузий", "en": "Share infused"},
    "lead.col.deaths": {"ru": "Умерли", "en": "Deaths"},
    "lead.col.median_months": {"ru": "Медиана, мес", "en": "Median, months"},
    "lead.col.ci_lower": {"ru": "95% ДИ, от", "en": "95% CI, lower"},
    "lead.col.ci_upper": {"ru": "95% ДИ, до", "en": "95% CI, upper"},
    "lead.col.timepoint": {"ru": "Визит", "en": "Timepoint"},
    "lead.col.expected": {"ru": "Ожидается", "en": "Expected"},
    "lead.col.received": {"ru": "Получено", "en": "Received"},
    "lead.col.overdue": {"ru": "Просрочено", "en": "Overdue"},
    "lead.col.completeness": {"ru": "Полнота", "en": "Completeness"},
    "lead.col.flagged": {"ru": "Ниже порога", "en": "Under threshold"},
    "lead.col.event_type": {"ru": "Осложнение", "en": "Toxicity"},
    "lead.col.grade": {"ru": "Степень (ASTCT 2019)", "en": "Grade (ASTCT 2019)"},
    "lead.col.grading_scale": {"ru": "Шкала", "en": "Scale"},
    "lead.col.episodes": {"ru": "Эпизоды", "en": "Episodes"},
    "lead.col.share": {"ru": "Доля", "en": "Share"},
    "lead.col.measure": {"ru": "Показатель", "en": "Measure"},
    "lead.col.numerator": {"ru": "Случаи", "en": "Cases"},
    "lead.col.denominator": {"ru": "Знаменатель", "en": "Denominator"},
    "lead.col.rate": {"ru": "Частота", "en": "Rate"},
    "lead.col.n": {"ru": "N", "en": "N"},
    "lead.col.median": {"ru": "Медиана", "en": "Median"},
    "lead.col.q1": {"ru": "Q1 (25%)", "en": "Q1 (25%)"},
    "lead.col.q3": {"ru": "Q3 (75%)", "en": "Q3 (75%)"},
    "lead.col.p10": {"ru": "10-й процентиль", "en": "10th percentile"},
    "lead.col.p90": {"ru": "90-й процентиль", "en": "90th percentile"},
    "lead.col.lots": {"ru": "Серии", "en": "Lots"},
    "lead.col.qc_tested": {"ru": "С полным КК", "en": "Fully QC-tested"},
    "lead.col.qc_passed": {"ru": "КК пройден", "en": "QC passed"},
    "lead.col.out_of_spec": {"ru": "Вне спецификации", "en": "Out of specification"},
    "lead.col.manufacturing_failed": {"ru": "Неудачи производства",
                                      "en": "Manufacturing failures"},
    "lead.col.stage": {"ru": "Этап", "en": "Stage"},
    "lead.col.reason": {"ru": "Причина", "en": "Reason"},
    # --- axes
    "lead.axis.period": {"ru": "Период афереза", "en": "Apheresis period"},
    "lead.axis.apheresed": {"ru": "Аферезы", "en": "Apheresed"},
    "lead.axis.share_infused": {"ru": "Доля эпизодов с инфузией",
                                "en": "Share of infused episodes"},
    "lead.axis.rate_ci": {"ru": "Частота и 95% ДИ", "en": "Rate and 95% CI"},
    "lead.axis.days": {"ru": "Дни", "en": "Days"},
    "lead.axis.episodes": {"ru": "Эпизоды", "en": "Episodes"},
    "lead.axis.lots": {"ru": "Серии", "en": "Lots"},
    # --- safety
    "lead.safety.grades": {
        "ru": "Максимальная степень CRS и ICANS по ASTCT 2019",
        "en": "Worst CRS and ICANS grade, ASTCT 2019",
    },
    "lead.safety.grades_note": {
        "ru": "Доли от эпизодов с инфузией (знаменатель: все инфузии препарата). Степени по "
              "другим шкалам не объединяются с ASTCT.",
        "en": "Shares of infused episodes (denominator: every infusion of the product). Grades "
              "on other scales are not pooled with ASTCT.",
    },
    "lead.safety.severe": {
        "ru": "CRS и ICANS степени ≥ 3: частота и точный 95% ДИ (Клоппер–Пирсон)",
        "en": "CRS and ICANS grade ≥ 3: rate and exact 95% CI (Clopper-Pearson)",
    },
    "lead.safety.onset": {
        "ru": "День начала от инфузии (первое событие эпизода)",
        "en": "Day of onset after infusion (first event of the episode)",
    },
    "lead.safety.supportive": {
        "ru": "Тоцилизумаб, кортикостероиды и ОРИТ",
        "en": "Tocilizumab, corticosteroids and ICU",
    },
    "lead.safety.supportive_note": {
        "ru": "Доля эпизодов с инфузией, в которых при любом нежелательном явлении вводили "
              "препарат; ОРИТ — по нежелательным явлениям или дням в ОРИТ в формах "
              "наблюдения.",
        "en": "Share of infused episodes with the drug given for any adverse event; ICU from "
              "adverse events or ICU days on follow-up forms.",
    },
    "lead.safety.other_scales": {
        "ru": "{n} событий CRS/ICANS оценены не по ASTCT 2019; они не объединены с "
              "оценками ASTCT и учтены отдельно (группа «другая шкала» и таблица ниже).",
        "en": "{n} CRS/ICANS events were graded on a scale other than ASTCT 2019; they are not "
              "pooled with ASTCT grades but counted separately (the 'other scale' group and "
              "the table below).",
    },
    "lead.safety.all_astct": {
        "ru": "Все события CRS и ICANS оценены по ASTCT 2019.",
        "en": "Every CRS and ICANS event is graded on ASTCT 2019.",
    },
    "lead.severe.CRS": {"ru": "CRS степени ≥ 3", "en": "CRS grade ≥ 3"},
    "lead.severe.ICANS": {"ru": "ICANS степени ≥ 3", "en": "ICANS grade ≥ 3"},
    "lead.measure.tocilizumab": {"ru": "Тоцилизумаб", "en": "Tocilizumab"},
    "lead.measure.corticosteroids": {"ru": "Кортикостероиды", "en": "Corticosteroids"},
    "lead.measure.icu": {"ru": "Перевод в ОРИТ", "en": "ICU admission"},
    "lead.measure.qc": {"ru": "КК пройден", "en": "QC passed"},
    "lead.grade.none": {"ru": "нет", "en": "none"},
    "lead.grade.1": {"ru": "1", "en": "1"},
    "lead.grade.2": {"ru": "2", "en": "2"},
    "lead.grade.3": {"ru": "3", "en": "3"},
    "lead.grade.4": {"ru": "4", "en": "4"},
    "lead.grade.5": {"ru": "5 (смерть)", "en": "5 (death)"},
    "lead.grade.ungraded": {"ru": "без степени", "en": "ungraded"},
    "lead.grade.other_scale": {"ru": "другая шкала", "en": "other scale"},
    # --- production
    "lead.production.v2v": {
        "ru": "От афереза до инфузии (vein-to-vein), дни",
        "en": "Vein-to-vein time (apheresis to infusion), days",
    },
    "lead.production.turnaround": {
        "ru": "Срок производства (от начала до выпуска серии), дни",
        "en": "Manufacturing turnaround (start to lot release), days",
    },
    "lead.production.histogram_note": {
        "ru": "Интервалы по {days} дн.",
        "en": "Bins of {days} days.",
    },
    "lead.production.spread_note": {
        "ru": "Прямоугольник — межквартильный размах, линия — от 10-го до 90-го процентиля, "
              "штрих — медиана.",
        "en": "Box: interquartile range; line: 10th to 90th percentile; tick: median.",
    },
    "lead.production.qc": {"ru": "Контроль качества серий", "en": "Lot quality control"},
    "lead.production.qc_note": {
        "ru": "КК пройден: стерильность, эндотоксин и микоплазма в норме и серия в пределах "
              "спецификации; знаменатель — серии с результатами всех трёх тестов. Точный 95% ДИ.",
        "en": "QC passed: sterility, endotoxin and mycoplasma all pass and the lot is within "
              "specification; denominator: lots with all three results. Exact 95% CI.",
    },
    "lead.production.funnel": {
        "ru": "Воронка: аферез → выпуск серии → инфузия",
        "en": "Attrition: apheresed → lot released → infused",
    },
    "lead.production.reasons": {
        "ru": "Причины, по которым инфузия не проведена",
        "en": "Why apheresed patients were not infused",
    },
    "lead.stage.apheresed": {"ru": "Аферез", "en": "Apheresed"},
    "lead.stage.lot_released": {"ru": "Серия выпущена", "en": "Lot released"},
    "lead.stage.infused": {"ru": "Инфузия", "en": "Infused"},
    "lead.reason.pending": {"ru": "в процессе", "en": "in process"},
}

__all__ = ["ENTRIES"]
