"""Catalogue entries, Russian and English: Costs, cost-effectiveness and budget pages
(pages/econ_costs.py, pages/econ_cea.py, pages/econ_budget.py); keys start with econ.costs.,
econ.cea. or econ.budget., plus the three navigation entries (econ.nav.costs, econ.nav.cea,
econ.nav.budget).

Texts shared by the three pages (arm names, Run, the out-of-date note, the report button) are
``econ.cea.*``. The health-economics services raise messages with codes of their own
(``hta.*``, ``costs.*``) or none; the pages show them through ``econ.cea.error.<code>`` or
``econ.cea.error.<field>`` where one is defined here, else the service's text.

Merged into `registry.i18n.CATALOGUE`; a key defined twice anywhere is an error.
"""

from __future__ import annotations

_ITEMS: dict[str, tuple[str, str]] = {
    "product_acquisition": ("Препарат CAR-T (по цене)", "CAR-T product (at its price)"),
    "apheresis": ("Аферез", "Apheresis"),
    "manufacturing": ("Производство в центре", "Point-of-care manufacturing"),
    "lymphodepletion": ("Лимфодеплеция", "Lymphodepletion"),
    "bridging": ("Бридж-терапия", "Bridging therapy"),
    "ward_day": ("Койко-день в отделении", "Ward bed-day"),
    "icu_day": ("Койко-день в реанимации", "ICU bed-day"),
    "tocilizumab_dose": ("Доза тоцилизумаба", "Tocilizumab dose"),
    "ivig_course": ("Курс ВВИГ", "IVIG course"),
    "transfusion": ("Трансфузия", "Transfusion"),
    "outpatient_visit": ("Амбулаторный визит", "Outpatient visit"),
    "allo_hsct": ("Алло-ТГСК", "Allogeneic HSCT"),
    "palliative_care": ("Паллиативная помощь (день)", "Palliative care (day)"),
}
_DISTRIBUTIONS: dict[str, tuple[str, str]] = {
    "exponential": ("Экспоненциальное", "Exponential"),
    "weibull": ("Вейбулла", "Weibull"),
    "lognormal": ("Логнормальное", "Log-normal"),
    "loglogistic": ("Лог-логистическое", "Log-logistic"),
    "gengamma": ("Обобщённое гамма", "Generalised gamma"),
    "cure_weibull": ("Модель излечения: Вейбулла", "Mixture cure: Weibull"),
    "cure_lognormal": ("Модель излечения: логнормальное", "Mixture cure: log-normal"),
    "cure_loglogistic": ("Модель излечения: лог-логистическое", "Mixture cure: log-logistic"),
}

