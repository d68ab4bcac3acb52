"""Catalogue entries of the Outcomes and Centres dashboards (pages/lead_outcomes.py,
pages/lead_centres.py), Russian and English.

Merged into `registry.i18n.CATALOGUE` as `registry.i18n_leadership` is; every key starts
with ``lead.outcomes.``, ``lead.centres.`` or is one of the two navigation entries.
"""

from __future__ import annotations

ENTRIES: dict[str, dict[str, str]] = {
    # --- navigation
    "lead.nav.outcomes": {"ru": "Исходы", "en": "Outcomes"},
    "lead.nav.centres": {"ru": "Центры", "en": "Centres"},
    # --- outcomes: frame and controls
    "lead.outcomes.title": {"ru": "Исходы: выживаемость по препаратам",
                            "en": "Outcomes: survival by product"},
    "lead.outcomes.scenario": {
        "ru": "Все данные реестра в этой демонстрации синтетические; результаты отечественного "
              "препарата — сценарий моделирования, а не наблюдаемые результаты.",
        "en": "All registry data in this demo are synthetic; the domestic product's results "
              "are a modelling scenario, not observed results.",
    },
    "lead.outcomes.endpoint": {"ru": "Исход", "en": "Endpoint"},
    "lead.outcomes.endpoint.os": {"ru": "Общая выживаемость (ОВ)",
                                  "en": "Overall survival (OS)"},
    "lead.outcomes.endpoint.pfs": {"ru": "Выживаемость без прогрессирования (ВБП)",
                                   "en": "Progression-free survival (PFS)"},
    "lead.outcomes.endpoint.efs": {"ru": "Бессобытийная выживаемость (БСВ)",
                                   "en": "Event-free survival (EFS)"},
    "lead.outcomes.endpoint.pfs_efs": {"ru": "ВБП (лимфомы) / БСВ (B-ОЛЛ)",
                                       "en": "PFS (lymphoma) / EFS (B-ALL)"},
    "lead.outcomes.choice.os": {"ru": "ОВ", "en": "OS"},
    "lead.outcomes.choice.pfs_efs": {"ru": "ВБП / БСВ", "en": "PFS / EFS"},
    "lead.outcomes.origin": {"ru": "Популяция", "en": "Population"},
    "lead.outcomes.origin.infusion": {"ru": "mITT (от инфузии)", "en": "mITT (from infusion)"},
    "lead.outcomes.origin.apheresis": {"ru": "ITT (от афереза)", "en": "ITT (from apheresis)"},
    "lead.outcomes.origin_note.infusion": {
        "ru": "mITT: все пациенты, получившие инфузию; день 0 — инфузия.",
        "en": "mITT: every infused patient; day 0 is the infusion.",
    },
    "lead.outcomes.origin_note.apheresis": {
        "ru": "ITT: все пациенты после афереза, включая не получивших инфузию; день 0 — аферез. "
              "Для ВБП/БСВ отказ от инфузии считается событием.",
        "en": "ITT: every apheresed patient, including the never infused; day 0 is the "
              "apheresis. For PFS/EFS not being infused counts as an event.",
    },
    "lead.outcomes.indication": {"ru": "Показание", "en": "Indication"},
    "lead.outcomes.indication.all": {"ru": "Все показания", "en": "All indications"},
    # --- outcomes: Kaplan-Meier
    "lead.outcomes.km": {"ru": "{endpoint}: кривые Каплана–Мейера",
                         "en": "{endpoint}: Kaplan-Meier curves"},
    "lead.outcomes.km_note": {
        "ru": "Кривые с 95% доверительными полосами (Гринвуд, log-log); под графиком — число "
              "пациентов под риском. Кривая обрывается там, где под риском остаётся меньше 5 "
              "пациентов. Ромбы — опубликованные данные импортного препарата.",
        "en": "Curves with 95% confidence bands (Greenwood, log-log); the number at risk is "
              "under the plot. A curve stops where fewer than 5 patients remain at risk. "
              "Diamonds are the imported product's published figures.",
    },
    "lead.outcomes.axis.months.infusion": {"ru": "Месяцы от инфузии",
                                           "en": "Months from infusion"},
    "lead.outcomes.axis.months.apheresis": {"ru": "Месяцы от афереза",
                                            "en": "Months from apheresis"},
    "lead.outcomes.axis.survival": {"ru": "Выживаемость", "en": "Survival"},
    "lead.outcomes.at_risk": {"ru": "Под риском", "en": "At risk"},
    "lead.outcomes.published": {"ru": "Опубликовано: тисагенлеклейсел",
                                "en": "Published: tisagenlecleucel"},
    "lead.outcomes.suppressed": {
        "ru": "Скрыты (меньше 5 пациентов или 1–4 события): {products}.",
        "en": "Hidden (fewer than 5 patients or 1-4 events): {products}.",
    },
    # --- outcomes: tables
    "lead.outcomes.summary": {"ru": "Пациенты, события и медиана",
                              "en": "Patients, events and median"},
    "lead.outcomes.median_note": {
        "ru": "Медиана и 95% ДИ (log-log, как print.survfit в R), в месяцах. «–» — не "
              "достигнута; <5 — в этот момент под риском меньше 5 пациентов.",
        "en": "Median and 95% CI (log-log, as R's print.survfit), in months. \"–\": not "
              "reached; <5: fewer than 5 patients at risk at that time.",
    },
    "lead.outcomes.col.status": {"ru": "Кривая", "en": "Curve"},
    "lead.outcomes.status.shown": {"ru": "показана", "en": "shown"},
    "lead.outcomes.status.suppressed": {"ru": "скрыта (<5)", "en": "hidden (<5)"},
    "lead.outcomes.status.no_patients": {"ru": "нет пациентов", "en": "no patients"},
    "lead.outcomes.col.events": {"ru": "События", "en": "Events"},
    "lead.outcomes.col.median": {"ru": "Медиана, мес", "en": "Median, months"},
    "lead.outcomes.col.truncated": {"ru": "Кривая до, мес", "en": "Curve drawn to, months"},
    "lead.outcomes.col.month": {"ru": "Срок, мес", "en": "Month"},
    "lead.outcomes.col.n_risk": {"ru": "Под риском", "en": "At risk"},
    "lead.outcomes.col.survival": {"ru": "Выживаемость", "en": "Survival"},
    "lead.outcomes.landmarks": {"ru": "Выживаемость на 6, 12 и 24 месяцах",
                                "en": "Survival at 6, 12 and 24 months"},
    "lead.outcomes.landmarks_note": {
        "ru": "95% ДИ log-log. «–» — так долго никто не наблюдался; <5 — под риском меньше 5 "
              "пациентов. Ромбы — опубликованные данные на тех же сроках.",
        "en": "Log-log 95% CI. \"–\": nobody followed that long; <5: fewer than 5 patients "
              "at risk. Diamonds are published figures at the same times.",
    },
    "lead.outcomes.month_label": {"ru": "{month} мес", "en": "{month} months"},
    "lead.outcomes.logrank": {
        "ru": "Лог-ранговый критерий ({products}): χ² = {statistic}, df = {df}, p = {p}.",
        "en": "Log-rank test ({products}): chi-square = {statistic}, df = {df}, p = {p}.",
    },
    "lead.outcomes.logrank.too_few_groups": {
        "ru": "Лог-ранговый критерий не рассчитан: показаны кривые менее чем двух препаратов.",
        "en": "No log-rank test: fewer than two products have a curve shown.",
    },
    "lead.outcomes.logrank.no_events": {
        "ru": "Лог-ранговый критерий не рассчитан: событий нет.",
        "en": "No log-rank test: there are no events.",
    },
    "lead.outcomes.logrank_note": {
        "ru": "Сравнение наблюдательное и без поправок: пациенты разных препаратов различаются "
              "по показаниям и тяжести болезни.",
        "en": "An observational, unadjusted comparison: the products' patients differ in "
              "indication and disease burden.",
    },
    # --- outcomes: published figures
    "lead.outcomes.benchmarks": {
        "ru": "Опубликованные данные импортного препарата (тисагенлеклейсел)",
        "en": "Published figures of the imported product (tisagenlecleucel)",
    },
    "lead.outcomes.benchmarks_note": {
        "ru": "Ориентиры из публикаций (seed_data/published_benchmarks.csv), а не данные "
              "реестра. Популяции исследований отличаются от пациентов реестра; все точки "
              "относятся к получившим инфузию (mITT).",
        "en": "Reference points from publications (seed_data/published_benchmarks.csv), not "
              "registry data. The studies' populations differ from the registry's patients; "
              "every point is of infused patients (mITT).",
    },
    "lead.outcomes.benchmarks_itt": {
        "ru": "Кривые построены по ITT (от афереза), а опубликованные точки — по получившим "
              "инфузию: прямое сравнение невозможно.",
        "en": "The curves are ITT (from apheresis) but the published points are of infused "
              "patients: they do not compare directly.",
    },
    "lead.outcomes.benchmarks_none": {
        "ru": "Для этого исхода и показания опубликованных точек нет.",
        "en": "No published points for this endpoint and indication.",
    },
    "lead.outcomes.benchmarks_choose": {
        "ru": "Опубликованные данные относятся к отдельным показаниям: выберите показание, "
              "чтобы увидеть их на графике.",
        "en": "Published figures belong to single indications: choose one to see them on "
              "the chart.",
    },
    "lead.outcomes.col.source": {"ru": "Источник", "en": "Source"},
    "lead.outcomes.col.population": {"ru": "Популяция", "en": "Population"},
    "lead.outcomes.col.value": {"ru": "Значение", "en": "Value"},
    "lead.outcomes.col.citation": {"ru": "Ссылка", "en": "Citation"},
    # --- centres
    "lead.centres.title": {
        "ru": "Центры: наблюдаемая и ожидаемая 1-летняя общая выживаемость",
        "en": "Centres: observed vs expected 1-year overall survival",
    },
    "lead.centres.metric.patients": {"ru": "Пациентов в анализе", "en": "Patients analysed"},
    "lead.centres.metric.survival": {"ru": "1-летняя ОВ, все центры",
                                     "en": "1-year OS, all sites"},
    "lead.centres.metric.ranked": {"ru": "Центров в рейтинге", "en": "Sites ranked"},
    "lead.centres.cohort_note": {
        "ru": "Первая инфузия каждого пациента не позднее {date}: у всех возможен год "
              "наблюдения. Время от инфузии, смерть от любой причины; выбывшие цензурируются "
              "на последнем контакте. Наблюдаемая выживаемость — Каплан–Мейер на 12 месяцах.",
        "en": "Each patient's first infusion on or before {date}, so everyone has a potential "
              "year of follow-up. Time from infusion, death from any cause; patients lost are "
              "censored at last contact. Observed survival is Kaplan-Meier at 12 months.",
    },
    "lead.centres.small": {
        "ru": "Центры, где меньше 5 пациентов или 1–4 смерти за год, скрыты (<5): они не "
              "рисуются и не ранжируются.",
        "en": "Sites with fewer than 5 patients or 1-4 deaths in the year are hidden (<5): "
              "not drawn and not ranked.",
    },
    "lead.centres.no_data": {
        "ru": "Нет пациентов с годом возможного наблюдения.",
        "en": "No patient has a potential year of follow-up yet.",
    },
    "lead.centres.flagged": {
        "ru": "Полнота наблюдения ниже {threshold}: {sites}. Эти центры показаны серым и не "
              "входят в рейтинг (правило CIBMTR).",
        "en": "Follow-up completeness under {threshold}: {sites}. These sites are shown grey "
              "and left out of the ranking (CIBMTR's rule).",
    },
    "lead.centres.none_flagged": {
        "ru": "У всех центров полнота наблюдения не ниже {threshold}.",
        "en": "Every site has follow-up completeness of at least {threshold}.",
    },
    "lead.centres.funnel": {"ru": "Воронкообразный график (funnel plot)", "en": "Funnel plot"},
    "lead.centres.funnel_note": {
        "ru": "По вертикали — 1-летняя ОВ с поправкой на риск: p0 + (Н − О), где p0 — ОВ всех "
              "центров, Н — наблюдаемая, О — ожидаемая по модели риска. Границы: "
              "p0 ± z·√(p0(1 − p0)/n), z = 1,96 (95%) и 3,09 (99,8%). Полые серые точки — "
              "центры с полнотой наблюдения ниже {threshold}.",
        "en": "Vertical: risk-adjusted 1-year OS, p0 + (O - E), where p0 is all sites' OS, O "
              "the observed and E the risk-model expected. Limits: p0 +/- z*sqrt(p0(1 - p0)/n), "
              "z = 1.96 (95%) and 3.09 (99.8%). Hollow grey points: sites with follow-up "
              "completeness under {threshold}.",
    },
    "lead.centres.axis.n": {"ru": "Пациентов в центре", "en": "Patients at the site"},
    "lead.centres.axis.adjusted": {"ru": "1-летняя ОВ с поправкой на риск",
                                   "en": "Risk-adjusted 1-year OS"},
    "lead.centres.axis.survival": {"ru": "1-летняя общая выживаемость",
                                   "en": "1-year overall survival"},
    "lead.centres.limit.95": {"ru": "95% границы", "en": "95% limits"},
    "lead.centres.limit.998": {"ru": "99,8% границы", "en": "99.8% limits"},
    "lead.centres.target": {"ru": "Все центры (p0)", "en": "All sites (p0)"},
    "lead.centres.oe": {"ru": "Наблюдаемая и ожидаемая 1-летняя ОВ по центрам",
                        "en": "Observed and expected 1-year OS by site"},
    "lead.centres.observed": {"ru": "Наблюдаемая (95% ДИ)", "en": "Observed (95% CI)"},
    "lead.centres.expected": {"ru": "Ожидаемая по модели", "en": "Expected (risk model)"},
    "lead.centres.ranking": {"ru": "Рейтинг центров", "en": "Site ranking"},
    "lead.centres.ranking_note": {
        "ru": "Место — по разности Н − О. Центры с полнотой ниже порога и скрытые центры не "
              "ранжируются. Положение — относительно границ воронки при числе пациентов центра.",
        "en": "Ranked by O - E. Sites under the completeness threshold and hidden sites are "
              "not ranked. Position: against the funnel limits at the site's number of "
              "patients.",
    },
    "lead.centres.status.ranked": {"ru": "в рейтинге", "en": "ranked"},
    "lead.centres.status.flagged": {"ru": "полнота < порога", "en": "completeness < threshold"},
    "lead.centres.status.suppressed": {"ru": "скрыт (<5)", "en": "hidden (<5)"},
    "lead.centres.status.no_patients": {"ru": "нет пациентов", "en": "no patients"},
    "lead.centres.status.not_estimable": {"ru": "не оценить", "en": "not estimable"},
    "lead.centres.position.above_998": {"ru": "выше 99,8% границы",
                                        "en": "above the 99.8% limit"},
    "lead.centres.position.above_95": {"ru": "выше 95% границы", "en": "above the 95% limit"},
    "lead.centres.position.within": {"ru": "в пределах границ", "en": "within the limits"},
    "lead.centres.position.below_95": {"ru": "ниже 95% границы", "en": "below the 95% limit"},
    "lead.centres.position.below_998": {"ru": "ниже 99,8% границы",
                                        "en": "below the 99.8% limit"},
    "lead.centres.col.rank": {"ru": "Место", "en": "Rank"},
    "lead.centres.col.deaths": {"ru": "Смерти за год", "en": "Deaths in year 1"},
    "lead.centres.col.observed": {"ru": "Наблюдаемая (Н)", "en": "Observed (O)"},
    "lead.centres.col.ci": {"ru": "95% ДИ", "en": "95% CI"},
    "lead.centres.col.expected": {"ru": "Ожидаемая (О)", "en": "Expected (E)"},
    "lead.centres.col.o_minus_e": {"ru": "Н − О", "en": "O - E"},
    "lead.centres.col.o_e_ratio": {"ru": "Н / О", "en": "O / E"},
    "lead.centres.col.position": {"ru": "Положение", "en": "Position"},
    "lead.centres.col.status": {"ru": "Статус", "en": "Status"},
    "lead.centres.model": {"ru": "Модель риска (Кокс)", "en": "Risk model (Cox)"},
    "lead.centres.model_note": {
        "ru": "Модель Кокса (Эфрон) по пациентам всех центров. Ожидаемая 1-летняя выживаемость "
              "пациента — exp(−H0(12 мес)·exp(x'β)) с базовым риском Бреслоу; ожидаемая центра "
              "— среднее по его пациентам. Категории сравниваются с самой частой. C-индекс: "
              "{c}.",
        "en": "A Cox model (Efron) on the patients of all sites. A patient's expected 1-year "
              "survival is exp(-H0(12 months)*exp(x'b)) with Breslow's baseline; a site's is "
              "the mean over its patients. Categories are compared with the commonest one. "
              "C-index: {c}.",
    },
    "lead.centres.col.term": {"ru": "Фактор", "en": "Factor"},
    "lead.centres.col.level": {"ru": "Уровень", "en": "Level"},
    "lead.centres.col.hr": {"ru": "ОР", "en": "HR"},
    "lead.centres.col.p": {"ru": "p", "en": "p"},
    "lead.centres.term.age_per_10y": {"ru": "Возраст, на 10 лет", "en": "Age, per 10 years"},
    "lead.centres.term.prior_lines": {"ru": "Линии терапии до CAR-T",
                                      "en": "Prior lines of therapy"},
    "lead.centres.term.ecog": {"ru": "ECOG", "en": "ECOG"},
    "lead.centres.term.ldh_above_uln": {"ru": "ЛДГ выше нормы", "en": "LDH above ULN"},
    "lead.centres.term.bridging": {"ru": "Бридж-терапия", "en": "Bridging therapy"},
    "lead.centres.term.indication": {"ru": "Показание", "en": "Indication"},
    "lead.centres.term.product": {"ru": "Препарат", "en": "Product"},
}
