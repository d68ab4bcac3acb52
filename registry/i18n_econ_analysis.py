"""Catalogue entries, Russian and English: Comparison and extrapolation pages
(pages/econ_compare.py, pages/econ_extrapolate.py); keys start with econ.compare. or
econ.extrap. (report labels: econ.compare.report., econ.extrap.report.), plus their
navigation entries econ.nav.compare and econ.nav.extrapolate. The arm and endpoint labels
(econ.compare.arm.*, econ.compare.endpoint.*) serve both pages.

The HTA services' refusals (codes ``hta.*``) are catalogued with the services' messages
(registry/i18n_messages.py); only the comparison's "no overlap" (a ConvergenceError of the
propensity model, not a RegistryError) has a text here.

Merged into `registry.i18n.CATALOGUE`; a key defined twice anywhere is an error.
"""

from __future__ import annotations

ENTRIES: dict[str, dict[str, str]] = {
    # --- navigation
    "econ.nav.compare": {"ru": "Сравнение препаратов", "en": "Product comparison"},
    "econ.nav.extrapolate": {"ru": "Экстраполяция выживаемости",
                             "en": "Survival extrapolation"},
    # --- arms and endpoints (both pages)
    "econ.compare.arm.imported": {"ru": "Импортный (референс)", "en": "Imported (reference)"},
    "econ.compare.arm.domestic": {"ru": "Отечественный", "en": "Domestic"},
    "econ.compare.arm.difference": {"ru": "Разница (отечественный − импортный)",
                                    "en": "Difference (domestic − imported)"},
    "econ.compare.endpoint.os": {"ru": "ОВ", "en": "OS"},
    "econ.compare.endpoint.pfs_efs": {"ru": "ВБП / БСВ", "en": "PFS / EFS"},
    "econ.compare.endpoint_note": {
        "ru": "ОВ — общая выживаемость; ВБП — выживаемость без прогрессирования (лимфомы), "
              "БСВ — бессобытийная выживаемость (B-ОЛЛ).",
        "en": "OS: overall survival; PFS: progression-free survival (lymphoma), EFS: "
              "event-free survival (B-ALL).",
    },
    "econ.compare.legend.arm": {"ru": "Группа", "en": "Arm"},
    "econ.compare.col.arm": {"ru": "Группа", "en": "Arm"},
    "econ.compare.col.endpoint": {"ru": "Исход", "en": "Endpoint"},
    "econ.compare.col.lower": {"ru": "95% ДИ, от", "en": "95% CI, lower"},
    "econ.compare.col.upper": {"ru": "95% ДИ, до", "en": "95% CI, upper"},
    "econ.compare.col.p": {"ru": "p", "en": "p"},
    # ================================================================ comparison page
    "econ.compare.title": {"ru": "Сравнение отечественного и импортного препаратов",
                           "en": "Domestic vs imported product"},
    "econ.compare.intro": {
        "ru": "Данные реестра наблюдательные: пациенты не распределялись по препаратам "
              "случайно. Поэтому рядом с прямым (нескорректированным) сравнением показаны "
              "скорректированные: модель Кокса с ковариатами и взвешивание по обратной "
              "вероятности лечения (IPTW). Оба учитывают только измеренные различия между "
              "группами. Референс — импортный препарат (Кимрая).",
        "en": "Registry data are observational: patients were not randomised to a product. "
              "So the crude comparison is shown beside adjusted ones: a Cox model with "
              "covariates and inverse probability of treatment weighting (IPTW). Both correct "
              "only for the differences that were measured. The reference is the imported "
              "product (Kymriah).",
    },
    "econ.compare.denied_note": {
        "ru": "Эта страница — для экономистов здравоохранения.",
        "en": "This page is for health economists.",
    },
    "econ.compare.horizon": {"ru": "Горизонт RMST, месяцев", "en": "RMST horizon, months"},
    "econ.compare.horizon_help": {
        "ru": "Ограниченное среднее время жизни (RMST) считается до этого срока; он не может "
              "быть дольше наблюдения в каждой группе.",
        "en": "The restricted mean survival time (RMST) is computed up to this time; it cannot "
              "exceed the follow-up of either arm.",
    },
    "econ.compare.run": {"ru": "Рассчитать", "en": "Run"},
    "econ.compare.running": {"ru": "Идёт расчёт сравнения…", "en": "Running the comparison…"},
    "econ.compare.prompt": {
        "ru": "Выберите горизонт и нажмите «Рассчитать»: сравнение строится по рабочей "
              "когорте, и каждый расчёт сохраняется в журнале расчётов.",
        "en": "Choose the horizon and press Run: the comparison uses the working cohort, and "
              "every run is kept in the run log.",
    },
    "econ.compare.stale": {
        "ru": "Рабочая когорта или горизонт изменились: ниже результаты прежнего расчёта. "
              "Нажмите «Рассчитать», чтобы обновить.",
        "en": "The working cohort or the horizon changed: the results below are from the "
              "previous run. Press Run to update them.",
    },
    "econ.compare.err.separation": {
        "ru": "Ковариаты полностью разделяют группы (например, одно из показаний есть только "
              "у одного препарата), поэтому веса IPTW не определены. Сузьте рабочую когорту "
              "до пациентов, которые могли получить любой из препаратов (например, по "
              "показаниям).",
        "en": "The covariates separate the arms completely (e.g. an indication treated with "
              "one product only), so the IPTW weights are undefined. Restrict the working "
              "cohort to patients who could have received either product (e.g. by "
              "indication).",
    },
    # --- counts
    "econ.compare.counts": {"ru": "Пациенты по группам", "en": "Patients per arm"},
    "econ.compare.counts_note": {
        "ru": "Первый эпизод лечения каждого пациента рабочей когорты; время отсчитывается "
              "от инфузии (mITT) или от афереза (ITT).",
        "en": "Each patient's first treatment episode in the working cohort; time runs from "
              "the infusion (mITT) or from the apheresis (ITT).",
    },
    "econ.compare.metric.total": {"ru": "Всего", "en": "Total"},
    # --- hazard ratios
    "econ.compare.hr": {"ru": "Отношение рисков", "en": "Hazard ratios"},
    "econ.compare.model.crude": {"ru": "Нескорректированное", "en": "Crude"},
    "econ.compare.model.adjusted": {"ru": "Скорректированное", "en": "Adjusted"},
    "econ.compare.col.model": {"ru": "Модель", "en": "Model"},
    "econ.compare.col.term": {"ru": "Переменная", "en": "Term"},
    "econ.compare.col.hr": {"ru": "ОР", "en": "HR"},
    "econ.compare.axis.hr": {"ru": "ОР, отечественный против импортного (лог. шкала)",
                             "en": "HR, domestic vs imported (log scale)"},
    "econ.compare.hr_note": {
        "ru": "Модель Кокса (связи по Эфрону). ОР < 1 — риск события ниже у отечественного "
              "препарата. Скорректированное ОР учитывает возраст, число линий терапии, ECOG, "
              "повышенную ЛДГ, бриджинг и показание и предполагает пропорциональность рисков: "
              "одно число описывает всё время наблюдения.",
        "en": "Cox model (Efron ties). HR < 1: a lower hazard with the domestic product. The "
              "adjusted HR accounts for age, prior lines, ECOG, raised LDH, bridging and "
              "indication and assumes proportional hazards: one number for the whole "
              "follow-up.",
    },
    "econ.compare.hr_terms": {"ru": "Все переменные скорректированной модели",
                              "en": "Every term of the adjusted model"},
    # --- balance
    "econ.compare.balance": {"ru": "Баланс ковариат", "en": "Covariate balance"},
    "econ.compare.col.covariate": {"ru": "Ковариата", "en": "Covariate"},
    "econ.compare.col.mean_domestic": {"ru": "Среднее, отечественный",
                                       "en": "Mean, domestic"},
    "econ.compare.col.mean_imported": {"ru": "Среднее, импортный", "en": "Mean, imported"},
    "econ.compare.col.smd_before": {"ru": "SMD до взвешивания", "en": "SMD before weighting"},
    "econ.compare.col.mean_domestic_w": {"ru": "Среднее после IPTW, отечественный",
                                         "en": "IPTW mean, domestic"},
    "econ.compare.col.mean_imported_w": {"ru": "Среднее после IPTW, импортный",
                                         "en": "IPTW mean, imported"},
    "econ.compare.col.smd_after": {"ru": "SMD после взвешивания", "en": "SMD after weighting"},
    "econ.compare.stage.unweighted": {"ru": "До взвешивания", "en": "Before weighting"},
    "econ.compare.stage.weighted": {"ru": "После IPTW", "en": "After IPTW"},
    "econ.compare.legend.stage": {"ru": "Выборка", "en": "Sample"},
    "econ.compare.axis.smd": {"ru": "|SMD| (стандартизованная разность средних)",
                              "en": "|SMD| (standardised mean difference)"},
    "econ.compare.covariate.age_per_10y": {"ru": "Возраст, на 10 лет",
                                           "en": "Age, per 10 years"},
    "econ.compare.covariate.prior_lines": {"ru": "Линий терапии до CAR-T",
                                           "en": "Prior lines of therapy"},
    "econ.compare.covariate.ecog": {"ru": "ECOG", "en": "ECOG"},
    "econ.compare.covariate.ldh_above_uln": {"ru": "ЛДГ выше нормы", "en": "LDH above ULN"},
    "econ.compare.covariate.bridging": {"ru": "Бриджинг-терапия", "en": "Bridging therapy"},
    "econ.compare.covariate.indication": {"ru": "Показание: {level}",
                                          "en": "Indication: {level}"},
    "econ.compare.balance_note": {
        "ru": "IPTW со стабилизированными весами оценивает средний эффект лечения (ATE): "
              "каким был бы результат, если бы отечественный препарат получили все пациенты "
              "когорты, против всех — импортный. |SMD| < 0,1 считается хорошим балансом "
              "(пунктир на графике).",
        "en": "IPTW with stabilised weights targets the average treatment effect (ATE): the "
              "outcome had every patient of the cohort received the domestic product, against "
              "every patient receiving the imported one. |SMD| < 0.1 counts as good balance "
              "(the dashed line).",
    },
    "econ.compare.weights": {
        "ru": "Стабилизированные веса от {min} до {max} (среднее {mean}). Эффективный размер "
              "выборки: импортный — {ess_imported} из {n_imported}, отечественный — "
              "{ess_domestic} из {n_domestic}.",
        "en": "Stabilised weights range from {min} to {max} (mean {mean}). Effective sample "
              "size: imported {ess_imported} of {n_imported}, domestic {ess_domestic} of "
              "{n_domestic}.",
    },
    "econ.compare.balance_bad": {
        "ru": "После взвешивания |SMD| ≥ 0,1 у ковариат: {covariates}. Скорректированные "
              "оценки по ним могут быть смещены.",
        "en": "After weighting |SMD| >= 0.1 remains for: {covariates}. The adjusted estimates "
              "may be biased by them.",
    },
    # --- survival curves
    "econ.compare.km": {"ru": "Кривые Каплана — Мейера", "en": "Kaplan-Meier curves"},
    "econ.compare.km_endpoint": {"ru": "Исход", "en": "Endpoint"},
    "econ.compare.weighting.crude": {"ru": "Без взвешивания", "en": "Crude"},
    "econ.compare.weighting.iptw": {"ru": "Взвешенные по IPTW", "en": "IPTW-weighted"},
    "econ.compare.axis.months": {"ru": "Месяцы", "en": "Months"},
    "econ.compare.axis.survival": {"ru": "Выживаемость", "en": "Survival"},
    "econ.compare.km_note": {
        "ru": "Слева — наблюдаемые кривые, справа — взвешенные по IPTW (робастная дисперсия); "
              "полосы — 95% ДИ.",
        "en": "Left: the observed curves; right: IPTW-weighted (robust variance); bands: 95% "
              "CI.",
    },
    # --- RMST
    "econ.compare.rmst": {"ru": "Ограниченное среднее время жизни (RMST) до {horizon} мес",
                          "en": "Restricted mean survival time (RMST) to {horizon} months"},
    "econ.compare.col.rmst": {"ru": "RMST, мес", "en": "RMST, months"},
    "econ.compare.rmst_note": {
        "ru": "Среднее время без события в пределах горизонта (площадь под кривой Каплана — "
              "Мейера), без взвешивания. Разница > 0 — отечественный препарат дольше.",
        "en": "Mean event-free time within the horizon (the area under the Kaplan-Meier "
              "curve), unweighted. A difference > 0 favours the domestic product.",
    },
    # --- competing risks
    "econ.compare.cif": {"ru": "Кумулятивная частота рецидива и летальности без рецидива",
                         "en": "Cumulative incidence of relapse and non-relapse mortality"},
    "econ.compare.cause.relapse": {"ru": "Рецидив / прогрессирование",
                                   "en": "Relapse / progression"},
    "econ.compare.cause.nrm": {"ru": "Летальность без рецидива (NRM)",
                               "en": "Non-relapse mortality (NRM)"},
    "econ.compare.axis.cif": {"ru": "Кумулятивная частота", "en": "Cumulative incidence"},
    "econ.compare.cif_note": {
        "ru": "Конкурирующие риски, оценка Аалена — Йохансена: смерть без рецидива исключает "
              "рецидив, поэтому частоты не равны 1 − Каплан — Мейер. Без взвешивания.",
        "en": "Competing risks, Aalen-Johansen estimator: death without relapse precludes "
              "relapse, so the incidences are not 1 − Kaplan-Meier. Unweighted.",
    },
    # --- report
    "econ.compare.report.download": {"ru": "Скачать отчёт (HTML)",
                                     "en": "Download report (HTML)"},
    "econ.compare.report.title": {"ru": "Сравнение отечественного и импортного препаратов",
                                  "en": "Domestic vs imported CAR-T product"},
    "econ.compare.report.horizon": {"ru": "Горизонт RMST, месяцев",
                                    "en": "RMST horizon, months"},
    "econ.compare.report.covariates": {"ru": "Ковариаты", "en": "Covariates"},
    "econ.compare.report.weights": {"ru": "Веса", "en": "Weights"},
    "econ.compare.report.weights_value": {
        "ru": "IPTW, ATE, стабилизированные", "en": "IPTW, ATE, stabilised"},
    "econ.compare.report.key_hr": {"ru": "Скорректированное ОР, {endpoint}",
                                   "en": "Adjusted HR, {endpoint}"},
    "econ.compare.report.ci": {"ru": "95% ДИ {lower}–{upper}", "en": "95% CI {lower}–{upper}"},
    "econ.compare.report.cohort": {"ru": "Когорта", "en": "Cohort"},
    "econ.compare.report.fig.forest": {
        "ru": "ОР отечественного препарата против импортного с 95% ДИ, лог. шкала.",
        "en": "HR of the domestic against the imported product with 95% CI, log scale."},
    "econ.compare.report.fig.love": {
        "ru": "|SMD| ковариат до и после взвешивания; пунктир — 0,1.",
        "en": "|SMD| of the covariates before and after weighting; dashed line: 0.1."},
    "econ.compare.report.fig.km": {"ru": "{endpoint}: кривые Каплана — Мейера по группам.",
                                   "en": "{endpoint}: Kaplan-Meier curves by arm."},
    "econ.compare.report.fig.cif": {
        "ru": "Кумулятивная частота рецидива и NRM по группам.",
        "en": "Cumulative incidence of relapse and NRM by arm."},
    # ================================================================ extrapolation page
    "econ.extrap.title": {"ru": "Экстраполяция выживаемости", "en": "Survival extrapolation"},
    "econ.extrap.intro": {
        "ru": "Параметрические модели и модели с долей излечения подгоняются к кривой "
              "Каплана — Мейера каждой группы и продлеваются до выбранного горизонта. "
              "Выбранная здесь модель каждой группы идёт в анализ «затраты — эффективность».",
        "en": "Parametric and mixture-cure models are fitted to each arm's Kaplan-Meier curve "
              "and extended to the chosen horizon. The model chosen here for each arm feeds "
              "the cost-effectiveness analysis.",
    },
    "econ.extrap.endpoint": {"ru": "Исход", "en": "Endpoint"},
    "econ.extrap.horizon": {"ru": "Горизонт, лет", "en": "Horizon, years"},
    "econ.extrap.horizon_help": {
        "ru": "До какого срока продлевать кривые (от 1 до 60 лет); пожизненный горизонт "
              "анализа обычно 20–40 лет.",
        "en": "How far to extend the curves (1 to 60 years); a lifetime horizon is usually "
              "20-40 years.",
    },
    "econ.extrap.run": {"ru": "Подобрать модели", "en": "Fit the models"},
    "econ.extrap.running": {"ru": "Подбираются модели…", "en": "Fitting the models…"},
    "econ.extrap.prompt": {
        "ru": "Выберите исход и горизонт и нажмите «Подобрать модели». Модели подбираются "
              "отдельно для ОВ и для ВБП / БСВ; анализу «затраты — эффективность» нужны обе.",
        "en": "Choose the endpoint and the horizon and press Fit the models. OS and PFS / EFS "
              "are fitted separately; the cost-effectiveness analysis needs both.",
    },
    "econ.extrap.stale": {
        "ru": "Рабочая когорта или горизонт изменились: ниже результаты прежнего расчёта. "
              "Нажмите «Подобрать модели», чтобы обновить.",
        "en": "The working cohort or the horizon changed: the results below are from the "
              "previous run. Press Fit the models to update them.",
    },
    "econ.extrap.warning": {
        "ru": "Продолжение кривой за пределы наблюдения — допущение, а не данные: модели, "
              "одинаково хорошо описывающие наблюдаемый период, могут сильно расходиться на "
              "горизонте. Модель с долей излечения оправдана, только если на кривой "
              "Каплана — Мейера видно плато при достаточном числе пациентов под риском.",
        "en": "Extending a curve beyond the follow-up is an assumption, not data: models that "
              "fit the observed period equally well can differ widely at the horizon. A cure "
              "model is justified only when the Kaplan-Meier curve shows a plateau with enough "
              "patients still at risk.",
    },
    "econ.extrap.model.exponential": {"ru": "Экспоненциальная", "en": "Exponential"},
    "econ.extrap.model.weibull": {"ru": "Вейбулла", "en": "Weibull"},
    "econ.extrap.model.lognormal": {"ru": "Логнормальная", "en": "Log-normal"},
    "econ.extrap.model.loglogistic": {"ru": "Лог-логистическая", "en": "Log-logistic"},
    "econ.extrap.model.gengamma": {"ru": "Обобщённая гамма", "en": "Generalised gamma"},
    "econ.extrap.model.cure_weibull": {"ru": "Доля излечения + Вейбулла",
                                       "en": "Mixture cure, Weibull"},
    "econ.extrap.model.cure_lognormal": {"ru": "Доля излечения + логнормальная",
                                         "en": "Mixture cure, log-normal"},
    "econ.extrap.model.cure_loglogistic": {"ru": "Доля излечения + лог-логистическая",
                                           "en": "Mixture cure, log-logistic"},
    # --- fit table
    "econ.extrap.fits": {"ru": "Качество подгонки (AIC, BIC)", "en": "Goodness of fit (AIC, BIC)"},
    "econ.extrap.col.rank": {"ru": "Место", "en": "Rank"},
    "econ.extrap.col.model": {"ru": "Модель", "en": "Model"},
    "econ.extrap.col.n_params": {"ru": "Параметров", "en": "Parameters"},
    "econ.extrap.col.loglik": {"ru": "Лог-правдоподобие", "en": "Log-likelihood"},
    "econ.extrap.col.status": {"ru": "Статус", "en": "Status"},
    "econ.extrap.col.message": {"ru": "Причина", "en": "Reason"},
    "econ.extrap.status.best": {"ru": "★ лучшая по AIC", "en": "★ best by AIC"},
    "econ.extrap.status.converged": {"ru": "сошлась", "en": "converged"},
    "econ.extrap.status.failed": {"ru": "не сошлась", "en": "did not converge"},
    "econ.extrap.fits_note": {
        "ru": "Чем меньше AIC и BIC, тем лучше модель описывает наблюдаемые данные с учётом "
              "числа параметров; разница меньше 2 несущественна. Несошедшиеся модели "
              "показаны с причиной (сообщение оптимизатора, на английском) и не "
              "ранжируются.",
        "en": "The lower the AIC and BIC, the better a model fits the observed data given its "
              "number of parameters; a difference below 2 is negligible. Models that did not "
              "converge are listed with the reason and not ranked.",
    },
    # --- curves
    "econ.extrap.curves": {"ru": "Наблюдаемые и экстраполированные кривые",
                           "en": "Observed and extrapolated curves"},
    "econ.extrap.top3": {"ru": "Только три лучшие модели по AIC",
                         "en": "Only the three best models by AIC"},
    "econ.extrap.km_label": {"ru": "Каплан — Мейер (95% ДИ)", "en": "Kaplan-Meier (95% CI)"},
    "econ.extrap.legend.model": {"ru": "Кривая", "en": "Curve"},
    "econ.extrap.axis.years": {"ru": "Годы", "en": "Years"},
    "econ.extrap.chart_title": {"ru": "{arm}: {endpoint}", "en": "{arm}: {endpoint}"},
    "econ.extrap.curves_note": {
        "ru": "Чёрная ступенчатая линия — кривая Каплана — Мейера с 95% ДИ (серая полоса); "
              "цветные — подобранные модели до горизонта {horizon} лет.",
        "en": "Black steps: the Kaplan-Meier curve with its 95% CI (grey band); coloured "
              "lines: the fitted models to the {horizon}-year horizon.",
    },
    "econ.extrap.no_converged": {
        "ru": "{arm}: ни одна модель не сошлась; экстраполяция для этой группы недоступна.",
        "en": "{arm}: no model converged; this arm cannot be extrapolated.",
    },
    # --- life expectancy
    "econ.extrap.life": {"ru": "Ожидаемая продолжительность жизни и доля излечения",
                         "en": "Life expectancy and cure fraction"},
    "econ.extrap.col.mean_years": {"ru": "Ограниченное среднее, лет",
                                   "en": "Restricted mean, years"},
    "econ.extrap.col.cure": {"ru": "Доля излечения", "en": "Cure fraction"},
    "econ.extrap.life_note": {
        "ru": "Ограниченное среднее — площадь под кривой модели до горизонта {horizon} лет "
              "(для ОВ — ожидаемая продолжительность жизни в пределах горизонта). Доля "
              "излечения есть только у моделей с излечением.",
        "en": "Restricted mean: the area under the model's curve to the {horizon}-year "
              "horizon (for OS, the life expectancy within the horizon). Only cure models "
              "have a cure fraction.",
    },
    # --- choice for the CEA
    "econ.extrap.choice": {"ru": "Модели для анализа «затраты — эффективность»",
                           "en": "Models for the cost-effectiveness analysis"},
    "econ.extrap.choice_label": {"ru": "{arm}: модель для анализа «затраты — эффективность»",
                                 "en": "{arm}: model used in the cost-effectiveness analysis"},
    "econ.extrap.choice_note": {
        "ru": "По умолчанию — лучшая по AIC среди сошедшихся. Выбор запоминается на время "
              "сеанса и используется страницей «Затраты — эффективность» для исхода {endpoint}.",
        "en": "The default is the best converged model by AIC. The choice is kept for this "
              "session and used by the cost-effectiveness page for {endpoint}.",
    },
    "econ.extrap.choice_not_best": {
        "ru": "{arm}: выбрана не лучшая по AIC модель ({best}); обоснуйте выбор в отчёте.",
        "en": "{arm}: the chosen model is not the best by AIC ({best}); justify the choice in "
              "the report.",
    },
    # --- report
    "econ.extrap.report.download": {"ru": "Скачать отчёт (HTML)",
                                    "en": "Download report (HTML)"},
    "econ.extrap.report.title": {"ru": "Экстраполяция выживаемости: {endpoint}",
                                 "en": "Survival extrapolation: {endpoint}"},
    "econ.extrap.report.endpoint": {"ru": "Исход", "en": "Endpoint"},
    "econ.extrap.report.horizon": {"ru": "Горизонт, лет", "en": "Horizon, years"},
    "econ.extrap.report.models": {"ru": "Модели", "en": "Models"},
    "econ.extrap.report.cohort": {"ru": "Когорта", "en": "Cohort"},
    "econ.extrap.report.fits": {"ru": "{arm}: качество подгонки.",
                                "en": "{arm}: goodness of fit."},
    "econ.extrap.report.fig": {
        "ru": "{arm}: кривая Каплана — Мейера и модели до {horizon} лет.",
        "en": "{arm}: the Kaplan-Meier curve and the models to {horizon} years."},
    "econ.extrap.report.chosen": {"ru": "Модель в анализе «затраты — эффективность»",
                                  "en": "Model in the cost-effectiveness analysis"},
}