ENTRIES: dict[str, dict[str, str]] = {
    # --- navigation
    "econ.nav.costs": {"ru": "Затраты", "en": "Costs"},
    "econ.nav.cea": {"ru": "Затраты–эффективность", "en": "Cost-effectiveness"},
    "econ.nav.budget": {"ru": "Бюджет и соглашения", "en": "Budget and agreements"},
    # --- shared by the three pages
    "econ.cea.arm.imported": {"ru": "Импортный препарат", "en": "Imported product"},
    "econ.cea.arm.domestic": {"ru": "Отечественный препарат", "en": "Domestic product"},
    "econ.cea.denied_note": {
        "ru": "Эта страница — для экономистов здравоохранения: расчёты затрат, "
              "эффективности и бюджета доступны только им.",
        "en": "This page is for health economists: only they may run the cost, "
              "cost-effectiveness and budget analyses.",
    },
    "econ.cea.run": {"ru": "Рассчитать", "en": "Run"},
    "econ.cea.running": {"ru": "Идёт расчёт…", "en": "Running…"},
    "econ.cea.stale": {
        "ru": "Результаты ниже устарели: когорта или параметры изменились после расчёта. "
              "Нажмите «Рассчитать», чтобы обновить их.",
        "en": "The results below are out of date: the cohort or the inputs changed after the "
              "run. Press Run to update them.",
    },
    "econ.cea.invalid": {"ru": "Расчёт не выполнен: исправьте отмеченные поля.",
                         "en": "Nothing was computed: correct the fields marked below."},
    "econ.cea.download_report": {"ru": "Скачать отчёт (HTML)", "en": "Download report (HTML)"},
    "econ.cea.n_boot": {"ru": "Повторов бутстрепа", "en": "Bootstrap replicates"},
    "econ.cea.seed": {"ru": "Начальное число (seed)", "en": "Random seed"},
    "econ.cea.col.arm": {"ru": "Группа", "en": "Arm"},
    "econ.cea.col.n": {"ru": "Пациентов", "en": "Patients"},
    "econ.cea.col.lower": {"ru": "95% ДИ, от", "en": "95% CI, lower"},
    "econ.cea.col.upper": {"ru": "95% ДИ, до", "en": "95% CI, upper"},
    # --- service messages: the pages' own wording of two codes (arms named in the user's
    # language, shares in %), and texts for the agreement terms' checks, which have no code
    "econ.cea.error.hta.horizon_follow_up": {
        "ru": "В группе «{arm}» наблюдение слишком короткое для этого расчёта; выберите "
              "горизонт короче или когорту с более долгим наблюдением.",
        "en": "The {arm} arm is not followed long enough for this; choose a shorter horizon "
              "or a cohort with longer follow-up.",
    },
    "econ.cea.error.hta.shares": {"ru": "Укажите 5 долей от 0 до 100%, по одной на год.",
                                  "en": "Give 5 shares between 0 and 100%, one per year."},
    "econ.cea.error.value": {"ru": "Введите новую сумму: неотрицательное число.",
                             "en": "Enter the new amount: a non-negative number."},
    "econ.cea.error.price": {"ru": "Цена — больше 0 руб.", "en": "The price must be over 0 RUB."},
    "econ.cea.error.upfront_share": {
        "ru": "Доля от 0 до 1; при возврате за неудачу аванс равен 1 (вся цена при инфузии).",
        "en": "A share from 0 to 1; a refund agreement pays everything at infusion (set 1).",
    },
    "econ.cea.error.milestones": {
        "ru": "При оплате за результат аванс и доли этапов в сумме дают 1 (вся цена); при "
              "возврате за неудачу возвраты в сумме не больше 1.",
        "en": "For payment on success the upfront and milestone shares add up to 1 (the full "
              "price); for refunds on failure the refunds add up to at most 1.",
    },
    "econ.cea.error.day": {"ru": "День после инфузии — больше 0.",
                           "en": "A day after infusion, more than 0."},
    "econ.cea.error.share": {"ru": "Доля больше 0 и не больше 1.",
                             "en": "A share more than 0 and at most 1."},
    # --- costs: frame and scenarios
    "econ.costs.title": {"ru": "Затраты на пациента: сценарии стоимости и оценка при "
                               "цензурировании",
                         "en": "Cost per patient: unit-cost scenarios and estimation under "
                               "censoring"},
    "econ.costs.scenarios": {"ru": "Сценарии стоимости единиц ресурсов",
                             "en": "Unit-cost scenarios"},
    "econ.costs.scenario": {"ru": "Сценарий стоимости", "en": "Unit-cost scenario"},
    "econ.costs.col.item": {"ru": "Ресурс", "en": "Resource"},
    "econ.costs.col.value": {"ru": "Стоимость единицы, руб.", "en": "Unit cost, RUB"},
    "econ.costs.col.currency": {"ru": "Валюта", "en": "Currency"},
    "econ.costs.col.price_year": {"ru": "Год цен", "en": "Price year"},
    "econ.costs.col.valid_from": {"ru": "Действует с", "en": "Valid from"},
    "econ.costs.col.version": {"ru": "Версия", "en": "Version"},
    "econ.costs.col.source": {"ru": "Источник", "en": "Source"},
    "econ.costs.copy.title": {"ru": "Копировать сценарий", "en": "Copy the scenario"},
    "econ.costs.copy.name": {"ru": "Название нового сценария", "en": "Name of the new scenario"},
    "econ.costs.copy.placeholder": {"ru": "например, icu_plus_20", "en": "e.g. icu_plus_20"},
    "econ.costs.copy.submit": {"ru": "Копировать «{source}»", "en": "Copy {source}"},
    "econ.costs.copy.done": {
        "ru": "Создан сценарий «{name}»: {rows} строк скопировано из «{source}».",
        "en": "Scenario {name} created: {rows} rows copied from {source}.",
    },
    "econ.costs.edit.title": {"ru": "Изменить стоимость единицы", "en": "Change a unit cost"},
    "econ.costs.edit.base": {
        "ru": "Базовый сценарий хранит справочные значения и не редактируется. Скопируйте его "
              "под новым названием и меняйте копию.",
        "en": "The base scenario holds the reference values and is not edited. Copy it under "
              "a new name and edit the copy.",
    },
    "econ.costs.edit.value": {"ru": "Новая стоимость, руб.", "en": "New unit cost, RUB"},
    "econ.costs.edit.reason": {"ru": "Причина изменения (обязательно)",
                               "en": "Reason for the change (required)"},
    "econ.costs.edit.source": {"ru": "Новый источник (необязательно)",
                               "en": "New source (optional)"},
    "econ.costs.edit.submit": {"ru": "Сохранить", "en": "Save"},
    "econ.costs.edit.done": {"ru": "«{item}» в сценарии «{scenario}»: теперь {value} руб.",
                             "en": "{item} in scenario {scenario}: now {value} RUB."},
    "econ.costs.audit_note": {
        "ru": "Каждое изменение получает новую версию строки и записывается в журнал аудита "
              "вместе с причиной. Если строку успел изменить коллега, ничего не перезаписывается.",
        "en": "Every change gives the row a new version and is written to the audit trail with "
              "its reason. If a colleague changed the row meanwhile, nothing is overwritten.",
    },
    # --- costs: analysis
    "econ.costs.analysis": {"ru": "Средние затраты на пациента", "en": "Mean cost per patient"},
    "econ.costs.horizon": {"ru": "Горизонт, лет от дня 0", "en": "Horizon, years from day 0"},
    "econ.costs.currency": {"ru": "Валюта и год цен", "en": "Currency and price year"},
    "econ.costs.press_run": {
        "ru": "Выберите сценарий и горизонт и нажмите «Рассчитать».",
        "en": "Choose the scenario and the horizon, then press Run.",
    },
    "econ.costs.estimates": {"ru": "Средние затраты на пациента по оценщикам",
                             "en": "Mean cost per patient by estimator"},
    "econ.costs.estimates_note": {
        "ru": "Затраты плательщика от дня 0, горизонт {horizon} (лет); {currency} в ценах "
              "{year} г., без дисконтирования; 95% ДИ — процентильный бутстреп.",
        "en": "Payer costs from day 0, horizon {horizon} (years); {currency} at {year} prices, "
              "undiscounted; 95% CIs by percentile bootstrap.",
    },
    "econ.costs.metric.complete": {"ru": "Полные данные о затратах: {arm}",
                                   "en": "Complete cost histories: {arm}"},
    "econ.costs.unpriced": {
        "ru": "В сценарии нет цены для: {items}. Эти ресурсы посчитаны по 0 руб.",
        "en": "The scenario has no price for: {items}. These resources count as 0 RUB.",
    },
    "econ.costs.col.method": {"ru": "Оценщик", "en": "Estimator"},
    "econ.costs.col.estimate": {"ru": "Среднее, руб.", "en": "Mean, RUB"},
    "econ.costs.col.se": {"ru": "Ст. ошибка", "en": "Std. error"},
    "econ.costs.col.n_complete": {"ru": "С полными данными", "en": "Complete"},
    "econ.costs.method.naive-complete": {"ru": "Наивное: только полные случаи",
                                         "en": "Naive: complete cases only"},
    "econ.costs.method.naive-all": {"ru": "Наивное: все пациенты, наблюдаемые затраты",
                                    "en": "Naive: all patients, observed costs"},
    "econ.costs.method.lin": {"ru": "Лин (1997), по интервалам", "en": "Lin (1997), partitioned"},
    "econ.costs.method.bang-tsiatis": {"ru": "Бэнг–Циатис (2000), IPCW",
                                       "en": "Bang-Tsiatis (2000), IPCW"},
    "econ.costs.axis.mean_cost": {"ru": "Средние затраты на пациента, млн руб.",
                                  "en": "Mean cost per patient, million RUB"},
    "econ.costs.chart.estimators": {"ru": "Средние затраты по оценщикам с 95% ДИ",
                                    "en": "Mean cost by estimator with 95% CIs"},
    "econ.costs.bias_note": {
        "ru": "Почему оценщиков несколько. Наблюдение многих пациентов ещё не дошло до "
              "горизонта (цензурирование), и их затраты известны не полностью. Наивное среднее "
              "по всем пациентам занижает затраты (недостающие месяцы считаются бесплатными), а "
              "среднее по полным случаям смещено к рано умершим пациентам, чьи затраты "
              "известны раньше. Оценка Лина делит горизонт на месяцы и взвешивает затраты "
              "каждого месяца вероятностью дожить до него (Каплан–Мейер); оценка Бэнга–Циатиса "
              "берёт пациентов с полными данными с весом, обратным вероятности не выбыть из "
              "наблюдения (IPCW). Обе несмещены при независимом цензурировании.",
        "en": "Why several estimators. Many patients are not yet followed to the horizon "
              "(censoring), so their costs are incomplete. The naive mean over all patients "
              "understates the cost (missing months count as free), and the complete-case "
              "mean leans towards patients who died early, whose costs are known sooner. "
              "Lin's estimator splits the horizon into months and weights each month's costs "
              "by the probability of being alive then (Kaplan-Meier); the Bang-Tsiatis "
              "estimator takes the patients with complete costs, each weighted by the inverse "
              "probability of remaining under follow-up (IPCW). Both are unbiased under "
              "independent censoring.",
    },
    "econ.costs.buildup": {"ru": "Из чего складываются затраты", "en": "Cost build-up"},
    "econ.costs.axis.buildup": {"ru": "Наблюдаемые затраты на пациента, млн руб.",
                                "en": "Observed cost per patient, million RUB"},
    "econ.costs.buildup_note": {
        "ru": "Наблюдаемые затраты до горизонта по ресурсам, в среднем на пациента группы (без "
              "поправки на цензурирование): показывает, куда уходят деньги.",
        "en": "Observed costs to the horizon by resource, per patient of the arm (not "
              "adjusted for censoring): shows where the money goes.",
    },
    "econ.costs.unit_costs": {"ru": "Стоимость единиц: сценарий «{scenario}»",
                              "en": "Unit costs: scenario {scenario}"},
    "econ.costs.report.title": {"ru": "Затраты на пациента при цензурировании",
                                "en": "Cost per patient under censoring"},
    # --- cost-effectiveness: parameters
    "econ.cea.title": {"ru": "Затраты–эффективность: отечественный препарат против импортного",
                       "en": "Cost-effectiveness: the domestic product against the imported "
                             "one"},
    "econ.cea.parameters": {"ru": "Параметры модели", "en": "Model inputs"},
    "econ.cea.horizon": {"ru": "Горизонт, лет", "en": "Horizon, years"},
    "econ.cea.observed": {"ru": "Наблюдаемый период, лет", "en": "Observed period, years"},
    "econ.cea.rate": {"ru": "Ставка дисконтирования, % в год",
                      "en": "Discount rate, % a year"},
    "econ.cea.states": {"ru": "Состояния здоровья: полезности и годовые затраты",
                        "en": "Health states: utilities and yearly costs"},
    "econ.cea.assumption_note": {
        "ru": "Полезности и годовые затраты состояний — иллюстративные допущения, а не "
              "измеренные значения: реестр пока не собирает данные о качестве жизни.",
        "en": "Utilities and yearly state costs are illustrative assumptions, not measured "
              "values: the registry holds no quality-of-life data yet.",
    },
    "econ.cea.u_pf": {"ru": "Полезность без прогрессирования (0–1)",
                      "en": "Utility, progression-free (0-1)"},
    "econ.cea.u_pd": {"ru": "Полезность после прогрессирования (0–1)",
                      "en": "Utility, progressed (0-1)"},
    "econ.cea.c_pf": {"ru": "Затраты без прогрессирования, руб./год",
                      "en": "Cost progression-free, RUB a year"},
    "econ.cea.c_pd": {"ru": "Затраты после прогрессирования, руб./год",
                      "en": "Cost progressed, RUB a year"},
    "econ.cea.models": {"ru": "Модели экстраполяции выживаемости",
                        "en": "Survival extrapolation models"},
    "econ.cea.models_note": {
        "ru": "По умолчанию — выбор со страницы «Экстраполяция», иначе модель излечения "
              "Вейбулла (CAR-T даёт плато). Сравните модели с кривыми Каплана–Мейера там.",
        "en": "By default the Extrapolation page's choice, else the Weibull mixture-cure "
              "model (CAR-T gives plateaus). Compare the models with the Kaplan-Meier curves "
              "there.",
    },
    "econ.cea.model.os": {"ru": "ОВ: {arm}", "en": "OS: {arm}"},
    "econ.cea.model.pfs": {"ru": "ВБП/БСВ: {arm}", "en": "PFS/EFS: {arm}"},
    "econ.cea.wtp": {"ru": "Порог готовности платить, руб./QALY",
                     "en": "Willingness to pay, RUB per QALY"},
    "econ.cea.press_run": {"ru": "Задайте параметры и нажмите «Рассчитать».",
                           "en": "Set the inputs and press Run."},
    "econ.cea.progress.start": {"ru": "Подгонка моделей и расчёт базового случая…",
                                "en": "Fitting the models and the base case…"},
    "econ.cea.progress.boot": {"ru": "Бутстреп: {done} из {total} повторов",
                               "en": "Bootstrap: {done} of {total} replicates"},
    "econ.cea.progress.done": {"ru": "Готово", "en": "Done"},
    # --- cost-effectiveness: results
    "econ.cea.results": {"ru": "Результат", "en": "Result"},
    "econ.cea.icer.dominant": {
        "ru": "**Отечественный препарат доминирует**: он дешевле на {cost} руб. и даёт на "
              "{qaly} QALY больше на пациента.",
        "en": "**The domestic product dominates**: it costs {cost} RUB less and gives {qaly} "
              "QALYs more per patient.",
    },
    "econ.cea.icer.dominated": {
        "ru": "**Отечественный препарат доминируется**: он дороже на {cost} руб. и даёт на "
              "{qaly} QALY меньше на пациента.",
        "en": "**The domestic product is dominated**: it costs {cost} RUB more and gives "
              "{qaly} QALYs fewer per patient.",
    },
    "econ.cea.icer.north_east": {
        "ru": "Отечественный препарат дороже на {cost} руб. и даёт на {qaly} QALY больше: "
              "**ICER {icer} руб. за дополнительный QALY** (порог {wtp} руб./QALY).",
        "en": "The domestic product costs {cost} RUB more and gives {qaly} QALYs more: "
              "**ICER {icer} RUB per QALY gained** (threshold {wtp} RUB per QALY).",
    },
    "econ.cea.icer.south_west": {
        "ru": "Отечественный препарат дешевле на {cost} руб., но даёт на {qaly} QALY меньше: "
              "**экономия {icer} руб. на каждый потерянный QALY**. Он экономически оправдан, "
              "только если эта экономия больше порога ({wtp} руб./QALY).",
        "en": "The domestic product costs {cost} RUB less but gives {qaly} QALYs fewer: "
              "**{icer} RUB saved per QALY lost**. It is cost-effective only if that saving "
              "exceeds the threshold ({wtp} RUB per QALY).",
    },
    "econ.cea.icer.no_effect_dearer": {
        "ru": "QALY не различаются; отечественный препарат дороже на {cost} руб. на пациента.",
        "en": "QALYs do not differ; the domestic product costs {cost} RUB more per patient.",
    },
    "econ.cea.icer.no_effect_cheaper": {
        "ru": "QALY не различаются; отечественный препарат дешевле на {cost} руб. на пациента.",
        "en": "QALYs do not differ; the domestic product costs {cost} RUB less per patient.",
    },
    "econ.cea.interval": {"ru": "{estimate} (95% ДИ {lower} … {upper})",
                          "en": "{estimate} (95% CI {lower} … {upper})"},
    "econ.cea.ci_note": {"ru": "95% ДИ, бутстреп {n} повторов",
                         "en": "95% CI, bootstrap of {n} replicates"},
    "econ.cea.metric.delta_cost": {"ru": "Разница затрат, руб.", "en": "Cost difference, RUB"},
    "econ.cea.metric.delta_qaly": {"ru": "Разница QALY", "en": "QALY difference"},
    "econ.cea.metric.nmb": {"ru": "Чистая денежная выгода при {wtp} руб./QALY",
                            "en": "Net monetary benefit at {wtp} RUB per QALY"},
    "econ.cea.metric.probability": {"ru": "Вероятность эффективности при {wtp} руб./QALY",
                                    "en": "Probability cost-effective at {wtp} RUB per QALY"},
    "econ.cea.arms_caption": {
        "ru": "На пациента, с дисконтированием. Наблюдаемый период — средние с весами "
              "Бэнга–Циатиса; после него — модель разделённой выживаемости. Годы жизни — "
              "по выбранной модели ОВ за весь горизонт. Разницы — отечественный минус импортный.",
        "en": "Per patient, discounted. The observed period: Bang-Tsiatis weighted means; "
              "after it: the partitioned survival model. Life-years: the chosen OS model over "
              "the whole horizon. Differences: domestic minus imported.",
    },
    "econ.cea.col.cost_observed": {"ru": "Затраты: наблюдаемый период, руб.",
                                   "en": "Cost: observed period, RUB"},
    "econ.cea.col.cost_extrapolated": {"ru": "Затраты: экстраполяция, руб.",
                                       "en": "Cost: extrapolated, RUB"},
    "econ.cea.col.cost": {"ru": "Затраты всего, руб.", "en": "Total cost, RUB"},
    "econ.cea.col.qaly_observed": {"ru": "QALY: наблюдаемый период",
                                   "en": "QALYs: observed period"},
    "econ.cea.col.qaly_extrapolated": {"ru": "QALY: экстраполяция", "en": "QALYs: extrapolated"},
    "econ.cea.col.qaly": {"ru": "QALY всего", "en": "Total QALYs"},
    "econ.cea.col.life_years": {"ru": "Годы жизни", "en": "Life-years"},
    "econ.cea.plane": {"ru": "Плоскость «затраты–эффективность»",
                       "en": "Cost-effectiveness plane"},
    "econ.cea.axis.delta_qaly": {"ru": "Разница QALY (отечественный − импортный)",
                                 "en": "QALY difference (domestic − imported)"},
    "econ.cea.axis.delta_cost": {"ru": "Разница затрат, млн руб.",
                                 "en": "Cost difference, million RUB"},
    "econ.cea.legend.replicates": {"ru": "Повторы бутстрепа", "en": "Bootstrap replicates"},
    "econ.cea.legend.base_case": {"ru": "Базовый случай", "en": "Base case"},
    "econ.cea.legend.wtp": {"ru": "Порог {wtp} руб./QALY", "en": "Threshold {wtp} RUB/QALY"},
    "econ.cea.plane_note": {
        "ru": "Каждая точка — один повтор парного бутстрепа (пациенты выбираются с "
              "возвращением внутри каждой группы, затраты и QALY пациента — вместе). Точки "
              "ниже пунктирной линии порога экономически оправданы; справа внизу — "
              "отечественный препарат доминирует, слева вверху — доминируется.",
        "en": "Each point is one replicate of the paired bootstrap (patients resampled with "
              "replacement within each arm, a patient's cost and QALYs together). Points below "
              "the dashed threshold line are cost-effective; bottom right the domestic "
              "product dominates, top left it is dominated.",
    },
    "econ.cea.quadrants": {"ru": "Доля повторов по квадрантам",
                           "en": "Share of replicates by quadrant"},
    "econ.cea.col.quadrant": {"ru": "Квадрант", "en": "Quadrant"},
    "econ.cea.col.share": {"ru": "Доля повторов", "en": "Share of replicates"},
    "econ.cea.quadrant.north-east": {"ru": "СВ: дороже и эффективнее",
                                     "en": "NE: dearer and more effective"},
    "econ.cea.quadrant.south-east": {"ru": "ЮВ: дешевле и эффективнее (доминирует)",
                                     "en": "SE: cheaper and more effective (dominant)"},
    "econ.cea.quadrant.south-west": {"ru": "ЮЗ: дешевле и менее эффективен",
                                     "en": "SW: cheaper and less effective"},
    "econ.cea.quadrant.north-west": {"ru": "СЗ: дороже и менее эффективен (доминируется)",
                                     "en": "NW: dearer and less effective (dominated)"},
    "econ.cea.quadrant.on_the_cost_axis": {"ru": "На оси затрат (эффект не различается)",
                                           "en": "On the cost axis (no effect difference)"},
    "econ.cea.ceac": {"ru": "Кривая приемлемости (CEAC)",
                      "en": "Cost-effectiveness acceptability curve (CEAC)"},
    "econ.cea.axis.wtp": {"ru": "Порог готовности платить, млн руб./QALY",
                          "en": "Willingness to pay, million RUB per QALY"},
    "econ.cea.axis.probability": {"ru": "Вероятность, что отечественный препарат оправдан",
                                  "en": "Probability the domestic product is cost-effective"},
    "econ.cea.ceac_note": {
        "ru": "Доля повторов бутстрепа с положительной чистой денежной выгодой "
              "(порог × ΔQALY − Δзатраты > 0) при каждом пороге; пунктир — выбранный порог.",
        "en": "Share of bootstrap replicates with a positive net monetary benefit "
              "(threshold × ΔQALY − Δcost > 0) at each threshold; dashed: the chosen one.",
    },
    "econ.cea.model_title": {"ru": "Как устроена модель", "en": "How the model works"},
    "econ.cea.model_caption": {
        "ru": "Модель: наблюдаемый период — данные реестра с весами обратной вероятности "
              "цензурирования (Бэнг–Циатис); после него — модель разделённой выживаемости по "
              "выбранным параметрическим кривым ОВ и ВБП/БСВ. Перспектива плательщика, рубли, "
              "дисконтирование от дня 0.",
        "en": "Model: the observed period uses the registry data with inverse probability of "
              "censoring weights (Bang-Tsiatis); after it a partitioned survival model on the "
              "chosen parametric OS and PFS/EFS curves. Payer perspective, RUB, discounted from "
              "day 0.",
    },
    "econ.cea.model_note": {
        "ru": "1. **Наблюдаемый период** (от дня 0 до конца наблюдаемого периода): для каждого "
              "пациента — дисконтированные затраты (ресурсы × стоимость единиц выбранного "
              "сценария, препарат по цене) и QALY (время без прогрессирования × его полезность "
              "+ время после прогрессирования × его полезность). Пациенты, наблюдение которых "
              "закончилось раньше, не входят с нулём: пациенты с полными данными получают вес "
              "1 / K(T−), где K — кривая Каплана–Мейера для цензурирования (Бэнг и Циатис, "
              "2000).\n\n"
              "2. **Экстраполяция** (после наблюдаемого периода до горизонта): модель "
              "разделённой выживаемости. Доля живых без прогрессирования — по кривой ВБП/БСВ, "
              "доля живых после прогрессирования — ОВ минус ВБП/БСВ; каждому состоянию — своя "
              "полезность и годовые затраты. Этот вклад добавляется каждому пациенту группы.\n\n"
              "3. **Неопределённость**: парный бутстреп внутри групп; веса цензурирования и "
              "экстраполированная часть фиксированы на своих оценках, поэтому интервалы "
              "отражают выборочную неопределённость данных реестра, но не выбор модели.",
        "en": "1. **Observed period** (day 0 to the end of the observed period): each "
              "patient's discounted cost (resource use × the scenario's unit costs, the product "
              "at its price) and QALYs (time progression-free × its utility + time progressed × "
              "its utility). Patients whose follow-up ended earlier do not count as zero: "
              "patients with complete data are weighted 1 / K(T−), K being the Kaplan-Meier "
              "curve of censoring (Bang and Tsiatis, 2000).\n\n"
              "2. **Extrapolation** (after the observed period to the horizon): a partitioned "
              "survival model. The share alive progression-free follows the PFS/EFS curve, the "
              "share alive after progression OS minus PFS/EFS; each state has its utility and "
              "yearly cost. This part is added to every patient of the arm.\n\n"
              "3. **Uncertainty**: paired bootstrap within arms; the censoring weights and the "
              "extrapolated part are held at their estimates, so the intervals carry the "
              "sampling uncertainty of the registry data but not the choice of model.",
    },
    "econ.cea.report.title": {"ru": "Затраты–эффективность: отечественный против импортного",
                              "en": "Cost-effectiveness: domestic against imported"},
    # --- budget: agreement
    "econ.budget.title": {"ru": "Соглашения с оплатой за результат и бюджет программы",
                          "en": "Outcome-based agreements and the programme budget"},
    "econ.budget.agreement": {"ru": "Соглашение с оплатой за результат",
                              "en": "Outcome-based agreement"},
    "econ.budget.template": {"ru": "Шаблон соглашения", "en": "Agreement template"},
    "econ.budget.template.spain_kymriah": {"ru": "Испания (VALTERMED): 52% + 48% за ремиссию",
                                           "en": "Spain (VALTERMED): 52% + 48% for remission"},
    "econ.budget.template.italy_staged": {"ru": "Италия: поэтапная оплата (0, 6, 12 мес.)",
                                          "en": "Italy: staged payments (0, 6, 12 months)"},
    "econ.budget.template.germany_rebate": {"ru": "Германия: возврат при смерти",
                                            "en": "Germany: rebate on death"},
    "econ.budget.template_note.spain_kymriah": {
        "ru": "52% цены платится при лечении, 48% — через 18 месяцев (день 547), если полная "
              "ремиссия достигнута и сохраняется (нет прогрессирования и смерти до этого дня).",
        "en": "52% of the price is paid at treatment, 48% at 18 months (day 547) if a complete "
              "response is achieved and sustained (no progression or death by that day).",
    },
    "econ.budget.template_note.italy_staged": {
        "ru": "Три равные части: при инфузии, через 6 (день 182) и 12 месяцев (день 365), "
              "если пациент жив. Равные доли и условие «жив» — допущения: итальянский "
              "показатель результата конфиденциален.",
        "en": "Three equal instalments: at infusion, at 6 (day 182) and 12 months (day 365) if "
              "the patient is alive. The equal shares and the alive condition are assumptions: "
              "the Italian outcome indicator is confidential.",
    },
    "econ.budget.template_note.germany_rebate": {
        "ru": "Вся цена при инфузии; 50% возвращается, если пациент умер до дня 365. Срок и "
              "размер возврата — допущения: они не опубликованы.",
        "en": "The full price at infusion; 50% is refunded if the patient dies by day 365. The "
              "time limit and the size of the rebate are assumptions: they are not public.",
    },
    "econ.budget.source_title": {"ru": "Источник и допущения шаблона",
                                 "en": "The template's source and assumptions"},
    "econ.budget.source": {"ru": "Источник", "en": "Source"},
    "econ.budget.assumptions": {"ru": "Допущения", "en": "Assumptions"},
    "econ.budget.source_language": {
        "ru": "Источник и допущения приведены так, как они записаны в шаблоне (на английском).",
        "en": "The source and the assumptions are quoted as the template records them.",
    },
    "econ.budget.price": {"ru": "Цена препарата, руб.", "en": "Product price, RUB"},
    "econ.budget.upfront": {"ru": "Доля при инфузии (0–1)", "en": "Share at infusion (0-1)"},
    "econ.budget.arm": {"ru": "Применить к группе", "en": "Apply to the arm"},
    "econ.budget.kind.payment_on_success": {
        "ru": "Оплата за результат: доля при инфузии платится сразу, доля этапа — в его день, "
              "если условие выполнено; все доли в сумме дают 1.",
        "en": "Payment on success: the infusion share is paid at once, a milestone's share on "
              "its day if the condition is met; all shares add up to 1.",
    },
    "econ.budget.kind.refund_on_failure": {
        "ru": "Возврат при неудаче: вся цена платится при инфузии (доля 1), доля этапа "
              "возвращается плательщику, если условие не выполнено; возвраты в сумме не больше 1.",
        "en": "Refund on failure: the full price is paid at infusion (share 1), a milestone's "
              "share is refunded to the payer if the condition fails; refunds add up to at "
              "most 1.",
    },
    "econ.budget.day": {"ru": "День после инфузии", "en": "Day after infusion"},
    "econ.budget.milestone_share": {"ru": "Доля цены (0–1)", "en": "Share of the price (0-1)"},
    "econ.budget.condition.infused": {"ru": "инфузия", "en": "infusion"},
    "econ.budget.milestone.infusion": {"ru": "При инфузии", "en": "At infusion"},
    "econ.budget.condition.alive": {"ru": "условие: пациент жив в этот день",
                                    "en": "condition: alive on that day"},
    "econ.budget.condition.alive_progression_free": {
        "ru": "условие: жив без прогрессирования в этот день",
        "en": "condition: alive and progression-free on that day"},
    "econ.budget.condition.response_by": {"ru": "условие: ответ к этому дню",
                                          "en": "condition: response by that day"},
    "econ.budget.condition.cr_sustained": {
        "ru": "условие: полная ремиссия достигнута и сохраняется",
        "en": "condition: complete response achieved and sustained"},
    "econ.budget.press_run_agreement": {
        "ru": "Выберите шаблон, при необходимости измените условия и нажмите «Рассчитать».",
        "en": "Choose a template, adjust the terms if needed and press Run.",
    },
    "econ.budget.agreement_result": {"ru": "Соглашение для группы «{arm}»",
                                     "en": "The agreement in the {arm} arm"},
    "econ.budget.agreement_applied": {"ru": "Шаблон «{template}», группа «{arm}».",
                                      "en": "Template: {template}; arm: {arm}."},
    "econ.budget.metric.patients": {"ru": "Пациентов с инфузией", "en": "Infused patients"},
    "econ.budget.metric.pending": {"ru": "С ожидаемыми платежами", "en": "With pending payments"},
    "econ.budget.metric.expected": {"ru": "Ожидаемая оплата на пациента, руб.",
                                    "en": "Expected payment per patient, RUB"},
    "econ.budget.metric.share": {"ru": "Доля цены", "en": "Share of the price"},
    "econ.budget.metric.change": {"ru": "Изменение средних затрат, руб.",
                                  "en": "Change in mean cost, RUB"},
    "econ.budget.metric.paid_to_date": {"ru": "Уже оплачено на пациента, руб.",
                                        "en": "Paid to date per patient, RUB"},
    "econ.budget.by_milestone": {"ru": "Платежи по этапам", "en": "Payments by milestone"},
    "econ.budget.col.milestone": {"ru": "Этап", "en": "Milestone"},
    "econ.budget.col.condition": {"ru": "Условие", "en": "Condition"},
    "econ.budget.col.day": {"ru": "День", "en": "Day"},
    "econ.budget.col.share": {"ru": "Доля цены", "en": "Share of price"},
    "econ.budget.col.n_paid": {"ru": "Оплачено", "en": "Paid"},
    "econ.budget.col.n_not_paid": {"ru": "Не оплачено", "en": "Not paid"},
    "econ.budget.col.n_refunded": {"ru": "Возвращено", "en": "Refunded"},
    "econ.budget.col.n_not_refunded": {"ru": "Без возврата", "en": "Not refunded"},
    "econ.budget.col.n_pending": {"ru": "Ожидается", "en": "Pending"},
    "econ.budget.col.probability": {"ru": "Вероятность выполнения", "en": "Probability met"},
    "econ.budget.col.expected": {"ru": "Ожидаемая сумма на пациента, руб.",
                                 "en": "Expected amount per patient, RUB"},
    "econ.budget.pending_note": {
        "ru": "«Ожидается»: наблюдение пациента ещё не дошло до дня этапа. Вероятность "
              "выполнения условия оценена с весами обратной вероятности цензурирования (для "
              "условия «жив» это ровно выживаемость Каплана–Мейера в этот день), а не только по "
              "пациентам с известным исходом: ранние неудачи известны раньше успехов.",
        "en": "Pending: the patient's follow-up has not reached the milestone day yet. The "
              "probability of meeting the condition is weighted by the inverse probability of "
              "censoring (for an alive condition exactly the Kaplan-Meier survival on that "
              "day), not taken from the patients with a known outcome only: early failures are "
              "known sooner than successes.",
    },
    "econ.budget.status_title": {"ru": "Пациенты по статусу платежа",
                                 "en": "Patients by payment status"},
    "econ.budget.col.status": {"ru": "Статус", "en": "Status"},
    "econ.budget.col.patients": {"ru": "Пациентов", "en": "Patients"},
    "econ.budget.status.paid": {"ru": "оплачено", "en": "paid"},
    "econ.budget.status.not_paid": {"ru": "не оплачено", "en": "not paid"},
    "econ.budget.status.refunded": {"ru": "возвращено", "en": "refunded"},
    "econ.budget.status.not_refunded": {"ru": "без возврата", "en": "not refunded"},
    "econ.budget.status.pending": {"ru": "ожидается", "en": "pending"},
    # --- budget: programme
    "econ.budget.budget": {"ru": "Бюджет программы на 5 лет", "en": "Five-year programme budget"},
    "econ.budget.method_note": {
        "ru": "Каждый год лечится «нуждающиеся × охват» пациентов, доля отечественного препарата "
              "задаётся по годам. Пролеченный пациент стоит средние затраты первого года своей "
              "группы (оценка Бэнга–Циатиса по реестру), а в следующие годы — годовые затраты "
              "наблюдения для доли ещё живых (ОВ Каплана–Мейера). Каждый вариант сравнивается "
              "со 100% импортного препарата.",
        "en": "Each year eligible × uptake patients are treated, the domestic share set per "
              "year. A treated patient costs the arm's mean first-year cost (Bang-Tsiatis from "
              "the registry), then the yearly follow-up cost for the share still alive "
              "(Kaplan-Meier OS) in later years. Every mix is compared with 100% imported.",
    },
    "econ.budget.eligible": {"ru": "Нуждающихся в год", "en": "Eligible patients a year"},
    "econ.budget.follow_up": {"ru": "Наблюдение в год, руб.: {arm}",
                              "en": "Follow-up a year, RUB: {arm}"},
    "econ.budget.follow_up_cost": {"ru": "Годовые затраты наблюдения, руб.",
                                   "en": "Yearly follow-up cost, RUB"},
    "econ.budget.per_year": {"ru": "По годам: охват и доля отечественного препарата, %",
                             "en": "By year: uptake and the domestic share, %"},
    "econ.budget.uptake": {"ru": "Охват по годам", "en": "Uptake by year"},
    "econ.budget.domestic_share": {"ru": "Доля отечественного препарата по годам",
                                   "en": "Domestic share by year"},
    "econ.budget.uptake_year": {"ru": "Охват, год {year}, %", "en": "Uptake, year {year}, %"},
    "econ.budget.share_year": {"ru": "Отечественный, год {year}, %",
                               "en": "Domestic, year {year}, %"},
    "econ.budget.apply": {"ru": "С соглашением", "en": "With the agreement"},
    "econ.budget.apply_toggle": {
        "ru": "Учесть соглашение «{template}» для группы «{arm}» (условия выше)",
        "en": "Apply the agreement {template} to the {arm} arm (terms above)",
    },
    "econ.budget.press_run_budget": {"ru": "Задайте сценарий и нажмите «Рассчитать».",
                                     "en": "Set the scenario and press Run."},
    "econ.budget.with_agreement": {"ru": "С соглашением «{template}» для группы «{arm}».",
                                   "en": "With the agreement {template} in the {arm} arm."},
    "econ.budget.by_year": {"ru": "Бюджет по годам", "en": "Budget by year"},
    "econ.budget.metric.total_mix": {"ru": "За 5 лет: выбранный вариант, руб.",
                                     "en": "Five years: the chosen mix, RUB"},
    "econ.budget.metric.total_reference": {"ru": "За 5 лет: 100% импортный, руб.",
                                           "en": "Five years: 100% imported, RUB"},
    "econ.budget.metric.total_difference": {"ru": "Разница за 5 лет, руб.",
                                            "en": "Difference over five years, RUB"},
    "econ.budget.col.year": {"ru": "Год", "en": "Year"},
    "econ.budget.col.treated": {"ru": "Пролечено пациентов", "en": "Patients treated"},
    "econ.budget.col.mix": {"ru": "Выбранный вариант, руб.", "en": "Chosen mix, RUB"},
    "econ.budget.col.reference": {"ru": "100% импортный, руб.", "en": "100% imported, RUB"},
    "econ.budget.col.difference": {"ru": "Разница, руб.", "en": "Difference, RUB"},
    "econ.budget.col.cumulative": {"ru": "Разница нарастающим итогом, руб.",
                                   "en": "Cumulative difference, RUB"},
    "econ.budget.scenario.reference": {"ru": "100% импортный", "en": "100% imported"},
    "econ.budget.scenario.mix": {"ru": "Выбранный вариант", "en": "Chosen mix"},
    "econ.budget.axis.cost": {"ru": "Бюджет, млрд руб.", "en": "Budget, billion RUB"},
    "econ.budget.axis.scenario": {"ru": "Вариант", "en": "Scenario"},
    "econ.budget.axis.cumulative": {"ru": "Разница нарастающим итогом, млрд руб.",
                                    "en": "Cumulative difference, billion RUB"},
    "econ.budget.bars_title": {"ru": "Бюджет по годам: выбранный вариант и 100% импортный",
                               "en": "Budget by year: the chosen mix and 100% imported"},
    "econ.budget.cumulative_title": {"ru": "Разница бюджета нарастающим итогом",
                                     "en": "Cumulative budget difference"},
    "econ.budget.cumulative_note": {
        "ru": "Ниже нуля — выбранный вариант дешевле, чем 100% импортного препарата.",
        "en": "Below zero the chosen mix costs less than 100% imported.",
    },
    "econ.budget.cost_per_patient": {"ru": "Затраты на пролеченного пациента",
                                     "en": "Cost per treated patient"},
    "econ.budget.col.first_year": {"ru": "Первый год, руб.", "en": "First year, RUB"},
    "econ.budget.col.follow_up_year": {"ru": "Наблюдение в год, руб.",
                                       "en": "Follow-up a year, RUB"},
    "econ.budget.col.alive": {"ru": "Живы через {year} г. после лечения",
                              "en": "Alive {year} yr after treatment"},
    "econ.budget.cost_note": {
        "ru": "Доли живых — ОВ Каплана–Мейера группы через 1, 2, … года; после конца "
              "наблюдения последнее значение переносится вперёд.",
        "en": "Shares alive: the arm's Kaplan-Meier OS at 1, 2, … years; after follow-up ends "
              "the last value is carried forward.",
    },
    "econ.budget.notes": {"ru": "Примечания", "en": "Notes"},
    "econ.budget.report.title": {"ru": "Соглашения с оплатой за результат и бюджет программы",
                                 "en": "Outcome-based agreements and programme budget"},
    # --- labels of codes
    **{f"econ.costs.item.{code}": {"ru": ru, "en": en} for code, (ru, en) in _ITEMS.items()},
    **{f"econ.cea.dist.{code}": {"ru": ru, "en": en}
       for code, (ru, en) in _DISTRIBUTIONS.items()},
    # --- outcome-based agreement in the cost-effectiveness model (added with the service)
    "econ.cea.agreement": {"ru": "Соглашение об оплате по результату (импортный препарат)",
                           "en": "Outcome-based agreement (imported product)"},
    "econ.cea.agreement.none": {"ru": "нет: полная цена", "en": "none: the list price"},
    "econ.cea.agreement_note": {
        "ru": "С соглашением вместо цены препарата учитываются ожидаемые выплаты по регистру "
              "(дисконтированные к дню инфузии); условия шаблонов — на странице «Бюджет и "
              "соглашения».",
        "en": "With an agreement the registry's expected payments (discounted to the day of "
              "infusion) replace the product's price; the templates' terms are on the "
              "Budget and agreements page."},
}
