"""Russian texts of the internal-accounting example: interview notes and internal complaints.

Templates are whole sentences written without gendered past-tense verbs, so any combination
stays grammatical. No names, phone numbers or personnel numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from segprofile.examples._common import plural

StaffSelector = Callable[[dict[str, np.ndarray], dict[str, np.ndarray]], np.ndarray]

# Indexes follow the code tuples of the generator.
_REGIONS_DEPT = 6
_SUPPORT_STAFF = 4
_IN_PERSON, _PORTAL = 0, 2
_TRIP_REPORT = 3


def _made(staff: dict[str, np.ndarray], rows: np.ndarray, rec: dict[str, np.ndarray]) -> np.ndarray:
    """Employees (staff mask) with at least one request among ``rows`` (request mask)."""
    mask = np.zeros(staff["kind"].size, dtype=bool)
    mask[rec["who"][rows]] = True
    return mask


@dataclass(frozen=True)
class InterviewGroup:
    code: str
    hint: str
    count: int
    selector: StaffSelector
    intros: tuple[str, ...]
    problems: tuple[str, ...]
    quotes: tuple[str, ...]
    wishes: tuple[str, ...]


INTERVIEW_GROUPS: tuple[InterviewGroup, ...] = (
    InterviewGroup(
        code="inspector_trip_report",
        hint="Инспекторы в командировках: авансовый отчёт вернули на доработку",
        count=6,
        selector=lambda s, r: (
            (s["kind"] == 0) & _made(s, r["rework"] & (r["request"] == _TRIP_REPORT), r)
        ),
        intros=(
            "Респондент — главный специалист контрольно-ревизионного департамента, в "
            "командировках около сорока дней в году.",
            "Респондент — инспектор территориального отдела, выезжает на проверки каждый месяц.",
            "Респондент — ведущий специалист, участвует в выездных проверках в районах области.",
        ),
        problems=(
            "Авансовый отчёт по последней командировке возвращали на доработку дважды.",
            "Требования к оформлению чеков и посадочных талонов каждый раз объясняют по-разному.",
            "Отчёт нужно сдать в течение трёх рабочих дней после возвращения, а из-за выездов "
            "это почти невозможно.",
            "Аванс на командировку приходит за день до отъезда, иногда уже в пути.",
            "Оригиналы документов приходится приносить в бухгалтерию лично, электронные копии не "
            "принимают.",
        ),
        quotes=(
            "«Я три раза переделывал один отчёт из-за гостиничного счёта».",
            "«Нигде нет одной памятки: что именно нужно приложить к отчёту».",
            "«Проще не брать аванс и потом ждать возмещения, чем спорить из-за чеков».",
        ),
        wishes=(
            "Предлагает единый чек-лист документов к авансовому отчёту.",
            "Хотел бы сдавать отчёт через портал со сканами и досылать оригиналы почтой.",
            "Просит предварительную проверку отчёта до подачи.",
        ),
    ),
    InterviewGroup(
        code="remote_in_person",
        hint="Удалённые сотрудники территориальных отделов: вынуждены приходить лично",
        count=6,
        selector=lambda s, r: s["remote"] & _made(s, r["remote"] & (r["channel"] == _IN_PERSON), r),
        intros=(
            "Респондент — специалист территориального отдела, работает удалённо из районного "
            "центра.",
            "Респондент — ведущий специалист отдела цифрового развития на удалённой работе.",
            "Респондент — специалист территориального отдела, до головного офиса три часа езды.",
        ),
        problems=(
            "За справкой о доходах для банка пришлось ехать в головной офис лично.",
            "Заявление на отпуск с расчётом отпускных принимают только на бумаге с подписью.",
            "О портале самообслуживания никто не рассказывал при переходе на удалённую работу.",
            "Больничный оплатили позже, потому что оригинал заявления шёл почтой неделю.",
            "На звонки в бухгалтерию в первой половине дня никто не отвечает.",
        ),
        quotes=(
            "«Ради одной бумаги теряю рабочий день на дорогу».",
            "«Мы вроде бы на удалёнке, но бухгалтерия об этом не знает».",
            "«Узнал про портал от коллеги через год работы».",
        ),
        wishes=(
            "Хочет получать справки в электронном виде с электронной подписью.",
            "Просит рассказывать о портале самообслуживания при оформлении удалённой работы.",
            "Предлагает выделить для территориальных отделов отдельную электронную почту.",
        ),
    ),
    InterviewGroup(
        code="newcomer",
        hint="Новые сотрудники (стаж в органе менее года)",
        count=5,
        selector=lambda s, r: (s["tenure"] < 1.0) & _made(s, np.ones_like(r["rework"]), r),
        intros=(
            "Респондент — специалист правового департамента, работает в органе четыре месяца.",
            "Респондент — специалист, пришёл из коммерческой компании полгода назад.",
            "Респондент — начинающий специалист экономического департамента, первая работа "
            "на гражданской службе.",
        ),
        problems=(
            "Расчётный листок непонятен: много надбавок, расшифровки нет.",
            "Неясно, к кому в бухгалтерии обращаться по какому вопросу.",
            "Заявление на стандартный налоговый вычет на детей вернули из-за неверной формы.",
            "Первую зарплату пересчитывали, потому что не учли надбавку за классный чин.",
            "Правила оформления документов в бухгалтерию узнаются только от коллег.",
        ),
        quotes=(
            "«В первую неделю никто не объяснил, где брать бланки».",
            "«Я до сих пор не понимаю половину строк в расчётном листке».",
            "«Каждый раз приходится звонить и переспрашивать».",
        ),
        wishes=(
            "Предлагает памятку новому сотруднику о работе с бухгалтерией.",
            "Хотел бы видеть расшифровку начислений в личном кабинете.",
            "Просит назначать контактное лицо в бухгалтерии на первые месяцы.",
        ),
    ),
    InterviewGroup(
        code="experienced_portal",
        hint="Опытные сотрудники центрального аппарата, пользуются порталом",
        count=5,
        selector=lambda s, r: (s["kind"] == 3) & _made(s, r["channel"] == _PORTAL, r),
        intros=(
            "Респондент — главный специалист экономического департамента, в органе двенадцать лет.",
            "Респондент — ведущий специалист административного департамента, стаж более десяти "
            "лет.",
            "Респондент — главный специалист правового департамента, давно пользуется порталом.",
        ),
        problems=(
            "Справку о доходах заказывает через портал, получает её на следующий день.",
            "Расчёт отпускных приходит вовремя, вопросов обычно нет.",
            "Иногда не хватает уведомления о том, что запрос выполнен.",
            "Неудобно, что часть заявлений на портале всё ещё нужно распечатывать.",
        ),
        quotes=(
            "«Портал — лучшее, что сделали за последние годы».",
            "«Всё устраивает, лишь бы не возвращали бумажные формы».",
        ),
        wishes=(
            "Предлагает перевести на портал все виды заявлений.",
            "Хотел бы получать уведомление о готовности справки.",
        ),
    ),
    InterviewGroup(
        code="manager",
        hint="Руководители подразделений",
        count=4,
        selector=lambda s, r: (s["kind"] == 4) & _made(s, np.ones_like(r["rework"]), r),
        intros=(
            "Респондент — начальник отдела, согласует командировки сотрудников.",
            "Респондент — директор департамента, сам часто выезжает в командировки.",
        ),
        problems=(
            "Сотрудники отдела тратят много времени на переделку авансовых отчётов.",
            "Согласование командировки и выдача аванса занимают больше недели.",
            "Вопросы по расчёту отпускных обычно решаются по электронной почте быстро.",
        ),
        quotes=(
            "«Мои инспекторы больше времени проводят с чеками, чем с отчётами о проверках».",
            "«С бухгалтерией работать можно, но всё держится на конкретных людях».",
        ),
        wishes=(
            "Просит упростить требования к документам по командировкам.",
            "Предлагает обучать сотрудников оформлению отчётов до первой командировки.",
        ),
    ),
    InterviewGroup(
        code="regional_support_staff",
        hint="Обеспечивающий персонал территориальных отделов: не обращались (слепая зона)",
        count=4,
        selector=lambda s, r: (
            (s["department"] == _REGIONS_DEPT) & (s["position"] == _SUPPORT_STAFF)
        ),
        intros=(
            "Респондент — водитель территориального отдела, работает в органе восемь лет.",
            "Респондент — работник хозяйственной службы территориального отдела.",
        ),
        problems=(
            "Сам в бухгалтерию ни разу не обращался: все бумаги передаёт делопроизводитель отдела.",
            "Не знает, что справку о доходах можно получить без поездки в головной офис.",
            "О праве на стандартный налоговый вычет на детей ему никто не сообщал.",
            "Учётной записи на портале самообслуживания у него нет.",
        ),
        quotes=(
            "«А разве бухгалтерия с нами работает? Я думал, только с чиновниками».",
            "«Если что-то неправильно посчитают, мы и не узнаем».",
        ),
        wishes=(
            "Хотел бы получать расчётный листок и справки по электронной почте.",
            "Просит, чтобы бухгалтерия сама сообщала о положенных вычетах.",
        ),
    ),
)


def _pick(rng: np.random.Generator, options: tuple[str, ...], k: int = 1) -> list[str]:
    index = rng.choice(len(options), size=min(k, len(options)), replace=False)
    return [options[int(i)] for i in sorted(index)]


def interview_text(rng: np.random.Generator, group: InterviewGroup) -> str:
    """One interview note: who, two findings, a quote, a wish."""
    parts = [
        *_pick(rng, group.intros),
        *_pick(rng, group.problems, 2),
        *_pick(rng, group.quotes),
        *_pick(rng, group.wishes),
    ]
    return " ".join(parts)


# --- Complaints ----------------------------------------------------------------------------------

COMPLAINT_CHANNELS = ("memo", "portal", "email")
COMPLAINT_CHANNEL_P = (0.40, 0.35, 0.25)

_REQUEST_NAMES = {
    "ndfl_certificate": "справку о доходах и суммах налога",
    "salary_certificate": "справку о заработной плате",
    "trip_advance": "аванс на командировку",
    "trip_report": "авансовый отчёт по командировке",
    "reimbursement": "возмещение расходов",
    "vacation_pay": "расчёт отпускных",
    "sick_leave": "оплату больничного",
    "payslip_question": "разъяснение по расчётному листку",
    "tax_deduction": "предоставление налогового вычета",
}

_OPENINGS = ("Прошу рассмотреть ситуацию.", "Довожу до сведения.", "Коллеги, добрый день.", "")
_CLOSINGS = (
    "Прошу принять меры.",
    "Прошу дать разъяснения.",
    "Прошу сообщить, как поступать в таких случаях.",
    "",
)


def _rework(rng: np.random.Generator, f: dict[str, Any]) -> str:
    options = (
        "Авансовый отчёт по командировке вернули на доработку без письменного перечня замечаний.",
        "Отчёт возвращают уже второй раз, каждый раз с новыми требованиями к подтверждающим "
        "документам.",
        f"Документы по запросу на {_REQUEST_NAMES[f['request']]} вернули из-за формы бланка, "
        "которой нет на внутреннем портале.",
    )
    return options[int(rng.integers(len(options)))]


def _in_person_only(rng: np.random.Generator, f: dict[str, Any]) -> str:
    options = (
        f"Работаю удалённо, но с запросом на {_REQUEST_NAMES[f['request']]} требуют прийти "
        "в бухгалтерию лично.",
        "Заявление с оригиналом подписи принимают только в головном офисе, дорога занимает полдня.",
        "Скан заявления не принимают, а почтой оригинал идёт больше недели.",
    )
    return options[int(rng.integers(len(options)))]


def _waiting(rng: np.random.Generator, f: dict[str, Any]) -> str:
    days = plural(f["processing"], "рабочий день", "рабочих дня", "рабочих дней")
    options = (
        f"Запрос на {_REQUEST_NAMES[f['request']]} выполняли {days}.",
        f"Обработка запроса на {_REQUEST_NAMES[f['request']]} заняла {days}, хотя обещали быстрее.",
    )
    return options[int(rng.integers(len(options)))]


def _unclear_rules(rng: np.random.Generator, f: dict[str, Any]) -> str:
    options = (
        "Работаю в органе меньше года, и никто не объяснил, как оформлять документы для "
        "бухгалтерии.",
        "В расчётном листке непонятные начисления, объяснить их по телефону не смогли.",
        "Порядок получения налогового вычета на детей нигде не описан.",
    )
    return options[int(rng.integers(len(options)))]


def _no_answer(rng: np.random.Generator, f: dict[str, Any]) -> str:
    options = (
        "До бухгалтерии невозможно дозвониться, на письма отвечают через несколько дней.",
        "Ответ на вопрос пришёл только после напоминания руководителя.",
    )
    return options[int(rng.integers(len(options)))]


_TOPICS: dict[str, Callable[[np.random.Generator, dict[str, Any]], str]] = {
    "rework": _rework,
    "in_person_only": _in_person_only,
    "waiting": _waiting,
    "unclear_rules": _unclear_rules,
    "no_answer": _no_answer,
}


def complaint_text(rng: np.random.Generator, facts: dict[str, Any]) -> tuple[str, str]:
    """A topic code and a complaint text that fit the request's facts."""
    weights = {
        "rework": 3.0 * facts["rework"],
        "in_person_only": 3.0 * (facts["remote"] and facts["channel"] == "in_person"),
        "waiting": 0.3 + 1.5 * facts["late"],
        "unclear_rules": 0.1 + 2.0 * facts["newcomer"],
        "no_answer": 0.2 + 0.8 * (facts["channel"] == "phone"),
    }
    names = list(weights)
    p = np.array([weights[k] for k in names], dtype=float)
    topic = names[int(rng.choice(len(names), p=p / p.sum()))]
    parts = [
        _OPENINGS[int(rng.integers(len(_OPENINGS)))],
        _TOPICS[topic](rng, facts),
        _CLOSINGS[int(rng.integers(len(_CLOSINGS)))],
    ]
    return topic, " ".join(p for p in parts if p)
